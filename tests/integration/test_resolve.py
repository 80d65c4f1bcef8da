"""ResolveNames over the wire (spec §4): matching, ordering, the 100 cap, scopes,
ParentFolderIds, ReturnFullContactData, ContactDataShape and t:Photo.

The module builds its own tenant: a small directory with shared surnames and
given names, proxies, thumbnails (one hidden by a deletion record), 120
generated "Zed" users for the cap, and personal contacts for `owner`.
Every response body is schema-checked by ews_it (validate.sh --set interop).
"""
import base64

import pytest

from ews_it import (DOMAIN, NS, NS_M, NS_T, UserSpec, assert_fault, destroy_env, make_env,
                    make_jpeg)

ZEDS = 120


class Person(UserSpec):
    """A tenant user with chosen names."""

    def __init__(self, alias, given, surname, office="1.01", proxies=(), **kw):
        super().__init__(alias, **kw)
        self.given, self.surname, self.office, self.proxies = given, surname, office, list(proxies)

    @property
    def display(self):
        return f"{self.given} {self.surname}"

    def entry(self, img_dir):
        e = super().entry(img_dir)
        e.update(display_name=self.display, given_name=self.given, surname=self.surname,
                 office=self.office, proxies=[f"smtp:{p}@{DOMAIN}" for p in self.proxies])
        return e


CONTACT_PHOTO = make_jpeg(120, 120, (20, 120, 200))


def people():
    users = [
        Person("owner", "Olivia", "Owner", proxies=["olly"]),
        Person("large", "Ana", "Lopez", proxies=["ana.l"], photo=(240, 240, (200, 30, 30))),
        Person("benl", "Ben", "Lopez", office="Lab 7"),
        Person("carla", "Carla", "Young", thumbnail=(96, 96, (30, 170, 40))),
        Person("hidden", "Hilda", "Young", thumbnail=(96, 96, (230, 210, 20)), photo_deleted=True),
        Person("other", "Otto", "Other"),
    ]
    users += [Person(f"zed{i:03d}", f"Zed{i:03d}", "Zulu") for i in range(ZEDS)]
    return users


def add_contacts(doc):
    owner = next(u for u in doc["users"] if u["alias"] == "owner")
    other = next(u for u in doc["users"] if u["alias"] == "other")
    img = "img/contact.jpg"
    owner["contacts"] = [
        {"display_name": "Dora Contact", "given_name": "Dora", "surname": "Contact",
         "file_as": "Contact, Dora", "email": "dora@partner.test", "company": "Partner",
         "photo": img},
        # a namesake of the directory user Ben Lopez, at another address
        {"display_name": "Ben Lopez", "given_name": "Ben", "surname": "Lopez",
         "email": "ben@lopez-family.test"},
        # a colleague saved under the directory address
        {"display_name": "Carla (work)", "given_name": "Carla", "surname": "Young",
         "email": f"carla@{DOMAIN}"},
    ]
    other["contacts"] = [
        {"display_name": "Dora Contact", "given_name": "Dora", "surname": "Contact",
         "email": "dora@elsewhere.test"},
    ]


def add_tenant_contacts(doc, tenant_dir):
    add_contacts(doc)
    (tenant_dir / "img").mkdir(parents=True, exist_ok=True)
    (tenant_dir / "img" / "contact.jpg").write_bytes(CONTACT_PHOTO)


@pytest.fixture(scope="module")
def env():
    e = make_env(people(), extra=add_tenant_contacts)
    yield e
    destroy_env(e)


def resolve(client, entry, full=False, scope=None, shape=None, folders="", version="Exchange2013_SP1"):
    attrs = f' ReturnFullContactData="{"true" if full else "false"}"'
    if scope:
        attrs += f' SearchScope="{scope}"'
    if shape:
        attrs += f' ContactDataShape="{shape}"'
    body = (f"<m:ResolveNames{attrs}>{folders}"
            f"<m:UnresolvedEntry>{entry}</m:UnresolvedEntry></m:ResolveNames>")
    return client.soap(body, version=version, action="ResolveNames")


