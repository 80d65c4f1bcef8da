"""The REST-style photo URL (spec section 3) and the auth challenge, driven by curl."""
import shutil
import subprocess

import pytest

from ewsphoto import jpeg_dimensions

CURL = shutil.which("curl")


def curl(server, scheme, *args, tmp_path):
    """Run curl; return (status, headers {lower-case name: [values]}, body bytes)."""
    assert CURL, "curl is not installed (scripts/install-deps --test)"
    hdr, body = tmp_path / "headers", tmp_path / "body"
    for f in (hdr, body):
        f.unlink(missing_ok=True)    # curl does not create -o's file for an empty body
    cmd = [CURL, "-sS", "--max-time", "30", "-D", str(hdr), "-o", str(body), "-w", "%{http_code}"]
    if scheme == "https":
        cmd.append("-k")         # self-signed certificate
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"curl failed: {r.stderr}"
    headers = {}
    for line in hdr.read_text(errors="replace").splitlines():
        if line.startswith("HTTP/"):
            headers = {}         # keep the last response's headers only
        elif ":" in line:
            name, value = line.split(":", 1)
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(r.stdout), headers, body.read_bytes() if body.exists() else b""


def one(headers, name):
    values = headers.get(name, [])
    assert len(values) == 1, f"expected one {name} header, got {values}"
    return values[0]


@pytest.fixture
def get(server, tmp_path):
    def run(scheme, *args):
        return curl(server, scheme, *args, tmp_path=tmp_path)
    return run


def photo_url(server, scheme, size="HR96x96"):
    return server.rest_url(scheme, server.photo_user, size)


def creds(server, user=None):
    return ["-u", f"{user or server.photo_user}:{server.password}"]


def test_get_photo(server, scheme, get):
    status, headers, body = get(scheme, *creds(server), photo_url(server, scheme))
    assert status == 200
    assert one(headers, "content-type").split(";")[0].strip() == "image/jpeg"
    etag = one(headers, "etag")
    assert len(etag) > 2 and etag.startswith('"') and etag.endswith('"')
    assert jpeg_dimensions(body) == (96, 96)
    assert int(one(headers, "content-length")) == len(body)


def test_if_none_match_gives_304(server, scheme, get):
    _, headers, body = get(scheme, *creds(server), photo_url(server, scheme))
    etag = one(headers, "etag")
    status, h304, body304 = get(scheme, *creds(server), "-H", f"If-None-Match: {etag}", photo_url(server, scheme))
    assert status == 304
    assert body304 == b""
    assert one(h304, "etag") == etag
    # RFC 7232: a list containing the tag, and *, match as well.
    status, _, _ = get(scheme, *creds(server), "-H", f'If-None-Match: "nope", {etag}', photo_url(server, scheme))
    assert status == 304
    status, _, _ = get(scheme, *creds(server), "-H", "If-None-Match: *", photo_url(server, scheme))
    assert status == 304


def test_stale_etag_gives_200(server, scheme, get):
    status, headers, body = get(scheme, *creds(server), "-H", 'If-None-Match: "00000000"', photo_url(server, scheme))
    assert status == 200
    assert jpeg_dimensions(body) == (96, 96)


@pytest.mark.parametrize("what", ["rest-get", "soap-post"])
def test_no_credentials_401(server, scheme, get, what):
    if what == "rest-get":
        args = [photo_url(server, scheme)]
    else:
        args = ["-H", "Content-Type: text/xml; charset=utf-8", "--data-binary", "<x/>", server.ews(scheme)]
    status, headers, _ = get(scheme, *args)
    assert status == 401
    challenges = headers.get("www-authenticate", [])
    assert any(c.lower().startswith("basic") for c in challenges), challenges


def test_wrong_password_401(server, scheme, get):
    status, headers, _ = get(scheme, "-u", f"{server.photo_user}:wrong", photo_url(server, scheme))
    assert status == 401
    assert any(c.lower().startswith("basic") for c in headers.get("www-authenticate", []))


def test_user_without_photo_404(server, scheme, get):
    status, headers, body = get(scheme, *creds(server), server.rest_url(scheme, server.nophoto_user, "HR96x96"))
    assert status == 404
    assert "etag" not in headers



def test_query_forms_clients_send(server, get):
    """Percent-encoded address (docs example) and an upper-case X in the size (UCWA docs), spec 3.1."""
    base = server.base("http") + "/ews/Exchange.asmx/s/GetUserPhoto"
    email = server.photo_user.replace("@", "%40")
    for query, side in ((f"email={email}&size=HR240x240", 240), (f"email={server.photo_user}&size=HR64X64", 64)):
        status, _, body = get("http", *creds(server), f"{base}?{query}")
        assert status == 200, query
        assert jpeg_dimensions(body) == (side, side)


def test_deleted_photo_does_not_fall_back_to_thumbnail(server, scheme, get):
    """Spec 6.2 step 2 / 6.4: the deletion record hides the directory thumbnail too."""
    if not server.deleted_user:
        pytest.skip("the demo has no user with a deletion record over a thumbnail")
    for size in ("HR48x48", "HR96x96"):
        status, _, _ = get(scheme, *creds(server), server.rest_url(scheme, server.deleted_user, size))
        assert status == 404, size


def test_thumbnail_only_user_gets_the_thumbnail_as_is(server, get):
    """Spec 6.2 step 5: no mailbox photo -> the directory thumbnail, not resized, for any size."""
    if not server.thumb_user:
        pytest.skip("the demo has no user with only a non-square thumbnail")
    for size in ("HR48x48", "HR240x240", "HR648x648"):
        status, headers, body = get("http", *creds(server), server.rest_url("http", server.thumb_user, size))
        assert status == 200, size
        assert jpeg_dimensions(body) == server.thumb_size, size
