"""GetItem with IncludeMimeContent (spec §10, issue 12 item 8): a contact comes back as a
vCard 3.0 in t:MimeContent (base64, CharacterSet="UTF-8", the first child of t:Contact),
and that vCard imported with `ewsemu import FILE.vcf --user` into a fresh store gives the
same contact: every field GetItem shows, and the picture byte for byte.

Hostile contacts: fields at the 256-byte limit made of multi-byte characters (folding at 75
octets must not split them), non-ASCII names, notes with line breaks, commas, semicolons and
backslashes in names and companies.  Every response body is schema-checked by ews_it.
"""
import base64
import re
import xml.etree.ElementTree as ET

import pytest

from ews_it import NS, UserSpec, addr, destroy_env, make_env, make_jpeg, run_cli
from test_items import (assert_error, encode_id, get_attachment, messages, resolve_contact, success, tag)

PHOTO = make_jpeg(160, 120, (20, 120, 200))
LONG = "é" * 128                      # 256 bytes, the field limit, all two-byte sequences
LONG3 = "日本" * 42 + "x" * 4          # 256 bytes of three-byte sequences
NOTES = "first line\nsecond; with, punctuation \\ backslash\n\nafter a blank line: Zoë 😀"

CONTACTS = [
    {"display_name": "Pia Pictured", "given_name": "Pia", "surname": "Pictured",
     "email": "pia@pictured.test", "email2": "pia2@pictured.test", "company": "Pictures Ltd",
     "department": "Frames", "job_title": "Painter", "phone": "+1 555 0100", "mobile": "+1 555 0101",
     "home_phone": "+1 555 0102", "street": "1 Canvas Road", "city": "Oiltown", "state": "CA",
     "postal_code": "90001", "country": "USA", "birthday": "1980-02-29", "photo": "pia.jpg"},
    {"display_name": "Smith, Jr.; \"Bob\" \\ the builder", "given_name": "Bob; Robert",
     "surname": "Smith, Jr.", "middle_name": "A,B", "nickname": "Bobby\\Bob",
     "email": "bob@smith.test", "company": "A;B, C\\D", "department": "x;y", "notes": NOTES},
    # "Surname, Given" (the derived file-as) must fit in 256 bytes too
    {"display_name": LONG, "given_name": "Gé", "surname": "é" * 124, "company": LONG3,
     "job_title": LONG, "street": LONG3, "city": LONG, "country": "Österreich",
     "email": "long@long.test", "email2": "l2@long.test", "email3": "l3@long.test",
     "notes": ("ü" * 1023) + "\n"},
    {"display_name": "Zoë Ångström 日本語 😀", "given_name": "Zoë", "surname": "Ångström",
     "email": "zoe@unicode.test"},
    {"display_name": "Only A Name"},
]
PHOTOS = {"pia.jpg": PHOTO}

# what GetItem shows that is not the contact's data (ids, times, sizes of this copy)
VOLATILE = {"ItemId", "ParentFolderId", "DateTimeReceived", "DateTimeSent", "DateTimeCreated",
            "LastModifiedTime", "MimeContent", "Attachments"}


def add_contact(env, tmp, alias, ct):
    """`ewsemu add-contact` of @p ct (tenant-style keys); the contact's ItemId."""
    args = []
    for k, v in ct.items():
        if k == "photo":
            (tmp / v).write_bytes(PHOTOS[v])
            args += ["--photo", tmp / v]
        else:
            args += ["--" + k.replace("_", "-"), v]
    p = env.cli("add-contact", "--user", addr(alias), *args)
    assert p.returncode == 0, p.stderr
    return encode_id("I", addr(alias), p.stdout.split()[-1])


@pytest.fixture(scope="module")
def env():
    e = make_env([UserSpec("owner"), UserSpec("other")])
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def copy_env():
    """A fresh store with one empty mailbox, for the vCards to be imported into."""
    e = make_env([UserSpec("copy")])
    yield e
    destroy_env(e)


def get_item_mime(client, ids, shape="AllProperties", include=True, fields=("contacts:Birthday",)):
    inc = f"<t:IncludeMimeContent>{'true' if include else 'false'}</t:IncludeMimeContent>" \
        if include is not None else ""
    add = "".join(f'<t:FieldURI FieldURI="{f}"/>' for f in fields)
    add = f"<t:AdditionalProperties>{add}</t:AdditionalProperties>" if add else ""
    body = (f"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{inc}{add}</m:ItemShape>"
            f"<m:ItemIds>{''.join(f'<t:ItemId Id={chr(34)}{i}{chr(34)}/>' for i in ids)}</m:ItemIds>"
            "</m:GetItem>")
    return messages(client.soap(body, action="GetItem"), "GetItem", len(ids))


def contact_of(m):
    items = success(m).find("m:Items", NS)
    assert items is not None and len(items) == 1
    return items[0]


