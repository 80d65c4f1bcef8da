"""FindPeople and GetPersona over the wire (mailbox-ops spec §7): the directory (GAL)
and personal contacts as personas, IndexedPageItemView paging edges, QueryString
matching equal to ResolveNames' on the demo organisation, GetPersona round trips, and
hostile input (oversized QueryString, offset past the end, huge MaxEntriesReturned,
malformed / foreign PersonaIds, an old RequestServerVersion).  Every response body is
schema-checked by ews_it (FindPeople/GetPersona against the exchange-15.2 set).
"""
import base64

import pytest

from ews_it import NS, NS_M, NS_T, Server, assert_fault, run_cli

CALLER = ("alex.smith@contoso.test", "Passw0rd!")
OTHER = ("jordan.smith@contoso.test", "Passw0rd!")
# the demo saved directory user Morgan Garcia among Quinn's personal contacts
QUINN = ("quinn.anderson@contoso.test", "Passw0rd!")


class Demo:
    def __init__(self, tmp):
        self.store = tmp / "store"
        self.store.mkdir()
        run_cli("demo", "--store", str(self.store), check=True)
        self.server = Server(self.store).start()


class Who:
    def __init__(self, email, password):
        self.email, self.password = email, password

    @property
    def auth(self):
        return (self.email, self.password)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = Demo(tmp_path_factory.mktemp("people"))
    yield d
    d.server.stop()


@pytest.fixture(scope="module")
def alex(demo):
    return demo.server.client(auth=CALLER)


@pytest.fixture(scope="module")
def jordan(demo):
    return demo.server.client(auth=OTHER)


def find_people(client, folder='<t:DistinguishedFolderId Id="directory"/>', query=None,
                view='MaxEntriesReturned="100000" Offset="0" BasePoint="Beginning"', shape="Default",
                extra="", version="Exchange2013_SP1"):
    q = "" if query is None else f"<m:QueryString>{query}</m:QueryString>"
    pf = "" if folder is None else f"<m:ParentFolderId>{folder}</m:ParentFolderId>"
    body = (f'<m:FindPeople><m:PersonaShape><t:BaseShape>{shape}</t:BaseShape></m:PersonaShape>'
            f'<m:IndexedPageItemView {view}/>{extra}{pf}{q}</m:FindPeople>')
    return client.soap(body, version=version, action="FindPeople")


def answer(resp, code="NoError"):
    assert resp.status == 200, resp.body[:600]
    el = resp.body_elem
    assert el.tag == f"{{{NS_M}}}FindPeopleResponse"
    assert el.find("m:ResponseCode", NS).text == code, resp.body[:800]
    return el


def page(resp):
    el = answer(resp)
    people = el.find("m:People", NS)
    assert people is not None
    ints = {k: int(el.find(f"m:{k}", NS).text)
            for k in ("TotalNumberOfPeopleInView", "FirstMatchingRowIndex", "FirstLoadedRowIndex")}
    return people.findall("t:Persona", NS), ints


def names(personas):
    return [p.find("t:DisplayName", NS).text for p in personas]


def emails(personas):
    return [p.find("t:EmailAddress/t:EmailAddress", NS).text.lower() for p in personas]


def resolve(client, entry):
    body = (f'<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectory">'
            f'<m:UnresolvedEntry>{entry}</m:UnresolvedEntry></m:ResolveNames>')
    r = client.soap(body, action="ResolveNames")
    assert r.status == 200
    return sorted(m.text.lower() for m in r.body_elem.iter(f"{{{NS_T}}}EmailAddress"))


def get_persona(client, pid=None, email=None, version="Exchange2013"):
    inner = (f'<m:PersonaId Id="{pid}"/>' if pid is not None else "") + \
            (f"<m:EmailAddress><t:EmailAddress>{email}</t:EmailAddress></m:EmailAddress>" if email else "")
    r = client.soap(f"<m:GetPersona>{inner}</m:GetPersona>", version=version, action="GetPersona")
    return r


def persona_code(resp):
    assert resp.status == 200, resp.body[:600]
    el = resp.body_elem
    assert el.tag == f"{{{NS_M}}}GetPersonaResponseMessage"
    assert el.find("m:Persona", NS) is not None    # required even on error
    return el.find("m:ResponseCode", NS).text, el.find("m:Persona", NS)


# ---- the directory -------------------------------------------------------------------

