"""ewsemu as seen by ews-javascript-api (npm), the JavaScript port of the EWS Managed API.

The node scripts in js/ do what an application does with the library (ExchangeService
Exchange2013_SP1, WebCredentials, service.Url = <base>/EWS/Exchange.asmx) and print one
JSON object each; these tests run them against the session's server and assert on it:
  * js/resolve-name.js      service.ResolveName(name, location, details[, PropertySet]);
  * js/contact-picture.js   ResolveName in the caller's Contacts -> Contact.Bind ->
                            GetContactPictureAttachment() -> attachment.Load();
  * js/find-items.js        FindItems(WellKnownFolderName.Contacts, ItemView) ordered by DisplayName,
                            paged with NextPageOffset, optionally with a SearchFilter;
  * js/user-photo.js        GetUserPhoto (EMA's request, ported onto the library's
                            plumbing in js/lib/get-user-photo.js: the package lacks it);
  * js/find-folders.js      service.FindFolders(WellKnownFolderName, FolderView) (FindFolder).
FindPeople/GetPersona have no script: ews-javascript-api 0.15.3 lacks them (its
ExchangeService has no FindPeople/GetPersona; js/operations/Persona/Persona.js is an empty
placeholder), so they are driven by tests/integration/test_find_people.py and exchangelib.
Every script also reports the HTTP exchanges it made (operation, status, ResponseCode
elements) and, with --trace (always on here), prints the bodies to stderr, which the
assertion messages show.

Test subjects are read from the demo store at run time (`ewsemu users`, `ewsemu contacts`):
names are chosen so that no other user or contact of the caller can match them, whatever
the demo holds. node is /usr/bin/node; the npm packages are installed by scripts/run-tests
(`npm ci` in tests/clients/js). A missing node or node_modules fails the tests.
"""
import base64
import io
import json
import os
import re
import ssl
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
from PIL import Image

from conftest import run_cli

NODE = Path("/usr/bin/node")
JS_DIR = Path(__file__).resolve().parent / "js"
NODE_TIMEOUT = 60
UNMATCHABLE = "Zqxjvw"               # checked against every name in the store before use


# ---- the store's users and contacts --------------------------------------------------------

@dataclass
class Entry:
    email: str
    display_name: str
    photo: Optional[tuple] = None        # contacts: (width, height, bytes), None without a picture
    contact_id: Optional[str] = None


def list_users(store):
    """`ewsemu users`: '<email> <display name> [(admin)]' -> [(Entry, is_admin)]."""
    out = []
    for line in run_cli("users", "--store", store).stdout.splitlines():
        m = re.match(r"^(\S+@\S+)\s+(.*?)\s*(\(admin\))?\s*$", line)
        if m:
            out.append((Entry(m.group(1), m.group(2)), bool(m.group(3))))
    return out


def list_contacts(store, owner):
    """`ewsemu contacts --user OWNER`: '<id>  <display name>  <email|->  photo WxH, N bytes, ETag ".."|no photo'."""
    r = run_cli("contacts", "--store", store, "--user", owner, check=False)
    if r.returncode != 0:
        pytest.fail(f"`ewsemu contacts --user {owner}` failed ({r.returncode}); the tests list the demo's "
                    f"contacts with it:\n{r.stdout}{r.stderr}")
    out = []
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        m = re.match(r'^(\S+)\s+(.+?)\s{2,}(\S+)\s+(?:photo (\d+)x(\d+), (\d+) bytes, ETag "[^"]*"|no photo)\s*$', line)
        assert m, f"unexpected `ewsemu contacts` line: {line!r}"
        photo = (int(m.group(4)), int(m.group(5)), int(m.group(6))) if m.group(4) else None
        out.append(Entry(m.group(3) if m.group(3) != "-" else "", m.group(2), photo, m.group(1)))
    return out


def words(text):
    return [w for w in re.split(r"[\s.@_/,-]+", text.lower()) if w]


