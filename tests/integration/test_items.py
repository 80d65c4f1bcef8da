"""GetFolder, GetItem and GetAttachment over the wire (spec §1.4, §5, §7): root,
msgfolderroot and contacts of every mailbox (the whole folder set: test_folders.py), contacts as t:Contact items in every shape, their pictures
as IsContactPhoto file attachments, batches with mixed good and bad ids, access to
other mailboxes, request-level faults, ids that survive a restart, and a replaced
picture that gets a new AttachmentId.

The module builds its own tenant: `owner` has three contacts (two with pictures),
`other` one, `mut` one whose picture is replaced; tests that change contacts use
`mut` and the contact commands (`ewsemu add-contact`, `set-contact-photo`,
`remove-contact`).  Item ids come from ResolveNames (SearchScope Contacts), the EWS way
to learn them, or are made from the ids `ewsemu add-contact` prints.  Every response body
is schema-checked by ews_it (validate.sh --set interop).
"""
import base64
import struct
import xml.etree.ElementTree as ET

import pytest

from ews_it import (DOMAIN, NS, NS_M, REPO, UserSpec, assert_fault, destroy_env, make_env,
                    make_jpeg, messages, tag, tenant_contacts)

PHOTO_BOB = make_jpeg(120, 120, (200, 30, 30))
PHOTO_DORA = make_jpeg(300, 200, (30, 50, 200), shape="rect")
PHOTO_EVE = make_jpeg(96, 96, (30, 170, 40))
PHOTO_FRANK = make_jpeg(64, 64, (230, 210, 20))
PHOTO_FRANK2 = make_jpeg(80, 80, (110, 40, 160), shape="triangle")

CONTACTS = {
    "owner": [
        {"display_name": "Bob Builder", "given_name": "Bob", "surname": "Builder",
         "file_as": "Builder, Bob", "email": "bob@builder.test", "company": "Builders",
         "photo": "img/bob.jpg"},
        {"display_name": "Carl Plain", "email": "carl@plain.test"},
        {"display_name": "Dora Wide", "given_name": "Dora", "surname": "Wide",
         "email": "dora@wide.test", "photo": "img/dora.jpg"},
    ],
    "other": [
        {"display_name": "Eve Else", "email": "eve@else.test", "photo": "img/eve.jpg"},
    ],
    "mut": [
        {"display_name": "Frank Changes", "email": "frank@changes.test", "photo": "img/frank.jpg"},
    ],
}
PHOTOS = {"bob.jpg": PHOTO_BOB, "dora.jpg": PHOTO_DORA, "eve.jpg": PHOTO_EVE, "frank.jpg": PHOTO_FRANK}

# t:ItemType then t:ContactItemType children, schema order (spec §5.4), as far as served
CONTACT_ORDER = [
    "MimeContent", "ItemId", "ParentFolderId", "ItemClass", "Subject", "Sensitivity", "Body", "Attachments",
    "DateTimeReceived", "Size", "Importance", "IsSubmitted", "IsDraft", "IsFromMe", "IsResend",
    "IsUnmodified", "DateTimeSent", "DateTimeCreated", "ReminderIsSet", "HasAttachments", "Culture",
    "EffectiveRights", "LastModifiedTime", "IsAssociated", "FileAs", "FileAsMapping", "DisplayName",
    "GivenName", "Initials", "MiddleName", "Nickname", "CompleteName", "CompanyName", "EmailAddresses",
    "PhysicalAddresses", "PhoneNumbers", "Birthday", "ContactSource", "Department", "JobTitle",
    "OfficeLocation", "PostalAddressIndex", "Surname", "HasPicture", "Alias", "Notes", "Photo",
]
ATTACHMENT_ORDER = ["AttachmentId", "Name", "ContentType", "Size", "LastModifiedTime", "IsInline",
                    "IsContactPhoto"]


def users():
    return [UserSpec("owner"), UserSpec("other"), UserSpec("mut")]


add_contacts = tenant_contacts(CONTACTS, PHOTOS)


@pytest.fixture(scope="module")
def env():
    e = make_env(users(), extra=add_contacts)
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def anon_env():
    """The same tenant behind `serve --anonymous` (demo mode: reads need no login)."""
    e = make_env(users(), server_args=["--anonymous"], extra=add_contacts)
    yield e
    destroy_env(e)


# ---- request helpers --------------------------------------------------------------------

def children(el):
    return [tag(c) for c in el]


def shape_xml(shape, fields=(), indexed=(), extended=0):
    props = "".join(f'<t:FieldURI FieldURI="{f}"/>' for f in fields)
    props += "".join(f'<t:IndexedFieldURI FieldURI="{f}" FieldIndex="{i}"/>' for f, i in indexed)
    props += '<t:ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/>' * extended
    add = f"<t:AdditionalProperties>{props}</t:AdditionalProperties>" if props else ""
    return f"<t:BaseShape>{shape}</t:BaseShape>{add}"


