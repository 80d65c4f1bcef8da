#!/usr/bin/python3
"""Record the fixture corpus (fixtures/corpus/) from ewsemu's own demo organisation.

    /usr/bin/python3 tests/corpus/record-corpus.py --bin build/src/ewsemu [--out fixtures/corpus]

A fresh demo store, `ewsemu serve --record` on a random loopback port with
`--public-url https://mail.contoso.test` (so Autodiscover URLs do not depend on the
port), then every case below in order: each operation and outcome the server
supports (success, each error code, 304 / HasChanged=false, ambiguous names, the
100-resolution cap, batches, request-level faults, 401).  The fixtures are renamed
after their case and get the case's description as notes.  Cases that change the
store come last, so `ewsemu verify fixtures/corpus --against` a fresh demo server
(tests/integration/test_corpus.py) sees the state each answer was recorded in.
Standard library only.
"""
import argparse
import base64
import http.client
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

PASSWORD = "Passw0rd!"
ME = "alex.smith@contoso.test"
PUBLIC_URL = "https://mail.contoso.test"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
AD = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
WSA = "http://www.w3.org/2005/08/addressing"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
POX_REQ = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
POX_RESP = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def envelope(body, version="Exchange2016"):
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}" xmlns:t="{T}" xmlns:m="{M}">'
            f'<soap:Header><t:RequestServerVersion Version="{version}"/></soap:Header>'
            f"<soap:Body>{body}</soap:Body></soap:Envelope>")


def photo(email, size):
    return envelope(f"<m:GetUserPhoto><m:Email>{email}</m:Email><m:SizeRequested>{size}</m:SizeRequested></m:GetUserPhoto>")


def resolve(entry, full="false", scope=None, shape=None):
    attrs = f' ReturnFullContactData="{full}"'
    if scope:
        attrs += f' SearchScope="{scope}"'
    if shape:
        attrs += f' ContactDataShape="{shape}"'
    return envelope(f"<m:ResolveNames{attrs}><m:UnresolvedEntry>{entry}</m:UnresolvedEntry></m:ResolveNames>")


def get_item(ids, shape="Default", extra=""):
    items = "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
    return envelope(f"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{extra}</m:ItemShape>"
                    f"<m:ItemIds>{items}</m:ItemIds></m:GetItem>")


def get_attachment(ids):
    items = "".join(f'<t:AttachmentId Id="{i}"/>' for i in ids)
    return envelope(f"<m:GetAttachment><m:AttachmentIds>{items}</m:AttachmentIds></m:GetAttachment>")


def get_folder(folders, shape="Default"):
    f = "".join(f'<t:DistinguishedFolderId Id="{x}"/>' for x in folders)
    return envelope(f"<m:GetFolder><m:FolderShape><t:BaseShape>{shape}</t:BaseShape></m:FolderShape>"
                    f"<m:FolderIds>{f}</m:FolderIds></m:GetFolder>")


def gus(users, settings):
    u = "".join(f"<a:User><a:Mailbox>{x}</a:Mailbox></a:User>" for x in users)
    s = "".join(f"<a:Setting>{x}</a:Setting>" for x in settings)
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}" xmlns:a="{AD}" xmlns:wsa="{WSA}">'
            "<soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>"
            f'<wsa:Action soap:mustUnderstand="1">{AD}/Autodiscover/GetUserSettings</wsa:Action>'
            f"<wsa:To>{PUBLIC_URL}/autodiscover/autodiscover.svc</wsa:To></soap:Header>"
            f"<soap:Body><a:GetUserSettingsRequestMessage><a:Request><a:Users>{u}</a:Users>"
            f"<a:RequestedSettings>{s}</a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage>"
            "</soap:Body></soap:Envelope>")


def pox(email):
    return (f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{POX_REQ}"><Request>'
            f"<EMailAddress>{email}</EMailAddress><AcceptableResponseSchema>{POX_RESP}</AcceptableResponseSchema>"
            "</Request></Autodiscover>")


SENT = [0]   # requests sent so far by every connection: each becomes one fixture


