"""The admin command line against a live server (spec §6.4): the photo
commands take effect at once, the store survives restarts, imports are all
or nothing, every command has --help."""

import base64
import signal
import time

import pytest

from ews_it import (SIZES, STOP_TIMEOUT, Server, UserSpec, assert_rest_photo,
                    assert_no_sanitizer, colour_close, decode_image, destroy_env, etag_of,
                    make_env, make_jpeg, make_png, run_cli, soap_picture, write_tenant)


@pytest.fixture(scope="module")
def rc(env):
    return env.client("plain0")


def all_sizes_404(client, email):
    for size in SIZES:
        r = client.rest_photo(email, size)
        assert r.status == 404, f"REST {size}: HTTP {r.status}"
        s = client.get_user_photo(email, size)
        assert s.status == 404, f"SOAP {size}: HTTP {s.status}"


def all_sizes_thumbnail(client, user, thumb=None):
    thumb = thumb if thumb is not None else user.thumb_bytes
    for size in SIZES:
        r = client.rest_photo(user.email, size)
        assert assert_rest_photo(r) == thumb, f"REST {size}: not the thumbnail"
        assert soap_picture(client.get_user_photo(user.email, size)) == thumb, f"SOAP {size}"


# ---- --help ---------------------------------------------------------------------------------------