def item_id_xml(i):
    if isinstance(i, str):
        return i if i.startswith("<") else f'<t:ItemId Id="{i}"/>'
    return f'<t:ItemId Id="{i[0]}" ChangeKey="{i[1]}"/>'


def get_item(client, ids, shape="IdOnly", fields=(), indexed=(), extended=0):
    body = (f"<m:GetItem><m:ItemShape>{shape_xml(shape, fields, indexed, extended)}</m:ItemShape>"
            f"<m:ItemIds>{''.join(item_id_xml(i) for i in ids)}</m:ItemIds></m:GetItem>")
    return client.soap(body, action="GetItem")


def get_attachment(client, ids, shape=""):
    body = (f"<m:GetAttachment>{shape}<m:AttachmentIds>"
            + "".join(f'<t:AttachmentId Id="{i}"/>' for i in ids)
            + "</m:AttachmentIds></m:GetAttachment>")
    return client.soap(body, action="GetAttachment")


def distinguished(name, mailbox=None):
    mb = f"<t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox>" if mailbox else ""
    return f'<t:DistinguishedFolderId Id="{name}">{mb}</t:DistinguishedFolderId>'


def folder_id(fid, ck=None):
    return f'<t:FolderId Id="{fid}"' + (f' ChangeKey="{ck}"' if ck else "") + "/>"


def get_folder(client, refs, shape="AllProperties", fields=()):
    body = (f"<m:GetFolder><m:FolderShape>{shape_xml(shape, fields)}</m:FolderShape>"
            f"<m:FolderIds>{''.join(refs)}</m:FolderIds></m:GetFolder>")
    return client.soap(body, action="GetFolder")


def code(m):
    return m.findtext("m:ResponseCode", namespaces=NS)


def assert_error(m, want, container=None, text=None):
    assert m.get("ResponseClass") == "Error", m.attrib
    assert code(m) == want, f"{code(m)} != {want}: {m.findtext('m:MessageText', namespaces=NS)}"
    assert m.findtext("m:MessageText", namespaces=NS), "an Error message carries MessageText"
    assert m.findtext("m:DescriptiveLinkKey", namespaces=NS) == "0"
    if text is not None:
        assert m.findtext("m:MessageText", namespaces=NS) == text
    if container:   # spec §1.4: m:Items / m:Attachments present and empty
        c = m.find(f"m:{container}", NS)
        assert c is not None, f"error message without m:{container}"
        assert len(c) == 0


def success(m):
    assert m.get("ResponseClass") == "Success", (m.attrib, code(m), m.findtext("m:MessageText", namespaces=NS))
    assert code(m) == "NoError"
    assert m.find("m:MessageText", NS) is None
    return m


def the_contact(m):
    items = success(m).find("m:Items", NS)
    assert items is not None and len(items) == 1
    assert tag(items[0]) == "Contact"
    return items[0]


def the_folder(m):
    fl = success(m).find("m:Folders", NS)
    assert fl is not None and len(fl) == 1
    return fl[0]


def resolve_contact(client, email):
    """(ItemId, ChangeKey) of the caller's contact with address @p email (ResolveNames)."""
    body = (f'<m:ResolveNames ReturnFullContactData="false" SearchScope="Contacts">'
            f"<m:UnresolvedEntry>{email}</m:UnresolvedEntry></m:ResolveNames>")
    m = messages(client.soap(body, action="ResolveNames"), "ResolveNames", 1)[0]
    success(m)
    ids = m.findall("m:ResolutionSet/t:Resolution/t:Mailbox/t:ItemId", NS)
    assert len(ids) == 1, f"{email}: {len(ids)} contacts"
    return ids[0].get("Id"), ids[0].get("ChangeKey")


def decode_id(text):
    """(kind, mailbox, local) of an ewsemu EwsId (the format of src/ews/ids.c)."""
    b = base64.b64decode(text)
    assert b[:3] == b"EM\x01", b[:3]
    kind = chr(b[3])
    ml = struct.unpack(">H", b[4:6])[0]
    mailbox = b[6:6 + ml].decode()
    ll = b[6 + ml]
    return kind, mailbox, b[7 + ml:7 + ml + ll].decode()


def encode_id(kind, mailbox, local):
    """An ewsemu EwsId (the inverse of decode_id)."""
    m, lo = mailbox.lower().encode(), local.encode()
    return base64.b64encode(b"EM\x01" + kind.encode() + struct.pack(">H", len(m)) + m
                            + bytes([len(lo)]) + lo).decode()


