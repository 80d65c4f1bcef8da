#!/usr/bin/python3
"""Send the same requests to two ewsemu binaries and compare their answers byte for byte.

    /usr/bin/python3 tests/corpus/compare-answers.py OLD_BINARY NEW_BINARY [--show N]
    /usr/bin/python3 tests/corpus/compare-answers.py BINARY --dump FILE

Each binary gets a fresh demo store (the demo organisation is deterministic: same users,
same photos, same ETags) and `serve --http 127.0.0.1:0 --public-url https://mail.contoso.test`.
The requests: every request of fixtures/corpus (as its caller, Basic), each Outlook REST and
REST-style route with Basic, a valid bearer token, a forged one and none, and a catalogue of
edge requests (methods, unknown paths, bad credentials, empty and broken bodies).  Every request
goes on a fresh connection, written raw; the answer is read to the close of the connection
(`Connection: close` is sent) or to its framed end.

An answer is compared as: status line, header fields in order (names and values), body bytes
after de-chunking.  Left out, because they are framing or change by the second: Content-Length,
Transfer-Encoding, Connection, Keep-Alive, and the values of Date and Expires.  The differences
are printed per request; exit status 1 when there is one.  Standard library only.
"""
import argparse
import base64
import json
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Passw0rd!"
ME = "alex.smith@contoso.test"
OTHER = "maria.garcia@contoso.test"
PUBLIC_URL = "https://mail.contoso.test"
FRAMING = {"content-length", "transfer-encoding", "connection", "keep-alive"}
VOLATILE = {"date", "expires"}


def basic(user=ME, pw=PASSWORD):
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def corpus_requests():
    out = []
    for f in sorted((ROOT / "fixtures" / "corpus").glob("*.fixture.xml")):
        root = ET.parse(f).getroot()
        req = root.find("request")
        headers = [(h.get("name"), h.text or "") for h in req.findall("header")]
        body = req.find("body")
        data = b""
        if body is not None:
            kids = list(body)
            if body.get("kind") == "xml" and kids:
                data = ET.tostring(kids[0], encoding="utf-8")
            elif body.get("kind") == "base64":
                data = base64.b64decode(body.text or "")
            else:
                data = (body.text or "").encode()
        caller = root.get("caller")
        if caller:
            headers.append(("Authorization", basic(caller)))
        out.append((f.name, req.get("method"), req.get("target"), headers, data))
    return out


def edge_requests(token):
    soap = (b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            b'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Body><m:GetUserPhoto>'
            b"<m:Email>" + ME.encode() + b"</m:Email><m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>"
            b"</soap:Body></soap:Envelope>")
    ct = [("Content-Type", "text/xml; charset=utf-8")]
    rest = f"/ews/Exchange.asmx/s/GetUserPhoto?email={ME}&size=HR96x96"
    outlook = [f"/api/v2.0/me/photo", f"/api/v2.0/me/photo/$value", f"/api/v2.0/Users('{OTHER}')/photo/$value",
               f"/api/v2.0/me/photos", f"/api/v2.0/me/photos('96x96')/$value", "/api/v2.0/me/nothing"]
    auths = {"basic": [("Authorization", basic())], "none": [],
             "wrongpw": [("Authorization", basic("nobody@contoso.test", "nope"))],
             "forged": [("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA")],
             "bearer": [("Authorization", "Bearer " + token)] if token else []}
    out = []
    for an, ah in auths.items():
        out.append((f"soap-{an}", "POST", "/EWS/Exchange.asmx", ct + ah, soap))
        out.append((f"rest-{an}", "GET", rest, ah, b""))
        out.append((f"rest-inm-{an}", "GET", rest, ah + [("If-None-Match", '"0000000000000000"')], b""))
        for i, p in enumerate(outlook):
            out.append((f"outlook{i}-{an}", "GET", p, ah, b""))
        out.append((f"outlook-delete-{an}", "DELETE", "/api/v2.0/Users('nobody@contoso.test')/photo", ah, b""))
        out.append((f"outlook-post-{an}", "POST", "/api/v2.0/me/photo/$value", ah + [("Content-Type", "image/jpeg")], b"xx"))
        out.append((f"ad-pox-{an}", "POST", "/autodiscover/autodiscover.xml", ct + ah,
                    b'<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
                    b'outlook/requestschema/2006"><Request><EMailAddress>' + ME.encode() + b"</EMailAddress>"
                    b"<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
                    b"responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"))
        out.append((f"get-ews-{an}", "GET", "/EWS/Exchange.asmx", ah, b""))
        out.append((f"get-nope-{an}", "GET", "/nope", ah, b""))
        out.append((f"post-nope-{an}", "POST", "/nope", ct + ah, soap))
    b = auths["basic"]
    for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "FOO"):
        out.append((f"method-{m}", m, "/EWS/Exchange.asmx", b, b""))
        out.append((f"method-{m}-rest", m, rest, b, b""))
    out += [
        ("soap-empty", "POST", "/EWS/Exchange.asmx", ct + b, b""),
        ("soap-notxml", "POST", "/EWS/Exchange.asmx", ct + b, b"hello"),
        ("soap-truncated", "POST", "/EWS/Exchange.asmx", ct + b, soap[:120]),
        ("soap-unknown-op", "POST", "/EWS/Exchange.asmx", ct + b, soap.replace(b"GetUserPhoto", b"FindItem")),
        ("soap-dtd", "POST", "/EWS/Exchange.asmx", ct + b, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + soap[21:]),
        ("soap-not-envelope", "POST", "/EWS/Exchange.asmx", ct + b, b"<a><b/></a>"),
        ("soap-deep", "POST", "/EWS/Exchange.asmx", ct + b, b"<a>" * 100 + b"</a>" * 100),
        ("ad-empty", "POST", "/autodiscover/autodiscover.xml", ct + b, b""),
        ("ad-svc-empty", "POST", "/autodiscover/autodiscover.svc", ct + b, b""),
        ("ad-get", "GET", "/autodiscover/autodiscover.xml", b, b""),
        ("rest-bad-size", "GET", rest.replace("HR96x96", "HR1x1"), b, b""),
        ("rest-no-email", "GET", "/ews/Exchange.asmx/s/GetUserPhoto?size=HR96x96", b, b""),
        ("rest-unknown", "GET", rest.replace(ME, "nobody@contoso.test"), b, b""),
        ("rest-pct", "GET", rest.replace("@", "%40"), b, b""),
        ("rest-bad-pct", "GET", rest.replace("@", "%4"), b, b""),
        ("inm-long", "GET", rest, b + [("If-None-Match", "x" * 2000)], b""),
        ("basic-garbage", "GET", rest, [("Authorization", "Basic !!!!")], b""),
        ("basic-nul", "GET", rest, [("Authorization", "Basic " + base64.b64encode(f"{ME}:{PASSWORD}\0x".encode()).decode())], b""),
        ("basic-long-user", "GET", rest, [("Authorization", basic("u" * 1000))], b""),
        ("negotiate", "GET", rest, [("Authorization", "Negotiate TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==")], b""),
    ]
    return out


