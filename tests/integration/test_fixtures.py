"""fixtures/example-tenant: the documented example imports and serves what its README says."""
import shutil

import pytest

from ews_it import REPO, SIZES, SIZE_PX, Server, decode_image, run_cli, soap_picture

TENANT = REPO / "fixtures" / "example-tenant"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = tmp_path_factory.mktemp("example")
    # import from a copy: paths in the file are relative to it, wherever it is
    shutil.copytree(TENANT, root / "tenant")
    store = root / "store"
    r = run_cli("import", str(root / "tenant" / "tenant.json"), store=store)
    assert r.returncode == 0, r.stderr
    srv = Server(store).start()
    yield srv
    srv.stop()


def test_alice_sizes_and_thumbnail(example):
    c = example.client(auth=("alice@example.test", "secret"))
    for size in SIZES:
        r = c.rest_photo("al@example.test", size)   # the proxy address reaches her too
        assert r.status == 200, (size, r.status)
        fmt, dims, _ = decode_image(r.body)
        assert fmt == "JPEG"
        if size == "HR48x48":
            assert dims == (96, 96)                  # the directory thumbnail, as stored
        else:
            px = min(SIZE_PX[size], 504)              # uploaded 504x504: HR648 -> the largest
            assert dims == (px, px)
    assert decode_image(soap_picture(c.get_user_photo("alice@example.test", "HR240x240")))[1] == (240, 240)


def test_carol_thumbnail_only_and_dave_none(example):
    c = example.client(auth=("dave@example.test", "secret"))
    for size in ("HR48x48", "HR96x96", "HR648x648"):
        r = c.rest_photo("carol@example.test", size)
        assert r.status == 200
        assert decode_image(r.body)[1] == (96, 72)
    assert c.rest_photo("dave@example.test", "HR96x96").status == 404
    assert c.rest_photo("alice@example.test", "HR96x96", auth=("alice@example.test", "wrong")).status == 401


def test_diag_and_users(example):
    r = run_cli("users", store=example.store)
    assert r.returncode == 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == [
        "alice@example.test", "carol@example.test", "dave@example.test"]
    assert "(admin)" in [line for line in r.stdout.splitlines() if line.startswith("dave")][0]
    r = run_cli("diag", "alice@example.test", store=example.store)
    assert r.returncode == 0
    assert "uploaded size        504x504" in r.stdout
    assert "HR648x648  (not stored)" in r.stdout


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory):
    root = tmp_path_factory.mktemp("anon")
    shutil.copytree(TENANT, root / "tenant")
    store = root / "store"
    assert run_cli("import", str(root / "tenant" / "tenant.json"), store=store).returncode == 0
    srv = Server(store, extra_args=["--anonymous"]).start()
    yield srv
    srv.stop()


def test_anonymous_flag_reads_without_credentials(anonymous, example):
    c = anonymous.client(auth=None)
    r = c.rest_photo("alice@example.test", "HR96x96")
    assert r.status == 200 and r.header("WWW-Authenticate") is None
    assert decode_image(soap_picture(c.get_user_photo("alice@example.test", "HR64x64")))[1] == (64, 64)
    # nobody to act as: changing a photo is refused, and the photo stays
    before = c.rest_photo("alice@example.test", "HR96x96").header("ETag")
    resp = c.set_user_photo("alice@example.test", "AAAA")
    msg = resp.body_elem
    assert msg.tag == "{http://schemas.microsoft.com/exchange/services/2006/messages}SetUserPhotoResponse"
    assert msg.get("ResponseClass") == "Error"
    assert c.rest_photo("alice@example.test", "HR96x96").header("ETag") == before
    # off by default: the same request to a normal server is a 401
    assert example.client(auth=None).rest_photo("alice@example.test", "HR96x96").status == 401
