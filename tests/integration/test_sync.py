"""SyncFolderItems and SyncFolderHierarchy over the wire (spec §5, §6): first syncs and
paging (0 changes, exactly MaxChangesReturned, one more), admin changes between two
syncs (add-contact, set-contact-photo, remove-contact, import of a vCard) as
Create/Update/Delete, a server restart between two syncs, Ignore, SyncScope, the shapes
(the contact as GetItem renders it), hostile SyncStates (garbage, truncated, another
user's, another folder's, another scope's, 100 KB) and MaxChangesReturned at and beyond
its bounds.  Every response body is schema-checked by ews_it (validate.sh --set interop).

The module has its own tenant: `owner` (3 contacts), `other` (1), `pager` (4, for the
paging edges), `mut` (changed by the admin commands), `fresh` (no contacts).
"""
import base64

import pytest

from ews_it import NS, UserSpec, assert_fault, destroy_env, make_env, make_jpeg
from test_items import (assert_error, decode_id, distinguished, encode_id, folder_id, get_item,
                        messages, shape_xml, success, tag)

INVALID_TEXT = "Synchronization state data is corrupt or otherwise invalid."

CONTACTS = {
    "owner": [{"display_name": "Bob Builder", "given_name": "Bob", "surname": "Builder",
               "email": "bob@builder.test", "company": "Builders"},
              {"display_name": "Carl Plain", "email": "carl@plain.test"},
              {"display_name": "Dora Wide", "email": "dora@wide.test"}],
    "other": [{"display_name": "Eve Else", "email": "eve@else.test"}],
    "pager": [{"display_name": f"Page {i}", "email": f"p{i}@pager.test"} for i in range(4)],
    "mut": [{"display_name": "Frank Changes", "email": "frank@changes.test"}],
}

JPEG = make_jpeg(40, 40, (200, 30, 30))


def users():
    return [UserSpec(a) for a in ("owner", "other", "pager", "mut", "fresh")]


def add_contacts(doc, tenant_dir):
    for u in doc["users"]:
        if u["alias"] in CONTACTS:
            u["contacts"] = CONTACTS[u["alias"]]


@pytest.fixture(scope="module")
def env():
    e = make_env(users(), extra=add_contacts)
    yield e
    destroy_env(e)


# ---- helpers ------------------------------------------------------------------------------

def sync_items(client, folder=None, state=None, max_changes=500, shape="IdOnly", fields=(),
               ignore=(), scope=None, raw_max=None):
    folder = folder or distinguished("contacts")
    st = f"<m:SyncState>{state}</m:SyncState>" if state is not None else ""
    ign = ("<m:Ignore>" + "".join(f'<t:ItemId Id="{i}"/>' for i in ignore) + "</m:Ignore>") if ignore else ""
    sc = f"<m:SyncScope>{scope}</m:SyncScope>" if scope else ""
    mx = raw_max if raw_max is not None else f"<m:MaxChangesReturned>{max_changes}</m:MaxChangesReturned>"
    body = (f"<m:SyncFolderItems><m:ItemShape>{shape_xml(shape, fields)}</m:ItemShape>"
            f"<m:SyncFolderId>{folder}</m:SyncFolderId>{st}{ign}{mx}{sc}</m:SyncFolderItems>")
    return client.soap(body, action="SyncFolderItems")


def sync_hierarchy(client, folder=None, state=None, shape="AllProperties", extra_paths=""):
    sf = f"<m:SyncFolderId>{folder}</m:SyncFolderId>" if folder else ""
    st = f"<m:SyncState>{state}</m:SyncState>" if state is not None else ""
    paths = f"<t:AdditionalProperties>{extra_paths}</t:AdditionalProperties>" if extra_paths else ""
    body = (f"<m:SyncFolderHierarchy><m:FolderShape>{shape_xml(shape)}{paths}</m:FolderShape>"
            f"{sf}{st}</m:SyncFolderHierarchy>")
    return client.soap(body, action="SyncFolderHierarchy")