def attachment_of(client, item):
    """(AttachmentId, Size) of the picture GetItem lists for @p item."""
    c = the_contact(messages(get_item(client, [item], fields=["item:Attachments"]), "GetItem", 1)[0])
    atts = c.findall("t:Attachments/t:FileAttachment", NS)
    assert len(atts) == 1
    return atts[0].find("t:AttachmentId", NS).get("Id"), int(atts[0].findtext("t:Size", namespaces=NS))


@pytest.fixture(scope="module")
def owner(env):
    return env.client("owner")


@pytest.fixture(scope="module")
def ids(env, owner):
    """Item ids of owner's contacts and other's, by contact address."""
    out = {e: resolve_contact(owner, e) for e in ("bob@builder.test", "carl@plain.test", "dora@wide.test")}
    out["eve@else.test"] = resolve_contact(env.client("other"), "eve@else.test")
    return out


# ---- GetFolder -------------------------------------------------------------------------------

def folders_of(client, shape="AllProperties"):
    msgs = messages(get_folder(client, [distinguished(n) for n in ("root", "msgfolderroot", "contacts")], shape),
                    "GetFolder", 3)
    return [the_folder(m) for m in msgs]


def test_get_folder_the_three_folders(env, owner):
    root, top, con = folders_of(owner)
    assert (tag(root), tag(top), tag(con)) == ("Folder", "Folder", "ContactsFolder")
    rid, tid, cid = (f.find("t:FolderId", NS).get("Id") for f in (root, top, con))
    assert len({rid, tid, cid}) == 3
    for f in (root, top, con):
        assert f.find("t:FolderId", NS).get("ChangeKey")
    # the tree: root (no parent) <- msgfolderroot <- contacts
    assert root.find("t:ParentFolderId", NS) is None
    assert top.find("t:ParentFolderId", NS).get("Id") == rid
    assert con.find("t:ParentFolderId", NS).get("Id") == tid
    assert root.find("t:FolderClass", NS) is None
    assert top.find("t:FolderClass", NS) is None     # mailbox-ops §1.2: none
    assert con.findtext("t:FolderClass", namespaces=NS) == "IPF.Contact"
    assert (root.findtext("t:DisplayName", namespaces=NS) or "") == ""
    assert top.findtext("t:DisplayName", namespaces=NS) == "Top of Information Store"
    assert con.findtext("t:DisplayName", namespaces=NS) == "Contacts"
    assert con.findtext("t:TotalCount", namespaces=NS) == "3"
    # mailbox-ops §1.2: root holds msgfolderroot, Finder, Recoverable Items and the system folders;
    # msgfolderroot the IPM folders; contacts its hidden system subfolders
    assert [f.findtext("t:ChildFolderCount", namespaces=NS) for f in (root, top, con)] == ["20", "15", "7"]
    assert con.find("t:UnreadCount", NS) is None    # not part of t:ContactsFolder
    assert top.findtext("t:UnreadCount", namespaces=NS) == "0"
    assert con.find("t:EffectiveRights/t:Read", NS).text == "true"
    # the ids name the owner's mailbox
    assert decode_id(cid) == ("F", env.u("owner").email, "contacts")
    # another user's folders are theirs
    assert folders_of(env.client("other"))[2].findtext("t:TotalCount", namespaces=NS) == "1"


def test_get_folder_shapes(owner):
    idonly = folders_of(owner, "IdOnly")
    for f in idonly:
        assert children(f) == ["FolderId"]
    root, top, con = folders_of(owner, "Default")
    assert children(con) == ["FolderId", "DisplayName", "TotalCount", "ChildFolderCount"]
    assert children(top) == ["FolderId", "DisplayName", "TotalCount", "ChildFolderCount", "UnreadCount"]
    m = messages(get_folder(owner, [distinguished("contacts")], "IdOnly",
                            ["folder:FolderClass", "folder:ParentFolderId", "folder:PermissionSet",
                             "folder:Nonsense", "item:Subject"]), "GetFolder", 1)[0]
    assert children(the_folder(m)) == ["FolderId", "ParentFolderId", "FolderClass"]


def test_get_folder_by_folder_id(owner):
    root, top, con = folders_of(owner)
    refs = [folder_id(f.find("t:FolderId", NS).get("Id"), f.find("t:FolderId", NS).get("ChangeKey"))
            for f in (con, root, top)]
    again = [the_folder(m) for m in messages(get_folder(owner, refs), "GetFolder", 3)]
    assert [ET.tostring(f) for f in again] == [ET.tostring(f) for f in (con, root, top)]


