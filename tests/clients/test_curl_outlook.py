"""The Outlook REST v2.0 photo API (spec §8) with bearer tokens, driven by curl:
metadata, $value with ETag/304, scopes, a tampered token, and a PATCH after
which SOAP GetUserPhoto shows the new ETag.  SOAP bodies are schema-validated."""
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import PASSWORD, REPO, run_cli
from ewsphoto import jpeg_dimensions
from test_curl import curl, one

VALIDATE_SH = REPO.parent / "shared" / "schemas" / "validate.sh"
NS = {"s": "http://schemas.xmlsoap.org/soap/envelope/",
      "m": "http://schemas.microsoft.com/exchange/services/2006/messages"}
PATCH_USER = "curl.patch@contoso.test"


@pytest.fixture(scope="module")
def patch_user(server, tmp_path_factory):
    """A user of our own (the demo users are shared by every client test)."""
    d = tmp_path_factory.mktemp("curl-outlook")
    tenant = {"domain": "contoso.test", "users": [{"email": PATCH_USER, "display_name": "Curl Patch",
                                                    "password": PASSWORD}]}
    (d / "tenant.json").write_text(json.dumps(tenant))
    run_cli("import", d / "tenant.json", "--store", server.store)
    return PATCH_USER


def token(server, user, *scopes):
    args = ["token", "issue", "--store", server.store, "--user", user]
    for s in scopes:
        args += ["--scope", s]
    return run_cli(*args).stdout.strip()


def api(server, scheme, path):
    return f"{server.base(scheme)}/api/v2.0/{path}"


@pytest.fixture
def get(server, tmp_path):
    def run(scheme, *args):
        return curl(server, scheme, *args, tmp_path=tmp_path)
    return run


