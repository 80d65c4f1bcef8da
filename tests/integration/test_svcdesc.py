"""The served service description (issue 13 items 1 and 4, spec connect-like-exchange §4, §6):
GET /EWS/Services.wsdl, messages.xsd, types.xsd and Exchange.asmx[?wsdl], generated from wsdl/,
authenticated, static-file validators, the wsdl:service address, and the version profiles."""
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ews_it import NS, NS_M, NS_T, REPO, destroy_env, make_env, run_cli

NS_WSDL = "http://schemas.xmlsoap.org/wsdl/"
NS_WSOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
NS_XS = "http://www.w3.org/2001/XMLSchema"
DOCS = {"/EWS/Services.wsdl": "wsdl", "/EWS/messages.xsd": "messages", "/EWS/types.xsd": "types"}


@pytest.fixture(scope="module")
def envs():
    made = {}

    def get(profile):
        if profile not in made:
            made[profile] = make_env(server_args=() if profile is None else ("--exchange-version", profile))
        return made[profile]
    yield get
    for e in made.values():
        destroy_env(e)


def fetch(env, path, **kw):
    r = env.client().request("GET", path, **kw)
    assert r.status == 200, f"GET {path} -> {r.status}: {r.body[:300]!r}"
    assert r.header("Content-Type") == "text/xml"
    return r


def wsdl_ops(root):
    pt = root.find(f"{{{NS_WSDL}}}portType")
    bd = root.find(f"{{{NS_WSDL}}}binding")
    return ({o.get("name") for o in pt.findall(f"{{{NS_WSDL}}}operation")},
            {o.get("name") for o in bd.findall(f"{{{NS_WSDL}}}operation")})


def server_ops():
    """The operations ewsemu implements: the gSOAP service functions in src/soap/."""
    ops = set()
    for f in (REPO / "src" / "soap").glob("*.c"):
        ops |= set(re.findall(r"^int __m__(\w+)\(struct soap \*", f.read_text(), re.M))
    return ops


def test_anonymous_gets_401_with_challenge(envs):
    env = envs(None)
    for path in [*DOCS, "/EWS/Exchange.asmx?wsdl", "/EWS/Exchange.asmx"]:
        r = env.client().request("GET", path, auth=None)
        assert r.status == 401, f"{path}: {r.status}"
        assert any(v.startswith("Basic ") for v in r.header_all("WWW-Authenticate")), path
        assert b"<wsdl:" not in r.body and b"<xs:schema" not in r.body


def test_documents_served_case_insensitively_with_relative_imports(envs):
    env = envs(None)
    for path, kind in DOCS.items():
        bodies = {fetch(env, p).body for p in (path, path.lower(), path.upper().replace(".XSD", ".xsd"))}
        assert len(bodies) == 1, f"{path}: case variants differ"
        root = ET.fromstring(bodies.pop())
        locs = [i.get("schemaLocation") for i in root.iter(f"{{{NS_XS}}}import")]
        assert {"wsdl": ["messages.xsd"], "messages": ["types.xsd"], "types": []}[kind] == locs, (path, locs)
    wsdl = fetch(env, "/EWS/Services.wsdl").body
    assert fetch(env, "/EWS/Exchange.asmx?wsdl").body == wsdl
    assert fetch(env, "/ews/exchange.asmx?WSDL").body == wsdl
    assert fetch(env, "/EWS/Exchange.asmx").body == wsdl


def test_service_address_is_the_url_the_client_used(envs):
    env = envs(None)
    for host in ("mail.example.test", "mail.example.test:8443", "[::1]:81"):
        root = ET.fromstring(fetch(env, "/EWS/Services.wsdl", headers={"Host": host}).body)
        svc = root.find(f"{{{NS_WSDL}}}service")
        assert svc.get("name") == "ExchangeServices"
        port = svc.find(f"{{{NS_WSDL}}}port")
        assert port.get("name") == "ExchangeServicePort" and port.get("binding") == "tns:ExchangeServiceBinding"
        assert port.find(f"{{{NS_WSOAP}}}address").get("location") == f"http://{host}/EWS/Exchange.asmx"
    tls = env.client(tls=True).request("GET", "/EWS/Services.wsdl")
    assert b'location="https://mail.example.test/EWS/Exchange.asmx"' in tls.body


