"""NTLM and Negotiate over the wire (issue 13 item 2): the offers of a 401, the
handshake on one keep-alive connection (the challenge leg answers only its
token), the connection staying authenticated as IIS keeps it, the user name
forms (DOMAIN\\user, UPN, any SMTP address, bare alias), wrong passwords and
lockout as Basic counts them, a type-3 on a new connection, replays, curl
--ntlm over HTTP and HTTPS, `serve --auth`, a store from before schema 7, and
hostile Authorization values.

Tokens are built by ntlm_wire.py (NTLMv2 with a MIC, as Windows and pyspnego
send it) and by curl; the server verifies both."""

import base64
import http.client
import re
import subprocess
import time

import pytest

from ews_it import (DOMAIN, EWS_PATH, REST_PATH, HTTP_TIMEOUT, UserSpec, _tls_context, assert_still_serving, destroy_env,
                    envelope, make_env, run_cli)
import ntlm_wire as nw

NETBIOS = DOMAIN.split(".")[0].upper()
WAIT = 30   # seconds: only catches a hang


def users():
    return [UserSpec("large", photo=(240, 240, (200, 30, 30))), UserSpec("ann", photo=(240, 240, (30, 170, 40))),
            UserSpec("locky"), UserSpec("boss", admin=True)]


@pytest.fixture(scope="module")
def env():
    e = make_env(users(), ["--domain", DOMAIN, "--lockout-threshold", "3", "--lockout-window", "600",
                           "--lockout-duration", "600"])
    yield e
    destroy_env(e)


def conn(env, tls=False):
    s = env.server
    if tls:
        return http.client.HTTPSConnection(*s.https, timeout=HTTP_TIMEOUT, context=_tls_context())
    return http.client.HTTPConnection(*s.http, timeout=HTTP_TIMEOUT)


def photo_path(email):
    return f"{REST_PATH}?email={email.replace('@', '%40')}&size=HR48x48"


