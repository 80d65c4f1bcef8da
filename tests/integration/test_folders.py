"""GetFolder and FindFolder over the wire (spec mailbox-ops §0.3, §1, §2): every
DistinguishedFolderId value a client can send (present, absent, unknown to the 2019
build), with and without Mailbox, of another user (ErrorAccessDenied) and of nobody
(ErrorNonExistentMailbox); the element per folder kind; error messages with an empty
m:Folders; FindFolder Shallow/Deep/SoftDeleted from root and msgfolderroot, its paging
views and their edges, and hostile requests.  Every answer is schema-checked by ews_it
(validate.sh --set interop); a sample of answers also against the 15.2 set.

The expected folder set below is written from the spec's table (§1.2), not read from
the server's table, so a folder missing, misplaced or of the wrong kind fails here.
"""
import re
import xml.etree.ElementTree as ET

import pytest

from ews_it import DOMAIN, NS, UserSpec, assert_fault, destroy_env, make_env, messages, tag, validate_both

# id: (parent, FolderClass or None, DisplayName, element) -- spec §1.2 ("Emit? yes")
PRESENT = {
    "root": (None, None, "", "Folder"),
    "msgfolderroot": ("root", None, "Top of Information Store", "Folder"),
    "inbox": ("msgfolderroot", "IPF.Note", "Inbox", "Folder"),
    "drafts": ("msgfolderroot", "IPF.Note", "Drafts", "Folder"),
    "sentitems": ("msgfolderroot", "IPF.Note", "Sent Items", "Folder"),
    "deleteditems": ("msgfolderroot", "IPF.Note", "Deleted Items", "Folder"),
    "outbox": ("msgfolderroot", "IPF.Note", "Outbox", "Folder"),
    "junkemail": ("msgfolderroot", "IPF.Note", "Junk Email", "Folder"),
    "calendar": ("msgfolderroot", "IPF.Appointment", "Calendar", "CalendarFolder"),
    "contacts": ("msgfolderroot", "IPF.Contact", "Contacts", "ContactsFolder"),
    "tasks": ("msgfolderroot", "IPF.Task", "Tasks", "TasksFolder"),
    "notes": ("msgfolderroot", "IPF.StickyNote", "Notes", "Folder"),
    "journal": ("msgfolderroot", "IPF.Journal", "Journal", "Folder"),
    "syncissues": ("msgfolderroot", "IPF.Note", "Sync Issues", "Folder"),
    "conflicts": ("syncissues", "IPF.Note", "Conflicts", "Folder"),
    "localfailures": ("syncissues", "IPF.Note", "Local Failures", "Folder"),
    "serverfailures": ("syncissues", "IPF.Note", "Server Failures", "Folder"),
    "conversationhistory": ("msgfolderroot", "IPF.Note", "Conversation History", "Folder"),
    "searchfolders": ("root", None, "Finder", "Folder"),
    "todosearch": ("searchfolders", "IPF.Task", "To-Do Search", "SearchFolder"),
    "recipientcache": ("contacts", "IPF.Contact.RecipientCache", "Recipient Cache", "ContactsFolder"),
    "quickcontacts": ("contacts", "IPF.Contact.MOC.QuickContacts", "{06967759-274D-40B2-A3EB-D7F9E73727D7}",
                      "ContactsFolder"),
    "imcontactlist": ("contacts", "IPF.Contact.MOC.ImContactList", "{A9E2BC46-B3A0-4243-B315-60D991004455}",
                      "ContactsFolder"),
    "peopleconnect": ("root", "IPF.Note", "PeopleConnect", "Folder"),
    "mycontacts": ("root", "IPF.Note", "My Contacts", "SearchFolder"),
    "favorites": ("root", "IPF.Note", "Favorites", "Folder"),
    "recoverableitemsroot": ("root", None, "Recoverable Items", "Folder"),
    "recoverableitemsdeletions": ("recoverableitemsroot", None, "Deletions", "Folder"),
    "recoverableitemsversions": ("recoverableitemsroot", None, "Versions", "Folder"),
    "recoverableitemspurges": ("recoverableitemsroot", None, "Purges", "Folder"),
    "recoverableitemsdiscoveryholds": ("recoverableitemsroot", None, "DiscoveryHolds", "Folder"),
}
# valid enum values a 2019 mailbox without archive/UM/public folders does not have (§1.2)
ABSENT = [
    "publicfoldersroot", "voicemail", "adminauditlogs", "directory",
    "archiveroot", "archivemsgfolderroot", "archivedeleteditems", "archiveinbox",
    "archiverecoverableitemsroot", "archiverecoverableitemsdeletions", "archiverecoverableitemsversions",
    "archiverecoverableitemspurges", "archiverecoverableitemsdiscoveryholds",
    "teamspaceactivity", "teamspacemessaging", "teamspaceworkitems", "scheduled", "orionnotes", "tagitems",
    "alltaggeditems", "externalcontacts", "teamchat", "teamchathistory", "yammerroot", "yammerinbound",
    "yammeroutbound", "yammerfeeds", "onedriveroot", "onedriverecylebin", "onedrivesystem", "onedrivevolume",
    "important", "starred", "archive",
]
# in the 15.2 schema, not known to the 2019 build (§1.3)
UNRECOGNIZED = ["mecontact", "personmetadata"]
HIDDEN_CONTACTS_SUBFOLDERS = {"Recipient Cache", "{06967759-274D-40B2-A3EB-D7F9E73727D7}",
                              "{A9E2BC46-B3A0-4243-B315-60D991004455}", "GAL Contacts",
                              "Organizational Contacts", "Companies", "PeopleCentricConversation Buddies"}
