"""Exchange's HTTP identity and the access log (issue 13 items 3 and 5; spec
connect-like-exchange.md §2.1, §2.6, §5, §7.1): the headers on every kind of answer,
the IIS 401, request-id unique and equal to the access log's cafeReqId, the W3C line
format with hostile user agents, the EWS operation and ResponseCodes of a batch, SIGHUP
reopening, and --log-level debug bodies without credentials."""
import base64
import os
import re
import signal
import subprocess
import socket
import time

import pytest

from ews_it import envelope as ews_envelope
from ews_it import (EWSEMU_BIN, NS, UserSpec, destroy_env, make_env, make_jpeg, messages, run_cli,
                    tenant_contacts)
from test_front import basic_header, header_all, raw_conn, read_response, request_bytes

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
FIELDS = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
          "cs(Referer) sc-status sc-substatus sc-win32-status time-taken").split()
NAME = "EXCH01"
FRONT = ["Server", "request-id", "X-Powered-By", "X-FEServer", "Date"]
BACK = ["X-BEServer", "X-DiagInfo", "X-AspNet-Version", "X-CalculatedBETarget", "X-BackEndHttpStatus"]

CONTACTS = {"owner": [{"display_name": "Bob Builder", "email": "bob@builder.test", "photo": "img/bob.jpg"}]}
PHOTOS = {"bob.jpg": make_jpeg(64, 64, (200, 30, 30))}


def users():
    return [UserSpec("owner", photo=(96, 96, (10, 20, 30))), UserSpec("other")]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    log = tmp_path_factory.mktemp("alog") / "u_ex.log"
    e = make_env(users(), server_args=["--access-log", str(log), "--server-name", NAME],
                 extra=tenant_contacts(CONTACTS, PHOTOS))
    e.access_log = log
    yield e
    destroy_env(e)


# ---- helpers ----------------------------------------------------------------------------

def raw(server, data, tls=False):
    """Send raw request bytes, return (status, [(name, value)], body) of one response."""
    with raw_conn(server, tls) as s:
        s.sendall(data)
        status, hdrs, body, _ = read_response(s)
        return status, hdrs, body


def basic(user):
    return basic_header(user)[1]


def envelope(inner):
    return ews_envelope(inner).encode()


def photo_soap(email):
    return envelope(f"<m:GetUserPhoto><m:Email>{email}</m:Email><m:SizeRequested>HR96x96</m:SizeRequested>"
                    "</m:GetUserPhoto>")


def log_lines(path, wait_for=None):
    """The access log's entries (lists of fields); waits (bounded) until a line holds @p wait_for."""
    deadline = time.monotonic() + 20
    while True:
        text = path.read_bytes().decode("ascii")   # the log is ASCII whatever clients send
        entries = [l for l in text.split("\n") if l and not l.startswith("#")]
        if wait_for is None or any(wait_for in l for l in entries) or time.monotonic() > deadline:
            return text, [l.split(" ") for l in entries]
        time.sleep(0.05)


def entry_for(path, request_id):
    _, entries = log_lines(path, request_id)
    found = [e for e in entries if f"cafeReqId={request_id};" in e[5]]
    assert len(found) == 1, (request_id, found)
    e = found[0]
    assert len(e) == len(FIELDS), e
    return dict(zip(FIELDS, e))


def endpoints(env):
    owner = env.u("owner")
    return {
        "soap-200": ("POST", "/EWS/Exchange.asmx", [("Content-Type", "text/xml")], photo_soap(owner.email), 200),
        "soap-500": ("POST", "/EWS/Exchange.asmx", [("Content-Type", "text/xml")],
                     envelope("<m:NoSuchOperation/>"), 500),
        "rest-200": ("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}&size=HR96x96", [], b"", 200),
        "rest-404": ("GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=nobody@example.test&size=HR96x96", [], b"",
                     404),
        "outlook-200": ("GET", "/api/v2.0/me/photo", [], b"", 200),
        "autodiscover-200": ("POST", "/autodiscover/autodiscover.xml", [("Content-Type", "text/xml")],
                             b'<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
                             b'autodiscover/outlook/requestschema/2006"><Request><EMailAddress>' +
                             owner.email.encode() + b"</EMailAddress></Request></Autodiscover>", 200),
        "url-404": ("GET", "/no/such/thing", [], b"", 404),
        "post-404": ("POST", "/no/such/thing", [("Content-Type", "text/xml")], b"<x/>", 404),
    }


