"""Folders, contacts and contact pictures through exchangelib's normal Account API
(spec §5, §7): `account.root`, `account.contacts`, `account.fetch(ids=...)` and
`contact.attachments[0].content`, over HTTP and HTTPS.

What exchangelib sends: `account.root` and `account.contacts` are one GetFolder each
(DistinguishedFolderId with the account's Mailbox, BaseShape IdOnly plus every folder
property it knows); `account.fetch()` first resolves `account.root`, then sends GetItem
with BaseShape IdOnly and ~200 AdditionalProperties (every field of every item class);
`attachment.content` streams GetAttachment.  No FindFolder/FindItem is needed for these.
Item ids come from ResolveNames (Protocol.resolve_names with SearchScope Contacts).

Runs against the demo organisation (conftest.py); the contacts it reads are added to
one demo user's mailbox with `ewsemu add-contact`, so their picture bytes are known.
"""
import io
import uuid

import pytest
import urllib3
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials, Version
from exchangelib.attachments import FileAttachment
from exchangelib.errors import ErrorAccessDenied, ErrorInvalidAttachmentId, ErrorInvalidIdMalformed
from exchangelib.folders import Contacts, MsgFolderRoot, Root
from exchangelib.items import Contact
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter, close_connections
from exchangelib.version import Build
from PIL import Image

from conftest import run_cli

EXCHANGE_2019 = Build(15, 2, 2562, 17)


def jpeg(w, h, colour):
    out = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(out, format="JPEG", quality=90)
    return out.getvalue()


PICTURE = jpeg(150, 120, (200, 60, 20))
PICTURE2 = jpeg(90, 90, (20, 60, 200))


class Added:
    """Contacts added to the demo user `owner` for these tests."""

    def __init__(self, server, tmp):
        self.server = server
        self.owner = server.photo_user
        self.other = next(u for u in server.users if u != self.owner and not u.startswith("admin"))
        tag = uuid.uuid4().hex[:8]
        self.with_photo = f"pictured.{tag}@clients.test"
        self.without_photo = f"plain.{tag}@clients.test"
        self.changing = f"changing.{tag}@clients.test"
        self.others = f"others.{tag}@clients.test"
        pic = tmp / "pic.jpg"
        pic.write_bytes(PICTURE)
        self.ids = {
            self.with_photo: self.add(self.owner, "Pia Pictured", self.with_photo, "--photo", pic,
                                      "--given-name", "Pia", "--surname", "Pictured", "--company", "Clients Ltd",
                                      "--phone", "+1 555 0199"),
            self.without_photo: self.add(self.owner, "Paul Plain", self.without_photo),
            self.changing: self.add(self.owner, "Chris Changing", self.changing, "--photo", pic),
            self.others: self.add(self.other, "Olga Others", self.others, "--photo", pic),
        }

    def add(self, user, name, email, *args):
        out = run_cli("add-contact", "--store", self.server.store, "--user", user, "--display-name", name,
                      "--email", email, *args).stdout
        return out.split()[-1]

    def count(self, user):
        out = run_cli("contacts", "--store", self.server.store, "--user", user).stdout
        return len([line for line in out.splitlines() if line.strip()])


@pytest.fixture(scope="module")
def added(server, tmp_path_factory):
    return Added(server, tmp_path_factory.mktemp("contacts"))


@pytest.fixture
def account(server, scheme, monkeypatch):
    """account(user=None) -> an exchangelib Account for @p user (default: the owner)."""
    close_connections()
    if scheme == "https":
        monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", NoVerifyHTTPAdapter)   # self-signed
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def make(user=None):
        user = user or server.photo_user
        creds = Credentials(user, server.password)
        config = Configuration(service_endpoint=server.ews(scheme), credentials=creds, auth_type=BASIC,
                               version=Version(build=EXCHANGE_2019))
        return Account(user, credentials=creds, autodiscover=False, config=config, access_type=DELEGATE)
    yield make
    close_connections()


def item_id(account, email):
    """(id, changekey) of the account's contact with address @p email, via ResolveNames."""
    res = account.protocol.resolve_names([email], search_scope="Contacts")
    assert len(res) == 1, res
    mb = res[0]
    assert mb.mailbox_type == "Contact" and mb.item_id is not None
    return mb.item_id.id, mb.item_id.changekey


