"""Helpers and fixtures for the ewsemu integration tests (conftest.py exports the fixtures).

Everything goes over the wire against a real `ewsemu serve` process:

* EWSEMU_BIN names the binary (default <repo>/build/src/ewsemu); the same
  tests run against the ASan build, so every timeout is generous.
* Each test module gets a fresh store (tempfile.mkdtemp) populated with
  `ewsemu import` from a tenant file generated here (JPEGs drawn with PIL).
* Every SOAP response body any test receives goes through SoapResponse
  (Client.soap), which saves it and runs
  <repo>/../shared/schemas/validate.sh --set interop on it.
* Server ERROR log lines and sanitizer reports fail the test during which
  they appeared (_server_log_check) and, at the latest, the module (stop()).

Only the standard library and python3-pil are used.
"""

import base64
import hashlib
import http.client
import io
import json
import os
import queue
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

# ---- locations (derived, never hard-coded) -------------------------------

REPO = Path(__file__).resolve().parents[2]
EWSEMU_BIN = os.environ.get("EWSEMU_BIN") or str(REPO / "build" / "src" / "ewsemu")
VALIDATE_SH = REPO.parent / "shared" / "schemas" / "validate.sh"

STARTUP_TIMEOUT = 90     # ASan + first-time certificate generation
STOP_TIMEOUT = 60
HTTP_TIMEOUT = 60
CLI_TIMEOUT = 120
IDLE_RECONNECT = 5     # seconds; the server's default keep-alive idle limit is 10

# ---- protocol constants ---------------------------------------------------

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_M = "http://schemas.microsoft.com/exchange/services/2006/messages"
NS_T = "http://schemas.microsoft.com/exchange/services/2006/types"
NS_E = "http://schemas.microsoft.com/exchange/services/2006/errors"
NS = {"s": NS_SOAP, "m": NS_M, "t": NS_T, "e": NS_E}

EWS_PATH = "/EWS/Exchange.asmx"
REST_PATH = "/ews/Exchange.asmx/s/GetUserPhoto"

SIZES = ["HR48x48", "HR64x64", "HR96x96", "HR120x120", "HR240x240",
         "HR360x360", "HR432x432", "HR504x504", "HR648x648"]
SIZE_PX = {s: int(s[2:].split("x")[0]) for s in SIZES}

DOMAIN = "example.test"
SANITIZER_MARKERS = ("runtime error", "AddressSanitizer", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "ThreadSanitizer")


def addr(alias):
    return f"{alias}@{DOMAIN}"


# ---- images ----------------------------------------------------------------

