"""Hostile XML catalogue (issue 10, defects 1 and 2): nesting depth, attributes and
namespace declarations per element, everywhere XML is parsed - the live SOAP path,
Autodiscover, `serve --record`, the recording proxy (from a client and from the
upstream), `serve --replay` (requests and fixture files) and `verify`.

The limits are core/xmllimit.h's: 64 levels, 64 attributes and 32 namespace
declarations per element.  Each case is sent at the limit and one above where the
outcome differs, and at the sizes of the issue (5,000 and 100,000 levels, 100k
attributes, 100k declarations).  On the old code these cases crashed (SIGSEGV,
exit 139) or ran for minutes; the only timeouts here are generous hang guards."""
import gzip
import http.client
import http.server
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ews_it import (CLI_TIMEOUT, EWS_PATH, EWSEMU_BIN, HTTP_TIMEOUT, NS, NS_M, STARTUP_TIMEOUT, Server,
                    assert_fault, assert_no_sanitizer, assert_still_serving, basic, envelope, soap_picture,
                    validate_soap_body)

DEPTH = 64
ATTRS = 64
NS_DECLS = 32
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
POX_REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"


# ---- the catalogue ----------------------------------------------------------------------

def nested(levels, name="a"):
    """@p levels elements inside each other (the outermost counts)."""
    return f"<{name}>" * levels + f"</{name}>" * levels


def attributes(n):
    return "<r>" + "<e" + "".join(f' a{i}="v"' for i in range(n)) + "/></r>"


def ns_decls(n):
    return "<r>" + "<e" + "".join(f' xmlns:p{i}="urn:p{i}"' for i in range(n)) + "/></r>"


def soap_with(inner, wrapper_levels=3):
    """A GetUserPhoto envelope (Envelope/Body/GetUserPhoto: 3 levels) carrying @p inner."""
    return ('<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:m="{NS_M}"><soap:Body>'
            f"<m:GetUserPhoto>{inner}<m:Email>x@example.test</m:Email><m:SizeRequested>HR96x96</m:SizeRequested>"
            "</m:GetUserPhoto></soap:Body></soap:Envelope>").encode()


# (id, body, what the refusal says): bodies over a limit, from the issue text
OVER = [
    ("depth-65", nested(DEPTH + 1).encode(), "nested deeper than 64 levels"),
    ("depth-5000", nested(5000).encode(), "nested deeper than 64 levels"),
    ("depth-100k", nested(100_000).encode(), "nested deeper than 64 levels"),
    ("attrs-65", attributes(ATTRS + 1).encode(), "more than 64 attributes on one element"),
    ("attrs-100k", attributes(100_000).encode(), "more than 64 attributes on one element"),
    ("nsdecls-33", ns_decls(NS_DECLS + 1).encode(), "more than 32 namespace declarations on one element"),
    ("nsdecls-100k", ns_decls(100_000).encode(), "more than 32 namespace declarations on one element"),
]
# the same, as SOAP requests (the body nests 3 levels deeper than the inner part)
SOAP_OVER = [
    ("depth-65", soap_with(nested(DEPTH + 1 - 3)), "nested deeper than 64 levels"),
    ("depth-5000", soap_with(nested(5000)), "nested deeper than 64 levels"),
    ("attrs-65", soap_with(attributes(ATTRS + 1)), "more than 64 attributes on one element"),
    ("attrs-100k", soap_with(attributes(100_000)), "more than 64 attributes on one element"),
    ("nsdecls-33", soap_with(ns_decls(NS_DECLS + 1)), "more than 32 namespace declarations on one element"),
    ("nsdecls-100k", soap_with(ns_decls(100_000)), "more than 32 namespace declarations on one element"),
]
SOAP_AT_LIMIT = [
    ("depth-64", soap_with(nested(DEPTH - 3))),
    ("attrs-64", soap_with(attributes(ATTRS))),
    ("nsdecls-32", soap_with(ns_decls(NS_DECLS))),
]


def proc_ok(p, what):
    assert p.returncode not in (-11, 139), f"{what}: crashed (SIGSEGV)\n{p.stderr[-2000:]}"
    assert_no_sanitizer(p.stderr, what)