def distinctive(entry, others):
    """True when no word of ENTRY's name begins any word of the other entries' names or
    addresses: then no matching rule (whole string, per word, prefix) can find them too."""
    theirs = {w for o in others for w in words(o.display_name) + words(o.email)}
    return all(not any(t.startswith(w) for t in theirs) for w in words(entry.display_name))


@dataclass
class Demo:
    store: Path
    users: list                  # [Entry] directory users, administrators excluded
    everyone: list               # [Entry] every directory entry
    caller_contacts: list        # [Entry] contacts of the directory tests' caller (conftest's photo_user)
    owner: str                   # a user with contacts with and without a picture
    owner_contacts: list


@pytest.fixture(scope="module")
def server(server_2016):
    """This module's server presents Exchange 2016: the EWS Managed API port
    needs m:ContentType in GetUserPhotoResponse (README: --exchange-version)."""
    return server_2016


@pytest.fixture(scope="module")
def demo(server):
    listing = list_users(server.store)
    users = [e for e, admin in listing if not admin]
    owner, owner_contacts = None, []
    for u in users:
        contacts = list_contacts(server.store, u.email)
        if any(c.photo for c in contacts) and any(not c.photo for c in contacts):
            owner, owner_contacts = u.email, contacts
            break
    if owner is None:
        pytest.fail("no demo user has both a contact with a picture and one without (ewsemu contacts)")
    return Demo(store=server.store, users=users, everyone=[e for e, _ in listing],
                caller_contacts=list_contacts(server.store, server.photo_user),
                owner=owner, owner_contacts=owner_contacts)


# ---- running the scripts -------------------------------------------------------------------

@pytest.fixture(scope="module")
def node_ready():
    """node and the locked npm packages must be there: the test setup installs them."""
    if not NODE.is_file():
        pytest.fail(f"{NODE} is missing: install Debian's nodejs and npm (scripts/install-deps --test)")
    lock = json.loads((JS_DIR / "package-lock.json").read_text())
    for name in json.loads((JS_DIR / "package.json").read_text())["dependencies"]:
        manifest = JS_DIR / "node_modules" / name / "package.json"
        if not manifest.is_file():
            pytest.fail(f"npm package {name} is not installed in tests/clients/js: run "
                        f"`npm ci --no-audit --no-fund` there (scripts/run-tests does)")
        want = lock["packages"][f"node_modules/{name}"]["version"]
        have = json.loads(manifest.read_text())["version"]
        if have != want:
            pytest.fail(f"tests/clients/js/node_modules is stale: {name} {have} installed, the lock file "
                        f"pins {want}; run `npm ci --no-audit --no-fund` there (scripts/run-tests does)")


class Result(dict):
    """A script's JSON output, plus its stderr (the HTTP trace)."""
    trace = ""


def show(out):
    """Assertion message: the JSON and the tail of the HTTP trace (pytest would cut a repr short)."""
    return f"{json.dumps(out, indent=1)[-6000:]}\n--- HTTP trace (tail) ---\n{out.trace[-8000:]}"


@pytest.fixture
def js(server, node_ready):
    """js(script, *args, scheme="http", user=None, password=None) -> Result."""
    def run(script, *args, scheme="http", user=None, password=None):
        env = dict(os.environ, EWS_URL=server.base(scheme), EWS_USER=user or server.photo_user,
                   EWS_PASSWORD=password if password is not None else server.password)
        env.pop("NODE_TLS_REJECT_UNAUTHORIZED", None)    # https goes through the library's own option
        cmd = [str(NODE), script, "--trace", *(["--insecure"] if scheme == "https" else []), *map(str, args)]
        r = subprocess.run(cmd, cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=NODE_TIMEOUT)
        assert r.returncode == 0, f"{' '.join(cmd)} -> exit {r.returncode}\nstdout:\n{r.stdout[-4000:]}\n" \
                                  f"stderr:\n{r.stderr[-8000:]}"
        out = Result(json.loads(r.stdout))
        out.trace = r.stderr
        return out
    return run


