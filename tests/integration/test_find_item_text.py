"""FindItem, ResolveNames and FindPeople on non-ASCII text over the wire: case-insensitive
matching by Unicode simple case folding (core/fold.h: Latin, Greek, Cyrillic; "ß" is not
"ss"), ill-formed UTF-8 refused without harm, FindItem's 255-character cut of string
properties (spec §3.1; GetItem keeps the whole value).  Bodies are schema-checked by ews_it.
"""
import pytest

from ews_it import (NS, NS_T, UserSpec, assert_fault, assert_no_sanitizer, destroy_env, envelope, make_env,
                    tenant_contacts)

import test_find_item as fi

# spec §3.1: FindItem cuts strings to 255 characters (UTF-16 units), never inside a character
LONG_NAME = "N" * 256                                     # the store's 256-byte name limit
NOTE_2BYTE = "a" * 253 + "é" * 5 + "b" * 42                 # 300 characters, é at 254..258
NOTE_3BYTE = "a" * 254 + "€" + "x" * 45                     # € is the 255th character
NOTE_4BYTE = "a" * 254 + "\U0001F600" + "y" * 45            # 😀 would be units 255 and 256
NOTE_255 = "ж" * 255                                      # exactly the limit: unchanged
CUT = {LONG_NAME: "N" * 255, NOTE_2BYTE: "a" * 253 + "éé", NOTE_3BYTE: "a" * 254 + "€",
       NOTE_4BYTE: "a" * 254, NOTE_255: NOTE_255}

CONTACTS = {
    "owner": [
        {"display_name": "élodie Martin", "email": "elodie@text.test"},
        {"display_name": "Αλέξης Παππάς", "given_name": "Αλέξης", "surname": "Παππάς",
         "email": "alexis@text.test"},
        {"display_name": "Пётр Иванов", "given_name": "Пётр", "surname": "Иванов", "email": "petr@text.test"},
        {"display_name": "Hans Straße", "email": "hans@text.test"},
        {"display_name": "zoë Ölund", "email": "zoe@text.test"},
    ],
}
# added with `ewsemu add-contact` (the tenant file has no notes)
LONG_CONTACTS = [
    {"display_name": LONG_NAME, "email": "long@text.test", "notes": NOTE_2BYTE},
    {"display_name": "Euro", "email": "euro@text.test", "notes": NOTE_3BYTE},
    {"display_name": "Emoji", "email": "emoji@text.test", "notes": NOTE_4BYTE},
    {"display_name": "Short", "email": "short@text.test", "notes": NOTE_255},
]


@pytest.fixture(scope="module")
def env():
    e = make_env([UserSpec("owner"), UserSpec("long")], extra=tenant_contacts(CONTACTS, {}))
    for c in LONG_CONTACTS:
        e.cli("add-contact", "--user", e.users["long"].email, "--display-name", c["display_name"],
              "--email", c["email"], "--notes", c["notes"], check=True)
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def owner(env):
    return env.server.client(env.users["owner"])


DN = fi.field("contacts:DisplayName")


@pytest.mark.parametrize("needle,mode,want", [
    ("ÉLODIE", "Prefixed", ["élodie Martin"]),
    ("ΑΛΈΞΗΣ", "Prefixed", ["Αλέξης Παππάς"]),
    ("παππάς", "Substring", ["Αλέξης Παππάς"]),
    ("ПЁТР", "Prefixed", ["Пётр Иванов"]),
    ("ИВАНОВ", "Substring", ["Пётр Иванов"]),
    ("STRASSE", "Substring", []),                 # simple folding: ß is not ss
    ("STRAẞE", "Substring", ["Hans Straße"]),     # U+1E9E folds to ß
    ("ÖLUND", "Substring", ["zoë Ölund"]),
])
def test_contains_ignore_case(owner, needle, mode, want):
    assert fi.names(fi.find_item(owner, fi.contains(DN, needle, mode, "IgnoreCase"))) == want
    exact = fi.names(fi.find_item(owner, fi.contains(DN, needle, mode, "Exact")))
    assert exact == [], "Exact stays case-sensitive"


