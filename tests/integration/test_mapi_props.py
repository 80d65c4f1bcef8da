"""MAPI properties over the wire (mailbox-ops spec §3.3, §8, §11.3): PR_INTERNET_ARTICLE_NUMBER
(0x0E23) on every contact, as DavMail sorts and de-duplicates on it; the Contacts folder's
0x670A / 0x3008 / 0x6751 / 0x6752 following contact changes made by the admin CLI while the
server runs; t:ExtendedProperty in SyncFolderItems answers; hostile ExtendedFieldURIs there.
Answers are schema-checked by ews_it (interop) and, where noted, against both schema sets.
"""
import re
import time

import pytest

from ews_it import NS, UserSpec, assert_fault, destroy_env, make_env, messages, tag, tenant_contacts, validate_both

NAMES = ["Zoe Zimmer", "Adam Abel", "Mia Moss", "Bea Bell", "Carl Cole"]   # import order = article order
CONTACTS = {"owner": [{"display_name": n, "email": f"c{i}@mapi.test"} for i, n in enumerate(NAMES)]}

ART = '<t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Integer"/>'
CLASS = '<t:ExtendedFieldURI PropertyTag="0x1a" PropertyType="String"/>'


@pytest.fixture(scope="module")
def env():
    e = make_env([UserSpec("owner"), UserSpec("other")], extra=tenant_contacts(CONTACTS, {}))
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def owner(env):
    return env.server.client(env.users["owner"])


def ok(m):
    assert m.get("ResponseClass") == "Success", (m.findtext("m:ResponseCode", namespaces=NS),
                                                 m.findtext("m:MessageText", namespaces=NS))
    return m


def ext(item):
    """{PropertyTag: Value} of an item's or folder's t:ExtendedProperty elements."""
    return {e.find("t:ExtendedFieldURI", NS).get("PropertyTag"): e.findtext("t:Value", namespaces=NS)
            for e in item.findall("t:ExtendedProperty", NS)}


def davmail_find(client, order="Ascending", offset=0, max_entries=500, restriction=None, sort_tag="0xe23"):
    """DavMail's contact listing (spec §11.3 step 5), as it spells it."""
    restriction = restriction if restriction is not None else (
        "<t:Or><t:IsEqualTo>" + CLASS + '<t:FieldURIOrConstant><t:Constant Value="IPM.Contact"/>'
        "</t:FieldURIOrConstant></t:IsEqualTo><t:IsEqualTo>" + CLASS +
        '<t:FieldURIOrConstant><t:Constant Value="IPM.DistList"/></t:FieldURIOrConstant></t:IsEqualTo></t:Or>')
    body = ('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
            f'<t:AdditionalProperties>{ART}{CLASS}<t:FieldURI FieldURI="contacts:DisplayName"/>'
            '</t:AdditionalProperties></m:ItemShape>'
            f'<m:IndexedPageItemView MaxEntriesReturned="{max_entries}" Offset="{offset}" BasePoint="Beginning"/>'
            f"<m:Restriction>{restriction}</m:Restriction>"
            f'<m:SortOrder><t:FieldOrder Order="{order}"><t:ExtendedFieldURI PropertyTag="{sort_tag}" '
            'PropertyType="Integer"/></t:FieldOrder></m:SortOrder>'
            '<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>')
    return client.soap(body, action="FindItem")


def listing(resp):
    """[(display name, article number)] of a FindItem answer, and IncludesLastItemInRange."""
    rf = ok(messages(resp, "FindItem", 1)[0]).find("m:RootFolder", NS)
    items = [(c.findtext("t:DisplayName", namespaces=NS), ext(c).get("0xe23")) for c in rf.find("t:Items", NS)]
    return items, rf.get("IncludesLastItemInRange") == "true"


def davmail_walk(client, page=2):
    """DavMail's loop: pages of @p page, keeping only items above the highest number seen."""
    seen, highest, offset = [], 0, 0
    while True:
        items, last = listing(davmail_find(client, offset=offset, max_entries=page))
        offset += len(items)
        for name, art in items:
            if art is not None and int(art) > highest:
                highest = int(art)
                seen.append(name)
        if last:
            return seen


def contacts_folder(client, tags=(("0x670a", "SystemTime"), ("0x3008", "SystemTime"), ("0x6751", "Integer"),
                                  ("0x6752", "Integer"))):
    uris = "".join(f'<t:ExtendedFieldURI PropertyTag="{t}" PropertyType="{ty}"/>' for t, ty in tags)
    body = (f"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{uris}"
            "</t:AdditionalProperties></m:FolderShape><m:FolderIds>"
            '<t:DistinguishedFolderId Id="contacts"/></m:FolderIds></m:GetFolder>')
    m = ok(messages(client.soap(body, action="GetFolder"), "GetFolder", 1)[0])
    return ext(m.find("m:Folders", NS)[0])


