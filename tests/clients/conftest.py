"""Fixtures for the client tests: one ewsemu server per test session.

The server gets a fresh store in a temp dir with the demo organisation (`ewsemu demo`);
test users are picked by their photo state as `ewsemu diag` reports it:
  * photo_user:   a 648x648 mailbox photo and no directory thumbnail, so every size code
                  returns a mailbox rendition of exactly that size;
  * nophoto_user: no mailbox photo, no deletion record, no thumbnail -> "not found";
  * deleted_user, thumb_user: deletion record over a thumbnail; only a non-square thumbnail.
It listens on random loopback ports (HTTP and HTTPS) and is stopped with SIGTERM at the
end; a non-zero exit status (e.g. a sanitizer report) fails the session.

EWSEMU_BIN selects the binary (default <repo>/build/src/ewsemu).
"""
import os
import queue
import re
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Passw0rd!"
START_TIMEOUT = 30
STOP_TIMEOUT = 15


def ewsemu_bin():
    return Path(os.environ.get("EWSEMU_BIN", REPO / "build" / "src" / "ewsemu"))


def run_cli(*args, check=True):
    r = subprocess.run([str(ewsemu_bin()), *map(str, args)], capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"ewsemu {' '.join(map(str, args))} -> {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def photo_state(store, email):
    """The facts `ewsemu diag` prints about a user, as a dict."""
    out = run_cli("diag", "--store", store, email).stdout
    def value(label):
        m = re.search(rf"^{label}\s*:\s*(.*)$", out, re.M)
        return m.group(1).strip() if m else ""
    m = re.search(r"uploaded size\s+(\d+)x(\d+)", out)
    t = re.match(r"(\d+)x(\d+)", value("Directory thumbnail"))
    return {
        "photo": value("Mailbox photo") == "present",
        "uploaded": (int(m.group(1)), int(m.group(2))) if m else None,
        "deleted": value("UserPhotoCacheId").startswith("0"),
        "thumbnail": (int(t.group(1)), int(t.group(2))) if t else None,
    }


@dataclass
class Server:
    proc: subprocess.Popen
    store: Path
    http_ews: str           # http://127.0.0.1:PORT/EWS/Exchange.asmx
    https_ews: str
    users: list
    photo_user: str                  # 648x648 mailbox photo, no directory thumbnail
    nophoto_user: str                # nothing at all
    deleted_user: Optional[str]      # deletion record set while a thumbnail exists
    thumb_user: Optional[str]        # only a non-square directory thumbnail
    thumb_size: Optional[tuple]
    password: str = PASSWORD
    stdout_lines: list = field(default_factory=list)

    def ews(self, scheme):
        return self.http_ews if scheme == "http" else self.https_ews

    def base(self, scheme):
        return self.ews(scheme).rsplit("/EWS/Exchange.asmx", 1)[0]

    def rest_url(self, scheme, email, size):
        return f"{self.base(scheme)}/ews/Exchange.asmx/s/GetUserPhoto?email={email}&size={size}"


def _pump(stream, q, sink):
    for line in stream:
        sink.append(line)
        q.put(line)
    q.put(None)


def _serve(tmp_path_factory, *extra):
    """A demo store served on loopback HTTP + HTTPS with `serve ... *extra`; yields a Server."""
    binary = ewsemu_bin()
    if not binary.is_file():
        pytest.fail(f"no ewsemu binary at {binary} (build first or set EWSEMU_BIN)")
    tmp = tmp_path_factory.mktemp("ewsemu")
    store = tmp / "store"
    run_cli("demo", "--store", store)
    listing = [line for line in run_cli("users", "--store", store).stdout.splitlines() if line.strip()]
    users = [line.split()[0] for line in listing]
    plain = [line.split()[0] for line in listing if not line.rstrip().endswith("(admin)")]
    assert len(plain) >= 2, f"demo organisation too small: {listing}"

    states = {u: photo_state(store, u) for u in plain}

    def first(pred):
        return next((u for u, st in states.items() if pred(st)), None)

    photo_user = first(lambda st: st["photo"] and st["uploaded"] == (648, 648) and not st["thumbnail"]
                       and not st["deleted"])
    nophoto_user = first(lambda st: not st["photo"] and not st["thumbnail"] and not st["deleted"])
    deleted_user = first(lambda st: not st["photo"] and st["thumbnail"] and st["deleted"])
    thumb_user = first(lambda st: not st["photo"] and st["thumbnail"] and not st["deleted"]
                       and st["thumbnail"][0] != st["thumbnail"][1])
    if not photo_user or not nophoto_user:
        pytest.fail(f"the demo organisation lacks a user with a 648x648 photo and no thumbnail, or a user "
                    f"without any photo: {states}")

    stderr_file = open(tmp / "serve.err", "w")
    proc = subprocess.Popen(
        [str(binary), "serve", "--store", str(store), "--http", "127.0.0.1:0", "--https", "127.0.0.1:0",
         *extra],
        stdout=subprocess.PIPE, stderr=stderr_file, text=True)
    lines, q = [], queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, q, lines), daemon=True).start()
    endpoints = {}
    try:
        while len(endpoints) < 2:
            line = q.get(timeout=START_TIMEOUT)
            if line is None:
                break
            m = re.match(r"ewsemu: EWS endpoint (https?)://(\S+)", line)
            if m:
                endpoints[m.group(1)] = f"{m.group(1)}://{m.group(2)}"
    except queue.Empty:
        pass
    if len(endpoints) < 2:
        proc.kill()
        proc.wait()
        pytest.fail(f"ewsemu serve did not print both endpoints within {START_TIMEOUT}s; stdout: {lines!r}; "
                    f"stderr: {(tmp / 'serve.err').read_text()[-2000:]}")
    srv = Server(proc=proc, store=store, http_ews=endpoints["http"], https_ews=endpoints["https"],
                 users=users, photo_user=photo_user, nophoto_user=nophoto_user, deleted_user=deleted_user,
                 thumb_user=thumb_user, thumb_size=states[thumb_user]["thumbnail"] if thumb_user else None,
                 stdout_lines=lines)
    yield srv

    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"ewsemu did not exit within {STOP_TIMEOUT}s of SIGTERM")
    stderr_file.close()
    if rc != 0:
        pytest.fail(f"ewsemu exited with status {rc} after SIGTERM; stderr tail:\n"
                    f"{(tmp / 'serve.err').read_text()[-4000:]}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The default server: Exchange 2019's profile, as `make demo` serves."""
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="session")
def server_2016(tmp_path_factory):
    """--exchange-version 2016: the EWS Managed API (and its JavaScript port,
    js/lib/get-user-photo.js) reads m:ContentType after a picture, which only
    the 2016 profile declares and sends (see README, --exchange-version)."""
    yield from _serve(tmp_path_factory, "--exchange-version", "2016")


@pytest.fixture(params=["http", "https"])
def scheme(request):
    return request.param
