"""NTLM clients against ewsemu over HTTP and HTTPS (issue 13 items 2 and 6):
python3-requests-ntlm, exchangelib with auth_type=NTLM and exchangelib guessing
the auth type from the 401 (it picks NTLM from "Negotiate, NTLM, Basic").  Each
exchangelib run calls GetUserPhoto, ResolveNames, GetItem and GetAttachment.

The clients run in a child process (ntlm_run.py) with OPENSSL_CONF =
openssl-legacy.cnf, because hashlib on Debian 12 cannot hash MD4 otherwise."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import PASSWORD, run_cli

HERE = Path(__file__).resolve().parent
RUN_TIMEOUT = 120   # seconds: only catches a hang


@pytest.fixture(scope="module")
def contact(server, tmp_path_factory):
    """A contact with a picture in the photo user's mailbox."""
    from PIL import Image
    import io
    pic = tmp_path_factory.mktemp("ntlm") / "pic.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (60, 60), (10, 120, 200)).save(buf, format="JPEG")
    pic.write_bytes(buf.getvalue())
    email = f"ntlm.{uuid.uuid4().hex[:8]}@clients.test"
    run_cli("add-contact", "--store", server.store, "--user", server.photo_user, "--display-name", "Nora Ntlm",
            "--email", email, "--photo", pic)
    return email, len(buf.getvalue())


def run(mode, server, scheme, user, contact_email):
    env = dict(os.environ, OPENSSL_CONF=str(HERE / "openssl-legacy.cnf"), PYTHONPATH=str(HERE))
    p = subprocess.run([sys.executable, str(HERE / "ntlm_run.py"), mode, server.ews(scheme), user, PASSWORD,
                        server.photo_user, contact_email], capture_output=True, text=True, timeout=RUN_TIMEOUT,
                       env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def domain_user(server):
    local, domain = server.photo_user.split("@")
    return f"{domain.split('.')[0].upper()}\\{local}"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_requests_ntlm(server, scheme, contact):
    out = run("requests-ntlm", server, scheme, domain_user(server), contact[0])
    assert out["GetUserPhoto"][0] == 200 and out["GetUserPhoto"][1] > 0
    assert out["GetUserPhoto"][2] == [401, 401]          # offers, then the challenge
    assert out["GetUserPhoto-again"][:2] == [200, out["GetUserPhoto"][1]]
    assert out["GetUserPhoto-again"][2] == []            # the connection stayed authenticated
    assert out["wrong-password"][0] == 401 and "NTLM" in out["wrong-password"][1]


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("mode", ["exchangelib-ntlm", "exchangelib-guess"])
@pytest.mark.parametrize("form", ["domain", "upn"])
def test_exchangelib(server, scheme, mode, form, contact):
    user = domain_user(server) if form == "domain" else server.photo_user
    out = run(mode, server, scheme, user, contact[0])
    assert out["auth_type"] == "NTLM"
    assert out["GetUserPhoto"] > 0
    assert out["ResolveNames"] == ["Contact"]
    assert out["GetItem"] == "Nora Ntlm"
    assert out["GetAttachment"] == contact[1]