COMMANDS = ["serve", "demo", "import", "set-userphoto", "remove-userphoto", "set-thumbnail", "diag", "users"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help(cmd):
    p = run_cli(cmd, "--help")
    assert p.returncode == 0, p.stderr
    assert f"usage: ewsemu {cmd}" in p.stdout


def test_top_level_help_and_unknown_command():
    p = run_cli("--help")
    assert p.returncode == 0 and "usage: ewsemu" in p.stdout
    for cmd in COMMANDS:
        assert cmd in p.stdout
    bad = run_cli("frobnicate")
    assert bad.returncode != 0 and "frobnicate" in bad.stderr


# ---- users / diag --------------------------------------------------------------------------------

def test_users_lists_directory(env):
    p = env.cli("users", check=True)
    lines = p.stdout.splitlines()
    for u in env.users.values():
        mine = [line for line in lines if u.email in line.split()]
        assert len(mine) == 1, f"{u.email} listed {len(mine)} times"
        assert ("(admin)" in mine[0]) == u.admin, mine[0]
    assert len([line for line in lines if "@" in line]) == len(env.users)


def test_diag(env):
    p = env.cli("diag", env.u("large").email, check=True)
    assert env.u("large").email in p.stdout
    for size in SIZES:
        assert size in p.stdout
    d = env.cli("diag", env.u("deleted").email, check=True)
    assert "96x96" in d.stdout, "diag shows the thumbnail still stored"
    bad = env.cli("diag", "ghost@example.test")
    assert bad.returncode != 0 and "ghost@example.test" in bad.stderr


# ---- Remove-UserPhoto / -ClearMailboxPhotoRecord (spec §6.4) ----------------------------------------

def test_remove_then_clear_record_flow(env, rc, tmp_path):
    user = env.u("spare4")
    assert decode_image(assert_rest_photo(rc.rest_photo(user.email, "HR240x240")))[1] == (240, 240)

    env.cli("remove-userphoto", user.email, check=True)
    all_sizes_404(rc, user.email)          # no fallback to the thumbnail that still exists
    assert "96x96" in env.cli("diag", user.email, check=True).stdout

    env.cli("remove-userphoto", user.email, "--clear-mailbox-photo-record", check=True)
    all_sizes_thumbnail(rc, user)          # the fallback works again, for every size

    new = tmp_path / "new.jpg"
    new.write_bytes(make_jpeg(648, 648, (250, 200, 0)))
    env.cli("set-userphoto", user.email, new, check=True)
    assert rc.rest_photo(user.email, "HR48x48").body == user.thumb_bytes
    data = assert_rest_photo(rc.rest_photo(user.email, "HR432x432"))
    fmt, dims, corner = decode_image(data)
    assert dims == (432, 432) and colour_close(corner, (250, 200, 0))


def test_soap_set_user_photo_clears_deletion_record(env, rc):
    user = env.u("spare5")
    env.cli("remove-userphoto", user.email, check=True)
    all_sizes_404(rc, user.email)
    me = env.client("spare5")
    resp = me.set_user_photo(user.email, base64.b64encode(make_jpeg(300, 300, (0, 90, 250))).decode())
    assert resp.status == 200
    assert resp.body_elem.get("ResponseClass") == "Success"
    data = soap_picture(me.get_user_photo(user.email, "HR648x648"))
    assert decode_image(data)[1] == (300, 300), "a 300 px upload is kept at its own size as the largest"
    assert soap_picture(me.get_user_photo(user.email, "HR48x48")) == user.thumb_bytes


def test_remove_userphoto_without_photo_or_thumbnail(env, rc):
    user = env.u("plain2")
    env.cli("remove-userphoto", user.email, check=True)
    all_sizes_404(rc, user.email)


# ---- Set-UserPhoto from the command line, live ------------------------------------------------------

def test_set_userphoto_changes_etag_live(env, rc, tmp_path):
    user = env.u("spare6")
    old = {s: rc.rest_photo(user.email, s) for s in ("HR96x96", "HR648x648")}
    new = tmp_path / "new.jpg"
    new.write_bytes(make_jpeg(648, 648, (5, 5, 5), fg=(250, 250, 250), shape="triangle"))
    env.cli("set-userphoto", user.email, new, check=True)
    for size, before in old.items():
        tag = etag_of(before)
        r = rc.rest_photo(user.email, size, inm=tag)
        assert r.status == 200, f"{size}: old ETag must no longer match"
        assert r.body != before.body and etag_of(r) != tag
        assert colour_close(decode_image(r.body)[2], (5, 5, 5))
        s = rc.get_user_photo(user.email, size, inm=tag)
        assert soap_picture(s) == r.body          # HasChanged=true with the new picture
        assert etag_of(s) == etag_of(r)
        assert rc.rest_photo(user.email, size, inm=etag_of(r)).status == 304


@pytest.mark.parametrize("what", ["png", "truncated", "missing-file", "unknown-user"])
def test_set_userphoto_rejects_bad_input(env, rc, tmp_path, what):
    user = env.u("spare7")
    before = rc.rest_photo(user.email, "HR240x240")
    f = tmp_path / "bad.jpg"
    email = user.email
    if what == "png":
        f.write_bytes(make_png(300, 300, (1, 2, 3)))
    elif what == "truncated":
        good = make_jpeg(300, 300, (1, 2, 3))
        f.write_bytes(good[: len(good) // 3])
    elif what == "unknown-user":
        f.write_bytes(make_jpeg(300, 300, (1, 2, 3)))
        email = "ghost@example.test"
    p = env.cli("set-userphoto", email, f)
    assert p.returncode != 0, f"{what}: accepted"
    assert p.stderr.strip(), "a failing command says why"
    after = rc.rest_photo(user.email, "HR240x240")
    assert after.body == before.body and etag_of(after) == etag_of(before)


# ---- set-thumbnail ------------------------------------------------------------------------------------

def test_set_and_remove_thumbnail_live(env, rc, tmp_path):
    user = env.u("plain1")
    all_sizes_404(rc, user.email)
    thumb = make_jpeg(120, 90, (0, 128, 128), shape="rect")
    f = tmp_path / "t.jpg"
    f.write_bytes(thumb)
    env.cli("set-thumbnail", user.email, f, check=True)
    all_sizes_thumbnail(rc, user, thumb)
    assert decode_image(rc.rest_photo(user.email, "HR648x648").body)[1] == (120, 90)
    env.cli("set-thumbnail", user.email, "--remove", check=True)
    all_sizes_404(rc, user.email)


def test_set_thumbnail_with_mailbox_photo_changes_only_hr48(env, rc, tmp_path):
    user = env.u("spare7")
    big = {s: rc.rest_photo(user.email, s).body for s in ("HR64x64", "HR648x648")}
    thumb = make_jpeg(96, 96, (255, 0, 255))
    f = tmp_path / "t.jpg"
    f.write_bytes(thumb)
    env.cli("set-thumbnail", user.email, f, check=True)
    assert rc.rest_photo(user.email, "HR48x48").body == thumb
    for s, body in big.items():
        assert rc.rest_photo(user.email, s).body == body


def test_set_thumbnail_rejects_oversized_and_non_jpeg(env, rc, tmp_path):
    user = env.u("spare7")
    before = rc.rest_photo(user.email, "HR48x48").body
    big = tmp_path / "big.jpg"
    big.write_bytes(make_jpeg(2000, 2000, (1, 1, 1), quality=100) + b"\0" * (100 * 1024))
    png = tmp_path / "t.png"
    png.write_bytes(make_png(96, 96, (1, 1, 1)))
    for f in (big, png):
        p = env.cli("set-thumbnail", user.email, f)
        assert p.returncode != 0, f"{f.name} accepted"
    assert rc.rest_photo(user.email, "HR48x48").body == before


# ---- restart persistence -----------------------------------------------------------------------------------

def test_restart_keeps_bytes_and_etags(tmp_path):
    users = [UserSpec("large", photo=(648, 648, (200, 30, 30))),
             UserSpec("small", photo=(240, 240, (30, 170, 40))),
             UserSpec("both", photo=(648, 648, (30, 50, 200)), thumbnail=(96, 72, (200, 30, 190))),
             UserSpec("gone", photo=(648, 648, (9, 9, 9)), thumbnail=(96, 96, (240, 130, 20))),
             UserSpec("later", thumbnail=(96, 96, (1, 200, 1))),
             UserSpec("plain0")]
    e = make_env(users=users)
    try:
        # state changes made before the restart must persist too
        f = tmp_path / "later.jpg"
        f.write_bytes(make_jpeg(360, 360, (77, 7, 177)))
        e.cli("set-userphoto", e.u("later").email, f, check=True)
        e.cli("remove-userphoto", e.u("gone").email, check=True)

        def collect(server):
            c = server.client(e.u("plain0"))
            out = {}
            for alias in ("large", "small", "both", "later", "gone"):
                for size in SIZES:
                    r = c.rest_photo(e.u(alias).email, size)
                    out[(alias, size)] = (r.status, r.body, r.header("ETag"))
                for size in ("HR48x48", "HR240x240", "HR648x648"):
                    s = c.get_user_photo(e.u(alias).email, size)
                    out[(alias, size, "soap")] = (soap_picture(s), etag_of(s)) if s.status == 200 else s.status
            c.close()
            return out

        before = collect(e.server)
        assert before[("gone", "HR48x48")][0] == 404 and before[("gone", "HR48x48", "soap")] == 404
        assert before[("large", "HR648x648")][0] == 200
        assert decode_image(before[("later", "HR648x648")][1])[1] == (360, 360)
        e.server.stop()
        e.server = Server(e.store).start()
        e.server._probe_user = e.u("large")
        after = collect(e.server)
        assert after == before
    finally:
        destroy_env(e)


def test_sigterm_with_open_keepalive_connection(env):
    """SIGTERM while a client holds an idle keep-alive connection: exit 0, promptly."""
    srv = Server(env.store, ["--idle-timeout", "3"]).start()
    try:
        c = srv.client(env.u("plain0"))
        assert c.rest_photo(env.u("large").email, "HR96x96").status == 200
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        rc = srv.proc.wait(timeout=STOP_TIMEOUT)
        assert rc == 0, srv.stderr()[-3000:]
        assert time.monotonic() - t0 < 20
        assert_no_sanitizer(srv.stderr(), "serve")
        assert "ERROR" not in srv.stderr()
        c.close()
    finally:
        srv.kill()


# ---- import: all or nothing ----------------------------------------------------------------------------------

def _bad_tenant(directory, case):
    """A tenant file whose first users are valid and whose last entry is bad."""
    ok1 = UserSpec("newbie1", photo=(300, 300, (10, 10, 200)))
    ok2 = UserSpec("newbie2", thumbnail=(96, 96, (10, 200, 10)))
    bad = UserSpec("newbie3", photo=(300, 300, (200, 10, 10)))
    users = [ok1, ok2, bad]
    entry_email, index, reason = bad.email, 2, None

    def mutate(doc):
        nonlocal reason
        last = doc["users"][2]
        if case == "unknown-key":
            last["favourite_colour"] = "blue"
            reason = ["favourite_colour"]
        elif case == "bad-jpeg":
            p = directory / last["photo"]
            p.write_bytes(p.read_bytes()[:200])
            reason = ["newbie3-photo.jpg", "jpeg", "image"]
        elif case == "png-photo":
            (directory / last["photo"]).write_bytes(make_png(300, 300, (5, 5, 5)))
            reason = ["newbie3-photo.jpg", "jpeg", "png", "image", "format"]
        elif case == "missing-photo-file":
            last["photo"] = "img/does-not-exist.jpg"
            reason = ["does-not-exist.jpg"]
        elif case == "duplicate-address":
            last["email"] = ok1.email
            reason = ["duplicate", "already", "twice"]
        elif case == "top-level-unknown-key":
            doc["groups"] = []
            reason = ["groups"]
    write_tenant(directory, users, extra=mutate)
    if case == "duplicate-address":
        entry_email = ok1.email
    if case == "top-level-unknown-key":
        entry_email, index = None, None
    return directory / "tenant.json", entry_email, index, reason, users


BAD_CASES = ["unknown-key", "bad-jpeg", "png-photo", "missing-photo-file", "duplicate-address",
             "top-level-unknown-key"]


def _names_entry(stderr, email, index):
    if email is None:
        return True
    forms = [email, f"[{index}]", f"#{index}", f"#{index + 1}", f"user {index + 1}", f"entry {index + 1}",
             f"entry {index}", f"users.{index}"]
    return any(f in stderr for f in forms)


@pytest.mark.parametrize("case", BAD_CASES)
def test_import_bad_tenant_changes_nothing(env, rc, tmp_path, case):
    tenant, email, index, reasons, users = _bad_tenant(tmp_path, case)
    users_before = env.cli("users", check=True).stdout
    diag_before = env.cli("diag", env.u("large").email, check=True).stdout
    etag_before = etag_of(rc.rest_photo(env.u("large").email, "HR240x240"))

    p = env.cli("import", tenant)
    assert p.returncode != 0, f"{case}: import accepted a bad file"
    err = p.stderr
    assert _names_entry(err, email, index), f"{case}: stderr does not name the entry: {err!r}"
    assert any(r.lower() in err.lower() for r in reasons), f"{case}: stderr does not say why: {err!r}"

    assert env.cli("users", check=True).stdout == users_before
    assert env.cli("diag", env.u("large").email, check=True).stdout == diag_before
    for u in users[:2]:
        assert env.cli("diag", u.email).returncode != 0, f"{u.email} was imported"
        assert rc.rest_photo(u.email, "HR96x96").status == 404
        c = env.server.client(u)
        assert c.rest_photo(env.u("large").email, "HR96x96").status == 401, "new user can log in"
        c.close()
    assert etag_of(rc.rest_photo(env.u("large").email, "HR240x240")) == etag_before


@pytest.mark.parametrize("case", ["unknown-key", "duplicate-address", "bad-jpeg"])
def test_import_bad_tenant_into_empty_store(tmp_path, case):
    store = tmp_path / "store"
    store.mkdir()
    tenant, email, index, reasons, users = _bad_tenant(tmp_path / "t", case)
    p = run_cli("import", tenant, store=store)
    assert p.returncode != 0
    assert _names_entry(p.stderr, email, index), p.stderr
    listing = run_cli("users", store=store, check=True).stdout
    assert "@" not in listing, f"partial import: {listing!r}"
    # the same users from a good file import fine afterwards
    good = write_tenant(tmp_path / "good", users[:2])
    run_cli("import", good, store=store, check=True)
    listing = run_cli("users", store=store, check=True).stdout
    assert all(u.email in listing for u in users[:2])


def test_import_file_keys_are_all_accepted(tmp_path):
    """Every key of the documented tenant format, contacts included, imports."""
    store = tmp_path / "store"
    store.mkdir()
    u = UserSpec("full", photo=(300, 300, (1, 100, 200)), thumbnail=(96, 96, (9, 9, 9)), admin=True)

    def add_contacts(doc):
        (tmp_path / "t" / "img" / "c.jpg").write_bytes(make_jpeg(120, 120, (3, 3, 3)))
        doc["users"][0]["contacts"] = [{"display_name": "Carl Contact", "given_name": "Carl",
                                        "surname": "Contact", "file_as": "Contact, Carl",
                                        "email": "carl@outside.test", "company": "Outside",
                                        "photo": "img/c.jpg"}]
        doc["users"][0]["photo_deleted"] = False
    tenant = write_tenant(tmp_path / "t", [u], extra=add_contacts)
    p = run_cli("import", tenant, store=store)
    assert p.returncode == 0, p.stderr
    listing = run_cli("users", store=store, check=True).stdout
    assert u.email in listing and "(admin)" in listing


# ---- demo ---------------------------------------------------------------------------------------------------

def test_demo_creates_organisation_once(tmp_path):
    store = tmp_path / "demo"
    store.mkdir()
    p = run_cli("demo", store=store)
    assert p.returncode == 0, p.stderr
    listing = run_cli("users", store=store, check=True).stdout
    emails = [w for w in listing.split() if "@" in w]
    assert len(emails) >= 3, listing
    for e in emails:
        run_cli("diag", e, store=store, check=True)
    again = run_cli("demo", store=store)
    assert again.returncode != 0, "demo on a non-empty store must refuse"
    assert run_cli("users", store=store, check=True).stdout == listing


def test_demo_server_serves_photos(tmp_path):
    store = tmp_path / "demo"
    store.mkdir()
    run_cli("demo", store=store, check=True)
    emails = [w for w in run_cli("users", store=store, check=True).stdout.split() if "@" in w]
    srv = Server(store).start()
    try:
        c = srv.client(auth=(emails[0], "Passw0rd!"))
        statuses = {}
        for e in emails:
            statuses[e] = c.rest_photo(e, "HR96x96").status
            s = c.get_user_photo(e, "HR96x96")
            assert s.status == statuses[e], f"{e}: REST {statuses[e]} vs SOAP {s.status}"
        assert 200 in statuses.values() and set(statuses.values()) <= {200, 404}, statuses
        srv.stop()
    finally:
        srv.kill()