def make_jpeg(width, height, bg, fg=(255, 255, 255), shape="ellipse", quality=90):
    """A coloured rectangle with a centred shape, as JPEG bytes (deterministic)."""
    img = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(img)
    box = (width // 4, height // 4, width * 3 // 4, height * 3 // 4)
    if shape == "ellipse":
        d.ellipse(box, fill=fg)
    elif shape == "triangle":
        d.polygon([(width // 2, height // 4), (width // 4, height * 3 // 4),
                   (width * 3 // 4, height * 3 // 4)], fill=fg)
    else:
        d.rectangle(box, fill=fg)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def make_png(width, height, bg):
    img = Image.new("RGB", (width, height), bg)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def decode_image(data):
    """(format, (w, h), corner RGB) of an image in @p data (PIL-decoded fully)."""
    img = Image.open(io.BytesIO(data))
    img.load()
    fmt = img.format
    rgb = img.convert("RGB")
    return fmt, img.size, rgb.getpixel((1, 1))


def colour_close(a, b, tol=48):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


# ---- tenant ------------------------------------------------------------------

class UserSpec:
    """One tenant user plus the exact image bytes written for it."""

    def __init__(self, alias, photo=None, thumbnail=None, photo_deleted=False, admin=False):
        self.alias = alias
        self.email = addr(alias)
        self.password = f"Pw-{alias}-7!"
        self.photo_spec = photo           # (w, h, bg) or None
        self.thumb_spec = thumbnail       # (w, h, bg) or None
        self.photo_deleted = photo_deleted
        self.admin = admin
        self.photo_bytes = make_jpeg(*photo) if photo else None
        self.thumb_bytes = make_jpeg(*thumbnail, fg=(0, 0, 0), shape="rect") if thumbnail else None

    @property
    def auth(self):
        return (self.email, self.password)

    def entry(self, img_dir):
        e = {
            "email": self.email,
            "display_name": f"{self.alias.capitalize()} Tester",
            "alias": self.alias,
            "given_name": self.alias.capitalize(),
            "surname": "Tester",
            "proxies": [f"smtp:{self.alias}.alt@{DOMAIN}"],
            "password": self.password,
            "company": "Example Ltd",
            "title": "Tester",
            "department": "QA",
            "office": "1.01",
            "phone": "+1 555 0100",
        }
        if self.photo_bytes:
            (img_dir / f"{self.alias}-photo.jpg").write_bytes(self.photo_bytes)
            e["photo"] = f"img/{self.alias}-photo.jpg"
        if self.thumb_bytes:
            (img_dir / f"{self.alias}-thumb.jpg").write_bytes(self.thumb_bytes)
            e["thumbnail"] = f"img/{self.alias}-thumb.jpg"
        if self.photo_deleted:
            e["photo_deleted"] = True
        if self.admin:
            e["admin"] = True
        return e


# Background colours far apart, so a decoded rendition's corner tells its source.
RED, GREEN, BLUE = (200, 30, 30), (30, 170, 40), (30, 50, 200)
YELLOW, CYAN, MAGENTA = (230, 210, 20), (20, 200, 210), (200, 30, 190)
ORANGE, GREY, PURPLE = (240, 130, 20), (120, 120, 120), (110, 40, 160)


def standard_users():
    """Users in every photo state (read-only in tests), plus spare users that
    individual tests may change (each mutating test owns its users)."""
    users = [
        UserSpec("large", photo=(648, 648, RED)),               # all nine renditions
        UserSpec("small", photo=(240, 240, GREEN)),             # up to HR240x240
        UserSpec("mid", photo=(504, 504, PURPLE)),              # up to HR504x504
        UserSpec("thumb", thumbnail=(96, 96, YELLOW)),          # directory thumbnail only
        UserSpec("wide", thumbnail=(96, 72, CYAN)),             # non-square thumbnail
        UserSpec("both", photo=(648, 648, BLUE), thumbnail=(96, 96, MAGENTA)),
        UserSpec("deleted", thumbnail=(96, 96, ORANGE), photo_deleted=True),
        UserSpec("nophoto"),
        UserSpec("boss", admin=True),
    ]
    # spare users for mutating tests: photo + thumbnail, distinct colours
    for i in range(8):
        c = (40 + 25 * i, 200 - 20 * i, 60 + 15 * i)
        users.append(UserSpec(f"spare{i}", photo=(648, 648, c), thumbnail=(96, 96, (255 - c[0], 255 - c[1], 255 - c[2]))))
    for i in range(3):
        users.append(UserSpec(f"plain{i}"))
    return users


# Expected selection per state (spec §6.2).
STATE_USERS = ["large", "small", "mid", "thumb", "wide", "both", "deleted", "nophoto"]


def expected_pick(alias, size):
    """('mailbox', edge px) | ('thumb', None) | ('none', None) for a standard user."""
    px = SIZE_PX[size]
    if alias == "large":
        return ("mailbox", px)
    if alias == "small":
        return ("mailbox", min(px, 240))
    if alias == "mid":
        return ("mailbox", min(px, 504))
    if alias in ("thumb", "wide"):
        return ("thumb", None)
    if alias == "both":
        return ("thumb", None) if size == "HR48x48" else ("mailbox", px)
    return ("none", None)


def write_tenant(directory, users, extra=None):
    directory = Path(directory)
    img = directory / "img"
    img.mkdir(parents=True, exist_ok=True)
    doc = {"domain": DOMAIN, "users": [u.entry(img) for u in users]}
    if extra:
        extra(doc)
    path = directory / "tenant.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


# ---- command line ------------------------------------------------------------

def run_cli(*args, store=None, timeout=CLI_TIMEOUT, check=False):
    cmd = [EWSEMU_BIN, *[str(a) for a in args]]
    if store is not None:
        cmd += ["--store", str(store)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert_no_sanitizer(p.stderr, f"ewsemu {' '.join(map(str, args))}")
    if check:
        assert p.returncode == 0, f"{cmd} -> {p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}"
    return p


def assert_no_sanitizer(stderr, what):
    for marker in SANITIZER_MARKERS:
        assert marker not in stderr, f"{what}: sanitizer report in stderr:\n{stderr[-4000:]}"


# ---- the server process ----------------------------------------------------------

_ENDPOINT_RE = re.compile(r"ewsemu: EWS endpoint (https?)://([^/\s]+)/EWS/Exchange\.asmx")


class Server:
    def __init__(self, store, extra_args=()):
        self.store = Path(store)
        self.extra_args = list(extra_args)
        self.proc = None
        self.http = None    # (host, port)
        self.https = None
        self.clients = []
        self.log_checked = 0      # stderr offset up to which ERROR lines were already reported
        self._probe_user = None
        self.stdout_lines = []
        self._stderr_file = None

    def start(self):
        self._stderr_path = self.store.parent / f"server-stderr-{os.getpid()}-{id(self)}-{time.monotonic_ns()}.log"
        self._stderr_file = open(self._stderr_path, "w+")
        cmd = [EWSEMU_BIN, "serve", "--store", str(self.store),
               "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", *self.extra_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr_file,
                                     stdin=subprocess.DEVNULL, text=True)
        lines = queue.Queue()

        def pump():
            for line in self.proc.stdout:
                self.stdout_lines.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while self.http is None or self.https is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise AssertionError(f"server did not announce both endpoints in {STARTUP_TIMEOUT}s; "
                                     f"stdout={self.stdout_lines!r} stderr={self.stderr()[-3000:]}")
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait(timeout=STOP_TIMEOUT)
                raise AssertionError(f"server exited ({rc}) during startup; stdout={self.stdout_lines!r} "
                                     f"stderr={self.stderr()[-3000:]}")
            m = _ENDPOINT_RE.search(line)
            if m:
                host, port = m.group(2).rsplit(":", 1)
                if m.group(1) == "http":
                    self.http = (host, int(port))
                else:
                    self.https = (host, int(port))
        return self

    def stderr(self):
        if not self._stderr_file:
            return ""
        self._stderr_file.flush()
        return Path(self._stderr_path).read_text(errors="replace")

    def client(self, user=None, tls=False, auth=None):
        c = Client(self, tls=tls, auth=auth if auth is not None else (user.auth if user else None))
        self.clients.append(c)
        return c

    def close_clients(self):
        for c in self.clients:
            c.close()
        self.clients = []

    def stop(self):
        """SIGTERM; the server must exit 0 with no ERROR or sanitizer report."""
        self.close_clients()
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server did not stop within {STOP_TIMEOUT}s of SIGTERM")
        err = self.stderr()
        self._stderr_file.close()
        self.proc = None
        assert rc == 0, f"server exit code {rc} after SIGTERM; stderr:\n{err[-4000:]}"
        errors = _log_problems(err[self.log_checked:])
        assert not errors, "server logged errors (outside any single test):\n" + _excerpt(err[self.log_checked:], errors)

    def restart_after_crash(self):
        """Start a fresh process on the same store after this one died; clients
        follow it to the new ports (see Client.request)."""
        self.kill()
        if self._stderr_file:
            self._stderr_file.close()
        self.http = self.https = None
        self.log_checked = 0
        self.start()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)


# ---- HTTP client ------------------------------------------------------------------

def basic(auth):
    return "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()


def _tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Response:
    def __init__(self, r, body):
        self.status = r.status
        self.reason = r.reason
        self.headers = r.msg
        self.body = body
        self.will_close = r.will_close

    def header(self, name):
        return self.headers.get(name)

    def header_all(self, name):
        return self.headers.get_all(name) or []


_UNSET = object()


class Client:
    """One keep-alive connection (http.client), Basic auth by default."""

    def _connect(self):
        self.addr = self.server.https if self.tls else self.server.http
        if self.tls:
            self.conn = http.client.HTTPSConnection(*self.addr, timeout=HTTP_TIMEOUT, context=_tls_context())
        else:
            self.conn = http.client.HTTPConnection(*self.addr, timeout=HTTP_TIMEOUT)

    def __init__(self, server, tls=False, auth=None):
        self.server = server
        self.tls = tls
        self.auth = auth
        self._connect()
        self.connects = 0
        self.idle_closes = 0   # connections this client closed itself (IDLE_RECONNECT), not the server
        self.last_used = 0.0

    def close(self):
        self.conn.close()

    def request(self, method, path, body=None, headers=None, auth=_UNSET):
        auth = self.auth if auth is _UNSET else auth
        h = {"Host": "mail.example.test"}
        if auth is not None:
            h["Authorization"] = basic(auth)
        if headers:
            h.update(headers)
        if self.addr != (self.server.https if self.tls else self.server.http):
            self.conn.close()    # the server was restarted after a crash
            self._connect()
        if self.conn.sock is not None and time.monotonic() - self.last_used > IDLE_RECONNECT:
            self.conn.close()    # the server may have closed it (keep-alive idle timeout)
            self.idle_closes += 1
        if self.conn.sock is None:
            self.connects += 1
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        self.last_used = time.monotonic()
        assert not r.msg.defects, (f"{method} {path}: malformed response header block "
                                   f"({r.msg.defects}); parsed so far: {r.msg.items()}")
        return Response(r, data)

    # REST-style GET (spec §3)
    def rest_photo(self, email, size, inm=None, auth=_UNSET, extra_query=""):
        q = f"email={urllib.parse.quote(email, safe='')}&size={urllib.parse.quote(size, safe='')}" if size is not None \
            else f"email={urllib.parse.quote(email, safe='')}"
        headers = {"If-None-Match": inm} if inm is not None else None
        return self.request("GET", f"{REST_PATH}?{q}{extra_query}", headers=headers, auth=auth)

    # SOAP (spec §1, §2)
    def soap(self, body_xml, version="Exchange2013", headers=None, auth=_UNSET, path=EWS_PATH, raw=None,
             action=None):
        payload = raw if raw is not None else envelope(body_xml, version)
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        h = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"}
        if action:
            h["SOAPAction"] = f'"{NS_M}/{action}"'
        if headers:
            h.update(headers)
        r = self.request("POST", path, body=payload, headers=h, auth=auth)
        return SoapResponse(r, path)

    def get_user_photo(self, email, size, inm=None, **kw):
        headers = {"If-None-Match": inm} if inm is not None else None
        body = (f"<m:GetUserPhoto><m:Email>{email}</m:Email>"
                f"<m:SizeRequested>{size}</m:SizeRequested></m:GetUserPhoto>")
        return self.soap(body, headers=headers, action="GetUserPhoto", **kw)

    def set_user_photo(self, email, content_b64, **kw):
        body = (f"<m:SetUserPhoto><m:Email>{email}</m:Email>"
                f"<m:Content>{content_b64}</m:Content></m:SetUserPhoto>")
        kw.setdefault("version", "Exchange2016")
        return self.soap(body, action="SetUserPhoto", **kw)


def envelope(body_xml, version="Exchange2013"):
    hdr = "" if version is None else \
        f'<soap:Header><t:RequestServerVersion Version="{version}"/></soap:Header>'
    return ('<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{NS_SOAP}" xmlns:m="{NS_M}" xmlns:t="{NS_T}">'
            f'{hdr}<soap:Body>{body_xml}</soap:Body></soap:Envelope>')


# ---- SOAP responses: parsed and schema-validated, always -----------------------------

class SoapResponse:
    def __init__(self, r, path):
        self.http = r
        self.status = r.status
        self.headers = r.headers
        self.body = r.body
        self.root = None
        self.prefixes = {}
        if r.body:
            is_xml = "xml" in (r.header("Content-Type") or "") or r.body.lstrip().startswith(b"<")
            if path.lower().split("?")[0] == EWS_PATH.lower() and (is_xml or r.status in (200, 500)):
                validate_soap_body(r.body, f"POST {path} -> HTTP {r.status}")
                self.root = ET.fromstring(r.body)
                for _ev, (prefix, uri) in ET.iterparse(io.BytesIO(r.body), events=("start-ns",)):
                    self.prefixes.setdefault(prefix, set()).add(uri)

    def header(self, name):
        return self.http.header(name)

    @property
    def body_elem(self):
        assert self.root is not None, f"no XML body (HTTP {self.status})"
        assert self.root.tag == f"{{{NS_SOAP}}}Envelope", self.root.tag
        body = self.root.find("s:Body", NS)
        assert body is not None and len(body) >= 1, "empty soap:Body"
        return body[0]

    def server_version_infos(self):
        assert self.root is not None
        hdr = self.root.find("s:Header", NS)
        return [] if hdr is None else hdr.findall("t:ServerVersionInfo", NS)

    def assert_server_version(self):
        svi = self.server_version_infos()
        assert len(svi) == 1, f"want exactly one t:ServerVersionInfo, got {len(svi)}: {self.body[:600]!r}"
        assert svi[0].get("MajorVersion") == "15", svi[0].attrib
        hdr = self.root.find("s:Header", NS)
        assert len(hdr) == 1, f"extra SOAP header children: {[c.tag for c in hdr]}"
        return svi[0]

    def fault(self):
        """(faultcode local name, faultstring, detail ResponseCode) of a SOAP fault."""
        el = self.body_elem
        assert el.tag == f"{{{NS_SOAP}}}Fault", f"not a fault: {el.tag}: {self.body[:600]!r}"
        code = (el.findtext("faultcode") or "").strip()
        prefix, _, local = code.rpartition(":")
        assert local, f"empty faultcode: {self.body[:600]!r}"
        if prefix:
            assert NS_T in self.prefixes.get(prefix, set()), \
                f"faultcode prefix {prefix!r} must map to the types namespace, maps to {self.prefixes.get(prefix)}"
        detail_code = el.findtext("detail/e:ResponseCode", namespaces=NS)
        return local, el.findtext("faultstring"), detail_code

    def photo_response(self):
        el = self.body_elem
        assert el.tag == f"{{{NS_M}}}GetUserPhotoResponse", f"{el.tag}: {self.body[:600]!r}"
        return el


def assert_fault(resp, code=None, not_codes=()):
    assert resp.status == 500, f"want HTTP 500 fault, got {resp.status}: {resp.body[:600]!r}"
    assert (resp.header("Content-Type") or "").startswith("text/xml"), resp.header("Content-Type")
    local, text, detail = resp.fault()
    if code is not None:
        assert local == code, f"faultcode {local!r}, want {code!r} ({text})"
        if detail is not None:
            assert detail == code, f"detail ResponseCode {detail!r} != faultcode {code!r}"
    for bad in not_codes:
        assert local != bad, f"faultcode must not be {bad} ({text})"
    return local


_validate_lock = threading.Lock()
_validated_ok = set()
# Response bodies only the exchange-15.2 schema set declares (validate_soap_body)
SET_152_MARKERS = (b"FindPeopleResponse", b"GetPersonaResponseMessage")
_validate_dir = None
_validate_count = [0]


def messages(resp, op, n):
    """The n response messages of a batched @p op answer (HTTP 200, one header)."""
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:800]!r}"
    resp.assert_server_version()
    el = resp.body_elem
    assert el.tag == f"{{{NS_M}}}{op}Response", el.tag
    msgs = el.findall(f"m:ResponseMessages/m:{op}ResponseMessage", NS)
    assert len(msgs) == n, f"want {n} messages, got {len(msgs)}"
    return msgs


def validate_soap_body(body, what):
    """Save @p body and check it with validate.sh --set interop (exit 0)."""
    global _validate_dir
    digest = hashlib.sha256(body).hexdigest()
    with _validate_lock:
        if digest in _validated_ok:
            return
        if _validate_dir is None:
            _validate_dir = Path(tempfile.mkdtemp(prefix="ewsemu-soap-"))
        _validate_count[0] += 1
        path = _validate_dir / f"resp-{_validate_count[0]:04d}.xml"
        path.write_bytes(body)
        # FindPeople/GetPersona (Exchange 2013+) exist only in the 15.2 set
        schema_set = "exchange-15.2" if any(m in body for m in SET_152_MARKERS) else "interop"
        p = subprocess.run(["bash", str(VALIDATE_SH), "--set", schema_set, str(path)],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, (f"schema validation failed for {what} (saved as {path}):\n"
                                   f"{p.stdout}{p.stderr}\nbody: {body[:1500]!r}")
        _validated_ok.add(digest)


def tag(el):
    """An element's local name (without its namespace)."""
    return el.tag.rsplit("}", 1)[1]


def validate_both(resp, tmp_path):
    """The answer also against the Exchange 15.2 schema set (every answer is checked against
    the interop set already)."""
    p = tmp_path / "answer.xml"
    p.write_bytes(resp.body)
    r = subprocess.run(["bash", str(VALIDATE_SH), "--set", "both", str(p)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def validated_count():
    return len(_validated_ok)


# ---- photo assertions ----------------------------------------------------------------

ETAG_RE = re.compile(r'^"[^"\s,]+"$')


def etag_of(resp):
    tag = resp.header("ETag")
    assert tag is not None, "no ETag header"
    assert ETAG_RE.match(tag), f"ETag not a quoted opaque tag: {tag!r}"
    return tag


def assert_future_http_date(value):
    assert value, "no Expires header"
    when = parsedate_to_datetime(value)
    assert when.timestamp() > time.time() - 5, f"Expires {value!r} is in the past"


def soap_picture(resp, content_type=None):
    """PictureData bytes of a successful 200 GetUserPhoto answer (checks the frame).
    @p content_type: the m:ContentType expected; None for the default profile
    (Exchange 2019, whose messages.xsd does not declare it)."""
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:600]!r}"
    assert (resp.header("Content-Type") or "").startswith("text/xml")
    resp.assert_server_version()
    el = resp.photo_response()
    assert el.get("ResponseClass") == "Success", el.attrib
    assert el.findtext("m:ResponseCode", namespaces=NS) == "NoError"
    assert el.findtext("m:HasChanged", namespaces=NS) == "true"
    pic = el.find("m:PictureData", NS)
    assert pic is not None and (pic.text or "").strip(), "PictureData missing or empty"
    assert el.findtext("m:ContentType", namespaces=NS) == content_type
    return base64.b64decode(pic.text, validate=True)


def assert_unchanged(resp):
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:600]!r}"
    resp.assert_server_version()
    el = resp.photo_response()
    assert el.get("ResponseClass") == "Success", el.attrib
    assert el.findtext("m:HasChanged", namespaces=NS) == "false"
    pic = el.find("m:PictureData", NS)
    assert pic is not None, "PictureData element must be present (EMA reads it unconditionally)"
    assert not (pic.text or "").strip(), "PictureData must be empty when unchanged"
    assert el.find("m:ContentType", NS) is None, "no ContentType without a picture"


def assert_rest_photo(resp):
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:300]!r}"
    assert (resp.header("Content-Type") or "").split(";")[0].strip() == "image/jpeg", resp.header("Content-Type")
    etag_of(resp)
    return resp.body