def test_get_folder_errors_in_request_order(env, owner):
    other = env.client("other")
    other_contacts = folders_of(other)[2].find("t:FolderId", NS).get("Id")
    an_item = resolve_contact(owner, "bob@builder.test")[0]
    refs = [
        distinguished("archiveinbox"),                             # no archive mailbox
        distinguished("contacts"),                                 # fine
        distinguished("contacts", env.u("other").email),          # another user's mailbox
        distinguished("contacts", f"owner.alt@{DOMAIN}"),         # the caller, by a proxy
        distinguished("contacts", f"nobody@{DOMAIN}"),
        folder_id("not-an-id"),
        folder_id(""),
        folder_id(other_contacts),                                 # another user's folder
        folder_id(an_item),                                        # an item id
        distinguished("voicemail"),                                # no UM
    ]
    msgs = messages(get_folder(owner, refs), "GetFolder", len(refs))
    want = ["ErrorFolderNotFound", "NoError", "ErrorAccessDenied", "NoError", "ErrorNonExistentMailbox",
            "ErrorInvalidIdMalformed", "ErrorInvalidIdEmpty", "ErrorAccessDenied", "ErrorInvalidIdMalformed",
            "ErrorFolderNotFound"]
    assert [code(m) for m in msgs] == want
    for m, w in zip(msgs, want):
        if w == "NoError":
            assert tag(the_folder(m)) == "ContactsFolder"
        else:
            assert_error(m, w, container="Folders")    # mailbox-ops §0.3: an empty m:Folders
    assert the_folder(msgs[1]).find("t:FolderId", NS).get("Id") == the_folder(msgs[3]).find("t:FolderId", NS).get("Id")


def test_folder_and_item_ids_survive_a_restart(env, owner, ids):
    before = [f.find("t:FolderId", NS).get("Id") for f in folders_of(owner)]
    bob = ids["bob@builder.test"]
    att_before = attachment_of(owner, bob)
    env.server.stop()
    env.server.http = env.server.https = None    # new ports are announced
    env.server.log_checked = 0                   # a new process, a new log
    env.server.start()
    owner.close()
    after = [f.find("t:FolderId", NS).get("Id") for f in folders_of(owner)]
    assert after == before
    assert resolve_contact(owner, "bob@builder.test") == bob
    assert attachment_of(owner, bob) == att_before


# ---- GetItem ---------------------------------------------------------------------------------

def test_get_item_id_only(owner, ids):
    bob = ids["bob@builder.test"]
    c = the_contact(messages(get_item(owner, [bob], "IdOnly"), "GetItem", 1)[0])
    assert children(c) == ["ItemId"]
    assert (c.find("t:ItemId", NS).get("Id"), c.find("t:ItemId", NS).get("ChangeKey")) == bob


def test_get_item_default(owner, ids):
    c = the_contact(messages(get_item(owner, [ids["bob@builder.test"]], "Default"), "GetItem", 1)[0])
    assert children(c) == ["ItemId", "HasAttachments", "FileAs", "CompleteName", "CompanyName", "EmailAddresses"]
    assert c.findtext("t:HasAttachments", namespaces=NS) == "true"
    assert c.findtext("t:FileAs", namespaces=NS) == "Builder, Bob"
    assert c.findtext("t:CompleteName/t:FullName", namespaces=NS) == "Bob Builder"
    assert c.findtext("t:CompleteName/t:FirstName", namespaces=NS) == "Bob"
    assert c.findtext("t:CompleteName/t:LastName", namespaces=NS) == "Builder"
    entries = c.findall("t:EmailAddresses/t:Entry", NS)
    assert [(e.get("Key"), e.text) for e in entries] == [("EmailAddress1", "bob@builder.test")]
    # a contact with only a name and an address: nothing without a value
    c = the_contact(messages(get_item(owner, [ids["carl@plain.test"]], "Default"), "GetItem", 1)[0])
    assert children(c) == ["ItemId", "HasAttachments", "FileAs", "CompleteName", "EmailAddresses"]
    assert c.findtext("t:HasAttachments", namespaces=NS) == "false"
    assert c.findtext("t:FileAs", namespaces=NS) == "Carl Plain"