def message(resp):
    assert resp.status == 200, f"HTTP {resp.status}: {resp.body[:800]!r}"
    resp.assert_server_version()
    el = resp.body_elem
    assert el.tag == f"{{{NS_M}}}ResolveNamesResponse", el.tag
    msgs = el.findall("m:ResponseMessages/m:ResolveNamesResponseMessage", NS)
    assert len(msgs) == 1
    return msgs[0]


def outcome(resp):
    m = message(resp)
    return m.get("ResponseClass"), m.findtext("m:ResponseCode", namespaces=NS), m


def resolutions(m):
    rs = m.find("m:ResolutionSet", NS)
    assert rs is not None, "no ResolutionSet"
    res = rs.findall("t:Resolution", NS)
    assert rs.get("TotalItemsInView") == str(len(res))
    return rs, res


def mailbox(res):
    mb = res.find("t:Mailbox", NS)
    return {k: mb.findtext(f"t:{k}", namespaces=NS) for k in
            ("Name", "EmailAddress", "RoutingType", "MailboxType")} | \
        {"ItemId": mb.find("t:ItemId", NS)}


def names(m):
    return [mailbox(r)["Name"] for r in resolutions(m)[1]]


def email(alias):
    return f"{alias}@{DOMAIN}"


# ---- outcomes --------------------------------------------------------------------

def test_single_hit_success(env):
    c = env.client("owner")
    cls, code, m = outcome(resolve(c, "Otto"))
    assert (cls, code) == ("Success", "NoError")
    assert m.find("m:MessageText", NS) is None
    rs, res = resolutions(m)
    assert rs.get("IncludesLastItemInRange") == "true"
    mb = mailbox(res[0])
    assert mb["Name"] == "Otto Other" and mb["EmailAddress"] == email("other")
    assert (mb["RoutingType"], mb["MailboxType"]) == ("SMTP", "Mailbox")
    assert mb["ItemId"] is None
    assert res[0].find("t:Contact", NS) is None        # ReturnFullContactData=false


def test_ambiguous_is_warning_with_all_candidates(env):
    cls, code, m = outcome(resolve(env.client("owner"), "lopez", scope="ActiveDirectory"))
    assert (cls, code) == ("Warning", "ErrorNameResolutionMultipleResults")
    assert m.findtext("m:MessageText", namespaces=NS) == "Multiple results were found."
    assert m.findtext("m:DescriptiveLinkKey", namespaces=NS) == "0"
    assert names(m) == ["Ana Lopez", "Ben Lopez"]      # sorted by display name


def test_no_results(env):
    cls, code, m = outcome(resolve(env.client("owner"), r"foo\bar"))
    assert (cls, code) == ("Error", "ErrorNameResolutionNoResults")
    assert m.findtext("m:MessageText", namespaces=NS) == "No results were found."
    assert m.find("m:ResolutionSet", NS) is None


# ---- matching (spec §4.2) ---------------------------------------------------------

@pytest.mark.parametrize("entry", ["Ana", "ana", "ANA LO", "lopez, an", "Lopez Ana", "lar", "large@",
                                   "Ana Lopez", "  ana   lopez  "])
def test_prefix_matches_fields_case_insensitively(env, entry):
    cls, code, m = outcome(resolve(env.client("owner"), entry, scope="ActiveDirectory"))
    assert email("large") in [mailbox(r)["EmailAddress"] for r in resolutions(m)[1]], entry


@pytest.mark.parametrize("entry", ["na", "opez", "Ana X", "ana.l@"])
def test_non_prefix_does_not_match(env, entry):
    cls, code, m = outcome(resolve(env.client("owner"), entry, scope="ActiveDirectory"))
    assert code == "ErrorNameResolutionNoResults", entry


def test_office_matches(env):
    cls, code, m = outcome(resolve(env.client("owner"), "lab 7", scope="ActiveDirectory"))
    assert names(m) == ["Ben Lopez"]


def test_proxy_needs_smtp_prefix(env):
    c = env.client("owner")
    # without a prefix the proxy address is not searched (spec §4.2)
    assert outcome(resolve(c, f"ana.l@{DOMAIN}", scope="ActiveDirectory"))[1] == "ErrorNameResolutionNoResults"
    for entry in (f"smtp:ana.l@{DOMAIN}", f"SMTP:ANA.L@{DOMAIN}", "smtp:ana.l"):
        cls, code, m = outcome(resolve(c, entry, scope="ActiveDirectory"))
        assert (cls, names(m)) == ("Success", ["Ana Lopez"]), entry
    # other routing types find nothing here
    assert outcome(resolve(c, "sip:ana", scope="ActiveDirectory"))[1] == "ErrorNameResolutionNoResults"