def send(c, auth=None, method="GET", path=None, body=None, env=None):
    h = {"Host": "mail.example.test"}
    if auth is not None:
        h["Authorization"] = auth
    if body is not None:
        h["Content-Type"] = "text/xml; charset=utf-8"
    c.request(method, path or photo_path(f"large@{DOMAIN}"), body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r, data


def offers(r):
    return [v for k, v in r.getheaders() if k.lower() == "www-authenticate"]


def handshake(c, user, password, scheme="NTLM", domain="", mic=True, **kw):
    """Type 1 -> 401 + challenge -> type 3; returns (response, body) of leg 3."""
    neg = nw.negotiate()
    r, body = send(c, f"{scheme} {nw.b64(neg)}", **kw)
    assert r.status == 401, r.status
    ws = offers(r)
    assert len(ws) == 1 and ws[0].startswith(scheme + " "), ws     # only the challenge (spec 2.2)
    assert body == b"" and r.getheader("Content-Length") == "0"
    assert (r.getheader("Connection") or "").lower() != "close"
    chal = base64.b64decode(ws[0].split(" ", 1)[1])
    auth = nw.authenticate(neg, chal, user, domain, password, mic=mic)
    return send(c, f"{scheme} {nw.b64(auth)}", **kw)


def test_offers(env):
    c = conn(env)
    r, _ = send(c)
    assert r.status == 401
    assert offers(r) == ["Negotiate", "NTLM", 'Basic realm="ewsemu"', 'Bearer realm="ewsemu"']


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("scheme", ["NTLM", "Negotiate"])
def test_handshake_and_persistence(env, scheme, tls):
    u = env.u("ann")
    c = conn(env, tls)
    r, body = handshake(c, "ann", u.password, scheme=scheme, domain=NETBIOS)
    assert r.status == 200, (r.status, body[:200])
    assert body[:2] == b"\xff\xd8"
    # raw NTLMSSP under Negotiate ends without a final token
    assert offers(r) == []
    # the connection stays authenticated (IIS authPersistSingleRequest=false) ...
    r, body = send(c, None, "POST", EWS_PATH, envelope(
        '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>ann</m:UnresolvedEntry></m:ResolveNames>'))
    assert r.status == 200 and b"ResolveNamesResponse" in body
    # ... for GetUserPhoto over SOAP too
    r, body = send(c, None, "POST", EWS_PATH, envelope(
        f'<m:GetUserPhoto><m:Email>ann@{DOMAIN}</m:Email><m:SizeRequested>HR48x48</m:SizeRequested></m:GetUserPhoto>'))
    assert r.status == 200 and b"PictureData" in body
    # another connection is not
    c2 = conn(env, tls)
    r, _ = send(c2)
    assert r.status == 401
    # a new Authorization header on the first connection restarts
    r, _ = send(c, "Basic " + base64.b64encode(b"ann@" + DOMAIN.encode() + b":wrong").decode())
    assert r.status == 401
    r, _ = send(c)
    assert r.status == 401
    c.close()
    c2.close()


def test_autodiscover_accepts_ntlm(env):
    u = env.u("ann")
    c = conn(env)
    body = ('<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">'
            f'<Request><EMailAddress>ann@{DOMAIN}</EMailAddress><AcceptableResponseSchema>'
            'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'
            '</AcceptableResponseSchema></Request></Autodiscover>')
    r, data = handshake(c, "ann", u.password, method="POST", path="/autodiscover/autodiscover.xml", body=body)
    assert r.status == 200 and b"EwsUrl" in data, data[:300]


@pytest.mark.parametrize("user,domain", [
    ("ann", NETBIOS),                 # DOMAIN\user
    ("ann", DOMAIN),                  # dns.domain\user
    (f"ann@{DOMAIN}", ""),            # UPN / primary SMTP
    (f"ann.alt@{DOMAIN}", ""),        # another SMTP address of the user
    ("ANN", ""),                      # bare alias, any case
], ids=["netbios", "dns-domain", "upn", "proxy", "bare"])
def test_name_forms(env, user, domain):
    c = conn(env)
    r, body = handshake(c, user, env.u("ann").password, domain=domain)
    assert r.status == 200, (r.status, body[:200])
    c.close()


def test_without_mic(env):
    c = conn(env)
    r, _ = handshake(c, "ann", env.u("ann").password, domain=NETBIOS, mic=False)
    assert r.status == 200


def test_wrong_password_and_lockout(env):
    u = env.u("locky")
    for i in range(3):
        c = conn(env)
        r, body = handshake(c, "locky", "wrong", domain=NETBIOS)
        # 401 with the fresh offers, as to an anonymous request
        assert r.status == 401 and offers(r)[:2] == ["Negotiate", "NTLM"], offers(r)
        c.close()
    time.sleep(0.2)
    # locked now: the right password is refused, over NTLM and over Basic
    c = conn(env)
    r, _ = handshake(c, "locky", u.password, domain=NETBIOS)
    assert r.status == 401
    r, _ = send(c, "Basic " + base64.b64encode(f"{u.email}:{u.password}".encode()).decode())
    assert r.status == 401
    assert "locked out" in env.server.stderr()
    run_cli("unlock", u.email, store=env.store, check=True)
    c = conn(env)
    r, _ = handshake(c, "locky", u.password, domain=NETBIOS)
    assert r.status == 200


def test_type3_elsewhere_and_replay(env):
    u = env.u("ann")
    a = conn(env)
    neg = nw.negotiate()
    r, _ = send(a, f"NTLM {nw.b64(neg)}")
    chal = base64.b64decode(offers(r)[0].split(" ", 1)[1])
    t3 = nw.b64(nw.authenticate(neg, chal, "ann", NETBIOS, u.password))
    # the AUTHENTICATE on a new connection: no pending challenge there
    b = conn(env)
    r, _ = send(b, f"NTLM {t3}")
    assert r.status == 401 and "NTLM" in offers(r)
    # on its own connection it works once ...
    r, _ = send(a, f"NTLM {t3}")
    assert r.status == 200
    # ... and never again, there or anywhere
    r, _ = send(a, f"NTLM {t3}")
    assert r.status == 401
    c = conn(env)
    r, _ = send(c, f"NTLM {t3}")
    assert r.status == 401
    assert "no pending challenge" in env.server.stderr()


def test_hostile_values(env):
    u = env.u("ann")
    c = conn(env)
    r, _ = send(c, "NTLM !!!not base64!!!")
    assert r.status == 401
    r, _ = send(c, "Negotiate " + "A" * (100 * 1024))
    assert r.status in (400, 401, 431), r.status
    c = conn(env)
    # NTLMSSP AUTHENTICATE whose offsets point past its end, after a real challenge
    neg = nw.negotiate()
    r, _ = send(c, f"NTLM {nw.b64(neg)}")
    chal = base64.b64decode(offers(r)[0].split(" ", 1)[1])
    t3 = bytearray(nw.authenticate(neg, chal, "ann", NETBIOS, u.password))
    t3[24:28] = (0x7FFFFFF0).to_bytes(4, "little")
    r, _ = send(c, f"NTLM {nw.b64(bytes(t3))}")
    assert r.status == 401
    # a CHALLENGE sent back, a truncated NEGOTIATE, a type 3 cut short
    for tok in (chal, nw.negotiate()[:10], bytes(t3[:70])):
        r, _ = send(c, f"NTLM {nw.b64(tok)}")
        assert r.status == 401
    c.close()
    assert_still_serving(env.server)


def curl(env, user, password, tls=False, extra=()):
    s = env.server
    host, port = s.https if tls else s.http
    url = f"{'https' if tls else 'http'}://{host}:{port}{photo_path(f'large@{DOMAIN}')}"
    p = subprocess.run(["curl", "-s", "-k", "--ntlm", "-u", f"{user}:{password}", "-o", "/dev/null",
                        "-w", "%{http_code}", *extra, url], capture_output=True, text=True, timeout=WAIT)
    return p.stdout


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_curl(env, tls):
    pw = env.u("ann").password
    assert curl(env, f"{NETBIOS}\\ann", pw, tls) == "200"
    assert curl(env, f"ann@{DOMAIN}", pw, tls) == "200"
    assert curl(env, "ann", pw, tls) == "200"
    assert curl(env, f"{NETBIOS}\\ann", "nope", tls) == "401"
    # SOAP POST: curl sends the type-1 leg with an empty body
    s = env.server
    host, port = s.https if tls else s.http
    p = subprocess.run(["curl", "-s", "-k", "--ntlm", "-u", f"{NETBIOS}\\ann:{pw}", "-H",
                        "Content-Type: text/xml; charset=utf-8", "--data-binary", envelope(
                            '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>ann'
                            '</m:UnresolvedEntry></m:ResolveNames>'),
                        f"{'https' if tls else 'http'}://{host}:{port}{EWS_PATH}"],
                       capture_output=True, timeout=WAIT)
    assert b"ResolveNamesResponse" in p.stdout and b"NoError" in p.stdout, p.stdout[:300]


def test_auth_option():
    e = make_env(users(), ["--domain", DOMAIN, "--auth", "basic"])
    try:
        c = conn(e)
        r, _ = send(c)
        assert r.status == 401 and offers(r) == ['Basic realm="ewsemu"', 'Bearer realm="ewsemu"']
        r, _ = send(c, f"NTLM {nw.b64(nw.negotiate())}")
        assert r.status == 401 and not any(o.startswith("NTLM ") for o in offers(r))
        assert curl(e, "ann", e.u("ann").password) == "401"
    finally:
        destroy_env(e)
    e = make_env(users(), ["--domain", DOMAIN, "--auth", "ntlm"])
    try:
        c = conn(e)
        r, _ = send(c)
        assert offers(r) == ["NTLM", 'Bearer realm="ewsemu"']
        r, _ = send(c, "Basic " + base64.b64encode(f"{e.u('ann').email}:{e.u('ann').password}".encode()).decode())
        assert r.status == 401
        assert curl(e, "ann", e.u("ann").password) == "200"
    finally:
        destroy_env(e)
    p = run_cli("serve", "--auth", "kerberos", "--http", "127.0.0.1:0", "--https", "off")
    assert p.returncode == 2 and "--auth" in p.stderr


# ---- a store from before schema 7 ------------------------------------------------

def _tlv_without_nt_hash(value):
    """A users record (format byte, then tag:u8 len:u16be value) without tag 14,
    as a build before schema 7 wrote it."""
    out, i = bytearray(value[:1]), 1
    while i < len(value):
        tag, n = value[i], int.from_bytes(value[i + 1:i + 3], "big")
        if tag != 14:
            out += value[i:i + 3 + n]
        i += 3 + n
    return bytes(out)


def make_old_store(store):
    """Rewrite @p store (closed) as an older build left it: schema 5, users without NT hashes."""
    db = str(store / "ewsemu.mdb")
    dump = subprocess.run(["mdb_dump", "-n", "-s", "users", db], capture_output=True, text=True, check=True).stdout
    head, _, body = dump.partition("HEADER=END\n")
    lines = [ln for ln in body.splitlines() if ln.startswith(" ")]
    out = [head + "HEADER=END"]
    for k, v in zip(lines[0::2], lines[1::2]):
        out += [k, " " + _tlv_without_nt_hash(bytes.fromhex(v.strip())).hex()]
    out.append("DATA=END")
    subprocess.run(["mdb_load", "-n", "-s", "users", db], input="\n".join(out) + "\n", text=True, check=True)
    meta = ("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n " + b"schema_version".hex() +
            "\n 00000005\nDATA=END\n")
    subprocess.run(["mdb_load", "-n", "-s", "meta", db], input=meta, text=True, check=True)


def test_store_without_nt_hashes(tmp_path):
    from ews_it import Env, Server, write_tenant
    store = tmp_path / "store"
    store.mkdir()
    us = users()
    run_cli("import", write_tenant(tmp_path / "tenant", us), store=store, check=True)
    make_old_store(store)
    e = Env(tmp_path, store, us, Server(store, ["--domain", DOMAIN]).start())
    e.server._probe_user = us[0]
    try:
        assert "upgrading schema 5 to 7" in e.server.stderr()
        u = e.u("ann")
        # Basic keeps working
        c = conn(e)
        r, _ = send(c, "Basic " + base64.b64encode(f"{u.email}:{u.password}".encode()).decode())
        assert r.status == 200
        # NTLM fails, and the log says why
        c = conn(e)
        r, _ = handshake(c, "ann", u.password, domain=NETBIOS)
        assert r.status == 401
        assert re.search(r"no NT hash kept for ann@example\.test: set the password again", e.server.stderr())
        # importing the password again fixes it
        run_cli("import", write_tenant(tmp_path / "again", [u]), store=store, check=True)
        c = conn(e)
        r, _ = handshake(c, "ann", u.password, domain=NETBIOS)
        assert r.status == 200
    finally:
        destroy_env(e)
