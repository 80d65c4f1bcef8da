"""Autodiscover over the wire (spec §9): POX autodiscover.xml and SOAP
GetUserSettings on autodiscover.svc.  No official Autodiscover schema is
available to validate.sh (it reports SKIP for that namespace), so every
response is parsed strictly (well-formed, exact namespaces, element order)."""

import xml.etree.ElementTree as ET

import pytest

from ews_it import addr, destroy_env, make_env, standard_users

POX_REQ_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
POX_RESP_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
POX_OUT_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
AD_NS = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
WSA_NS = "http://www.w3.org/2005/08/addressing"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
POX_PATH = "/autodiscover/autodiscover.xml"
SVC_PATH = "/autodiscover/autodiscover.svc"
EWS_URL = "http://mail.example.test/EWS/Exchange.asmx"   # the test client's Host header


def q(ns, name):
    return f"{{{ns}}}{name}"


def pox_body(email=None, schema=POX_OUT_NS, legacy_dn=None):
    parts = [f'<Autodiscover xmlns="{POX_REQ_NS}"><Request>']
    if email is not None:
        parts.append(f"<EMailAddress>{email}</EMailAddress>")
    if legacy_dn is not None:
        parts.append(f"<LegacyDN>{legacy_dn}</LegacyDN>")
    if schema is not None:
        parts.append(f"<AcceptableResponseSchema>{schema}</AcceptableResponseSchema>")
    parts.append("</Request></Autodiscover>")
    return "".join(parts).encode()


def pox(client, body, path=POX_PATH, **kw):
    r = client.request("POST", path, body=body, headers={"Content-Type": "text/xml"}, **kw)
    assert r.status == 200, (r.status, r.body[:500])
    assert r.header("Content-Type").startswith("text/xml"), r.header("Content-Type")
    root = ET.fromstring(r.body)
    assert root.tag == q(POX_RESP_NS, "Autodiscover"), root.tag
    return root


def pox_error(root):
    err = root.find(f"{{{POX_RESP_NS}}}Response/{{{POX_RESP_NS}}}Error")
    assert err is not None, ET.tostring(root)
    assert [c.tag for c in err] == [q(POX_RESP_NS, t) for t in ("ErrorCode", "Message", "DebugData")]
    assert err.get("Id", "").isdigit()
    hh, mm, rest = err.get("Time").split(":")
    assert len(hh) == 2 and len(mm) == 2 and "." in rest
    return int(err.findtext(q(POX_RESP_NS, "ErrorCode"))), err.findtext(q(POX_RESP_NS, "Message"))


def pox_protocols(root):
    resp = root.find(q(POX_OUT_NS, "Response"))
    assert resp is not None, ET.tostring(root)
    acct = resp.find(q(POX_OUT_NS, "Account"))
    return resp, acct, {p.findtext(q(POX_OUT_NS, "Type")): p for p in acct.findall(q(POX_OUT_NS, "Protocol"))}


def gus_body(users, settings, action=True):
    u = "".join(f"<a:User><a:Mailbox>{m}</a:Mailbox></a:User>" for m in users)
    s = "".join(f"<a:Setting>{n}</a:Setting>" for n in settings)
    hdr = ("<soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>"
           f'<wsa:Action soap:mustUnderstand="1">{AD_NS}/Autodiscover/GetUserSettings</wsa:Action>'
           "<wsa:To>https://mail.example.test/autodiscover/autodiscover.svc</wsa:To></soap:Header>") if action else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:a="{AD_NS}" '
            f'xmlns:wsa="{WSA_NS}">{hdr}<soap:Body><a:GetUserSettingsRequestMessage><a:Request>'
            f"<a:Users>{u}</a:Users><a:RequestedSettings>{s}</a:RequestedSettings>"
            "</a:Request></a:GetUserSettingsRequestMessage></soap:Body></soap:Envelope>").encode()


