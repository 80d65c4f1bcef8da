"""FindItem over the wire (mailbox-ops spec §3, §4, §2.3, §8): every restriction
operator, every view and its paging edges, SortOrder on a FieldURI and on a MAPI tag,
QueryString (AQS), t:ExtendedProperty in FindItem and GetItem answers, folders other
than Contacts, and hostile requests (nesting past the limit, a 10k-node restriction,
wrong types, another user's folder, malformed ExtendedFieldURIs).  Every response body
is schema-checked by ews_it (validate.sh --set interop); the server must survive all of
it with a clean log.
"""
import pytest

from ews_it import (NS, UserSpec, assert_fault, assert_no_sanitizer, destroy_env, make_env, make_jpeg,
                    tag, tenant_contacts)

# owner's contacts (display name -> fields); "other" has one of its own
CONTACTS = {
    "owner": [
        {"display_name": "Ada Lovelace", "given_name": "Ada", "surname": "Lovelace",
         "email": "ada@analytical.test", "company": "Analytical Engines", "photo": "img/ada.jpg"},
        {"display_name": "Alan Turing", "given_name": "Alan", "surname": "Turing",
         "email": "alan@bletchley.test", "company": "Bletchley Park"},
        {"display_name": "Grace Hopper", "email": "grace@navy.test", "company": "US Navy"},
        {"display_name": "bob Béranger", "email": "bob@chanson.test"},
        {"display_name": "Charles Babbage", "email": "charles@analytical.test",
         "company": "analytical engines"},
        {"display_name": "Edsger Dijkstra", "surname": "Dijkstra", "email": "edsger@tue.test"},
        {"display_name": "Zed Last", "email": "zed@last.test"},
        {"display_name": "Nobody Special", "email": "nobody@special.test"},
    ],
    "other": [{"display_name": "Eve Else", "email": "eve@else.test"}],
}
ALL = sorted(c["display_name"] for c in CONTACTS["owner"])


add_contacts = tenant_contacts(CONTACTS, {"ada.jpg": make_jpeg(96, 96, (200, 30, 30))})


@pytest.fixture(scope="module")
def env():
    e = make_env([UserSpec("owner"), UserSpec("other")], extra=add_contacts)
    yield e
    destroy_env(e)


@pytest.fixture(scope="module")
def owner(env):
    return env.server.client(env.users["owner"])


# ---- request helpers ---------------------------------------------------------------------

def find_item(client, restriction="", view="", sort="", folders=None, shape="IdOnly", props=None,
              traversal="Shallow", query=""):
    props = props if props is not None else '<t:FieldURI FieldURI="contacts:DisplayName"/>'
    add = f"<t:AdditionalProperties>{props}</t:AdditionalProperties>" if props else ""
    folders = folders or ['<t:DistinguishedFolderId Id="contacts"/>']
    body = (f'<m:FindItem Traversal="{traversal}"><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{add}'
            f"</m:ItemShape>{view}"
            + (f"<m:Restriction>{restriction}</m:Restriction>" if restriction else "")
            + (f"<m:SortOrder>{sort}</m:SortOrder>" if sort else "")
            + f"<m:ParentFolderIds>{''.join(folders)}</m:ParentFolderIds>"
            + (f"<m:QueryString>{query}</m:QueryString>" if query else "")
            + "</m:FindItem>")
    return client.soap(body, action="FindItem")


def messages(resp, n=1):
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:800]!r}"
    resp.assert_server_version()
    msgs = resp.body_elem.findall("m:ResponseMessages/m:FindItemResponseMessage", NS)
    assert len(msgs) == n
    return msgs


def root(resp):
    m = messages(resp)[0]
    assert m.get("ResponseClass") == "Success", (m.findtext("m:ResponseCode", namespaces=NS),
                                                 m.findtext("m:MessageText", namespaces=NS))
    assert m.findtext("m:ResponseCode", namespaces=NS) == "NoError"
    rf = m.find("m:RootFolder", NS)
    assert rf is not None, "a Success message carries m:RootFolder"
    assert rf.find("t:Items", NS) is not None, "t:Items even when empty (spec §3.6)"
    return rf


def names(resp):
    rf = root(resp)
    return [c.findtext("t:DisplayName", namespaces=NS) for c in rf.find("t:Items", NS)]