def page(resp, op="SyncFolderItems"):
    """(SyncState, IncludesLast..., [(change kind, element)]) of a success answer."""
    m = success(messages(resp, op, 1)[0])
    last = "IncludesLastItemInRange" if op == "SyncFolderItems" else "IncludesLastFolderInRange"
    assert [tag(c) for c in m] == ["ResponseCode", "SyncState", last, "Changes"], [tag(c) for c in m]
    state = m.findtext("m:SyncState", namespaces=NS)
    assert state, "a success message carries a SyncState"
    flag = m.findtext(f"m:{last}", namespaces=NS)
    assert flag in ("true", "false"), flag
    changes = [(tag(c), c) for c in m.find("m:Changes", NS)]
    return state, flag == "true", changes


def item_changes(changes):
    """[(kind, contact id)] of SyncFolderItems changes."""
    out = []
    for kind, c in changes:
        if kind == "Delete":
            iid = c.find("t:ItemId", NS)
        else:
            assert len(c) == 1 and tag(c[0]) == "Contact", [tag(x) for x in c]
            iid = c[0].find("t:ItemId", NS)
        out.append((kind, decode_id(iid.get("Id"))[2]))
    return out


def sync_all(client, state=None, max_changes=500, **kw):
    """Every change from @p state on, page by page: ([(kind, id)], final state, pages)."""
    got, pages = [], 0
    while True:
        state, last, changes = page(sync_items(client, state=state, max_changes=max_changes, **kw))
        got += item_changes(changes)
        pages += 1
        assert len(changes) <= max_changes
        if last:
            return got, state, pages
        assert pages < 100, "paging does not end"


def restart(env, between=None):
    """Stop the server (it must exit cleanly), run @p between, start it again."""
    env.server.stop()
    if between:
        between()
    env.server.http = env.server.https = None    # new ports are announced
    env.server.log_checked = 0                   # a new process, a new log
    env.server.start()


def contact_ids(env, alias):
    """The contact ids `ewsemu contacts` lists for @p alias."""
    p = env.cli("contacts", "--user", env.u(alias).email, check=True)
    return sorted(w for w in p.stdout.split() if len(w) == 32 and all(c in "0123456789abcdef" for c in w))


def assert_invalid_state(resp, op="SyncFolderItems"):
    m = messages(resp, op, 1)[0]
    assert_error(m, "ErrorInvalidSyncStateData", text=INVALID_TEXT)
    st = m.find("m:SyncState", NS)
    assert st is not None and not (st.text or ""), "spec §6.4: an empty m:SyncState"
    assert m.find("m:Changes", NS) is None


# ---- SyncFolderItems: first sync and paging -----------------------------------------------

def test_first_sync_then_no_changes(env):
    """The first sync lists every contact as Create (IdOnly: just the ItemId), with the
    flag true; the next sync from its state has 0 changes, an empty m:Changes and a
    state that still works."""
    c = env.client("owner")
    state, last, changes = page(sync_items(c))
    assert last
    got = item_changes(changes)
    assert [k for k, _ in got] == ["Create"] * 3
    assert sorted(i for _, i in got) == contact_ids(env, "owner")
    for _, el in changes:
        assert [tag(x) for x in el[0]] == ["ItemId"], "IdOnly is the ItemId alone"
        assert el[0].find("t:ItemId", NS).get("ChangeKey")
    for _ in range(2):
        state2, last, changes = page(sync_items(c, state=state))
        assert last and changes == []
        state = state2


def test_empty_folder_and_other_folders(env):
    """A mailbox without contacts, and a folder that holds no items: 0 changes, a valid state."""
    c = env.client("fresh")
    state, last, changes = page(sync_items(c))
    assert last and changes == []
    state, last, changes = page(sync_items(c, state=state))
    assert last and changes == []
    for name in ("msgfolderroot", "root"):
        state, last, changes = page(sync_items(c, folder=distinguished(name)))
        assert last and changes == []
        assert page(sync_items(c, folder=distinguished(name), state=state))[2] == []


def test_exactly_max_changes_is_one_page(env):
    c = env.client("pager")
    state, last, changes = page(sync_items(c, max_changes=4))
    assert last, "exactly MaxChangesReturned changes: one page, the flag true"
    assert len(changes) == 4
    assert page(sync_items(c, state=state, max_changes=4))[2] == []


