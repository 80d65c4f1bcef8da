#!/usr/bin/python3
"""sync-pages.py - helper of tests/bench/sync.sh.

  sync-pages.py tenant DIR N         write DIR/tenant.json: one user with N contacts
  sync-pages.py pages URL DIR SIZE   walk a first SyncFolderItems of the Contacts folder in
                                     pages of SIZE (IdOnly), check it (every contact once, the
                                     flag false until the last page), and write one SOAP body
                                     per page (DIR/page-NN.xml, the state that page starts
                                     from) plus DIR/getitem.xml (GetItem of one contact) and
                                     DIR/reqs.tsv (KIND BODYFILE) for resolve.lua
"""
import base64
import json
import sys
import urllib.request
import xml.etree.ElementTree as ET

USER, PASSWORD = "bench@example.test", "Bench-pw-7!"
NS = {"m": "http://schemas.microsoft.com/exchange/services/2006/messages",
      "t": "http://schemas.microsoft.com/exchange/services/2006/types"}
ENV = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
       ' xmlns:m="{m}" xmlns:t="{t}"><soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header>'
       '<soap:Body>{body}</soap:Body></soap:Envelope>')


def envelope(body):
    return ENV.format(body=body, **NS)


def sync_body(state, size):
    st = f"<m:SyncState>{state}</m:SyncState>" if state else ""
    return envelope('<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                    '<m:SyncFolderId><t:DistinguishedFolderId Id="contacts"/></m:SyncFolderId>'
                    f'{st}<m:MaxChangesReturned>{size}</m:MaxChangesReturned></m:SyncFolderItems>')


def post(url, body):
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    req = urllib.request.Request(url, data=body.encode(), headers={
        "Content-Type": "text/xml; charset=utf-8", "Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return ET.fromstring(r.read())


def tenant(d, n):
    contacts = [{"display_name": f"Contact {i:05d}", "given_name": "Contact", "surname": f"{i:05d}",
                 "email": f"c{i:05d}@bench.test", "company": "Bench Ltd"} for i in range(n)]
    doc = {"domain": "example.test", "users": [{"email": USER, "display_name": "Bench User",
                                                "password": PASSWORD, "contacts": contacts}]}
    with open(f"{d}/tenant.json", "w") as f:
        json.dump(doc, f)


def pages(url, d, size):
    state, seen, n, first_id = None, set(), 0, None
    reqs = []
    while True:
        body = sync_body(state, size)
        path = f"{d}/page-{n:02d}.xml"
        with open(path, "w") as f:
            f.write(body)
        reqs.append(f"sync\t{path}")
        m = post(url, body).find(".//m:SyncFolderItemsResponseMessage", NS)
        assert m.get("ResponseClass") == "Success", ET.tostring(m)[:300]
        ids = [e.get("Id") for e in m.findall("m:Changes/t:Create/t:Contact/t:ItemId", NS)]
        assert len(ids) <= size and not seen & set(ids)
        seen |= set(ids)
        first_id = first_id or ids[0]
        state, n = m.findtext("m:SyncState", namespaces=NS), n + 1
        if m.findtext("m:IncludesLastItemInRange", namespaces=NS) == "true":
            break
        assert len(ids) == size
    gi = envelope('<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>'
                  f'<m:ItemIds><t:ItemId Id="{first_id}"/></m:ItemIds></m:GetItem>')
    with open(f"{d}/getitem.xml", "w") as f:
        f.write(gi)
    with open(f"{d}/reqs-sync.tsv", "w") as f:
        f.write("\n".join(reqs) + "\n")
    with open(f"{d}/reqs-getitem.tsv", "w") as f:
        f.write(f"getitem\t{d}/getitem.xml\n")
    print(f"{len(seen)} contacts in {n} pages of at most {size}")


if __name__ == "__main__":
    if sys.argv[1] == "tenant":
        tenant(sys.argv[2], int(sys.argv[3]))
    else:
        pages(sys.argv[2], sys.argv[3], int(sys.argv[4]))