def test_is_equal_to_and_ordering_fold_case(owner):
    assert fi.names(fi.find_item(owner, fi.cmp("IsEqualTo", DN, "ΑΛΈΞΗΣ ΠΑΠΠΆΣ"))) == ["Αλέξης Παππάς"]
    assert fi.names(fi.find_item(owner, fi.cmp("IsEqualTo", DN, "пётр иванов"))) == ["Пётр Иванов"]
    others = sorted(c["display_name"] for c in CONTACTS["owner"] if c["display_name"] != "Пётр Иванов")
    assert sorted(fi.names(fi.find_item(owner, fi.cmp("IsNotEqualTo", DN, "ПЁТР ИВАНОВ")))) == others
    # ordinal over folded code points: Latin (é after z), then Greek, then Cyrillic; case ignored
    got = fi.names(fi.find_item(owner, sort=f'<t:FieldOrder Order="Ascending">{DN}</t:FieldOrder>'))
    assert got == ["Hans Straße", "zoë Ölund", "élodie Martin", "Αλέξης Παππάς", "Пётр Иванов"]
    got = fi.names(fi.find_item(owner, fi.cmp("IsGreaterThanOrEqualTo", DN, "ПЁТР")))
    assert got == ["Пётр Иванов"]


def test_contacts_view_folds_case(owner):
    got = sorted(fi.names(fi.find_item(owner, view='<m:ContactsView InitialName="αλ" FinalName="ПЁТР Я"/>')))
    assert got == ["Αλέξης Παππάς", "Пётр Иванов"]


def resolve_contacts(client, entry):
    body = (f'<m:ResolveNames ReturnFullContactData="false" SearchScope="Contacts">'
            f'<m:UnresolvedEntry>{entry}</m:UnresolvedEntry></m:ResolveNames>')
    r = client.soap(body, action="ResolveNames")
    assert r.status == 200, r.body[:600]
    return sorted(m.text.lower() for m in r.body_elem.iter(f"{{{NS_T}}}EmailAddress"))


def find_people_contacts(client, query):
    body = ('<m:FindPeople><m:PersonaShape><t:BaseShape>Default</t:BaseShape></m:PersonaShape>'
            '<m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>'
            '<m:ParentFolderId><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderId>'
            f'<m:QueryString>{query}</m:QueryString></m:FindPeople>')
    r = client.soap(body, version="Exchange2013_SP1", action="FindPeople")
    assert r.status == 200, r.body[:600]
    return sorted(p.findtext("t:EmailAddress/t:EmailAddress", namespaces=NS).lower()
                  for p in r.body_elem.find("m:People", NS).findall("t:Persona", NS))


@pytest.mark.parametrize("entry,want", [
    ("ΑΛΈΞΗΣ", ["alexis@text.test"]),
    ("ПАППАС", []),                 # accents are not case: Παππάς needs its tonos
    ("ΠΑΠΠΆΣ", ["alexis@text.test"]),
    ("иванов", ["petr@text.test"]),
    ("ÉLODIE", ["elodie@text.test"]),
    ("STRAẞE", ["hans@text.test"]),
])
def test_resolve_names_and_find_people_agree(owner, entry, want):
    assert resolve_contacts(owner, entry) == want
    assert find_people_contacts(owner, entry) == want


