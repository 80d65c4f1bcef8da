"""Outlook REST API v2.0 user photo (spec §8) and bearer tokens with scopes,
over the wire: every endpoint, status and scope rule, tampered and expired
tokens, writes through the same photo code as SetUserPhoto/GetUserPhoto."""
import base64
import hashlib
import hmac
import json
import time

import pytest

from ews_it import (assert_unchanged, decode_image, etag_of, make_jpeg, make_png, soap_picture)

API = "/api/v2.0"
JSON_TYPE = "application/json; odata.metadata=minimal"
FIELDS = ["@odata.context", "@odata.id", "@odata.mediaContentType", "@odata.mediaEtag", "Id", "Width", "Height"]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    def __init__(self, env):
        self.env = env
        self.cache = {}

    def issue(self, user, *scopes, expires=None):
        key = (user.email, scopes, expires)
        if key not in self.cache or expires is not None:
            args = ["token", "issue", "--user", user.email]
            for s in scopes:
                args += ["--scope", s]
            if expires is not None:
                args += ["--expires", str(expires)]
            p = self.env.cli(*args, check=True)
            self.cache[key] = p.stdout.strip()
        return self.cache[key]

    def sign(self, header, payload, secret=None):
        """A token signed like the server's (HMAC-SHA256 with the store's key)."""
        secret = secret if secret is not None else self.secret()
        signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
        mac = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
        return signing + "." + b64url(mac)

    def secret(self):
        return unb64url((self.env.store / "token.key").read_text().strip())

    def kid(self):
        return hashlib.sha256(self.secret()).digest()[:8].hex()


@pytest.fixture(scope="module")
def tok(env):
    return Tokens(env)


@pytest.fixture(scope="module")
def rc(env):
    return env.server.client(None)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def call(client, method, path, token=None, body=None, headers=None, auth=None):
    h = dict(headers or {})
    if token is not None:
        h.update(bearer(token))
    return client.request(method, path, body=body, headers=h, auth=auth)


def as_json(r, status=200):
    assert r.status == status, f"HTTP {r.status}: {r.body[:400]!r}"
    assert r.header("Content-Type") == JSON_TYPE, r.header("Content-Type")
    return json.loads(r.body)


def assert_error(r, status, code=None):
    doc = as_json(r, status)
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message"}, doc
    assert doc["error"]["message"], doc
    if code:
        assert doc["error"]["code"] == code, doc
    return doc["error"]


def soap_photo(client, email, size, token):
    """SOAP GetUserPhoto with a bearer token instead of Basic (body schema-validated)."""
    body = (f"<m:GetUserPhoto><m:Email>{email}</m:Email>"
            f"<m:SizeRequested>{size}</m:SizeRequested></m:GetUserPhoto>")
    return client.soap(body, headers=bearer(token), auth=None, action="GetUserPhoto")


def user_path(user, rest="photo", seg="Users"):
    return f"{API}/{seg}('{user.email}')/{rest}"


# ---- metadata --------------------------------------------------------------------------

def test_me_photo_metadata(env, rc, tok):
    u = env.u("large")
    r = call(rc, "GET", f"{API}/me/photo", tok.issue(u, "user.read"))
    doc = as_json(r)
    assert list(doc) == FIELDS
    assert doc["@odata.context"] == "http://mail.example.test/api/v2.0/$metadata#Me/photo/$entity"
    assert doc["@odata.id"] == f"http://mail.example.test/api/v2.0/Users('{u.email}')/photo"
    assert doc["@odata.mediaContentType"] == "image/jpeg"
    assert (doc["Id"], doc["Width"], doc["Height"]) == ("648X648", 648, 648)
    # mediaEtag is the quoted ETag of the largest photo, as GetUserPhoto sends it
    s = rc.get_user_photo(u.email, "HR648x648", auth=u.auth)
    soap_picture(s)
    assert doc["@odata.mediaEtag"] == etag_of(s)


