"""ConvertId over the wire (spec §9, issue 12 item 7): an id that names its own mailbox
(EwsId) is converted by that mailbox whatever the request's Mailbox says (DavMail's
placeholder `blah@blah.com` on the root folder's EwsId); EntryId/HexEntryId are resolved in
the request's Mailbox; other users' ids are refused, missing objects are not found, and
malformed or oversized ids get ErrorInvalidIdMalformed, one message per id, in order.

The tenant is test_items'.  Every response body is schema-checked by ews_it.
"""
import base64

import pytest

from ews_it import NS, addr, assert_fault, destroy_env, make_env
from test_items import (add_contacts, assert_error, decode_id, distinguished, encode_id, get_folder,
                        messages, resolve_contact, success, the_folder, users)


@pytest.fixture(scope="module")
def env():
    e = make_env(users(), extra=add_contacts)
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def owner(env):
    return env.client("owner")


def alt(fmt, id_, mailbox=None):
    mb = f' Mailbox="{mailbox}"' if mailbox is not None else ""
    return f'<t:AlternateId Format="{fmt}" Id="{id_}"{mb}/>'


def convert(client, dest, alts):
    body = (f'<m:ConvertId DestinationFormat="{dest}"><m:SourceIds>{"".join(alts)}'
            "</m:SourceIds></m:ConvertId>")
    return messages(client.soap(body, action="ConvertId"), "ConvertId", len(alts))


def converted(m, fmt):
    a = success(m).find("m:AlternateId", NS)
    assert a is not None, "a Success message carries m:AlternateId"
    assert a.get("Format") == fmt
    return a.get("Id"), a.get("Mailbox")


def root_id(client):
    m = messages(get_folder(client, [distinguished("root")], "IdOnly"), "GetFolder", 1)[0]
    return the_folder(m).find("t:FolderId", NS).get("Id")


def test_davmail_placeholder_mailbox_gives_the_owner(owner):
    """DavMail's login: GetFolder root, then ConvertId EwsId -> EwsId with a placeholder
    Mailbox; the answer's Mailbox is the real address (was ErrorNonExistentMailbox)."""
    rid = root_id(owner)
    m = convert(owner, "EwsId", [alt("EwsId", rid, "blah@blah.com")])[0]
    new_id, mailbox = converted(m, "EwsId")
    assert mailbox == addr("owner")
    assert new_id == rid


@pytest.mark.parametrize("mailbox", [None, "DUMMY", addr("other"), "nobody@nowhere.test"])
def test_ews_id_ignores_the_request_mailbox(owner, mailbox):
    rid = root_id(owner)
    _, got = converted(convert(owner, "EntryId", [alt("EwsId", rid, mailbox)])[0], "EntryId")
    assert got == addr("owner")


@pytest.mark.parametrize("fmt", ["EntryId", "HexEntryId", "StoreId", "EwsLegacyId"])
def test_round_trip_through_every_format(env, owner, fmt):
    item, _ = resolve_contact(owner, "bob@builder.test")
    for source in (root_id(owner), item):
        there, mb = converted(convert(owner, fmt, [alt("EwsId", source, "blah@blah.com")])[0], fmt)
        assert mb == addr("owner")
        if fmt == "HexEntryId":
            assert bytes.fromhex(there) == base64.b64decode(source)
        back, mb = converted(convert(owner, "EwsId", [alt(fmt, there, addr("owner"))])[0], "EwsId")
        assert back == source and mb == addr("owner")