# the non-IPM folders real servers show under root (§1.1, §2.2)
ROOT_SYSTEM_FOLDERS = {"Common Views", "Deferred Action", "Freebusy Data", "Schedule", "Shortcuts",
                       "Spooler Queue", "System", "Views", "Reminders", "ExchangeSyncData",
                       "MailboxAssociations", "AllItems", "AllContacts", "Sharing"}
NO_UNREAD = {"ContactsFolder", "CalendarFolder"}      # derived from BaseFolderType, not FolderType
ALL_FIELDS = ["folder:FolderId", "folder:ParentFolderId", "folder:FolderClass", "folder:DisplayName",
              "folder:TotalCount", "folder:ChildFolderCount", "folder:UnreadCount"]

CONTACTS = [{"display_name": f"Person {i}", "email": f"p{i}@folders.test"} for i in range(4)]


def add_contacts(doc, _tenant_dir):
    for u in doc["users"]:
        if u["alias"] == "owner":
            u["contacts"] = CONTACTS


@pytest.fixture(scope="module")
def env():
    e = make_env([UserSpec("owner"), UserSpec("other")], extra=add_contacts)
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def owner(env):
    return env.client("owner")


# ---- helpers ---------------------------------------------------------------------------------

def text(el, name):
    return el.findtext(f"t:{name}", namespaces=NS)


def distinguished(name, mailbox=None):
    mb = f"<t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox>" if mailbox else ""
    return f'<t:DistinguishedFolderId Id="{name}">{mb}</t:DistinguishedFolderId>'


def folder_id(fid):
    return f'<t:FolderId Id="{fid}"/>'


def shape_xml(shape, fields=()):
    props = "".join(f'<t:FieldURI FieldURI="{f}"/>' for f in fields)
    return f"<t:BaseShape>{shape}</t:BaseShape>" + (f"<t:AdditionalProperties>{props}</t:AdditionalProperties>"
                                                     if props else "")


def get_folder(client, refs, shape="AllProperties", fields=()):
    return client.soap(f"<m:GetFolder><m:FolderShape>{shape_xml(shape, fields)}</m:FolderShape>"
                       f"<m:FolderIds>{''.join(refs)}</m:FolderIds></m:GetFolder>", action="GetFolder")


def find_folder(client, parents, traversal="Shallow", shape="Default", fields=(), view="", extra=""):
    return client.soap(f'<m:FindFolder Traversal="{traversal}"><m:FolderShape>{shape_xml(shape, fields)}'
                       f"</m:FolderShape>{view}{extra}<m:ParentFolderIds>{''.join(parents)}</m:ParentFolderIds>"
                       "</m:FindFolder>", action="FindFolder")


def indexed(offset, max_entries=None, base="Beginning"):
    m = f' MaxEntriesReturned="{max_entries}"' if max_entries is not None else ""
    return f'<m:IndexedPageFolderView{m} Offset="{offset}" BasePoint="{base}"/>'


def fractional(num, den, max_entries=None):
    m = f' MaxEntriesReturned="{max_entries}"' if max_entries is not None else ""
    return f'<m:FractionalPageFolderView{m} Numerator="{num}" Denominator="{den}"/>'


def code(m):
    return m.findtext("m:ResponseCode", namespaces=NS)


def assert_folder_error(m, want, message=None):
    """Error message of a folder operation (§0.3): MessageText, ResponseCode,
    DescriptiveLinkKey, then an empty m:Folders on GetFolder."""
    assert m.get("ResponseClass") == "Error", (m.attrib, code(m))
    assert code(m) == want, f"{code(m)} != {want}: {m.findtext('m:MessageText', namespaces=NS)}"
    assert m.findtext("m:MessageText", namespaces=NS)
    if message is not None:
        assert m.findtext("m:MessageText", namespaces=NS) == message
    assert m.findtext("m:DescriptiveLinkKey", namespaces=NS) == "0"
    if tag(m) == "GetFolderResponseMessage":
        assert [tag(c) for c in m] == ["MessageText", "ResponseCode", "DescriptiveLinkKey", "Folders"]
        assert len(m.find("m:Folders", NS)) == 0
    else:
        assert m.find("m:RootFolder", NS) is None


def the_folder(m):
    assert m.get("ResponseClass") == "Success", (code(m), m.findtext("m:MessageText", namespaces=NS))
    assert code(m) == "NoError"
    fl = m.find("m:Folders", NS)
    assert fl is not None and len(fl) == 1
    return fl[0]


def root_folder(m):
    assert m.get("ResponseClass") == "Success", (code(m), m.findtext("m:MessageText", namespaces=NS))
    rf = m.find("m:RootFolder", NS)
    assert rf is not None, "success without m:RootFolder"
    fl = rf.find("t:Folders", NS)
    assert fl is not None, "m:RootFolder without t:Folders"
    return rf, list(fl)


