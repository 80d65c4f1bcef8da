"""The per-worker photo lookup cache behind conditional GetUserPhoto
(src/ews/ops/photo_cache.h): a conditional GET whose ETag still matches is
answered without a store transaction, and any change of the photo is seen by
the very next conditional GET, on the keep-alive connections that filled the
cache and on others, whoever made the change (SOAP SetUserPhoto in the
server, the set-userphoto / remove-userphoto commands in another process)."""

import base64

from ews_it import assert_rest_photo, assert_unchanged, colour_close, decode_image, etag_of, make_jpeg

# More connections than the server has workers (one per CPU, at most 16), so
# every worker's cache holds the entry before the change.
CONNS = 20
SIZE = "HR96x96"


def warm(env, clients, email, tag):
    """Each connection asks twice with the current ETag: the first fills its
    worker's cache, the second is answered from it."""
    for c in clients:
        for _ in range(2):
            r = c.rest_photo(email, SIZE, inm=tag)
            assert r.status == 304 and r.body == b"" and r.header("ETag") == tag


def expect_changed(clients, email, old_tag, colour):
    """The next conditional GET on every connection: 200, the new photo and
    a new ETag; then that ETag gives 304 on every connection."""
    new_tags = set()
    for c in clients:
        r = c.rest_photo(email, SIZE, inm=old_tag)
        data = assert_rest_photo(r)
        assert etag_of(r) != old_tag, "the old ETag must no longer match"
        assert colour_close(decode_image(data)[2], colour)
        new_tags.add(etag_of(r))
    assert len(new_tags) == 1
    tag = new_tags.pop()
    for c in clients:
        assert c.rest_photo(email, SIZE, inm=tag).status == 304
    return tag


def test_soap_set_user_photo_seen_by_next_conditional_get(env):
    user = env.u("spare7")
    clients = [env.client("spare7") for _ in range(CONNS)]
    tag = etag_of(clients[0].rest_photo(user.email, SIZE))
    warm(env, clients, user.email, tag)
    # SOAP conditional requests share the cache: HasChanged=false
    assert_unchanged(clients[1].get_user_photo(user.email, SIZE, inm=tag))

    # the change goes through one of the warmed connections (same keep-alive
    # connection for clients[0]), the others see it too
    colour = (10, 220, 30)
    resp = clients[0].set_user_photo(user.email, base64.b64encode(make_jpeg(300, 300, colour)).decode())
    assert resp.status == 200 and resp.body_elem.get("ResponseClass") == "Success"
    new = expect_changed(clients, user.email, tag, colour)
    warm(env, clients, user.email, new)

    # and over SOAP: the photo again, not HasChanged=false
    s = clients[2].get_user_photo(user.email, SIZE, inm=tag)
    assert s.status == 200 and etag_of(s) == new


def test_change_by_another_process_seen(env, tmp_path):
    user = env.u("spare4")
    clients = [env.client("spare4") for _ in range(CONNS)]
    tag = etag_of(clients[0].rest_photo(user.email, SIZE))
    warm(env, clients, user.email, tag)

    colour = (230, 20, 200)
    f = tmp_path / "new.jpg"
    f.write_bytes(make_jpeg(200, 200, colour))
    env.cli("set-userphoto", user.email, f, check=True)
    new = expect_changed(clients, user.email, tag, colour)
    warm(env, clients, user.email, new)

    # removed: no photo for any ETag the clients hold (404), on every connection
    env.cli("remove-userphoto", user.email, check=True)
    for c in clients:
        assert c.rest_photo(user.email, SIZE, inm=new).status == 404
        assert c.rest_photo(user.email, SIZE, inm="*").status == 404


def test_other_sizes_and_users_not_confused(env):
    """Entries are per address and size: a cached ETag of one never answers another."""
    c = env.client("plain0")
    large, both = env.u("large"), env.u("both")
    t96 = etag_of(c.rest_photo(large.email, "HR96x96"))
    t240 = etag_of(c.rest_photo(large.email, "HR240x240"))
    tb = etag_of(c.rest_photo(both.email, "HR96x96"))
    for _ in range(2):
        assert c.rest_photo(large.email, "HR96x96", inm=t96).status == 304
        assert c.rest_photo(large.email, "HR240x240", inm=t240).status == 304
        assert c.rest_photo(both.email, "HR96x96", inm=tb).status == 304
    r = c.rest_photo(large.email, "HR240x240", inm=t96)
    assert r.status == 200 and decode_image(r.body)[1] == (240, 240)
    r = c.rest_photo(both.email, "HR96x96", inm=t96)
    assert r.status == 200 and etag_of(r) == tb
    # the address as sent is the key: another spelling is looked up and matches too
    assert c.rest_photo(large.email.upper(), "HR96x96", inm=t96).status == 304
