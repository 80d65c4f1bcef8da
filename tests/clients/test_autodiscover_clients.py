"""Autodiscover as real clients do it (spec §9): exchangelib's SOAP and POX
autodiscovery (Account(..., autodiscover=...)) reaching ResolveNames through the
EWS URL they discovered, and ews-javascript-api's AutodiscoverService.GetUserSettings.

exchangelib derives its first candidate from the e-mail domain
(https://<domain>/autodiscover/autodiscover.svc, .../Autodiscover/Autodiscover.xml).
The tests point exactly that candidate at the session's server by wrapping the
discovery class's _attempt_response (and skip its DNS check of the host); every other
candidate fails, so a pass shows the first, domain-derived URL was the one used."""
import json
import subprocess
from pathlib import Path

import pytest
import urllib3
from exchangelib import DELEGATE, Account, Credentials
from exchangelib.autodiscover import clear_cache
from exchangelib.autodiscover.discovery.base import BaseAutodiscovery
from exchangelib.autodiscover.discovery.pox import PoxAutodiscovery
from exchangelib.autodiscover.discovery.soap import SoapAutodiscovery
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter, close_connections

NODE = Path("/usr/bin/node")
JS = Path(__file__).resolve().parent / "js" / "autodiscover.js"


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("kind,cls", [("soap", SoapAutodiscovery), ("pox", PoxAutodiscovery)])
def test_exchangelib_autodiscover_then_resolve_names(server, monkeypatch, kind, cls, scheme):
    user = server.photo_user
    domain = user.split("@", 1)[1]
    base = server.base(scheme)
    tried = []
    orig = cls._attempt_response

    def attempt(self, url):
        tried.append(url)
        prefix = f"https://{domain}/"
        if not url.startswith(prefix):
            return False, None
        return orig(self, base + "/" + url[len(prefix):])

    clear_cache()
    close_connections()
    if scheme == "https":
        monkeypatch.setattr(BaseProtocol, "HTTP_ADAPTER_CLS", NoVerifyHTTPAdapter)
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    monkeypatch.setattr(cls, "_attempt_response", attempt)
    monkeypatch.setattr(BaseAutodiscovery, "_ensure_valid_hostname", lambda self, url: None)
    try:
        account = Account(primary_smtp_address=user, credentials=Credentials(user, server.password),
                          autodiscover=kind, access_type=DELEGATE)
        assert tried[0].lower() == f"https://{domain}/{cls.URL_PATH}".lower()
        assert len(tried) == 1, tried
        # the EWS URL comes from the Host the client used (+ scheme)
        assert account.protocol.service_endpoint == server.ews(scheme)
        assert account.primary_smtp_address == user
        hits = account.protocol.resolve_names(names=[user])
        assert [m.email_address for m in hits] == [user]
    finally:
        clear_cache()
        close_connections()


def test_exchangelib_soap_autodiscover_unknown_user(server, monkeypatch):
    from exchangelib.errors import AutoDiscoverFailed, ErrorNonExistentMailbox
    domain = server.photo_user.split("@", 1)[1]
    base = server.base("http")
    orig = SoapAutodiscovery._attempt_response

    def attempt(self, url):
        prefix = f"https://{domain}/"
        return orig(self, base + "/" + url[len(prefix):]) if url.startswith(prefix) else (False, None)

    clear_cache()
    monkeypatch.setattr(SoapAutodiscovery, "_attempt_response", attempt)
    monkeypatch.setattr(BaseAutodiscovery, "_ensure_valid_hostname", lambda self, url: None)
    ghost = f"nobody-at-all@{domain}"
    try:
        with pytest.raises((ErrorNonExistentMailbox, AutoDiscoverFailed)):
            Account(primary_smtp_address=ghost, credentials=Credentials(server.photo_user, server.password),
                    autodiscover="soap", access_type=DELEGATE)
    finally:
        clear_cache()
        close_connections()


def run_js(server, *args, password=None):
    assert NODE.exists(), "node not installed"
    r = subprocess.run([str(NODE), str(JS), "--url", server.base("http"), "--user", server.photo_user,
                        "--password", password or server.password, *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_ews_javascript_api_get_user_settings(server):
    names = ["ExternalEwsUrl", "InternalEwsUrl", "UserDisplayName", "AutoDiscoverSMTPAddress", "CasVersion",
             "EwsSupportedSchemas", "ExternalPhotosUrl", "ExternalEwsVersion", "UserDN", "MailboxDN"]
    out = run_js(server, server.photo_user, *names)
    assert out["ok"], out
    assert out["errorCode"] == "NoError"
    assert out["settingErrors"] == []
    s = out["settings"]
    assert set(s) == set(names)
    assert s["ExternalEwsUrl"] == s["InternalEwsUrl"] == s["ExternalPhotosUrl"] == server.http_ews
    assert s["AutoDiscoverSMTPAddress"] == server.photo_user
    assert s["CasVersion"] == "15.02.2562.017"


def test_ews_javascript_api_unknown_user_and_unavailable_setting(server):
    domain = server.photo_user.split("@", 1)[1]
    out = run_js(server, f"nobody-at-all@{domain}", "ExternalEwsUrl")
    assert out["ok"], out
    assert out["errorCode"] == "InvalidUser"
    assert out["errorMessage"] == f"Invalid user: 'nobody-at-all@{domain}'"
    out = run_js(server, server.photo_user, "ExternalEwsUrl", "InternalOABUrl")
    assert out["settings"] == {"ExternalEwsUrl": server.http_ews}
    assert out["settingErrors"] == [{"code": "SettingIsNotAvailable", "name": "InternalOABUrl"}]


def test_ews_javascript_api_wrong_password(server):
    out = run_js(server, server.photo_user, "ExternalEwsUrl", password="wrong")
    assert not out["ok"]
