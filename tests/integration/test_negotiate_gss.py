"""Negotiate (SPNEGO carrying NTLM, RFC 4178 / RFC 4559) end to end, with a
client that is not ours: MIT Kerberos's SPNEGO mechanism with the
gss-ntlmssp plugin, through python3-gssapi (the stack `curl --negotiate`
uses; Debian 12 has no python3-spnego).  MIT's SPNEGO sends a mechListMIC
with its AUTHENTICATE and checks the server's on the final token, so a
completed client context proves the server's mechListMIC too.

Skipped when python3-gssapi or gss-ntlmssp is missing (scripts/install-deps
--test installs both) or when the server offers no Negotiate.
"""

import base64
import http.client

import pytest

from ews_it import DOMAIN, HTTP_TIMEOUT, REST_PATH, _tls_context, destroy_env, make_env

gssapi = pytest.importorskip("gssapi")
gss_raw = pytest.importorskip("gssapi.raw")

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
NTLMSSP = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
# the server's NTLM domain is --domain's first label, upper-cased (server_ntlm_domain());
# a bare alias resolves in --domain, where the test users live
NETBIOS_DOMAIN = DOMAIN.split(".")[0].upper()

if NTLMSSP not in gss_raw.indicate_mechs():
    pytest.skip("gss-ntlmssp is not installed (scripts/install-deps --test)", allow_module_level=True)


@pytest.fixture(scope="module")
def env():
    e = make_env(server_args=["--domain", DOMAIN])
    yield e
    destroy_env(e)


def photo_path(user):
    return f"{REST_PATH}?email={user.email}&size=HR48x48"


def connect(env, tls):
    host, port = env.server.https if tls else env.server.http
    if tls:
        return http.client.HTTPSConnection(host, port, timeout=HTTP_TIMEOUT, context=_tls_context())
    return http.client.HTTPConnection(host, port, timeout=HTTP_TIMEOUT)


def get(conn, path, token=None):
    headers = {"Host": "mail.example.test"}
    if token is not None:
        headers["Authorization"] = "Negotiate " + base64.b64encode(token).decode()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    return r, body


def negotiate_token(r):
    """The token of the response's `WWW-Authenticate: Negotiate <b64>`, b"" for
    a bare `Negotiate` offer, None when Negotiate is not offered."""
    for value in r.msg.get_all("WWW-Authenticate") or []:
        scheme, _, rest = value.partition(" ")
        if scheme.lower() == "negotiate":
            return base64.b64decode(rest.strip()) if rest.strip() else b""
    return None


def client_context(user_name, password):
    name = gssapi.Name(user_name, gssapi.NameType.user)
    creds = gss_raw.acquire_cred_with_password(name, password.encode(), usage="initiate", mechs=[SPNEGO]).creds
    target = gssapi.Name("HTTP@mail.example.test", gssapi.NameType.hostbased_service)
    return gssapi.SecurityContext(name=target, creds=creds, mech=SPNEGO, usage="initiate")


@pytest.fixture(scope="module")
def offered(env):
    conn = connect(env, False)
    r, _ = get(conn, photo_path(env.u("large")))
    conn.close()
    assert r.status == 401
    if negotiate_token(r) is None:
        pytest.skip("the server offers no Negotiate (serve --auth)")


def handshake(env, conn, user_name, password, path):
    """Legs 1-3 on @p conn; returns (final response, its body, client context, the leg-3 token)."""
    ctx = client_context(user_name, password)
    r, _ = get(conn, path, ctx.step())
    assert r.status == 401, f"leg 1 answered {r.status}"
    challenge = negotiate_token(r)
    assert challenge, "leg 1's 401 carries no Negotiate token"
    auth = ctx.step(challenge)
    r, body = get(conn, path, auth)
    return r, body, ctx, auth


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("form", ["domain", "bare"])
def test_negotiate_authenticates_the_connection(env, offered, tls, form):
    user = env.u("large")
    name = f"{NETBIOS_DOMAIN}\\{user.alias}" if form == "domain" else user.alias
    conn = connect(env, tls)
    try:
        r, body, ctx, _ = handshake(env, conn, name, user.password, photo_path(user))
        assert r.status == 200, f"leg 3 answered {r.status}: {body[:200]!r}"
        final = negotiate_token(r)
        assert final, "the 200 carries no final Negotiate token (RFC 4559 5)"
        ctx.step(final)                  # raises unless accept-completed with a valid mechListMIC
        assert ctx.complete
        # the connection is authenticated now, as IIS does
        r, _ = get(conn, photo_path(user))
        assert r.status == 200
    finally:
        conn.close()
    # ... and no other connection is
    other = connect(env, tls)
    try:
        r, _ = get(other, photo_path(user))
        assert r.status == 401
    finally:
        other.close()


def test_wrong_password_is_401(env, offered):
    user = env.u("large")
    conn = connect(env, False)
    try:
        r, _, _, _ = handshake(env, conn, f"{NETBIOS_DOMAIN}\\{user.alias}", user.password + "x", photo_path(user))
        assert r.status == 401
        r, _ = get(conn, photo_path(user))
        assert r.status == 401
    finally:
        conn.close()


def test_replayed_authenticate_on_a_new_connection_is_401(env, offered):
    user = env.u("large")
    conn = connect(env, False)
    try:
        r, _, _, auth = handshake(env, conn, f"{NETBIOS_DOMAIN}\\{user.alias}", user.password, photo_path(user))
        assert r.status == 200
    finally:
        conn.close()
    other = connect(env, False)
    try:
        r, _ = get(other, photo_path(user), auth)
        assert r.status == 401
    finally:
        other.close()


def test_forged_mech_list_mic_is_401(env, offered):
    """MIT's leg 3 ends with its mechListMIC (`A3 12 04 10` + the 16-byte NTLM
    signature); one bit flipped in its checksum must fail the login, and the
    connection is not authenticated afterwards."""
    user = env.u("large")
    conn = connect(env, False)
    try:
        ctx = client_context(f"{NETBIOS_DOMAIN}\\{user.alias}", user.password)
        r, _ = get(conn, photo_path(user), ctx.step())
        assert r.status == 401
        auth = bytearray(ctx.step(negotiate_token(r)))
        assert auth[-20:-16] == b"\xa3\x12\x04\x10", "leg 3 carries no mechListMIC"
        auth[-10] ^= 0x01                 # inside the checksum (signature bytes 4..11)
        r, _ = get(conn, photo_path(user), bytes(auth))
        assert r.status == 401
        assert negotiate_token(r) == b"", "a refusal answers with the fresh offers only"
        r, _ = get(conn, photo_path(user))
        assert r.status == 401
    finally:
        conn.close()
    assert "bad mechListMIC" in env.server.stderr()
