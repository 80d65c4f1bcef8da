"""Record, replay and verify with a real client (issue: EWS-aware QA tooling).

exchangelib runs one application flow (qa_flow.py: resolve names, read a photo and
its ETag, bind contacts, read their pictures) through the recording proxy in front
of a live ewsemu; that server is then stopped and the same flow runs against
`ewsemu serve --replay` answering from the recording, and must give identical
results.  `ewsemu verify` replays the recording against a server and must catch a
deliberately changed answer.  Fault injection, the journal, fall-through, near-miss
reports, `serve --record` and anonymisation are checked over the wire too.
"""
import base64
import io
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from exchangelib import BASIC, Configuration, Credentials, Version
from exchangelib.errors import ErrorServerBusy
from exchangelib.protocol import Protocol, close_connections
from exchangelib.version import Build
from PIL import Image

from conftest import PASSWORD, ewsemu_bin, run_cli
from qa_proc import demo_store, live_server, recording_proxy, replay_server

HERE = Path(__file__).resolve().parent
VALIDATE_SH = HERE.parents[2] / "shared" / "schemas" / "validate.sh"
USER = "alex.smith@contoso.test"
NS = {"s": "http://schemas.xmlsoap.org/soap/envelope/",
      "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
      "t": "http://schemas.microsoft.com/exchange/services/2006/types",
      "e": "http://schemas.microsoft.com/exchange/services/2006/errors"}