@pytest.mark.parametrize("host", ['a"b.test', "x<y>z", "a&b", "h" * 300, "h" * 5000, ""])
def test_hostile_host_never_makes_ill_formed_xml(envs, host):
    env = envs(None)
    c = env.client()
    r = c.request("GET", "/EWS/Services.wsdl", headers={"Host": host})
    if r.status == 200:
        loc = ET.fromstring(r.body).find(f".//{{{NS_WSOAP}}}address").get("location")
        assert loc in (f"http://{host}/EWS/Exchange.asmx", "http://localhost/EWS/Exchange.asmx"), loc
    else:
        assert r.status in (400, 431), r.status
    assert env.client().request("GET", "/EWS/types.xsd").status == 200   # still serving


def test_public_url_is_the_service_address():
    env = make_env(server_args=("--public-url", "https://mail.contoso.test/"))
    try:
        root = ET.fromstring(fetch(env, "/EWS/Services.wsdl").body)
        assert root.find(f".//{{{NS_WSOAP}}}address").get("location") == \
            "https://mail.contoso.test/EWS/Exchange.asmx"
    finally:
        destroy_env(env)


def test_static_file_validators_and_methods(envs):
    env = envs(None)
    c = env.client()
    for path in [*DOCS, "/EWS/Exchange.asmx?wsdl"]:
        r = fetch(env, path)
        etag, lm = r.header("ETag"), r.header("Last-Modified")
        assert re.fullmatch(r'"[0-9a-f]{16}"', etag or ""), etag
        assert lm and lm.endswith(" GMT")
        nm = c.request("GET", path, headers={"If-None-Match": etag})
        assert nm.status == 304 and nm.body == b"" and nm.header("ETag") == etag, (path, nm.status)
        assert c.request("GET", path, headers={"If-None-Match": '"0000000000000000"'}).status == 200
        head = c.request("HEAD", path)
        assert head.status == 200 and head.body == b"" and head.header("ETag") == etag
    # the address is part of the WSDL's bytes: another Host, another ETag
    assert fetch(env, "/EWS/Services.wsdl", headers={"Host": "other.test"}).header("ETag") != \
        fetch(env, "/EWS/Services.wsdl").header("ETag")
    for method in ("POST", "PUT", "DELETE"):
        r = c.request(method, "/EWS/Services.wsdl", body=b"x")
        assert r.status == 405 and r.header("Allow") == "GET, HEAD, OPTIONS", (method, r.status)
    assert c.request("POST", "/EWS/types.xsd", body=b"x", auth=None).status == 401


def test_every_served_operation_is_in_the_wsdl_and_routed(envs):
    """The server's operations (its gSOAP service functions) and the WSDL's portType and binding are
    the same set, and each is routed: an empty request is never ErrorInvalidOperation."""
    env = envs(None)
    root = ET.fromstring(fetch(env, "/EWS/Services.wsdl").body)
    port_ops, binding_ops = wsdl_ops(root)
    impl = server_ops()
    assert len(impl) >= 13, impl
    assert port_ops == impl, f"portType vs server: {port_ops ^ impl}"
    assert binding_ops == impl, f"binding vs server: {binding_ops ^ impl}"
    c = env.client()
    for op in sorted(impl):
        r = c.soap(f"<m:{op}/>", version="Exchange2016")
        assert b"ErrorInvalidOperation" not in r.body, f"{op} is in the WSDL but not routed: {r.body[:400]!r}"
    r = c.soap("<m:CreateItem/>", version="Exchange2016")
    assert b"ErrorInvalidOperation" in r.body   # the check above can fail


def test_every_message_element_is_declared(envs):
    env = envs(None)
    wsdl = ET.fromstring(fetch(env, "/EWS/Services.wsdl").body)
    declared = {}
    for path, ns in (("/EWS/messages.xsd", NS_M), ("/EWS/types.xsd", NS_T)):
        xsd = ET.fromstring(fetch(env, path).body)
        declared[ns] = {e.get("name") for e in xsd.findall(f"{{{NS_XS}}}element")}
    prefixes = {"tns": NS_M, "t": NS_T}
    parts = [p.get("element") for m in wsdl.findall(f"{{{NS_WSDL}}}message") for p in m.findall(f"{{{NS_WSDL}}}part")]
    assert len(parts) >= 26
    for el in parts:
        pfx, local = el.split(":")
        assert local in declared[prefixes[pfx]], f"{el} is sent/received but not declared"


