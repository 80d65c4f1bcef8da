"""`ewsemu verify` against servers that do not answer (issue 10, defect 6).

A server that accepts and never answers, or one that trickles its answer a byte at
a time, must cost at most --timeout per request and --deadline for the whole run;
before, each fixture waited 62 s (about 50 minutes for the corpus).  The fake
servers run in this process on loopback ports; the subprocess timeout only catches
a hang, it measures nothing.
"""
import socket
import subprocess
import threading
import time
from pathlib import Path

from conftest import PASSWORD, ewsemu_bin

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
HANG_GUARD = 120   # far above what the options allow; only a hang reaches it


class FakeServer:
    """Accepts connections on 127.0.0.1; `behaviour(conn)` runs per connection."""

    def __init__(self, behaviour):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.behaviour, args=(c, self.stop), daemon=True).start()

    def close(self):
        self.stop.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def silent(conn, stop):
    """Read the request, never answer."""
    conn.settimeout(0.2)
    while not stop.is_set():
        try:
            if conn.recv(65536) == b"":
                return
        except socket.timeout:
            continue
        except OSError:
            return


def trickle(conn, stop):
    """Answer one byte every 0.2 s, forever: every single read succeeds."""
    conn.recv(65536)
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n" + b"<" * 100000
    for b in answer:
        if stop.wait(0.2):
            return
        try:
            conn.sendall(bytes([b]))
        except OSError:
            return


def verify(url, *opts):
    return subprocess.run([str(ewsemu_bin()), "verify", str(CORPUS), "--against", url, "--password", PASSWORD, *opts],
                          capture_output=True, text=True, timeout=HANG_GUARD)


def summary(out):
    return [l for l in out.splitlines() if l.endswith(" failed")][-1]


def test_a_silent_server_costs_the_timeout_per_request_and_the_deadline_overall():
    srv = FakeServer(silent)
    try:
        r = verify(f"http://127.0.0.1:{srv.port}", "--timeout", "1", "--deadline", "4")
    finally:
        srv.close()
    assert r.returncode == 1, r.stdout + r.stderr
    n = len(list(CORPUS.glob("*.fixture.xml")))
    assert summary(r.stdout) == f"0 passed, {n} failed"
    assert "no complete answer from http://127.0.0.1:%d within --timeout 1 s" % srv.port in r.stdout
    assert "not sent: --deadline 4 s has passed" in r.stdout
    # at most deadline / timeout requests went out before the deadline cut the run short
    assert r.stdout.count("within --timeout") + r.stdout.count("before --deadline") <= 5


def test_a_trickling_server_cannot_stretch_one_request_past_the_timeout():
    srv = FakeServer(trickle)
    try:
        r = verify(f"http://127.0.0.1:{srv.port}", "--timeout", "1", "--deadline", "3", "--only", "getuserphoto")
    finally:
        srv.close()
    assert r.returncode == 1, r.stdout + r.stderr
    assert "within --timeout 1 s" in r.stdout, r.stdout
    assert "0 passed" in summary(r.stdout)


def test_defaults_are_short_and_documented():
    h = subprocess.run([str(ewsemu_bin()), "verify", "--help"], capture_output=True, text=True, timeout=30)
    assert h.returncode == 0
    assert "--timeout S" in h.stdout and "(default 10)" in h.stdout
    assert "--deadline S" in h.stdout and "(default 300)" in h.stdout


def test_bad_timeout_values_are_usage_errors():
    for opt, val in (("--timeout", "0"), ("--timeout", "-1"), ("--timeout", "1.5"), ("--timeout", "x"),
                     ("--deadline", "86401"), ("--deadline", ""), ("--timeout", "99999999999999999999")):
        r = subprocess.run([str(ewsemu_bin()), "verify", str(CORPUS), "--against", "http://127.0.0.1:9", opt, val],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, (opt, val, r.stdout, r.stderr)
        assert f"{opt} needs a whole number of seconds" in r.stderr