@pytest.mark.parametrize("seg", ["Users", "users", "USERS"])
@pytest.mark.parametrize("alias,want", [
    ("large", ("648X648", "image/jpeg")), ("small", ("240X240", "image/jpeg")),
    ("mid", ("504X504", "image/jpeg")), ("thumb", ("96X96", "image/jpeg")),
    ("wide", ("96X72", "image/jpeg")), ("both", ("648X648", "image/jpeg")),
    ("deleted", ("1X1", "image/gif")), ("nophoto", ("1X1", "image/gif"))])
def test_users_photo_metadata_every_state(env, rc, tok, seg, alias, want):
    u = env.u(alias)
    r = call(rc, "GET", user_path(u, seg=seg), tok.issue(env.u("plain0"), "user.readbasic.all"))
    doc = as_json(r)
    assert list(doc) == FIELDS
    assert doc["@odata.context"] == f"http://mail.example.test/api/v2.0/$metadata#Users('{u.email}')/photo/$entity"
    assert (doc["Id"], doc["@odata.mediaContentType"]) == want
    w, h = (int(x) for x in want[0].split("X"))
    assert (doc["Width"], doc["Height"]) == (w, h)
    if want[1] == "image/gif":
        assert doc["@odata.mediaEtag"] == ""
    else:
        assert doc["@odata.mediaEtag"].startswith('"') and doc["@odata.mediaEtag"].endswith('"')


def test_unknown_user_and_url(env, rc, tok):
    t = tok.issue(env.u("plain0"), "user.read.all")
    assert_error(call(rc, "GET", f"{API}/Users('nobody@example.test')/photo", t), 404, "ErrorNonExistentMailbox")
    assert_error(call(rc, "GET", f"{API}/Users('nobody@example.test')/photo/$value", t), 404, "ErrorNonExistentMailbox")
    assert_error(call(rc, "GET", f"{API}/me/calendar", t), 404)
    r = call(rc, "POST", f"{API}/me/photo", t, body=b"x")
    assert_error(r, 405)
    assert r.header("Allow")
    r = call(rc, "PUT", f"{API}/me/photos", t, body=b"x")
    assert_error(r, 405)


# ---- $value ----------------------------------------------------------------------------

@pytest.mark.parametrize("alias", ["large", "small", "thumb", "wide", "both"])
def test_value_is_getuserphoto_largest(env, rc, tok, alias):
    u = env.u(alias)
    t = tok.issue(env.u("plain0"), "user.read.all")
    r = call(rc, "GET", user_path(u, "photo/$value"), t)
    assert r.status == 200, r.body[:300]
    assert r.header("Content-Type") == "image/jpeg"
    tag = etag_of(r)
    s = rc.get_user_photo(u.email, "HR648x648", auth=u.auth)
    assert soap_picture(s) == r.body
    assert etag_of(s) == tag
    meta = as_json(call(rc, "GET", user_path(u), t))
    assert meta["@odata.mediaEtag"] == tag
    assert decode_image(r.body)[1] == (meta["Width"], meta["Height"])
    # If-None-Match -> 304, no body, same ETag
    r304 = call(rc, "GET", user_path(u, "photo/$value"), t, headers={"If-None-Match": tag})
    assert r304.status == 304 and r304.body == b""
    assert etag_of(r304) == tag
    r200 = call(rc, "GET", user_path(u, "photo/$value"), t, headers={"If-None-Match": '"0000"'})
    assert r200.status == 200 and r200.body == r.body


@pytest.mark.parametrize("alias", ["deleted", "nophoto"])
def test_value_without_photo_is_404(env, rc, tok, alias):
    t = tok.issue(env.u("plain0"), "user.read.all")
    err = assert_error(call(rc, "GET", user_path(env.u(alias), "photo/$value"), t), 404, "ErrorItemNotFound")
    assert "photo" in err["message"]