def test_root_and_top_of_information_store(account):
    a = account()
    root = a.root
    assert isinstance(root, Root)
    assert root.name == "root"          # Exchange's root has an empty name; exchangelib names it
    assert root.id and root.changekey
    tois = root.tois                    # GetFolder msgfolderroot
    assert isinstance(tois, MsgFolderRoot)
    assert tois.name == "Top of Information Store"
    assert tois.parent_folder_id.id == root.id
    assert tois.child_folder_count == 15     # the IPM folders (mailbox-ops §1.2)
    # stable: a second account object gets the same ids
    b = account()
    assert b.root.id == root.id and b.root.tois.id == tois.id


def test_contacts_folder(account, added):
    a = account()
    c = a.contacts
    assert isinstance(c, Contacts)
    assert c.name == "Contacts"
    assert c.folder_class == "IPF.Contact"
    assert c.total_count == added.count(added.owner)
    assert c.child_folder_count == 7        # the hidden system contacts subfolders
    assert c.parent_folder_id.id == a.root.tois.id
    assert c.effective_rights is not None and c.effective_rights.read
    # the same folder by the other documented path
    assert a.root.get_default_folder(Contacts).id == c.id
    # refresh() is GetFolder by FolderId
    before = c.total_count
    c.refresh()
    assert c.total_count == before and c.name == "Contacts"


def test_fetch_contact_with_picture(account, added):
    a = account()
    ident = item_id(a, added.with_photo)
    items = list(a.fetch(ids=[ident]))
    assert len(items) == 1
    contact = items[0]
    assert isinstance(contact, Contact)
    assert (contact.id, contact.changekey) == ident
    assert contact.display_name == "Pia Pictured"
    assert contact.given_name == "Pia" and contact.surname == "Pictured"
    assert contact.company_name == "Clients Ltd"
    assert [(e.label, e.email) for e in contact.email_addresses] == [("EmailAddress1", added.with_photo)]
    assert [(p.label, p.phone_number) for p in contact.phone_numbers] == [("BusinessPhone", "+1 555 0199")]
    assert contact.has_picture is True
    assert contact.has_attachments is True
    assert contact.item_class == "IPM.Contact"
    assert contact.parent_folder_id.id == a.contacts.id
    assert len(contact.attachments) == 1
    att = contact.attachments[0]
    assert isinstance(att, FileAttachment)
    assert att.name == "ContactPicture.jpg"
    assert att.content_type == "image/jpeg"
    assert att.is_contact_photo is True and att.is_inline is False
    assert att.size == len(PICTURE)
    assert att.content == PICTURE            # GetAttachment (streamed)


def test_mime_content_is_the_contacts_vcard(account, added):
    """Contact.mime_content (spec §10): the vCard 3.0 ewsemu import reads, picture included."""
    import base64
    import re
    a = account()
    contact = list(a.fetch(ids=[item_id(a, added.with_photo)]))[0]
    card = contact.mime_content
    assert isinstance(card, bytes), type(card)
    flat = re.sub(rb"\r\n[ \t]", b"", card).decode("utf-8")
    assert flat.startswith("BEGIN:VCARD\r\n") and flat.endswith("END:VCARD\r\n")
    assert "\r\nVERSION:3.0\r\n" in flat and "\r\nFN:Pia Pictured\r\n" in flat
    assert "\r\nN:Pictured;Pia;;;\r\n" in flat and "\r\nORG:Clients Ltd\r\n" in flat
    assert f"\r\nEMAIL;TYPE=INTERNET:{added.with_photo}\r\n" in flat
    photo = re.search(r"\r\nPHOTO;ENCODING=b;TYPE=JPEG:([A-Za-z0-9+/=]+)\r\n", flat)
    assert photo and base64.b64decode(photo.group(1)) == PICTURE
    plain = list(a.fetch(ids=[item_id(a, added.without_photo)]))[0].mime_content
    assert b"PHOTO" not in plain


def test_convert_id_with_a_placeholder_mailbox(account, added):
    """DavMail's login step through exchangelib (spec §9): the root folder's EwsId with
    Mailbox="blah@blah.com" converts, and the answer names the real mailbox."""
    from exchangelib.properties import AlternateId
    a = account()
    root = a.root.id
    got = list(a.protocol.convert_ids([AlternateId(id=root, format="EwsId", mailbox="blah@blah.com")],
                                      destination_format="EwsId"))
    assert len(got) == 1 and isinstance(got[0], AlternateId), got
    assert got[0].id == root and got[0].mailbox.lower() == added.owner.lower()


