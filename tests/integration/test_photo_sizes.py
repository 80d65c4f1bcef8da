"""An upload between two size codes keeps its resolution (issue 10, defect 7):
a 200 x 200 upload stores HR48..HR120 plus the upload itself at 200 x 200,
which every larger size code returns — SOAP GetUserPhoto, the REST-style GET,
Outlook REST metadata ("200X200") and $value, /photos — and diag explains it."""

import base64
import json

import pytest

from ews_it import (NS, SIZES, SIZE_PX, assert_rest_photo, colour_close, decode_image, etag_of,
                    make_jpeg, soap_picture)

API = "/api/v2.0"
TEAL = (20, 160, 150)


def set_ok(resp):
    assert resp.status == 200, resp.body[:400]
    el = resp.body_elem
    assert (el.get("ResponseClass"), el.findtext("m:ResponseCode", namespaces=NS)) == ("Success", "NoError")


@pytest.fixture(scope="module")
def uploaded(env):
    """spare7 uploads a 200 x 200 photo over SOAP SetUserPhoto."""
    user = env.u("spare7")
    me = env.client("spare7")
    set_ok(me.set_user_photo(user.email, base64.b64encode(make_jpeg(200, 200, TEAL)).decode()))
    return user, me


@pytest.mark.parametrize("size", SIZES)
def test_soap_and_rest_every_size(uploaded, size):
    user, me = uploaded
    want = min(SIZE_PX[size], 200)
    s = me.get_user_photo(user.email, size)
    data = soap_picture(s)
    fmt, dims, corner = decode_image(data)
    if size == "HR48x48":
        # spec §6.2 step 3: spare7 has a directory thumbnail, which HR48x48 prefers
        assert data == user.thumb_bytes
        return
    assert dims == (want, want), f"{size}: {dims}"
    assert colour_close(corner, TEAL), corner
    r = me.rest_photo(user.email, size)
    assert assert_rest_photo(r) == data
    assert etag_of(r) == etag_of(s)


def test_one_rendition_above_120(uploaded):
    """HR240x240 .. HR648x648 are the same bytes and ETag: the upload itself."""
    user, me = uploaded
    got = {size: me.rest_photo(user.email, size) for size in SIZES[4:]}
    bodies = {assert_rest_photo(r) for r in got.values()}
    tags = {etag_of(r) for r in got.values()}
    assert len(bodies) == 1 and len(tags) == 1
    assert decode_image(bodies.pop())[1] == (200, 200)
    assert etag_of(me.rest_photo(user.email, "HR120x120")) not in tags


def test_outlook_metadata_and_value(uploaded):
    user, me = uploaded
    r = me.request("GET", f"{API}/me/photo")
    assert r.status == 200, r.body[:300]
    meta = json.loads(r.body)
    assert (meta["Id"], meta["Width"], meta["Height"]) == ("200X200", 200, 200), meta
    v = me.request("GET", f"{API}/me/photo/$value")
    assert v.status == 200
    assert decode_image(v.body)[1] == (200, 200)
    assert etag_of(v) == meta["@odata.mediaEtag"]
    assert v.body == assert_rest_photo(me.rest_photo(user.email, "HR648x648"))
    # /photos: the size codes up to 120 and the upload, once
    lst = json.loads(me.request("GET", f"{API}/me/photos").body)["value"]
    ids = [e["Id"] for e in lst]
    assert "200X200" in ids and ids.count("200X200") == 1, ids
    assert "240X240" not in ids, ids
    one = me.request("GET", f"{API}/me/photos('200X200')/$value")
    assert one.status == 200 and one.body == v.body


def test_diag_explains(env, uploaded):
    user, _ = uploaded
    out = env.cli("diag", user.email, check=True).stdout
    assert "the upload  200x200" in out, out
    lines = [ln for ln in out.splitlines() if ln.strip().startswith("HR240x240") and "->" in ln]
    assert lines and "the upload 200x200" in lines[0] and "largest stored" in lines[0], out


def test_outlook_patch_wide_upload_cropped(env):
    """1000 x 500 by Outlook PATCH: the centre-cropped 500 x 500 is the largest."""
    me = env.client("spare6")
    r = me.request("PATCH", f"{API}/me/photo/$value", body=make_jpeg(1000, 500, (200, 90, 20)),
                   headers={"Content-Type": "image/jpeg"})
    assert r.status == 200, r.body[:300]
    meta = json.loads(me.request("GET", f"{API}/me/photo").body)
    assert (meta["Id"], meta["Width"], meta["Height"]) == ("500X500", 500, 500), meta
    data = assert_rest_photo(me.rest_photo(env.u("spare6").email, "HR504x504"))
    assert decode_image(data)[1] == (500, 500)
    assert decode_image(assert_rest_photo(me.rest_photo(env.u("spare6").email, "HR432x432")))[1] == (432, 432)
