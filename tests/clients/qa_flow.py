#!/usr/bin/python3
"""An application's conversation with EWS, through exchangelib's normal API, as JSON.

Used by the record/replay tests (test_qa_record_replay.py): the same flow is run
against a live ewsemu through the recording proxy, then against the replay server
that answers from those recordings, and the two JSON results must be identical.

The flow is what a people-picker does: resolve an ambiguous surname, resolve one
person with full contact data, read their photo (GetUserPhoto, then again with the
ETag: unchanged), resolve the caller's personal contacts, bind each one
(account.fetch -> GetFolder root + GetItem) and read its picture attachment
(GetAttachment).  Everything that could differ between runs is reduced to facts
(names, addresses, sizes, picture dimensions and digests).

    /usr/bin/python3 tests/clients/qa_flow.py --url http://127.0.0.1:8080/EWS/Exchange.asmx \
        --user alex.smith@contoso.test --password 'Passw0rd!' [--insecure]
"""
import argparse
import hashlib
import json
import os
import sys

import urllib3
from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials, Version
from exchangelib.errors import EWSError
from exchangelib.properties import Mailbox
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter, Protocol, close_connections
from exchangelib.version import Build

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ewsphoto import GetUserPhoto, jpeg_dimensions  # noqa: E402

EXCHANGE_2019 = Build(15, 2, 2562, 17)


def digest(data):
    return hashlib.sha256(data).hexdigest()[:16] if data else None


def mailbox_facts(m):
    return {"name": m.name, "email": m.email_address, "type": m.mailbox_type,
            "has_item_id": bool(m.item_id and m.item_id.id)}


def run(url, user, password, surname, person):
    config = Configuration(service_endpoint=url, credentials=Credentials(user, password),
                           auth_type=BASIC, version=Version(build=EXCHANGE_2019))
    proto = Protocol(config=config)
    out = {}

    res = proto.resolve_names([surname], search_scope="ActiveDirectory")
    out["surname"] = sorted((mailbox_facts(m) for m in res if isinstance(m, Mailbox)),
                            key=lambda f: f["email"])

    res = proto.resolve_names([person], return_full_contact_data=True, shape="AllProperties")
    mb, contact = res[0]
    out["person"] = {**mailbox_facts(mb), "display_name": contact.display_name,
                     "job_title": contact.job_title, "department": contact.department}

    [photo] = list(GetUserPhoto(protocol=proto).call(email=person, size="HR96x96"))
    out["photo"] = {"status": photo.status, "content_type": photo.content_type,
                    "size": jpeg_dimensions(photo.data) if photo.data else None,
                    "digest": digest(photo.data), "has_etag": bool(photo.etag)}
    [again] = list(GetUserPhoto(protocol=proto, if_none_match=photo.etag).call(email=person, size="HR96x96"))
    out["photo_again"] = {"status": again.status, "has_data": bool(again.data)}

    account = Account(primary_smtp_address=user, config=config, autodiscover=False, access_type=DELEGATE)
    ids = []
    for name in ("fischer", "chen", "haddad"):
        ids += [m.item_id for m in proto.resolve_names([name], search_scope="Contacts")
                if isinstance(m, Mailbox) and m.item_id]
    contacts = []
    for item in account.fetch(ids=[(i.id, i.changekey) for i in ids]):
        if isinstance(item, Exception):
            contacts.append({"error": type(item).__name__})
            continue
        pics = []
        for a in item.attachments or []:
            data = a.content
            pics.append({"name": a.name, "type": a.content_type, "is_contact_photo": a.is_contact_photo,
                         "size": a.size, "length": len(data), "dims": jpeg_dimensions(data),
                         "digest": digest(data)})
        contacts.append({"display_name": item.display_name, "has_picture": item.has_picture,
                         "company": item.company_name, "pictures": pics})
    out["contacts"] = sorted(contacts, key=lambda c: c.get("display_name") or "")

    try:
        out["unknown"] = len(proto.resolve_names(["Qwzxv Nobody"]))   # exchangelib: [] for NoResults
    except EWSError as e:
        out["unknown"] = type(e).__name__
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--surname", default="Smith")
    ap.add_argument("--person", default="alex.smith@contoso.test")
    ap.add_argument("--insecure", action="store_true")
    a = ap.parse_args()
    if a.insecure:
        BaseProtocol.HTTP_ADAPTER_CLS = NoVerifyHTTPAdapter
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    try:
        print(json.dumps(run(a.url, a.user, a.password, a.surname, a.person), indent=1, sort_keys=True))
    finally:
        close_connections()


if __name__ == "__main__":
    main()
