"""The contact commands of the command line on a temporary store: vCard import
(`import FILE.vcf --user`), `contacts`, `add-contact`, `remove-contact`,
`set-contact-photo`; a bad vCard changes nothing; every command has --help.

Pictures are drawn with PIL here; the stored picture of a contact is checked
through the ETag `contacts` prints (the first 8 bytes of SHA-256 of the JPEG,
the same rule as every other ETag of ewsemu)."""

import base64
import hashlib
import re
import shutil

import pytest

from ews_it import REPO, UserSpec, make_jpeg, make_png, run_cli, write_tenant

OWNER = "owner@example.test"
OTHER = "other@example.test"

LINE_RE = re.compile(r'^(?P<id>[0-9a-f]{32})  (?P<name>.*?)\s{2,}(?P<email>\S+)\s{2,}'
                     r'(?:photo (?P<w>\d+)x(?P<h>\d+), (?P<len>\d+) bytes, ETag "(?P<etag>[0-9A-F]{16})"'
                     r'|(?P<none>no photo))$')


def etag(data):
    return hashlib.sha256(data).hexdigest()[:16].upper()


def fold(line, width=75, indent=" ", eol="\r\n"):
    out = [line[:width]]
    rest = line[width:]
    while rest:
        out.append(indent + rest[:width - 1])
        rest = rest[width - 1:]
    return eol.join(out)


def listing(store, user=OWNER):
    p = run_cli("contacts", "--user", user, store=store, check=True)
    rows = []
    for line in p.stdout.splitlines():
        m = LINE_RE.match(line)
        assert m, f"unexpected contacts line: {line!r}"
        rows.append(m.groupdict())
    return rows


def by_name(rows):
    return {r["name"]: r for r in rows}


@pytest.fixture()
def store(tmp_path):
    """A fresh store with two users (the second proves the owner is honoured)."""
    st = tmp_path / "store"
    tenant = write_tenant(tmp_path / "tenant", [UserSpec("owner"), UserSpec("other")])
    run_cli("import", tenant, store=st, check=True)
    return st


# ---- --help ----------------------------------------------------------------------------------------------

NEW_COMMANDS = ["contacts", "add-contact", "remove-contact", "set-contact-photo"]


@pytest.mark.parametrize("cmd", NEW_COMMANDS + ["import"])
def test_help(cmd):
    p = run_cli(cmd, "--help")
    assert p.returncode == 0, p.stderr
    assert f"usage: ewsemu {cmd}" in p.stdout
    assert "--user" in p.stdout


def test_top_level_help_lists_contact_commands():
    p = run_cli("--help")
    assert p.returncode == 0
    for cmd in NEW_COMMANDS:
        assert cmd in p.stdout
    assert "FILE.vcf --user" in p.stdout


def test_add_contact_help_lists_every_field():
    out = run_cli("add-contact", "--help").stdout
    for opt in ("--display-name", "--given-name", "--surname", "--email", "--company", "--job-title",
                "--phone", "--mobile", "--photo", "--birthday", "--notes", "--street", "--country"):
        assert opt in out, opt


@pytest.mark.parametrize("args", [["contacts"], ["remove-contact", "0" * 32],
                                  ["set-contact-photo", "0" * 32, "--remove"],
                                  ["add-contact", "--display-name", "X"]])
def test_user_is_required(store, args):
    p = run_cli(*args, store=store)
    assert p.returncode == 2
    assert "--user" in p.stderr


def test_vcf_without_user_is_refused(store, tmp_path):
    f = tmp_path / "c.vcf"
    f.write_text("BEGIN:VCARD\r\nFN:X\r\nEND:VCARD\r\n")
    p = run_cli("import", f, store=store)
    assert p.returncode == 2
    assert "--user" in p.stderr
    assert listing(store) == []


# ---- vCard import ----------------------------------------------------------------------------------------