def test_ill_formed_utf8_is_refused_and_server_keeps_serving(env, owner):
    body = fi.contains(DN, "XX", "Substring", "IgnoreCase")
    raw = envelope(f'<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
                   f'</m:ItemShape><m:Restriction>{body}</m:Restriction><m:ParentFolderIds>'
                   f'<t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>').encode()
    for bad in (b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"):
        r = owner.soap(None, raw=raw.replace(b"XX", b"A" + bad + b"B"), action="FindItem")
        assert_fault(r)
    assert fi.names(fi.find_item(owner, fi.contains(DN, "ΑΛ", "Prefixed", "IgnoreCase"))) == ["Αλέξης Παππάς"]


@pytest.fixture(scope="module")
def long(env):
    return env.server.client(env.users["long"])


def ext_values(contact):
    return {e.find("t:ExtendedFieldURI", NS).get("PropertyTag"): e.findtext("t:Value", namespaces=NS)
            for e in contact.findall("t:ExtendedProperty", NS)}


# the notes are the item's body: FindItem serves no t:Body (spec §3.1) but PR_BODY (0x1000)
PROPS = (fi.field("contacts:DisplayName") + '<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="String"/>'
         '<t:ExtendedFieldURI PropertyTag="0x3001" PropertyType="String"/>')


def test_find_item_cuts_strings_at_255_characters(long):
    rf = fi.root(fi.find_item(long, props=PROPS))
    items = rf.find("t:Items", NS)
    assert len(items) == len(LONG_CONTACTS)
    for c in items:
        name = c.findtext("t:DisplayName", namespaces=NS)
        full = next(x for x in LONG_CONTACTS if CUT.get(x["display_name"], x["display_name"]) == name)
        assert name == CUT.get(full["display_name"], full["display_name"])
        ext = ext_values(c)
        assert ext["0x3001"] == name
        assert ext["0x1000"] == CUT[full["notes"]], (len(ext["0x1000"]), ext["0x1000"][-3:])
        # GetItem returns the whole values
        body = ('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
                f'{PROPS}</t:AdditionalProperties></m:ItemShape><m:ItemIds>'
                f'<t:ItemId Id="{c.find("t:ItemId", NS).get("Id")}"/></m:ItemIds></m:GetItem>')
        r = long.soap(body, action="GetItem")
        assert r.status == 200
        got = r.body_elem.find(".//t:Contact", NS)
        assert got.findtext("t:DisplayName", namespaces=NS) == full["display_name"]
        assert ext_values(got) == {"0x3001": full["display_name"], "0x1000": full["notes"]}


def test_server_log_clean(env, owner):
    fi.find_item(owner)
    assert_no_sanitizer(env.server.stderr(), "text matching")


# ---- GroupBy / DistinguishedGroupBy (spec §3.4): not served, refused per message -------------

GROUP_BY = ('<m:GroupBy Order="Ascending"><t:FieldURI FieldURI="contacts:CompanyName"/>'
            '<t:AggregateOn Aggregate="Minimum"><t:FieldURI FieldURI="contacts:DisplayName"/></t:AggregateOn>'
            '</m:GroupBy>')
DISTINGUISHED = ('<m:DistinguishedGroupBy Order="Descending"><t:StandardGroupBy>ConversationTopic'
                 '</t:StandardGroupBy></m:DistinguishedGroupBy>')


@pytest.mark.parametrize("group", [GROUP_BY, DISTINGUISHED])
def test_group_by_is_refused_not_ignored(owner, group):
    view = '<m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>'
    folders = ['<t:DistinguishedFolderId Id="contacts"/>', '<t:DistinguishedFolderId Id="inbox"/>']
    r = fi.find_item(owner, restriction=fi.contains(DN, "a", "Substring", "IgnoreCase"), view=view + group,
                     folders=folders)
    for m in fi.messages(r, 2):
        assert m.get("ResponseClass") == "Error"
        assert m.findtext("m:ResponseCode", namespaces=NS) == "ErrorUnsupportedPathForSortGroup"
        assert m.findtext("m:MessageText", namespaces=NS)
        assert m.find("m:RootFolder", NS) is None
    # the same request without grouping is served
    assert len(fi.messages(fi.find_item(owner, view=view, folders=folders), 2)) == 2


@pytest.mark.parametrize("group", [
    GROUP_BY.replace('Order="Ascending"', 'Order="Sideways"'),
    DISTINGUISHED.replace("ConversationTopic", "Subject"),
])
def test_malformed_group_by_is_a_schema_fault(owner, group):
    assert_fault(fi.find_item(owner, view=group))
