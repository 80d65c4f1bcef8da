"""The recorded corpus (fixtures/corpus/, made by tests/corpus/record-corpus.py from the
demo organisation) is our regression net: `ewsemu verify` must pass every fixture
against a fresh demo server, and against a replay server answering from the corpus
itself; every recorded SOAP response must pass the published schemas."""
import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import PASSWORD, ewsemu_bin
from qa_proc import Proc, demo_store, replay_server

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "fixtures" / "corpus"
VALIDATE_SH = REPO.parent / "shared" / "schemas" / "validate.sh"
PUBLIC_URL = "https://mail.contoso.test"   # what the corpus was recorded with
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def corpus_files():
    return sorted(CORPUS.glob("*.fixture.xml"))


def verify(url):
    return subprocess.run([str(ewsemu_bin()), "verify", str(CORPUS), "--against", url, "--password", PASSWORD,
                           "--insecure"], capture_output=True, text=True, timeout=900)


def assert_all_pass(r):
    n = len(corpus_files())
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert re.search(rf"^{n} passed, 0 failed$", r.stdout, re.M), r.stdout[-3000:]


def test_corpus_covers_every_operation_and_outcome():
    names = " ".join(f.name for f in corpus_files())
    for what in ("getuserphoto-large", "getuserphoto-unchanged", "getuserphoto-deleted-404",
                 "getuserphoto-unknown-mailbox", "getuserphoto-bad-size", "rest-photo-304", "rest-photo-none-404",
                 "rest-photo-bad-size-400", "no-credentials-401", "resolvenames-ambiguous", "resolvenames-none",
                 "resolvenames-cap-100", "resolvenames-contacts", "getfolder-root", "getitem-batch-errors",
                 "getattachment-contact-picture", "getattachment-batch-errors", "convertid", "unknown-operation",
                 "malformed-xml", "outlook-me-photo", "autodiscover-pox", "autodiscover-getusersettings",
                 "setuserphoto-not-a-jpeg"):
        assert what in names, f"no corpus fixture for {what}"


def test_corpus_verifies_against_a_fresh_demo_server(tmp_path):
    store = demo_store(tmp_path / "store")
    live = Proc(["serve", "--store", store, "--http", "127.0.0.1:0", "--https", "127.0.0.1:0",
                 "--public-url", PUBLIC_URL], tmp_path, 2)
    try:
        assert_all_pass(verify(live.url("http")))
        assert_all_pass(verify(live.url("https")))
    finally:
        live.stop()


def test_corpus_verifies_against_its_own_replay(tmp_path):
    rep = replay_server(CORPUS, tmp_path, tmp_path / "rstore")
    try:
        assert_all_pass(verify(rep.url("http")))
    finally:
        err = rep.stop()
    assert "no fixture for" not in err, err[-3000:]


def test_recorded_soap_responses_are_schema_valid(tmp_path):
    files = []
    for f in corpus_files():
        doc = etree.parse(str(f))
        body = doc.find("response/body")
        if body is None or body.get("kind") != "xml" or len(body) == 0:
            continue
        env = body[0]
        if env.tag != f"{{{SOAP_NS}}}Envelope":
            continue
        out = tmp_path / f.name.replace(".fixture.xml", ".xml")
        out.write_bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))
        files.append(str(out))
    assert len(files) >= 30
    r = subprocess.run([str(VALIDATE_SH), "--set", "interop", "--quiet", *files], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
