#!/usr/bin/python3
"""make-corpus.py - (re)write the seed corpora tests/fuzz/corpus/<target>/ from the
project's test data: the recorded fixtures (fixtures/corpus), the example tenant
(fixtures/example-tenant) and small JPEG variants drawn with Pillow.  The output is
committed; run this again after the test data changes (Debian's python3 with
python3-pil).  Seeds are named by content hash, as libFuzzer names corpus files."""
import base64
import hashlib
import hmac
import io
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "corpus"
FIXTURES = sorted((ROOT / "fixtures" / "corpus").glob("*.fixture.xml"))
TENANT = ROOT / "fixtures" / "example-tenant"
MAX_SEED = 12 * 1024          # keep the committed corpus small
SOAP_HEAD = ("POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: mail.contoso.test\r\n"
             "Content-Type: text/xml; charset=utf-8\r\nAuthorization: Basic YWxleDpzZWNyZXQ=\r\n")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_SEED:
        return
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def request_parts(text):
    """method, target, [(name, value)], xml body or None of a fixture's request"""
    req = re.search(r"<request ([^>]*?)(/>|>(.*?)</request>)", text, re.S)
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', req.group(1)))
    inner = req.group(3) or ""
    headers = re.findall(r'<header name="([^"]+)">([^<]*)</header>', inner)
    body = re.search(r'<body kind="xml">\s*(.*?)\s*</body>', inner, re.S)
    return attrs.get("method", "GET"), attrs.get("target", "/"), headers, body.group(1) if body else None


def http_corpus():
    for f in FIXTURES[:20]:
        method, target, headers, body = request_parts(f.read_text())
        b = (body or "").encode()
        head = f"{method} {target.replace('&amp;', '&')} HTTP/1.1\r\nHost: mail.contoso.test\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in headers)
        put("http", b"\x02" + (head + f"Content-Length: {len(b)}\r\n\r\n").encode() + b)
    chunked = b"<a>hello</a>"
    put("http", b"\x02POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x;ext=1\r\n" % len(chunked) + chunked + b"\r\n0\r\nTrailer: x\r\n\r\n")
    put("http", b"\x00GET /s/GetUserPhoto?email=a@b.test&size=HR96x96 HTTP/1.1\r\nHost: h\r\n"
        b"If-None-Match: \"abc\"\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n\r\n"
        b"GET /api/v2.0/me/photo/$value HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer x.y.z\r\n\r\n")
    put("http", b"\x00HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\nETag: \"1\"\r\n\r\n<a/>\n")
    put("http", b"\x01HTTP/1.1 304 Not Modified\r\nETag: W/\"1\"\r\n\r\n")
    put("http", b"\x00HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n")
    put("http", b"\x00HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\nbody until close")


def soap_corpus():
    for f in FIXTURES:
        method, target, headers, body = request_parts(f.read_text())
        if method != "POST" or not body or "Envelope" not in body:
            continue
        put("soap", body)
        b = body.encode()
        put("soap", (SOAP_HEAD + f"Content-Length: {len(b)}\r\n\r\n").encode() + b)
    put("soap", "GET /EWS/Exchange.asmx HTTP/1.1\r\nHost: h\r\n\r\n")
    # operations the corpus does not record (their answers carry per-store sync states)
    env = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
           'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
           'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header>'
           '<t:RequestServerVersion Version="Exchange2013"/></soap:Header><soap:Body>%s</soap:Body></soap:Envelope>')
    put("soap", env % ('<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                       '<m:SyncFolderId><t:DistinguishedFolderId Id="contacts"/></m:SyncFolderId>'
                       '<m:SyncState>AAAA</m:SyncState><m:Ignore><t:ItemId Id="x"/></m:Ignore>'
                       '<m:MaxChangesReturned>2</m:MaxChangesReturned></m:SyncFolderItems>'))
    put("soap", env % ('<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape>'
                       '</m:FolderShape></m:SyncFolderHierarchy>'))
    put("soap", env % ('<m:GetPersona><m:PersonaId Id="AAAA"/></m:GetPersona>'))
    put("soap", env % ('<m:ConvertId DestinationFormat="HexEntryId"><m:SourceIds><t:AlternateId Format="EwsId" '
                       'Id="AAAA" Mailbox="blah@blah.com"/></m:SourceIds></m:ConvertId>'))
    # the front's other routes (fuzz_soap hands HTTP requests to http_front_handle)
    put("soap", "GET /ews/Exchange.asmx/s/GetUserPhoto?email=alex.smith%40contoso.test&size=HR96x96 HTTP/1.1\r\n"
        "Host: h\r\nIf-None-Match: \"0123456789ABCDEF\"\r\n\r\n")
    put("soap", "GET /api/v2.0/Users('alex.smith@contoso.test')/photos('96x96')/$value HTTP/1.1\r\nHost: h\r\n\r\n")
    put("soap", "DELETE /api/v2.0/me/photo HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a.b.c\r\n\r\n")
    pox = ('<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
           'requestschema/2006"><Request><EMailAddress>alex.smith@contoso.test</EMailAddress></Request></Autodiscover>')
    put("soap", f"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: h\r\nContent-Length: {len(pox)}\r\n\r\n{pox}")


