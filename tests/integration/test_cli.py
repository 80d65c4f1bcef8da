"""The command line's one option parser (src/cli/), through the real binary: every
command refuses an unknown option, an ambiguous prefix, a missing value, a value
for a flag and a wrong number of arguments the same way (a one-line reason naming
the command, then the command's usage, on stderr; exit 2; nothing changed), and
accepts `--opt=value` and `--opt value`, unique prefixes, options after the
arguments and `--`.  Every option a command's --help names is one it accepts."""

import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest

from ews_it import EWSEMU_BIN, REPO, Server, UserSpec, run_cli, write_tenant

# Every command with arguments that pass its argument count (nothing runs: each
# test adds something that is refused before any work starts).
COMMANDS = {
    "serve": [],
    "demo": [],
    "import": ["tenant.json"],
    "set-userphoto": ["a@example.test", "a.jpg"],
    "remove-userphoto": ["a@example.test"],
    "set-thumbnail": ["a@example.test", "a.jpg"],
    "diag": ["a@example.test"],
    "unlock": ["a@example.test"],
    "users": [],
    "contacts": ["--user", "a@example.test"],
    "add-contact": ["--user", "a@example.test", "--display-name", "X"],
    "remove-contact": ["--user", "a@example.test", "0" * 32],
    "set-contact-photo": ["--user", "a@example.test", "0" * 32, "a.jpg"],
    "token": ["issue", "--user", "a@example.test", "--scope", "user.read"],
    "record": ["--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0", "dir"],
    "verify": ["dir", "--against", "http://127.0.0.1:9"],
    "journal": ["journal.jsonl"],
}
STORE_COMMANDS = [c for c in COMMANDS if c not in ("record", "verify", "journal")]


def ewsemu(*args, cwd=None):
    p = subprocess.run([EWSEMU_BIN, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd)
    assert "AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
    return p


def assert_refused(p, cmd, reason):
    """Exit 2, nothing on stdout, "ewsemu CMD: REASON" then the usage on stderr."""
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == "", p.stdout
    first, _, rest = p.stderr.partition("\n")
    assert first == f"ewsemu {cmd}: {reason}", p.stderr
    assert rest.startswith(f"\nusage: ewsemu {cmd}"), p.stderr


def test_every_command_is_covered():
    listed = set(re.findall(r"^  ([a-z][a-z-]*)", ewsemu("--help").stdout, re.M))
    assert listed == set(COMMANDS), listed ^ set(COMMANDS)


@pytest.mark.parametrize("cmd", COMMANDS)
def test_unknown_option(cmd, tmp_path):
    p = ewsemu(cmd, *COMMANDS[cmd], "--bogus", cwd=tmp_path)
    assert_refused(p, cmd, "unknown option '--bogus'")
    p = ewsemu(cmd, "-x", *COMMANDS[cmd], cwd=tmp_path)
    assert_refused(p, cmd, "unknown option '-x'")
    # the value of an unknown option is not echoed (it may be a password)
    p = ewsemu(cmd, "--pasword=secret", *COMMANDS[cmd], cwd=tmp_path)
    assert_refused(p, cmd, "unknown option '--pasword'")
    assert "secret" not in p.stderr
    assert list(tmp_path.iterdir()) == [], "a refused command left files behind"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_option_of_another_command(cmd, tmp_path):
    """The options other commands have are unknown here, not silently ignored
    (before, the admin commands shared one table and showed only the usage)."""
    other = "--clear-mailbox-photo-record" if cmd != "remove-userphoto" else "--no-hr48-thumbnail"
    assert_refused(ewsemu(cmd, *COMMANDS[cmd], other, cwd=tmp_path), cmd, f"unknown option '{other}'")
    if cmd not in STORE_COMMANDS:
        assert_refused(ewsemu(cmd, *COMMANDS[cmd], "--store", "s", cwd=tmp_path), cmd, "unknown option '--store'")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cmd", COMMANDS)
def test_missing_value(cmd, tmp_path):
    # --log-level is accepted by every command; at the end it has no value
    assert_refused(ewsemu(cmd, *COMMANDS[cmd], "--log-level", cwd=tmp_path), cmd, "option '--log-level' needs a value")
    if cmd in STORE_COMMANDS:
        assert_refused(ewsemu(cmd, *COMMANDS[cmd], "--store", cwd=tmp_path), cmd, "option '--store' needs a value")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cmd", COMMANDS)
def test_value_for_a_flag(cmd, tmp_path):
    assert_refused(ewsemu(cmd, *COMMANDS[cmd], "--help=yes", cwd=tmp_path), cmd, "option '--help' takes no value")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_extra_argument(cmd, tmp_path):
    p = ewsemu(cmd, *COMMANDS[cmd], "one-too-many", cwd=tmp_path)
    assert_refused(p, cmd, "unexpected argument 'one-too-many'")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cmd,args", [("import", []), ("set-userphoto", ["a@example.test"]),
                                      ("set-userphoto", []), ("diag", []), ("unlock", []),
                                      ("remove-contact", ["--user", "a@example.test"]),
                                      ("set-contact-photo", ["--user", "a@example.test", "--remove"]),
                                      ("token", ["--user", "a@example.test", "--scope", "user.read"]),
                                      ("record", ["--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0"]),
                                      ("verify", ["--against", "http://127.0.0.1:9"]), ("journal", [])])