def test_max_changes_plus_one_is_two_pages(env):
    c = env.client("pager")
    state, last, changes = page(sync_items(c, max_changes=3))
    assert not last and len(changes) == 3
    state2, last, changes2 = page(sync_items(c, state=state, max_changes=3))
    assert last and len(changes2) == 1
    ids = [i for _, i in item_changes(changes + changes2)]
    assert sorted(ids) == contact_ids(env, "pager"), "every contact once, none twice"
    assert page(sync_items(c, state=state2, max_changes=3))[2] == []
    # one at a time: four pages, then nothing
    got, _, pages = sync_all(c, max_changes=1)
    assert pages == 4 and sorted(i for _, i in got) == contact_ids(env, "pager")


def test_max_changes_bounds(env):
    """t:MaxSyncChangesReturnedType is 1..512: at the bounds it is served, beyond them
    (and missing) it is an ErrorSchemaValidation fault; the server keeps serving."""
    c = env.client("pager")
    for n in (1, 512):
        page(sync_items(c, max_changes=n))
    for bad in ("<m:MaxChangesReturned>0</m:MaxChangesReturned>",
                "<m:MaxChangesReturned>513</m:MaxChangesReturned>",
                "<m:MaxChangesReturned>-1</m:MaxChangesReturned>",
                "<m:MaxChangesReturned>many</m:MaxChangesReturned>", ""):
        assert_fault(sync_items(c, raw_max=bad), "ErrorSchemaValidation")
    page(sync_items(c, max_changes=10))


def test_shapes_render_contacts_as_get_item(env):
    """Default and AllProperties (and AdditionalProperties) give the t:Contact GetItem gives."""
    c = env.client("owner")
    for shape, fields in (("Default", ()), ("AllProperties", ()), ("IdOnly", ("contacts:DisplayName",))):
        _, _, changes = page(sync_items(c, shape=shape, fields=fields))
        for _, el in changes:
            contact = el[0]
            iid = contact.find("t:ItemId", NS)
            want = get_item(c, [(iid.get("Id"), iid.get("ChangeKey"))], shape, fields)
            want_el = success(messages(want, "GetItem", 1)[0]).find("m:Items/t:Contact", NS)
            assert [tag(x) for x in contact] == [tag(x) for x in want_el]
            assert contact.findtext("t:DisplayName", namespaces=NS) == want_el.findtext("t:DisplayName", namespaces=NS)
            if shape != "Default":
                assert contact.findtext("t:DisplayName", namespaces=NS)


def test_ignore_skips_items(env):
    c = env.client("owner")
    ids = contact_ids(env, "owner")
    skip = encode_id("I", env.u("owner").email, ids[1])
    got, state, _ = sync_all(c, ignore=[skip])
    assert sorted(i for _, i in got) == [ids[0], ids[2]]
    # a malformed Ignore id is the message's error, not a crash
    assert_error(messages(sync_items(c, ignore=["garbage"]), "SyncFolderItems", 1)[0],
                 "ErrorInvalidIdMalformed")


def test_sync_scope_is_part_of_the_state(env):
    c = env.client("owner")
    state, last, changes = page(sync_items(c, scope="NormalAndAssociatedItems"))
    assert last and len(changes) == 3
    assert page(sync_items(c, state=state, scope="NormalAndAssociatedItems"))[2] == []
    assert_invalid_state(sync_items(c, state=state))
    assert_invalid_state(sync_items(c, state=state, scope="NormalItems"))
    assert_fault(sync_items(c, scope="Everything"), "ErrorSchemaValidation")


# ---- admin changes between two syncs; a restart --------------------------------------------

