"""Hostile clients against a server that runs on src/wire/ (issue 11, "Hostile
clients the new stack must hold"), over real sockets, HTTP and HTTPS:

* slow clients: a request head trickled a byte at a time loses its slot at
  the head deadline (408), a TLS handshake trickled a byte at a time at the
  handshake deadline, an idle keep-alive is closed without an answer;
* a flood of slow connections from one address (127.0.0.2: Linux loopback
  accepts any 127/8 source) does not lock out a client from another address;
* limits answered at once, then the connection closed: 414, 431, 400 for
  control bytes in the request line, conflicting Content-Length,
  Content-Length with Transfer-Encoding, a body cut short by a half-close;
* pipelining: three requests in one write are answered in order;
* a 401 keeps the connection open.

The server under test comes from the `target` fixture: `serve --replay
fixtures/corpus`, and the live `serve` on the demo organisation (both on
src/wire/ since issue 11).
Timeouts here only catch a hang; no test asserts a duration.
"""

import select
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest

from ews_it import EWS_PATH, REPO, Server, _tls_context, basic, run_cli

HANG = 60                 # seconds: a generous bound that only catches a hang
HEAD_TIMEOUT = 10         # WIRE_HEAD_TIMEOUT_DEFAULT (wire.h)
HANDSHAKE_TIMEOUT = 10    # WIRE_HANDSHAKE_TIMEOUT_DEFAULT
TRICKLE_FOR = 6 * HEAD_TIMEOUT   # trickling longer than this means the deadline did not hold
TARGET_MAX = 8 * 1024     # WIRE_TARGET_MAX
HEAD_MAX = 64 * 1024      # WIRE_HEAD_MAX
FLOOD = 300               # slow connections from the attacking address (over the 256 global cap)
ATTACKER = "127.0.0.2"

CORPUS = REPO / "fixtures" / "corpus"
PHOTO_TARGET = "/ews/Exchange.asmx/s/GetUserPhoto?email=alex.smith@contoso.test&size=HR96x96"
CALLER = ("alex.smith@contoso.test", "any")           # the replay server checks no password
LIVE_CALLER = ("alex.smith@contoso.test", "Passw0rd!")   # the demo organisation's


def _fixture_request_body(name):
    """The XML request body recorded in a corpus fixture, as its text."""
    text = (CORPUS / name).read_text()
    req = text[text.index("<request"):text.index("</request>")]
    start = req.index('<body kind="xml">') + len('<body kind="xml">')
    return req[start:req.index("</body>")].strip().encode()


def client_hello():
    """The first flight of a TLS client (its ClientHello), as bytes."""
    out = ssl.MemoryBIO()
    obj = _tls_context().wrap_bio(ssl.MemoryBIO(), out)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return out.read()


class Target:
    """A server under test and the requests it answers normally."""

    def __init__(self, name, server, host="mail.example.test", caller=CALLER):
        self.name = name
        self.server = server
        self.host = host
        self.caller = caller

    def addr(self, tls):
        return self.server.https if tls else self.server.http

    def get(self, target=PHOTO_TARGET, auth=True, extra=""):
        """A normal GET (answered 200 with the auth, 401 without)."""
        auth = self.caller if auth is True else auth
        h = f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n"
        if auth:
            h += f"Authorization: {basic(auth)}\r\n"
        return (h + extra + "\r\n").encode()

    def post(self, expect_continue=False):
        """A SOAP POST with a body, answered 200 (GetUserPhoto)."""
        body = _fixture_request_body("001-getuserphoto-large-hr96.fixture.xml")
        h = (f"POST {EWS_PATH} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: {basic(self.caller)}\r\n"
             f"Content-Type: text/xml; charset=utf-8\r\nContent-Length: {len(body)}\r\n")
        if expect_continue:
            h += "Expect: 100-continue\r\n"
        return (h + "\r\n").encode() + body

    def check_alive(self):
        assert self.server.proc.poll() is None, self.server.stderr()[-3000:]
        for tls in (False, True):
            with Conn(self, tls) as c:
                c.send(self.get())
                assert c.response().status == 200, f"{'https' if tls else 'http'}: not serving any more"


@pytest.fixture(scope="module", params=["replay", "live"])
def target(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"wire-{request.param}")
    store = root / "store"
    if request.param == "replay":
        store.mkdir()
        srv = Server(store, ["--replay", str(CORPUS)]).start()
        t = Target(request.param, srv)
    else:
        # the live server on the demo organisation (the corpus was recorded from it)
        run_cli("demo", "--store", str(store), check=True)
        srv = Server(store, []).start()
        t = Target(request.param, srv, caller=LIVE_CALLER)
    yield t
    srv.stop()     # exit 0 after SIGTERM, no ERROR line or sanitizer report in its log


# ---- a raw HTTP/1.1 client ------------------------------------------------------------------

class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        v = self.headers.get(name.lower())
        return v[0] if v else None