def error(resp, want):
    m = messages(resp)[0]
    assert m.get("ResponseClass") == "Error", m.attrib
    got = m.findtext("m:ResponseCode", namespaces=NS)
    assert got == want, f"{got} != {want}: {m.findtext('m:MessageText', namespaces=NS)}"
    assert m.findtext("m:MessageText", namespaces=NS)
    assert m.find("m:RootFolder", NS) is None


def field(uri):
    return f'<t:FieldURI FieldURI="{uri}"/>'


def const(v):
    return f'<t:FieldURIOrConstant><t:Constant Value="{v}"/></t:FieldURIOrConstant>'


def cmp(op, path, value):
    return f"<t:{op}>{path}{const(value)}</t:{op}>"


def contains(path, value, mode=None, comparison=None):
    attrs = (f' ContainmentMode="{mode}"' if mode else "") + \
            (f' ContainmentComparison="{comparison}"' if comparison else "")
    return f'<t:Contains{attrs}>{path}<t:Constant Value="{value}"/></t:Contains>'


def indexed(max_entries, offset, base="Beginning"):
    m = f' MaxEntriesReturned="{max_entries}"' if max_entries is not None else ""
    return f'<m:IndexedPageItemView{m} Offset="{offset}" BasePoint="{base}"/>'


BY_NAME = f'<t:FieldOrder Order="Ascending">{field("contacts:DisplayName")}</t:FieldOrder>'
DN = field("contacts:DisplayName")
EMAIL1 = '<t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/>'
CLASS = '<t:ExtendedFieldURI PropertyTag="0x1a" PropertyType="String"/>'


# ---- listing ------------------------------------------------------------------------------

def test_all_contacts_without_view(owner):
    resp = find_item(owner)
    rf = root(resp)
    assert sorted(names(resp)) == ALL
    assert rf.get("TotalItemsInView") == str(len(ALL))
    assert rf.get("IncludesLastItemInRange") == "true"
    assert rf.get("IndexedPagingOffset") is None
    for c in rf.find("t:Items", NS):
        assert tag(c) == "Contact"
        assert c.find("t:ItemId", NS).get("Id")


@pytest.mark.parametrize("folder", ["root", "msgfolderroot"])
def test_other_folders_are_empty(owner, folder):
    rf = root(find_item(owner, view=indexed(10, 0), folders=[f'<t:DistinguishedFolderId Id="{folder}"/>']))
    assert len(rf.find("t:Items", NS)) == 0
    assert (rf.get("TotalItemsInView"), rf.get("IncludesLastItemInRange"), rf.get("IndexedPagingOffset")) == \
        ("0", "true", "0")


def test_soft_deleted_and_associated_are_empty(owner):
    for trav in ("SoftDeleted", "Associated"):
        assert names(find_item(owner, traversal=trav)) == []


def test_deep_traversal_is_a_schema_fault(owner):
    assert_fault(find_item(owner, traversal="Deep"))


# ---- restrictions: every operator (spec §4.1-§4.4) ---------------------------------------