def check_pick(user, size, data):
    """The image @p data is what spec §6.2 says @p user gets for @p size."""
    kind, px = expected_pick(user.alias, size)
    fmt, dims, corner = decode_image(data)
    assert fmt == "JPEG"
    if kind == "thumb":
        assert data == user.thumb_bytes, f"{user.alias} {size}: not the stored thumbnail bytes"
        assert dims == tuple(user.thumb_spec[:2])
    else:
        assert kind == "mailbox"
        assert dims == (px, px), f"{user.alias} {size}: got {dims}, want {px}x{px}"
        assert colour_close(corner, user.photo_spec[2]), f"{user.alias} {size}: corner {corner} is not the photo"


# ---- fixtures ----------------------------------------------------------------------

class Env:
    def __init__(self, root, store, users, server):
        self.root = root
        self.store = store
        self.users = {u.alias: u for u in users}
        self.server = server

    def u(self, alias):
        return self.users[alias]

    def client(self, alias="large", tls=False):
        return self.server.client(self.users[alias], tls=tls)

    def cli(self, *args, **kw):
        return run_cli(*args, store=self.store, **kw)


def tenant_contacts(contacts, photos):
    """An extra(doc, tenant_dir) for make_env: give each user alias in @p contacts its list of
    contacts and write @p photos ({file name: bytes}) under tenant_dir/img for their "photo"s."""
    def extra(doc, tenant_dir):
        for u in doc["users"]:
            if u["alias"] in contacts:
                u["contacts"] = contacts[u["alias"]]
        img = tenant_dir / "img"
        img.mkdir(parents=True, exist_ok=True)
        for name, data in photos.items():
            (img / name).write_bytes(data)
    return extra