class Conn:
    """One connection, plain or TLS, optionally from another source address."""

    def __init__(self, target, tls, source=None, handshake=True):
        host, port = target.addr(tls)
        self.raw = socket.create_connection((host, port), timeout=HANG,
                                            source_address=(source, 0) if source else None)
        self.sock = _tls_context().wrap_socket(self.raw) if tls and handshake else self.raw
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def _more(self):
        try:
            d = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
            d = b""
        self.buf += d
        return len(d)

    def readable(self, timeout):
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        return bool(self.buf) or bool(select.select([self.sock], [], [], timeout)[0])

    def response(self, final=True):
        """Read one response (skipping 1xx when @p final); None at EOF before one."""
        while True:
            while b"\r\n\r\n" not in self.buf:
                if not self._more():
                    assert not self.buf, f"connection closed in a response head: {self.buf[:200]!r}"
                    return None
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {}
            for line in lines[1:]:
                k, v = line.split(":", 1)
                headers.setdefault(k.strip().lower(), []).append(v.strip())
            n = int(headers.get("content-length", ["0"])[0])
            if 100 <= status < 200 and final:
                continue
            while len(self.buf) < n:
                assert self._more(), "connection closed in a response body"
            body, self.buf = self.buf[:n], self.buf[n:]
            return Reply(status, headers, body)

    def at_eof(self):
        """True when the server closed without sending anything more."""
        while self._more():
            pass
        return self.buf == b""


def assert_refused(c, status, body=None):
    r = c.response()
    assert r is not None, f"no answer: the connection was closed (expected {status})"
    assert r.status == status, (r.status, r.body[:200])
    assert r.header("Connection") == "close"
    if body is not None:
        assert r.body == body
    assert c.at_eof(), "the connection stayed open after the refusal"
    return r


# ---- 1. deadlines: slow clients lose their slot ----------------------------------------------