def gus(client, users, settings, path=SVC_PATH, status=200):
    r = client.request("POST", path, body=gus_body(users, settings),
                       headers={"Content-Type": "text/xml; charset=utf-8"})
    assert r.status == status, (r.status, r.body[:600])
    assert r.header("Content-Type").startswith("text/xml")
    env = ET.fromstring(r.body)
    assert env.tag == q(SOAP_NS, "Envelope")
    hdr, body = list(env)
    assert hdr.tag == q(SOAP_NS, "Header") and body.tag == q(SOAP_NS, "Body")
    # wsa:Action (mustUnderstand) and ServerVersionInfo with child elements, nothing else
    action, svi = list(hdr)
    assert action.tag == q(WSA_NS, "Action")
    assert action.text == f"{AD_NS}/Autodiscover/GetUserSettingsResponse"
    assert action.get(q(SOAP_NS, "mustUnderstand")) == "1"
    assert svi.tag == q(AD_NS, "ServerVersionInfo") and not svi.attrib
    assert [(c.tag, c.text) for c in svi] == [
        (q(AD_NS, "MajorVersion"), "15"), (q(AD_NS, "MinorVersion"), "2"),
        (q(AD_NS, "MajorBuildNumber"), "2562"), (q(AD_NS, "MinorBuildNumber"), "17"),
        (q(AD_NS, "Version"), "Exchange2015")]
    (msg,) = list(body)
    assert msg.tag == q(AD_NS, "GetUserSettingsResponseMessage")
    (resp,) = list(msg)
    assert [c.tag for c in resp] == [q(AD_NS, t) for t in ("ErrorCode", "ErrorMessage", "UserResponses")]
    return resp


def user_responses(resp):
    assert resp.findtext(q(AD_NS, "ErrorCode")) == "NoError"
    out = []
    for ur in resp.find(q(AD_NS, "UserResponses")):
        assert ur.tag == q(AD_NS, "UserResponse")
        tags = [c.tag for c in ur]
        assert tags == [q(AD_NS, t) for t in ("ErrorCode", "ErrorMessage", "RedirectTarget",
                                             "UserSettingErrors", "UserSettings")], tags
        assert ur.find(q(AD_NS, "RedirectTarget")).get(q(XSI_NS, "nil")) == "true"
        settings = {}
        for s in ur.find(q(AD_NS, "UserSettings")):
            assert s.tag == q(AD_NS, "UserSetting")
            assert s.get(q(XSI_NS, "type")) == "StringSetting"
            assert [c.tag for c in s] == [q(AD_NS, "Name"), q(AD_NS, "Value")]
            settings[s.findtext(q(AD_NS, "Name"))] = s.findtext(q(AD_NS, "Value"))
        errors = {}
        for e in ur.find(q(AD_NS, "UserSettingErrors")):
            assert [c.tag for c in e] == [q(AD_NS, t) for t in ("ErrorCode", "ErrorMessage", "SettingName")]
            errors[e.findtext(q(AD_NS, "SettingName"))] = e.findtext(q(AD_NS, "ErrorCode"))
        out.append((ur.findtext(q(AD_NS, "ErrorCode")), ur.findtext(q(AD_NS, "ErrorMessage")), settings, errors))
    return out


@pytest.fixture(scope="module")
def c(env):
    return env.client("plain0")


# ---- POX (spec §9.1) ------------------------------------------------------------------

def test_pox_success(c, env):
    root = pox(c, pox_body(addr("large")))
    resp, acct, protos = pox_protocols(root)
    user = resp.find(q(POX_OUT_NS, "User"))
    assert [x.tag for x in user] == [q(POX_OUT_NS, t) for t in
                                     ("DisplayName", "LegacyDN", "AutoDiscoverSMTPAddress", "DeploymentId")]
    assert user.findtext(q(POX_OUT_NS, "DisplayName")) == "Large Tester"
    assert user.findtext(q(POX_OUT_NS, "AutoDiscoverSMTPAddress")) == addr("large")
    assert [x.tag for x in acct][:3] == [q(POX_OUT_NS, t) for t in ("AccountType", "Action", "MicrosoftOnline")]
    assert acct.findtext(q(POX_OUT_NS, "AccountType")) == "email"
    assert acct.findtext(q(POX_OUT_NS, "Action")) == "settings"
    assert acct.findtext(q(POX_OUT_NS, "MicrosoftOnline")) == "False"
    assert set(protos) == {"EXCH", "EXPR", "WEB"}
    for t in ("EXCH", "EXPR"):
        assert protos[t].findtext(q(POX_OUT_NS, "EwsUrl")) == EWS_URL
        assert protos[t].findtext(q(POX_OUT_NS, "ASUrl")) == EWS_URL
        assert protos[t].findtext(q(POX_OUT_NS, "EcpUrl")) == "http://mail.example.test/ecp/"
    assert protos["EXCH"].findtext(q(POX_OUT_NS, "ServerVersion")) == "73C28A02"   # 15.2.2562
    # the LegacyDN it hands out finds the same user again
    dn = user.findtext(q(POX_OUT_NS, "LegacyDN"))
    again = pox(c, pox_body(legacy_dn=dn))
    assert pox_protocols(again)[0].find(q(POX_OUT_NS, "User")).findtext(
        q(POX_OUT_NS, "AutoDiscoverSMTPAddress")) == addr("large")