def test_missing_argument(cmd, args, tmp_path):
    p = ewsemu(cmd, *args, cwd=tmp_path)
    reason = "arguments are missing" if cmd == "set-userphoto" and not args else "an argument is missing"
    assert_refused(p, cmd, reason)


@pytest.mark.parametrize("cmd,args,reason", [
    ("serve", ["--anon"], "ambiguous option '--anon'"),
    ("serve", ["--http", "off", "--https", "off"], "--http and --https are both off"),
    ("token", ["frobnicate", "--user", "a@example.test", "--scope", "user.read"],
     "unknown subcommand 'frobnicate' (token issue)"),
    ("token", ["issue", "--user", "a@example.test"], "--user and --scope are required"),
    ("record", ["--listen", "127.0.0.1:0", "dir"], "--upstream and --listen are required"),
    ("verify", ["dir"], "--against URL is required"),
    ("contacts", [], "--user ADDRESS is required"),
    ("add-contact", ["--user", "a@example.test"], "--user and --display-name are required"),
])
def test_command_specific_refusals(cmd, args, reason, tmp_path):
    assert_refused(ewsemu(cmd, *args, cwd=tmp_path), cmd, reason)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cmd,opt,value,message", [
    ("serve", "--max-body", "1023", "--max-body must be a number from 1024 to 1073741824, not '1023'"),
    ("serve", "--idle-timeout", "5s", "--idle-timeout must be a number from 1 to 3600, not '5s'"),
    ("serve", "--fault-latency", "99999999999999999999", "--fault-latency must be a number from 0 to 600000"),
    ("token", "--expires", "0", "--expires must be a number from 1 to 31536000, not '0'"),
    ("record", "--timeout", "3601", "--timeout must be a number from 1 to 3600, not '3601'"),
    ("journal", "--since-seq", "x1", "--since-seq must be a number from 0 to"),
    ("verify", "--deadline", "0", "--deadline needs a whole number of seconds from 1 to 86400, not '0'"),
])
@pytest.mark.parametrize("spelling", ["=", " "])
def test_bad_numbers_both_spellings(cmd, opt, value, message, spelling, tmp_path):
    args = [f"{opt}={value}"] if spelling == "=" else [opt, value]
    p = ewsemu(cmd, *COMMANDS[cmd], *args, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.startswith(f"ewsemu: {message}"), p.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_names_only_accepted_options(cmd, tmp_path):
    """Each --option in `ewsemu CMD --help` is one CMD accepts: given with five
    surplus arguments, it is never refused as unknown (only for the arguments,
    or its value)."""
    # lines naming another command (journal: "serve --replay DIR --journal FILE") are not about CMD
    text = "\n".join(line for line in ewsemu(cmd, "--help").stdout.splitlines()
                     if cmd == "serve" or "serve " not in line)
    opts = sorted(set(re.findall(r"--[a-z][a-z0-9-]*[a-z0-9](?![-*\w])", text)))
    assert opts, text
    for o in opts:
        if o == "--help":
            continue
        p = ewsemu(cmd, o, "surplus1", "surplus2", "surplus3", "surplus4", "surplus5", cwd=tmp_path)
        assert p.returncode == 2, (o, p.stderr)
        assert "unknown option" not in p.stderr and "ambiguous" not in p.stderr, (o, p.stderr)


# ---- what is accepted ------------------------------------------------------------------------------------

@pytest.fixture()
def store(tmp_path):
    st = tmp_path / "store"
    tenant = write_tenant(tmp_path / "tenant", [UserSpec("owner")])
    run_cli("import", tenant, store=st, check=True)
    return st


def test_both_value_spellings_and_prefixes(store):
    owner = "owner@example.test"
    add = ewsemu("add-contact", f"--store={store}", f"--user={owner}", "--display-name", "Ann Example",
                 "--email=ann@example.test")
    assert add.returncode == 0, add.stderr
    add2 = ewsemu("add-contact", "--display-name=Bob Example", "--user", owner, "--store", store)
    assert add2.returncode == 0, add2.stderr
    # a unique prefix of an option, options after the arguments
    listing = ewsemu("contacts", "--us", owner, "--sto", store)
    assert listing.returncode == 0, listing.stderr
    assert "Ann Example" in listing.stdout and "ann@example.test" in listing.stdout
    assert "Bob Example" in listing.stdout
    cid = add.stdout.strip()
    rm = ewsemu("remove-contact", cid, f"--user={owner}", f"--store={store}")
    assert rm.returncode == 0, rm.stderr
    assert "Ann Example" not in ewsemu("contacts", "--user", owner, "--store", store).stdout


def test_double_dash_ends_the_options(store):
    p = ewsemu("diag", "--store", store, "--", "--no-hr48-thumbnail")
    assert p.returncode == 1, p.stderr     # an argument now: the user "--no-hr48-thumbnail" does not exist
    assert "unknown option" not in p.stderr


def test_journal_options_both_spellings(tmp_path):
    j = tmp_path / "j.jsonl"
    lines = [{"seq": 1, "method": "POST", "target": "/EWS/Exchange.asmx", "operation": "ResolveNames", "status": 200,
              "fixture": "0001-ResolveNames"},
             {"seq": 2, "method": "POST", "target": "/EWS/Exchange.asmx", "operation": "GetUserPhoto", "status": 500}]
    j.write_text("".join(json.dumps(x) + "\n" for x in lines))
    for args in (["--operation=GetUserPhoto", "--since-seq=1"], ["--operation", "GetUserPhoto", "--since-seq", "1"]):
        p = ewsemu("journal", j, *args)
        assert p.returncode == 0, p.stderr
        assert p.stdout == "2 POST /EWS/Exchange.asmx GetUserPhoto -> 500 (no match)\n", p.stdout
    assert ewsemu("journal", j, "--since-seq=2").stdout == ""


def test_verify_url_is_checked(tmp_path):
    p = ewsemu("verify", tmp_path, "--against=ftp://x")
    assert p.returncode == 2 and "--against needs an http:// or https:// URL, not 'ftp://x'" in p.stderr, p.stderr


@pytest.mark.parametrize("spelling", ["=", " "])
def test_serve_value_reaches_the_server(tmp_path, spelling):
    """--photo-max-age=N and --photo-max-age N both reach the server: a photo
    is served with Expires at most N seconds ahead (the default is an hour)."""
    store = tmp_path / "store"
    owner = UserSpec("owner", photo=(96, 96, (200, 30, 30)))
    tenant = write_tenant(tmp_path / "tenant", [owner])
    run_cli("import", tenant, store=store, check=True)
    args = ["--photo-max-age=77"] if spelling == "=" else ["--photo-max-age", "77"]
    srv = Server(store, args).start()
    try:
        r = srv.client(owner).rest_photo(owner.email, "HR96x96")
        assert r.status == 200, r.status
        life = parsedate_to_datetime(r.header("Expires")) - datetime.now(timezone.utc)
        assert 0 < life.total_seconds() <= 78, r.header("Expires")   # the default is 3600
        srv.stop()
    finally:
        srv.kill()


def test_top_level():
    p = ewsemu()
    assert p.returncode == 2 and p.stdout == "" and p.stderr.startswith("usage: ewsemu COMMAND")
    p = ewsemu("frobnicate")
    assert p.returncode == 2 and p.stderr.startswith("ewsemu: unknown command 'frobnicate'\n\nusage: ewsemu")
    for h in ("-h", "--help", "help"):
        p = ewsemu(h)
        assert p.returncode == 0 and p.stdout.startswith("usage: ewsemu COMMAND") and p.stderr == ""


# ---- verify: where the password comes from (parsed in cli/qa.c) --------------------------------------

@pytest.mark.parametrize("how", ["env", "option", "none"])
def test_verify_password_sources(tmp_path, how):
    """--password P, else $EWSEMU_VERIFY_PASSWORD, is sent as Basic credentials
    for the fixture's recorded caller; without either no credentials go."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append(self.headers.get("Authorization"))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    fx = tmp_path / "fx"
    fx.mkdir()
    shutil.copy(REPO / "fixtures" / "corpus" / "002-getuserphoto-large-hr648.fixture.xml", fx)
    env = {k: v for k, v in os.environ.items() if k != "EWSEMU_VERIFY_PASSWORD"}
    args = [EWSEMU_BIN, "verify", str(fx), f"--against=http://127.0.0.1:{srv.server_address[1]}"]
    if how == "env":
        env["EWSEMU_VERIFY_PASSWORD"] = "Pw-from-env"
    elif how == "option":
        env["EWSEMU_VERIFY_PASSWORD"] = "not-this-one"
        args.append("--password=Pw-option")
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
    finally:
        srv.shutdown()
    assert p.returncode == 1 and "0 passed, 1 failed" in p.stdout, (p.stdout, p.stderr)
    want = {"env": "alex.smith@contoso.test:Pw-from-env", "option": "alex.smith@contoso.test:Pw-option"}.get(how)
    assert seen == [None if want is None else "Basic " + base64.b64encode(want.encode()).decode()], seen
