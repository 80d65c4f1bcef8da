"""HTTP status codes and request-level SOAP faults (spec §1.1, §1.5, §3, §10.2);
after every bad request the server must keep serving."""

import http.client
import re
import socket

import pytest

from ews_it import (EWS_PATH, REST_PATH, HTTP_TIMEOUT, NS_M, UserSpec, assert_fault,
                    assert_still_serving, basic, destroy_env, envelope, make_env, soap_picture,
                    validate_soap_body)


@pytest.fixture(scope="module")
def rc(env):
    return env.client("plain0")


# ---- 400: REST query errors ------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "",                                              # nothing
    "?size=HR96x96",                                 # missing email
    "?email=&size=HR96x96",                          # empty email
    "?email=large%40example.test",                   # missing size
    "?email=large%40example.test&size=",             # empty size
    "?email=large%40example.test&size=HR1x1",        # not a size code
    "?email=large%40example.test&size=HR100x100",
    "?email=large%40example.test&size=big",
])
def test_rest_bad_query_is_400(env, rc, query):
    r = rc.request("GET", REST_PATH + query)
    assert r.status == 400, f"GET {query!r}: HTTP {r.status}"
    assert_still_serving(env.server, rc, r)


# ---- 401 ---------------------------------------------------------------------------------------

def check_401(r):
    assert r.status == 401, f"HTTP {r.status}"
    auths = r.header_all("WWW-Authenticate")
    assert auths, "401 without WWW-Authenticate"
    assert any(re.match(r'(?i)^basic\s+realm="[^"]*"', a) for a in auths), auths
    # issue 13: Exchange's EWS vdir offers (bare Negotiate, then NTLM), then Basic; never Kerberos
    assert auths[:2] == ["Negotiate", "NTLM"], auths
    for a in auths:
        assert not re.match(r"(?i)^\s*kerberos", a), f"must not offer {a!r}"


CRED_CASES = {
    "no-credentials": None,
    "wrong-password": ("large@example.test", "not-the-password"),
    "unknown-user": ("ghost@example.test", "Pw-ghost-7!"),
    "empty-password": ("large@example.test", ""),
}


@pytest.mark.parametrize("case", list(CRED_CASES))
@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_rest_get_401(env, case, tls):
    c = env.server.client(tls=tls, auth=None)
    r = c.rest_photo("large@example.test", "HR96x96", auth=CRED_CASES[case])
    check_401(r)
    assert not r.body.startswith(b"\xff\xd8"), "no image without credentials"
    r2 = c.rest_photo("large@example.test", "HR96x96", auth=env.u("large").auth)
    assert r2.status == 200
    assert_still_serving(env.server)


@pytest.mark.parametrize("case", list(CRED_CASES))
@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_soap_post_401(env, case, tls):
    c = env.server.client(tls=tls, auth=None)
    s = c.get_user_photo("large@example.test", "HR96x96", auth=CRED_CASES[case])
    check_401(s.http)
    assert b"PictureData>/9j" not in s.body
    soap_picture(c.get_user_photo("large@example.test", "HR96x96", auth=env.u("large").auth))
    assert_still_serving(env.server)


def test_malformed_authorization_header_is_401(env):
    c = env.server.client(auth=None)
    r = c.request("GET", REST_PATH + "?email=large%40example.test&size=HR96x96",
                  headers={"Authorization": "Basic !!!not-base64!!!"}, auth=None)
    check_401(r)
    assert_still_serving(env.server, c, r)


def test_password_of_other_user_is_401(env):
    c = env.server.client(auth=None)
    r = c.rest_photo("large@example.test", "HR96x96", auth=("large@example.test", env.u("small").password))
    check_401(r)


# ---- 404 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["nobody@example.test", "large@elsewhere.test"])
def test_rest_unknown_user_is_404(env, rc, email):
    r = rc.rest_photo(email, "HR96x96")
    assert r.status == 404
    assert_still_serving(env.server, rc, r)


