"""SOAP specifics (spec §1, §2): SetUserPhoto, request-level faults, the
version header, ConvertId as a version probe."""

import base64

import pytest

from ews_it import (NS, assert_fault, assert_rest_photo, assert_still_serving, assert_unchanged,
                    colour_close, decode_image, etag_of, make_jpeg, make_png, soap_picture)


@pytest.fixture(scope="module")
def rc(env):
    return env.client("plain0")


def set_response(resp):
    """(ResponseClass, ResponseCode, MessageText) of a SetUserPhoto answer."""
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:600]!r}"
    resp.assert_server_version()
    el = resp.body_elem
    assert el.tag == f"{{{NS['m']}}}SetUserPhotoResponse", el.tag
    return (el.get("ResponseClass"), el.findtext("m:ResponseCode", namespaces=NS),
            el.findtext("m:MessageText", namespaces=NS))


def b64(data):
    return base64.b64encode(data).decode()


def snapshot(client, email, sizes=("HR48x48", "HR240x240", "HR648x648")):
    out = {}
    for size in sizes:
        r = client.rest_photo(email, size)
        out[size] = (assert_rest_photo(r), etag_of(r))
    return out


# ---- SetUserPhoto (spec §2.5, §6.4) ----------------------------------------------------

def test_set_own_photo(env):
    user = env.u("spare0")
    me = env.client("spare0")
    before = snapshot(me, user.email)
    new = make_jpeg(360, 360, (10, 220, 120), shape="triangle")
    assert set_response(me.set_user_photo(user.email, b64(new)))[:2] == ("Success", "NoError")

    # every size answers, HasChanged=true, new dimensions: up to 360, then the largest
    for size, px in [("HR64x64", 64), ("HR240x240", 240), ("HR360x360", 360),
                     ("HR432x432", 360), ("HR648x648", 360)]:
        data = soap_picture(me.get_user_photo(user.email, size))
        fmt, dims, corner = decode_image(data)
        assert dims == (px, px), f"{size}: {dims}"
        assert colour_close(corner, (10, 220, 120))
    # HR48x48 still prefers the directory thumbnail, which did not change
    assert soap_picture(me.get_user_photo(user.email, "HR48x48")) == user.thumb_bytes

    after = snapshot(me, user.email)
    for size in ("HR240x240", "HR648x648"):
        assert after[size][1] != before[size][1], f"{size}: ETag must change with the photo"
        old_tag = before[size][1]
        r = me.rest_photo(user.email, size, inm=old_tag)
        assert r.status == 200 and r.body == after[size][0], "old ETag must give the new photo"
        s = me.get_user_photo(user.email, size, inm=old_tag)
        assert soap_picture(s) == after[size][0]
        assert etag_of(s) == after[size][1]
        assert_unchanged(me.get_user_photo(user.email, size, inm=after[size][1]))
    assert after["HR48x48"] == before["HR48x48"]


def test_set_other_users_photo_as_normal_user_denied(env, rc):
    victim = env.u("spare1")
    before = snapshot(rc, victim.email)
    cls, code, text = set_response(rc.set_user_photo(victim.email, b64(make_jpeg(300, 300, (0, 0, 0)))))
    assert (cls, code) == ("Error", "ErrorAccessDenied")
    assert text, "an Error message carries MessageText"
    assert snapshot(rc, victim.email) == before


def test_set_other_users_photo_as_admin(env, rc):
    target = env.u("spare2")
    boss = env.client("boss")
    before = snapshot(rc, target.email)
    new = make_jpeg(432, 432, (250, 250, 250), fg=(0, 0, 0))
    assert set_response(boss.set_user_photo(target.email, b64(new)))[:2] == ("Success", "NoError")
    data = soap_picture(rc.get_user_photo(target.email, "HR648x648"))
    fmt, dims, corner = decode_image(data)
    assert dims == (432, 432) and colour_close(corner, (250, 250, 250))
    assert snapshot(rc, target.email)["HR240x240"][1] != before["HR240x240"][1]