def test_get_item_all_properties(env, owner, ids):
    bob = ids["bob@builder.test"]
    c = the_contact(messages(get_item(owner, [bob], "AllProperties"), "GetItem", 1)[0])
    kids = children(c)
    assert kids == [k for k in CONTACT_ORDER if k in kids], f"not in schema order: {kids}"
    for k in ("ItemId", "ParentFolderId", "ItemClass", "Subject", "Attachments", "DateTimeCreated",
              "LastModifiedTime", "HasAttachments", "FileAs", "DisplayName", "GivenName", "CompleteName",
              "CompanyName", "EmailAddresses", "ContactSource", "Surname", "HasPicture"):
        assert k in kids, f"AllProperties lacks {k}: {kids}"
    for k in ("Photo", "Birthday", "Initials", "Alias", "Notes", "PhoneNumbers", "PhysicalAddresses"):
        assert k not in kids, f"{k} has no value for this contact: {kids}"
    assert c.findtext("t:ItemClass", namespaces=NS) == "IPM.Contact"
    assert c.findtext("t:Subject", namespaces=NS) == "Bob Builder"
    assert c.findtext("t:ContactSource", namespaces=NS) == "Store"
    assert c.findtext("t:HasPicture", namespaces=NS) == "true"
    assert c.findtext("t:HasAttachments", namespaces=NS) == "true"
    con = folders_of(owner)[2].find("t:FolderId", NS).get("Id")
    assert c.find("t:ParentFolderId", NS).get("Id") == con
    # the picture, metadata only (spec §5.5)
    atts = c.findall("t:Attachments/t:FileAttachment", NS)
    assert len(atts) == 1
    a = atts[0]
    assert children(a) == ATTACHMENT_ORDER
    assert a.findtext("t:Name", namespaces=NS) == "ContactPicture.jpg"
    assert a.findtext("t:ContentType", namespaces=NS) == "image/jpeg"
    assert int(a.findtext("t:Size", namespaces=NS)) == len(PHOTO_BOB)
    assert a.findtext("t:IsInline", namespaces=NS) == "false"
    assert a.findtext("t:IsContactPhoto", namespaces=NS) == "true"
    assert a.find("t:Content", NS) is None
    kind, mailbox, _ = decode_id(a.find("t:AttachmentId", NS).get("Id"))
    assert (kind, mailbox) == ("A", env.u("owner").email)

    # no picture: HasPicture false and no Attachments
    c = the_contact(messages(get_item(owner, [ids["carl@plain.test"]], "AllProperties"), "GetItem", 1)[0])
    assert c.findtext("t:HasPicture", namespaces=NS) == "false"
    assert c.findtext("t:HasAttachments", namespaces=NS) == "false"
    assert c.find("t:Attachments", NS) is None
    assert c.find("t:GivenName", NS) is None


def many_field_uris():
    """~200 FieldURIs as a client asking for 'everything' sends them: every item: and
    contacts: value of the 15.2 schema, some message: ones, and a few that exist nowhere."""
    types = REPO.parent / "shared" / "schemas" / "exchange-15.2" / "types.xsd"
    xs = "{http://www.w3.org/2001/XMLSchema}"
    root = ET.parse(types).getroot()
    values = []
    for st in root.iter(f"{xs}simpleType"):
        if st.get("name") == "UnindexedFieldURIType":
            values = [e.get("value") for e in st.iter(f"{xs}enumeration")]
    assert len(values) > 400
    pick = [v for v in values if v.startswith(("item:", "contacts:"))]
    pick += [v for v in values if v.startswith(("message:", "calendar:"))][:40]
    pick += ["item:NoSuchThing", "contacts:Nonsense", "bogus", "folder:DisplayName", "calendar:Start"]
    return pick


def test_get_item_many_additional_properties(owner, ids):
    fields = many_field_uris()
    assert len(fields) >= 190
    indexed = [("contacts:EmailAddress", "EmailAddress1"), ("contacts:EmailAddress", "EmailAddress2"),
               ("contacts:PhoneNumber", "BusinessPhone"), ("contacts:PhysicalAddress:City", "Business"),
               ("contacts:ImAddress", "ImAddress1"), ("item:InternetMessageHeader", "Subject")]
    msgs = messages(get_item(owner, [ids["bob@builder.test"], ids["carl@plain.test"]], "IdOnly", fields,
                             indexed, extended=2), "GetItem", 2)
    c = the_contact(msgs[0])
    kids = children(c)
    assert kids == [k for k in CONTACT_ORDER if k in kids]
    # what IdOnly + every property gives: AllProperties plus Birthday (if any), same values, plus
    # item:MimeContent's vCard (never part of AllProperties, spec §10)
    full = the_contact(messages(get_item(owner, [ids["bob@builder.test"]], "AllProperties"), "GetItem", 1)[0])
    assert kids == ["MimeContent"] + children(full)
    assert c.findtext("t:HasPicture", namespaces=NS) == "true"
    assert the_contact(msgs[1]).findtext("t:HasPicture", namespaces=NS) == "false"
    # only unknown properties: IdOnly
    c = the_contact(messages(get_item(owner, [ids["bob@builder.test"]], "IdOnly",
                                      ["message:From", "calendar:Start", "item:Bogus"], extended=1),
                             "GetItem", 1)[0])
    assert children(c) == ["ItemId"]


def test_get_item_additional_property_on_default(owner, ids):
    c = the_contact(messages(get_item(owner, [ids["dora@wide.test"]], "Default",
                                      ["contacts:HasPicture", "item:Subject"]), "GetItem", 1)[0])
    assert children(c) == ["ItemId", "Subject", "HasAttachments", "FileAs", "CompleteName", "EmailAddresses",
                           "HasPicture"]