def trickle(c, data, answered):
    """Send @p data a byte a second until the server answers or closes;
    False when the server was still waiting after TRICKLE_FOR seconds."""
    for i in range(min(len(data), TRICKLE_FOR)):
        try:
            c.send(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            return True
        if c.readable(1.0):
            return True
    return answered()


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_trickled_request_head_gets_408_at_the_head_deadline(target, tls):
    with Conn(target, tls) as c:
        head = target.get(extra="X-Slow: " + "a" * (2 * TRICKLE_FOR) + "\r\n")
        assert trickle(c, head, c.readable), f"still reading the head after {TRICKLE_FOR} s of trickling"
        assert_refused(c, 408)
    target.check_alive()


def test_trickled_tls_handshake_is_cut_at_the_handshake_deadline(target):
    hello = client_hello()    # a real ClientHello, sent a byte a second
    with Conn(target, True, handshake=False) as c:
        assert trickle(c, hello, c.readable), f"still in the handshake after {TRICKLE_FOR} s of trickling"
        assert c.at_eof(), "expected the connection closed"
    target.check_alive()


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_idle_keep_alive_is_closed_without_an_answer(target, tls):
    with Conn(target, tls) as c:
        c.send(target.get())
        assert c.response().status == 200
        assert c.readable(HANG), "the idle keep-alive connection was never closed"
        assert c.at_eof(), f"expected a silent close after the idle timeout, got {c.buf[:200]!r}"


# ---- 2. a flood of slow connections from one address ----------------------------------------

@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_flood_from_one_address_does_not_lock_out_another(target, tls):
    """FLOOD slow connections from 127.0.0.2 (more than the whole listener's
    cap), each trickling bytes; a client from 127.0.0.1 is served meanwhile.
    The attacker's connections over its per-address cap get 503 (HTTP) or a
    close (HTTPS)."""
    data = client_hello() if tls else target.get(extra="X-Slow: " + "a" * 100 + "\r\n")
    flood = []
    stop = threading.Event()

    def keep_trickling():
        pos = 1
        while not stop.wait(1.0):
            for c in flood:
                try:
                    c.send(data[pos:pos + 1])
                except OSError:
                    pass
            pos = min(pos + 1, len(data) - 1)

    try:
        for _ in range(FLOOD):
            c = Conn(target, tls, source=ATTACKER, handshake=False)
            c.send(data[:1])
            flood.append(c)
        t = threading.Thread(target=keep_trickling, daemon=True)
        t.start()
        for i in range(5):
            with Conn(target, tls) as c:
                c.send(target.get())
                r = c.response()
                assert r is not None, f"request {i}: closed without an answer during the flood"
                assert r.status == 200, f"request {i}: HTTP {r.status} during the flood"
        refused = 0
        for c in flood:
            if c.readable(0):
                c._more()
                refused += 1
                if not tls:   # 503 over the cap (408 if the test ran past the head deadline)
                    assert c.buf[:13] in (b"HTTP/1.1 503 ", b"HTTP/1.1 408 "), c.buf[:100]
        assert refused > 0, "no connection of the flood was refused"
    finally:
        stop.set()
        for c in flood:
            c.close()
    target.check_alive()


# ---- 3. limits answered at once, then the connection closed -------------------------------------

@pytest.fixture(params=[False, True], ids=["http", "https"])
def conn(request, target):
    c = Conn(target, request.param)
    yield c
    c.close()
    target.check_alive()


def test_target_at_the_limit_is_served(target, conn):
    path = "/pad/"
    path += "x" * (TARGET_MAX - len(path))
    conn.send(target.get(target=path))
    r = conn.response()
    assert r.status == 404, r.status   # no such resource (replay: no fixture), not 400/414/431
    assert r.header("Connection") != "close"


def test_target_over_the_limit_gets_414(target, conn):
    path = PHOTO_TARGET + "&pad="
    path += "x" * (TARGET_MAX + 1 - len(path))
    conn.send(target.get(target=path))
    assert_refused(conn, 414)


def test_target_over_the_limit_gets_414_before_the_line_ends(target, conn):
    conn.send(b"GET /" + b"x" * TARGET_MAX)    # no line end: answered without waiting for one
    assert_refused(conn, 414)


def _head_of(target, total):
    """A normal GET whose head is exactly @p total bytes (one padding field)."""
    base = target.get(extra="X-Pad: \r\n")
    pad = total - len(base)
    return target.get(extra="X-Pad: " + "p" * pad + "\r\n")


def test_head_at_the_limit_is_served(target, conn):
    conn.send(_head_of(target, HEAD_MAX))
    r = conn.response()
    assert r.status == 200
    assert r.header("Connection") != "close"


def test_head_over_the_limit_gets_431(target, conn):
    conn.send(_head_of(target, HEAD_MAX + 1))
    assert_refused(conn, 431)


def test_single_64k_header_line_gets_431(target, conn):
    conn.send(b"GET / HTTP/1.1\r\nX-Big: " + b"b" * HEAD_MAX + b"\r\n\r\n")
    assert_refused(conn, 431)


@pytest.mark.parametrize("line", [
    b"GET /ews\x00/x HTTP/1.1", b"G\x00T / HTTP/1.1", b"GET /a\x01b HTTP/1.1", b"GET /a\x7fb HTTP/1.1",
    b"GET / HTTP/1.1\x00", b"GET /\x00",
], ids=["nul-target", "nul-method", "ctl-target", "del-target", "nul-version", "nul-unfinished-line"])
def test_control_bytes_in_the_request_line_get_400(target, conn, line):
    conn.send(line + (b"\r\nHost: x\r\n\r\n" if line.endswith(b"1.1") else b""))
    assert_refused(conn, 400)


@pytest.mark.parametrize("fields", [
    b"Content-Length: 5\r\nContent-Length: 6\r\n", b"Content-Length: 5, 6\r\n", b"Content-Length: -5\r\n",
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
], ids=["two-lengths", "length-list", "negative", "length-then-chunked", "chunked-then-length"])
def test_ambiguous_body_framing_gets_400(target, conn, fields):
    conn.send(b"POST " + EWS_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n12345")
    assert_refused(conn, 400)


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_body_cut_short_by_a_half_close_gets_400(target, framing):
    """shutdown(SHUT_WR) after part of the body: 400 at once (not silence).
    Plain HTTP only: a TLS client cannot half-close below TLS."""
    with Conn(target, False) as c:
        if framing == "length":
            c.send(b"POST " + EWS_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        else:
            c.send(b"POST " + EWS_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"64\r\n0123456789")
        c.raw.shutdown(socket.SHUT_WR)
        if target.name == "replay":
            assert_refused(c, 400, b"the request body ended early\n")
        else:
            # the live server writes wire's refusal in the route's style: a SOAP fault
            r = assert_refused(c, 400)
            assert b"ErrorInvalidRequest" in r.body and b"The request body ended early." in r.body, r.body[:600]
    target.check_alive()


# ---- 4. pipelining ---------------------------------------------------------------------------

@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("middle", ["get", "post", "post-100-continue"])
def test_three_pipelined_requests_are_answered_in_order(target, tls, middle):
    """Three requests in one write: a 200 photo, the middle one, a 401 (no
    credentials); the answers come back in that order on one connection."""
    mid = {"get": target.get(target=PHOTO_TARGET.replace("HR96x96", "HR1x1")),
           "post": target.post(), "post-100-continue": target.post(expect_continue=True)}[middle]
    with Conn(target, tls) as c:
        c.send(target.get() + mid + target.get(auth=None))
        first, second, third = c.response(), c.response(), c.response()
        assert first.status == 200 and first.header("Content-Type") == "image/jpeg"
        if middle == "get":
            assert second.status == 400            # the recorded answer to a bad size
        else:
            assert second.status == 200 and second.header("Content-Type").startswith("text/xml")
            assert b"GetUserPhotoResponse" in second.body
        assert third.status == 401 and third.header("WWW-Authenticate")
        # still one connection, still usable
        c.send(target.get())
        assert c.response().status == 200


# ---- 5. a 401 keeps the connection -----------------------------------------------------------

@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_401_keeps_the_connection_for_the_retry(target, tls):
    with Conn(target, tls) as c:
        c.send(target.get(auth=None))
        r = c.response()
        assert r.status == 401 and r.header("Connection") != "close"
        assert any(v.startswith("Basic") for v in r.headers.get("www-authenticate", []))
        c.send(target.get())
        r = c.response()
        assert r is not None, "the server closed the connection after the 401"
        assert r.status == 200