@pytest.mark.parametrize("path", ["/", "/nothing", "/EWS/Exchange.asmx/s/GetUserPhotos?email=large%40example.test&size=HR96x96",
                                  "/EWS/Exchange.asmx/s/Other", "/ews/exchange.asmx/GetUserPhoto",
                                  "/EWS/Services.wsdl.missing", "/autodiscover/unknown.xml"])
def test_unknown_url_get_is_404(env, rc, path):
    r = rc.request("GET", path)
    assert r.status == 404, f"GET {path}: HTTP {r.status}"
    assert_still_serving(env.server, rc, r)


@pytest.mark.parametrize("path", ["/EWS/Other.asmx", "/EWS/Exchange.asmx/extra", "/"])
def test_unknown_url_post_is_404(env, rc, path):
    s = rc.get_user_photo("large@example.test", "HR96x96", path=path)
    assert s.status == 404, f"POST {path}: HTTP {s.status}"
    assert_still_serving(env.server, rc, s.http)


def test_get_on_soap_endpoint_is_the_wsdl(env, rc):
    """GET on the SOAP endpoint answers the service description, as Exchange (issue 13 item 1)."""
    r = rc.request("GET", EWS_PATH)
    assert r.status == 200 and b"<wsdl:definitions" in r.body, f"GET {EWS_PATH}: HTTP {r.status}"
    assert_still_serving(env.server, rc, r)


@pytest.mark.parametrize("path", ["/ews/exchange.asmx", "/EWS/EXCHANGE.ASMX", "/Ews/Exchange.Asmx"])
def test_soap_path_case_insensitive(env, rc, path):
    soap_picture(rc.get_user_photo("large@example.test", "HR96x96", path=path))


# ---- malformed requests -> 500 + fault ------------------------------------------------------------