def cli(*args, timeout=CLI_TIMEOUT):
    p = subprocess.run([EWSEMU_BIN, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    proc_ok(p, "ewsemu " + " ".join(map(str, args[:2])))
    return p


def raw_post(addr, path, body, auth=None, content_type="text/xml; charset=utf-8"):
    c = http.client.HTTPConnection(*addr, timeout=HTTP_TIMEOUT)
    h = {"Host": "mail.example.test", "Content-Type": content_type}
    if auth:
        h["Authorization"] = basic(auth)
    try:
        c.request("POST", path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def host_port(url):
    hp = url.split("://", 1)[1].split("/", 1)[0]
    h, p = hp.rsplit(":", 1)
    return h, int(p)


def wait_for_files(directory, before, n):
    """The files that appeared in @p directory besides @p before, once there are
    @p n (the recorder writes after answering; the deadline only catches a hang)."""
    deadline = time.monotonic() + HTTP_TIMEOUT
    while True:
        new = sorted(p for p in set(directory.iterdir()) - before if p.name.endswith(".fixture.xml"))
        if len(new) >= n or time.monotonic() > deadline:
            assert len(new) == n, new
            return new
        time.sleep(0.05)


# ---- live SOAP: ErrorSchemaValidation at once ------------------------------------------

@pytest.mark.parametrize("body,why", [c[1:] for c in SOAP_OVER], ids=[c[0] for c in SOAP_OVER])
def test_soap_over_the_limits_is_schema_validation_fault(env, body, why):
    c = env.client("large")
    s = c.soap(None, raw=body)
    assert_fault(s, "ErrorSchemaValidation")
    assert why in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


@pytest.mark.parametrize("body", [c[1] for c in SOAP_AT_LIMIT], ids=[c[0] for c in SOAP_AT_LIMIT])
def test_soap_at_the_limits_is_parsed(env, body):
    """At the limits the body reaches the operation: the photo answer, not a refusal."""
    c = env.client("large")
    s = c.soap(None, raw=body)
    text = s.body.decode("utf-8", "replace")
    for _, _, why in SOAP_OVER:
        assert why not in text, text[:600]
    assert s.status in (200, 500), s.status
    assert_still_serving(env.server, c, s.http)


# ---- live SOAP with Transfer-Encoding: chunked: the same check, the same answers ----------
# A chunked body carries no Content-Length; gSOAP de-chunks it and the server checks the
# de-chunked bytes before gSOAP parses them.  On the old code these bodies skipped the check:
# 100k attributes in one chunked start tag ran for minutes (past the hang guard), a
# mismatched tag was parsed, a body over 16 MiB was answered as a broken body.  (100k
# attributes on the element gSOAP dispatches on cost 42 s of CPU, 61 s to the answer:
# tests/bench/xml-limits.py; the client's HTTP_TIMEOUT is only a hang guard.)

def chunked(body, sizes=(8192,)):
    """@p body framed as HTTP chunks, their sizes taken in turn from @p sizes."""
    out, i, k = [], 0, 0
    while i < len(body):
        n = sizes[k % len(sizes)]
        out.append(b"%x\r\n" % len(body[i:i + n]) + body[i:i + n] + b"\r\n")
        i, k = i + n, k + 1
    return b"".join(out) + b"0\r\n\r\n"


def soap_chunked(client, body, sizes=(8192,)):
    """POST @p body to EWS as a chunked SOAP request on @p client's keep-alive connection
    (http.client sends a body it is handed as is when the headers name a transfer encoding)."""
    return client.soap(None, raw=chunked(body, sizes), headers={"Transfer-Encoding": "chunked"})


# chunk sizes that are small and coprime to the names, so chunk boundaries fall inside
# element names, attribute names and values, prefixes and "xmlns:"
TINY_CHUNKS = (1, 2, 3, 5, 7, 11, 13)


def in_body(element):
    """An envelope whose Body holds @p element directly: gSOAP reads the attributes of the
    element it dispatches on, which is where its time grows with their square."""
    return (f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{element}</soap:Body></soap:Envelope>').encode()


CHUNKED_OVER = SOAP_OVER + [
    ("attrs-100k-dispatched", in_body("<e" + "".join(f' a{i}="v"' for i in range(100_000)) + "/>"),
     "more than 64 attributes on one element"),
    ("nsdecls-100k-dispatched", in_body("<e" + "".join(f' xmlns:p{i}="urn:p{i}"' for i in range(100_000)) + "/>"),
     "more than 32 namespace declarations on one element"),
]


@pytest.mark.parametrize("body,why", [c[1:] for c in CHUNKED_OVER], ids=[c[0] for c in CHUNKED_OVER])
def test_chunked_soap_over_the_limits_is_schema_validation_fault(env, body, why):
    c = env.client("large")
    s = soap_chunked(c, body)
    assert_fault(s, "ErrorSchemaValidation")
    assert why in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


@pytest.mark.parametrize("body", [c[1] for c in SOAP_AT_LIMIT], ids=[c[0] for c in SOAP_AT_LIMIT])
def test_chunked_soap_at_the_limits_is_parsed(env, body):
    c = env.client("large")
    s = soap_chunked(c, body, TINY_CHUNKS)
    text = s.body.decode("utf-8", "replace")
    for _, _, why in SOAP_OVER:
        assert why not in text, text[:600]
    assert "not well-formed" not in text, text[:600]
    assert s.status in (200, 500), s.status
    assert_still_serving(env.server, c, s.http)


@pytest.mark.parametrize("body,why", [c[1:] for c in SOAP_OVER if c[0] in ("attrs-65", "nsdecls-33")],
                         ids=["attrs-65", "nsdecls-33"])
def test_chunked_soap_over_the_limits_in_tiny_chunks_is_refused(env, body, why):
    c = env.client("large")
    s = soap_chunked(c, body, TINY_CHUNKS)
    assert_fault(s, "ErrorSchemaValidation")
    assert why in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


# the messages are libxml2's (src/soap/engine.c soap_body_check), after "not well-formed XML: "
CHUNKED_MALFORMED = {
    "mismatched-tag": (envelope("<m:GetUserPhoto><m:Email>large@example.test</m:Mail>"
                                "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>"),
                       "Opening and ending tag mismatch: Email line 1 and Mail"),
    # the chunking is complete, the XML is not: answered when the last chunk arrives
    "truncated": (envelope("<m:GetUserPhoto><m:Email>large@example.test</m:Email>")[:-40],
                  "(line 1)"),
}


@pytest.mark.parametrize("case", list(CHUNKED_MALFORMED))
def test_chunked_malformed_xml_is_schema_validation_fault(env, case):
    body, why = CHUNKED_MALFORMED[case]
    c = env.client("large")
    s = soap_chunked(c, body.encode(), TINY_CHUNKS)
    assert_fault(s, "ErrorSchemaValidation")
    assert "not well-formed" in s.fault()[1] and why in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


def test_chunked_refusal_reads_the_rest_of_the_body(env):
    """Refused in the first chunk of a 4 MiB body: the server reads (and drops) the rest
    before closing, so the client, still sending, gets the answer instead of a reset."""
    body = soap_with(attributes(ATTRS + 1) + "<pad>" + "x" * (4 << 20) + "</pad>")
    c = env.client("large")
    s = soap_chunked(c, body, (65536,))
    assert_fault(s, "ErrorSchemaValidation")
    assert "more than 64 attributes on one element" in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


def test_chunked_body_over_the_size_limit_is_413(env):
    """The 16 MiB body limit (--max-body) holds for a chunked body (no Content-Length to
    refuse early): 413 ErrorRequestStreamTooBig, as for a declared length."""
    body = soap_with("<pad>" + "x" * (17 << 20) + "</pad>")
    c = env.client("large")
    s = soap_chunked(c, body, (65536,))
    assert s.status == 413, (s.status, s.body[:400])
    assert b"ErrorRequestStreamTooBig" in s.body, s.body[:800]
    validate_soap_body(s.body, "413 fault of a chunked body")
    assert_still_serving(env.server, c, s.http)


def test_chunked_get_user_photo_is_answered(env):
    u = env.u("large")
    body = envelope(f"<m:GetUserPhoto><m:Email>{u.email}</m:Email>"
                    "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>").encode()
    c = env.client("large")
    for sizes in ((8192,), TINY_CHUNKS):
        s = soap_chunked(c, body, sizes)
        soap_picture(s)
    assert_still_serving(env.server, c, s.http)


@pytest.mark.parametrize("framing", ["content-length", "chunked", "gzip"])
@pytest.mark.parametrize("size", [60_000, 65_536, 300_000, 3_000_000])
def test_large_soap_bodies_spanning_many_reads(env, framing, size):
    """A valid request larger than one read (a comment pads it to @p size bytes) is answered,
    and one whose only fault is a mismatched end tag at its very end is refused: the checker
    sees every byte exactly once, whatever the framing.  (The buffered start of a
    Content-Length body once reached the checker twice: a 170 KB SetUserPhoto got
    "ends inside an element".)"""
    u = env.u("large")
    pad = "<!--" + "p" * max(0, size - 400) + "-->"
    good = envelope(f"<m:GetUserPhoto>{pad}<m:Email>{u.email}</m:Email>"
                    "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>").encode()
    bad = good.replace(b"</soap:Envelope>", b"</soap:Envelopf>")
    c = env.client("large")
    for body, ok in ((good, True), (bad, False)):
        if framing == "chunked":
            s = soap_chunked(c, body, (4096, 65536, 1))
        elif framing == "gzip":
            s = c.soap(None, raw=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        else:
            s = c.soap(None, raw=body)
        if ok:
            soap_picture(s)
        else:
            assert_fault(s, "ErrorSchemaValidation")
            if framing != "gzip":   # an inflated body's end is reported by gSOAP's parser
                assert "not well-formed" in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


def test_chunked_resolve_names_is_answered(env):
    u = env.u("large")
    body = envelope(f'<m:ResolveNames ReturnFullContactData="true" SearchScope="ActiveDirectory">'
                    f"<m:UnresolvedEntry>{u.email}</m:UnresolvedEntry></m:ResolveNames>").encode()
    c = env.client("large")
    s = soap_chunked(c, body, TINY_CHUNKS)
    assert s.status == 200, (s.status, s.body[:600])
    msg = s.body_elem.find("m:ResponseMessages/m:ResolveNamesResponseMessage", NS)
    assert msg is not None and msg.findtext("m:ResponseCode", namespaces=NS) == "NoError", s.body[:800]
    addrs = [a.text for a in msg.findall("m:ResolutionSet/t:Resolution/t:Mailbox/t:EmailAddress", NS)]
    assert addrs == [u.email], addrs
    assert_still_serving(env.server, c, s.http)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_compressed_soap_is_checked_as_inflated(env, framing):
    """Content-Encoding: gzip - gSOAP inflates the body and the checker sees what gSOAP
    parses: 100k attributes are refused, a valid request is answered (the old code fed the
    compressed bytes to the checker, or none of them when chunked)."""
    u = env.u("large")
    good = envelope(f"<m:GetUserPhoto><m:Email>{u.email}</m:Email>"
                    "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>").encode()
    bad = next(c[1] for c in CHUNKED_OVER if c[0] == "attrs-100k-dispatched")
    c = env.client("large")
    for body, ok in ((bad, False), (good, True)):
        z = gzip.compress(body)
        h = {"Content-Encoding": "gzip"}
        if framing == "chunked":
            z, h["Transfer-Encoding"] = chunked(z, (4096,)), "chunked"
        s = c.soap(None, raw=z, headers=h)
        if ok:
            soap_picture(s)
        else:
            assert_fault(s, "ErrorSchemaValidation")
            assert "more than 64 attributes on one element" in s.fault()[1], s.fault()
    assert_still_serving(env.server, c, s.http)


def test_compressed_soap_inflating_past_the_body_limit_is_cut_short(env):
    """A gzip bomb: 128 KiB that inflate to 128 MiB of whitespace inside a valid envelope.
    The inflated body counts against --max-body (16 MiB): parsing stops there with
    ErrorSchemaValidation, the server never holds or parses the rest, and keeps serving."""
    import zlib
    u = env.u("large")
    head, tail = envelope(f"<m:GetUserPhoto><m:Email>{u.email}</m:Email>ZZZ"
                          "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>").encode().split(b"ZZZ")
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    spaces = b" " * (1 << 20)
    z = co.compress(head) + b"".join(co.compress(spaces) for _ in range(128)) + co.compress(tail) + co.flush()
    assert len(z) < 1 << 20
    c = env.client("large")
    s = c.soap(None, raw=z, headers={"Content-Encoding": "gzip"})
    assert_fault(s, "ErrorSchemaValidation")
    assert_still_serving(env.server, c, s.http)


# ---- Autodiscover POX: 600 Invalid Request ----------------------------------------------

@pytest.mark.parametrize("inner", [nested(DEPTH + 1 - 2), nested(5000), attributes(100_000), ns_decls(100_000)],
                         ids=["depth-65", "depth-5000", "attrs-100k", "nsdecls-100k"])
def test_autodiscover_pox_over_the_limits_is_600(env, inner):
    body = (f'<Autodiscover xmlns="{POX_REQ_NS}"><Request>{inner}'
            "<EMailAddress>large@example.test</EMailAddress></Request></Autodiscover>").encode()
    status, data = raw_post(env.server.http, "/autodiscover/autodiscover.xml", body, env.u("large").auth)
    assert status == 200, (status, data[:400])
    assert b"<ErrorCode>600</ErrorCode>" in data and b"Invalid Request" in data, data[:600]
    assert_still_serving(env.server)


# ---- serve --record: recorded with the body as text, never dies ---------------------------

@pytest.fixture(scope="module")
def recording(env, tmp_path_factory):
    rec = tmp_path_factory.mktemp("rec")
    srv = Server(env.store, ["--record", str(rec)]).start()
    srv._probe_user = env.u("large")
    yield srv, rec
    srv.stop()


@pytest.mark.parametrize("with_credentials", [False, True], ids=["401", "authenticated"])
def test_serve_record_keeps_a_5000_level_body_as_text(env, recording, with_credentials):
    srv, rec = recording
    before = set(rec.iterdir())
    body = nested(5000).encode()
    status, _ = raw_post(srv.http, EWS_PATH, body, env.u("large").auth if with_credentials else None)
    assert srv.proc.poll() is None, f"serve --record died: {srv.stderr()[-2000:]}"
    assert status == (500 if with_credentials else 401)
    new = wait_for_files(rec, before, 1)
    text = new[0].read_text()
    assert '<body kind="text">' in text and "&lt;a&gt;&lt;a&gt;" in text, text[:800]
    assert text.count("&lt;a&gt;") == 5000, "the body is kept whole"
    assert_still_serving(srv)


# ---- the recording proxy ------------------------------------------------------------------

class Upstream(http.server.BaseHTTPRequestHandler):
    """Answers every POST with the server's configured XML body."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = self.server.answer
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def fake_upstream():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    srv.answer = b""
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


class Proxy:
    def __init__(self, upstream, out_dir, log_dir):
        self.err = open(Path(log_dir) / "proxy.err", "w+")
        self.proc = subprocess.Popen([EWSEMU_BIN, "record", "--upstream", upstream, "--listen", "127.0.0.1:0",
                                      str(out_dir)], stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = ""
        for line in self.proc.stdout:
            if "recording proxy" in line:
                break
        assert "recording proxy" in line, f"no announcement; stderr: {self.stderr()[-2000:]}"
        self.addr = host_port(line.split("recording proxy", 1)[1].split()[0])

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        alive = self.proc.poll() is None
        if alive:
            self.proc.terminate()
        rc = self.proc.wait(timeout=STARTUP_TIMEOUT)
        err = self.stderr()
        self.err.close()
        assert_no_sanitizer(err, "ewsemu record")
        assert alive, f"the proxy died (exit {rc}): {err[-2000:]}"


@pytest.mark.parametrize("answer,why", [c[1:] for c in OVER if c[0] in ("depth-100k", "depth-65", "attrs-100k",
                                                                            "nsdecls-100k")],
                         ids=["depth-65", "depth-100k", "attrs-100k", "nsdecls-100k"])
def test_proxy_answers_502_for_an_upstream_body_over_the_limits(fake_upstream, tmp_path, answer, why):
    out = tmp_path / "fx"
    out.mkdir()
    fake_upstream.answer = answer
    p = Proxy(f"http://127.0.0.1:{fake_upstream.server_address[1]}", out, tmp_path)
    try:
        status, data = raw_post(p.addr, EWS_PATH, envelope("<m:GetUserPhoto/>").encode())
        assert status == 502, (status, data[:300])
        assert why.encode() in data, data
        assert not list(out.glob("*.fixture.xml")), "no usable answer: nothing recorded"
        fake_upstream.answer = nested(DEPTH).encode()       # at the limit: forwarded and recorded
        status, data = raw_post(p.addr, EWS_PATH, envelope("<m:GetUserPhoto/>").encode())
        assert (status, data) == (200, fake_upstream.answer)
        wait_for_files(out, set(), 1)
    finally:
        p.stop()


def test_proxy_forwards_and_records_a_100k_level_client_body(env, tmp_path):
    out = tmp_path / "fx"
    out.mkdir()
    p = Proxy("http://%s:%d" % env.server.http, out, tmp_path)
    try:
        status, data = raw_post(p.addr, EWS_PATH, nested(100_000).encode(), env.u("large").auth)
        assert status == 500 and b"ErrorSchemaValidation" in data, (status, data[:400])
        (f,) = wait_for_files(out, set(), 1)
        assert '<body kind="text">' in f.read_text()
    finally:
        p.stop()
    assert_still_serving(env.server)


# ---- fixture files: refused at load with the file named ------------------------------------

def fixture_text(request_body):
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<fixture version="1" name="hostile" operation="GetUserPhoto">\n'
            f'  <request method="POST" target="{EWS_PATH}">\n'
            '    <header name="Content-Type">text/xml; charset=utf-8</header>\n'
            f'    <body kind="xml">{request_body}</body>\n'
            '  </request>\n'
            '  <response status="200">\n'
            '    <header name="Content-Type">text/plain</header>\n'
            '    <body kind="text">ok</body>\n'
            '  </response>\n'
            '</fixture>\n')


FILE_CASES = [
    ("depth-100k", nested(100_000), "line 5: elements nested deeper than 64 levels"),
    ("attrs-100k", attributes(100_000), "line 5: more than 64 attributes on one element"),
    ("nsdecls-100k", ns_decls(100_000), "line 5: more than 32 namespace declarations on one element"),
]


@pytest.mark.parametrize("body,why", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
@pytest.mark.parametrize("command", ["replay", "verify"])
def test_fixture_file_over_the_limits_is_refused_naming_it(env, tmp_path, command, body, why):
    d = tmp_path / "fx"
    d.mkdir()
    (d / "0001-hostile.fixture.xml").write_text(fixture_text(body))
    if command == "replay":
        p = cli("serve", "--replay", d, "--store", env.store, "--http", "127.0.0.1:0", "--https", "127.0.0.1:0")
    else:
        p = cli("verify", d, "--against", "http://%s:%d" % env.server.http)
    assert p.returncode != 0, p.stdout[-1000:]
    assert f"0001-hostile.fixture.xml: {why}" in p.stderr, p.stderr[-2000:]


def test_fixture_file_body_at_the_depth_limit_loads(env, tmp_path):
    """A body of 64 levels (the fixture file adds its own 3 around it) loads and replays."""
    d = tmp_path / "fx"
    d.mkdir()
    body = nested(DEPTH)
    (d / "0001-deep.fixture.xml").write_text(fixture_text(body))
    srv = Server(env.store, ["--replay", str(d)]).start()
    try:
        status, data = raw_post(srv.http, EWS_PATH, body.encode(), env.u("large").auth)
        assert (status, data) == (200, b"ok")
    finally:
        srv.kill()
    assert_no_sanitizer(srv.stderr(), "serve --replay")


# ---- the replay server: such a request is an unmatched one ----------------------------------

@pytest.fixture(scope="module")
def replaying(env, tmp_path_factory):
    d = tmp_path_factory.mktemp("replay-fx")
    (d / "0001-ok.fixture.xml").write_text(fixture_text(nested(3)))
    srv = Server(env.store, ["--replay", str(d)]).start()
    yield srv
    srv.kill()
    assert_no_sanitizer(srv.stderr(), "serve --replay")


@pytest.mark.parametrize("body", [c[1] for c in OVER], ids=[c[0] for c in OVER])
def test_replay_treats_a_request_over_the_limits_as_unmatched(env, replaying, body):
    auth = env.u("large").auth
    status, data = raw_post(replaying.http, EWS_PATH, body, auth)
    assert replaying.proc.poll() is None, replaying.stderr()[-2000:]
    assert status == 500 and b"ErrorInvalidOperation" in data and b"no fixture matches" in data, (status, data[:400])
    status, data = raw_post(replaying.http, EWS_PATH, nested(3).encode(), auth)
    assert (status, data) == (200, b"ok")