RESTRICTIONS = [
    # IsEqualTo: strings case-insensitive
    (cmp("IsEqualTo", DN, "ada lovelace"), ["Ada Lovelace"]),
    (cmp("IsNotEqualTo", field("contacts:CompanyName"), "US Navy"),
     ["Ada Lovelace", "Alan Turing", "Charles Babbage"]),   # contacts without a company: false
    (cmp("IsGreaterThan", DN, "Grace Hopper"), ["Nobody Special", "Zed Last"]),
    (cmp("IsGreaterThanOrEqualTo", DN, "Grace Hopper"), ["Grace Hopper", "Nobody Special", "Zed Last"]),
    (cmp("IsLessThan", DN, "Alan Turing"), ["Ada Lovelace"]),
    (cmp("IsLessThanOrEqualTo", DN, "Alan Turing"), ["Ada Lovelace", "Alan Turing"]),
    (f"<t:Exists>{field('contacts:Surname')}</t:Exists>", ["Ada Lovelace", "Alan Turing", "Edsger Dijkstra"]),
    (f"<t:Not><t:Exists>{field('contacts:CompanyName')}</t:Exists></t:Not>",
     ["Edsger Dijkstra", "Nobody Special", "Zed Last", "bob Béranger"]),
    (f"<t:And>{contains(DN, 'A', 'Prefixed')}{cmp('IsEqualTo', field('contacts:HasPicture'), 'true')}</t:And>",
     ["Ada Lovelace"]),
    (f"<t:Or>{cmp('IsEqualTo', EMAIL1, 'ZED@last.test')}{contains(DN, 'grace', 'Prefixed', 'IgnoreCase')}</t:Or>",
     ["Grace Hopper", "Zed Last"]),
    # Contains: FullString + Exact is the default
    (contains(field("contacts:CompanyName"), "analytical engines"), ["Charles Babbage"]),
    (contains(field("contacts:CompanyName"), "analytical", "Prefixed", "IgnoreCase"),
     ["Ada Lovelace", "Charles Babbage"]),
    (contains(DN, "ing", "Substring", "Exact"), ["Alan Turing"]),
    (contains(DN, "hop", "PrefixOnWords", "IgnoreCase"), ["Grace Hopper"]),
    (contains(DN, "zed last", "ExactPhrase", "IgnoreCase"), ["Zed Last"]),
    (contains(DN, "beranger", "Substring", "IgnoreCaseAndNonSpacingCharacters"), ["bob Béranger"]),
    (contains(EMAIL1, "@analytical.test", "Substring"), ["Ada Lovelace", "Charles Babbage"]),
    # DavMail's contact listing: PR_MESSAGE_CLASS, in hex and decimal spellings
    ("<t:Or>" + cmp("IsEqualTo", CLASS, "IPM.Contact")
     + cmp("IsEqualTo", '<t:ExtendedFieldURI PropertyTag="26" PropertyType="String"/>', "IPM.DistList") + "</t:Or>",
     ALL),
    # PidLidHasPicture by its set, and a property ewsemu does not have (never matches)
    (cmp("IsEqualTo", '<t:ExtendedFieldURI DistinguishedPropertySetId="Address" PropertyId="32789" '
                      'PropertyType="Boolean"/>', "true"), ["Ada Lovelace"]),
    (cmp("IsEqualTo", '<t:ExtendedFieldURI PropertyTag="0x10f3" PropertyType="String"/>', "x.EML"), []),
    # time: created before the far future
    (cmp("IsLessThan", field("item:DateTimeCreated"), "2100-01-01T00:00:00Z"), ALL),
    # property against property (both strings)
    (f"<t:IsEqualTo>{DN}<t:FieldURIOrConstant>{field('item:Subject')}</t:FieldURIOrConstant></t:IsEqualTo>", ALL),
]


@pytest.mark.parametrize("restriction,want", RESTRICTIONS, ids=[str(i) for i in range(len(RESTRICTIONS))])
def test_restriction(owner, restriction, want):
    resp = find_item(owner, restriction=restriction)
    assert sorted(names(resp)) == sorted(want)
    assert root(resp).get("TotalItemsInView") == str(len(want))


# ---- views and paging (spec §2.3, §3.2) ---------------------------------------------------

def test_indexed_paging_walk(owner):
    got, offset = [], 0
    for _ in range(10):
        rf = root(find_item(owner, view=indexed(3, offset), sort=BY_NAME))
        page = [c.findtext("t:DisplayName", namespaces=NS) for c in rf.find("t:Items", NS)]
        got += page
        assert rf.get("TotalItemsInView") == "8"
        offset = int(rf.get("IndexedPagingOffset"))
        assert offset == len(got)
        if rf.get("IncludesLastItemInRange") == "true":
            break
    assert got == sorted(ALL, key=str.lower)


def test_paging_edges(owner):
    rf = root(find_item(owner, view=indexed(3, 5), sort=BY_NAME))   # exactly the last page
    assert len(rf.find("t:Items", NS)) == 3
    assert (rf.get("IncludesLastItemInRange"), rf.get("IndexedPagingOffset")) == ("true", "8")
    rf = root(find_item(owner, view=indexed(3, 50), sort=BY_NAME))  # past the end
    assert len(rf.find("t:Items", NS)) == 0
    assert (rf.get("IncludesLastItemInRange"), rf.get("IndexedPagingOffset"), rf.get("TotalItemsInView")) == \
        ("true", "8", "8")
    # BasePoint End: the last rows, in forward order
    assert names(find_item(owner, view=indexed(2, 0, "End"), sort=BY_NAME)) == ["Nobody Special", "Zed Last"]
    rf = root(find_item(owner, view=indexed(2, 1, "End"), sort=BY_NAME))
    assert [c.findtext("t:DisplayName", namespaces=NS) for c in rf.find("t:Items", NS)] == \
        ["Grace Hopper", "Nobody Special"]
    assert (rf.get("IndexedPagingOffset"), rf.get("IncludesLastItemInRange")) == ("3", "false")
    # no MaxEntriesReturned: everything from the offset
    assert len(names(find_item(owner, view=indexed(None, 6), sort=BY_NAME))) == 2


