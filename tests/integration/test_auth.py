"""Basic logins (issue 10, defects 4 and 5): unknown users and wrong passwords
look alike, account lockout like Active Directory's (serve --lockout-*,
`ewsemu diag`, `ewsemu unlock`, the log line), hostile Authorization headers,
and password / admin-flag changes by `import` that apply at once.

Timing is not asserted here (tests/bench/login-timing.py measures it); the
unit test tests/unit/http/test_auth.c checks that the dummy hash is verified."""

import base64
import re
import time

import pytest

from ews_it import (REST_PATH, UserSpec, assert_no_sanitizer, assert_still_serving, destroy_env, etag_of, make_env, make_jpeg,
                    run_cli, soap_picture, write_tenant, NS)

WAIT = 30   # seconds: only catches a hang; the waits below end as soon as the state is reached


def users():
    return [UserSpec("ann", photo=(240, 240, (200, 30, 30))), UserSpec("bob", photo=(240, 240, (30, 170, 40))),
            UserSpec("cat"), UserSpec("dan"), UserSpec("eve"), UserSpec("boss", admin=True)]


@pytest.fixture(scope="module")
def lock_env():
    """Threshold 3, long window and duration: locks stay until cleared."""
    e = make_env(users(), ["--lockout-threshold", "3", "--lockout-window", "600", "--lockout-duration", "600"])
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def short_env():
    """Threshold 3 within 3 s, locked for 2 s."""
    e = make_env(users(), ["--lockout-threshold", "3", "--lockout-window", "3", "--lockout-duration", "2"])
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def default_env():
    """No lockout options: the defaults (10 bad passwords / 10 min / 10 min)."""
    e = make_env(users())
    yield e
    destroy_env(e)


def get(env, auth=None, headers=None):
    c = env.server.client(auth=None)
    try:
        return c.request("GET", REST_PATH + "?email=ann%40example.test&size=HR48x48", headers=headers, auth=auth)
    finally:
        c.close()


def assert_401(r):
    assert r.status == 401, f"HTTP {r.status}: {r.body[:300]!r}"
    assert any(a.startswith("Basic realm=") for a in r.header_all("WWW-Authenticate"))


def bad_logins(env, alias, n):
    for i in range(n):
        assert_401(get(env, (env.u(alias).email, f"wrong-{i}")))


def diag(env, alias):
    return env.cli("diag", env.u(alias).email, check=True).stdout


def new_log(env, since):
    text = env.server.stderr()[since:]
    assert "ERROR" not in text, text
    return text


# ---- lockout -------------------------------------------------------------------------

def test_lockout_refuses_the_right_password_until_unlock(lock_env):
    e, ann = lock_env, lock_env.u("ann")
    assert "not locked out" in diag(e, "ann")
    mark = len(e.server.stderr())
    bad_logins(e, "ann", 2)
    assert get(e, ann.auth).status == 200, "below the threshold the right password works"
    bad_logins(e, "ann", 3)
    # the same 401 as a wrong password, the same for SOAP
    r = get(e, ann.auth)
    assert_401(r)
    assert r.body == get(e, (ann.email, "wrong")).body
    s = e.server.client(auth=None).get_user_photo(ann.email, "HR48x48", auth=ann.auth)
    assert s.http.status == 401
    # visible: the server log line of the refused request, and diag in another process
    log = new_log(e, mark)
    assert re.search(r"GET /ews/Exchange\.asmx/s/GetUserPhoto\S* -> 401: .*account 'ann@example\.test' locked out",
                     log), log
    assert re.search(r"WARN auth: account 'ann@example\.test' locked out until", log), log
    # the Outlook REST API with Basic answers (and logs) it the same way
    mark = len(e.server.stderr())
    r = e.server.client(auth=None).request("GET", "/api/v2.0/me/photo", auth=ann.auth)
    assert r.status == 401
    assert "(account 'ann@example.test' locked out)" in new_log(e, mark)
    d = diag(e, "ann")
    assert "LOCKED OUT after 3 bad passwords" in d and "ewsemu unlock ann@example.test" in d, d
    # other users are not affected
    assert get(e, e.u("bob").auth).status == 200
    # unlock from another process: the running server lets her in at once
    p = e.cli("unlock", ann.email, check=True)
    assert "unlocked" in p.stdout
    assert get(e, ann.auth).status == 200
    assert "not locked out" in diag(e, "ann")
    assert "was not locked out" in e.cli("unlock", ann.email, check=True).stdout
    assert_still_serving(e.server)