def exchanges(out):
    """[(operation, HTTP status)] the script made."""
    return [(x["operation"], x["status"]) for x in out["http"]]


def single_exchange(out, operation, status=200):
    """One round trip: Basic credentials go with the first request (no 401 challenge)."""
    assert exchanges(out) == [(operation, status)], show(out)


def jpeg_size(data):
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    img.load()                   # full decode: truncated or corrupt data raises here
    return img.size


# ---- ResolveNames (spec section 4) ---------------------------------------------------------

def unique_user(demo):
    """A directory user whose name nothing else can match (users and the caller's contacts)."""
    for u in demo.users:
        others = [o for o in demo.everyone if o.email != u.email] + demo.caller_contacts
        if len(words(u.display_name)) >= 2 and distinctive(u, others):
            return u
    pytest.fail(f"no directory user with a name that no other user or contact can match: {demo.users}")


def test_js_resolve_unique_directory_name(js, demo, scheme):
    user = unique_user(demo)
    out = js("resolve-name.js", user.display_name, scheme=scheme)
    assert out["ok"], show(out)
    single_exchange(out, "ResolveNames")
    assert out["http"][0]["responseCodes"] == ["NoError"], show(out)
    assert out["count"] == 1 and len(out["resolutions"]) == 1, show(out)
    assert out["includesAllResolutions"] is True, show(out)
    mailbox, contact = out["resolutions"][0]["mailbox"], out["resolutions"][0]["contact"]
    assert mailbox["mailboxType"] == "Mailbox", show(out)
    assert mailbox["name"] == user.display_name, show(out)
    assert mailbox["address"].lower() == user.email.lower(), show(out)
    assert mailbox["routingType"] == "SMTP", show(out)
    assert mailbox["hasId"] is False, show(out)  # directory entries carry no ItemId (spec 4.4)
    # ReturnFullContactData=true: the directory data comes as a Contact (spec 4.5).
    assert contact is not None and contact["displayName"] == user.display_name, show(out)
    assert contact["contactSource"] == "ActiveDirectory", show(out)


@pytest.mark.parametrize("details,shape", [(True, "AllProperties"), (True, "IdOnly"), (False, None)],
                         ids=["AllProperties", "IdOnly", "no-details"])
def test_js_resolve_shapes(js, demo, details, shape):
    """ContactDataShape (from the PropertySet) and ReturnFullContactData=false keep the mailbox part."""
    user = unique_user(demo)
    args = [*(["--no-details"] if not details else []), *(["--shape", shape] if shape else []), user.display_name]
    out = js("resolve-name.js", *args)
    assert out["ok"], show(out)
    assert out["count"] == 1, show(out)
    mailbox, contact = out["resolutions"][0]["mailbox"], out["resolutions"][0]["contact"]
    assert (mailbox["mailboxType"], mailbox["address"].lower()) == ("Mailbox", user.email.lower()), show(out)
    if not details:
        assert contact is None, show(out)  # spec 4.1: only t:Mailbox for directory hits
    elif shape == "AllProperties":
        assert contact is not None and contact["displayName"] == user.display_name, show(out)
        assert contact["email1"] and user.email.lower() in contact["email1"].lower(), show(out)