def test_import_vcards_with_photos(store, tmp_path):
    apple = make_jpeg(160, 120, (200, 30, 30))
    thunderbird = make_jpeg(96, 96, (30, 50, 200), shape="rect")
    a64 = base64.b64encode(apple).decode()
    t64 = base64.b64encode(thunderbird).decode()
    vcf = "\r\n".join([
        "BEGIN:VCARD", "VERSION:3.0", "N:Appleseed;Johnny;;;", "FN:Johnny Appleseed",
        "ORG:Orchard\\, Ltd.;Seeds", "item1.EMAIL;type=INTERNET;type=pref:johnny@orchard.test",
        "TEL;type=CELL:+1 555 0101", fold("PHOTO;ENCODING=b;TYPE=JPEG:" + a64), "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "FN:Zoë Ångström", "EMAIL;PREF=1:zoe@example.org",
        fold("PHOTO:data:image/jpeg;base64," + t64, indent="\t"), "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Link Only", "PHOTO;VALUE=uri:https://example.test/p.jpg",
        "END:VCARD", ""])
    f = tmp_path / "contacts.vcf"
    f.write_text(vcf, encoding="utf-8", newline="")
    p = run_cli("import", f, "--user", OWNER, store=store)
    assert p.returncode == 0, p.stderr
    assert "imported 3 contacts (2 with a picture)" in p.stdout
    assert "1 picture given as a link (URL) was not fetched" in p.stdout

    rows = by_name(listing(store))
    assert set(rows) == {"Johnny Appleseed", "Zoë Ångström", "Link Only"}
    j = rows["Johnny Appleseed"]
    assert j["email"] == "johnny@orchard.test"
    assert (j["w"], j["h"], int(j["len"]), j["etag"]) == ("160", "120", len(apple), etag(apple))
    z = rows["Zoë Ångström"]
    assert (z["w"], z["h"], z["etag"]) == ("96", "96", etag(thunderbird))
    assert rows["Link Only"]["none"] and rows["Link Only"]["email"] == "-"
    assert listing(store, OTHER) == [], "another mailbox got the contacts"

    # the same file again adds the cards again (an import never merges)
    run_cli("import", f, "--user", "owner.alt@example.test", store=store, check=True)
    assert len(listing(store)) == 6


def test_example_fixture(tmp_path):
    """fixtures/example-tenant/contacts.vcf imports into alice's mailbox as its README says."""
    src = REPO / "fixtures" / "example-tenant"
    shutil.copytree(src, tmp_path / "t")
    st = tmp_path / "store"
    run_cli("import", tmp_path / "t" / "tenant.json", store=st, check=True)
    p = run_cli("import", tmp_path / "t" / "contacts.vcf", "--user", "alice@example.test", store=st)
    assert p.returncode == 0, p.stderr
    assert "imported 3 contacts (2 with a picture)" in p.stdout
    rows = by_name(listing(st, "al@example.test"))
    assert set(rows) == {"Bob Builder", "Dana Designer", "Ezra Engineer", "Fiona Finance"}
    # the pictures are exactly the JPEGs embedded in the file
    unfolded = re.sub(r"\r\n[ \t]", "", (src / "contacts.vcf").read_bytes().decode()).replace("\r\n", "\n")
    pics = {}
    for card in unfolded.split("END:VCARD"):
        fn = re.search(r"^FN:(.*)$", card, re.M)
        photo = re.search(r"^PHOTO[^:]*:(?:data:image/jpeg;base64,)?([A-Za-z0-9+/=]+)$", card, re.M)
        if fn and photo:
            pics[fn.group(1).strip()] = base64.b64decode(photo.group(1))
    assert set(pics) == {"Dana Designer", "Ezra Engineer"}
    for name, jpeg in pics.items():
        assert jpeg[:3] == b"\xff\xd8\xff"
        assert rows[name]["etag"] == etag(jpeg), name
        assert int(rows[name]["len"]) == len(jpeg)
    assert rows["Fiona Finance"]["none"]
    assert rows["Dana Designer"]["email"] == "dana@fabrikam.test"


# ---- a bad vCard changes nothing ---------------------------------------------------------------------------