def paging(rf):
    return (rf.get("IndexedPagingOffset"), rf.get("TotalItemsInView"), rf.get("IncludesLastItemInRange"),
            rf.get("NumeratorOffset"), rf.get("AbsoluteDenominator"))


def fid(f):
    return f.find("t:FolderId", NS).get("Id")


def still_serving(env):
    """After a bad request the server answers a good one on a new connection."""
    c = env.server.client(env.u("owner"))
    assert code(messages(get_folder(c, [distinguished("inbox")], "IdOnly"), "GetFolder", 1)[0]) == "NoError"
    c.close()


@pytest.fixture(scope="module")
def ids(owner):
    """FolderId of every present distinguished folder of the owner."""
    names = list(PRESENT)
    msgs = messages(get_folder(owner, [distinguished(n) for n in names], "IdOnly"), "GetFolder", len(names))
    return {n: fid(the_folder(m)) for n, m in zip(names, msgs)}


# ---- GetFolder ---------------------------------------------------------------------------------

@pytest.mark.parametrize("with_mailbox", [False, True], ids=["no-mailbox", "own-mailbox"])
def test_every_distinguished_id(env, owner, ids, with_mailbox, tmp_path):
    names = list(PRESENT) + ABSENT + UNRECOGNIZED
    mb = env.u("owner").email if with_mailbox else None
    resp = get_folder(owner, [distinguished(n, mb) for n in names])
    msgs = messages(resp, "GetFolder", len(names))
    validate_both(resp, tmp_path)
    for name, m in zip(names, msgs):
        if name in ABSENT:
            assert_folder_error(m, "ErrorFolderNotFound", "The specified folder could not be found in the store.")
            continue
        if name in UNRECOGNIZED:
            assert_folder_error(m, "ErrorInvalidOperation", "The distinguished folder name is unrecognized.")
            continue
        parent, cls, display, element = PRESENT[name]
        f = the_folder(m)
        assert tag(f) == element, name
        assert fid(f) == ids[name]
        assert f.find("t:FolderId", NS).get("ChangeKey")
        if parent is None:
            assert f.find("t:ParentFolderId", NS) is None
        else:
            assert f.find("t:ParentFolderId", NS).get("Id") == ids[parent], name
        assert text(f, "FolderClass") == cls, name
        assert (text(f, "DisplayName") or "") == display
        assert text(f, "TotalCount") == (str(len(CONTACTS)) if name == "contacts" else "0"), name
        want_children = sum(1 for p in PRESENT.values() if p[0] == name)
        assert int(text(f, "ChildFolderCount")) >= want_children, name
        assert (f.find("t:UnreadCount", NS) is None) == (element in NO_UNREAD), name
        if element not in NO_UNREAD:
            assert text(f, "UnreadCount") == "0"
        assert f.find("t:EffectiveRights/t:Read", NS).text == "true"


def test_child_counts_are_the_children(owner, ids):
    """ChildFolderCount equals what FindFolder Shallow returns, for every folder."""
    names = list(PRESENT)
    got = messages(get_folder(owner, [distinguished(n) for n in names], "Default"), "GetFolder", len(names))
    found = messages(find_folder(owner, [distinguished(n) for n in names], "Shallow", "IdOnly"),
                     "FindFolder", len(names))
    for name, g, ff in zip(names, got, found):
        rf, children = root_folder(ff)
        assert text(the_folder(g), "ChildFolderCount") == str(len(children)) == rf.get("TotalItemsInView"), name


def test_get_folder_by_folder_id_and_other_mailboxes(env, owner, ids):
    other = env.client("other")
    others_inbox = fid(the_folder(messages(get_folder(other, [distinguished("inbox")], "IdOnly"),
                                           "GetFolder", 1)[0]))
    refs = [
        folder_id(ids["calendar"]),                             # t:CalendarFolder by FolderId
        folder_id(ids["todosearch"]),
        distinguished("inbox", env.u("other").email),           # another user's mailbox
        distinguished("tasks", f"nobody@{DOMAIN}"),             # nobody's
        folder_id(others_inbox),                                 # another user's FolderId
        folder_id("AAMkAGI2TG93AAA="),                           # malformed
        folder_id(""),                                           # empty
        distinguished("archiveinbox", f"nobody@{DOMAIN}"),
        distinguished("inbox", f"owner.alt@{DOMAIN}"),          # the caller by a proxy address
    ]
    msgs = messages(get_folder(owner, refs), "GetFolder", len(refs))
    assert tag(the_folder(msgs[0])) == "CalendarFolder"
    assert tag(the_folder(msgs[1])) == "SearchFolder"
    assert_folder_error(msgs[2], "ErrorAccessDenied")
    assert_folder_error(msgs[3], "ErrorNonExistentMailbox")
    assert_folder_error(msgs[4], "ErrorAccessDenied")
    assert_folder_error(msgs[5], "ErrorInvalidIdMalformed")
    assert_folder_error(msgs[6], "ErrorInvalidIdEmpty")
    assert_folder_error(msgs[7], "ErrorNonExistentMailbox")
    assert fid(the_folder(msgs[8])) == ids["inbox"]


def ext_values(f):
    """{PropertyTag echo: Value} of a folder's t:ExtendedProperty elements."""
    return {e.find("t:ExtendedFieldURI", NS).get("PropertyTag"): e.findtext("t:Value", namespaces=NS)
            for e in f.findall("t:ExtendedProperty", NS)}