def test_photos_list_and_one(env, rc, tok):
    t = tok.issue(env.u("plain0"), "user.read.all")
    doc = as_json(call(rc, "GET", user_path(env.u("small"), "photos"), t))
    assert doc["@odata.context"].endswith(f"$metadata#Users('{env.u('small').email}')/photos")
    ids = [e["Id"] for e in doc["value"]]
    assert ids == ["48X48", "64X64", "96X96", "120X120", "240X240"]
    for e in doc["value"]:
        assert list(e) == FIELDS[1:]
    one = as_json(call(rc, "GET", user_path(env.u("small"), "photos('96x96')"), t))
    assert (one["Id"], one["Width"]) == ("96X96", 96)
    assert one["@odata.context"].endswith("/photos/$entity")
    r = call(rc, "GET", user_path(env.u("small"), "photos('96X96')/$value"), t)
    assert r.status == 200 and decode_image(r.body)[1] == (96, 96)
    assert etag_of(r) == one["@odata.mediaEtag"]
    # the same bytes as GetUserPhoto HR96x96
    assert soap_picture(rc.get_user_photo(env.u("small").email, "HR96x96", auth=env.u("small").auth)) == r.body
    assert_error(call(rc, "GET", user_path(env.u("small"), "photos('648x648')"), t), 404)
    # thumbnail only: one entry, the thumbnail as stored
    doc = as_json(call(rc, "GET", user_path(env.u("wide"), "photos"), t))
    assert [e["Id"] for e in doc["value"]] == ["96X72"]
    # nothing: the 1X1 placeholder
    doc = as_json(call(rc, "GET", f"{API}/me/photos", tok.issue(env.u("nophoto"), "user.read")))
    assert [(e["Id"], e["@odata.mediaContentType"]) for e in doc["value"]] == [("1X1", "image/gif")]
    assert_error(call(rc, "GET", f"{API}/me/photos('1x1')/$value", tok.issue(env.u("nophoto"), "user.read")), 404)


# ---- authentication --------------------------------------------------------------------

def challenges(r):
    return r.header_all("WWW-Authenticate")


def test_no_token_401(env, rc):
    r = call(rc, "GET", f"{API}/me/photo")
    assert_error(r, 401)
    ch = challenges(r)
    assert any(c.startswith("Bearer") for c in ch), ch
    assert any(c.startswith("Basic") for c in ch), ch


def tampered_tokens(tok, good):
    h, p, s = good.split(".")
    payload = json.loads(unb64url(p))
    more = dict(payload, scp="user.readwrite.all")
    yield "flipped signature", f"{h}.{p}.{s[:-2]}{'A' if s[-2] != 'A' else 'B'}{s[-1]}"
    yield "edited payload", f"{h}.{b64url(json.dumps(more).encode())}.{s}"
    yield "no signature", f"{h}.{p}."
    yield "alg none", b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": tok.kid()}).encode()) + f".{p}."
    yield "wrong key", tok.sign({"alg": "HS256", "typ": "JWT", "kid": tok.kid()}, more, secret=b"k" * 32)
    yield "wrong kid", tok.sign({"alg": "HS256", "typ": "JWT", "kid": "0123456789abcdef"}, payload)
    yield "garbage", "not-a-token"
    yield "two parts", f"{h}.{p}"


def test_tampered_tokens_401(env, rc, tok):
    u = env.u("large")
    good = tok.issue(u, "user.read")
    assert call(rc, "GET", f"{API}/me/photo", good).status == 200
    for name, bad in tampered_tokens(tok, good):
        r = call(rc, "GET", f"{API}/me/photo", bad)
        assert r.status == 401, f"{name}: HTTP {r.status}"
        assert_error(r, 401, "InvalidAuthenticationToken")
        assert any('error="invalid_token"' in c for c in challenges(r)), (name, challenges(r))
        # also on the REST-style GET and the EWS endpoint
        assert rc.rest_photo(u.email, "HR96x96", auth=None).status == 401
        assert call(rc, "GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={u.email}&size=HR96x96", bad).status == 401
        s = soap_photo(rc, u.email, "HR96x96", bad)
        assert s.status == 401, f"{name}: SOAP HTTP {s.status}"
    # a correctly signed token with a forged (higher) scope set is genuine only if we sign it
    signed = tok.sign({"alg": "HS256", "typ": "JWT", "kid": tok.kid()},
                      {"sub": u.email, "scp": "user.read", "iat": int(time.time()), "exp": int(time.time()) + 60})
    assert call(rc, "GET", f"{API}/me/photo", signed).status == 200


