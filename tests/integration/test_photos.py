"""Photo selection over the wire (spec §2, §3, §6.2, §6.3): every size code for
every photo state, REST-style GET and SOAP GetUserPhoto, plus the ETag rules."""

import pytest

from ews_it import (SIZES, STATE_USERS, assert_future_http_date, assert_rest_photo,
                    assert_unchanged, check_pick, decode_image, etag_of, expected_pick,
                    soap_picture)


@pytest.fixture(scope="module")
def rc(env):
    """A keep-alive HTTP client authenticated as a plain user."""
    return env.client("plain0")


@pytest.fixture(scope="module")
def tls(env):
    return env.client("plain1", tls=True)


# ---- every state x every size ------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("alias", STATE_USERS)
def test_rest_get_every_size(env, rc, alias, size):
    user = env.u(alias)
    r = rc.rest_photo(user.email, size)
    kind, _ = expected_pick(alias, size)
    if kind == "none":
        assert r.status == 404, f"{alias} {size}: HTTP {r.status}"
        assert not r.body.startswith(b"\xff\xd8"), "a 404 must not carry an image"
        return
    data = assert_rest_photo(r)
    check_pick(user, size, data)
    # the same request again: same bytes, same ETag
    r2 = rc.rest_photo(user.email, size)
    assert r2.status == 200 and r2.body == data
    assert etag_of(r2) == etag_of(r)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("alias", STATE_USERS)
def test_soap_get_user_photo_every_size(env, rc, alias, size):
    user = env.u(alias)
    s = rc.get_user_photo(user.email, size)
    kind, _ = expected_pick(alias, size)
    if kind == "none":
        assert s.status == 404, f"{alias} {size}: HTTP {s.status}: {s.body[:400]!r}"
        return
    data = soap_picture(s)
    check_pick(user, size, data)
    tag = etag_of(s)
    assert_future_http_date(s.header("Expires"))
    # SOAP and REST serve the same rendition with the same ETag
    r = rc.rest_photo(user.email, size)
    assert assert_rest_photo(r) == data
    assert etag_of(r) == tag
    # and the ETag is stable
    assert etag_of(rc.get_user_photo(user.email, size)) == tag


def test_large_photo_renditions_are_distinct(env, rc):
    user = env.u("large")
    tags, bodies = set(), set()
    for size in SIZES:
        r = rc.rest_photo(user.email, size)
        tags.add(etag_of(r))
        bodies.add(r.body)
    assert len(tags) == 9 and len(bodies) == 9, "each size code has its own rendition and ETag"


@pytest.mark.parametrize("alias,limit", [("small", "HR240x240"), ("mid", "HR504x504")])
def test_sizes_above_upload_get_largest_available(env, rc, alias, limit):
    user = env.u(alias)
    ref = rc.rest_photo(user.email, limit)
    ref_data, ref_tag = assert_rest_photo(ref), etag_of(ref)
    for size in SIZES[SIZES.index(limit):]:
        r = rc.rest_photo(user.email, size)
        assert r.body == ref_data, f"{size} should be the {limit} rendition"
        assert etag_of(r) == ref_tag
        assert soap_picture(rc.get_user_photo(user.email, size)) == ref_data


def test_non_square_thumbnail_stays_non_square(env, rc):
    user = env.u("wide")
    for size in ("HR48x48", "HR240x240", "HR648x648"):
        data = soap_picture(rc.get_user_photo(user.email, size))
        assert decode_image(data)[1] == (96, 72)
        assert data == user.thumb_bytes


def test_mailbox_photo_with_thumbnail_hr48_is_thumbnail(env, rc):
    user = env.u("both")
    assert rc.rest_photo(user.email, "HR48x48").body == user.thumb_bytes
    assert soap_picture(rc.get_user_photo(user.email, "HR48x48")) == user.thumb_bytes
    r64 = rc.rest_photo(user.email, "HR64x64")
    assert r64.body != user.thumb_bytes and decode_image(r64.body)[1] == (64, 64)


def test_deleted_record_hides_thumbnail_on_both_paths(env, rc):
    user = env.u("deleted")
    for size in SIZES:
        assert rc.rest_photo(user.email, size).status == 404
        assert rc.get_user_photo(user.email, size).status == 404


# ---- HTTPS ----------------------------------------------------------------------------------

@pytest.mark.parametrize("alias,size", [("large", "HR648x648"), ("large", "HR120x120"), ("small", "HR432x432"),
                                        ("wide", "HR96x96"), ("both", "HR48x48"), ("both", "HR360x360")])
def test_https_rest_and_soap(env, rc, tls, alias, size):
    user = env.u(alias)
    r = tls.rest_photo(user.email, size)
    data = assert_rest_photo(r)
    check_pick(user, size, data)
    s = tls.get_user_photo(user.email, size)
    assert soap_picture(s) == data
    assert etag_of(s) == etag_of(r) == etag_of(rc.rest_photo(user.email, size))


@pytest.mark.parametrize("alias", ["deleted", "nophoto"])
def test_https_no_photo_is_404(env, tls, alias):
    user = env.u(alias)
    assert tls.rest_photo(user.email, "HR96x96").status == 404
    assert tls.get_user_photo(user.email, "HR96x96").status == 404


# ---- REST query parsing (spec §3.1) ------------------------------------------------------------