def test_whole_gal_sorted(alex):
    personas, ints = page(find_people(alex))
    got = names(personas)
    assert len(got) == ints["TotalNumberOfPeopleInView"] > 25
    assert got == sorted(got, key=str.lower)
    assert ints["FirstMatchingRowIndex"] == 0 and ints["FirstLoadedRowIndex"] == 0
    p = personas[got.index("Alex Smith")]
    assert p.find("t:PersonaType", NS).text == "Person"
    assert p.find("t:CompanyName", NS) is None or p.find("t:CompanyName", NS).text
    assert p.find("t:PhoneNumber/t:Number", NS).text == "+1 425 555 0101"
    assert p.find("t:EmailAddress/t:MailboxType", NS).text == "Mailbox"


@pytest.mark.parametrize("query", ["smith", "Alex", "jor", "alex.smith@contoso.test", "smtp:jordan",
                                   "Building 1", "zzz", "sip:alex"])
def test_query_matches_like_resolve_names(alex, query):
    personas, ints = page(find_people(alex, query=query))
    assert sorted(emails(personas)) == resolve(alex, query)
    assert ints["TotalNumberOfPeopleInView"] == len(personas)


def test_photo_existence(alex):
    personas, _ = page(find_people(alex))
    flags = {}
    for p in personas:
        v = p.find("t:ExtendedProperties/t:ExtendedPropertyAttributedValue/t:Value/t:Value", NS)
        flags[p.find("t:EmailAddress/t:EmailAddress", NS).text] = v.text
    assert flags["alex.smith@contoso.test"] == "true"          # "large": a mailbox photo
    assert flags["taylor.brown@contoso.test"] == "false"       # "none"
    assert flags["sam.smith@contoso.test"] == "true"           # directory thumbnail


# ---- paging ----------------------------------------------------------------------------

def test_paging_walk_and_edges(alex):
    all_names = names(page(find_people(alex))[0])
    total = len(all_names)
    got = []
    for off in range(0, total, 10):
        personas, ints = page(find_people(alex, view=f'MaxEntriesReturned="10" Offset="{off}" BasePoint="Beginning"'))
        assert ints["FirstLoadedRowIndex"] == off and ints["TotalNumberOfPeopleInView"] == total
        assert len(personas) == min(10, total - off)
        got += names(personas)
    assert got == all_names
    personas, ints = page(find_people(alex, view='MaxEntriesReturned="3" Offset="0" BasePoint="End"'))
    assert names(personas) == all_names[-3:] and ints["FirstLoadedRowIndex"] == total - 3
    personas, ints = page(find_people(alex, view=f'MaxEntriesReturned="10" Offset="{total}" BasePoint="Beginning"'))
    assert personas == [] and ints["TotalNumberOfPeopleInView"] == total
    personas, _ = page(find_people(alex, view='MaxEntriesReturned="10" Offset="2147483647" BasePoint="Beginning"'))
    assert personas == []
    personas, _ = page(find_people(alex, view=f'MaxEntriesReturned="2147483647" Offset="{total - 1}" BasePoint="Beginning"'))
    assert len(personas) == 1


@pytest.mark.parametrize("view,code", [
    ('MaxEntriesReturned="0" Offset="0" BasePoint="Beginning"', "ErrorInvalidPagingMaxRows"),
    ('MaxEntriesReturned="-5" Offset="0" BasePoint="Beginning"', "ErrorInvalidPagingMaxRows"),
    ('MaxEntriesReturned="10" Offset="-1" BasePoint="Beginning"', "ErrorInvalidIndexedPagingParameters"),
])
def test_bad_paging(alex, view, code):
    el = answer(find_people(alex, view=view), code)
    assert el.get("ResponseClass") == "Error"


# ---- personal contacts and GetPersona ------------------------------------------------

def test_personal_contacts_and_get_persona_round_trip(alex):
    personas, ints = page(find_people(alex, folder='<t:DistinguishedFolderId Id="contacts"/>', shape="AllProperties"))
    assert ints["TotalNumberOfPeopleInView"] == len(personas) == 3
    default, _ = page(find_people(alex, folder=None))
    assert names(default) == names(personas)
    for p in personas:
        assert p.find("t:EmailAddress/t:MailboxType", NS).text == "Contact"
        assert p.find("t:FolderIds/t:FolderId", NS) is not None
        pid = p.find("t:PersonaId", NS).get("Id")
        code, got = persona_code(get_persona(alex, pid))
        assert code == "NoError"
        assert got.find("t:PersonaId", NS).get("Id") == pid
        assert got.find("t:DisplayName", NS).text == p.find("t:DisplayName", NS).text
    dir_personas, _ = page(find_people(alex, query="tbrown"))
    pid = dir_personas[0].find("t:PersonaId", NS).get("Id")
    code, got = persona_code(get_persona(alex, pid))
    assert code == "NoError" and got.find("t:Title", NS).text == "Recruiter"
    code, got = persona_code(get_persona(alex, email="taylor.brown@contoso.test"))
    assert code == "NoError" and got.find("t:PersonaId", NS).get("Id") == pid