def _corrupt_jpeg():
    good = make_jpeg(300, 300, (90, 90, 20))
    return good[: len(good) // 2]            # truncated: SOI + headers, half the scan


BAD_CONTENT = {
    "invalid-base64": "!!!this is not base64###",
    "corrupt-jpeg": b64(_corrupt_jpeg()),
    "png": b64(make_png(300, 300, (10, 10, 10))),
    "not-an-image": b64(b"hello, world. not a picture at all" * 10),
}


@pytest.mark.parametrize("what", list(BAD_CONTENT))
def test_set_invalid_content_keeps_old_photo(env, what):
    content = BAD_CONTENT[what]
    user = env.u("spare3")
    me = env.client("spare3")
    before = snapshot(me, user.email)
    cls, code, text = set_response(me.set_user_photo(user.email, content))
    assert cls == "Error", f"{what}: ResponseClass {cls} ({code})"
    assert code and code not in ("NoError", "ErrorInternalServerError"), \
        f"{what}: a bad upload is the client's error, got {code}"
    assert text
    assert snapshot(me, user.email) == before, f"{what}: the old photo must still be served"
    assert soap_picture(me.get_user_photo(user.email, "HR240x240")) == before["HR240x240"][0]


# ---- GetUserPhoto request-level failures (spec §2.1, §2.3) -------------------------------

@pytest.mark.parametrize("email", ["nobody@example.test", "someone@elsewhere.test"])
def test_unknown_address_is_500_non_existent_mailbox(env, rc, email):
    s = rc.get_user_photo(email, "HR96x96")
    assert_fault(s, code="ErrorNonExistentMailbox")
    assert_still_serving(env.server, rc, s.http)


@pytest.mark.parametrize("size", ["HR1x1", "HR96X96", "hr96x96", "", "HR1000x1000"])
def test_invalid_size_code_is_schema_fault(env, rc, size):
    s = rc.get_user_photo(env.u("large").email, size)
    assert_fault(s, code="ErrorSchemaValidation")
    assert_still_serving(env.server, rc, s.http)


def test_missing_size_requested_is_schema_fault(env, rc):
    s = rc.soap(f"<m:GetUserPhoto><m:Email>{env.u('large').email}</m:Email></m:GetUserPhoto>")
    assert_fault(s, code="ErrorSchemaValidation")


# ---- RequestServerVersion (spec §1.2) ---------------------------------------------------------

@pytest.mark.parametrize("version", ["Exchange2007_SP1", "Exchange2013", "Exchange2013_SP1", "Exchange2016",
                                     "V2017_07_11", "Exchange2019", "Nonsense_Version_42", None])
def test_any_request_server_version_accepted(env, rc, version):
    user = env.u("large")
    s = rc.get_user_photo(user.email, "HR96x96", version=version)
    data = soap_picture(s)     # includes exactly one t:ServerVersionInfo, MajorVersion 15
    assert data == rc.rest_photo(user.email, "HR96x96").body


def test_no_photo_404_body_has_version_header(env, rc):
    s = rc.get_user_photo(env.u("nophoto").email, "HR96x96")
    assert s.status == 404
    if s.root is not None:      # the body is optional (spec §2.3); if sent, it is a full EWS answer
        s.assert_server_version()


# ---- ConvertId as exchangelib's version probe (spec §1.2) --------------------------------------

CONVERT_PROBE = ('<m:ConvertId DestinationFormat="EntryId"><m:SourceIds>'
                 '<t:AlternateId Format="EwsId" Id="DUMMY" Mailbox="DUMMY"/>'
                 '</m:SourceIds></m:ConvertId>')


@pytest.mark.parametrize("version", ["Exchange2016", "Exchange2013_SP1", "V2017_07_11", None])
def test_convert_id_version_probe(env, rc, version):
    s = rc.soap(CONVERT_PROBE, version=version, action="ConvertId")
    assert s.status == 200, f"HTTP {s.status}: {s.body[:600]!r}"
    s.assert_server_version()
    el = s.body_elem
    assert el.tag == f"{{{NS['m']}}}ConvertIdResponse", el.tag
    msgs = el.findall("m:ResponseMessages/m:ConvertIdResponseMessage", NS)
    assert len(msgs) == 1
    assert msgs[0].get("ResponseClass") == "Error"
    assert msgs[0].findtext("m:ResponseCode", namespaces=NS) == "ErrorInvalidIdMalformed"