# DavMail's FOLDER_PROPERTIES (§11.3), as it spells them
DAVMAIL_TAGS = [("0x10f3", "String"), ("0x3008", "SystemTime"), ("0x3613", "String"), ("0x670a", "SystemTime"),
                ("0x3602", "Integer"), ("0x3603", "Integer"), ("0x360a", "Boolean"), ("0x6751", "Integer"),
                ("0x6752", "Integer")]


def test_login_probes_with_mapi_properties(owner, tmp_path):
    """What DavMail sends at login (§11.3): GetFolder of the mail folders with
    nine ExtendedFieldURIs; the table's values come back after ChildFolderCount
    (tags canonical), the ones ewsemu does not have are left out."""
    ext = "".join(f'<t:ExtendedFieldURI PropertyTag="{t}" PropertyType="{ty}"/>' for t, ty in DAVMAIL_TAGS)
    names = ["inbox", "calendar", "contacts", "sentitems", "drafts", "deleteditems", "junkemail", "outbox"]
    body = ("<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            f'<t:FieldURI FieldURI="folder:DisplayName"/>{ext}</t:AdditionalProperties></m:FolderShape>'
            f"<m:FolderIds>{''.join(distinguished(n) for n in names)}</m:FolderIds></m:GetFolder>")
    resp = owner.soap(body, action="GetFolder")
    validate_both(resp, tmp_path)
    msgs = messages(resp, "GetFolder", len(names))
    for name, m in zip(names, msgs):
        f = the_folder(m)
        assert [tag(c) for c in f] == ["FolderId", "DisplayName"] + ["ExtendedProperty"] * 9
        assert text(f, "DisplayName") == PRESENT[name][2]
        total = str(len(CONTACTS)) if name == "contacts" else "0"
        subs = "true" if name == "contacts" else "false"   # its hidden system subfolders
        got = ext_values(f)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got["0x3008"]), got
        assert got["0x670a"] == got["0x3008"]
        last = len(CONTACTS) if name == "contacts" else 0   # article numbers 1..n
        assert got == {"0x10f3": PRESENT[name][2], "0x3008": got["0x3008"], "0x3613": PRESENT[name][1],
                       "0x670a": got["0x3008"], "0x3602": total, "0x3603": "0", "0x360a": subs,
                       "0x6751": str(last + 1), "0x6752": str(last)}
        types = [e.find("t:ExtendedFieldURI", NS).get("PropertyType") for e in f.findall("t:ExtendedProperty", NS)]
        assert types == [ty for _, ty in DAVMAIL_TAGS]


def test_folder_mapi_properties_in_find_folder(owner):
    """FindFolder Shallow from msgfolderroot with 0x360a (DavMail recurses on it),
    0x3001 and evolution's decimal 4340: set only where the folder has it."""
    fields = ('<t:ExtendedFieldURI PropertyTag="0x360A" PropertyType="Boolean"/>'
              '<t:ExtendedFieldURI PropertyTag="12289" PropertyType="String"/>'
              '<t:ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/>')
    shape = f"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{fields}</t:AdditionalProperties>"
    body = (f'<m:FindFolder Traversal="Deep"><m:FolderShape>{shape}</m:FolderShape>'
            f'<m:ParentFolderIds>{distinguished("msgfolderroot")}</m:ParentFolderIds></m:FindFolder>')
    _, folders = root_folder(messages(owner.soap(body, action="FindFolder"), "FindFolder", 1)[0])
    by_name = {ext_values(f)["0x3001"]: ext_values(f) for f in folders}
    assert by_name["Contacts"] == {"0x360a": "true", "0x3001": "Contacts"}
    assert by_name["Inbox"] == {"0x360a": "false", "0x3001": "Inbox"}
    assert by_name["Sync Issues"]["0x360a"] == "true"
    for name in HIDDEN_CONTACTS_SUBFOLDERS:
        assert by_name[name] == {"0x360a": "false", "0x3001": name, "0x10f4": "true"}


@pytest.mark.parametrize("uri,want", [
    ('<t:ExtendedFieldURI PropertyTag="0x3613" PropertyId="5" PropertyType="String"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyType="String"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0x8001" PropertyType="String"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="Object"/>', "ErrorUnsupportedMapiPropertyType"),
], ids=["tag-and-id", "no-identity", "named-range-tag", "object-type"])
def test_malformed_folder_mapi_property(env, owner, uri, want):
    """A malformed ExtendedFieldURI is every message's error, as on GetItem."""
    shape = f"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{uri}</t:AdditionalProperties>"
    resp = owner.soap(f"<m:GetFolder><m:FolderShape>{shape}</m:FolderShape><m:FolderIds>"
                      f'{distinguished("inbox")}{distinguished("contacts")}</m:FolderIds></m:GetFolder>',
                      action="GetFolder")
    for m in messages(resp, "GetFolder", 2):
        assert_folder_error(m, want)
    resp = owner.soap(f'<m:FindFolder Traversal="Shallow"><m:FolderShape>{shape}</m:FolderShape>'
                      f'<m:ParentFolderIds>{distinguished("root")}</m:ParentFolderIds></m:FindFolder>',
                      action="FindFolder")
    assert_folder_error(messages(resp, "FindFolder", 1)[0], want)
    still_serving(env)