def _bad_vcf(case):
    """(text, card number, card name, words of the reason): good cards first, the bad one last."""
    good = make_jpeg(100, 100, (10, 160, 10))
    g64 = base64.b64encode(good).decode()
    head = ["BEGIN:VCARD", "VERSION:3.0", "FN:Good One", fold("PHOTO;ENCODING=b;TYPE=JPEG:" + g64),
            "END:VCARD", "BEGIN:VCARD", "VERSION:4.0", "FN:Good Two", "END:VCARD"]
    if case == "png-photo":
        png = base64.b64encode(make_png(64, 64, (1, 2, 3))).decode()
        bad = ["BEGIN:VCARD", "VERSION:3.0", fold("PHOTO;ENCODING=b;TYPE=PNG:" + png), "FN:Pat Png", "END:VCARD"]
        return head + bad, 3, "Pat Png", ["PNG", "JPEG"]
    if case == "bad-base64":
        bad = ["BEGIN:VCARD", "VERSION:3.0", "FN:Bea Base", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ***", "END:VCARD"]
        return head + bad, 3, "Bea Base", ["base64"]
    if case == "corrupt-jpeg":
        cut = base64.b64encode(good[: len(good) // 2]).decode()
        bad = ["BEGIN:VCARD", "VERSION:3.0", "FN:Cy Cut", fold("PHOTO;ENCODING=b;TYPE=JPEG:" + cut), "END:VCARD"]
        return head + bad, 3, "Cy Cut", ["JPEG"]
    if case == "missing-end":
        bad = ["BEGIN:VCARD", "VERSION:3.0", "FN:Nell No End", "EMAIL:nell@example.test"]
        return head + bad, 3, "Nell No End", ["END:VCARD"]
    if case == "bad-email":
        bad = ["BEGIN:VCARD", "VERSION:3.0", "FN:Ed Mail", "EMAIL:ed.at.example", "END:VCARD"]
        return head + bad, 3, "Ed Mail", ["e-mail address"]
    if case == "unsupported-version":
        bad = ["BEGIN:VCARD", "VERSION:5.0", "FN:Vic Five", "END:VCARD"]
        return head + bad, 3, "Vic Five", ["VERSION"]
    raise AssertionError(case)


BAD = ["png-photo", "bad-base64", "corrupt-jpeg", "missing-end", "bad-email", "unsupported-version"]


@pytest.mark.parametrize("case", BAD)
def test_bad_vcard_changes_nothing(store, tmp_path, case):
    before_file = tmp_path / "before.vcf"
    before_file.write_text("BEGIN:VCARD\nFN:Already Here\nEND:VCARD\n")
    run_cli("import", before_file, "--user", OWNER, store=store, check=True)
    before = listing(store)

    lines, number, name, reasons = _bad_vcf(case)
    f = tmp_path / "bad.vcf"
    f.write_text("\r\n".join(lines) + "\r\n", newline="")
    p = run_cli("import", f, "--user", OWNER, store=store)
    assert p.returncode == 1, f"{case}: accepted"
    assert f"card {number} ({name})" in p.stderr, p.stderr
    assert any(r.lower() in p.stderr.lower() for r in reasons), p.stderr
    assert "bad.vcf" in p.stderr
    assert listing(store) == before


def test_import_for_unknown_user_changes_nothing(store, tmp_path):
    f = tmp_path / "c.vcf"
    f.write_text("BEGIN:VCARD\nFN:X\nEND:VCARD\n")
    p = run_cli("import", f, "--user", "ghost@example.test", store=store)
    assert p.returncode == 1 and "ghost@example.test: no such user" in p.stderr
    assert listing(store) == [] and listing(store, OTHER) == []


# ---- add / set photo / remove ---------------------------------------------------------------------------------

def test_add_set_photo_remove(store, tmp_path):
    pic = tmp_path / "c.jpg"
    jpeg = make_jpeg(120, 120, (250, 200, 0))
    pic.write_bytes(jpeg)
    p = run_cli("add-contact", "--user", OWNER, "--display-name", "Carla Contact", "--given-name", "Carla",
                "--surname", "Contact", "--email", "carla@outside.test", "--company", "Outside",
                "--job-title", "Buyer", "--phone", "+1 555 0100", "--mobile", "+1 555 0199",
                "--birthday", "1990-03-15", "--notes", "met at the fair", "--photo", pic, store=store)
    assert p.returncode == 0, p.stderr
    cid = p.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", cid), p.stdout
    p2 = run_cli("add-contact", "--user", OWNER, "--display-name", "Plain Pat", store=store, check=True)
    pid = p2.stdout.strip()

    rows = {r["id"]: r for r in listing(store)}
    assert set(rows) == {cid, pid}
    assert rows[cid]["name"] == "Carla Contact" and rows[cid]["email"] == "carla@outside.test"
    assert rows[cid]["etag"] == etag(jpeg) and (rows[cid]["w"], rows[cid]["h"]) == ("120", "120")
    assert rows[pid]["none"] and rows[pid]["email"] == "-"

    # a new picture: a new ETag; then none
    new = tmp_path / "n.jpg"
    njpeg = make_jpeg(64, 48, (0, 90, 250), shape="triangle")
    new.write_bytes(njpeg)
    run_cli("set-contact-photo", "--user", OWNER, cid, new, store=store, check=True)
    r = {x["id"]: x for x in listing(store)}[cid]
    assert r["etag"] == etag(njpeg) and (r["w"], r["h"]) == ("64", "48")
    run_cli("set-contact-photo", "--user", OWNER, pid, pic, store=store, check=True)
    assert {x["id"]: x for x in listing(store)}[pid]["etag"] == etag(jpeg)
    run_cli("set-contact-photo", "--user", OWNER, cid, "--remove", store=store, check=True)
    assert {x["id"]: x for x in listing(store)}[cid]["none"]

    run_cli("remove-contact", "--user", OWNER, cid, store=store, check=True)
    assert [x["id"] for x in listing(store)] == [pid]
    again = run_cli("remove-contact", "--user", OWNER, cid, store=store)
    assert again.returncode == 1 and cid in again.stderr


@pytest.mark.parametrize("what", ["png", "truncated", "missing-file", "unknown-id", "unknown-user",
                                  "bad-email", "bad-birthday", "too-long"])
def test_contact_commands_refuse_bad_input(store, tmp_path, what):
    pic = tmp_path / "ok.jpg"
    pic.write_bytes(make_jpeg(80, 80, (9, 9, 9)))
    cid = run_cli("add-contact", "--user", OWNER, "--display-name", "Keep Me", "--photo", pic,
                  store=store, check=True).stdout.strip()
    before = listing(store)
    bad = tmp_path / "bad.jpg"
    if what == "png":
        bad.write_bytes(make_png(80, 80, (1, 2, 3)))
    elif what == "truncated":
        good = make_jpeg(200, 200, (1, 2, 3))
        bad.write_bytes(good[: len(good) // 3])
    runs = []
    if what in ("png", "truncated", "missing-file"):
        runs = [("set-contact-photo", "--user", OWNER, cid, bad),
                ("add-contact", "--user", OWNER, "--display-name", "New", "--photo", bad)]
    elif what == "unknown-id":
        runs = [("set-contact-photo", "--user", OWNER, "f" * 32, pic),
                ("set-contact-photo", "--user", OWNER, "nope", "--remove"),
                ("remove-contact", "--user", OWNER, "f" * 32)]
    elif what == "unknown-user":
        runs = [("set-contact-photo", "--user", "ghost@example.test", cid, pic),
                ("remove-contact", "--user", "ghost@example.test", cid),
                ("add-contact", "--user", "ghost@example.test", "--display-name", "New"),
                ("contacts", "--user", "ghost@example.test")]
    elif what == "bad-email":
        runs = [("add-contact", "--user", OWNER, "--display-name", "New", "--email", "new.example.test")]
    elif what == "bad-birthday":
        runs = [("add-contact", "--user", OWNER, "--display-name", "New", "--birthday", "2023-02-29")]
    elif what == "too-long":
        runs = [("add-contact", "--user", OWNER, "--display-name", "N" * 257)]
    for args in runs:
        p = run_cli(*args, store=store)
        assert p.returncode != 0, f"{what}: {args[0]} accepted"
        assert p.stderr.strip(), "a failing command says why"
    assert listing(store) == before