def make_env(users=None, server_args=(), extra=None):
    """A store imported from a tenant of @p users (extra(doc, tenant_dir) may
    add to the tenant document, e.g. contacts) and a running server."""
    root = Path(tempfile.mkdtemp(prefix="ewsemu-it-"))
    store = root / "store"
    store.mkdir()
    users = users if users is not None else standard_users()
    tdir = root / "tenant"
    tenant = write_tenant(tdir, users, (lambda doc: extra(doc, tdir)) if extra else None)
    run_cli("import", tenant, store=store, check=True)
    server = Server(store, server_args).start()
    e = Env(root, store, users, server)
    server._probe_user = e.users.get("large") or users[0]
    return e


def destroy_env(env):
    try:
        if env.server.proc is not None:
            env.server.stop()
    finally:
        env.server.kill()
        shutil.rmtree(env.root, ignore_errors=True)


@pytest.fixture(scope="module")
def env():
    """A fresh store with the standard tenant and a running server, per module."""
    e = make_env()
    yield e
    destroy_env(e)


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not os.access(EWSEMU_BIN, os.X_OK):
        pytest.exit(f"ewsemu binary not found at {EWSEMU_BIN} (build it or set EWSEMU_BIN)", returncode=3)
    assert VALIDATE_SH.is_file(), f"validate.sh not found at {VALIDATE_SH}"
    yield
    if _validate_dir is not None:
        shutil.rmtree(_validate_dir, ignore_errors=True)


