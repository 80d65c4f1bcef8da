"""The live server's one HTTP stack (issue 11): one 401 challenge on every endpoint, a 401
that keeps the connection, pipelined requests, chunked photo uploads, hostile credentials,
recording of every route through the wrapper, and --fall-through as a function call."""
import base64
import os
import re
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from ews_it import (EWSEMU_BIN, Server, UserSpec, addr, assert_no_sanitizer, destroy_env, make_env, assert_fault, envelope, make_jpeg, run_cli, soap_picture,
                    validate_soap_body)

ROOT = Path(__file__).resolve().parents[2]
FORGED = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA"


def photo_body(email, size="HR96x96"):
    return envelope(f"<m:GetUserPhoto><m:Email>{email}</m:Email>"
                    f"<m:SizeRequested>{size}</m:SizeRequested></m:GetUserPhoto>").encode()


def raw_conn(server, tls=False):
    host, port = server.https if tls else server.http
    s = socket.create_connection((host, port), timeout=30)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=host)
    return s


def read_response(sock, buf=b""):
    """One HTTP/1.1 response (Content-Length framing, or none for 304/HEAD-less 1xx);
    returns (status, headers, body, rest of the buffer)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response head; got {buf[:200]!r}"
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:]]
    n = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
    while len(rest) < n:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside a response body"
        rest += chunk
    return status, headers, rest[:n], rest[n:]


def header_all(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def request_bytes(method, target, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1", "Host: mail.contoso.test", *[f"{k}: {v}" for k, v in headers]]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def basic_header(user):
    return ("Authorization", "Basic " + base64.b64encode(f"{user.email}:{user.password}".encode()).decode())


# ---- one challenge, everywhere --------------------------------------------------------------

def endpoints(env):
    email = env.u("large").email
    return {
        "soap": ("POST", "/EWS/Exchange.asmx", [("Content-Type", "text/xml; charset=utf-8")], photo_body(email)),
        "rest": ("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={email}&size=HR96x96", [], b""),
        "outlook": ("GET", "/api/v2.0/me/photo/$value", [], b""),
        "autodiscover": ("POST", "/autodiscover/autodiscover.xml", [("Content-Type", "text/xml")],
                         b'<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
                         b'autodiscover/outlook/requestschema/2006"><Request><EMailAddress>' + email.encode() +
                         b"</EMailAddress></Request></Autodiscover>"),
    }


@pytest.mark.parametrize("where", ["soap", "rest", "outlook", "autodiscover"])
@pytest.mark.parametrize("cred", ["forged", "none"])
def test_401_challenge_is_the_same_on_every_endpoint(env, where, cred):
    """Basic with the realm, then Bearer; with error="invalid_token" after a forged token.
    Before: a SOAP POST got only Basic, an Outlook GET got Bearer first, and the
    Autodiscover POST only Basic."""
    method, target, headers, body = endpoints(env)[where]
    if cred == "forged":
        headers = headers + [("Authorization", FORGED)]
    with raw_conn(env.server) as s:
        s.sendall(request_bytes(method, target, headers, body))
        status, hdrs, data, _ = read_response(s)
    assert status == 401, (status, data[:300])
    ch = header_all(hdrs, "WWW-Authenticate")
    # issue 13: Negotiate and NTLM (Exchange's EWS vdir) come first
    assert ch[:2] == ["Negotiate", "NTLM"], ch
    ch = ch[2:]
    assert len(ch) == 2 and ch[0] == 'Basic realm="ewsemu"' and ch[1].startswith('Bearer realm="ewsemu"'), ch
    assert ('error="invalid_token"' in ch[1]) == (cred == "forged"), ch
    if where != "outlook":
        # issue 13: as IIS/Exchange answers it (connect-like-exchange.md §2.1): no body,
        # no Content-Type; the Outlook REST API keeps its JSON error
        assert data == b"" and header_all(hdrs, "Content-Length") == ["0"], (hdrs, data[:300])
        assert not header_all(hdrs, "Content-Type"), hdrs


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("where", ["soap", "rest", "autodiscover"])
def test_client_that_waits_for_the_challenge_keeps_its_connection(env, tls, where):
    """No credentials first, then the same request with Basic on the same connection (as
    clients that wait for the challenge do).  Before: a 401 to a POST closed the connection."""
    method, target, headers, body = endpoints(env)[where]
    with raw_conn(env.server, tls) as s:
        s.sendall(request_bytes(method, target, headers, body))
        status, hdrs, _, rest = read_response(s)
        assert status == 401
        assert all(v.lower() != "close" for v in header_all(hdrs, "Connection")), hdrs
        s.sendall(request_bytes(method, target, headers + [basic_header(env.u("large"))], body))
        status, hdrs, data, _ = read_response(s, rest)
        assert status == 200, (status, data[:300])


# ---- pipelining ------------------------------------------------------------------------------

@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_pipelined_requests_are_answered_in_order(env, tls):
    """Three requests in one write (a GET, a SOAP POST with a body, a GET of another size):
    three answers, in order, on the one connection.  Before: gSOAP answered the first only."""
    u = env.u("large")
    auth = basic_header(u)
    reqs = [request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR48x48", [auth]),
            request_bytes("POST", "/EWS/Exchange.asmx", [auth, ("Content-Type", "text/xml")], photo_body(u.email)),
            request_bytes("GET", "/nope", [auth])]
    with raw_conn(env.server, tls) as s:
        s.sendall(b"".join(reqs))
        rest = b""
        got = []
        for _ in reqs:
            status, hdrs, data, rest = read_response(s, rest)
            got.append((status, dict((k.lower(), v) for k, v in hdrs).get("content-type")))
    assert got == [(200, "image/jpeg"), (200, "text/xml; charset=utf-8"), (404, "text/plain; charset=utf-8")], got


# ---- hostile credentials and bodies ------------------------------------------------------------

def test_long_basic_user_name_is_401(env):
    """A 1000-character Basic user name: 401 (before: 500)."""
    with raw_conn(env.server) as s:
        cred = base64.b64encode(b"u" * 1000 + b":pw").decode()
        s.sendall(request_bytes("GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=a@b&size=HR48x48",
                                [("Authorization", "Basic " + cred)]))
        status, _, _, _ = read_response(s)
    assert status == 401


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_chunked_photo_upload_to_outlook_rest(env, method):
    """A chunked PUT/PATCH of a photo is read whole by wire/ (before: an empty body, 400)."""
    u = env.u("large")
    jpeg = make_jpeg(120, 120, (10, 120, 200))
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(jpeg[i:i + 1000]), jpeg[i:i + 1000]) for i in range(0, len(jpeg), 1000))
    head = (f"{method} /api/v2.0/me/photo/$value HTTP/1.1\r\nHost: h\r\nContent-Type: image/jpeg\r\n"
            f"Transfer-Encoding: chunked\r\n{basic_header(u)[0]}: {basic_header(u)[1]}\r\n\r\n").encode()
    with raw_conn(env.server) as s:
        s.sendall(head + chunks + b"0\r\n\r\n")
        status, _, data, _ = read_response(s)
    assert status in (200, 204), (status, data[:300])
    c = env.client("large")
    r = c.rest_photo(u.email, "HR120x120")
    assert r.status == 200 and r.body[:2] == b"\xff\xd8"


def test_unsupported_content_encoding_is_415(env):
    c = env.client("large")
    s = c.soap(None, raw=photo_body(env.u("large").email), headers={"Content-Encoding": "br"})
    assert s.status == 415
    assert s.fault()[0].endswith("ErrorInvalidRequest"), s.fault()
    validate_soap_body(s.http.body, "415 fault")


# ---- serve --record: every route through the wrapper ------------------------------------------

def _serve(store, *args):
    return Server(store, args).start()


def test_recording_covers_every_route(env, tmp_path):
    """serve --record: the wrapper sees each route's request and reply values: SOAP, REST,
    Outlook REST, Autodiscover, a 404, a 405 and a 401 each become a fixture with the status
    the client got."""
    rec = tmp_path / "rec"
    srv = _serve(env.store, "--record", str(rec))
    try:
        u = env.u("large")
        auth = basic_header(u)
        sent = [("POST", "/EWS/Exchange.asmx", [auth, ("Content-Type", "text/xml")], photo_body(u.email), 200),
                ("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR48x48", [auth], b"", 200),
                ("GET", "/api/v2.0/me/photo", [auth], b"", 200),
                ("POST", "/autodiscover/autodiscover.xml", [auth], endpoints(env)["autodiscover"][3], 200),
                ("GET", "/nope", [auth], b"", 404),
                ("PUT", "/EWS/Services.wsdl", [auth], b"x", 405),
                ("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR48x48", [], b"", 401)]
        for method, target, headers, body, want in sent:
            with raw_conn(srv) as s:
                s.sendall(request_bytes(method, target, headers, body))
                status, _, _, _ = read_response(s)
            assert status == want, (method, target, status)
    finally:
        srv.stop()
    files = sorted(rec.glob("*.fixture.xml"))
    assert len(files) == len(sent), [f.name for f in files]
    for f, (method, target, _, _, want) in zip(files, sent):
        text = f.read_text()
        assert f'method="{method}"' in text and f'status="{want}"' in text, (f.name, text[:400])
        assert "Authorization" not in text and base64.b64encode(u.password.encode()).decode() not in text


# ---- serve --replay --fall-through: a function call, no second listener ------------------------

def _listening_ports(pid):
    """TCP ports the process @p pid listens on (from /proc: socket inodes of its fds)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", link)
        if m:
            inodes.add(m.group(1))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[3] == "0A" and parts[9] in inodes:   # LISTEN
                    ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def test_fall_through_is_a_function_call(env, tmp_path):
    """serve --replay DIR --fall-through: unmatched requests are answered by the live routes
    in-process; the server listens on its two announced ports and no other (before: a second
    live server on an internal loopback port, talked to over HTTP)."""
    fixtures = tmp_path / "fx"
    fixtures.mkdir()
    corpus = ROOT / "fixtures" / "corpus"
    for f in sorted(corpus.glob("00[12]-*.fixture.xml")):
        (fixtures / f.name).write_text(f.read_text())
    srv = _serve(env.store, "--replay", str(fixtures), "--fall-through")
    try:
        assert _listening_ports(srv.proc.pid) == {srv.http[1], srv.https[1]}
        u = env.u("large")
        with raw_conn(srv) as s:
            # not in the two fixtures: the live store answers, twice on one connection
            for _ in range(2):
                s.sendall(request_bytes("GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR64x64",
                                        [basic_header(u)]))
                status, hdrs, data, _ = read_response(s)
                assert status == 200 and data[:2] == b"\xff\xd8", (status, data[:200])
    finally:
        srv.stop()