def test_js_resolve_ambiguous_surname(js, demo):
    by_surname = {}
    for u in demo.users:
        if len(words(u.display_name)) >= 2:
            by_surname.setdefault(words(u.display_name)[-1], []).append(u)
    shared = sorted((len(v), k) for k, v in by_surname.items() if len(v) >= 2)
    if not shared:
        pytest.fail(f"no surname is shared by two directory users: {demo.users}")
    surname = shared[0][1]                             # the smallest group, e.g. the Smiths
    expected = {u.email.lower() for u in by_surname[surname]}

    out = js("resolve-name.js", surname.capitalize())
    assert out["ok"], show(out)  # Warning + ResolutionSet: not an error for the app
    single_exchange(out, "ResolveNames")
    assert out["http"][0]["responseCodes"] == ["ErrorNameResolutionMultipleResults"], show(out)
    assert out["count"] == len(out["resolutions"]) >= len(expected) >= 2, show(out)
    directory = [r["mailbox"] for r in out["resolutions"] if r["mailbox"]["mailboxType"] == "Mailbox"]
    assert expected <= {m["address"].lower() for m in directory}, show(out)
    # Default scope: the directory block first, then the caller's contacts (spec 4.2).
    types = [r["mailbox"]["mailboxType"] for r in out["resolutions"]]
    assert types == sorted(types, key=lambda t: t != "Mailbox"), show(out)


def test_js_resolve_unknown_name(js, demo):
    assert distinctive(Entry("", UNMATCHABLE), demo.everyone + demo.caller_contacts)
    out = js("resolve-name.js", UNMATCHABLE)
    # The library swallows ErrorNameResolutionNoResults: the app sees an empty collection.
    assert out["ok"], show(out)
    assert out["count"] == 0 and out["resolutions"] == [], show(out)
    single_exchange(out, "ResolveNames")
    assert out["http"][0]["responseCodes"] == ["ErrorNameResolutionNoResults"], show(out)


def test_js_resolve_wrong_password(js, demo):
    out = js("resolve-name.js", unique_user(demo).display_name, password="not-the-password")
    assert not out["ok"], show(out)
    assert out["error"].get("httpStatus") == 401, show(out)
    assert out["error"].get("exception", {}).get("type") == "ServiceRequestUnauthorizedException", show(out)


# ---- contacts: ResolveNames in Contacts, GetItem, GetAttachment (spec sections 4, 5, 7) ---------

def unique_contact(demo, with_picture):
    for c in demo.owner_contacts:
        others = [o for o in demo.owner_contacts if o.contact_id != c.contact_id]
        if bool(c.photo) == with_picture and c.email and distinctive(c, others):
            return c
    pytest.fail(f"{demo.owner} has no contact {'with' if with_picture else 'without'} a picture whose name "
                f"no other contact can match: {demo.owner_contacts}")


@pytest.mark.parametrize("parent", [None, "contacts", "bound"], ids=["no-ParentFolderIds", "DistinguishedFolderId",
                                                                     "FolderId-from-GetFolder"])
def test_js_resolve_contact(js, demo, parent):
    """ContactsOnly, in the default Contacts folder or the one named in ParentFolderIds: by its
    distinguished name, or by the FolderId that ContactsFolder.Bind (GetFolder) returned."""
    contact = unique_contact(demo, with_picture=True)
    out = js("resolve-name.js", "--scope", "ContactsOnly", *(["--parent", parent] if parent else []),
             contact.display_name, user=demo.owner)
    if parent == "bound":
        assert out["folder"]["ok"] and out["folder"]["displayName"] == "Contacts", show(out)
    assert out["ok"], show(out)
    assert [op for op, _ in exchanges(out)][-1] == "ResolveNames", show(out)
    assert out["count"] == 1, show(out)
    mailbox, data = out["resolutions"][0]["mailbox"], out["resolutions"][0]["contact"]
    assert mailbox["mailboxType"] == "Contact", show(out)
    assert mailbox["hasId"] is True and mailbox["id"]["id"], show(out)  # usable with GetItem (spec 4.4)
    assert mailbox["name"] == contact.display_name, show(out)
    assert mailbox["address"].lower() == contact.email.lower(), show(out)
    assert data is not None and data["displayName"] == contact.display_name, show(out)
    assert data["contactSource"] == "Store", show(out)