def test_contact_query_matches_resolve_names_contacts(alex):
    for q in ("a", "fabrikam", "lena"):
        personas, _ = page(find_people(alex, folder='<t:DistinguishedFolderId Id="contacts"/>', query=q))
        body = (f'<m:ResolveNames ReturnFullContactData="false" SearchScope="Contacts">'
                f'<m:UnresolvedEntry>{q}</m:UnresolvedEntry></m:ResolveNames>')
        r = alex.soap(body, action="ResolveNames")
        want = sorted(m.text for m in r.body_elem.iter(f"{{{NS_T}}}Name"))
        assert sorted(names(personas)) == want


# ---- persona aggregation: directory + personal contact of one address ------------------

@pytest.fixture(scope="module")
def quinn(demo):
    return demo.server.client(auth=QUINN)


def pid_of(p):
    return p.find("t:PersonaId", NS).get("Id")


def sources(p):
    return [{"id": a.find("t:Id", NS).text, "writable": a.find("t:IsWritable", NS).text,
             "folder": a.find("t:FolderId", NS), "source": a.find("t:SourceId", NS).get("Id"),
             "name": a.find("t:DisplayName", NS).text}
            for a in p.findall("t:Attributions/t:Attribution", NS)]


def all_emails(p):
    return [e.text.lower() for e in p.findall("t:EmailAddresses/t:Address/t:EmailAddress", NS)]


def persona_id_of_item(item_id):
    """The PersonaId a contact had before it was aggregated: its ItemId's record as a persona."""
    raw = bytearray(base64.b64decode(item_id))
    assert raw[:2] == b"EM" and raw[3] == ord("I")
    raw[3] = ord("P")
    return base64.b64encode(bytes(raw)).decode()


MORGAN = "morgan.garcia@contoso.test"


def test_directory_user_and_contact_are_one_persona(quinn, alex):
    contacts = '<t:DistinguishedFolderId Id="contacts"/>'
    alone, _ = page(find_people(alex, query=MORGAN, shape="AllProperties"))   # alex lacks the contact
    assert len(alone) == 1 and len(sources(alone[0])) == 1
    personas, ints = page(find_people(quinn, query=MORGAN, shape="AllProperties"))
    assert len(personas) == ints["TotalNumberOfPeopleInView"] == 1
    p = personas[0]
    pid = pid_of(p)
    assert pid == pid_of(alone[0])                            # the directory's PersonaId wins
    src = sources(p)
    assert [s["id"] for s in src] == ["0", "1"]
    assert src[0]["writable"] == "false" and src[0]["folder"] is None and src[0]["source"] == pid
    assert src[1]["writable"] == "true" and src[1]["folder"] is not None
    assert src[1]["folder"].get("Id") == p.find("t:FolderIds/t:FolderId", NS).get("Id")
    assert p.find("t:EmailAddress/t:MailboxType", NS).text == "Mailbox"
    for field in ("DisplayName", "Title", "CompanyName", "GivenName", "Surname"):   # directory wins
        assert p.find(f"t:{field}", NS).text == alone[0].find(f"t:{field}", NS).text, field
    assert all_emails(p).count(MORGAN) == 1
    # the contacts folder shows the same persona once, the other contacts as they are
    listed, ints = page(find_people(quinn, folder=contacts, shape="AllProperties"))
    morgans = [c for c in listed if MORGAN in all_emails(c)]
    assert len(morgans) == 1 and pid_of(morgans[0]) == pid and len(sources(morgans[0])) == 2
    for c in listed:
        if c is not morgans[0]:
            assert len(sources(c)) == 1 and c.find("t:EmailAddress/t:MailboxType", NS).text == "Contact"
    assert ints["TotalNumberOfPeopleInView"] == len(listed)
    # GetPersona of either id (and of the address) answers the aggregated persona
    for ask in (dict(pid=pid), dict(pid=persona_id_of_item(src[1]["source"])), dict(email=MORGAN)):
        code, got = persona_code(get_persona(quinn, **ask))
        assert code == "NoError", ask
        assert pid_of(got) == pid and [s["id"] for s in sources(got)] == ["0", "1"], ask
        assert got.find("t:Title", NS).text == alone[0].find("t:Title", NS).text
    # the contact's id is still the caller's only: another user gets AccessDenied
    code, _ = persona_code(get_persona(alex, persona_id_of_item(src[1]["source"])))
    assert code == "ErrorAccessDenied"