def test_get_item_batch_in_request_order(env, owner, ids):
    con = folders_of(owner)[2].find("t:FolderId", NS).get("Id")
    bob, carl = ids["bob@builder.test"], ids["carl@plain.test"]
    unknown = encode_id("I", env.u("owner").email, "0000")
    batch = [
        (bob, "NoError"),
        ("not-an-id", "ErrorInvalidIdMalformed"),
        ('<t:ItemId Id=""/>', "ErrorInvalidIdEmpty"),
        (carl, "NoError"),
        (unknown, "ErrorItemNotFound"),
        (con, "ErrorCannotUseFolderIdForItemId"),
        (ids["eve@else.test"], "ErrorAccessDenied"),
        ("AAMkAGI2TG93AAA=", "ErrorInvalidIdMalformed"),
        ((bob[0], "bm90IGEgY2hhbmdla2V5"), "ErrorInvalidChangeKey"),
        (bob, "NoError"),
    ]
    msgs = messages(get_item(owner, [i for i, _ in batch], "Default"), "GetItem", len(batch))
    assert [code(m) for m in msgs] == [w for _, w in batch]
    for m, (i, w) in zip(msgs, batch):
        if w == "NoError":
            assert the_contact(m).find("t:ItemId", NS).get("Id") == i[0]
        else:
            assert_error(m, w, container="Items")
    assert msgs[1].findtext("m:MessageText", namespaces=NS) == "Id is malformed."
    assert msgs[4].findtext("m:MessageText", namespaces=NS) == "The specified object was not found in the store."


def test_get_item_other_users_item_denied(env, ids):
    # the owner of the item reads it; nobody else does, not even an administrator's peer
    eve = ids["eve@else.test"]
    success(messages(get_item(env.client("other"), [eve], "Default"), "GetItem", 1)[0])
    for alias in ("owner", "mut"):
        m = messages(get_item(env.client(alias), [eve], "AllProperties"), "GetItem", 1)[0]
        assert_error(m, "ErrorAccessDenied", container="Items")


def test_get_item_stale_change_key_is_fine(owner, ids):
    bob = ids["bob@builder.test"]
    stale = base64.b64encode(b"CK\x01I\x00\x00\x00\x63").decode()
    c = the_contact(messages(get_item(owner, [(bob[0], stale)]), "GetItem", 1)[0])
    assert c.find("t:ItemId", NS).get("ChangeKey") == bob[1]


def test_anonymous_mode_reads_any_mailbox(anon_env):
    c = anon_env.server.client(auth=None)
    # no login: ResolveNames has no mailbox to search, so take the ids from an owner's login
    eve = resolve_contact(anon_env.client("other"), "eve@else.test")
    m = messages(get_item(c, [eve], "AllProperties"), "GetItem", 1)[0]
    att = the_contact(m).find("t:Attachments/t:FileAttachment/t:AttachmentId", NS).get("Id")
    got = messages(get_attachment(c, [att]), "GetAttachment", 1)[0]
    data = success(got).findtext("m:Attachments/t:FileAttachment/t:Content", namespaces=NS)
    assert base64.b64decode(data) == PHOTO_EVE
    refs = [distinguished("contacts", anon_env.u("other").email), distinguished("contacts")]
    msgs = messages(get_folder(c, refs), "GetFolder", 2)
    assert the_folder(msgs[0]).findtext("t:TotalCount", namespaces=NS) == "1"
    assert_error(msgs[1], "ErrorFolderNotFound")    # no login: no mailbox of one's own


# ---- GetAttachment ---------------------------------------------------------------------------

def test_get_attachment_content_is_the_stored_picture(owner, ids):
    bob_att, bob_size = attachment_of(owner, ids["bob@builder.test"])
    dora_att, dora_size = attachment_of(owner, ids["dora@wide.test"])
    msgs = messages(get_attachment(owner, [dora_att, bob_att], "<m:AttachmentShape/>"), "GetAttachment", 2)
    for m, att, size, photo in ((msgs[0], dora_att, dora_size, PHOTO_DORA), (msgs[1], bob_att, bob_size, PHOTO_BOB)):
        a = success(m).findall("m:Attachments/t:FileAttachment", NS)
        assert len(a) == 1
        a = a[0]
        assert children(a) == ATTACHMENT_ORDER + ["Content"]
        assert a.find("t:AttachmentId", NS).get("Id") == att
        assert a.findtext("t:Name", namespaces=NS) == "ContactPicture.jpg"
        assert a.findtext("t:ContentType", namespaces=NS) == "image/jpeg"
        assert a.findtext("t:IsContactPhoto", namespaces=NS) == "true"
        assert a.findtext("t:IsInline", namespaces=NS) == "false"
        data = base64.b64decode(a.findtext("t:Content", namespaces=NS), validate=True)
        assert data == photo
        assert len(data) == size == int(a.findtext("t:Size", namespaces=NS))