def read_answer(sock):
    data = b""
    sock.settimeout(30)
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    return data


def dechunk(body):
    out, rest = b"", body
    while rest:
        line, _, rest = rest.partition(b"\r\n")
        n = int(line.split(b";")[0] or b"0", 16)
        if n == 0:
            break
        out, rest = out + rest[:n], rest[n + 2:]
    return out


def normalise(raw):
    if not raw:
        return {"status": "(no answer)", "headers": [], "body": ""}
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers, chunked = [], False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        n = name.strip().lower()
        if n == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        if n in FRAMING:
            continue
        headers.append([name.strip(), "<volatile>" if n in VOLATILE else value.strip()])
    if chunked:
        body = dechunk(body)
    # Autodiscover's error Time is the time of day
    body = re.sub(rb'(<Error Time=")[0-9:.]+(")', rb"\1<volatile>\2", body)
    # and a contact picture's times are those of the demo store's creation
    body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"<volatile>", body)
    return {"status": lines[0], "headers": headers, "body": base64.b64encode(body).decode()}


def run(binary, tmp):
    store = tmp / "store"
    subprocess.run([binary, "demo", "--store", store], check=True, capture_output=True)
    tok = subprocess.run([binary, "token", "issue", "--store", store, "--user", ME, "--scope", "user.readwrite.all"],
                         capture_output=True, text=True)
    token = tok.stdout.strip() if tok.returncode == 0 else None
    proc = subprocess.Popen([binary, "serve", "--store", store, "--http", "127.0.0.1:0", "--https", "off",
                             "--public-url", PUBLIC_URL, "--log-level", "error"], stdout=subprocess.PIPE, text=True)
    try:
        port = None
        for line in proc.stdout:
            m = re.search(r"EWS endpoint http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        answers = {}
        for name, method, target, headers, body in edge_requests(token) + corpus_requests():
            lines = [f"{method} {target} HTTP/1.1", "Host: mail.contoso.test", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers]
            if body or method in ("POST", "PUT", "PATCH"):
                lines.append(f"Content-Length: {len(body)}")
            raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(raw)
                answers[name] = normalise(read_answer(s))
        return answers
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new", nargs="?")
    ap.add_argument("--dump")
    ap.add_argument("--show", type=int, default=400, help="characters of each differing body shown")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ewsemu-compare-"))
    try:
        old = run(a.old, tmp / "old")
        if a.dump:
            Path(a.dump).write_text(json.dumps(old, indent=1))
            return 0
        new = run(a.new, tmp / "new")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ndiff = 0
    for name in old:
        o, n = old[name], new.get(name)
        if o == n:
            continue
        ndiff += 1
        print(f"== {name}")
        if o["status"] != n["status"]:
            print(f"   status: {o['status']!r} -> {n['status']!r}")
        if o["headers"] != n["headers"]:
            print(f"   headers: {o['headers']}\n         -> {n['headers']}")
        if o["body"] != n["body"]:
            ob, nb = base64.b64decode(o["body"]), base64.b64decode(n["body"])
            at = next((i for i in range(min(len(ob), len(nb))) if ob[i] != nb[i]), min(len(ob), len(nb)))
            lo = max(0, at - 60)
            print(f"   body (from byte {at}): {ob[lo:lo + a.show]!r}\n      -> {nb[lo:lo + a.show]!r}")
    print(f"compare-answers: {len(old)} requests, {ndiff} differ")
    return 1 if ndiff else 0


if __name__ == "__main__":
    sys.exit(main())