# ---- headers ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["soap-200", "soap-500", "rest-200", "rest-404", "outlook-200", "autodiscover-200",
                                  "url-404", "post-404", "soap-401", "rest-401", "outlook-401",
                                  "autodiscover-401"])
def test_identity_headers_on_every_answer(env, case):
    """Server: Microsoft-IIS/10.0, X-Powered-By, request-id (GUID), X-FEServer, Date on every
    answer; the back-end set when a handler answered.  Before: Server: gSOAP/2.8, no request-id."""
    where, _, kind = case.rpartition("-")
    ep = endpoints(env)[case if kind != "401" else f"{where}-200"]
    method, target, headers, body, status = ep
    headers = list(headers)
    if kind != "401" and case != "post-404":
        headers.append(("Authorization", basic(env.u("owner"))))
    st, hdrs, data = raw(env.server, request_bytes(method, target, headers, body))
    assert st == (401 if kind == "401" else status), (st, data[:300])
    for h in FRONT:
        assert len(header_all(hdrs, h)) == 1, (h, hdrs)
    assert header_all(hdrs, "Server") == ["Microsoft-IIS/10.0"]
    assert header_all(hdrs, "X-Powered-By") == ["ASP.NET"]
    assert header_all(hdrs, "X-FEServer") == [NAME]
    assert GUID.match(header_all(hdrs, "request-id")[0]), hdrs
    assert not any("gsoap" in v.lower() for _, v in hdrs), hdrs
    backend = kind not in ("401",) and case != "post-404"
    for h in BACK:
        assert len(header_all(hdrs, h)) == (1 if backend else 0), (h, hdrs)
    if backend:
        assert header_all(hdrs, "X-BEServer") == [NAME] and header_all(hdrs, "X-DiagInfo") == [NAME]
        assert header_all(hdrs, "X-BackEndHttpStatus") == [str(st)]
        assert header_all(hdrs, "X-AspNet-Version") == ["4.0.30319"]
        assert header_all(hdrs, "X-CalculatedBETarget") == [NAME.lower()]


@pytest.mark.parametrize("where", ["soap", "rest", "autodiscover"])
def test_401_as_iis_answers_it(env, where):
    """Content-Length: 0, no Content-Type, the offers on separate lines, keep-alive, and the
    IIS log's 401 2 5 (anonymous) / 401 1 1326 (refused credentials).  Before: a SOAP fault body."""
    method, target, headers, body, _ = endpoints(env)[f"{where}-200"]
    owner = env.u("owner")
    bad = "Basic " + base64.b64encode(f"{owner.email}:wrong".encode()).decode()
    for cred, sub in ((None, ("2", "5")), (bad, ("1", "1326"))):
        h = list(headers) + ([("Authorization", cred)] if cred else [])
        st, hdrs, data = raw(env.server, request_bytes(method, target, h, body))
        assert st == 401 and data == b"" and header_all(hdrs, "Content-Length") == ["0"], (st, hdrs, data)
        assert not header_all(hdrs, "Content-Type") and not header_all(hdrs, "Connection"), hdrs
        assert all(", " not in v for v in header_all(hdrs, "WWW-Authenticate")[:1]), hdrs
        e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
        assert (e["sc-status"], e["sc-substatus"], e["sc-win32-status"]) == ("401",) + sub, e
        assert e["cs-username"] == "-", e