def test_get_attachment_errors_in_request_order(env, owner, ids):
    bob_att, _ = attachment_of(owner, ids["bob@builder.test"])
    eve_att, _ = attachment_of(env.client("other"), ids["eve@else.test"])
    _, mailbox, local = decode_id(bob_att)
    contact = local.split(".")[0]

    def att_id(local_part):
        return encode_id("A", mailbox, local_part)

    batch = [
        ("garbage", "ErrorInvalidIdMalformed"),
        (bob_att, "NoError"),
        ("", "ErrorInvalidIdEmpty"),
        (eve_att, "ErrorAccessDenied"),
        (att_id(contact + ".0000000000000000"), "ErrorInvalidAttachmentId"),   # not this picture
        (att_id("0000.0000000000000000"), "ErrorItemNotFound"),                 # no such contact
        (ids["bob@builder.test"][0], "ErrorInvalidIdMalformed"),               # an item id
        (att_id(contact), "ErrorInvalidIdMalformed"),
    ]
    msgs = messages(get_attachment(owner, [i for i, _ in batch]), "GetAttachment", len(batch))
    assert [code(m) for m in msgs] == [w for _, w in batch]
    for m, (_, w) in zip(msgs, batch):
        if w != "NoError":
            assert_error(m, w, container="Attachments")
    assert msgs[4].findtext("m:MessageText", namespaces=NS) == "The attachment could not be found."


def test_changed_picture_gets_a_new_attachment_id(env, tmp_path):
    """`ewsemu set-contact-photo` replaces the picture: the contact keeps its id and
    gets a new ChangeKey, the picture a new AttachmentId; the old one is gone."""
    mut = env.client("mut")
    frank = resolve_contact(mut, "frank@changes.test")
    old_att, old_size = attachment_of(mut, frank)
    assert old_size == len(PHOTO_FRANK)
    pic = tmp_path / "frank2.jpg"
    pic.write_bytes(PHOTO_FRANK2)
    _, owner_addr, contact = decode_id(frank[0])
    env.cli("set-contact-photo", "--user", owner_addr, contact, pic, check=True)
    new_item = resolve_contact(mut, "frank@changes.test")
    assert new_item[0] == frank[0], "the same contact"
    assert new_item[1] != frank[1], "a changed contact has a new ChangeKey"
    new_att, new_size = attachment_of(mut, new_item)
    assert new_att != old_att
    assert new_size == len(PHOTO_FRANK2)
    msgs = messages(get_attachment(mut, [old_att, new_att]), "GetAttachment", 2)
    assert_error(msgs[0], "ErrorInvalidAttachmentId", container="Attachments",
                 text="The attachment could not be found.")
    data = success(msgs[1]).findtext("m:Attachments/t:FileAttachment/t:Content", namespaces=NS)
    assert base64.b64decode(data) == PHOTO_FRANK2
    # a GetItem with the old ChangeKey still answers, with the current one
    c = the_contact(messages(get_item(mut, [frank], "IdOnly"), "GetItem", 1)[0])
    assert c.find("t:ItemId", NS).get("ChangeKey") == new_item[1]


def add_contact(env, alias, *args):
    """Add a contact with `ewsemu add-contact`; its (ItemId, contact id)."""
    p = env.cli("add-contact", "--user", env.u(alias).email, *args, check=True)
    contact = p.stdout.split()[-1]
    return encode_id("I", env.u(alias).email, contact), contact