# ---- wire's own refusals, written in the route's language -------------------------------------

@pytest.mark.parametrize("where", ["soap", "outlook", "rest"])
def test_body_over_the_limit_is_refused_in_the_routes_style(env, where):
    """A declared body over --max-body is refused by wire/ before it is read (413, connection
    closed); the answer is the route's: an EWS fault ErrorRequestStreamTooBig on the EWS
    endpoint, Outlook's JSON error on the Outlook REST API, plain text elsewhere."""
    u = env.u("large")
    method, target, ctype = {"soap": ("POST", "/EWS/Exchange.asmx", "text/xml"),
                             "outlook": ("PUT", "/api/v2.0/me/photo/$value", "image/jpeg"),
                             "rest": ("PUT", "/ews/Exchange.asmx/s/GetUserPhoto", "image/jpeg")}[where]
    head = (f"{method} {target} HTTP/1.1\r\nHost: h\r\nContent-Type: {ctype}\r\n{basic_header(u)[0]}: "
            f"{basic_header(u)[1]}\r\nContent-Length: {17 << 20}\r\n\r\n").encode()
    with raw_conn(env.server) as s:
        s.sendall(head)
        status, hdrs, data, _ = read_response(s)
    assert status == 413, (status, data[:300])
    assert header_all(hdrs, "Connection") == ["close"], hdrs
    if where == "soap":
        assert b"<faultcode>t:ErrorRequestStreamTooBig</faultcode>" in data, data[:600]
        validate_soap_body(data, "413 fault")
    elif where == "outlook":
        assert b'"code":"ErrorRequestStreamTooBig"' in data, data
    else:
        assert data == b"The request body exceeds the server's limit.\n", data


