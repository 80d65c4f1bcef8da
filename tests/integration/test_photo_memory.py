"""JPEG decode memory over the wire (issue 10, defect 3): uploads whose decode
would need more than the budget (photo.h PHOTO_MAX_DECODE_BYTES, 160 MiB) are
refused before any decoding — SOAP SetUserPhoto with ErrorDataSizeLimitExceeded,
Outlook REST PATCH/PUT with 413, the CLI and import with a message — the old
photo stays, and the server keeps serving.  Images are made with PIL."""

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from ews_it import (NS, assert_no_sanitizer, assert_rest_photo, assert_still_serving, decode_image,
                    etag_of, run_cli, soap_picture)

API = "/api/v2.0"
MIB = 1024 * 1024
BUDGET = 160 * MIB


def progressive(w, h, subsampling=0):
    """A smooth gradient (small file), progressive JPEG; subsampling 0 = 4:4:4, 2 = 4:2:0."""
    gx = Image.linear_gradient("L").resize((w, h))
    img = Image.merge("RGB", (gx, gx.transpose(Image.Transpose.FLIP_LEFT_RIGHT), Image.new("L", (w, h), 90)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, progressive=True, subsampling=subsampling)
    return buf.getvalue()


def cost_444(w, h, denom):
    """photo.h arithmetic for a progressive 4:4:4 frame decoded at 1/denom:
    3 x ceil(W/8) x ceil(H/8) blocks of 128 bytes + RGB output + row allowance."""
    bw, bh = -(-w // 8), -(-h // 8)
    return 3 * bw * bh * 128 + (-(-w // denom)) * (-(-h // denom)) * 3 + bw * 8 * 3 * 64 + MIB


# The largest 8192-wide progressive 4:4:4 upload within the budget (the
# renditions decode it at 1/4: 3256 / 8 < 648), and one row more.
AT_LIMIT, ABOVE_LIMIT = (8192, 3256), (8192, 3257)


def test_limit_arithmetic():
    """The over-the-wire sizes below sit exactly at the documented boundary."""
    assert cost_444(*AT_LIMIT, 4) <= BUDGET < cost_444(*ABOVE_LIMIT, 4)
    assert cost_444(8192, 8192, 8) > 400 * 1000 * 1000   # the issue's image


@pytest.fixture(scope="module")
def issue_jpeg():
    """The issue's image: 8192 x 8192 progressive, under 1 MB, 402 MB of coefficients."""
    return progressive(8192, 8192)


def vm_hwm_kb(server):
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def photo_state(client, user):
    """(bytes, ETag) of HR648x648 and HR96x96 over the REST-style GET."""
    out = []
    for size in ("HR96x96", "HR648x648"):
        r = client.rest_photo(user.email, size)
        out.append((assert_rest_photo(r), etag_of(r)))
    return out


def set_response(resp):
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:600]!r}"
    el = resp.body_elem
    assert el.tag == f"{{{NS['m']}}}SetUserPhotoResponse", el.tag
    return (el.get("ResponseClass"), el.findtext("m:ResponseCode", namespaces=NS),
            el.findtext("m:MessageText", namespaces=NS))


def test_soap_progressive_8192_refused(env, issue_jpeg):
    user = env.u("spare2")
    me = env.client("spare2")
    before = photo_state(me, user)
    hwm = vm_hwm_kb(env.server)
    resp = me.set_user_photo(user.email, base64.b64encode(issue_jpeg).decode())
    cls, code, text = set_response(resp)
    assert (cls, code) == ("Error", "ErrorDataSizeLimitExceeded"), (cls, code, text)
    assert "160 MiB" in text and "decode" in text, text
    # refused before decoding: nowhere near the 400 MB the decode would take
    assert vm_hwm_kb(env.server) - hwm < 200 * 1024
    assert photo_state(me, user) == before, "the old photo must be kept"
    assert_still_serving(env.server, me, resp.http)


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_outlook_progressive_8192_413(env, issue_jpeg, method):
    user = env.u("spare3")
    me = env.client("spare3")
    before = photo_state(me, user)
    hwm = vm_hwm_kb(env.server)
    r = me.request(method, f"{API}/me/photo/$value", body=issue_jpeg, headers={"Content-Type": "image/jpeg"})
    assert r.status == 413, (r.status, r.body[:300])
    err = json.loads(r.body)["error"]
    assert err["code"] == "ErrorDataSizeLimitExceeded", err
    assert "decode" in err["message"], err
    assert vm_hwm_kb(env.server) - hwm < 200 * 1024
    assert photo_state(me, user) == before
    assert_still_serving(env.server, me, r)


def test_outlook_at_limit_accepted_one_above_refused(env):
    user = env.u("spare4")
    me = env.client("spare4")
    before = photo_state(me, user)
    r = me.request("PATCH", f"{API}/me/photo/$value", body=progressive(*ABOVE_LIMIT),
                   headers={"Content-Type": "image/jpeg"})
    assert r.status == 413, (r.status, r.body[:300])
    assert photo_state(me, user) == before
    r = me.request("PATCH", f"{API}/me/photo/$value", body=progressive(*AT_LIMIT),
                   headers={"Content-Type": "image/jpeg"})
    assert r.status == 200, (r.status, r.body[:300])
    data, _ = photo_state(me, user)[1]
    assert decode_image(data)[1] == (648, 648)


def test_phone_photo_progressive_accepted(env):
    """A 4000 x 3000 progressive 4:2:0 phone photo (36 MB of coefficients) works."""
    user = env.u("spare5")
    me = env.client("spare5")
    s = me.set_user_photo(user.email, base64.b64encode(progressive(4000, 3000, subsampling=2)).decode())
    assert set_response(s)[:2] == ("Success", "NoError")
    assert decode_image(soap_picture(me.get_user_photo(user.email, "HR648x648")))[1] == (648, 648)


def test_cli_and_import_name_the_reason(env, issue_jpeg, tmp_path):
    user = env.u("spare6")
    before = photo_state(env.client("spare6"), user)
    big = tmp_path / "big.jpg"
    big.write_bytes(issue_jpeg)
    p = run_cli("set-userphoto", user.email, big, store=env.store)
    assert p.returncode != 0
    assert "ErrorDataSizeLimitExceeded" in p.stderr and "decode" in p.stderr, p.stderr
    # import: the entry, the file and the reason
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "big.jpg").write_bytes(issue_jpeg)
    tenant = tmp_path / "tenant.json"
    tenant.write_text(json.dumps({"domain": "example.test", "users": [
        {"email": "newbie@example.test", "display_name": "Newbie", "photo": "img/big.jpg"}]}))
    p = run_cli("import", tenant, store=tmp_path / "st")
    assert_no_sanitizer(p.stderr, "import")
    assert p.returncode != 0
    assert "users[0].photo (newbie@example.test): img/big.jpg: image too large" in p.stderr, p.stderr
    assert "decode memory" in p.stderr, p.stderr
    assert photo_state(env.client("spare6"), user) == before