def test_fetch_contact_without_picture(account, added):
    a = account()
    contact = list(a.fetch(ids=[item_id(a, added.without_photo)]))[0]
    assert contact.display_name == "Paul Plain"
    assert contact.has_picture is False
    assert contact.has_attachments is False
    assert contact.attachments == []


def test_fetch_only_some_fields(account, added):
    a = account()
    ident = item_id(a, added.with_photo)
    contact = list(a.fetch(ids=[ident], folder=a.contacts, only_fields=["display_name", "has_picture"]))[0]
    assert contact.display_name == "Pia Pictured"
    assert contact.has_picture is True
    assert contact.company_name is None      # not asked for, not sent


def test_fetch_keeps_order_and_reports_bad_ids(account, added):
    a = account()
    good, plain = item_id(a, added.with_photo), item_id(a, added.without_photo)
    res = list(a.fetch(ids=[good, ("bm90LWFuLWlk", None), plain]))
    assert len(res) == 3
    assert isinstance(res[0], Contact) and res[0].id == good[0]
    assert isinstance(res[1], ErrorInvalidIdMalformed)    # returned in place, as exchangelib does
    assert isinstance(res[2], Contact) and res[2].id == plain[0]


def test_other_users_contact_is_denied(account, added):
    theirs = item_id(account(added.other), added.others)
    assert list(account(added.other).fetch(ids=[theirs]))[0].display_name == "Olga Others"
    # exchangelib raises ErrorAccessDenied for the whole call rather than returning it
    with pytest.raises(ErrorAccessDenied):
        list(account().fetch(ids=[theirs]))


def test_demo_contacts_read_back(account, server):
    """Every personal contact of every demo user that has some: listed by the folder's
    TotalCount, fetched by id, pictures as announced."""
    def listing_of(user):
        out = run_cli("contacts", "--store", server.store, "--user", user).stdout
        return [line.split() for line in out.splitlines() if line.strip()]

    # the first demo user (other than the one the tests above add to) with contacts
    user, listing = next(((u, lst) for u in server.users if u != server.photo_user
                          for lst in [listing_of(u)] if lst), (None, None))
    assert user, "the demo organisation has users with contacts"
    a = account(user)
    assert a.contacts.total_count == len(listing)
    pictured = [line for line in listing if "bytes," in line]
    assert pictured and len(pictured) < len(listing), "the demo mixes contacts with and without pictures"
    for words in listing:
        addr = next(w for w in words if "@" in w)
        contact = list(a.fetch(ids=[item_id(a, addr)]))[0]
        if "bytes," in words:
            size = int(words[words.index("bytes,") - 1])
            assert contact.has_picture is True
            data = contact.attachments[0].content
            assert len(data) == size and data[:2] == b"\xff\xd8"
        else:
            assert contact.has_picture is False and contact.attachments == []


def test_replaced_picture(account, added, server, tmp_path):
    a = account()
    contact = list(a.fetch(ids=[item_id(a, added.changing)]))[0]
    old = contact.attachments[0]
    assert old.content == PICTURE
    pic = tmp_path / "new.jpg"
    pic.write_bytes(PICTURE2)
    run_cli("set-contact-photo", "--store", server.store, "--user", added.owner, added.ids[added.changing], pic)
    now = list(a.fetch(ids=[item_id(a, added.changing)]))[0]
    assert now.id == contact.id and now.changekey != contact.changekey
    assert now.attachments[0].attachment_id.id != old.attachment_id.id
    assert now.attachments[0].content == PICTURE2
    # the old attachment id is gone
    stale = FileAttachment(attachment_id=old.attachment_id, name=old.name, parent_item=contact)
    with pytest.raises(ErrorInvalidAttachmentId):
        stale.content
    # put it back for the other scheme's run
    orig = tmp_path / "orig.jpg"
    orig.write_bytes(PICTURE)
    run_cli("set-contact-photo", "--store", server.store, "--user", added.owner, added.ids[added.changing], orig)