def test_lockout_counts_every_address_and_domain_form(lock_env):
    e, cat = lock_env, lock_env.u("cat")
    for user in (cat.email, "cat.alt@example.test", "EXAMPLE\\CAT@example.test"):
        assert_401(get(e, (user, "wrong")))
    assert_401(get(e, cat.auth))
    assert "LOCKED OUT" in diag(e, "cat")
    e.cli("unlock", cat.email, check=True)
    assert get(e, ("EXAMPLE\\cat@example.test", cat.password)).status == 200


def test_unknown_users_lock_nothing_and_look_like_wrong_passwords(lock_env):
    e = lock_env
    for i in range(6):
        r1 = get(e, ("ghost@example.test", f"pw-{i}"))
        r2 = get(e, (e.u("dan").email, "wrong") if i < 2 else ("ghost2@example.test", "x"))
        assert_401(r1)
        assert_401(r2)
        assert r1.body == r2.body and r1.header_all("WWW-Authenticate") == r2.header_all("WWW-Authenticate")
    assert get(e, e.u("dan").auth).status == 200


def test_import_of_a_new_password_clears_the_lockout(lock_env, tmp_path):
    e, eve = lock_env, lock_env.u("eve")
    bad_logins(e, "eve", 3)
    assert_401(get(e, eve.auth))
    new = UserSpec("eve")
    new.password = "Brand-new-pw-9"
    run_cli("import", write_tenant(tmp_path, [new]), store=e.store, check=True)
    assert "not locked out" in diag(e, "eve")
    assert get(e, (eve.email, new.password)).status == 200
    assert_401(get(e, eve.auth))


def wait_until(what, fn):
    deadline = time.monotonic() + WAIT
    while not fn():
        assert time.monotonic() < deadline, f"{what}: not within {WAIT} s"
        time.sleep(0.25)


def test_lockout_ends_after_its_duration(short_env):
    e, ann = short_env, short_env.u("ann")
    bad_logins(e, "ann", 3)
    assert_401(get(e, ann.auth))
    wait_until("the 2 s lockout ends", lambda: get(e, ann.auth).status == 200)
    assert "not locked out (an earlier lockout after 3 bad passwords has ended)" in diag(e, "ann")


def test_window_resets_the_count(short_env):
    e, bob = short_env, short_env.u("bob")
    bad_logins(e, "bob", 2)
    time.sleep(3.5)   # past the 3 s window: the count starts again
    bad_logins(e, "bob", 2)
    assert "not locked out" in diag(e, "bob") and "LOCKED" not in diag(e, "bob")
    bad_logins(e, "bob", 1)   # the third within one window
    assert "LOCKED OUT" in diag(e, "bob")


def test_default_policy_locks_after_ten(default_env):
    e, cat = default_env, default_env.u("cat")
    bad_logins(e, "cat", 9)
    assert get(e, cat.auth).status == 200
    bad_logins(e, "cat", 10)
    assert_401(get(e, cat.auth))
    assert "LOCKED OUT after 10 bad passwords" in diag(e, "cat")
    run_cli("unlock", cat.email, store=e.store, check=True)
    assert get(e, cat.auth).status == 200


def test_threshold_zero_disables_lockout(tmp_path):
    e = make_env(users()[:1], ["--lockout-threshold", "0"])
    try:
        bad_logins(e, "ann", 30)
        assert get(e, e.u("ann").auth).status == 200
        assert "not locked out" in diag(e, "ann")
    finally:
        destroy_env(e)


@pytest.mark.parametrize("args", [["--lockout-threshold", "-1"], ["--lockout-threshold", "1000"],
                                  ["--lockout-window", "0"], ["--lockout-duration", "x"]])
def test_bad_lockout_options_are_refused(tmp_path, args):
    p = run_cli("serve", "--http", "127.0.0.1:0", "--https", "off", *args, store=tmp_path / "s")
    assert p.returncode == 2 and "must be a number" in p.stderr, p.stderr


def test_unlock_of_unknown_user_fails(lock_env):
    p = lock_env.cli("unlock", "nobody@example.test")
    assert p.returncode == 1 and "no such user" in p.stderr


@pytest.mark.parametrize("args,status", [
    ((), 2), (("a@example.test", "b@example.test"), 2),            # usage errors
    (("u" * 5000 + "@example.test",), 1), (("",), 1), (("not an address\n",), 1), (("DOMAIN\\",), 1),
], ids=["none", "two", "oversized", "empty", "malformed", "domain-only"])
def test_unlock_refuses_bad_arguments_and_changes_nothing(lock_env, args, status):
    before = lock_env.cli("diag", lock_env.users["ann"].email, check=True).stdout
    p = lock_env.cli("unlock", *args)
    assert p.returncode == status, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.strip(), "a refusal says why"
    assert_no_sanitizer(p.stderr, "unlock")
    assert lock_env.cli("diag", lock_env.users["ann"].email, check=True).stdout == before