def test_fractional_view(owner):
    rf = root(find_item(owner, view='<m:FractionalPageItemView MaxEntriesReturned="3" Numerator="1" '
                                     'Denominator="2"/>', sort=BY_NAME))
    assert [c.findtext("t:DisplayName", namespaces=NS) for c in rf.find("t:Items", NS)] == \
        sorted(ALL, key=str.lower)[4:7]
    assert (rf.get("NumeratorOffset"), rf.get("AbsoluteDenominator"), rf.get("IncludesLastItemInRange")) == \
        ("7", "8", "false")


def test_contacts_view(owner):
    resp = find_item(owner, view='<m:ContactsView InitialName="b" FinalName="E"/>', sort=BY_NAME)
    assert names(resp) == ["bob Béranger", "Charles Babbage"]
    rf = root(resp)
    assert rf.get("IndexedPagingOffset") is None and rf.get("TotalItemsInView") == "2"
    assert names(find_item(owner, view='<m:ContactsView MaxEntriesReturned="1" InitialName="Z"/>')) == ["Zed Last"]


@pytest.mark.parametrize("view,code", [
    (indexed(0, 0), "ErrorInvalidPagingMaxRows"),
    (indexed(-5, 0), "ErrorInvalidPagingMaxRows"),
    (indexed(5, -1), "ErrorInvalidIndexedPagingParameters"),
    ('<m:FractionalPageItemView Numerator="3" Denominator="2"/>', "ErrorInvalidFractionalPagingParameters"),
    ('<m:FractionalPageItemView Numerator="0" Denominator="0"/>', "ErrorInvalidFractionalPagingParameters"),
    ('<m:ContactsView MaxEntriesReturned="0"/>', "ErrorInvalidPagingMaxRows"),
])
def test_view_errors(owner, view, code):
    error(find_item(owner, view=view), code)


# ---- SortOrder (spec §3.3) ----------------------------------------------------------------

def test_sort_on_field_and_tag(owner):
    assert names(find_item(owner, sort=BY_NAME)) == sorted(ALL, key=str.lower)
    desc = '<t:FieldOrder Order="Descending"><t:ExtendedFieldURI PropertyTag="0x3001" PropertyType="String"/>' \
           '</t:FieldOrder>'
    assert names(find_item(owner, sort=desc)) == sorted(ALL, key=str.lower, reverse=True)
    # company first (missing first ascending, ties case-insensitive), then the name
    two = f'<t:FieldOrder Order="Ascending">{field("contacts:CompanyName")}</t:FieldOrder>' + BY_NAME
    assert names(find_item(owner, sort=two)) == [
        "bob Béranger", "Edsger Dijkstra", "Nobody Special", "Zed Last",
        "Ada Lovelace", "Charles Babbage", "Alan Turing", "Grace Hopper"]


def test_sort_errors(owner):
    error(find_item(owner, sort=f'<t:FieldOrder Order="Ascending">{field("item:Attachments")}</t:FieldOrder>'),
          "ErrorUnsupportedPathForSortGroup")
    error(find_item(owner, sort=BY_NAME * 17), "ErrorUnsupportedPathForSortGroup")


# ---- QueryString (spec §3.5) --------------------------------------------------------------

def test_query_string(owner):
    assert sorted(names(find_item(owner, query="analytical"))) == ["Ada Lovelace", "Charles Babbage"]
    assert names(find_item(owner, query="company:bletchley")) == ["Alan Turing"]
    assert names(find_item(owner, query='"grace hopper"')) == ["Grace Hopper"]
    assert names(find_item(owner, query="email:zed")) == ["Zed Last"]
    error(find_item(owner, query="kind:email"), "ErrorUnsupportedQueryFilter")
    error(find_item(owner, query="ada OR alan"), "ErrorUnsupportedQueryFilter")
    error(find_item(owner, query="a" * 1100), "ErrorQueryFilterTooLong")
    error(find_item(owner, query="ada", restriction=f"<t:Exists>{DN}</t:Exists>"), "ErrorInvalidOperation")