def test_request_id_unique_and_in_the_access_log(env):
    """Fifty requests: fifty distinct request-ids, each the cafeReqId of exactly one log line
    with that request's method, stem, status, user and addresses."""
    owner = env.u("owner")
    seen = []
    for i in range(50):
        st, hdrs, _ = raw(env.server, request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}"
                                                 f"&size=HR96x96&n={i}", [("Authorization", basic(owner))]))
        assert st == 200
        seen.append(header_all(hdrs, "request-id")[0])
    assert len(set(seen)) == 50
    for rid in (seen[0], seen[-1]):
        e = entry_for(env.access_log, rid)
        assert e["cs-method"] == "GET" and e["cs-uri-stem"] == "/ews/Exchange.asmx/s/GetUserPhoto", e
        assert e["cs-uri-query"].startswith(f"email={owner.email}&size=HR96x96&n="), e
        assert "&Operation=GetUserPhoto;" in e["cs-uri-query"], e
        assert e["sc-status"] == "200" and e["sc-substatus"] == "0" and e["sc-win32-status"] == "0", e
        assert e["cs-username"] == owner.email and e["c-ip"] == "127.0.0.1", e
        assert e["s-ip"] == "127.0.0.1" and e["s-port"] == str(env.server.http[1]), e
        assert re.match(r"^\d{4}-\d\d-\d\d$", e["date"]) and re.match(r"^\d\d:\d\d:\d\d$", e["time"]), e
        assert int(e["time-taken"]) >= 0


def test_client_request_id_echoed_when_asked(env):
    """client-request-id comes back only with return-client-request-id: true (spec §5.3) and
    is the log's CorrelationID; one longer than 128 bytes is neither echoed nor logged."""
    owner = env.u("owner")
    target = f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}&size=HR96x96"
    crid = "9d3f1e2a-1111-4222-8333-444455556666"
    for ret, echoed in (("true", True), ("false", False), (None, False)):
        h = [("Authorization", basic(owner)), ("client-request-id", crid)]
        if ret:
            h.append(("return-client-request-id", ret))
        st, hdrs, _ = raw(env.server, request_bytes("GET", target, h))
        assert header_all(hdrs, "client-request-id") == ([crid] if echoed else []), (ret, hdrs)
        e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
        assert f"&CorrelationID={crid};" in e["cs-uri-query"], e
    long_id = "x" * 129
    st, hdrs, _ = raw(env.server, request_bytes("GET", target, [("Authorization", basic(owner)), ("client-request-id", long_id),
                                                      ("return-client-request-id", "true")]))
    assert st == 200 and not header_all(hdrs, "client-request-id")
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert "&CorrelationID=<empty>;" in e["cs-uri-query"], e


# ---- the access log's format ------------------------------------------------------------------

def test_access_log_header_is_iis(env):
    text, _ = log_lines(env.access_log)
    head = text.split("\n")[:4]
    assert head[0] == "#Software: Microsoft Internet Information Services 10.0", head
    assert head[1] == "#Version: 1.0"
    assert re.match(r"^#Date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", head[2]), head
    assert head[3] == "#Fields: " + " ".join(FIELDS)


@pytest.mark.parametrize("ua,logged", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64) ExchangeServicesClient/15.0", "Mozilla/5.0+(Windows+NT+10.0;+Win64)+"
                                                                        "ExchangeServicesClient/15.0"),
    (None, "-"),
    ('say "hi" \'there\'', "say+\"hi\"+'there'"),
    ("tab\there", "tab%09here"),
    ("caf\u00e9 \u00fcber", "caf%C3%A9+%C3%BCber"),
])
def test_user_agent_escaping(env, ua, logged):
    """Spaces become '+', an absent field '-', control and non-ASCII bytes %XX: one line of
    14 fields whatever the client sends."""
    owner = env.u("owner")
    h = [("Authorization", basic(owner))] + ([("User-Agent", ua)] if ua is not None else [])
    data = request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}&size=HR96x96", h)
    if ua is not None:
        data = data.replace(ua.encode("latin-1", "ignore") if ua.isascii() else ua.encode("latin-1"),
                            ua.encode("utf-8"))
    st, hdrs, _ = raw(env.server, data)
    assert st == 200
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert e["cs(User-Agent)"] == logged and e["cs(Referer)"] == "-", e