def test_pox_path_and_address_are_case_insensitive(c):
    root = pox(c, pox_body(addr("small").upper()), path="/AutoDiscover/AutoDiscover.XML")
    _, _, protos = pox_protocols(root)
    assert protos["EXPR"].findtext(q(POX_OUT_NS, "EwsUrl")) == EWS_URL


def test_pox_unknown_address(c):
    assert pox_error(pox(c, pox_body("nobody@example.test"))) == (500, "The email address can't be found.")


@pytest.mark.parametrize("body", [
    b"<Autodiscover><Request>",                                  # not well-formed
    b"",                                                         # empty
    b"<Other xmlns='urn:x'/>",                                   # wrong document
    pox_body(None),                                              # no address
    pox_body(addr("large"), schema=None),                        # no AcceptableResponseSchema
    b'<!DOCTYPE a [<!ENTITY e "x">]>' + pox_body("&e;"),         # DTDs are refused
])
def test_pox_bad_request(c, body):
    assert pox_error(pox(c, body)) == (600, "Invalid Request")


def test_pox_unsupported_schema(c):
    body = pox_body(addr("large"),
                    schema="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006")
    assert pox_error(pox(c, body)) == (601, "Provider is not available")


def test_pox_host_and_scheme(env):
    c = env.server.client(user=env.u("large"), tls=True)
    root = c.request("POST", POX_PATH, body=pox_body(addr("large")), headers={"Host": "other.example.test:8443"})
    _, _, protos = pox_protocols(ET.fromstring(root.body))
    assert protos["EXPR"].findtext(q(POX_OUT_NS, "EwsUrl")) == "https://other.example.test:8443/EWS/Exchange.asmx"
    assert protos["EXPR"].findtext(q(POX_OUT_NS, "SSL")) == "On"
    # a Host that is no authority is not echoed into URLs
    root = c.request("POST", POX_PATH, body=pox_body(addr("large")), headers={"Host": "x/<y>"})
    if root.status == 200:
        _, _, protos = pox_protocols(ET.fromstring(root.body))
        assert protos["EXPR"].findtext(q(POX_OUT_NS, "EwsUrl")) == "https://localhost/EWS/Exchange.asmx"


@pytest.mark.parametrize("path", [POX_PATH, SVC_PATH])
def test_unauthenticated(env, path):
    c = env.server.client(auth=None)
    r = c.request("POST", path, body=pox_body(addr("large")))
    assert r.status == 401
    assert r.header_all("WWW-Authenticate")[:3] == ["Negotiate", "NTLM", 'Basic realm="ewsemu"']
    r = c.request("POST", path, body=pox_body(addr("large")), auth=("large@example.test", "wrong"))
    assert r.status == 401


# ---- SOAP GetUserSettings (spec §9.2) -------------------------------------------------

ALL = ["UserDisplayName", "UserDN", "MailboxDN", "AutoDiscoverSMTPAddress", "ExternalEwsUrl", "InternalEwsUrl",
       "EwsSupportedSchemas", "CasVersion", "ExternalPhotosUrl", "ExternalEwsVersion", "UserDeploymentId"]


def test_gus_all_settings(c):
    ((code, msg, settings, errors),) = user_responses(gus(c, [addr("large")], ALL))
    assert (code, msg, errors) == ("NoError", "No error.", {})
    assert list(settings) == ALL    # requested order
    assert settings["UserDisplayName"] == "Large Tester"
    assert settings["AutoDiscoverSMTPAddress"] == addr("large")
    for n in ("ExternalEwsUrl", "InternalEwsUrl", "ExternalPhotosUrl"):
        assert settings[n] == EWS_URL
    assert settings["CasVersion"] == settings["ExternalEwsVersion"] == "15.02.2562.017"
    schemas = [s.strip() for s in settings["EwsSupportedSchemas"].split(",")]
    assert "Exchange2013" in schemas and max(schemas) == "Exchange2019"
    assert settings["UserDN"].startswith("/o=")
    assert settings["MailboxDN"].startswith("/o=")