def test_js_contacts_folder(js, demo):
    """ContactsFolder.Bind(service, WellKnownFolderName.Contacts): GetFolder, AllProperties."""
    out = js("resolve-name.js", "--scope", "ContactsOnly", "--parent", "bound", UNMATCHABLE, user=demo.owner)
    folder = out["folder"]
    assert folder["ok"], show(out)
    assert exchanges(out)[0] == ("GetFolder", 200), show(out)
    assert folder["id"], show(out)
    assert folder["displayName"] == "Contacts", show(out)
    assert folder["folderClass"] == "IPF.Contact", show(out)
    assert folder["totalCount"] == len(demo.owner_contacts), show(out)
    assert folder["childFolderCount"] == 7, show(out)     # the hidden system subfolders (mailbox-ops §1.2)


def test_js_contacts_are_per_mailbox(js, demo):
    """ContactsOnly searches the caller's own Contacts folder, not another user's."""
    contact = unique_contact(demo, with_picture=True)
    for u in demo.users:
        if u.email != demo.owner and distinctive(contact, list_contacts(demo.store, u.email)):
            stranger = u.email
            break
    else:
        pytest.fail("every user has a contact that could match")
    out = js("resolve-name.js", "--scope", "ContactsOnly", contact.display_name, user=stranger)
    assert out["ok"] and out["count"] == 0, show(out)
    assert out["http"][0]["responseCodes"] == ["ErrorNameResolutionNoResults"], show(out)


def test_js_contact_picture(js, demo, tmp_path, scheme):
    """Contact.Bind + GetContactPictureAttachment + Load: the JPEG the bind announced."""
    contact = unique_contact(demo, with_picture=True)
    width, height, nbytes = contact.photo
    saved = tmp_path / "picture.jpg"
    out = js("contact-picture.js", "--save", saved, contact.display_name, user=demo.owner, scheme=scheme)
    assert out["resolve"] and out["resolve"]["ok"], show(out)
    assert out["resolve"]["chosen"]["mailboxType"] == "Contact" and out["resolve"]["chosen"]["hasId"], show(out)
    assert exchanges(out) == [("ResolveNames", 200), ("GetItem", 200), ("GetItem", 200), ("GetAttachment", 200)], show(out)

    for bind in out["binds"]:
        assert bind["ok"], show(out)
        assert bind["contact"]["displayName"] == contact.display_name, show(out)
        assert bind["contact"]["id"]["id"] == out["id"], show(out)
        assert bind["hasPicture"] is True, show(out)
        photos = [a for a in bind["attachments"] if a["isContactPhoto"]]
        assert len(photos) == 1, show(out)
        picture = bind["picture"]
        assert picture["ok"] and picture.get("none") is None, show(out)
        assert picture["isContactPhoto"] is True, show(out)
        assert picture["contentType"] == "image/jpeg", show(out)
        assert picture["name"], show(out)
        assert picture["size"] == nbytes, show(out)
    first = out["binds"][0]["picture"]

    load = out["load"]
    assert load is not None and load["ok"], show(out)
    assert load["contentLength"] == first["size"] == nbytes, show(out)
    assert load["head"].startswith("ffd8"), show(out)
    assert load["isContactPhoto"] is True, show(out)
    assert (load["name"], load["contentType"]) == (first["name"], "image/jpeg"), show(out)
    data = saved.read_bytes()
    assert len(data) == nbytes
    assert jpeg_size(data) == (width, height)


def test_js_contact_without_picture(js, demo):
    contact = unique_contact(demo, with_picture=False)
    out = js("contact-picture.js", contact.display_name, user=demo.owner)
    assert out["resolve"]["ok"] and out["resolve"]["count"] == 1, show(out)
    for bind in out["binds"]:
        assert bind["ok"], show(out)
        assert bind["hasPicture"] is False, show(out)
        assert not [a for a in bind["attachments"] if a["isContactPhoto"]], show(out)
        assert bind["picture"] == {"ok": True, "none": True}, show(out)  # GetContactPictureAttachment() -> null
    assert out["load"] is None, show(out)
    assert [op for op, _ in exchanges(out)] == ["ResolveNames", "GetItem", "GetItem"], show(out)