def test_expired_token_401(env, rc, tok):
    u = env.u("large")
    now = int(time.time())
    expired = tok.sign({"alg": "HS256", "typ": "JWT", "kid": tok.kid()},
                       {"iss": "ewsemu", "sub": u.email, "scp": "user.read", "iat": now - 120, "exp": now - 60})
    r = call(rc, "GET", f"{API}/me/photo", expired)
    assert_error(r, 401, "InvalidAuthenticationToken")
    assert any("expired" in c for c in challenges(r)), challenges(r)
    # and one issued by the CLI that runs out
    # (the token's own exp decides; a slow CLI start under the sanitizers must not have used
    # up its lifetime before the first call)
    short = tok.issue(u, "user.read", expires=3)
    payload = short.split(".")[1]
    exp = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]
    if time.time() < exp - 1:
        assert call(rc, "GET", f"{API}/me/photo", short).status == 200
    time.sleep(max(0.0, exp + 1.2 - time.time()))
    assert call(rc, "GET", f"{API}/me/photo", short).status == 401


def test_token_does_not_leak_to_next_request(env, tok):
    c = env.server.client(None)
    assert call(c, "GET", f"{API}/me/photo", tok.issue(env.u("large"), "user.read")).status == 200
    r = call(c, "GET", f"{API}/me/photo")
    assert r.status == 401
    c.close()


# ---- scopes ----------------------------------------------------------------------------

@pytest.mark.parametrize("scope,own,other", [
    ("user.read", 200, 403), ("user.readwrite", 200, 403), ("user.readbasic.all", 200, 200),
    ("user.read.all", 200, 200), ("user.readwrite.all", 200, 200)])
def test_read_scopes(env, rc, tok, scope, own, other):
    me, them = env.u("small"), env.u("large")
    t = tok.issue(me, scope)
    for path in ("photo", "photo/$value", "photos", "photos('96x96')"):
        assert call(rc, "GET", f"{API}/me/{path}", t).status == own
        assert call(rc, "GET", user_path(me, path), t).status == own
        r = call(rc, "GET", user_path(them, path), t)
        assert r.status == other, f"{scope} {path}: HTTP {r.status}"
        if other == 403:
            assert_error(r, 403, "ErrorAccessDenied")
    # the REST-style GET follows the same rules
    assert call(rc, "GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={me.email}&size=HR96x96", t).status == own
    assert call(rc, "GET", f"/ews/Exchange.asmx/s/GetUserPhoto?email={them.email}&size=HR96x96", t).status == other


@pytest.mark.parametrize("scope", ["user.read", "user.readbasic.all", "user.read.all"])
def test_write_scopes_refused(env, rc, tok, scope):
    u = env.u("spare2")
    before = call(rc, "GET", f"{API}/me/photo/$value", tok.issue(u, "user.read"))
    t = tok.issue(u, scope)
    for method in ("PATCH", "PUT"):
        assert_error(call(rc, method, f"{API}/me/photo/$value", t, body=make_jpeg(200, 200, (1, 2, 3))), 403,
                     "ErrorAccessDenied")
    assert_error(call(rc, "DELETE", f"{API}/me/photo", t), 403)
    after = call(rc, "GET", f"{API}/me/photo/$value", tok.issue(u, "user.read"))
    assert after.body == before.body and etag_of(after) == etag_of(before)


def test_write_to_another_users_photo_refused(env, rc, tok):
    me, them = env.u("spare1"), env.u("spare3")
    t = tok.issue(me, "user.readwrite")
    before = rc.get_user_photo(them.email, "HR240x240", auth=them.auth)
    tag = etag_of(before)
    for method in ("PATCH", "PUT"):
        assert_error(call(rc, method, user_path(them, "photo/$value"), t, body=make_jpeg(240, 240, (9, 9, 9))), 403,
                     "ErrorAccessDenied")
    assert_error(call(rc, "DELETE", user_path(them), t), 403)
    # Basic users keep their rights: their own photo only
    r = call(rc, "PATCH", user_path(them, "photo/$value"), body=make_jpeg(240, 240, (9, 9, 9)), auth=me.auth)
    assert_error(r, 403, "ErrorAccessDenied")
    after = rc.get_user_photo(them.email, "HR240x240", auth=them.auth)
    assert etag_of(after) == tag and soap_picture(after) == soap_picture(before)