# ---- 0x0E23 ---------------------------------------------------------------------------------

def test_davmail_listing_ascending_and_descending(owner, tmp_path):
    """Every contact has a positive, distinct 0x0E23 in import order; DavMail's exact request
    sorts on it both ways, and its de-duplicating page walk keeps every contact."""
    resp = davmail_find(owner)
    validate_both(resp, tmp_path)
    items, last = listing(resp)
    assert last
    assert items == [(n, str(i + 1)) for i, n in enumerate(NAMES)]
    items, _ = listing(davmail_find(owner, order="Descending"))
    assert items == [(n, str(i + 1)) for i, n in reversed(list(enumerate(NAMES)))]
    assert davmail_walk(owner) == NAMES
    # the tag in decimal, and a restriction on it
    items, _ = listing(davmail_find(owner, sort_tag="3619"))
    assert [n for n, _ in items] == NAMES
    gt = ('<t:IsGreaterThan>' + ART + '<t:FieldURIOrConstant><t:Constant Value="3"/></t:FieldURIOrConstant>'
          '</t:IsGreaterThan>')
    items, _ = listing(davmail_find(owner, restriction=gt))
    assert items == [("Bea Bell", "4"), ("Carl Cole", "5")]


def test_article_numbers_survive_changes_and_restart(env, owner):
    """An added contact gets the next number; deleting it and adding another never hands a number
    out twice; a restart keeps them all; the folder's 0x6751/0x6752 follow."""
    before = contacts_folder(owner)
    assert before["0x6751"] == str(len(NAMES) + 1) and before["0x6752"] == str(len(NAMES))
    time.sleep(1.1)   # SystemTime has whole seconds: the next change lands in a later one
    email = env.users["owner"].email
    new_id = env.cli("add-contact", "--user", email, "--display-name", "Dan Dorn", check=True).stdout.strip()
    after = contacts_folder(owner)
    assert after["0x670a"] > before["0x670a"] and after["0x3008"] == after["0x670a"]
    assert after["0x6751"] == str(len(NAMES) + 2)
    env.cli("remove-contact", "--user", email, new_id, check=True)
    env.cli("add-contact", "--user", email, "--display-name", "Eve Egg", check=True)
    items, _ = listing(davmail_find(owner))
    assert items[-1] == ("Eve Egg", str(len(NAMES) + 2))
    assert "Dan Dorn" not in [n for n, _ in items]
    env.server.restart_after_crash()   # a hard stop: every commit is on disk
    c = env.server.client(env.users["owner"])
    items, _ = listing(davmail_find(c))
    assert items[-1] == ("Eve Egg", str(len(NAMES) + 2))
    assert items[:len(NAMES)] == [(n, str(i + 1)) for i, n in enumerate(NAMES)]
    after = contacts_folder(c)
    assert after["0x6752"] == str(len(NAMES) + 2)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", after["0x670a"])


# ---- SyncFolderItems ------------------------------------------------------------------------

def sync_items(client, paths, state=None):
    st = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    body = ("<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>"
            f"<t:AdditionalProperties>{paths}</t:AdditionalProperties></m:ItemShape>"
            '<m:SyncFolderId><t:DistinguishedFolderId Id="contacts"/></m:SyncFolderId>'
            f"{st}<m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>")
    return client.soap(body, action="SyncFolderItems")


def test_sync_folder_items_carries_extended_properties(env, tmp_path):
    """SyncFolderItems with ExtendedFieldURIs answers them per contact as GetItem does (tag
    canonical, unknown ones left out), on a first sync and on the log replay."""
    c = env.server.client(env.users["owner"])
    paths = (ART + '<t:ExtendedFieldURI PropertyTag="0x3001" PropertyType="String"/>'
             '<t:ExtendedFieldURI PropertyTag="0x0e08" PropertyType="Integer"/>'
             '<t:ExtendedFieldURI DistinguishedPropertySetId="Address" PropertyId="32899" PropertyType="String"/>')
    resp = sync_items(c, paths)
    validate_both(resp, tmp_path)
    m = ok(messages(resp, "SyncFolderItems", 1)[0])
    got = {}
    for ch in m.find("m:Changes", NS):
        contact = ch[0]
        e = ext(contact)
        got[e["0x3001"]] = e["0xe23"]
        if e["0x3001"] not in NAMES:
            continue   # added by the CLI without an email: no 0x8083, left out
        assert [tag(x) for x in contact] == ["ItemId"] + ["ExtendedProperty"] * 3, e
        addr = [x.find("t:ExtendedFieldURI", NS) for x in contact.findall("t:ExtendedProperty", NS)][2]
        assert addr.get("DistinguishedPropertySetId") == "Address" and addr.get("PropertyId") == "32899"
    for i, n in enumerate(NAMES):
        assert got[n] == str(i + 1)
    state = m.findtext("m:SyncState", namespaces=NS)
    env.cli("add-contact", "--user", env.users["owner"].email, "--display-name", "Fay Fox", check=True)
    m = ok(messages(sync_items(c, paths, state), "SyncFolderItems", 1)[0])
    changes = list(m.find("m:Changes", NS))
    assert [tag(x) for x in changes] == ["Create"]
    e = ext(changes[0][0])
    assert e["0x3001"] == "Fay Fox" and int(e["0xe23"]) > len(NAMES)