def save_docs(env, d):
    for path, kind in DOCS.items():
        (Path(d) / Path(path).name).write_bytes(fetch(env, path).body)


def xmllint_schema(schema, doc):
    return subprocess.run(["xmllint", "--noout", "--nonet", "--schema", str(schema), str(doc)],
                          capture_output=True, text=True, timeout=120)


def photo_body(env):
    u = env.u("large")
    r = env.client().get_user_photo(u.email, "HR96x96")
    assert r.status == 200
    return r


@pytest.mark.parametrize("profile,declared", [(None, False), ("2019", False), ("2016", True), ("2013", False),
                                              ("online", False)])
def test_profile_content_type_declared_and_sent_together(envs, profile, declared):
    """m:ContentType in GetUserPhotoResponse: declared in the served messages.xsd exactly when sent, and
    the answer validates against the served schema (xmllint)."""
    env = envs(profile)
    r = photo_body(env)
    el = r.photo_response()
    assert (el.find("m:ContentType", NS) is not None) == declared
    if declared:
        assert el.findtext("m:ContentType", namespaces=NS) == "image/jpeg"
    with tempfile.TemporaryDirectory() as d:
        save_docs(env, d)
        xsd = (Path(d) / "messages.xsd").read_text()
        assert ('name="ContentType"' in xsd.split('name="GetUserPhotoResponseMessageType"')[1].split(
            "</xs:complexType>")[0]) == declared
        doc = Path(d) / "resp.xml"
        doc.write_bytes(ET.tostring(el))
        p = xmllint_schema(Path(d) / "messages.xsd", doc)
        assert p.returncode == 0, p.stderr


def test_2019_schema_rejects_content_type(envs):
    """The check above can fail: a 2016 answer (with ContentType) is invalid under the 2019 schema."""
    el = photo_body(envs("2016")).photo_response()
    with tempfile.TemporaryDirectory() as d:
        save_docs(envs("2019"), d)
        doc = Path(d) / "resp.xml"
        doc.write_bytes(ET.tostring(el))
        p = xmllint_schema(Path(d) / "messages.xsd", doc)
        assert p.returncode != 0 and "ContentType" in p.stderr, p.stderr


@pytest.mark.parametrize("profile,svi,schema_version", [
    (None, ("15", "2", "2562", "17", "V2017_07_11"), "Exchange2016"),
    ("2019", ("15", "2", "2562", "17", "V2017_07_11"), "Exchange2016"),
    ("2016", ("15", "1", "2507", "6", "V2017_07_11"), "Exchange2016"),
    ("2013", ("15", "0", "1497", "7", "V2_23"), "Exchange2013_SP1"),
    ("online", ("15", "20", "7452", "28", "V2018_01_08"), "Exchange2016"),
])
def test_profile_versions(envs, profile, svi, schema_version):
    env = envs(profile)
    v = photo_body(env).assert_server_version()
    got = tuple(v.get(a) for a in ("MajorVersion", "MinorVersion", "MajorBuildNumber", "MinorBuildNumber",
                                   "Version"))
    assert got == svi
    for path in ("/EWS/messages.xsd", "/EWS/types.xsd"):
        assert ET.fromstring(fetch(env, path).body).get("version") == schema_version
    # Autodiscover (POX) reports the same build
    u = env.u("large")
    req = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
           'autodiscover/outlook/requestschema/2006"><Request><EMailAddress>' + u.email + '</EMailAddress>'
           '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/'
           'responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>')
    r = env.client().request("POST", "/autodiscover/autodiscover.xml", body=req.encode(),
                             headers={"Content-Type": "text/xml"})
    assert r.status == 200, r.body[:300]
    m = re.search(rb"<ServerVersion>([0-9A-F]{8})</ServerVersion>", r.body)
    assert m, r.body[:600]
    n = int(m.group(1), 16)
    assert ((n >> 22) & 0x3f, (n >> 16) & 0x3f, n & 0x7fff) == (int(svi[0]), int(svi[1]), int(svi[2]))


def test_unknown_exchange_version_is_refused():
    with tempfile.TemporaryDirectory() as d:
        p = run_cli("serve", "--exchange-version", "2010", "--http", "127.0.0.1:0", "--https", "off", store=Path(d))
        assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
        assert "2013|2016|2019|online" in p.stderr