# ---- hostile input -------------------------------------------------------------------

def test_foreign_contacts_folder_and_persona(alex, jordan):
    r = find_people(alex, folder='<t:DistinguishedFolderId Id="contacts"><t:Mailbox>'
                                 '<t:EmailAddress>jordan.smith@contoso.test</t:EmailAddress></t:Mailbox>'
                                 '</t:DistinguishedFolderId>')
    answer(r, "ErrorAccessDenied")
    personas, _ = page(find_people(jordan, folder='<t:DistinguishedFolderId Id="contacts"/>'))
    pid = personas[0].find("t:PersonaId", NS).get("Id")
    assert persona_code(get_persona(alex, pid))[0] == "ErrorAccessDenied"


@pytest.mark.parametrize("pid,code", [
    ("", "ErrorInvalidIdEmpty"), ("not-an-id", "ErrorInvalidIdMalformed"), ("QUFBQQ==", "ErrorInvalidIdMalformed"),
    ("A" * 20000, "ErrorInvalidIdMalformed"),
])
def test_malformed_persona_ids(alex, pid, code):
    assert persona_code(get_persona(alex, pid))[0] == code


def test_unknown_persona_and_missing_arguments(alex):
    assert persona_code(get_persona(alex, email="nobody@nowhere.test"))[0] == "ErrorItemNotFound"
    assert persona_code(get_persona(alex))[0] == "ErrorInvalidArgument"
    # a folder id is not a persona id
    personas, _ = page(find_people(alex, folder='<t:DistinguishedFolderId Id="contacts"/>', shape="AllProperties"))
    fid = personas[0].find("t:FolderIds/t:FolderId", NS).get("Id")
    assert persona_code(get_persona(alex, fid))[0] == "ErrorInvalidIdMalformed"


def test_query_string_limit(alex):
    page(find_people(alex, query="a" * 1024))
    answer(find_people(alex, query="a" * 1025), "ErrorQueryFilterTooLong")
    answer(find_people(alex, query="x" * 200000), "ErrorQueryFilterTooLong")


def test_restriction_is_refused(alex):
    extra = ('<m:Restriction><t:Exists><t:FieldURI FieldURI="persona:DisplayName"/></t:Exists></m:Restriction>')
    answer(find_people(alex, extra=extra), "ErrorUnsupportedQueryFilter")


@pytest.mark.parametrize("extra", [
    '<m:AggregationRestriction><t:Exists><t:FieldURI FieldURI="persona:DisplayName"/></t:Exists>'
    '</m:AggregationRestriction>',
    '<m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="persona:DisplayName"/>'
    '</t:FieldOrder></m:SortOrder>',
])
def test_aggregation_restriction_and_sort_order_are_refused(alex, extra):
    answer(find_people(alex, extra=extra), "ErrorUnsupportedQueryFilter")
    page(find_people(alex))                   # and the server goes on serving


@pytest.mark.parametrize("version", ["Exchange2007_SP1", "Exchange2010", "Exchange2010_SP2", "Exchange2012"])
def test_old_request_server_version(alex, version):
    r = find_people(alex, version=version)
    assert_fault(r, "ErrorIncorrectSchemaVersion")
    assert_fault(get_persona(alex, email="alex.smith@contoso.test", version=version), "ErrorIncorrectSchemaVersion")


@pytest.mark.parametrize("version", [None, "Exchange2013", "Exchange2016", "V2017_07_11"])
def test_new_versions_are_served(alex, version):
    page(find_people(alex, version=version))


def test_unknown_and_non_contact_folders(alex):
    answer(find_people(alex, folder='<t:FolderId Id="garbage"/>'), "ErrorInvalidIdMalformed")
    personas, ints = page(find_people(alex, folder='<t:DistinguishedFolderId Id="msgfolderroot"/>'))
    assert personas == [] and ints["TotalNumberOfPeopleInView"] == 0


def test_id_only_with_additional_properties(alex):
    body = ('<m:FindPeople><m:PersonaShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
            '<t:FieldURI FieldURI="persona:Title"/><t:FieldURI FieldURI="persona:Nonsense"/></t:AdditionalProperties>'
            '</m:PersonaShape><m:IndexedPageItemView MaxEntriesReturned="5" Offset="0" BasePoint="Beginning"/>'
            '<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId></m:FindPeople>')
    personas, _ = page(alex.soap(body, version="Exchange2013", action="FindPeople"))
    for p in personas:
        assert [c.tag.rsplit("}", 1)[1] for c in p] in (["PersonaId", "Title"], ["PersonaId"])