# ---- hostile Authorization headers -----------------------------------------------------

def b64(raw):
    return "Basic " + base64.b64encode(raw).decode()


HOSTILE = {
    "long user (2000)": b64(b"u" * 2000 + b"@example.test:pw"),
    "user at the address limit": b64(b"u" * 307 + b"@example.test:pw"),
    "user one above the limit": b64(b"u" * 308 + b"@example.test:pw"),
    "long password": b64(b"ann@example.test:" + b"p" * 3000),
    "NUL in user": b64(b"ann\0@example.test:Pw-ann-7!"),
    "NUL in password": b64(b"ann@example.test:Pw-ann-7!\0x"),
    "odd bytes": b64(b"\xff\xfe\x01\x7f:\x80\x81"),
    "newline in user": b64(b"evil\nFAKE-LINE injected:pw"),
    "no colon": b64(b"ann@example.test"),
    "empty user": b64(b":pw"),
    "empty both": b64(b":"),
    "empty": "Basic ",
    "malformed base64": "Basic !!!not-base64!!!",
    "truncated base64": "Basic YW5uQGV4YW1wbGUudGVzdDpQ",
    "only padding": "Basic ====",
    "domain only": b64(b"EXAMPLE\\:pw"),
    "backslash user": b64(b"\\\\\\:pw"),
    "domain form, wrong password": b64(b"EXAMPLE\\ann@example.test:wrong"),
    "unknown scheme": "Digest username=ann",
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_authorization_is_401(lock_env, case):
    e = lock_env
    mark = len(e.server.stderr())
    r = get(e, headers={"Authorization": HOSTILE[case]})
    assert_401(r)
    assert_still_serving(e.server)
    log = new_log(e, mark)
    assert "\nFAKE-LINE" not in log, "a user name must not start a log line"


def test_domain_form_with_right_password_is_200(lock_env):
    ann = lock_env.u("ann")
    lock_env.cli("unlock", ann.email, check=True)
    assert get(lock_env, headers={"Authorization": b64(f"EXAMPLE\\{ann.email}:{ann.password}".encode())}).status == 200


# ---- defect 5: import changes apply at once ------------------------------------------------

def set_photo_result(resp):
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:400]!r}"
    el = resp.body_elem
    return el.get("ResponseClass"), el.findtext("m:ResponseCode", namespaces=NS)


def test_import_password_and_admin_change_apply_at_once(default_env, tmp_path):
    e = default_env
    boss, bob = e.u("boss"), e.u("bob")
    c = e.server.client(auth=None)
    jpeg = base64.b64encode(make_jpeg(120, 120, (0, 0, 0))).decode()
    # the old password with administrator rights works (and is now cached)
    assert set_photo_result(c.set_user_photo(bob.email, jpeg, auth=boss.auth)) == ("Success", "NoError")
    assert get(e, boss.auth).status == 200
    before = c.rest_photo(bob.email, "HR96x96", auth=bob.auth)
    tag = etag_of(before)

    new = UserSpec("boss")           # not an administrator any more, a new password
    new.password = "Changed-pw-42"
    run_cli("import", write_tenant(tmp_path, [new]), store=e.store, check=True)

    # at once, no waiting: the old password is refused ...
    assert_401(get(e, boss.auth))
    s = c.set_user_photo(bob.email, base64.b64encode(make_jpeg(96, 96, (255, 255, 255))).decode(), auth=boss.auth)
    assert s.http.status == 401
    # ... and the new one has no administrator rights: not over SOAP ...
    assert set_photo_result(c.set_user_photo(bob.email, jpeg, auth=new.auth)) == ("Error", "ErrorAccessDenied")
    # ... nor over the Outlook REST API
    r = c.request("PATCH", f"/api/v2.0/users('{bob.email}')/photo/$value", body=make_jpeg(96, 96, (9, 9, 9)),
                  headers={"Content-Type": "image/jpeg"}, auth=new.auth)
    assert r.status == 403, f"HTTP {r.status}: {r.body[:300]!r}"
    after = c.rest_photo(bob.email, "HR96x96", auth=bob.auth)
    assert etag_of(after) == tag and after.body == before.body
    # and what the new password may do, it does
    assert get(e, new.auth).status == 200
    assert soap_picture(c.get_user_photo(bob.email, "HR96x96", auth=new.auth))
    c.close()