def flow(ews_url, *extra):
    r = subprocess.run([sys.executable, str(HERE / "qa_flow.py"), "--url", ews_url, "--user", USER, "--password", PASSWORD, *extra],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"qa_flow.py against {ews_url} failed:\n{r.stdout}\n{r.stderr[-4000:]}"
    return json.loads(r.stdout)


def fixtures_in(d):
    return sorted(Path(d).glob("*.fixture.xml"))


def verify(fixtures, url, *extra):
    return subprocess.run([str(ewsemu_bin()), "verify", str(fixtures), "--against", url, "--password", PASSWORD,
                           "--insecure", *extra], capture_output=True, text=True, timeout=600)


def soap(url, body, auth=(USER, PASSWORD), headers=None, timeout=60):
    env = ('<?xml version="1.0" encoding="utf-8"?>'
           '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
           'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
           'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
           '<soap:Header><t:RequestServerVersion Version="Exchange2016"/></soap:Header>'
           f'<soap:Body>{body}</soap:Body></soap:Envelope>')
    return requests.post(url, data=env.encode(), auth=auth, verify=False, timeout=timeout,
                         headers={"Content-Type": "text/xml; charset=utf-8", **(headers or {})})


def validate(body, tmp_path, name):
    p = tmp_path / f"{name}.xml"
    p.write_bytes(body)
    r = subprocess.run([str(VALIDATE_SH), "--set", "interop", str(p)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{name} fails schema validation:\n{r.stdout}{r.stderr}"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A live demo server, the flow through the recording proxy, then the server stopped."""
    tmp = tmp_path_factory.mktemp("qa-rec")
    store = demo_store(tmp / "store")
    live = live_server(store, tmp)
    direct = flow(live.ews())
    rec_dir = tmp / "recorded"
    proxy = recording_proxy(live.url(), rec_dir, tmp)
    through_proxy = flow(proxy.url() + "/EWS/Exchange.asmx")
    proxy.stop()
    # verify against the still running live server, then stop it: replay must not need it
    ok = verify(rec_dir, live.url())
    live.stop()
    return {"tmp": tmp, "dir": rec_dir, "direct": direct, "proxy": through_proxy, "verify_live": ok,
            "store": store}


def test_proxy_is_transparent_and_records_every_exchange(recorded):
    assert recorded["proxy"] == recorded["direct"]
    files = fixtures_in(recorded["dir"])
    ops = {re.sub(r"^\d+-", "", f.name[:-len(".fixture.xml")]) for f in files}
    for op in ("ResolveNames", "GetUserPhoto", "GetFolder", "GetItem", "GetAttachment"):
        assert op in ops, f"no {op} fixture among {sorted(ops)}"
    cred = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for f in files:
        text = f.read_text()
        assert "Authorization" not in text and PASSWORD not in text and cred not in text, f"credentials in {f.name}"
        ET.fromstring(text.encode())   # each fixture is well-formed XML


def test_replay_gives_the_client_identical_results(recorded, tmp_path):
    journal = tmp_path / "journal.jsonl"
    rep = replay_server(recorded["dir"], tmp_path, tmp_path / "rstore", "--journal", journal)
    try:
        assert flow(rep.ews("http")) == recorded["proxy"]
        assert flow(rep.ews("https"), "--insecure") == recorded["proxy"]
    finally:
        err = rep.stop()
    assert "no fixture for" not in err, err[-3000:]
    # the journal says what the client sent, every request answered from a fixture
    lines = [json.loads(x) for x in journal.read_text().splitlines() if x.strip()]
    assert len(lines) >= 2 * len(fixtures_in(recorded["dir"])) - 2
    assert all(x.get("fixture") for x in lines), [x for x in lines if not x.get("fixture")][:3]
    out = run_cli("journal", journal, "--operation", "GetUserPhoto").stdout
    assert out.count("GetUserPhoto") >= 4 and "(no match)" not in out
    js = [json.loads(x) for x in run_cli("journal", journal, "--json", "--operation", "ResolveNames").stdout.splitlines()]
    assert js and all(x["operation"] == "ResolveNames" for x in js)
    assert any("Smith" in (x.get("body") or "") for x in js)
    assert all("Authorization" not in json.dumps(x.get("headers", {})) for x in js)


def test_verify_passes_against_the_recorded_server(recorded):
    r = recorded["verify_live"]
    n = len(fixtures_in(recorded["dir"]))
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(rf"^{n} passed, 0 failed$", r.stdout, re.M), r.stdout[-2000:]
    assert r.stdout.count("PASS ") == n


def test_verify_catches_a_changed_response(recorded, tmp_path):
    """A new photo for the user: the recorded GetUserPhoto answers no longer hold."""
    store = demo_store(tmp_path / "store")
    img = tmp_path / "new.jpg"
    Image.new("RGB", (300, 300), (10, 200, 30)).save(img, format="JPEG", quality=90)
    run_cli("set-userphoto", "--store", store, USER, img)
    live = live_server(store, tmp_path)
    try:
        r = verify(recorded["dir"], live.url())
    finally:
        live.stop()
    assert r.returncode == 1, r.stdout[-3000:]
    fails = re.findall(r"^FAIL (\S+)", r.stdout, re.M)
    assert fails and all("GetUserPhoto" in f for f in fails), fails
    assert "PictureData" in r.stdout
    m = re.search(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    assert m and int(m.group(2)) == len(fails) and int(m.group(1)) == len(fixtures_in(recorded["dir"])) - len(fails)


def test_verify_compares_images_by_type_and_size_where_the_fixture_says_so(recorded, tmp_path):
    """With an image rule on m:PictureData, a new photo of the user still passes where the size
    and type are the same; only the answer that depends on the old ETag (HasChanged=false) fails."""
    d = tmp_path / "image-rule"
    d.mkdir()
    photo_fixtures = []
    for f in fixtures_in(recorded["dir"]):
        text = f.read_text()
        if "GetUserPhoto" in f.name:
            text = text.replace("<request ", '<match><image path="//m:PictureData"/></match>\n  <request ', 1)
            photo_fixtures.append(f.name[:-len(".fixture.xml")])
        (d / f.name).write_text(text)
    assert len(photo_fixtures) == 2
    store = demo_store(tmp_path / "store")
    img = tmp_path / "new.jpg"
    Image.new("RGB", (300, 300), (10, 200, 30)).save(img, format="JPEG", quality=90)
    run_cli("set-userphoto", "--store", store, USER, img)
    live = live_server(store, tmp_path)
    try:
        r = verify(d, live.url())
    finally:
        live.stop()
    assert re.findall(r"^PASS (\S+)", r.stdout, re.M).count(photo_fixtures[0]) == 1, r.stdout[-3000:]
    assert re.findall(r"^FAIL (\S+)", r.stdout, re.M) == [photo_fixtures[1]], r.stdout[-3000:]
    assert r.returncode == 1 and "HasChanged" in r.stdout


def test_verify_catches_an_edited_fixture(recorded, tmp_path):
    """Editing a recorded display name makes exactly that fixture fail, with an element diff."""
    d = tmp_path / "edited"
    d.mkdir()
    edited = None
    for f in fixtures_in(recorded["dir"]):
        text = f.read_text()
        if edited is None and "ResolveNames" in f.name and "<t:DisplayName>Alex Smith</t:DisplayName>" in text:
            text = text.replace("<t:DisplayName>Alex Smith</t:DisplayName>", "<t:DisplayName>Alex Smyth</t:DisplayName>", 1)
            edited = f.name
        (d / f.name).write_text(text)
    assert edited, "a recorded ResolveNames answer with Alex Smith's t:DisplayName"
    store = demo_store(tmp_path / "store")
    live = live_server(store, tmp_path)
    try:
        r = verify(d, live.url())
    finally:
        live.stop()
    assert r.returncode == 1
    assert re.findall(r"^FAIL (\S+)", r.stdout, re.M) == [edited[:-len(".fixture.xml")]], r.stdout[-3000:]
    assert "t:DisplayName" in r.stdout and "Alex Smyth" in r.stdout and "Alex Smith" in r.stdout


def test_unmatched_request_gets_a_fault_and_a_near_miss_report(recorded, tmp_path):
    rep = replay_server(recorded["dir"], tmp_path, tmp_path / "rstore")
    try:
        r = soap(rep.ews(), '<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectory">'
                            '<m:UnresolvedEntry>Smythe</m:UnresolvedEntry></m:ResolveNames>')
        assert r.status_code == 500
        root = ET.fromstring(r.content)
        fault = root.find("s:Body/s:Fault", NS)
        assert fault is not None
        code = fault.findtext("faultcode")
        assert code and not code.endswith(("ErrorInvalidRequest", "ErrorInvalidServerVersion")), code
        validate(r.content, tmp_path, "unmatched")
        g = requests.get(rep.url() + "/ews/Exchange.asmx/s/GetUserPhoto?email=nobody@contoso.test&size=HR96x96",
                         auth=(USER, PASSWORD), timeout=60)
        assert g.status_code == 404
        # the same request with other prefixes, attribute order and version still matches
        r = soap(rep.ews(), '<ResolveNames xmlns="http://schemas.microsoft.com/exchange/services/2006/messages" '
                            'SearchScope="ActiveDirectory" ReturnFullContactData="false">'
                            '<UnresolvedEntry>Smith</UnresolvedEntry></ResolveNames>')
        assert r.status_code == 200, r.text[:500]
        assert b"jordan.smith@contoso.test" in r.content
    finally:
        err = rep.stop()
    near = [l for l in err.splitlines() if "no fixture for" in l]
    assert any("ResolveNames" in l and "closest" in l and "UnresolvedEntry" in l for l in near), err[-3000:]


def test_request_without_credentials_gets_401(recorded, tmp_path):
    rep = replay_server(recorded["dir"], tmp_path, tmp_path / "rstore")
    try:
        r = soap(rep.ews(), '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>Smith</m:UnresolvedEntry>'
                            '</m:ResolveNames>', auth=None)
        assert r.status_code == 401 and "Basic" in r.headers.get("WWW-Authenticate", "")
    finally:
        rep.stop()


def _proto(url):
    return Protocol(config=Configuration(service_endpoint=url, credentials=Credentials(USER, PASSWORD),
                                         auth_type=BASIC, version=Version(build=Build(15, 2, 2562, 17))))


def test_server_busy_fault_reaches_exchangelib_with_back_off(recorded, tmp_path):
    rep = replay_server(recorded["dir"], tmp_path, tmp_path / "rstore", "--fault-busy-every", "1",
                        "--fault-backoff", "1234")
    try:
        r = soap(rep.ews(), '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>Smith</m:UnresolvedEntry>'
                            '</m:ResolveNames>')
        assert r.status_code == 500
        validate(r.content, tmp_path, "busy")
        assert ET.fromstring(r.content).find(".//e:ResponseCode", NS).text == "ErrorServerBusy"
        vals = [v for v in ET.fromstring(r.content).iter(f"{{{NS['t']}}}Value") if v.get("Name") == "BackOffMilliseconds"]
        assert vals and vals[0].text == "1234"
        close_connections()
        with pytest.raises(ErrorServerBusy) as e:
            _proto(rep.ews()).resolve_names(["Smith"])
        assert e.value.back_off == pytest.approx(1.234)
    finally:
        close_connections()
        rep.stop()


def test_latency_and_reset_injection(recorded, tmp_path):
    # per fixture: the GetUserPhoto answers reset the connection
    d = tmp_path / "faulty"
    d.mkdir()
    for f in fixtures_in(recorded["dir"]):
        text = f.read_text()
        if "GetUserPhoto" in f.name:
            text = text.replace("<request ", '<fault reset="true"/>\n  <request ', 1)
        (d / f.name).write_text(text)
    rep = replay_server(d, tmp_path, tmp_path / "rstore", "--fault-latency", "300")
    try:
        t0 = time.monotonic()
        r = soap(rep.ews(), '<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectory">'
                            '<m:UnresolvedEntry>Smith</m:UnresolvedEntry></m:ResolveNames>')
        assert r.status_code == 200 and time.monotonic() - t0 >= 0.3
        with pytest.raises(requests.exceptions.ConnectionError):
            soap(rep.ews(), f'<m:GetUserPhoto><m:Email>{USER}</m:Email><m:SizeRequested>HR96x96</m:SizeRequested>'
                            '</m:GetUserPhoto>')
    finally:
        rep.stop()


def test_fall_through_to_the_live_store(recorded, tmp_path):
    d = tmp_path / "ft"
    d.mkdir()
    for f in fixtures_in(recorded["dir"]):
        (d / f.name).write_text(f.read_text().replace("<t:Name>Sam Smith</t:Name>", "<t:Name>Sam Smith (recorded)</t:Name>"))
    store = demo_store(tmp_path / "store")
    rep = replay_server(d, tmp_path, store, "--fall-through")
    try:
        r = soap(rep.ews(), '<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectory">'
                            '<m:UnresolvedEntry>Smith</m:UnresolvedEntry></m:ResolveNames>')
        assert r.status_code == 200 and b"Sam Smith (recorded)" in r.content   # from the fixture
        r = soap(rep.ews(), '<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectory">'
                            '<m:UnresolvedEntry>Jordan</m:UnresolvedEntry></m:ResolveNames>')
        assert r.status_code == 200, r.text[:800]                                # from the store
        assert b"jordan.lee@contoso.test" in r.content and b"jordan.smith@contoso.test" in r.content
        validate(r.content, tmp_path, "fallthrough")
    finally:
        rep.stop()


def test_serve_record_writes_fixtures_that_verify(tmp_path):
    store = demo_store(tmp_path / "store")
    rec = tmp_path / "rec"
    live = live_server(store, tmp_path, "--record", rec)
    try:
        g = requests.get(live.url() + f"/ews/Exchange.asmx/s/GetUserPhoto?email={USER}&size=HR64x64",
                         auth=(USER, PASSWORD), timeout=60)
        assert g.status_code == 200
        n = requests.get(live.url() + f"/ews/Exchange.asmx/s/GetUserPhoto?email={USER}&size=HR64x64",
                         auth=(USER, PASSWORD), headers={"If-None-Match": g.headers["ETag"]}, timeout=60)
        assert n.status_code == 304
        s = soap(live.ews("https"), f'<m:GetUserPhoto><m:Email>{USER}</m:Email>'
                                    '<m:SizeRequested>HR240x240</m:SizeRequested></m:GetUserPhoto>')
        assert s.status_code == 200
        u = soap(live.ews(), '<m:ResolveNames ReturnFullContactData="true"><m:UnresolvedEntry>Smith</m:UnresolvedEntry>'
                             '</m:ResolveNames>', auth=None)
        assert u.status_code == 401
        deadline = time.monotonic() + 10
        while len(fixtures_in(rec)) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        files = fixtures_in(rec)
        assert len(files) == 4, [f.name for f in files]
        texts = [f.read_text() for f in files]
        assert 'status="304"' in texts[1] and 'status="401"' in texts[3]
        assert 'kind="base64"' in texts[0] and "jpeg 64x64" in texts[0]
        assert all("Authorization" not in t and PASSWORD not in t for t in texts)
        r = verify(rec, live.url())
        assert r.returncode == 0 and re.search(r"^4 passed, 0 failed$", r.stdout, re.M), r.stdout[-3000:]
    finally:
        live.stop()


def test_anonymised_recording(tmp_path):
    store = demo_store(tmp_path / "store")
    live = live_server(store, tmp_path)
    rec = tmp_path / "anon"
    proxy = recording_proxy(live.url(), rec, tmp_path, "--anonymise")
    try:
        result = flow(proxy.url() + "/EWS/Exchange.asmx")
    finally:
        proxy.stop()
        live.stop()
    assert result["photo"]["size"] == [96, 96]          # the client saw the real data
    texts = {f.name: f.read_text() for f in fixtures_in(rec)}
    blob = "\n".join(texts.values())
    for real in ("contoso.test", "Alex Smith", "alex.smith", "Jordan Smith", "Lena Fischer", "fabrikam.test"):
        assert real not in blob, f"{real!r} survived anonymisation"
    # consistency: the fake address GetUserPhoto asked for is the one ResolveNames answered
    photo_req = next(t for n, t in texts.items() if "GetUserPhoto" in n)
    fake = re.search(r"<m:Email>([^<]+)</m:Email>", photo_req).group(1)
    assert any(fake in t for n, t in texts.items() if "ResolveNames" in n)
    # the photo is a generated JPEG of the same dimensions
    pic = re.search(r"<m:PictureData>([^<]+)</m:PictureData>", photo_req.split("<response")[1]).group(1)
    img = Image.open(io.BytesIO(base64.b64decode(pic)))
    assert img.format == "JPEG" and img.size == (96, 96)


def test_recording_proxy_over_https_both_sides(tmp_path):
    """Client -> proxy over TLS (--cert), proxy -> upstream over TLS (--insecure: self-signed)."""
    store = demo_store(tmp_path / "store")
    live = live_server(store, tmp_path)
    rec = tmp_path / "tls"
    proxy = recording_proxy(live.url("https"), rec, tmp_path, "--insecure", "--cert", store / "server.pem")
    try:
        assert proxy.urls[0].startswith("https://")
        through = flow(proxy.urls[0] + "/EWS/Exchange.asmx", "--insecure")
        direct = flow(live.ews("https"), "--insecure")
    finally:
        proxy.stop()
        live.stop()
    assert through == direct
    files = fixtures_in(rec)
    assert files and all("Authorization" not in f.read_text() for f in files)