def test_admin_changes_show_up(env, tmp_path):
    """add-contact -> Create, set-contact-photo -> Update, remove-contact -> Delete,
    import FILE.vcf -> Create; added and removed between two syncs -> nothing; each is
    reported once."""
    c = env.client("mut")
    addr = env.u("mut").email
    got, state, _ = sync_all(c)
    frank = got[0][1]

    new = env.cli("add-contact", "--user", addr, "--display-name", "Gina New", check=True).stdout.split()[-1]
    got, state, _ = sync_all(c, state=state)
    assert got == [("Create", new)]

    pic = tmp_path / "p.jpg"
    pic.write_bytes(JPEG)
    env.cli("set-contact-photo", "--user", addr, frank, pic, check=True)
    got, state, _ = sync_all(c, state=state)
    assert got == [("Update", frank)]

    env.cli("remove-contact", "--user", addr, new, check=True)
    gone = env.cli("add-contact", "--user", addr, "--display-name", "Brief", check=True).stdout.split()[-1]
    env.cli("remove-contact", "--user", addr, gone, check=True)
    got, state, _ = sync_all(c, state=state)
    assert got == [("Delete", new)], "created and removed in between: not reported"

    vcf = tmp_path / "two.vcf"
    vcf.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vera Card\r\nEMAIL:vera@card.test\r\nEND:VCARD\r\n"
                   "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Walt Card\r\nEND:VCARD\r\n")
    env.cli("import", vcf, "--user", addr, check=True)
    got, state, _ = sync_all(c, state=state, max_changes=1)
    assert [k for k, _ in got] == ["Create", "Create"]
    assert sorted(i for _, i in got) == sorted(set(contact_ids(env, "mut")) - {frank})
    assert sync_all(c, state=state)[0] == []


def test_restart_between_syncs(env):
    """A state stays valid across a restart (the secret is in the store); a change made
    while the server was down shows up."""
    c = env.client("pager")
    _, state, _ = sync_all(c)
    added = []
    restart(env, lambda: added.append(env.cli("add-contact", "--user", env.u("pager").email, "--display-name",
                                              "While Down", check=True).stdout.split()[-1]))
    added = added[0]
    c = env.client("pager")
    got, state, _ = sync_all(c, state=state)
    assert got == [("Create", added)]
    # a paging position survives a restart too
    s1, last, ch = page(sync_items(c, max_changes=2))
    assert not last and len(ch) == 2
    restart(env)
    c = env.client("pager")
    got, _, _ = sync_all(c, state=s1, max_changes=2)
    assert sorted(i for _, i in item_changes(ch) + got) == contact_ids(env, "pager")


# ---- hostile states and folders ------------------------------------------------------------

def test_hostile_states(env):
    c = env.client("owner")
    good = page(sync_items(c))[0]
    other_state = page(sync_items(env.client("other")))[0]
    folder_state = page(sync_items(c, folder=distinguished("msgfolderroot")))[0]
    hier_state = page(sync_hierarchy(c), "SyncFolderHierarchy")[0]
    for bad in ("garbage", "H4sIAAAAAAAEAO29B2AcSZYlJi9tynt", good[:-8], good[:40], good + "AAAA",
                base64.b64encode(b"\0" * 128).decode(), other_state, folder_state, hier_state,
                "A" * 100_000, base64.b64encode(b"x" * 75_000).decode(), "&lt;x/&gt;", " "):
        assert_invalid_state(sync_items(c, state=bad))
    # another user's state on the other user's own folder, by Mailbox
    assert_invalid_state(sync_items(c, state=other_state))
    # and the server goes on serving
    assert page(sync_items(c, state=good))[2] == []


def test_folder_errors(env):
    c = env.client("owner")
    owner = env.u("owner").email
    item = encode_id("I", owner, contact_ids(env, "owner")[0])
    cases = [
        (folder_id(item), "ErrorCannotUseItemIdForFolderId"),
        (folder_id(encode_id("F", owner, "nosuchfolder")), "ErrorSyncFolderNotFound"),
        (folder_id("not-an-id"), "ErrorInvalidIdMalformed"),
        (distinguished("contacts", env.u("other").email), "ErrorAccessDenied"),
        (distinguished("contacts", "nobody@nowhere.test"), "ErrorNonExistentMailbox"),
    ]
    for ref, want in cases:
        assert_error(messages(sync_items(c, folder=ref), "SyncFolderItems", 1)[0], want)
    # the folder by its FolderId works like the distinguished one
    fid = encode_id("F", owner, "contacts")
    assert len(page(sync_items(c, folder=folder_id(fid)))[2]) == 3


# ---- SyncFolderHierarchy ---------------------------------------------------------------------

ELEMENT_OF_CLASS = {"IPF.Contact": "ContactsFolder", "IPF.Appointment": "CalendarFolder", "IPF.Task": "TasksFolder"}