# ---- writes ----------------------------------------------------------------------------

def test_patch_then_getuserphoto_shows_new_etag(env, rc, tok):
    u = env.u("spare0")
    t = tok.issue(u, "user.readwrite")
    old_meta = as_json(call(rc, "GET", f"{API}/me/photo", t))
    old_soap = rc.get_user_photo(u.email, "HR240x240", auth=u.auth)
    old_tag = etag_of(old_soap)
    old_rest = etag_of(rc.rest_photo(u.email, "HR240x240", auth=u.auth))
    jpeg = make_jpeg(504, 504, (250, 250, 0))
    r = call(rc, "PATCH", f"{API}/me/photo/$value", t, body=jpeg, headers={"Content-Type": "image/jpeg"})
    assert r.status == 200, r.body
    meta = as_json(call(rc, "GET", f"{API}/me/photo", t))
    assert (meta["Id"], meta["Width"]) == ("504X504", 504)
    assert meta["@odata.mediaEtag"] != old_meta["@odata.mediaEtag"]
    # SOAP GetUserPhoto: the new rendition with a new ETag, and the old ETag no longer "unchanged"
    s = rc.get_user_photo(u.email, "HR240x240", auth=u.auth)
    data = soap_picture(s)
    assert etag_of(s) != old_tag
    assert decode_image(data)[2][2] < 100 and decode_image(data)[2][0] > 200   # yellow now
    s_old = rc.get_user_photo(u.email, "HR240x240", inm=old_tag, auth=u.auth)
    soap_picture(s_old)   # HasChanged=true with the picture
    assert_unchanged(rc.get_user_photo(u.email, "HR240x240", inm=etag_of(s), auth=u.auth))
    # the REST-style GET and $value: the old ETag gives 200, the new one 304
    assert rc.rest_photo(u.email, "HR240x240", inm=old_rest, auth=u.auth).status == 200
    v = call(rc, "GET", f"{API}/me/photo/$value", t, headers={"If-None-Match": old_meta["@odata.mediaEtag"]})
    assert v.status == 200 and etag_of(v) == meta["@odata.mediaEtag"]
    assert call(rc, "GET", f"{API}/me/photo/$value", t,
                headers={"If-None-Match": meta["@odata.mediaEtag"]}).status == 304
    # PUT works the same way
    r = call(rc, "PUT", f"{API}/me/photo/$value", t, body=make_jpeg(120, 120, (0, 0, 250)))
    assert r.status == 200
    assert as_json(call(rc, "GET", f"{API}/me/photo", t))["Id"] == "120X120"


def test_readwrite_all_writes_anyone(env, rc, tok):
    them = env.u("spare4")
    t = tok.issue(env.u("plain1"), "user.readwrite.all")
    r = call(rc, "PUT", f"{API}/users('{them.email}')/photo/$value", t, body=make_jpeg(360, 360, (0, 200, 200)))
    assert r.status == 200, r.body
    assert as_json(call(rc, "GET", user_path(them), t))["Id"] == "360X360"
    # an administrator with Basic may too
    boss = env.u("boss")
    r = call(rc, "PATCH", user_path(them, "photo/$value"), body=make_jpeg(240, 240, (200, 0, 200)), auth=boss.auth)
    assert r.status == 200, r.body
    assert as_json(call(rc, "GET", user_path(them), auth=boss.auth))["Id"] == "240X240"


@pytest.mark.parametrize("what,body,status", [
    ("png", lambda: make_png(64, 64, (1, 2, 3)), 415),
    ("text", lambda: b"hello, not an image", 415),
    ("truncated jpeg", lambda: make_jpeg(300, 300, (1, 200, 3))[:700], 400),
    ("empty", lambda: b"", 400),
    ("oversized", lambda: b"\xff\xd8\xff" + b"\0" * (8 * 1024 * 1024 + 10), 413)])
def test_bad_uploads_keep_old_photo(env, rc, tok, what, body, status):
    u = env.u("spare5")
    t = tok.issue(u, "user.readwrite")
    before = call(rc, "GET", f"{API}/me/photo/$value", t)
    assert before.status == 200
    r = call(rc, "PUT", f"{API}/me/photo/$value", t, body=body(), headers={"Content-Type": "image/jpeg"})
    assert_error(r, status)
    after = call(rc, "GET", f"{API}/me/photo/$value", t)
    assert after.body == before.body and etag_of(after) == etag_of(before)