def test_unknown_distinguished_id_is_a_schema_fault(env, owner):
    resp = get_folder(owner, [distinguished("inbox"), distinguished("inboxx")])
    assert_fault(resp, "ErrorSchemaValidation")
    resp = find_folder(owner, [distinguished("Inbox")])        # the enum is case-sensitive
    assert_fault(resp, "ErrorSchemaValidation")
    still_serving(env)


def test_folder_id_limit(env, owner, ids):
    at_limit = [folder_id(ids["inbox"])] * 100
    assert len(messages(get_folder(owner, at_limit, "IdOnly"), "GetFolder", 100)) == 100
    assert len(messages(find_folder(owner, at_limit, shape="IdOnly"), "FindFolder", 100)) == 100
    assert_fault(get_folder(owner, [folder_id(ids["inbox"])] * 101, "IdOnly"), "ErrorSchemaValidation")
    assert_fault(get_folder(owner, [distinguished("inbox")] * 1000, "IdOnly"), "ErrorSchemaValidation")
    assert_fault(find_folder(owner, [distinguished("root")] * 1000), "ErrorSchemaValidation")
    still_serving(env)


# ---- FindFolder --------------------------------------------------------------------------------

def deep(client, parent, fields=ALL_FIELDS, view=""):
    m = messages(find_folder(client, [distinguished(parent)], "Deep", "IdOnly", fields, view), "FindFolder", 1)[0]
    return root_folder(m)


def test_find_deep_from_root_is_the_whole_tree(owner, ids, tmp_path):
    resp = find_folder(owner, [distinguished("root")], "Deep", "IdOnly", ALL_FIELDS)
    validate_both(resp, tmp_path)
    rf, folders = root_folder(messages(resp, "FindFolder", 1)[0])
    assert paging(rf) == (None, str(len(folders)), "true", None, None)
    by_id = {fid(f): f for f in folders}
    assert len(by_id) == len(folders), "a folder listed twice"
    assert ids["root"] not in by_id
    # every distinguished folder but root, with its kind, class and name
    for name, (parent, cls, display, element) in PRESENT.items():
        if name == "root":
            continue
        f = by_id[ids[name]]
        assert tag(f) == element and text(f, "FolderClass") == cls and text(f, "DisplayName") == display, name
    names = {text(f, "DisplayName") for f in folders}
    assert HIDDEN_CONTACTS_SUBFOLDERS <= names
    assert ROOT_SYSTEM_FOLDERS <= names
    # pre-order: each parent before its children; counts add up
    seen = {ids["root"]}
    for f in folders:
        parent = f.find("t:ParentFolderId", NS).get("Id")
        assert parent in seen, text(f, "DisplayName")
        seen.add(fid(f))
        n_children = sum(1 for g in folders if g.find("t:ParentFolderId", NS).get("Id") == fid(f))
        assert text(f, "ChildFolderCount") == str(n_children)
    for f in folders:
        if text(f, "FolderClass") and text(f, "FolderClass").startswith("IPF.Contact"):
            assert tag(f) == "ContactsFolder"


def test_find_deep_from_msgfolderroot_is_the_ipm_subtree(owner, ids):
    _, folders = deep(owner, "msgfolderroot")
    names = {text(f, "DisplayName") for f in folders}
    assert {"Inbox", "Calendar", "Contacts", "Tasks", "Conflicts", "Recipient Cache"} <= names
    assert not names & ({"Finder", "To-Do Search", "Recoverable Items", "Deletions"} | ROOT_SYSTEM_FOLDERS)
    _, from_root = deep(owner, "root")
    top = [f for f in from_root if fid(f) == ids["msgfolderroot"]]
    assert len(top) == 1
    # the subtree from msgfolderroot is the same run of folders as under root
    i = [fid(f) for f in from_root].index(ids["msgfolderroot"])
    assert [fid(f) for f in folders] == [fid(f) for f in from_root[i + 1:i + 1 + len(folders)]]


def test_find_shallow_and_soft_deleted(owner, ids):
    parents = [distinguished("root"), distinguished("msgfolderroot"), folder_id(ids["contacts"]),
               distinguished("inbox")]
    shallow = messages(find_folder(owner, parents, "Shallow", "Default"), "FindFolder", 4)
    rf, top = root_folder(shallow[1])
    assert [text(f, "DisplayName") for f in top][:13] == [
        "Inbox", "Drafts", "Sent Items", "Deleted Items", "Outbox", "Junk Email", "Calendar", "Contacts", "Tasks",
        "Notes", "Journal", "Sync Issues", "Conversation History"]
    # the Default shape: FolderId, DisplayName, TotalCount, ChildFolderCount, UnreadCount where it exists
    for f in top:
        want = ["FolderId", "DisplayName", "TotalCount", "ChildFolderCount"]
        assert [tag(c) for c in f] == want + ([] if tag(f) in NO_UNREAD else ["UnreadCount"])
    _, under_contacts = root_folder(shallow[2])
    assert {text(f, "DisplayName") for f in under_contacts} == HIDDEN_CONTACTS_SUBFOLDERS
    assert {tag(f) for f in under_contacts} == {"ContactsFolder"}
    rf, none = root_folder(shallow[3])
    assert none == [] and paging(rf) == (None, "0", "true", None, None)
    soft = messages(find_folder(owner, parents, "SoftDeleted"), "FindFolder", 4)
    for m in soft:
        rf, folders = root_folder(m)
        assert folders == [] and paging(rf) == (None, "0", "true", None, None)