def test_exact_address_wins(env):
    c = env.client("owner")
    # "zed001@" is a prefix of zed001 only; the exact address returns that one mailbox
    cls, code, m = outcome(resolve(c, email("zed001"), scope="ActiveDirectory"))
    assert (cls, code) == ("Success", "NoError")
    assert [mailbox(r)["EmailAddress"] for r in resolutions(m)[1]] == [email("zed001")]
    # the caller's own address resolves to exactly their mailbox (exchangelib's test)
    cls, code, m = outcome(resolve(c, email("owner")))
    assert (cls, names(m)) == ("Success", ["Olivia Owner"])


def test_cap_at_100(env):
    cls, code, m = outcome(resolve(env.client("owner"), "zed", scope="ActiveDirectory"))
    assert (cls, code) == ("Warning", "ErrorNameResolutionMultipleResults")
    rs, res = resolutions(m)
    assert len(res) == 100
    assert rs.get("IncludesLastItemInRange") == "false"
    got = names(m)
    assert got == sorted(got, key=str.lower)
    assert len(set(got)) == 100
    # a narrower prefix with everything included
    rs, res = resolutions(outcome(resolve(env.client("owner"), "zed01", scope="ActiveDirectory"))[2])
    assert len(res) == 10 and rs.get("IncludesLastItemInRange") == "true"


# ---- scopes and contacts (spec §4.1, §4.4) ------------------------------------------

def test_scope_orders_blocks(env):
    c = env.client("owner")
    ad_first = [(mailbox(r)["MailboxType"], mailbox(r)["EmailAddress"])
                for r in resolutions(outcome(resolve(c, "ben"))[2])[1]]
    assert ad_first == [("Mailbox", email("benl")), ("Contact", "ben@lopez-family.test")]
    contacts_first = [mailbox(r)["MailboxType"] for r in
                      resolutions(outcome(resolve(c, "ben", scope="ContactsActiveDirectory"))[2])[1]]
    assert contacts_first == ["Contact", "Mailbox"]
    only_contacts = resolutions(outcome(resolve(c, "ben", scope="Contacts"))[2])[1]
    assert [mailbox(r)["MailboxType"] for r in only_contacts] == ["Contact"]
    only_ad = resolutions(outcome(resolve(c, "ben", scope="ActiveDirectory"))[2])[1]
    assert [mailbox(r)["MailboxType"] for r in only_ad] == ["Mailbox"]


def test_contact_hit_carries_item_id_and_contact(env):
    cls, code, m = outcome(resolve(env.client("owner"), "dora"))
    assert (cls, code) == ("Success", "NoError")
    res = resolutions(m)[1][0]
    mb = mailbox(res)
    assert (mb["Name"], mb["EmailAddress"], mb["MailboxType"]) == \
        ("Dora Contact", "dora@partner.test", "Contact")
    assert mb["ItemId"] is not None and mb["ItemId"].get("Id") and mb["ItemId"].get("ChangeKey")
    contact = res.find("t:Contact", NS)     # contacts carry t:Contact whatever the attribute says
    assert contact is not None
    assert contact.findtext("t:DisplayName", namespaces=NS) == "Dora Contact"
    assert contact.findtext("t:ContactSource", namespaces=NS) == "Store"


def test_contacts_are_the_callers_own(env):
    # "other" has a Dora too, at another address: each caller sees their own
    res = resolutions(outcome(resolve(env.client("other"), "dora", scope="Contacts"))[2])[1]
    assert [mailbox(r)["EmailAddress"] for r in res] == ["dora@elsewhere.test"]


def test_directory_user_and_contact_with_same_address_both_listed(env):
    c = env.client("owner")
    res = resolutions(outcome(resolve(c, email("carla")))[2])[1]
    assert sorted(mailbox(r)["MailboxType"] for r in res) == ["Contact", "Mailbox"]