def unknown_id(known):
    """A well-formed item id of the same mailbox for a contact that does not exist: the
    EwsId with its 32-hex-digit local part replaced by zeros."""
    raw = base64.b64decode(known)
    return base64.b64encode(raw[:-32] + b"0" * 32).decode()


class Conn:
    def __init__(self, host, port, rec=None):
        self.c = http.client.HTTPConnection(host, port, timeout=60)
        self.rec = rec

    def send(self, method, path, body=None, headers=None, auth=(ME, PASSWORD)):
        h = {"Content-Type": "text/xml; charset=utf-8"} if body is not None else {}
        if auth:
            h["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        h.update(headers or {})
        data = body.encode() if isinstance(body, str) else body
        self.c.request(method, path, body=data, headers=h)
        r = self.c.getresponse()
        payload = r.read()
        if r.getheader("Connection", "").lower() == "close":
            self.c.close()
        SENT[0] += 1
        settle(self.rec)
        return r.status, r.getheader("ETag"), payload


def recorded(rec):
    return sorted(rec.glob("*.fixture.xml")) if rec.exists() else []


def settle(rec):
    """Wait until the server has written one fixture per request sent."""
    deadline = time.monotonic() + 30
    while len(recorded(rec)) < SENT[0]:
        if time.monotonic() > deadline:
            raise SystemExit(f"record-corpus: {SENT[0]} requests sent, {len(recorded(rec))} fixtures written")
        time.sleep(0.01)


def cases(conn):
    """(name, description, method, path, body, headers, auth) in recording order; ids are read
    from earlier answers as a client would."""
    ews = "/EWS/Exchange.asmx"
    rest = "/ews/Exchange.asmx/s/GetUserPhoto"
    yield "getuserphoto-large-hr96", "Mailbox photo (648 px upload), HR96x96", "POST", ews, photo(ME, "HR96x96"), None, None
    yield "getuserphoto-large-hr648", "Mailbox photo at its full size", "POST", ews, photo(ME, "HR648x648"), None, None
    yield ("getuserphoto-small-hr648", "240 px upload asked at 648: the largest available (240)", "POST", ews,
           photo("jordan.smith@contoso.test", "HR648x648"), None, None)
    yield ("getuserphoto-thumbnail-only", "No mailbox photo: the directory thumbnail as stored", "POST", ews,
           photo("sam.smith@contoso.test", "HR240x240"), None, None)
    yield ("getuserphoto-both-hr48", "HR48x48 prefers the directory thumbnail", "POST", ews,
           photo("alex.johnson@contoso.test", "HR48x48"), None, None)
    yield ("getuserphoto-both-hr120", "Mailbox photo beside a thumbnail, HR120x120", "POST", ews,
           photo("alex.johnson@contoso.test", "HR120x120"), None, None)
    yield ("getuserphoto-deleted-404", "Deletion record over a thumbnail: HTTP 404, no fallback", "POST", ews,
           photo("jordan.lee@contoso.test", "HR96x96"), None, None)
    yield ("getuserphoto-none-404", "No photo at all: HTTP 404", "POST", ews,
           photo("taylor.brown@contoso.test", "HR96x96"), None, None)
    yield ("getuserphoto-unknown-mailbox", "Unknown address: HTTP 500 fault ErrorNonExistentMailbox", "POST", ews,
           photo("nobody@contoso.test", "HR96x96"), None, None)
    yield ("getuserphoto-bad-size", "Size code outside the nine: fault ErrorSchemaValidation", "POST", ews,
           photo(ME, "HR100x100"), None, None)
    _, etag, _ = conn.send("POST", ews, photo(ME, "HR96x96"))
    yield ("getuserphoto-unchanged", "If-None-Match with the current ETag: HasChanged=false, no PictureData", "POST",
           ews, photo(ME, "HR96x96"), {"If-None-Match": etag}, None)
    yield "rest-photo-200", "REST-style GET: the JPEG with its ETag", "GET", f"{rest}?email={ME}&size=HR96x96", None, None, None
    _, etag, _ = conn.send("GET", f"{rest}?email={ME}&size=HR96x96")
    yield ("rest-photo-304", "REST-style GET with If-None-Match: 304 without a body", "GET",
           f"{rest}?email={ME}&size=HR96x96", None, {"If-None-Match": etag}, None)
    yield ("rest-photo-thumbnail", "REST-style GET of a non-square directory thumbnail", "GET",
           f"{rest}?email=riley.davis@contoso.test&size=HR240x240", None, None, None)
    yield ("rest-photo-none-404", "REST-style GET, no photo: 404", "GET",
           f"{rest}?email=taylor.brown@contoso.test&size=HR96x96", None, None, None)
    yield ("rest-photo-bad-size-400", "REST-style GET with a bad size: 400", "GET", f"{rest}?email={ME}&size=HR1x1",
           None, None, None)
    yield ("rest-photo-no-credentials-401", "No credentials: 401 with a Basic challenge", "GET",
           f"{rest}?email={ME}&size=HR96x96", None, None, False)
    yield ("resolvenames-unique", "One match: Success", "POST", ews, resolve("Morgan Garcia", scope="ActiveDirectory"),
           None, None)
    yield ("resolvenames-ambiguous", "Several matches: Warning ErrorNameResolutionMultipleResults", "POST", ews,
           resolve("Smith", scope="ActiveDirectory"), None, None)
    yield ("resolvenames-ambiguous-with-contacts", "Directory then the caller's contacts (default scope)", "POST", ews,
           resolve("Alex"), None, None)
    yield "resolvenames-none", "No match: ErrorNameResolutionNoResults", "POST", ews, resolve("Qwzxv"), None, None
    yield ("resolvenames-cap-100", "More than 100 matches: 100 and IncludesLastItemInRange=false", "POST", ews,
           resolve("ma", scope="ActiveDirectory"), None, None)
    yield ("resolvenames-smtp-exact", "smtp: prefix, an exact address wins", "POST", ews,
           resolve("smtp:jordan.smith@contoso.test"), None, None)
    yield ("resolvenames-full-allproperties", "ReturnFullContactData with AllProperties: t:Contact and t:Photo",
           "POST", ews, resolve("sam.smith@contoso.test", "true", "ActiveDirectory", "AllProperties"), None, None)
    yield ("resolvenames-full-deleted-photo", "Deletion record hides the thumbnail: no t:Photo", "POST", ews,
           resolve("jordan.lee@contoso.test", "true", "ActiveDirectory", "AllProperties"), None, None)
    yield ("resolvenames-contacts", "SearchScope Contacts: a personal contact with its ItemId", "POST", ews,
           resolve("fischer", "true", "Contacts"), None, None)
    _, _, body = conn.send("POST", ews, resolve("fischer", "true", "Contacts"))
    fischer = ET.fromstring(body).find(f".//{{{T}}}ItemId").get("Id")
    _, _, body = conn.send("POST", ews, resolve("chen", "true", "Contacts"))
    chen = ET.fromstring(body).find(f".//{{{T}}}ItemId").get("Id")
    yield "getfolder-root", "GetFolder root (exchangelib asks first)", "POST", ews, get_folder(["root"]), None, None
    yield ("getfolder-batch", "msgfolderroot and contacts in one request", "POST", ews,
           get_folder(["msgfolderroot", "contacts"]), None, None)
    yield ("getfolder-not-found", "A folder a mailbox without an archive does not have: ErrorFolderNotFound, empty "
           "m:Folders", "POST", ews, get_folder(["archiveinbox"]), None, None)
    yield ("getitem-contact-default", "GetItem Default shape: the contact with HasPicture and its FileAttachment",
           "POST", ews, get_item([fischer]), None, None)
    yield ("getitem-contact-allproperties", "AllProperties", "POST", ews, get_item([fischer], "AllProperties"), None, None)
    yield ("getitem-idonly-additional", "IdOnly plus AdditionalProperties (one unknown)", "POST", ews,
           get_item([chen], "IdOnly", '<t:AdditionalProperties><t:FieldURI FieldURI="contacts:DisplayName"/>'
                    '<t:FieldURI FieldURI="item:HasAttachments"/><t:FieldURI FieldURI="calendar:Start"/>'
                    "</t:AdditionalProperties>"), None, None)
    yield ("getitem-batch-errors", "Batch: found, malformed, unknown - one message each in order", "POST", ews,
           get_item([fischer, "not-an-id", unknown_id(chen)]), None, None)
    _, _, body = conn.send("POST", ews, get_item([fischer], "AllProperties"))
    att = ET.fromstring(body).find(f".//{{{T}}}AttachmentId").get("Id")
    yield "getattachment-contact-picture", "The contact picture, base64 t:Content", "POST", ews, get_attachment([att]), None, None
    yield ("getattachment-batch-errors", "Batch: found and malformed", "POST", ews, get_attachment([att, "bogus"]),
           None, None)
    yield ("convertid-probe", "ConvertId of a foreign id (exchangelib's version probe)", "POST", ews,
           envelope('<m:ConvertId DestinationFormat="EwsId"><m:SourceIds><t:AlternateId Format="EwsId" '
                    f'Id="AAAAAA==" Mailbox="{ME}"/></m:SourceIds></m:ConvertId>'), None, None)
    yield ("unknown-operation", "An operation ewsemu does not serve: fault ErrorInvalidOperation", "POST", ews,
           envelope('<m:CreateItem><m:Items><t:Contact><t:GivenName>Pat</t:GivenName></t:Contact></m:Items>'
                    '</m:CreateItem>'),
           None, None)
    yield ("malformed-xml", "Not well-formed XML: fault ErrorSchemaValidation", "POST", ews,
           "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><m:ResolveNames>",
           None, None)
    yield ("soap-no-credentials-401", "SOAP without credentials: 401", "POST", ews, resolve("Smith"), None, False)
    yield "outlook-me-photo", "Outlook REST v2.0 photo metadata", "GET", "/api/v2.0/me/photo", None, None, None
    yield "outlook-me-photo-value", "Outlook REST v2.0 photo bytes", "GET", "/api/v2.0/me/photo/$value", None, None, None
    yield "outlook-photos", "Outlook REST v2.0 photo sizes", "GET", "/api/v2.0/me/photos", None, None, None
    yield ("outlook-user-no-photo", "A user without a photo: the 1X1 placeholder metadata", "GET",
           "/api/v2.0/Users('taylor.brown@contoso.test')/photo", None, None, None)
    yield ("outlook-user-no-photo-value", "Its $value: 404 with a JSON error", "GET",
           "/api/v2.0/Users('taylor.brown@contoso.test')/photo/$value", None, None, None)
    yield ("autodiscover-pox", "POX Autodiscover: EwsUrl from --public-url", "POST", "/autodiscover/autodiscover.xml",
           pox(ME), None, None)
    yield ("autodiscover-pox-unknown", "POX Autodiscover for an unknown address: error 500", "POST",
           "/autodiscover/autodiscover.xml", pox("nobody@contoso.test"), None, None)
    yield ("autodiscover-getusersettings", "SOAP GetUserSettings, one unknown setting and one unknown user", "POST",
           "/autodiscover/autodiscover.svc", gus([ME, "nobody@contoso.test"],
                                                  ["UserDisplayName", "ExternalEwsUrl", "EwsSupportedSchemas",
                                                   "CasVersion", "NoSuchSetting"]), None, None)
    yield ("setuserphoto-not-a-jpeg", "SetUserPhoto with a PNG: ErrorInvalidArgument, old photo kept", "POST", ews,
           envelope(f"<m:SetUserPhoto><m:Email>{ME}</m:Email><m:Content>"
                    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
                    "</m:Content></m:SetUserPhoto>"), None, None)
    yield ("setuserphoto-other-user-denied", "SetUserPhoto for someone else: ErrorAccessDenied", "POST", ews,
           envelope("<m:SetUserPhoto><m:Email>jordan.smith@contoso.test</m:Email><m:Content>/9j/4AAQ</m:Content>"
                    "</m:SetUserPhoto>"), None, None)
    # the mailbox (issue 12), after the store-changing cases so the numbering above stays
    yield ("getfolder-login-probe", "Mail folders clients probe at login: Inbox, Deleted Items, Calendar, and an "
           "archive folder a 2019 mailbox lacks (ErrorFolderNotFound with an empty m:Folders)", "POST", ews,
           get_folder(["inbox", "deleteditems", "calendar", "archiveinbox"]), None, None)
    yield ("findfolder-deep-paged", "FindFolder Deep below msgfolderroot, IndexedPageFolderView of 5", "POST", ews,
           envelope('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>'
                    '<m:IndexedPageFolderView MaxEntriesReturned="5" Offset="0" BasePoint="Beginning"/>'
                    '<m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds>'
                    "</m:FindFolder>"), None, None)
    yield ("finditem-contacts-contains", "FindItem on Contacts: Contains Substring IgnoreCase on DisplayName, "
           "sorted, IndexedPageItemView of 10", "POST", ews,
           envelope('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
                    '<m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/>'
                    '<m:Restriction><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">'
                    '<t:FieldURI FieldURI="contacts:DisplayName"/><t:Constant Value="a"/></t:Contains></m:Restriction>'
                    '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="contacts:DisplayName"/>'
                    '</t:FieldOrder></m:SortOrder>'
                    '<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>'),
           None, None)
    yield ("finditem-inbox-empty", "FindItem on the Inbox: an empty RootFolder", "POST", ews,
           envelope('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                    '<m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>'
                    '<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>'),
           None, None)
    yield ("findpeople-directory", "FindPeople in the directory (Exchange2013+), QueryString Smith, page of 3",
           "POST", ews,
           envelope('<m:FindPeople><m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="3" Offset="0"/>'
                    '<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId>'
                    "<m:QueryString>Smith</m:QueryString></m:FindPeople>", version="Exchange2013"), None, None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/src/ewsemu")
    ap.add_argument("--out", default="fixtures/corpus")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ewsemu-corpus-"))
    out = Path(a.out)
    try:
        subprocess.run([a.bin, "demo", "--store", tmp / "store"], check=True, capture_output=True)
        rec = tmp / "rec"
        proc = subprocess.Popen([a.bin, "serve", "--store", tmp / "store", "--http", "127.0.0.1:0", "--https", "off",
                                 "--public-url", PUBLIC_URL, "--record", rec], stdout=subprocess.PIPE, text=True)
        try:
            named = record_cases(proc, rec)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        write_corpus(named, out)
        print(f"record-corpus: {len(named)} fixtures in {out}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def record_cases(proc, rec):
    url = None
    for line in proc.stdout:
        m = re.search(r"EWS endpoint http://([^/]+)/", line)
        if m:
            url = m.group(1)
            break
    host, port = url.rsplit(":", 1)
    conn = Conn(host, int(port), rec)
    probe = Conn(host, int(port), rec)   # reads ids and ETags; its exchanges are not kept
    named = []
    for name, notes, method, path, body, headers, auth in cases(probe):
        conn.send(method, path, body, headers, auth=None if auth is False else (ME, PASSWORD))
        named.append((name, notes, recorded(rec)[-1].read_text()))
    return named


def write_corpus(named, out):
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for i, (name, notes, text) in enumerate(named, 1):
        fname = f"{i:03d}-{name}"
        text = re.sub(r'(<fixture\b[^>]*?\sname=")[^"]*(")', rf"\g<1>{fname}\g<2>", text, count=1)
        notes_xml = notes.replace("&", "&amp;").replace("<", "&lt;")
        if "<notes>" in text:
            text = re.sub(r"<notes>.*?</notes>", f"<notes>{notes_xml}</notes>", text, count=1, flags=re.S)
        else:
            text = re.sub(r"(<fixture\b[^>]*>)", rf"\1\n  <notes>{notes_xml}</notes>", text, count=1)
        (out / f"{fname}.fixture.xml").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
