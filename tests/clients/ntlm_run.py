"""Run one NTLM client against ewsemu and print what each call returned (JSON).

Started by test_ntlm_clients.py in its own process with OPENSSL_CONF pointing at
openssl-legacy.cnf (MD4 for python3-ntlm-auth).  Modes:
  requests-ntlm     python3-requests-ntlm HttpNtlmAuth, REST GetUserPhoto twice on one session
  exchangelib-ntlm  exchangelib with auth_type=NTLM
  exchangelib-guess exchangelib with no auth_type (it probes and picks from the 401's offers)
The exchangelib modes call GetUserPhoto, ResolveNames, GetItem and GetAttachment.

usage: ntlm_run.py MODE EWS_URL USER PASSWORD PHOTO_EMAIL CONTACT_EMAIL
"""
import json
import sys

import urllib3


def run_requests(url, user, password, photo_email):
    import requests
    from requests_ntlm import HttpNtlmAuth
    base = url.rsplit("/EWS/Exchange.asmx", 1)[0]
    s = requests.Session()
    s.verify = False
    s.auth = HttpNtlmAuth(user, password)
    out = {}
    target = f"{base}/ews/Exchange.asmx/s/GetUserPhoto?email={photo_email}&size=HR96x96"
    r = s.get(target, verify=False)
    out["GetUserPhoto"] = [r.status_code, len(r.content), [h.status_code for h in r.history]]
    r = s.get(target, verify=False)   # the connection is authenticated now: no handshake
    out["GetUserPhoto-again"] = [r.status_code, len(r.content), [h.status_code for h in r.history]]
    s.auth = HttpNtlmAuth(user, password + "x")
    r = requests.get(target, auth=s.auth, verify=False)
    out["wrong-password"] = [r.status_code, r.headers.get("WWW-Authenticate")]
    return out


def run_exchangelib(url, user, password, photo_email, contact_email, guess):
    from exchangelib import DELEGATE, NTLM, Account, Configuration, Credentials, Version
    from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter
    from exchangelib.version import Build
    from ewsphoto import GetUserPhoto
    BaseProtocol.HTTP_ADAPTER_CLS = NoVerifyHTTPAdapter
    creds = Credentials(user, password)
    config = Configuration(service_endpoint=url, credentials=creds, auth_type=None if guess else NTLM,
                           version=Version(build=Build(15, 2, 2562, 17)))
    account = Account(photo_email, credentials=creds, autodiscover=False, config=config, access_type=DELEGATE)
    proto = account.protocol
    out = {"auth_type": proto.auth_type}
    photo = GetUserPhoto(protocol=proto).get(email=photo_email, size="HR96x96")
    out["GetUserPhoto"] = len(photo.data)
    res = proto.resolve_names([contact_email], search_scope="Contacts")
    out["ResolveNames"] = [r.mailbox_type for r in res]
    ident = (res[0].item_id.id, res[0].item_id.changekey)
    contact = list(account.fetch(ids=[ident]))[0]
    out["GetItem"] = contact.display_name
    out["GetAttachment"] = len(contact.attachments[0].content)
    return out


def main():
    mode, url, user, password, photo_email, contact_email = sys.argv[1:7]
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    if mode == "requests-ntlm":
        out = run_requests(url, user, password, photo_email)
    else:
        out = run_exchangelib(url, user, password, photo_email, contact_email, mode == "exchangelib-guess")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