def test_find_paging_indexed(owner):
    _, everything = deep(owner, "root")
    total = len(everything)
    all_ids = [fid(f) for f in everything]
    # exchangelib's loop: pages of 10 until IncludesLastItemInRange
    got, offset = [], 0
    while True:
        rf, page = deep(owner, "root", view=indexed(offset, 10))
        assert rf.get("TotalItemsInView") == str(total)
        got += [fid(f) for f in page]
        offset = int(rf.get("IndexedPagingOffset"))
        assert offset == len(got)
        if rf.get("IncludesLastItemInRange") == "true":
            break
        assert len(page) == 10
    assert got == all_ids
    # exactly the last page
    rf, page = deep(owner, "root", view=indexed(total - 5, 5))
    assert [fid(f) for f in page] == all_ids[-5:]
    assert paging(rf) == (str(total), str(total), "true", None, None)
    # one short of the last page
    rf, page = deep(owner, "root", view=indexed(total - 6, 5))
    assert paging(rf)[2] == "false"
    # offset past the end: success, no folders, the end
    rf, page = deep(owner, "root", view=indexed(total + 50, 5))
    assert page == [] and paging(rf) == (str(total), str(total), "true", None, None)
    # no MaxEntriesReturned: everything from Offset
    rf, page = deep(owner, "root", view=indexed(3))
    assert [fid(f) for f in page] == all_ids[3:] and rf.get("IncludesLastItemInRange") == "true"


def test_find_paging_base_point_end(owner):
    _, everything = deep(owner, "root")
    total, all_ids = len(everything), [fid(f) for f in everything]
    rf, page = deep(owner, "root", view=indexed(0, 4, "End"))
    assert [fid(f) for f in page] == all_ids[-4:]                      # forward order
    assert paging(rf) == ("4", str(total), "false", None, None)
    rf, page = deep(owner, "root", view=indexed(10, 4, "End"))
    assert [fid(f) for f in page] == all_ids[total - 14:total - 10]
    assert rf.get("IndexedPagingOffset") == "14"
    rf, page = deep(owner, "root", view=indexed(total - 2, 4, "End"))  # reaches the first folder
    assert [fid(f) for f in page] == all_ids[:2] and rf.get("IncludesLastItemInRange") == "true"
    rf, page = deep(owner, "root", view=indexed(total + 3, 4, "End"))
    assert page == [] and rf.get("IncludesLastItemInRange") == "true"


def test_find_paging_fractional(owner, tmp_path):
    _, everything = deep(owner, "root")
    total, all_ids = len(everything), [fid(f) for f in everything]
    resp = find_folder(owner, [distinguished("root")], "Deep", "IdOnly", view=fractional(1, 2, 5))
    validate_both(resp, tmp_path)
    rf, page = root_folder(messages(resp, "FindFolder", 1)[0])
    start = total // 2
    assert [fid(f) for f in page] == all_ids[start:start + 5]
    assert paging(rf) == (None, str(total), "false", str(start + 5), str(total))
    rf, page = deep(owner, "root", view=fractional(0, 3))             # no maximum: all
    assert len(page) == total and rf.get("IncludesLastItemInRange") == "true"
    rf, page = deep(owner, "root", view=fractional(7, 7, 5))          # the end
    assert page == [] and rf.get("IncludesLastItemInRange") == "true"


@pytest.mark.parametrize("view,want", [
    (indexed(0, 0), "ErrorInvalidPagingMaxRows"),
    (indexed(0, -3), "ErrorInvalidPagingMaxRows"),
    (indexed(-1, 5), "ErrorInvalidIndexedPagingParameters"),
    (fractional(3, 2), "ErrorInvalidFractionalPagingParameters"),
    (fractional(-1, 2), "ErrorInvalidFractionalPagingParameters"),
    (fractional(0, 0), "ErrorInvalidFractionalPagingParameters"),
    (fractional(1, 2, 0), "ErrorInvalidPagingMaxRows"),
], ids=["max-0", "max-negative", "offset-negative", "num-gt-den", "num-negative", "den-0", "fraction-max-0"])
def test_find_view_errors(env, owner, view, want):
    resp = find_folder(owner, [distinguished("root"), distinguished("contacts")], view=view)
    for m in messages(resp, "FindFolder", 2):
        assert_folder_error(m, want)
    still_serving(env)


def test_find_errors_per_parent(env, owner, ids):
    other = env.client("other")
    others_root = fid(the_folder(messages(get_folder(other, [distinguished("root")], "IdOnly"),
                                          "GetFolder", 1)[0]))
    parents = [distinguished("archiveroot"), distinguished("root", env.u("other").email),
               distinguished("root", f"nobody@{DOMAIN}"), folder_id(others_root), folder_id("bm90LWFuLWlk"),
               distinguished("mecontact"), folder_id(ids["syncissues"])]
    msgs = messages(find_folder(owner, parents), "FindFolder", len(parents))
    want = ["ErrorFolderNotFound", "ErrorAccessDenied", "ErrorNonExistentMailbox", "ErrorAccessDenied",
            "ErrorInvalidIdMalformed", "ErrorInvalidOperation"]
    for m, w in zip(msgs, want):
        assert_folder_error(m, w)
    _, folders = root_folder(msgs[-1])
    assert [text(f, "DisplayName") for f in folders] == ["Conflicts", "Local Failures", "Server Failures"]


