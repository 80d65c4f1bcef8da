"""ewsemu's folder set as exchangelib (Debian's python3-exchangelib) sees it (mailbox-ops
§1, §2, §11.1).

What exchangelib sends: `account.root` is GetFolder root; the first use of the folder tree
(`root.walk()`, `root.get_default_folder`, `account.inbox` once the tree is cached) is one
batched GetFolder of the 32 distinguished folders of WELLKNOWN_FOLDERS_IN_ROOT with the
account's Mailbox (missing ones skipped) followed by FindFolder Deep from root with
IndexedPageFolderView pages of 100, the folder classes coming from the localized display
name first and FolderClass second; `account.<folder>` before that is GetFolder of one
distinguished id, and `Folder.resolve` insists on the class it asked for.

Runs against the demo organisation (conftest.py), with the `account` fixture of
test_exchangelib_items.py.
"""
import pytest
from exchangelib.errors import ErrorFolderNotFound
from exchangelib.folders import (AllContacts, AllItems, Calendar, CommonViews, Companies, Conflicts, Contacts,
                                 ConversationHistory, DeletedItems, Drafts, Favorites, GALContacts,
                                 IMContactList, Inbox, Journal, JunkEmail, LocalFailures, MsgFolderRoot,
                                 MyContacts, Notes, Outbox, PeopleConnect, QuickContacts, RecipientCache,
                                 RecoverableItemsDeletions, RecoverableItemsPurges, RecoverableItemsRoot,
                                 RecoverableItemsVersions, Reminders, SearchFolders, SentItems, ServerFailures,
                                 SyncIssues, Tasks, ToDoSearch)

from test_exchangelib_items import account  # noqa: F401  (the fixture: an Account of the demo owner)

# every distinguished folder a 2019 mailbox has, by exchangelib class (spec §1.2)
WELL_KNOWN = [Calendar, Conflicts, Contacts, ConversationHistory, DeletedItems, Drafts, Favorites, IMContactList,
              Inbox, Journal, JunkEmail, LocalFailures, MsgFolderRoot, MyContacts, Notes, Outbox, PeopleConnect,
              QuickContacts, RecipientCache, RecoverableItemsDeletions, RecoverableItemsPurges,
              RecoverableItemsRoot, RecoverableItemsVersions, SearchFolders, SentItems, ServerFailures,
              SyncIssues, Tasks, ToDoSearch]


def test_well_known_folders_resolve(account):
    """account.inbox, .calendar, .tasks ... each a GetFolder of its distinguished id."""
    a = account()
    expect = {
        "inbox": (Inbox, "Inbox", "IPF.Note"), "calendar": (Calendar, "Calendar", "IPF.Appointment"),
        "tasks": (Tasks, "Tasks", "IPF.Task"), "contacts": (Contacts, "Contacts", "IPF.Contact"),
        "drafts": (Drafts, "Drafts", "IPF.Note"), "sent": (SentItems, "Sent Items", "IPF.Note"),
        "trash": (DeletedItems, "Deleted Items", "IPF.Note"), "junk": (JunkEmail, "Junk Email", "IPF.Note"),
        "outbox": (Outbox, "Outbox", "IPF.Note"), "notes": (Notes, "Notes", "IPF.StickyNote"),
        "journal": (Journal, "Journal", "IPF.Journal"), "todo_search": (ToDoSearch, "To-Do Search", "IPF.Task"),
        "conflicts": (Conflicts, "Conflicts", "IPF.Note"), "sync_issues": (SyncIssues, "Sync Issues", "IPF.Note"),
        "recipient_cache": (RecipientCache, "Recipient Cache", "IPF.Contact.RecipientCache"),
        "recoverable_items_root": (RecoverableItemsRoot, "Recoverable Items", None),
        "search_folders": (SearchFolders, "Finder", None),
        "msg_folder_root": (MsgFolderRoot, "Top of Information Store", None),
    }
    for attr, (cls, name, folder_class) in expect.items():
        f = getattr(a, attr)
        assert isinstance(f, cls), attr
        assert f.name == name and f.folder_class == folder_class, attr
        assert f.id and f.changekey
        if cls is not Contacts:
            assert f.total_count == 0, attr            # only Contacts holds anything
    assert a.calendar.parent_folder_id.id == a.msg_folder_root.id
    assert a.conflicts.parent_folder_id.id == a.sync_issues.id
    assert a.todo_search.parent_folder_id.id == a.search_folders.id


def test_missing_folders_are_missing(account):
    """No archive, public folders or voice mail: exchangelib's 'missing' errors."""
    a = account()
    with pytest.raises(ErrorFolderNotFound):
        a.voice_mail
    with pytest.raises(ErrorFolderNotFound):
        a.archive_root
    with pytest.raises(ErrorFolderNotFound):
        a.public_folders_root


def test_root_walk(account):
    """root.walk(): the batched GetFolder, then FindFolder Deep from root in pages of 100."""
    a = account()
    root = a.root
    folders = list(root.walk())
    by_class = {}
    for f in folders:
        by_class.setdefault(type(f), []).append(f)
    for cls in WELL_KNOWN:
        assert cls in by_class, f"{cls.__name__} missing from root.walk()"
    # the hidden system contacts subfolders and root's system folders are classified by name
    for cls in (GALContacts, Companies, CommonViews, Reminders, AllItems, AllContacts):
        assert cls in by_class, cls.__name__
    # one object per folder, each under its parent, the whole tree reachable from root
    ids = [f.id for f in folders]
    assert len(ids) == len(set(ids))
    known = set(ids) | {root.id}
    for f in folders:
        assert f.parent_folder_id.id in known, f.name
    assert root.child_folder_count == len(list(root.children))
    assert len(folders) == root.child_folder_count + sum(f.child_folder_count for f in folders)
    contacts = by_class[Contacts][0]
    assert contacts.folder_class == "IPF.Contact"
    assert {c.name for c in contacts.children} >= {"Recipient Cache", "GAL Contacts", "Companies"}
    tois = root.tois
    assert {c.name for c in tois.children} >= {"Inbox", "Calendar", "Contacts", "Tasks", "Sync Issues"}
    # the cached tree answers get_default_folder with the same objects
    assert root.get_default_folder(Inbox).id == a.inbox.id
    assert root.get_default_folder(Calendar).folder_class == "IPF.Appointment"


def test_glob_and_paths(account):
    a = account()
    root = a.root
    assert [f.name for f in root.tois.glob("Sync Issues/*")] == [
        "Conflicts", "Local Failures", "Server Failures"]
    assert a.inbox.absolute == "/root/Top of Information Store/Inbox"
