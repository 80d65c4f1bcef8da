"""ResolveNames through exchangelib's own API (Protocol.resolve_names), the way an
application finds a person, then reads their photo (spec §4, §2).

Runs against the demo organisation (see conftest.py): Smiths and Alexes share names,
a generated team of 125 "Ma..." users exceeds the 100-candidate cap, and some users
have personal contacts (one of them a namesake of a directory user).
"""
import warnings

import pytest
import urllib3
from exchangelib import BASIC, Configuration, Credentials, Version
from exchangelib.errors import ErrorNameResolutionNoResults
from exchangelib.items import Contact
from exchangelib.properties import Mailbox
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter, Protocol, close_connections
from exchangelib.version import Build

from ewsphoto import PHOTO_RETURNED, GetUserPhoto, jpeg_dimensions

EXCHANGE_2019 = Build(15, 2, 2562, 17)


@pytest.fixture
def protocol(server, scheme, monkeypatch):
    close_connections()
    if scheme == "https":
        monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", NoVerifyHTTPAdapter)   # self-signed
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def make(user=None):
        return Protocol(config=Configuration(
            service_endpoint=server.ews(scheme),
            credentials=Credentials(user or server.photo_user, server.password),
            auth_type=BASIC, version=Version(build=EXCHANGE_2019)))
    yield make
    close_connections()


def test_unique_name_resolves_to_one_mailbox(protocol, server):
    # the user's own display name comes back as exactly their mailbox
    me = server.photo_user
    res = protocol().resolve_names([me])
    assert len(res) == 1
    mb = res[0]
    assert isinstance(mb, Mailbox)
    assert mb.email_address.lower() == me.lower()
    assert mb.routing_type == "SMTP" and mb.mailbox_type == "Mailbox"


def test_ambiguous_surname_lists_every_smith(protocol):
    res = protocol().resolve_names(["smith"], search_scope="ActiveDirectory")
    addrs = sorted(m.email_address for m in res)
    assert len(addrs) >= 2
    assert all("smith" in a for a in addrs)
    names = [m.name for m in res]
    assert names == sorted(names, key=str.lower)


def test_no_results_is_reported_as_such(protocol):
    res = protocol().resolve_names([r"foo\bar"])
    assert len(res) == 1 and isinstance(res[0], ErrorNameResolutionNoResults)


def test_cap_of_100_with_warning(protocol):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = protocol().resolve_names(["ma"], search_scope="ActiveDirectory")
    assert len(res) == 100
    assert any("at most 100 candidates" in str(x.message) for x in w), [str(x.message) for x in w]


def test_full_contact_data_with_photo(protocol, server):
    # a user whose directory thumbnail is visible: AllProperties carries it as t:Photo
    who = server.thumb_user
    assert who, "the demo organisation has a thumbnail-only user"
    res = protocol().resolve_names([who], return_full_contact_data=True, shape="AllProperties")
    assert len(res) == 1
    mb, contact = res[0]
    assert mb.email_address.lower() == who.lower()
    assert isinstance(contact, Contact)
    assert contact.contact_source == "ActiveDirectory"
    assert contact.photo and jpeg_dimensions(contact.photo) == server.thumb_size
    # the Default shape leaves the photo out
    mb, contact = protocol().resolve_names([who], return_full_contact_data=True, shape="Default")[0]
    assert contact.display_name and not contact.photo


def test_deleted_photo_hides_directory_thumbnail(protocol, server):
    who = server.deleted_user
    assert who
    mb, contact = protocol().resolve_names([who], return_full_contact_data=True, shape="AllProperties")[0]
    assert contact is not None and not contact.photo


def test_resolve_then_read_photo(protocol, server):
    """What an application does: find the person by name, then fetch their picture."""
    proto = protocol()
    display = next(m.name for m in proto.resolve_names([server.photo_user]))
    first = display.split()[0]
    hits = [m for m in proto.resolve_names([display]) if m.mailbox_type == "Mailbox"]
    assert [m.email_address.lower() for m in hits] == [server.photo_user.lower()], first
    out = GetUserPhoto(protocol=proto).get(email=hits[0].email_address, size="HR240x240")
    assert out.status == PHOTO_RETURNED
    assert jpeg_dimensions(out.data) == (240, 240)


def test_personal_contacts_come_with_item_ids(protocol, server):
    """Users with contacts find them (MailboxType Contact, an ItemId) after directory hits."""
    found = None
    for user in server.users:
        res = protocol(user).resolve_names(["fischer", "haddad", "chen", "silva"], search_scope="Contacts")
        hits = [m for m in res if isinstance(m, Mailbox)]
        if hits:
            found = (user, hits)
            break
    assert found, "some demo user has personal contacts"
    user, hits = found
    for m in hits:
        assert m.mailbox_type == "Contact"
        assert m.item_id is not None and m.item_id.id and m.item_id.changekey