def hierarchy(resp):
    state, last, changes = page(resp, "SyncFolderHierarchy")
    assert last
    folders = {}
    for kind, c in changes:
        assert kind == "Create"
        assert len(c) == 1
        f = c[0]
        fid = f.find("t:FolderId", NS).get("Id")
        name = decode_id(fid)[2]
        assert name not in folders, f"{name} twice"
        folders[name] = f
    return state, folders


def test_hierarchy_sync_with_hidden_attribute(env):
    """evolution-ews (§11.4): SyncFolderHierarchy AllProperties + 0x10f4 as
    decimal 4340; the hidden contacts subfolders say 0x10f4 = true (echoed
    as "0x10f4", which evolution compares), the others leave it out; a
    malformed ExtendedFieldURI is the message's error."""
    c = env.client("owner")
    hidden_uri = '<t:ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/>'
    _, folders = hierarchy(sync_hierarchy(c, extra_paths=hidden_uri))
    hidden = set()
    for name, f in folders.items():
        props = f.findall("t:ExtendedProperty", NS)
        if props:
            assert len(props) == 1
            assert props[0].find("t:ExtendedFieldURI", NS).get("PropertyTag") == "0x10f4"
            assert props[0].findtext("t:Value", namespaces=NS) == "true"
            hidden.add(name)
    assert {"recipientcache", "quickcontacts", "imcontactlist"} <= hidden
    assert "contacts" not in hidden and "inbox" not in hidden
    resp = sync_hierarchy(c, extra_paths='<t:ExtendedFieldURI PropertyTag="4340" PropertyName="x" PropertyType="Boolean"/>')
    m = messages(resp, "SyncFolderHierarchy", 1)[0]
    assert m.findtext("m:ResponseCode", namespaces=NS) == "ErrorInvalidExtendedProperty"


def test_hierarchy_first_sync_then_nothing(env):
    c = env.client("owner")
    state, below_top = hierarchy(sync_hierarchy(c))
    assert "contacts" in below_top and "msgfolderroot" not in below_top and "root" not in below_top
    cf = below_top["contacts"]
    assert tag(cf) == "ContactsFolder"
    assert cf.findtext("t:FolderClass", namespaces=NS) == "IPF.Contact"
    assert cf.findtext("t:DisplayName", namespaces=NS) == "Contacts"
    assert cf.findtext("t:TotalCount", namespaces=NS) == "3"
    for name, f in below_top.items():
        cls = f.findtext("t:FolderClass", namespaces=NS) or ""
        want = next((e for p, e in ELEMENT_OF_CLASS.items() if cls.startswith(p)), None)
        if want:
            assert tag(f) == want, (name, cls, tag(f))
        assert f.find("t:ParentFolderId", NS) is not None
    # from root: the same folders plus msgfolderroot (the root itself is not listed)
    rstate, below_root = hierarchy(sync_hierarchy(c, folder=distinguished("root")))
    assert set(below_top) | {"msgfolderroot"} <= set(below_root)
    assert "root" not in below_root
    # later syncs: nothing changed (contact counts are not folder changes, spec §5)
    env.cli("add-contact", "--user", env.u("owner").email, "--display-name", "Count Changer", check=True)
    for st, ref in ((state, None), (rstate, distinguished("root"))):
        s2, last, changes = page(sync_hierarchy(c, folder=ref, state=st), "SyncFolderHierarchy")
        assert last and changes == []
    # absent and root are different roots; and states are per mailbox
    assert_invalid_state(sync_hierarchy(c, folder=distinguished("root"), state=state), "SyncFolderHierarchy")
    assert_invalid_state(sync_hierarchy(c, state=rstate), "SyncFolderHierarchy")
    assert_invalid_state(sync_hierarchy(env.client("other"), state=state), "SyncFolderHierarchy")
    assert_invalid_state(sync_hierarchy(c, state="garbage"), "SyncFolderHierarchy")
    # IdOnly: the element still names the kind
    _, ids_only = hierarchy(sync_hierarchy(c, shape="IdOnly"))
    assert tag(ids_only["contacts"]) == "ContactsFolder"
    assert [tag(x) for x in ids_only["contacts"]] == ["FolderId"]