def test_delete_sets_deletion_record(env, rc, tok):
    u = env.u("spare6")    # photo + thumbnail: after DELETE the thumbnail must not show either
    t = tok.issue(u, "user.readwrite")
    assert call(rc, "GET", f"{API}/me/photo", t).status == 200
    r = call(rc, "DELETE", f"{API}/me/photo", t)
    assert r.status == 204 and r.body == b""
    meta = as_json(call(rc, "GET", f"{API}/me/photo", t))
    assert (meta["Id"], meta["@odata.mediaContentType"]) == ("1X1", "image/gif")
    assert_error(call(rc, "GET", f"{API}/me/photo/$value", t), 404)
    assert rc.get_user_photo(u.email, "HR48x48", auth=u.auth).status == 404
    assert rc.rest_photo(u.email, "HR96x96", auth=u.auth).status == 404
    # a new upload clears the record
    assert call(rc, "PATCH", f"{API}/me/photo/$value", t, body=make_jpeg(96, 96, (5, 5, 5))).status == 200
    assert as_json(call(rc, "GET", f"{API}/me/photo", t))["Id"] == "96X96"


def test_basic_auth_reads_and_writes_own(env, rc):
    u = env.u("spare7")
    doc = as_json(call(rc, "GET", f"{API}/me/photo", auth=u.auth))
    assert doc["Id"] == "648X648"
    assert as_json(call(rc, "GET", user_path(env.u("small")), auth=u.auth))["Id"] == "240X240"
    assert call(rc, "PUT", f"{API}/me/photo/$value", body=make_jpeg(64, 64, (0, 0, 0)), auth=u.auth).status == 200
    assert as_json(call(rc, "GET", f"{API}/me/photo", auth=u.auth))["Id"] == "64X64"


# ---- tokens on EWS SOAP ------------------------------------------------------------------

def test_token_on_ews_soap(env, rc, tok):
    u = env.u("large")
    t = tok.issue(env.u("plain2"), "user.readwrite.all")
    s = soap_photo(rc, u.email, "HR96x96", t)
    soap_picture(s)
    t2 = tok.issue(env.u("plain2"), "user.read.all", "user.readwrite")
    soap_picture(soap_photo(rc, u.email, "HR64x64", t2))
    # a token narrower than Basic's rights does not reach the SOAP operations
    for scope in ("user.read", "user.readwrite", "user.read.all"):
        s = soap_photo(rc, u.email, "HR96x96", tok.issue(env.u("plain2"), scope))
        assert s.status == 403, f"{scope}: HTTP {s.status}"
        assert s.fault()[0] == "ErrorAccessDenied"
    # missing credentials on EWS keep the Basic challenge
    s = rc.get_user_photo(u.email, "HR96x96", auth=None)
    assert s.status == 401
    assert any(a.startswith("Basic") for a in s.http.header_all("WWW-Authenticate"))


def test_token_cli_errors(env):
    p = env.cli("token", "issue", "--user", env.u("large").email, "--scope", "mail.read")
    assert p.returncode == 2 and "unknown scope" in p.stderr
    p = env.cli("token", "issue", "--user", "nobody@example.test", "--scope", "user.read")
    assert p.returncode == 1 and "no such user" in p.stderr
    p = env.cli("token", "issue", "--user", env.u("large").email)
    assert p.returncode == 2
    p = env.cli("token", "--help")
    assert p.returncode == 0 and "user.readwrite.all" in p.stdout
    # the proxy address gives a token for the primary address
    t = env.cli("token", "issue", "--user", f"large.alt@example.test", "--scope", "user.read", check=True).stdout.strip()
    payload = json.loads(unb64url(t.split(".")[1]))
    assert payload["sub"] == env.u("large").email and payload["scp"] == "user.read"
    assert payload["exp"] > payload["iat"]
    assert oct((env.store / "token.key").stat().st_mode & 0o777) == "0o600"
