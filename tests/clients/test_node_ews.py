"""node-ews (npm) against ewsemu (issue 13 items 1, 6): it fetches /ews/services.wsdl, messages.xsd
and types.xsd from the server with Basic auth (answering the 401 challenge), builds its client from the
served wsdl:service and calls GetUserPhoto and ResolveNames at the soap:address it found there.  Before
the service description was served it failed with "malformed wsdl"."""
import json
import subprocess

import pytest

from test_ews_javascript_api import JS_DIR, NODE, NODE_TIMEOUT, node_ready  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def server(server_2016):
    """These calls check m:ContentType and the 15.1 build: the 2016 profile, whose schema
    declares ContentType (the default 2019 profile's answers are checked against its own
    served schema in tests/integration/test_svcdesc.py)."""
    return server_2016


def node_ews(server, scheme, *args, password=None):
    cmd = [str(NODE), "node-ews.js", "--url", server.base(scheme), "--user", server.photo_user,
           "--password", password if password is not None else server.password,
           *(["--insecure"] if scheme == "https" else []), *args]
    r = subprocess.run(cmd, cwd=JS_DIR, capture_output=True, text=True, timeout=NODE_TIMEOUT)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return r.returncode, out, r.stderr


def test_node_ews_get_user_photo(server, scheme, node_ready):  # noqa: F811
    rc, out, err = node_ews(server, scheme, "--photo", server.photo_user, "--size", "HR120x120")
    assert rc == 0 and out["ok"], (out, err[-3000:])
    assert out["responseClass"] == "Success" and out["responseCode"] == "NoError"
    assert out["hasChanged"] in (True, "true")
    assert out["head"].startswith("ffd8ff") and out["length"] > 500
    assert out["contentType"] == "image/jpeg"     # the client tests' server presents Exchange 2016


def test_node_ews_resolve_names(server, scheme, node_ready):  # noqa: F811
    rc, out, err = node_ews(server, scheme, "--resolve", server.photo_user)
    assert rc == 0 and out["ok"], (out, err[-3000:])
    assert out["responseClass"] == "Success" and out["responseCode"] == "NoError"
    assert [m.lower() for m in out["mailboxes"]] == [server.photo_user.lower()]
    assert out["displayNames"][0]
    assert out["files"] == ["messages.xsd", "services.wsdl", "types.xsd"]   # fetched from the server


def test_node_ews_wrong_password(server, node_ready):  # noqa: F811
    rc, out, _err = node_ews(server, "http", "--resolve", server.photo_user, password="wrong")
    assert rc != 0 and not out["ok"] and "401" in out["error"], out