def test_js_bind_malformed_id(js, demo):
    out = js("contact-picture.js", "--id", "not-an-ews-id", user=demo.owner)
    for bind in out["binds"]:
        assert not bind["ok"], show(out)
        assert bind["error"]["type"] == "ServiceResponseException", show(out)
        assert bind["error"].get("errorCode") == "ErrorInvalidIdMalformed", show(out)
    assert exchanges(out) == [("GetItem", 200), ("GetItem", 200)], show(out)  # a per-item error, HTTP 200


# ---- GetUserPhoto (spec section 2) -----------------------------------------------------------

def rest_photo(server, scheme, email, size):
    """The same photo through the REST-style URL (spec 3), for comparison."""
    req = urllib.request.Request(server.rest_url(scheme, email, size))
    token = base64.b64encode(f"{server.photo_user}:{server.password}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    ctx = None
    if scheme == "https":                # self-signed certificate
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
        return r.read()


def test_js_user_photo(js, server, scheme, tmp_path):
    saved = tmp_path / "photo.jpg"
    out = js("user-photo.js", "--size", "HR96x96", "--revalidate", "--save", saved, server.photo_user,
             scheme=scheme)
    assert out["ok"], show(out)
    assert out["status"] == "PhotoReturned", show(out)
    assert out["contentType"] == "image/jpeg", show(out)
    assert out["head"].startswith("ffd8"), show(out)
    assert out["entityTag"] and '"' not in out["entityTag"], show(out)
    assert out["expires"], show(out)
    data = saved.read_bytes()
    assert len(data) == out["length"] > 0
    assert jpeg_size(data) == (96, 96)
    assert data == rest_photo(server, scheme, server.photo_user, "HR96x96")
    # Asked again with the ETag (If-None-Match): unchanged, no picture.
    again = out["revalidated"]
    assert again["ok"] and again["status"] == "PhotoUnchanged" and again["length"] == 0, show(out)
    assert again["entityTag"] == out["entityTag"], show(out)
    assert exchanges(out) == [("GetUserPhoto", 200), ("GetUserPhoto", 200)], show(out)


@pytest.mark.parametrize("who", ["nophoto_user", "deleted_user"])
def test_js_user_without_photo(js, server, who):
    email = getattr(server, who)
    if not email:
        pytest.fail(f"the demo has no {who}")
    out = js("user-photo.js", email)
    # HTTP 404 is EMA's normal "not found" answer, not an exception (spec 2.3).
    assert out["ok"], show(out)
    assert out["status"] == "PhotoOrUserNotFound" and out["length"] == 0, show(out)
    single_exchange(out, "GetUserPhoto", 404)


def test_js_user_photo_unknown_address(js):
    out = js("user-photo.js", "no.such.user@nowhere.invalid")
    assert not out["ok"], show(out)
    assert out["error"]["type"] == "SoapFaultDetails", show(out)
    assert out["error"].get("httpStatus") == 500, show(out)
    assert out["error"].get("responseCode") == "ErrorNonExistentMailbox", show(out)


# ---- FindItem (mailbox-ops spec §3, §11.2) ---------------------------------------------------

def find_pages(out):
    assert all(p["ok"] for p in out["pages"]), show(out)
    assert all(op == "FindItem" and status == 200 for op, status in exchanges(out)), show(out)
    return out["pages"]


def test_js_find_items_ordered_and_paged(js, demo, scheme):
    """FindItems(WellKnownFolderName.Contacts, ItemView(3, offset)) ordered by DisplayName,
    following NextPageOffset: every contact once, in order, TotalCount on every page."""
    want = sorted((c.display_name for c in demo.owner_contacts), key=str.lower)
    assert len(want) > 3, "the demo owner needs more than one page of contacts"
    pages = find_pages(js("find-items.js", "--page-size", "3", user=demo.owner, scheme=scheme))
    assert [i["displayName"] for p in pages for i in p["items"]] == want, pages
    assert all(p["total"] == len(want) for p in pages), pages
    assert [p["offset"] for p in pages] == list(range(0, len(want), 3)), pages
    assert pages[-1]["moreAvailable"] is False and all(p["moreAvailable"] for p in pages[:-1]), pages
    assert all(i["id"] for p in pages for i in p["items"]), pages


def test_js_find_items_descending_with_filter(js, demo):
    """A SearchFilter (Contains Prefixed IgnoreCase) and a descending order."""
    first = sorted(demo.owner_contacts, key=lambda c: c.display_name.lower())[0].display_name
    prefix = first[:2].lower()
    want = sorted((c.display_name for c in demo.owner_contacts if c.display_name.lower().startswith(prefix)),
                  key=str.lower, reverse=True)
    pages = find_pages(js("find-items.js", "--page-size", "50", "--descending", "--prefix", prefix,
                          user=demo.owner))
    assert len(pages) == 1 and [i["displayName"] for i in pages[0]["items"]] == want, pages


# ---- FindFolder (mailbox-ops section 2) -----------------------------------------------------

IPM_FOLDERS = ["Inbox", "Drafts", "Sent Items", "Deleted Items", "Outbox", "Junk Email", "Calendar", "Contacts",
               "Tasks", "Notes", "Journal", "Sync Issues", "Conversation History"]


def test_js_find_folders_msgfolderroot(js, scheme):
    out = js("find-folders.js", scheme=scheme)
    assert out["ok"], show(out)
    single_exchange(out, "FindFolder")
    # the library regroups a page by element (t:Folder first, then t:CalendarFolder, ...): compare sets
    names = [f["displayName"] for f in out["folders"]]
    assert set(IPM_FOLDERS) <= set(names) and len(set(names)) == len(names), show(out)
    page = out["pages"][0]
    assert page["totalCount"] == len(names) and page["moreAvailable"] is False, show(out)
    kinds = {f["displayName"]: (f["type"], f["folderClass"]) for f in out["folders"]}
    assert kinds["Calendar"] == ("CalendarFolder", "IPF.Appointment"), show(out)
    assert kinds["Contacts"] == ("ContactsFolder", "IPF.Contact"), show(out)
    assert kinds["Tasks"] == ("TasksFolder", "IPF.Task"), show(out)
    assert kinds["Inbox"] == ("Folder", "IPF.Note"), show(out)
    top = {f["parentId"] for f in out["folders"]}
    assert len(top) == 1, show(out)          # all children of msgfolderroot
    assert next(f for f in out["folders"] if f["displayName"] == "Contacts")["childFolderCount"] == 7, show(out)


def test_js_find_folders_deep_paged(js):
    """FolderView(7) over the whole tree: the library pages with NextPageOffset until
    MoreAvailable is false and sees every folder once."""
    whole = js("find-folders.js", "--parent", "Root", "--traversal", "Deep")
    assert whole["ok"], show(whole)
    paged = js("find-folders.js", "--parent", "Root", "--traversal", "Deep", "--page-size", "7", "--all")
    assert paged["ok"], show(paged)
    total = whole["pages"][0]["totalCount"]
    assert total == len(whole["folders"]) > 40, show(whole)
    got = [f["id"] for f in paged["folders"]]
    assert len(got) == len(set(got)) and set(got) == {f["id"] for f in whole["folders"]}, show(paged)
    assert [p["count"] for p in paged["pages"]][:-1] == [7] * (len(paged["pages"]) - 1), show(paged)
    assert paged["pages"][-1]["moreAvailable"] is False, show(paged)
    assert all(p["totalCount"] == total for p in paged["pages"]), show(paged)
    # an offset past the end: no folders, nothing more
    beyond = js("find-folders.js", "--parent", "Root", "--traversal", "Deep", "--offset", str(total + 3))
    assert beyond["ok"] and beyond["folders"] == [] and beyond["pages"][0]["moreAvailable"] is False, show(beyond)