def fixture_corpus():
    for f in FIXTURES:
        put("fixture", f.read_bytes())


SECRET = bytes(0x5A ^ i for i in range(32))   # fuzz_token.c's key
KID = hashlib.sha256(SECRET).hexdigest()[:16]


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def token_corpus():
    hdr = json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}, separators=(",", ":")).encode()
    payloads = [
        {"iss": "ewsemu", "sub": "alex.smith@contoso.test", "scp": "user.read", "iat": 1767225000, "exp": 1767229200},
        {"iss": "ewsemu", "sub": "a@b.test", "scp": "User.ReadWrite.All user.readbasic.all x", "iat": 1, "exp": 2},
        {"sub": "a@b.test", "scp": "", "iat": 1767225000, "exp": 1767229200},
    ]
    for p in payloads:
        pay = json.dumps(p, separators=(",", ":")).encode()
        signing = b64url(hdr) + b"." + b64url(pay)
        sig = b64url(hmac.new(SECRET, signing, hashlib.sha256).digest())
        put("token", b"\x00" + signing + b"." + sig)            # mode 0: as sent
        put("token", b"\x01" + pay)                              # mode 1: payload, harness signs
        put("token", b"\x02" + hdr + b"\n" + pay)                # mode 2: header + payload
    put("token", b"\x02" + b'{"alg":"none","kid":"' + KID.encode() + b'"}\n{}')
    put("token", b"\x03\x1f\x10\x20alex.smith@contoso.test")       # mode 3: issue + verify
    put("token", b"\x03\x01\x00\x00" + "zoë@例え.test".encode())


def vcard_corpus():
    text = (TENANT / "contacts.vcf").read_bytes()
    put("vcard", text)
    for card in re.findall(rb"BEGIN:VCARD.*?END:VCARD\r?\n", text, re.S):
        put("vcard", card)
    put("vcard", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë Ångström\r\nEMAIL;PREF=1:zoe@example.org\r\n"
        "BDAY:--0412\r\nKIND:individual\r\nEND:VCARD\r\n")
    put("vcard", "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=\n"
        "=F6rg\nTEL;WORK;VOICE:+49 1\nEMAIL;INTERNET:j@m.test\nEND:VCARD\n")
    put("vcard", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Link Only\r\nPHOTO;VALUE=uri:https://example.test/p.jpg\r\n"
        "X-ADDRESSBOOKSERVER-KIND:group\r\nEND:VCARD\r\n")
    small = (TENANT / "photos" / "carol-thumb.jpg").read_bytes()
    put("vcard", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Pic\r\nPHOTO:data:image/jpeg;base64,"
        + base64.b64encode(small).decode() + "\r\nEND:VCARD\r\n")


def jpeg(mode, size, **kw):
    from PIL import Image
    img = Image.new(mode, size)
    for x in range(size[0]):
        for y in range(size[1]):
            v = (x * 37 + y * 11) % 256
            img.putpixel((x, y), v if mode == "L" else (v, 255 - v, (x * y) % 256) + ((0,) if mode == "CMYK" else ()))
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def photo_corpus():
    for name in ("carol-thumb.jpg", "alice-thumb.jpg", "bob.jpg"):
        put("photo", (TENANT / "photos" / name).read_bytes())
    put("photo", jpeg("RGB", (16, 16), quality=50))
    put("photo", jpeg("RGB", (64, 48), quality=80, progressive=True))
    put("photo", jpeg("RGB", (130, 9), quality=60, subsampling=0))
    put("photo", jpeg("L", (50, 50), quality=70))
    put("photo", jpeg("CMYK", (20, 24), quality=70))
    put("photo", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
    put("photo", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")


def tenant_corpus():
    put("tenant", (TENANT / "tenant.json").read_bytes())
    put("tenant", json.dumps({"domain": "example.test", "users": []}))
    put("tenant", json.dumps({"domain": "example.test", "users": [
        {"email": "x@example.test", "display_name": "X", "proxies": ["smtp:y@example.test"], "admin": False,
         "photo": "photos/bob.jpg", "photo_deleted": True,
         "contacts": [{"display_name": "C", "email": "c@c.test", "photo": "photos/carol-thumb.jpg"}]},
        {"email": "z@example.test", "proxies": ["x@example.test"]}]}))


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    for fn in (http_corpus, soap_corpus, fixture_corpus, token_corpus, vcard_corpus, photo_corpus, tenant_corpus):
        fn()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    for d in sorted(OUT.iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")
    print(f"total {total} bytes")


if __name__ == "__main__":
    sys.exit(main())