def test_8k_user_agent_and_referer_are_cut_not_split(env):
    """An 8 KiB user agent and referer: the line stays one line of 14 fields under 4096 bytes
    with the status fields intact; the fields are cut at 512 bytes."""
    owner = env.u("owner")
    ua, ref = "A b" * 2800, "https://r.example/" + "q" * 8000
    st, hdrs, _ = raw(env.server, request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}&size=HR96x96",
                                      [("Authorization", basic(owner)), ("User-Agent", ua), ("Referer", ref)]))
    assert st == 200
    rid = header_all(hdrs, "request-id")[0]
    e = entry_for(env.access_log, rid)
    assert len(e["cs(User-Agent)"]) == 512 and e["cs(User-Agent)"].startswith("A+bA+b"), len(e["cs(User-Agent)"])
    assert len(e["cs(Referer)"]) == 512 and e["sc-status"] == "200"
    text, _ = log_lines(env.access_log, rid)
    line = next(l for l in text.split("\n") if rid in l)
    assert len(line) + 1 <= 4096


def test_header_with_newline_does_not_forge_a_line(env):
    """A bare LF in a header value is refused by wire (400) before any handler: it cannot
    inject a log line (no line carries the forged text)."""
    with socket.create_connection(env.server.http, timeout=30) as s:
        s.sendall(b"GET /ews/Exchange.asmx HTTP/1.1\r\nHost: x\r\nUser-Agent: a\nFORGED 1 2 3\r\n\r\n")
        s.recv(65536)
    owner = env.u("owner")
    st, hdrs, _ = raw(env.server, request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}&size=HR96x96",
                                      [("Authorization", basic(owner))]))
    entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    text, entries = log_lines(env.access_log)
    assert "FORGED" not in text
    assert all(len(e) == len(FIELDS) for e in entries), [e for e in entries if len(e) != len(FIELDS)][:3]


def resolve_contact(env, client_user, email):
    body = envelope(f'<m:ResolveNames ReturnFullContactData="false" SearchScope="Contacts">'
                    f"<m:UnresolvedEntry>{email}</m:UnresolvedEntry></m:ResolveNames>")
    c = env.client(client_user)
    r = c.soap(None, raw=body, action="ResolveNames")
    m = messages(r, "ResolveNames", 1)[0]
    return m.find("m:ResolutionSet/t:Resolution/t:Mailbox/t:ItemId", NS).get("Id")