@pytest.mark.parametrize("uri,want", [
    ('<t:ExtendedFieldURI PropertyTag="0xe23" PropertyId="5" PropertyType="Integer"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0xzz" PropertyType="Integer"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0x10000" PropertyType="Integer"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0xe23" PropertyType="Object"/>', "ErrorUnsupportedMapiPropertyType"),
], ids=["tag-and-id", "bad-hex", "tag-too-big", "object-type"])
def test_sync_folder_items_malformed_extended_uri(env, uri, want):
    c = env.server.client(env.users["owner"])
    m = messages(sync_items(c, uri), "SyncFolderItems", 1)[0]
    assert m.get("ResponseClass") == "Error"
    assert m.findtext("m:ResponseCode", namespaces=NS) == want
    # the server keeps serving
    ok(messages(sync_items(c, ART), "SyncFolderItems", 1)[0])


def test_wrong_type_for_a_known_tag_still_answers(env):
    """Spec §8.1: the identity decides; 0x0E23 asked as String still has its value."""
    owner = env.server.client(env.users["owner"])
    body = ('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
            '<t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0x0E23" PropertyType="String"/>'
            '</t:AdditionalProperties></m:ItemShape>'
            '<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>')
    rf = ok(messages(owner.soap(body, action="FindItem"), "FindItem", 1)[0]).find("m:RootFolder", NS)
    vals = [ext(c).get("0xe23") for c in rf.find("t:Items", NS)]
    assert vals and all(v and int(v) > 0 for v in vals)


# ---- FindFolder / FindItem restrictions ------------------------------------------------------

@pytest.mark.parametrize("op", ["FindFolder", "FindItem"])
def test_empty_restriction_is_a_schema_fault_naming_it(env, op):
    """t:RestrictionType holds one search expression: an empty one is ErrorSchemaValidation
    whose text names the Restriction (it used to read "too complex" / name ParentFolderIds)."""
    c = env.server.client(env.users["owner"])
    if op == "FindFolder":
        body = ('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
                '<m:Restriction/><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/>'
                '</m:ParentFolderIds></m:FindFolder>')
    else:
        body = ('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                '<m:Restriction/><m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/>'
                '</m:ParentFolderIds></m:FindItem>')
    resp = c.soap(body, action=op)
    assert_fault(resp, "ErrorSchemaValidation")
    _, text, _ = resp.fault()
    assert "Restriction" in text and "ParentFolderIds" not in text, text
    ok(messages(sync_items(c, ART), "SyncFolderItems", 1)[0])


def test_find_folder_restriction_with_total_count(env, tmp_path):
    """A Restriction on TotalCount plus TotalCount in the shape: the Contacts folder's count is
    the number of contacts (counted once for the filter and the answer)."""
    c = env.server.client(env.users["owner"])
    n = len(listing(davmail_find(c))[0])
    body = ('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape>'
            '<t:AdditionalProperties><t:FieldURI FieldURI="folder:TotalCount"/>'
            '<t:ExtendedFieldURI PropertyTag="0x3602" PropertyType="Integer"/></t:AdditionalProperties>'
            '</m:FolderShape><m:Restriction><t:IsGreaterThan><t:FieldURI FieldURI="folder:TotalCount"/>'
            '<t:FieldURIOrConstant><t:Constant Value="0"/></t:FieldURIOrConstant></t:IsGreaterThan>'
            '</m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/>'
            '</m:ParentFolderIds></m:FindFolder>')
    resp = c.soap(body, action="FindFolder")
    validate_both(resp, tmp_path)
    rf = ok(messages(resp, "FindFolder", 1)[0]).find("m:RootFolder", NS)
    assert rf.get("TotalItemsInView") == "1"
    f = rf.find("t:Folders", NS)[0]
    assert f.findtext("t:TotalCount", namespaces=NS) == str(n)
    assert ext(f) == {"0x3602": str(n)}