MALFORMED = {
    "truncated": envelope("<m:GetUserPhoto><m:Email>large@example.test</m:Email>")[:-40],
    "garbage": "this is not XML at all",
    "unclosed-tag": envelope("<m:GetUserPhoto><m:Email>large@example.test</m:Email>"
                             "<m:SizeRequested>HR96x96</m:SizeRequested>").replace("</soap:Body>", ""),
    "mismatched-tag": envelope("<m:GetUserPhoto><m:Email>large@example.test</m:Mail>"
                               "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>"),
    "bad-entity": envelope("<m:GetUserPhoto><m:Email>a&nope;b</m:Email>"
                           "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>"),
    "undeclared-prefix": envelope("<x:GetUserPhoto><m:Email>large@example.test</m:Email>"
                                  "<m:SizeRequested>HR96x96</m:SizeRequested></x:GetUserPhoto>"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_xml_is_schema_validation_fault(env, rc, case):
    s = rc.soap(None, raw=MALFORMED[case])
    assert_fault(s, code="ErrorSchemaValidation")
    assert_still_serving(env.server, rc, s.http)


def test_empty_post_body_is_fault(env, rc):
    s = rc.soap(None, raw=b"", action="GetUserPhoto")
    assert s.status == 500, f"HTTP {s.status}"
    assert_fault(s)
    assert_still_serving(env.server, rc, s.http)


def test_empty_soap_body_is_fault(env, rc):
    s = rc.soap("")
    assert_fault(s, not_codes=("NoError",))
    assert_still_serving(env.server, rc, s.http)


UNKNOWN_OPS = {
    "CreateItem": ('<m:CreateItem><m:Items><t:Contact><t:DisplayName>x</t:DisplayName></t:Contact></m:Items>'
                   '</m:CreateItem>'),
    "MadeUp": "<m:FrobnicateWidgets><m:Widget>1</m:Widget></m:FrobnicateWidgets>",
    "OtherNamespace": '<x:GetUserPhoto xmlns:x="urn:not-ews"><x:Email>large@example.test</x:Email></x:GetUserPhoto>',
}


@pytest.mark.parametrize("op", list(UNKNOWN_OPS))
def test_unknown_operation_is_fault(env, rc, op):
    s = rc.soap(UNKNOWN_OPS[op])
    code = assert_fault(s, not_codes=("ErrorInvalidRequest", "ErrorInvalidServerVersion", "NoError"))
    assert code.startswith("Error"), code
    assert_still_serving(env.server, rc, s.http)


def test_bad_requests_in_a_row_on_one_connection(env, rc):
    """A mix of bad requests on one keep-alive connection, then a good one."""
    user = env.u("large")
    for _ in range(3):
        r = rc.request("GET", REST_PATH + "?size=HR96x96")
        assert r.status == 400
        s = rc.soap(None, raw=MALFORMED["truncated"])
        assert s.status == 500
        s = rc.get_user_photo("nobody@example.test", "HR96x96")
        assert s.status == 500
        s = rc.soap(UNKNOWN_OPS["MadeUp"])
        assert s.status == 500
        r = rc.rest_photo(user.email, "HR648x648", inm="*")
        assert r.status == 304
    assert_still_serving(env.server, rc, r)


# ---- 413: body limit, answered before the body is read ---------------------------------------------

@pytest.fixture(scope="module")
def small_body_env():
    e = make_env(users=[UserSpec("large", photo=(648, 648, (200, 30, 30))), UserSpec("plain0")],
                 server_args=["--max-body", "65536"])
    yield e
    destroy_env(e)


def _raw_post_headers_only(server, length, auth):
    sock = socket.create_connection(server.http, timeout=HTTP_TIMEOUT)
    try:
        head = (f"POST {EWS_PATH} HTTP/1.1\r\nHost: mail.example.test\r\n"
                f"Authorization: {basic(auth)}\r\nContent-Type: text/xml; charset=utf-8\r\n"
                f"SOAPAction: \"{NS_M}/GetUserPhoto\"\r\nContent-Length: {length}\r\n\r\n")
        sock.sendall(head.encode())
        sock.settimeout(30)
        resp = http.client.HTTPResponse(sock)
        try:
            resp.begin()
        except socket.timeout:
            pytest.fail("no answer within 30 s: the server waited for the body instead of answering 413")
        body = resp.read()
        return resp, body
    finally:
        sock.close()


@pytest.mark.parametrize("auth", ["valid", "none"])
def test_413_before_body_is_read(small_body_env, auth):
    e = small_body_env
    creds = e.u("plain0").auth if auth == "valid" else ("x@example.test", "x")
    resp, body = _raw_post_headers_only(e.server, 100 * 1024, creds)
    if auth == "valid":
        assert resp.status == 413, f"HTTP {resp.status}"
    else:
        assert resp.status in (401, 413), f"HTTP {resp.status}"
    if body and body.lstrip().startswith(b"<"):
        validate_soap_body(body, f"413 fault (HTTP {resp.status})")
    assert_still_serving(e.server)


def test_body_just_below_limit_is_served(small_body_env):
    e = small_body_env
    c = e.client("plain0")
    body = ("<m:GetUserPhoto><m:Email>large@example.test</m:Email>"
            "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>")
    raw = envelope(body)
    raw = raw.replace("<soap:Body>", "<soap:Body><!--" + "p" * (60 * 1024 - len(raw)) + "-->")
    assert 59 * 1024 < len(raw) < 65536
    soap_picture(c.soap(None, raw=raw))


def test_full_oversized_body_is_413(small_body_env):
    """A client that sends the whole 100 KB body anyway gets 413 (or a closed
    connection after it), and the server keeps serving."""
    e = small_body_env
    sock = socket.create_connection(e.server.http, timeout=HTTP_TIMEOUT)
    payload = envelope("<m:GetUserPhoto><m:Email>large@example.test</m:Email>"
                       "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>").encode()
    payload = payload.replace(b"<soap:Body>", b"<soap:Body><!--" + b"q" * (100 * 1024) + b"-->")
    head = (f"POST {EWS_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: {basic(e.u('plain0').auth)}\r\n"
            f"Content-Type: text/xml; charset=utf-8\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
    try:
        try:
            sock.sendall(head + payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        assert resp.status == 413, f"HTTP {resp.status}"
        body = resp.read()
        if body.lstrip().startswith(b"<"):
            validate_soap_body(body, "413 fault")
    except ConnectionResetError:
        pass   # the 413 may be lost when the server closes while data is unread
    finally:
        sock.close()
    assert_still_serving(e.server)