@pytest.mark.parametrize("subset", [["ExternalEwsUrl"], ["UserDisplayName", "CasVersion"],
                                    ["EwsSupportedSchemas", "AutoDiscoverSMTPAddress", "ExternalPhotosUrl"]])
def test_gus_subsets(c, subset):
    ((code, _msg, settings, errors),) = user_responses(gus(c, [addr("small")], subset))
    assert code == "NoError" and errors == {}
    assert list(settings) == subset


def test_gus_unknown_and_unavailable_settings(c):
    ((code, _msg, settings, errors),) = user_responses(
        gus(c, [addr("large")], ["ExternalEwsUrl", "NoSuchSetting", "InternalOABUrl"]))
    assert code == "NoError"
    assert list(settings) == ["ExternalEwsUrl"]
    assert errors == {"NoSuchSetting": "InvalidSetting", "InternalOABUrl": "SettingIsNotAvailable"}


def test_gus_unknown_user_and_several_users_in_order(c):
    rs = user_responses(gus(c, [addr("large"), "ghost@example.test", addr("Small")],
                            ["AutoDiscoverSMTPAddress"]))
    assert [r[0] for r in rs] == ["NoError", "InvalidUser", "NoError"]
    assert rs[1][1] == "Invalid user: 'ghost@example.test'"
    assert rs[1][2] == {} and rs[1][3] == {}
    assert rs[0][2]["AutoDiscoverSMTPAddress"] == addr("large")
    assert rs[2][2]["AutoDiscoverSMTPAddress"] == addr("small")   # the primary address, as stored


def test_gus_request_level_errors(c):
    resp = gus(c, [], ["ExternalEwsUrl"])
    assert resp.findtext(q(AD_NS, "ErrorCode")) == "InvalidRequest"
    assert len(resp.find(q(AD_NS, "UserResponses"))) == 0
    resp = gus(c, [addr("large")], [])
    assert resp.findtext(q(AD_NS, "ErrorCode")) == "InvalidRequest"


def test_gus_path_case_and_not_soap(c):
    user_responses(gus(c, [addr("large")], ["ExternalEwsUrl"], path="/AUTODISCOVER/Autodiscover.SVC"))
    r = c.request("POST", SVC_PATH, body=b"<not-soap", headers={"Content-Type": "text/xml"})
    assert r.status == 500
    env = ET.fromstring(r.body)
    assert env.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault") is not None
    # the connection is still usable
    user_responses(gus(c, [addr("large")], ["ExternalEwsUrl"]))


def test_gus_https_host(env):
    c = env.server.client(user=env.u("large"), tls=True)
    r = c.request("POST", SVC_PATH, body=gus_body([addr("large")], ["ExternalEwsUrl", "InternalEwsUrl"]),
                  headers={"Host": "mail.example.test:4443"})
    assert r.status == 200
    assert b"<Value>https://mail.example.test:4443/EWS/Exchange.asmx</Value>" in r.body


def test_get_is_not_autodiscover(c):
    r = c.request("GET", POX_PATH)
    assert r.status == 404


# ---- configured URL (serve --public-url) ----------------------------------------------

def test_public_url_option():
    e = make_env(users=[u for u in standard_users() if u.alias in ("large", "plain0")],
                 server_args=["--public-url", "https://ews.example.test/"])
    try:
        c = e.client("large")
        ((_, _, settings, _),) = user_responses(gus(c, [addr("large")], ["ExternalEwsUrl", "InternalEwsUrl"]))
        assert settings == {"ExternalEwsUrl": "https://ews.example.test/EWS/Exchange.asmx",
                            "InternalEwsUrl": "https://ews.example.test/EWS/Exchange.asmx"}
        _, _, protos = pox_protocols(pox(c, pox_body(addr("large"))))
        assert protos["EXPR"].findtext(q(POX_OUT_NS, "EwsUrl")) == "https://ews.example.test/EWS/Exchange.asmx"
    finally:
        destroy_env(e)