def vcard_of(contact):
    """The vCard of a t:Contact, checked for the wire form spec §10 asks for."""
    mc = contact[0]
    assert tag(mc) == "MimeContent", "t:MimeContent is the first child of t:Contact"
    assert mc.get("CharacterSet") == "UTF-8"
    raw = base64.b64decode(mc.text, validate=True)
    text = raw.decode("utf-8")
    assert text.startswith("BEGIN:VCARD\r\n") and text.endswith("END:VCARD\r\n")
    assert "VERSION:3.0\r\n" in text
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, f"line of {len(line)} octets: {line[:40]!r}"
        line.decode("utf-8")        # every physical line is whole UTF-8: no split sequence
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the vCard"
    return text


def fields_of(contact):
    """Tag -> canonical XML of every non-volatile child."""
    out = {}
    for c in contact:
        t = tag(c)
        if t not in VOLATILE:
            out[t] = ET.tostring(c, encoding="unicode")
    return out


@pytest.fixture(scope="module")
def owner_ids(env, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mime")
    return {ct["display_name"]: add_contact(env, tmp, "owner", ct) for ct in CONTACTS}


def import_and_fetch(env, copy_env, tmp_path, card, name):
    f = tmp_path / "c.vcf"
    f.write_bytes(card.encode("utf-8"))
    p = copy_env.cli("import", f, "--user", addr("copy"))
    assert p.returncode == 0, p.stderr
    c = copy_env.client("copy")
    # the imported contact: the copy mailbox's contacts, found by name or address
    ct = next(x for x in CONTACTS if x["display_name"] == name)
    item = resolve_contact(c, ct.get("email") or ct["display_name"])[0]
    return c, item, contact_of(get_item_mime(c, [item])[0])


def _local(item_id):
    b = base64.b64decode(item_id)
    ml = int.from_bytes(b[4:6], "big")
    ll = b[6 + ml]
    return b[7 + ml:7 + ml + ll].decode()


@pytest.mark.parametrize("name", [c["display_name"] for c in CONTACTS],
                         ids=["picture", "punctuation", "long-multibyte", "unicode", "name-only"])
def test_round_trip_through_import(env, copy_env, owner_ids, tmp_path, name):
    owner = env.client("owner")
    orig = contact_of(get_item_mime(owner, [owner_ids[name]])[0])
    card = vcard_of(orig)
    c, item, copy = import_and_fetch(env, copy_env, tmp_path, card, name)
    assert fields_of(copy) == fields_of(orig)
    # the copy's own vCard is the same card (its REV aside)
    strip = lambda t: re.sub(r"REV[^\r]*\r\n", "", t)
    assert strip(vcard_of(copy)) == strip(card)
    att_o = orig.findall("t:Attachments/t:FileAttachment", NS)
    att_c = copy.findall("t:Attachments/t:FileAttachment", NS)
    assert len(att_o) == len(att_c)
    if att_o:
        assert "PHOTO;ENCODING=b;TYPE=JPEG:" in card
        got = get_attachment(c, [att_c[0].find("t:AttachmentId", NS).get("Id")])
        m = messages(got, "GetAttachment", 1)[0]
        content = success(m).find("m:Attachments/t:FileAttachment/t:Content", NS).text
        assert base64.b64decode(content) == PHOTO
    # empty the copy mailbox for the next card
    p = copy_env.cli("remove-contact", "--user", addr("copy"), _local(item))
    assert p.returncode == 0, p.stderr


def test_escaping_and_folding_on_the_wire(env, owner_ids):
    card = vcard_of(contact_of(get_item_mime(env.client("owner"), [owner_ids[CONTACTS[1]["display_name"]]])[0]))
    unfolded = re.sub(r"\r\n[ \t]", "", card)
    assert r"FN:Smith\, Jr.\; \"Bob\" \\ the builder".replace('\\"', '"') in unfolded
    assert r"N:Smith\, Jr.;Bob\; Robert;A\,B;;" in unfolded
    assert r"ORG:A\;B\, C\\D;x\;y" in unfolded
    assert r"NOTE:first line\nsecond\; with\, punctuation \\ backslash\n\nafter a blank line" in unfolded


def test_mime_only_on_request(env, owner_ids):
    """AllProperties does not include MimeContent; IncludeMimeContent=false and absent give
    none; item:MimeContent in AdditionalProperties asks for it too (spec §10)."""
    owner = env.client("owner")
    item = owner_ids["Pia Pictured"]
    for include in (None, False):
        c = contact_of(get_item_mime(owner, [item], include=include)[0])
        assert c.find("t:MimeContent", NS) is None
    c = contact_of(get_item_mime(owner, [item], shape="IdOnly", include=None, fields=("item:MimeContent",))[0])
    assert [tag(x) for x in c] == ["MimeContent", "ItemId"]
    vcard_of(c)


def test_mime_in_a_batch_with_errors(env, owner_ids):
    owner = env.client("owner")
    other_item = resolve_contact(owner, "pia@pictured.test")[0]
    msgs = get_item_mime(env.client("other"), [other_item, "bad-id"])
    assert_error(msgs[0], "ErrorAccessDenied", container="Items")
    assert_error(msgs[1], "ErrorInvalidIdMalformed", container="Items")
    msgs = get_item_mime(owner, list(owner_ids.values()) * 3)
    for m in msgs:
        vcard_of(contact_of(m))
