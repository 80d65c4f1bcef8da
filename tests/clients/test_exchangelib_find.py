"""Listing contacts through exchangelib's QuerySet API (mailbox-ops spec §3, §11.1): what
`account.contacts.all()`, `.filter(display_name__startswith=...)`, `.order_by(...)[a:b]`
and `.count()` send (FindItem Shallow, IndexedPageItemView MaxEntriesReturned/Offset,
Restriction Contains Prefixed, SortOrder) and what a user of the library sees.

Contacts are added with `ewsemu add-contact` to one demo user that the other client tests
leave alone; their display names carry a per-run tag so the filters see only them, while
`.all()` and `.count()` are checked against `ewsemu contacts` (everything in the folder).
"""
import uuid

import pytest
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials, Version
from exchangelib.errors import ErrorFolderNotFound, ErrorInvalidOperation
from exchangelib.items import Contact
from exchangelib.protocol import close_connections
from exchangelib.version import Build

from conftest import run_cli

EXCHANGE_2019 = Build(15, 2, 2562, 17)
N = 7


class Listed:
    def __init__(self, server):
        plain = [u for u in server.users if not u.startswith("admin") and u != server.photo_user]
        self.user = plain[-1]
        self.tag = "Qf" + uuid.uuid4().hex[:6]
        self.names = [f"{self.tag} {chr(ord('G') - i)}name" for i in range(N)]   # added out of order
        for i, name in enumerate(self.names):
            run_cli("add-contact", "--store", server.store, "--user", self.user, "--display-name", name,
                    "--email", f"{self.tag.lower()}.{i}@find.test")

    def count(self, server):
        out = run_cli("contacts", "--store", server.store, "--user", self.user).stdout
        return len([line for line in out.splitlines() if line.strip()])


@pytest.fixture(scope="module")
def listed(server):
    return Listed(server)


@pytest.fixture
def account(server, listed):
    close_connections()
    creds = Credentials(listed.user, server.password)
    config = Configuration(service_endpoint=server.ews("http"), credentials=creds, auth_type=BASIC,
                           version=Version(build=EXCHANGE_2019))
    yield Account(listed.user, credentials=creds, autodiscover=False, config=config, access_type=DELEGATE)
    close_connections()


def test_all_contacts(server, listed, account):
    items = list(account.contacts.all())
    assert len(items) == listed.count(server)
    assert all(isinstance(c, Contact) for c in items)
    got = {c.display_name for c in items}
    assert set(listed.names) <= got
    ours = [c for c in items if c.display_name in listed.names]
    assert all(c.email_addresses and c.email_addresses[0].email.endswith("@find.test") for c in ours)


def test_filter_startswith_and_count(server, listed, account):
    qs = account.contacts.filter(display_name__startswith=listed.tag)
    assert sorted(c.display_name for c in qs) == sorted(listed.names)
    assert qs.count() == N
    assert account.contacts.filter(display_name__startswith=listed.tag + " Z").count() == 0
    assert account.contacts.all().count() == listed.count(server)


def test_order_by_and_slices(listed, account):
    qs = account.contacts.filter(display_name__startswith=listed.tag)
    ordered = sorted(listed.names)
    assert [c.display_name for c in qs.order_by("display_name")] == ordered
    assert [c.display_name for c in qs.order_by("-display_name")] == ordered[::-1]
    assert [c.display_name for c in qs.order_by("display_name")[2:5]] == ordered[2:5]
    assert [c.display_name for c in qs.order_by("display_name")[5:50]] == ordered[5:]
    assert [c.display_name for c in qs.order_by("display_name").only("display_name")[:2]] == ordered[:2]


def test_paging_through_many(listed, account):
    # page_size 3 makes exchangelib follow IndexedPagingOffset across three FindItem calls
    qs = account.contacts.filter(display_name__startswith=listed.tag).order_by("display_name")
    qs.page_size = 3
    assert [c.display_name for c in qs] == sorted(listed.names)


def test_empty_folder_count(account):
    assert account.root.tois.all().count() == 0        # FindItem on msgfolderroot: empty RootFolder


def test_inbox_count(account):
    """`account.inbox.all().count()`: exchangelib finds the inbox through GetFolder and
    FindFolder, which the lead's and the folders part of issue 12 bring; until they are
    merged this is skipped, then it runs."""
    try:
        inbox = account.inbox
    except (ErrorFolderNotFound, ErrorInvalidOperation) as e:
        pytest.skip(f"this build cannot find the inbox yet (folder set / FindFolder not merged): {e}")
    assert inbox.all().count() == 0