def soap_get_user_photo(get, server, scheme, email, size, tmp_path):
    body = ('<?xml version="1.0" encoding="utf-8"?>'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
            'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
            '<soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header><soap:Body>'
            f'<m:GetUserPhoto><m:Email>{email}</m:Email><m:SizeRequested>{size}</m:SizeRequested>'
            '</m:GetUserPhoto></soap:Body></soap:Envelope>')
    status, headers, data = get(scheme, "-u", f"{email}:{PASSWORD}", "-H", "Content-Type: text/xml; charset=utf-8",
                                "--data-binary", body, server.ews(scheme))
    saved = tmp_path / "soap-response.xml"
    saved.write_bytes(data)
    p = subprocess.run(["bash", str(VALIDATE_SH), "--set", "interop", str(saved)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"schema validation failed: {p.stdout}{p.stderr}\n{data[:800]!r}"
    return status, headers, ET.fromstring(data)


def test_metadata_and_value(server, scheme, get):
    t = token(server, server.photo_user, "user.read")
    status, headers, body = get(scheme, "-H", f"Authorization: Bearer {t}", api(server, scheme, "me/photo"))
    assert status == 200
    assert one(headers, "content-type") == "application/json; odata.metadata=minimal"
    meta = json.loads(body)
    assert (meta["Id"], meta["Width"], meta["Height"]) == ("648X648", 648, 648)
    status, headers, img = get(scheme, "-H", f"Authorization: Bearer {t}", api(server, scheme, "me/photo/$value"))
    assert status == 200 and jpeg_dimensions(img) == (648, 648)
    assert one(headers, "etag") == meta["@odata.mediaEtag"]
    status, _, img = get(scheme, "-H", f"Authorization: Bearer {t}", "-H", f"If-None-Match: {meta['@odata.mediaEtag']}",
                         api(server, scheme, "me/photo/$value"))
    assert status == 304 and img == b""
    status, _, body = get(scheme, "-H", f"Authorization: Bearer {t}", api(server, scheme, "me/photos('96x96')/$value"))
    assert status == 200 and jpeg_dimensions(body) == (96, 96)


def test_scopes_and_tampering(server, scheme, get):
    other = f"Users('{server.photo_user}')/photo"
    t = token(server, server.nophoto_user, "user.read")
    status, _, body = get(scheme, "-H", f"Authorization: Bearer {t}", api(server, scheme, "me/photo"))
    assert status == 200 and json.loads(body)["Id"] == "1X1"
    status, _, body = get(scheme, "-H", f"Authorization: Bearer {t}", api(server, scheme, other))
    assert status == 403 and json.loads(body)["error"]["code"] == "ErrorAccessDenied"
    t_all = token(server, server.nophoto_user, "user.read.all")
    status, _, _ = get(scheme, "-H", f"Authorization: Bearer {t_all}", api(server, scheme, other))
    assert status == 200
    h, p, s = t.split(".")
    tampered = f"{h}.{p}.{s[:-3]}{'AAA' if s[-3:] != 'AAA' else 'BBB'}"
    status, headers, body = get(scheme, "-H", f"Authorization: Bearer {tampered}", api(server, scheme, "me/photo"))
    assert status == 401
    assert any(v.startswith("Bearer") for v in headers.get("www-authenticate", []))
    status, headers, _ = get(scheme, api(server, scheme, "me/photo"))
    assert status == 401 and any(v.startswith("Bearer") for v in headers.get("www-authenticate", []))


def test_patch_then_getuserphoto_shows_new_etag(server, scheme, get, patch_user, tmp_path):
    t = token(server, patch_user, "user.readwrite")
    auth = ["-H", f"Authorization: Bearer {t}"]
    # a picture to upload: one of the photo user's renditions (another size per
    # scheme, so each run really changes the photo), read through the API
    px = 240 if scheme == "http" else 120
    reader = token(server, patch_user, "user.read.all")
    status, _, jpeg = get(scheme, "-H", f"Authorization: Bearer {reader}",
                          api(server, scheme, f"Users('{server.photo_user}')/photos('{px}x{px}')/$value"))
    assert status == 200
    src = tmp_path / "upload.jpg"
    src.write_bytes(jpeg)
    _, _, before = get(scheme, *auth, api(server, scheme, "me/photo"))
    old_status, old_headers, _ = soap_get_user_photo(get, server, scheme, patch_user, "HR96x96", tmp_path)
    old_etag = old_headers.get("etag", [None])[0]

    status, _, body = get(scheme, *auth, "-X", "PATCH", "-H", "Content-Type: image/jpeg", "--data-binary", f"@{src}",
                          api(server, scheme, "me/photo/$value"))
    assert status == 200, body
    status, _, body = get(scheme, *auth, api(server, scheme, "me/photo"))
    meta = json.loads(body)
    assert meta["Id"] == f"{px}X{px}" and meta["@odata.mediaEtag"] != json.loads(before)["@odata.mediaEtag"]

    status, headers, root = soap_get_user_photo(get, server, scheme, patch_user, "HR96x96", tmp_path)
    assert status == 200
    new_etag = one(headers, "etag")
    assert new_etag != old_etag
    resp = root.find("s:Body/m:GetUserPhotoResponse", NS)
    assert resp.findtext("m:HasChanged", namespaces=NS) == "true"
    # the REST-style GET agrees, and the old ETag no longer gives 304
    if old_etag:
        status, _, _ = get(scheme, "-u", f"{patch_user}:{PASSWORD}", "-H", f"If-None-Match: {old_etag}",
                           server.rest_url(scheme, patch_user, "HR96x96"))
        assert status == 200
    status, _, _ = get(scheme, "-u", f"{patch_user}:{PASSWORD}", "-H", f"If-None-Match: {new_etag}",
                       server.rest_url(scheme, patch_user, "HR96x96"))
    assert status == 304
    # not a JPEG: 415 with a JSON error, the photo stays
    src.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    status, _, body = get(scheme, *auth, "-X", "PUT", "--data-binary", f"@{src}", api(server, scheme, "me/photo/$value"))
    assert status == 415 and "error" in json.loads(body)
    _, _, body = get(scheme, *auth, api(server, scheme, "me/photo"))
    assert json.loads(body)["@odata.mediaEtag"] == meta["@odata.mediaEtag"]