def test_entry_id_is_resolved_in_the_request_mailbox(env, owner):
    """EntryId carries no mailbox in Exchange's sense: Mailbox decides, and the id must be
    of that mailbox (spec §9, §12.12)."""
    rid = root_id(owner)
    entry, _ = converted(convert(owner, "EntryId", [alt("EwsId", rid)])[0], "EntryId")
    item, _ = resolve_contact(owner, "bob@builder.test")
    item_entry, _ = converted(convert(owner, "EntryId", [alt("EwsId", item)])[0], "EntryId")
    msgs = convert(owner, "EwsId", [
        alt("EntryId", entry, addr("owner").upper()),        # any spelling of the owner
        alt("EntryId", entry, "blah@blah.com"),             # nobody's
        alt("EntryId", entry, "DUMMY"),                     # not an address
        alt("EntryId", entry),                              # no Mailbox
        alt("EntryId", entry, addr("other")),               # someone else's
    ])
    _, mb = converted(msgs[0], "EwsId")
    assert mb == addr("owner")
    assert_error(msgs[1], "ErrorNonExistentMailbox")
    assert_error(msgs[2], "ErrorInvalidSmtpAddress")
    assert_error(msgs[3], "ErrorInvalidSmtpAddress")
    assert_error(msgs[4], "ErrorAccessDenied")
    # the other user's own call: their mailbox does not hold owner's objects
    other = env.client("other")
    for eid, want in ((entry, "ErrorFolderNotFound"), (item_entry, "ErrorItemNotFound")):
        assert_error(convert(other, "EwsId", [alt("EntryId", eid, addr("other"))])[0], want)


def test_another_users_ids_are_refused(env, owner):
    """An EwsId names its mailbox: the caller must be allowed to read it (was Success)."""
    other = env.client("other")
    their_root = root_id(other)
    their_item, _ = resolve_contact(other, "eve@else.test")
    msgs = convert(owner, "EwsId", [alt("EwsId", their_root, addr("owner")),
                                    alt("EwsId", their_item, addr("owner")),
                                    alt("EwsId", encode_id("F", addr("nobody"), "root"), addr("owner"))])
    assert_error(msgs[0], "ErrorAccessDenied")
    assert_error(msgs[1], "ErrorAccessDenied")
    assert_error(msgs[2], "ErrorAccessDenied")
    # the owner of those ids converts them fine
    _, mb = converted(convert(other, "EntryId", [alt("EwsId", their_item, addr("owner"))])[0], "EntryId")
    assert mb == addr("other")


def test_missing_objects_are_not_found(owner):
    me = addr("owner")
    msgs = convert(owner, "EwsId", [
        alt("EwsId", encode_id("F", me, "no-such-folder")),
        alt("EwsId", encode_id("I", me, "0" * 32)),
        alt("EwsId", encode_id("A", me, "0" * 32 + ".etag")),
        alt("EwsId", encode_id("A", me, "no-separator")),
    ])
    assert_error(msgs[0], "ErrorFolderNotFound")
    assert_error(msgs[1], "ErrorItemNotFound")
    assert_error(msgs[2], "ErrorItemNotFound")
    assert_error(msgs[3], "ErrorInvalidIdMalformed")


def test_malformed_and_oversized_ids(env, owner):
    rid = root_id(owner)
    raw = base64.b64decode(rid)
    bad = [
        "",                                                  # empty
        "not base64 at all!",
        base64.b64encode(b"XX" + raw[2:]).decode(),          # wrong magic
        base64.b64encode(raw[:-3]).decode(),                 # truncated
        base64.b64encode(raw + b"xyz").decode(),             # trailing bytes
        "QUFB" * 5000,                                       # 20,000 characters
        rid,                                                 # fine, but as HexEntryId: not hex
    ]
    msgs = convert(owner, "EwsId", [alt("EwsId", b) for b in bad[:-1]] + [alt("HexEntryId", bad[-1], addr("owner"))])
    assert_error(msgs[0], "ErrorInvalidIdEmpty")
    for m in msgs[1:]:
        assert_error(m, "ErrorInvalidIdMalformed")
    kind, mailbox, local = decode_id(rid)
    assert (kind, mailbox, local) == ("F", addr("owner"), "root")
    # still serving, on this connection and a new one
    for c in (owner, env.client("owner")):
        assert converted(convert(c, "EwsId", [alt("EwsId", rid, "x@y.z")])[0], "EwsId")[0] == rid


def test_unknown_destination_format_is_a_schema_fault(owner):
    r = owner.soap('<m:ConvertId DestinationFormat="Nonsense"><m:SourceIds>'
                   f'{alt("EwsId", root_id(owner), "x@y.z")}</m:SourceIds></m:ConvertId>',
                   action="ConvertId")
    assert_fault(r, "ErrorSchemaValidation")