# ---- ExtendedProperty in answers (spec §8.2) ----------------------------------------------

EXT_PROPS = ('<t:ExtendedFieldURI PropertyTag="12289" PropertyType="String"/>'
             '<t:ExtendedFieldURI DistinguishedPropertySetId="Address" PropertyId="32789" PropertyType="Boolean"/>'
             '<t:ExtendedFieldURI PropertySetId="00062004-0000-0000-C000-000000000046" PropertyId="32899" '
             'PropertyType="String"/>'
             '<t:ExtendedFieldURI PropertyTag="0x0e23" PropertyType="Integer"/>')


def ext_of(contact):
    out = {}
    for e in contact.findall("t:ExtendedProperty", NS):
        u = e.find("t:ExtendedFieldURI", NS)
        key = u.get("PropertyTag") or (u.get("DistinguishedPropertySetId") or u.get("PropertySetId"),
                                       u.get("PropertyId"))
        out[key] = e.findtext("t:Value", namespaces=NS)
    return out


def test_extended_properties_in_find_and_get(owner):
    rf = root(find_item(owner, props=EXT_PROPS, restriction=cmp("IsEqualTo", DN, "Ada Lovelace")))
    c = rf.find("t:Items", NS)[0]
    want = {"0x3001": "Ada Lovelace", ("Address", "32789"): "true",
            ("00062004-0000-0000-c000-000000000046", "32899"): "ada@analytical.test",
            "0xe23": "1"}   # PR_INTERNET_ARTICLE_NUMBER: Ada is the first contact imported
    assert ext_of(c) == want
    item_id = c.find("t:ItemId", NS).get("Id")
    body = (f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{EXT_PROPS}"
            f"</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id=\"{item_id}\"/></m:ItemIds></m:GetItem>")
    resp = owner.soap(body, action="GetItem")
    m = resp.body_elem.find("m:ResponseMessages/m:GetItemResponseMessage", NS)
    assert m.get("ResponseClass") == "Success"
    assert ext_of(m.find("m:Items", NS)[0]) == want


@pytest.mark.parametrize("uri,code", [
    ('<t:ExtendedFieldURI PropertyTag="0x8001" PropertyType="String"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0x3001" PropertyId="5" PropertyType="String"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI DistinguishedPropertySetId="Address" PropertyType="String"/>', "ErrorInvalidExtendedProperty"),
    ('<t:ExtendedFieldURI PropertyTag="0x3001" PropertyType="Object"/>', "ErrorUnsupportedMapiPropertyType"),
])
def test_malformed_extended_field_uri(owner, uri, code):
    error(find_item(owner, props=uri), code)
    error(find_item(owner, restriction=f"<t:Exists>{uri}</t:Exists>"), code)
    body = (f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>{uri}"
            f"</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id=\"AAAA\"/></m:ItemIds></m:GetItem>")
    m = owner.soap(body, action="GetItem").body_elem.find("m:ResponseMessages/m:GetItemResponseMessage", NS)
    assert m.findtext("m:ResponseCode", namespaces=NS) == code


# ---- hostile and wrong input (spec §4.5, §4.6) --------------------------------------------

@pytest.mark.parametrize("restriction,code", [
    (cmp("IsEqualTo", field("item:DateTimeCreated"), "true"), "ErrorInvalidValueForProperty"),
    (cmp("IsEqualTo", field("contacts:HasPicture"), "perhaps"), "ErrorInvalidValueForProperty"),
    (contains(field("contacts:HasPicture"), "t"), "ErrorUnsupportedPathForQuery"),
    (cmp("IsEqualTo", field("item:Attachments"), "x"), "ErrorUnsupportedPathForQuery"),
    (cmp("IsEqualTo", field("contacts:NoSuchField"), "x"), "ErrorInvalidPropertyRequest"),
    (f"<t:Exists>{field('item:IsDraft')}</t:Exists>", "ErrorInvalidPropertyForExists"),
    (f"<t:IsEqualTo>{DN}<t:FieldURIOrConstant>{field('item:DateTimeCreated')}</t:FieldURIOrConstant>"
     f"</t:IsEqualTo>", "ErrorInvalidValueForProperty"),
])
def test_restriction_errors(owner, restriction, code):
    error(find_item(owner, restriction=restriction), code)