def restriction(expr):
    return f"<m:Restriction>{expr}</m:Restriction>"


def cmp(op, path, value):
    return f'<t:{op}>{path}<t:FieldURIOrConstant><t:Constant Value="{value}"/></t:FieldURIOrConstant></t:{op}>'


def furi(uri):
    return f'<t:FieldURI FieldURI="{uri}"/>'


def ext(tag_, type_="Boolean"):
    return f'<t:ExtendedFieldURI PropertyTag="{tag_}" PropertyType="{type_}"/>'


def find_where(client, parent, expr, traversal="Deep", view="", fields=ALL_FIELDS):
    return find_folder(client, [distinguished(parent)], traversal, "IdOnly", fields, view, restriction(expr))


def test_find_restriction_on_folder_class(owner, ids, tmp_path):
    """exchangelib/DavMail: FolderClass = IPF.Contact, Deep from msgfolderroot:
    Contacts only (equality is whole-value, case-insensitive); Prefixed also
    gives its subfolders; TotalItemsInView counts the matches."""
    resp = find_where(owner, "msgfolderroot", cmp("IsEqualTo", furi("folder:FolderClass"), "ipf.contact"))
    validate_both(resp, tmp_path)
    rf, folders = root_folder(messages(resp, "FindFolder", 1)[0])
    assert [fid(f) for f in folders] == [ids["contacts"]]
    assert paging(rf) == (None, "1", "true", None, None)
    assert text(folders[0], "TotalCount") == str(len(CONTACTS))
    prefixed = ('<t:Contains ContainmentMode="Prefixed" ContainmentComparison="Exact">'
                f'{furi("folder:FolderClass")}<t:Constant Value="IPF.Contact"/></t:Contains>')
    _, folders = root_folder(messages(find_where(owner, "msgfolderroot", prefixed), "FindFolder", 1)[0])
    assert {text(f, "DisplayName") for f in folders} == {"Contacts"} | HIDDEN_CONTACTS_SUBFOLDERS
    assert all(f.find("t:ParentFolderId", NS).get("Id") in (ids["contacts"], ids["msgfolderroot"])
               for f in folders)


def test_find_restriction_contains_and_paging(owner):
    """Contains Substring IgnoreCase on DisplayName, paged: the view pages the
    matches, not the traversal."""
    expr = ('<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">'
            f'{furi("folder:DisplayName")}<t:Constant Value="ITEMS"/></t:Contains>')
    _, folders = root_folder(messages(find_where(owner, "root", expr), "FindFolder", 1)[0])
    names = [text(f, "DisplayName") for f in folders]
    assert names == ["Sent Items", "Deleted Items", "Recoverable Items", "AllItems"]
    rf, page = root_folder(messages(find_where(owner, "root", expr, view=indexed(1, 2)), "FindFolder", 1)[0])
    assert [text(f, "DisplayName") for f in page] == names[1:3]
    assert paging(rf) == ("3", "4", "false", None, None)
    # counts: the one folder holding more than 3 items; Exact is case-sensitive
    _, big = root_folder(messages(find_where(owner, "root", cmp("IsGreaterThan", furi("folder:TotalCount"), 3)),
                                  "FindFolder", 1)[0])
    assert [text(f, "DisplayName") for f in big] == ["Contacts"]
    exact = f'<t:Contains ContainmentMode="Substring">{furi("folder:DisplayName")}<t:Constant Value="ITEMS"/></t:Contains>'
    rf, none = root_folder(messages(find_where(owner, "root", exact), "FindFolder", 1)[0])
    assert none == [] and paging(rf) == (None, "0", "true", None, None)


def test_find_restriction_hidden_folders(owner):
    """PR_ATTR_HIDDEN (0x10f4) is set on the hidden contacts subfolders only:
    evolution's 0x10f4 = true (sent as decimal 4340) finds them, DavMail's
    visible-folder filter Or(Not(Exists 0x10f4), 0x10f4 = false) the rest."""
    _, every = root_folder(messages(find_where(owner, "root", f"<t:Exists>{ext('0x10f4')}</t:Exists>"),
                                    "FindFolder", 1)[0])
    assert {text(f, "DisplayName") for f in every} == HIDDEN_CONTACTS_SUBFOLDERS
    _, hidden = root_folder(messages(find_where(owner, "root", cmp("IsEqualTo", ext("4340"), "true")),
                                     "FindFolder", 1)[0])
    assert {text(f, "DisplayName") for f in hidden} == HIDDEN_CONTACTS_SUBFOLDERS
    _, all_ = deep(owner, "root")
    visible = (f"<t:Or><t:Not><t:Exists>{ext('0x10f4')}</t:Exists></t:Not>"
               f"{cmp('IsEqualTo', ext('0x10f4'), 'false')}</t:Or>")
    rf, shown = root_folder(messages(find_where(owner, "root", visible), "FindFolder", 1)[0])
    assert len(shown) == len(all_) - len(HIDDEN_CONTACTS_SUBFOLDERS)
    # a MAPI property no folder has (a contact's given name) is missing on every folder
    _, none = root_folder(messages(find_where(owner, "root", f"<t:Exists>{ext('0x3a06', 'String')}</t:Exists>"),
                                   "FindFolder", 1)[0])
    assert none == []
    assert not {text(f, "DisplayName") for f in shown} & HIDDEN_CONTACTS_SUBFOLDERS
    assert rf.get("TotalItemsInView") == str(len(shown))