def test_parent_folder_ids(env):
    c = env.client("owner")
    contacts = '<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds>'
    res = resolutions(outcome(resolve(c, "dora", scope="Contacts", folders=contacts))[2])[1]
    assert len(res) == 1
    # another user's contacts folder is not the caller's to search
    theirs = (f'<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"><t:Mailbox>'
              f'<t:EmailAddress>{email("other")}</t:EmailAddress></t:Mailbox>'
              f'</t:DistinguishedFolderId></m:ParentFolderIds>')
    assert outcome(resolve(c, "dora", scope="Contacts", folders=theirs))[1] == "ErrorAccessDenied"
    # a folder that does not exist, and a folder id that is not ours
    inbox = '<m:ParentFolderIds><t:DistinguishedFolderId Id="archiveinbox"/></m:ParentFolderIds>'
    assert outcome(resolve(c, "dora", scope="Contacts", folders=inbox))[1] == "ErrorFolderNotFound"
    bogus = '<m:ParentFolderIds><t:FolderId Id="AAAAbogus"/></m:ParentFolderIds>'
    assert outcome(resolve(c, "dora", scope="Contacts", folders=bogus))[1] == "ErrorInvalidIdMalformed"
    # the directory is searched whatever the folder
    res = resolutions(outcome(resolve(c, "otto", folders=contacts))[2])[1]
    assert [mailbox(r)["Name"] for r in res] == ["Otto Other"]


# ---- contact data (spec §4.5) ---------------------------------------------------------

def contact_of(resp, idx=0):
    return resolutions(outcome(resp)[2])[1][idx].find("t:Contact", NS)


def test_full_contact_data_default_shape(env):
    ct = contact_of(resolve(env.client("owner"), "otto", full=True))
    assert ct is not None
    kids = [c.tag.split("}")[1] for c in ct]
    assert kids[:2] == ["DisplayName", "GivenName"]
    assert ct.findtext("t:DisplayName", namespaces=NS) == "Otto Other"
    assert ct.findtext("t:Surname", namespaces=NS) == "Other"
    assert ct.findtext("t:ContactSource", namespaces=NS) == "ActiveDirectory"
    entry = ct.find("t:EmailAddresses/t:Entry[@Key='EmailAddress1']", NS)
    assert entry is not None and entry.text == f"SMTP:{email('other')}"
    assert ct.find("t:Photo", NS) is None


def test_photo_only_with_all_properties_and_a_visible_thumbnail(env):
    c = env.client("owner")
    ct = contact_of(resolve(c, "carla", full=True, scope="ActiveDirectory", shape="AllProperties"))
    photo = ct.findtext("t:Photo", namespaces=NS)
    assert photo and base64.b64decode(photo) == env.u("carla").thumb_bytes   # as stored
    # Default shape: no photo
    ct = contact_of(resolve(c, "carla", full=True, scope="ActiveDirectory", shape="Default"))
    assert ct.find("t:Photo", NS) is None
    # a deletion record hides the thumbnail
    ct = contact_of(resolve(c, "hilda", full=True, scope="ActiveDirectory", shape="AllProperties"))
    assert ct is not None and ct.find("t:Photo", NS) is None
    # IdOnly: the directory hit is just its mailbox
    assert contact_of(resolve(c, "carla", full=True, scope="ActiveDirectory", shape="IdOnly")) is None


# ---- request errors ---------------------------------------------------------------------

def test_empty_entry_is_schema_fault(env):
    assert_fault(resolve(env.client("owner"), ""), "ErrorSchemaValidation")


def test_missing_return_full_contact_data_is_schema_fault(env):
    r = env.client("owner").soap("<m:ResolveNames><m:UnresolvedEntry>ana</m:UnresolvedEntry>"
                                 "</m:ResolveNames>", action="ResolveNames")
    assert_fault(r, "ErrorSchemaValidation")


def test_bad_scope_is_schema_fault(env):
    assert_fault(resolve(env.client("owner"), "ana", scope="Everywhere"), "ErrorSchemaValidation")


def test_unauthenticated_gets_401(env):
    r = env.client("owner").soap("<m:ResolveNames ReturnFullContactData=\"false\">"
                                 "<m:UnresolvedEntry>ana</m:UnresolvedEntry></m:ResolveNames>", auth=None)
    assert r.status == 401