def test_every_contact_field(env, tmp_path):
    pic = tmp_path / "full.jpg"
    pic.write_bytes(PHOTO_DORA)
    item, _ = add_contact(
        env, "mut", "--display-name", "Zoë <Full> & Co", "--given-name", "Zoë", "--middle-name", "Q",
        "--surname", "Full", "--nickname", "Zo", "--file-as", "Full, Zoë", "--email", "zoe@full.test",
        "--email3", "zoe3@full.test", "--company", "Full & Sons", "--job-title", "Chief", "--department", "Ops",
        "--office", "HQ 1", "--phone", "+1 555 0001", "--mobile", "+1 555 0002", "--home-phone", "+1 555 0003",
        "--street", "1 Main St", "--city", "Springfield", "--state", "ST", "--postal-code", "12345",
        "--country", "Freedonia", "--birthday", "1984-02-29", "--notes", "Line one\nline <two>", "--photo", pic)
    mut = env.client("mut")
    c = the_contact(messages(get_item(mut, [item], "AllProperties", ["contacts:Birthday"]), "GetItem", 1)[0])
    kids = children(c)
    assert kids == [k for k in CONTACT_ORDER if k in kids]
    t = lambda path: c.findtext(path, namespaces=NS)  # noqa: E731
    assert t("t:Subject") == "Zoë <Full> & Co"
    assert t("t:DisplayName") == "Zoë <Full> & Co"
    assert t("t:Body") == "Line one\nline <two>" and c.find("t:Body", NS).get("BodyType") == "Text"
    assert (t("t:FileAs"), t("t:GivenName"), t("t:MiddleName"), t("t:Nickname"), t("t:Surname")) == \
        ("Full, Zoë", "Zoë", "Q", "Zo", "Full")
    assert (t("t:CompleteName/t:FirstName"), t("t:CompleteName/t:MiddleName"), t("t:CompleteName/t:LastName"),
            t("t:CompleteName/t:Nickname")) == ("Zoë", "Q", "Full", "Zo")
    assert (t("t:CompanyName"), t("t:JobTitle"), t("t:Department"), t("t:OfficeLocation")) == \
        ("Full & Sons", "Chief", "Ops", "HQ 1")
    assert [(e.get("Key"), e.text) for e in c.findall("t:EmailAddresses/t:Entry", NS)] == \
        [("EmailAddress1", "zoe@full.test"), ("EmailAddress3", "zoe3@full.test")]
    assert [(e.get("Key"), e.text) for e in c.findall("t:PhoneNumbers/t:Entry", NS)] == \
        [("BusinessPhone", "+1 555 0001"), ("MobilePhone", "+1 555 0002"), ("HomePhone", "+1 555 0003")]
    addr = c.findall("t:PhysicalAddresses/t:Entry", NS)
    assert len(addr) == 1 and addr[0].get("Key") == "Business"
    assert children(addr[0]) == ["Street", "City", "State", "CountryOrRegion", "PostalCode"]
    assert [x.text for x in addr[0]] == ["1 Main St", "Springfield", "ST", "Freedonia", "12345"]
    assert t("t:PostalAddressIndex") == "Business"
    assert t("t:Birthday").startswith("1984-02-29T")
    assert t("t:HasPicture") == "true"
    assert t("t:Attachments/t:FileAttachment/t:Size") == str(len(PHOTO_DORA))
    # Birthday only on request: not in AllProperties (spec §5.3)
    c = the_contact(messages(get_item(mut, [item], "AllProperties"), "GetItem", 1)[0])
    assert c.find("t:Birthday", NS) is None


def test_removed_picture_and_removed_contact(env, tmp_path):
    pic = tmp_path / "gone.jpg"
    pic.write_bytes(PHOTO_EVE)
    item, contact = add_contact(env, "mut", "--display-name", "Gone Soon", "--photo", pic)
    mut = env.client("mut")
    att, _ = attachment_of(mut, item)
    success(messages(get_attachment(mut, [att]), "GetAttachment", 1)[0])

    env.cli("set-contact-photo", "--user", env.u("mut").email, contact, "--remove", check=True)
    c = the_contact(messages(get_item(mut, [item], "AllProperties"), "GetItem", 1)[0])
    assert c.findtext("t:HasPicture", namespaces=NS) == "false"
    assert c.findtext("t:HasAttachments", namespaces=NS) == "false"
    assert c.find("t:Attachments", NS) is None
    assert_error(messages(get_attachment(mut, [att]), "GetAttachment", 1)[0], "ErrorInvalidAttachmentId",
                 container="Attachments")

    env.cli("remove-contact", "--user", env.u("mut").email, contact, check=True)
    assert_error(messages(get_item(mut, [item]), "GetItem", 1)[0], "ErrorItemNotFound", container="Items")
    assert_error(messages(get_attachment(mut, [att]), "GetAttachment", 1)[0], "ErrorItemNotFound",
                 container="Attachments")


# ---- request-level faults --------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "<m:GetItem><m:ItemIds><t:ItemId Id=\"x\"/></m:ItemIds></m:GetItem>",
    "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape></m:GetItem>",
    "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds/></m:GetItem>",
    "<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id=\"root\"/></m:FolderIds></m:GetFolder>",
    "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds/></m:GetFolder>",
    "<m:GetAttachment><m:AttachmentShape/></m:GetAttachment>",
    "<m:GetAttachment><m:AttachmentIds/></m:GetAttachment>",
], ids=["item-no-shape", "item-no-ids", "item-empty-ids", "folder-no-shape", "folder-empty-ids",
        "attachment-no-ids", "attachment-empty-ids"])
def test_request_level_schema_faults(owner, body):
    resp = owner.soap(body)
    assert_fault(resp, "ErrorSchemaValidation")
    resp.assert_server_version()


def test_too_many_ids_is_a_fault(owner):
    ids = "".join('<t:AttachmentId Id="x"/>' for _ in range(101))
    assert_fault(owner.soap(f"<m:GetAttachment><m:AttachmentIds>{ids}</m:AttachmentIds></m:GetAttachment>"),
                 "ErrorSchemaValidation")
    assert_fault(get_item(owner, [f'<t:ItemId Id="x{i}"/>' for i in range(1001)]), "ErrorSchemaValidation")
    # at the limit: one message per id
    assert len(messages(get_item(owner, ["x"] * 1000), "GetItem", 1000)) == 1000