def test_replay_listeners_take_serves_limits(env, tmp_path):
    """serve --replay runs on the same listener code with serve's limits: --max-body applies
    (413 before the body is read), as it does to the live routes (before: the replay
    listeners ignored --max-body, --max-connections and --idle-timeout)."""
    srv = _serve(env.store, "--replay", str(ROOT / "fixtures" / "corpus"), "--fall-through",
                 "--max-body", "2048")
    try:
        u = env.u("large")
        body = photo_body(u.email) + b" " * 4096
        with raw_conn(srv) as s:
            s.sendall(request_bytes("POST", "/EWS/Exchange.asmx", [basic_header(u), ("Content-Type", "text/xml")],
                                    body))
            status, _, _, _ = read_response(s)
        assert status == 413
    finally:
        srv.stop()


def test_head_and_options(env):
    """HEAD is GET without the body (same status and headers); OPTIONS is 200 with Allow
    (before: gSOAP answered both with an empty 200 text/xml on every URL)."""
    u = env.u("large")
    target = f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR96x96"
    with raw_conn(env.server) as s:
        s.sendall(request_bytes("GET", target, [basic_header(u)]))
        gstatus, ghdrs, gbody, _ = read_response(s)
        s.sendall(request_bytes("HEAD", target, [basic_header(u)]))
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(65536)
        hstatus = int(head.split()[1])
        s.sendall(request_bytes("OPTIONS", "/EWS/Exchange.asmx", [basic_header(u)]))
        ostatus, ohdrs, obody, _ = read_response(s, head.partition(b"\r\n\r\n")[2])
    assert gstatus == hstatus == 200 and gbody[:2] == b"\xff\xd8"
    assert head.partition(b"\r\n\r\n")[2] == b"" or head.partition(b"\r\n\r\n")[2].startswith(b"HTTP/1.1")
    assert b"Content-Type: image/jpeg" in head and f"Content-Length: {len(gbody)}".encode() in head, head
    assert ostatus == 200 and "POST" in header_all(ohdrs, "Allow")[0] and obody == b"", ohdrs


def test_sigterm_right_after_the_urls_stops_cleanly():
    """A parent that stops the server as soon as it printed its URLs (a test harness, a
    script that only wanted to check it starts) gets a clean exit 0: the SIGTERM handler is
    in place before the URLs are printed.  Before, the signal often arrived before the
    handler and killed the process (exit -15)."""
    e = make_env([UserSpec("solo")])
    e.server.stop()
    try:
        for _ in range(10):
            proc = subprocess.Popen([EWSEMU_BIN, "serve", "--store", str(e.store), "--http", "127.0.0.1:0",
                                     "--https", "127.0.0.1:0", "--access-log", "off"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                    text=True)
            for line in proc.stdout:
                if "EWS endpoint https" in line:
                    break
            proc.terminate()
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err[-2000:]
            assert_no_sanitizer(err, "serve")
    finally:
        destroy_env(e)