def test_batch_get_item_operation_and_codes(env):
    """A GetItem batch of two good ids and one malformed one: the line names GetItem and the
    codes with their counts, in the order they first appear."""
    good = resolve_contact(env, "owner", "bob@builder.test")
    ids = "".join(f'<t:ItemId Id="{i}"/>' for i in (good, "not-an-id", good))
    body = envelope(f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
                    f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>")
    owner = env.u("owner")
    st, hdrs, data = raw(env.server, request_bytes("POST", "/EWS/Exchange.asmx", [("Authorization", basic(owner)),
                                                                         ("Content-Type", "text/xml")], body))
    assert st == 200 and data.count(b"ErrorInvalidIdMalformed") >= 1, data[:500]
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert e["cs-uri-query"].endswith("&Operation=GetItem;&ResponseCode=NoError:2,ErrorInvalidIdMalformed:1;"), e


def test_fault_code_and_unknown_operation(env):
    """A request-level fault logs its code; an unknown operation its element name."""
    owner = env.u("owner")
    st, hdrs, _ = raw(env.server, request_bytes("POST", "/EWS/Exchange.asmx", [("Authorization", basic(owner)),
                                                                      ("Content-Type", "text/xml")],
                                      envelope("<m:NoSuchOperation/>")))
    assert st == 500
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert e["cs-uri-query"].endswith("&Operation=NoSuchOperation;&ResponseCode=ErrorInvalidOperation:1;"), e


@pytest.mark.parametrize("case,op", [("outlook-200", "OutlookGetPhoto"), ("autodiscover-200", "Autodiscover"),
                                     ("rest-404", "GetUserPhoto")])
def test_other_routes_name_their_operation(env, case, op):
    method, target, headers, body, status = endpoints(env)[case]
    st, hdrs, _ = raw(env.server, request_bytes(method, target, list(headers) + [("Authorization", basic(env.u("owner")))],
                                      body))
    assert st == status
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert f"&Operation={op};" in e["cs-uri-query"], e


def test_outlook_error_code_logged(env):
    st, hdrs, _ = raw(env.server, request_bytes("GET", "/api/v2.0/users('nobody@example.test')/photo",
                                      [("Authorization", basic(env.u("owner")))]))
    assert st == 404
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert re.search(r"&Operation=OutlookGetPhoto;&ResponseCode=\w+:1;$", e["cs-uri-query"]), e


def test_wire_refusal_is_logged_with_identity(env):
    """A body over --max-body is refused by wire before the handler (413): still identified
    and logged."""
    owner = env.u("owner")
    st, hdrs, _ = raw(env.server, b"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                      basic(owner).encode() + b"\r\nContent-Type: text/xml\r\nContent-Length: 999999999\r\n\r\n")
    assert st == 413
    assert header_all(hdrs, "Server") == ["Microsoft-IIS/10.0"]
    e = entry_for(env.access_log, header_all(hdrs, "request-id")[0])
    assert e["sc-status"] == "413", e


# ---- the log's destination --------------------------------------------------------------------

def test_sighup_reopens_the_log(env):
    """Rotation: rename the file, SIGHUP, the next request goes to a new file at the old path
    (with its header); the renamed file keeps what it had."""
    owner = env.u("owner")
    target = f"/ews/Exchange.asmx/s/GetUserPhoto?email={owner.email}&size=HR96x96"
    st, hdrs, _ = raw(env.server, request_bytes("GET", target, [("Authorization", basic(owner))]))
    before = header_all(hdrs, "request-id")[0]
    entry_for(env.access_log, before)
    rotated = env.access_log.with_suffix(".1")
    os.rename(env.access_log, rotated)
    env.server.proc.send_signal(signal.SIGHUP)
    time.sleep(0.2)
    st, hdrs, _ = raw(env.server, request_bytes("GET", target, [("Authorization", basic(owner))]))
    after = header_all(hdrs, "request-id")[0]
    assert env.access_log.exists()
    entry_for(env.access_log, after)
    text, _ = log_lines(env.access_log)
    assert text.startswith("#Software: ") and before not in text
    assert before in rotated.read_text() and after not in rotated.read_text()
    assert env.server.proc.poll() is None


def test_default_access_log_is_stdout_and_off_is_off(tmp_path):
    """`serve` logs to standard output by default; --access-log off writes no line."""
    for args, expect in (([], True), (["--access-log", "off"], False)):
        e = make_env([UserSpec("solo")], server_args=args)
        try:
            u = e.u("solo")
            st, hdrs, _ = raw(e.server, request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR96x96",
                                            [("Authorization", basic(u))]))
            rid = header_all(hdrs, "request-id")[0]
            deadline = time.monotonic() + (10 if expect else 1)
            while time.monotonic() < deadline and not any(rid in l for l in e.server.stdout_lines):
                time.sleep(0.05)
            assert any(rid in l for l in e.server.stdout_lines) == expect, e.server.stdout_lines[-5:]
            assert any(l.startswith("#Fields: ") for l in e.server.stdout_lines) == expect
        finally:
            destroy_env(e)


@pytest.mark.parametrize("bad", ["", "A" * 16, "has space", "dot.ted", "x/y"])
def test_bad_server_name_is_refused(tmp_path, bad):
    p = run_cli("serve", "--store", str(tmp_path), "--server-name", bad, "--http", "127.0.0.1:0", "--https", "off")
    assert p.returncode == 2 and "--server-name" in p.stderr, (p.returncode, p.stderr)


def test_unwritable_access_log_refuses_to_start(tmp_path):
    p = run_cli("serve", "--store", str(tmp_path), "--access-log", str(tmp_path / "no" / "such" / "dir" / "x.log"),
                "--http", "127.0.0.1:0", "--https", "off")
    assert p.returncode != 0 and "access log" in p.stderr, (p.returncode, p.stderr)


# ---- --log-level debug ---------------------------------------------------------------------------

def test_debug_log_has_bodies_and_never_credentials():
    """--log-level debug: request and response bodies appear (one line each, capped at 4 KiB
    with the rest counted); the Basic password (also as base64), a bearer token, a Password
    element / attribute and a JSON password never do."""
    e = make_env(users(), server_args=["--log-level", "debug", "--access-log", "off"])
    try:
        owner = e.u("owner")
        token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrbm93bi10b2tlbiJ9.S3CR3TSIGNATURE"
        secret = "Sekr1t-In-Body-42"
        b64 = base64.b64encode(f"{owner.email}:{owner.password}".encode()).decode()
        st, _, _ = raw(e.server, request_bytes("POST", "/EWS/Exchange.asmx", [("Authorization", basic(owner)),
                                                                     ("Content-Type", "text/xml")],
                                     photo_soap(owner.email)))
        assert st == 200
        body = envelope(f'<m:GetUserPhoto Password="{secret}"><t:Password>{secret}</t:Password>'
                        f"<m:Email>{owner.email}</m:Email></m:GetUserPhoto>")
        raw(e.server, request_bytes("POST", "/EWS/Exchange.asmx", [("Authorization", basic(owner)),
                                                          ("Content-Type", "text/xml")], body))
        raw(e.server, request_bytes("GET", "/api/v2.0/me/photo", [("Authorization", "Bearer " + token)]))
        raw(e.server, request_bytes("PATCH", "/api/v2.0/me/photo/$value", [("Authorization", basic(owner)),
                                                                  ("Content-Type", "application/json")],
                          ('{"user": "x", "password": "%s"}' % secret).encode()))
        big = envelope("<m:ResolveNames ReturnFullContactData=\"false\"><m:UnresolvedEntry>" + "z" * 9000 +
                       "</m:UnresolvedEntry></m:ResolveNames>")
        raw(e.server, request_bytes("POST", "/EWS/Exchange.asmx", [("Authorization", basic(owner)),
                                                          ("Content-Type", "text/xml")], big))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "UnresolvedEntry" not in e.server.stderr():
            time.sleep(0.05)
        err = e.server.stderr()
        reqs = [l for l in err.split("\n") if " DEBUG http: request " in l]
        resps = [l for l in err.split("\n") if " DEBUG http: response " in l]
        assert len(reqs) >= 5 and len(resps) >= 5, err[-2000:]
        assert any("<m:GetUserPhoto>" in l and "body (" in l for l in reqs), reqs[:2]
        assert any("GetUserPhotoResponse" in l for l in resps), [l[:300] for l in resps]
        assert any("Authorization: Basic [removed]" in l for l in reqs)
        assert any("Authorization: Bearer [removed]" in l for l in reqs)
        assert any("<t:Password>[removed]</t:Password>" in l and 'Password="[removed]"' in l for l in reqs)
        assert any('"password": "[removed]"' in l for l in reqs)
        assert any(re.search(r"body \(\d+ bytes\): .*\.\.\. \(\d+ more bytes\)", l) for l in reqs)
        assert all(len(l) < 5 * 4096 for l in reqs + resps)
        for leaked in (owner.password, b64, token, "S3CR3TSIGNATURE", secret):
            assert leaked not in err, f"{leaked!r} in the debug log"
    finally:
        destroy_env(e)


def test_stdout_reader_that_stops_reading_does_not_stop_the_server():
    """The access log on a pipe whose reader reads the startup lines and then nothing (as a
    script that only wants the URL does): 1500 requests (~400 KiB of log, six times a pipe's
    buffer) are all answered.  Before the drop rule the 260th request blocked in write(2)."""
    e = make_env([UserSpec("solo")])
    e.server.stop()
    proc = subprocess.Popen([EWSEMU_BIN, "serve", "--store", str(e.store), "--http", "127.0.0.1:0", "--https", "off"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        port = None
        while port is None:
            line = proc.stdout.readline()
            assert line, "serve exited"
            m = re.search(rb"EWS endpoint http://127\.0\.0\.1:(\d+)/", line)
            port = int(m.group(1)) if m else None
        u = e.u("solo")
        data = request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR96x96&pad={'p' * 200}",
                             [("Authorization", basic(u)), ("User-Agent", "U" * 300)])
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:   # a hang fails here
            buf = b""
            for _ in range(1500):
                s.sendall(data)
                st, _, _, buf = read_response(s, buf)
                assert st in (200, 404)
        assert proc.poll() is None
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
        destroy_env(e)
    assert b"lines are dropped" in err