def test_rest_size_and_parameter_names_case_insensitive(env, rc):
    user = env.u("large")
    ref = rc.rest_photo(user.email, "HR96x96")
    r = rc.rest_photo(user.email, "hr96X96")
    assert r.status == 200 and r.body == ref.body
    q = f"/ews/exchange.asmx/s/getuserphoto?Email={user.email.replace('@', '%40')}&Size=HR96x96"
    r2 = rc.request("GET", q)
    assert r2.status == 200 and r2.body == ref.body


# ---- ETag rules (spec §3.2, §6.3) ------------------------------------------------------------------

@pytest.mark.parametrize("form", ["quoted", "unquoted", "list", "weak", "star", "list-spaces"])
@pytest.mark.parametrize("alias", ["large", "thumb"])
def test_rest_if_none_match_gives_304(env, rc, alias, form):
    user = env.u(alias)
    r = rc.rest_photo(user.email, "HR120x120")
    tag = etag_of(r)
    bare = tag.strip('"')
    inm = {"quoted": tag, "unquoted": bare, "list": f'"x", {tag}', "weak": f"W/{tag}",
           "star": "*", "list-spaces": f'"0000",   {tag} , "ffff"'}[form]
    nm = rc.rest_photo(user.email, "HR120x120", inm=inm)
    assert nm.status == 304, f"If-None-Match {inm!r}: HTTP {nm.status}"
    assert nm.body == b""
    assert nm.header("ETag") == tag
    # the 304 carried no body: the same keep-alive connection still works
    again = rc.rest_photo(user.email, "HR120x120")
    assert again.status == 200 and again.body == r.body


@pytest.mark.parametrize("inm", ['"DEADBEEF00000000"', 'W/"nope"', '"a", "b"'])
def test_rest_if_none_match_mismatch_gives_200(env, rc, inm):
    user = env.u("large")
    ref = rc.rest_photo(user.email, "HR240x240")
    r = rc.rest_photo(user.email, "HR240x240", inm=inm)
    assert r.status == 200 and r.body == ref.body
    assert etag_of(r) == etag_of(ref)


def test_rest_etag_of_other_size_does_not_match(env, rc):
    user = env.u("large")
    t96 = etag_of(rc.rest_photo(user.email, "HR96x96"))
    r = rc.rest_photo(user.email, "HR240x240", inm=t96)
    assert r.status == 200 and decode_image(r.body)[1] == (240, 240)


def test_rest_if_none_match_star_without_photo_is_404(env, rc):
    assert rc.rest_photo(env.u("nophoto").email, "HR96x96", inm="*").status == 404
    assert rc.rest_photo(env.u("deleted").email, "HR96x96", inm="*").status == 404


@pytest.mark.parametrize("alias", ["large", "wide"])
def test_soap_if_none_match(env, rc, alias):
    user = env.u(alias)
    first = rc.get_user_photo(user.email, "HR360x360")
    data = soap_picture(first)
    tag = etag_of(first)
    same = rc.get_user_photo(user.email, "HR360x360", inm=tag)
    assert_unchanged(same)
    other = rc.get_user_photo(user.email, "HR360x360", inm='"0123456789ABCDEF"')
    assert soap_picture(other) == data
    assert etag_of(other) == tag


def test_etag_stable_across_connections(env):
    user = env.u("both")
    tags = set()
    for tls in (False, True, False):
        c = env.client("plain2", tls=tls)
        tags.add(etag_of(c.rest_photo(user.email, "HR504x504")))
        tags.add(etag_of(c.get_user_photo(user.email, "HR504x504")))
        c.close()
    assert len(tags) == 1


# ---- per-request state must not leak into the next response on a keep-alive connection --------------

FIRST = ["rest-200", "rest-304", "rest-404", "rest-400", "soap-200", "soap-unchanged", "soap-404", "soap-fault"]
THEN = ["soap-404", "soap-fault", "soap-200", "rest-404", "rest-200"]


def _do(c, env, kind):
    large, none = env.u("large").email, env.u("nophoto").email
    tag = etag_of(env.client("plain1").rest_photo(large, "HR120x120"))
    if kind == "rest-200":
        return c.rest_photo(large, "HR120x120"), 200
    if kind == "rest-304":
        return c.rest_photo(large, "HR120x120", inm=tag), 304
    if kind == "rest-404":
        return c.rest_photo(none, "HR120x120"), 404
    if kind == "rest-400":
        return c.rest_photo(large, "HR1x1"), 400
    if kind == "soap-200":
        return c.get_user_photo(large, "HR120x120").http, 200
    if kind == "soap-unchanged":
        return c.get_user_photo(large, "HR120x120", inm=tag).http, 200
    if kind == "soap-404":
        return c.get_user_photo(none, "HR120x120").http, 404
    return c.get_user_photo("ghost@example.test", "HR120x120").http, 500


@pytest.mark.parametrize("then", THEN)
@pytest.mark.parametrize("first", FIRST)
def test_no_header_leak_between_requests(env, first, then):
    """Headers of one response (ETag, Expires, ...) must not reappear on the
    next; Client.request also rejects a malformed header block."""
    c = env.client("plain0")
    r1, want1 = _do(c, env, first)
    assert r1.status == want1, f"{first}: HTTP {r1.status}"
    r2, want2 = _do(c, env, then)
    assert r2.status == want2, f"{first} then {then}: HTTP {r2.status}"
    if want2 in (404, 500, 400):
        assert r2.header("ETag") is None, f"{first} then {then}: stray ETag {r2.header('ETag')}"
    else:
        assert r2.header("ETag") == etag_of(env.client("plain1").rest_photo(env.u("large").email, "HR120x120"))
    assert c.connects == 1, "keep-alive connection was dropped"
    c.close()
