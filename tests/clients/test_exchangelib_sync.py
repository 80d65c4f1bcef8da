"""SyncFolderItems and SyncFolderHierarchy through exchangelib's own API (spec §5, §6,
§11.1): `folder.sync_items()` pages through the Contacts folder (all fields, exchangelib's
~200 AdditionalProperties), keeps `folder.item_sync_state`, and the next call reports what
`ewsemu add-contact` / `set-contact-photo` / `remove-contact` changed as create / update /
delete; `root.sync_hierarchy()` and `tois.sync_hierarchy()` list the folder set once and
then nothing.  Also the evolution-ews address-book pattern (§6.6, §11.4): IdOnly,
MaxChangesReturned 500, repeated with the returned SyncState, then GetItem of the ids.

Runs against the demo organisation (conftest.py) on the user without photo data, whose
contacts are only the ones these tests add.
"""
import io

from exchangelib.folders import Contacts
from exchangelib.items import Contact
from PIL import Image

from conftest import run_cli
from test_exchangelib_items import account  # noqa: F401  (the fixture: account(user) -> Account)


def jpeg(w, h, colour):
    out = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(out, format="JPEG", quality=90)
    return out.getvalue()


def cli(server, *args):
    return run_cli(*args, "--store", server.store).stdout


def contact_ids(server, user):
    out = cli(server, "contacts", "--user", user)
    return {w for w in out.split() if len(w) == 32 and all(c in "0123456789abcdef" for c in w)}


def local(item_id):
    """The contact id inside an ewsemu ItemId (see src/ews/ids.c)."""
    import base64
    import struct
    b = base64.b64decode(item_id)
    ml = struct.unpack(">H", b[4:6])[0]
    return b[7 + ml:7 + ml + b[6 + ml]].decode()


def test_sync_items(account, server, tmp_path):
    user = server.nophoto_user
    account = account(user)
    added = {cli(server, "add-contact", "--user", user, "--display-name", f"Sync {i}",
                 "--email", f"sync{i}@clients.test").split()[-1] for i in range(3)}
    folder = account.contacts
    assert isinstance(folder, Contacts)
    first = list(folder.sync_items(max_changes_returned=2))          # two pages
    assert {t for t, _ in first} == {"create"}
    assert all(isinstance(i, Contact) for _, i in first)
    assert {local(i.id) for _, i in first} == contact_ids(server, user)
    names = {i.display_name for _, i in first}
    assert {f"Sync {i}" for i in range(3)} <= names
    state = folder.item_sync_state
    assert state
    assert list(folder.sync_items()) == []                         # nothing changed

    one = sorted(added)[0]
    pic = tmp_path / "p.jpg"
    pic.write_bytes(jpeg(60, 60, (10, 200, 10)))
    cli(server, "set-contact-photo", "--user", user, one, pic)
    new = cli(server, "add-contact", "--user", user, "--display-name", "Sync New").split()[-1]
    cli(server, "remove-contact", "--user", user, sorted(added)[1])
    changes = [(t, local(i.id)) for t, i in folder.sync_items()]
    assert sorted(changes) == sorted([("update", one), ("create", new), ("delete", sorted(added)[1])])
    assert list(folder.sync_items()) == []
    # a state from the start still works and gives the folder's history since then
    again = list(folder.sync_items(sync_state=state))
    assert len(again) == 3


def test_sync_hierarchy(account, server):
    account = account(server.nophoto_user)
    root = account.root
    created = list(root.sync_hierarchy())
    assert created and {t for t, _ in created} == {"create"}
    names = {f.name for _, f in created}
    assert "Contacts" in names and "Top of Information Store" in names
    contacts = next(f for _, f in created if f.name == "Contacts")
    assert contacts.folder_class == "IPF.Contact"     # exchangelib builds them all with the synced folder's class
    assert root.folder_sync_state
    assert list(root.sync_hierarchy()) == []
    tois = root.tois
    below = list(tois.sync_hierarchy())
    # below msgfolderroot: the IPM subtree only (root's other children, e.g. Recoverable Items, stay out)
    below_names = {f.name for _, f in below}
    assert below_names < names - {"Top of Information Store"}
    assert {"Inbox", "Contacts", "Calendar", "Tasks"} <= below_names and "Recoverable Items" not in below_names


def test_evolution_ews_pattern(account, server):
    """IdOnly, MaxChangesReturned 500, repeated with the SyncState while the flag is
    false, then GetItem of the created ids; the next refresh has nothing."""
    from exchangelib.services import SyncFolderItems
    account = account(server.nophoto_user)
    svc = SyncFolderItems(account=account)
    folder = account.contacts
    state, ids, rounds = None, [], 0
    while True:
        changes = list(svc.call(folder=folder, shape="IdOnly", additional_fields=set(), sync_state=state,
                                ignore=None, max_changes_returned=500, sync_scope=None))
        for change_type, item in changes:
            if change_type == "create":
                ids.append(item)
        state = svc.sync_state
        rounds += 1
        if svc.includes_last_item_in_range:
            break
        assert rounds < 10
    assert {local(i.id) for i in ids} == contact_ids(server, server.nophoto_user)
    fetched = list(account.fetch(ids=[(i.id, i.changekey) for i in ids]))
    assert all(isinstance(c, Contact) and c.display_name for c in fetched)
    again = list(svc.call(folder=folder, shape="IdOnly", additional_fields=set(), sync_state=state,
                          ignore=None, max_changes_returned=500, sync_scope=None))
    assert again == [] and svc.includes_last_item_in_range