def nested_not(depth):
    return "<t:Not>" * depth + f"<t:Exists>{DN}</t:Exists>" + "</t:Not>" * depth


def test_nesting_limit(owner):
    # QUERY_DEPTH_MAX (32) levels pass, one more is ErrorRestrictionTooComplex
    assert names(find_item(owner, restriction=nested_not(31))) == []     # odd Nots: Not(Exists)
    assert sorted(names(find_item(owner, restriction=nested_not(30)))) == ALL
    error(find_item(owner, restriction=nested_not(32)), "ErrorRestrictionTooComplex")
    # past the XML nesting limit of the body check: the schema-validation fault, server unharmed
    assert_fault(find_item(owner, restriction=nested_not(5000)), "ErrorSchemaValidation")
    assert names(find_item(owner, restriction=cmp("IsEqualTo", DN, "Zed Last"))) == ["Zed Last"]


def test_node_limit(owner):
    leaf = cmp("IsEqualTo", DN, "Zed Last")
    assert names(find_item(owner, restriction="<t:Or>" + leaf * 254 + "</t:Or>")) == ["Zed Last"]
    error(find_item(owner, restriction="<t:Or>" + leaf * 255 + "</t:Or>"), "ErrorRestrictionTooLong")
    error(find_item(owner, restriction="<t:Or>" + leaf * 10000 + "</t:Or>"), "ErrorRestrictionTooLong")


def test_other_users_folder(env, owner):
    other = env.server.client(env.users["other"])
    body = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
            '<m:FolderIds><t:DistinguishedFolderId Id="contacts"/></m:FolderIds></m:GetFolder>')
    fid = other.soap(body, action="GetFolder").body_elem.find(
        "m:ResponseMessages/m:GetFolderResponseMessage/m:Folders/t:ContactsFolder/t:FolderId", NS).get("Id")
    assert names(find_item(other, folders=[f'<t:FolderId Id="{fid}"/>'])) == ["Eve Else"]
    error(find_item(owner, folders=[f'<t:FolderId Id="{fid}"/>']), "ErrorAccessDenied")
    mb = f"<t:Mailbox><t:EmailAddress>{env.users['other'].email}</t:EmailAddress></t:Mailbox>"
    error(find_item(owner, folders=[f'<t:DistinguishedFolderId Id="contacts">{mb}</t:DistinguishedFolderId>']),
          "ErrorAccessDenied")
    error(find_item(owner, folders=['<t:FolderId Id="not-an-id"/>']), "ErrorInvalidIdMalformed")
    error(find_item(owner, folders=['<t:DistinguishedFolderId Id="archiveinbox"/>']), "ErrorFolderNotFound")


def test_batch_of_folders(owner):
    resp = find_item(owner, view=indexed(2, 0), folders=['<t:DistinguishedFolderId Id="contacts"/>',
                                                       '<t:FolderId Id="garbage"/>',
                                                       '<t:DistinguishedFolderId Id="root"/>'])
    a, b, c = messages(resp, 3)
    assert a.get("ResponseClass") == "Success" and len(a.find("m:RootFolder/t:Items", NS)) == 2
    assert b.get("ResponseClass") == "Error"
    assert c.find("m:RootFolder", NS).get("TotalItemsInView") == "0"


def test_default_and_all_shapes_validate(owner):
    for shape in ("Default", "AllProperties"):
        rf = root(find_item(owner, shape=shape, props="", view=indexed(3, 0), sort=BY_NAME))
        first = rf.find("t:Items", NS)[0]
        assert first.find("t:Body", NS) is None, "FindItem returns no Body (spec §3.1)"
        assert first.find("t:EmailAddresses", NS) is not None


def test_server_log_clean(env, owner):
    assert names(find_item(owner, restriction=cmp("IsEqualTo", DN, "Zed Last"))) == ["Zed Last"]
    assert_no_sanitizer(env.server.stderr(), "FindItem suite")