def _log_problems(text):
    bad = [line for line in text.splitlines()
           if "ERROR" in line or any(m in line for m in SANITIZER_MARKERS)]
    return bad


def _excerpt(text, bad, lines=60):
    """The log from the first problem line on (a whole sanitizer report fits)."""
    all_lines = text.splitlines()
    first = all_lines.index(bad[0])
    return "\n".join(all_lines[first:first + lines])


@pytest.fixture(autouse=True)
def _server_log_check(request):
    """Attribute server ERROR lines and sanitizer reports to the test that caused them."""
    envs = [request.getfixturevalue(n) for n in ("env", "small_body_env") if n in request.fixturenames]
    marks = [(e, len(e.server.stderr())) for e in envs if e.server.proc is not None]
    yield
    time.sleep(0.05)   # let the server finish writing the log line of the last request
    for e, pos in marks:
        if e.server.proc is None:
            continue
        text = e.server.stderr()
        if e.server.proc.poll() is not None:
            # it died during this test: report it here, restart so later tests still run
            rc = e.server.proc.returncode
            for c in e.server.clients:
                c.close()
            e.server.restart_after_crash()
            pytest.fail(f"server died (exit {rc}) during this test; stderr:\n" + "\n".join(text[pos:].splitlines()[:60]))
        e.server.log_checked = max(e.server.log_checked, len(text))
        new = text[pos:]
        bad = _log_problems(new)
        assert not bad, "server logged during this test:\n" + _excerpt(new, bad)


def assert_still_serving(server, client=None, prev=None):
    """After a bad request the server must answer a good one, on the same
    keep-alive connection (when it did not announce a close) and on a new one."""
    user = server._probe_user
    if client is not None and prev is not None and not prev.will_close:
        assert client.conn.sock is not None, "connection closed although the server did not say so"
        before = client.connects
        r = client.rest_photo(user.email, "HR96x96", auth=user.auth)
        assert r.status == 200, f"same-connection follow-up: HTTP {r.status}"
        assert client.connects == before, "the server dropped a keep-alive connection"
        s = client.get_user_photo(user.email, "HR96x96", auth=user.auth)
        soap_picture(s)
    fresh = server.client(user)
    r = fresh.rest_photo(user.email, "HR64x64")
    assert r.status == 200
    soap_picture(fresh.get_user_photo(user.email, "HR64x64"))
    fresh.close()