@pytest.mark.parametrize("expr,want", [
    # item and contact properties are not folder properties (§2.4)
    (cmp("IsEqualTo", furi("contacts:DisplayName"), "Contacts"), "ErrorUnsupportedPathForQuery"),
    (cmp("IsEqualTo", furi("item:Subject"), "x"), "ErrorUnsupportedPathForQuery"),
    (cmp("IsEqualTo", furi("folder:NoSuchField"), "x"), "ErrorInvalidPropertyRequest"),
    (cmp("IsGreaterThan", furi("folder:TotalCount"), "many"), "ErrorInvalidValueForProperty"),
    (f'<t:Contains>{furi("folder:TotalCount")}<t:Constant Value="1"/></t:Contains>', "ErrorUnsupportedPathForQuery"),
    ('<t:Exists><t:ExtendedFieldURI PropertyTag="0x10f4" PropertyName="x" PropertyType="Boolean"/></t:Exists>',
     "ErrorInvalidExtendedProperty"),
    (f"<t:Exists>{ext('0x10f4', 'Object')}</t:Exists>", "ErrorUnsupportedMapiPropertyType"),
], ids=["contact-field", "item-field", "unknown-field", "bad-constant", "contains-int",
        "bad-extended", "object-type"])
def test_find_restriction_errors(env, owner, expr, want):
    resp = find_folder(owner, [distinguished("root"), distinguished("contacts")], "Deep", "IdOnly",
                       extra=restriction(expr))
    for m in messages(resp, "FindFolder", 2):
        assert_folder_error(m, want)
    still_serving(env)


def test_find_restriction_limits(env, owner):
    """QUERY_DEPTH_MAX (32) levels and QUERY_NODES_MAX (255) nodes as on FindItem."""
    leaf = f"<t:Exists>{furi('folder:DisplayName')}</t:Exists>"
    def nested_not(depth):
        return "<t:Not>" * depth + leaf + "</t:Not>" * depth
    _, inverted = root_folder(messages(find_where(owner, "msgfolderroot", nested_not(31)), "FindFolder", 1)[0])
    assert inverted == []      # every folder below msgfolderroot has a display name
    _, kept = root_folder(messages(find_where(owner, "msgfolderroot", nested_not(30)), "FindFolder", 1)[0])
    assert len(kept) == len(deep(owner, "msgfolderroot")[1])
    assert_folder_error(messages(find_where(owner, "root", nested_not(32)), "FindFolder", 1)[0],
                        "ErrorRestrictionTooComplex")
    assert_fault(find_where(owner, "root", nested_not(5000)), "ErrorSchemaValidation")
    assert root_folder(messages(find_where(owner, "root", "<t:Or>" + leaf * 254 + "</t:Or>"), "FindFolder", 1)[0])
    for n in (255, 10000):
        assert_folder_error(messages(find_where(owner, "root", "<t:Or>" + leaf * n + "</t:Or>"), "FindFolder", 1)[0],
                            "ErrorRestrictionTooLong")
    # an empty Restriction (the schema wants one expression): the schema-validation fault
    assert_fault(find_where(owner, "root", ""), "ErrorSchemaValidation")
    still_serving(env)


@pytest.mark.parametrize("body", [
    '<m:FindFolder Traversal="Sideways"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
    '<m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>',
    '<m:FindFolder Traversal="Deep"><m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds>'
    "</m:FindFolder>",
    '<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
    "<m:ParentFolderIds/></m:FindFolder>",
    '<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
    '<m:IndexedPageFolderView MaxEntriesReturned="ten" Offset="0" BasePoint="Beginning"/>'
    '<m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>',
    '<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
    '<m:IndexedPageFolderView Offset="0" BasePoint="Middle"/>'
    '<m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>',
    '<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
    '<m:IndexedPageFolderView Offset="99999999999" BasePoint="Beginning"/>'
    '<m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>',
], ids=["bad-traversal", "no-shape", "empty-parents", "max-not-int", "bad-base-point", "offset-overflow"])
def test_find_hostile_requests_are_schema_faults(env, owner, body):
    resp = owner.soap(body, action="FindFolder")
    assert_fault(resp, "ErrorSchemaValidation")
    resp.assert_server_version()
    still_serving(env)


def test_ids_are_stable_across_calls_and_users(env, owner, ids):
    _, a = deep(owner, "root", ["folder:ParentFolderId"])
    _, b = deep(owner, "root", ["folder:ParentFolderId"])
    assert [ET.tostring(f) for f in a] == [ET.tostring(f) for f in b]
    _, theirs = deep(env.client("other"), "root", ["folder:ParentFolderId"])
    assert len(theirs) == len(a) and not {fid(f) for f in theirs} & {fid(f) for f in a}
