#!/usr/bin/python3
"""Login timing: is a wrong password for an existing user distinguishable from
an unknown user (user enumeration, issue 10 defect 4)?

Usage: tests/bench/login-timing.py [EWSEMU_BIN] [N]
       (defaults: build/src/ewsemu, N = 200 per kind)

Starts `ewsemu serve` on a random loopback port with a fresh store holding one
user, then sends N Basic logins of each kind, interleaved (so drift in machine
load hits every kind alike), each on a fresh TCP connection:

  existing  the user's address with a wrong password
  unknown   an address nobody has, with a password
  locked    (builds with account lockout only) a locked-out user, right password

and prints median and p90 of the client-side time from request to response.
Cache effects are controlled: every password is different (the server caches
only successful logins, keyed by user and password), and lockout is switched
off with --lockout-threshold 0 for the first two kinds when the binary has it.
Every answer must be 401; anything else fails the script.  No pass/fail on
the figures: compare the columns.
"""
import base64
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = sys.argv[1] if len(sys.argv) > 1 else str(REPO / "build" / "src" / "ewsemu")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200
PATH = "/ews/Exchange.asmx/s/GetUserPhoto?email=known%40bench.test&size=HR48x48"


def basic(user, pw):
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def login(port, user, pw):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    c.request("GET", PATH, headers={"Authorization": basic(user, pw), "Connection": "close"})
    r = c.getresponse()
    r.read()
    dt = time.perf_counter() - t0
    c.close()
    return r.status, dt


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def main():
    tmp = Path(tempfile.mkdtemp(prefix="ewsemu-login-"))
    proc = None
    try:
        store = tmp / "store"
        users = [{"email": "known@bench.test", "display_name": "Known", "password": "Right-pw-1!"},
                 {"email": "locked@bench.test", "display_name": "Locked", "password": "Right-pw-2!"}]
        (tmp / "tenant.json").write_text(json.dumps({"domain": "bench.test", "users": users}))
        subprocess.run([BIN, "import", str(tmp / "tenant.json"), "--store", str(store)], check=True,
                       capture_output=True)
        help_text = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True).stdout
        has_lockout = "--lockout-threshold" in help_text
        args = [BIN, "serve", "--store", str(store), "--http", "127.0.0.1:0", "--https", "off",
                "--log-level", "warn"]
        if has_lockout:
            args += ["--lockout-threshold", "0"]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = None
        for line in proc.stdout:
            m = re.search(r"EWS endpoint http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("server did not start")
        kinds = {"existing": ("known@bench.test", "wrong-{}"), "unknown": ("nobody@bench.test", "wrong-{}")}
        times = {k: [] for k in kinds}
        for k in kinds:   # warm-up: first connections, OpenSSL's first PBKDF2
            login(port, kinds[k][0], "warm")
        for i in range(N):
            for k, (user, pw) in kinds.items():
                status, dt = login(port, user, pw.format(i))
                if status != 401:
                    sys.exit(f"{k}: HTTP {status}, expected 401")
                times[k].append(dt)
        proc.terminate()
        proc.wait(timeout=60)
        if has_lockout:
            # a server that locks at the first bad password: measure the locked account
            proc = subprocess.Popen(args[:-2] + ["--lockout-threshold", "1", "--lockout-duration", "3600"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for line in proc.stdout:
                m = re.search(r"EWS endpoint http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    port = int(m.group(1))
                    break
            login(port, "locked@bench.test", "wrong")   # locks it
            times["locked"] = []
            for i in range(N):
                status, dt = login(port, "locked@bench.test", "Right-pw-2!")
                if status != 401:
                    sys.exit(f"locked: HTTP {status}, expected 401")
                times["locked"].append(dt)
        print(f"{BIN}: {N} logins per kind, fresh connection each, all 401")
        print(f"{'kind':10} {'median ms':>10} {'p90 ms':>10}")
        for k, xs in times.items():
            print(f"{k:10} {statistics.median(xs) * 1000:10.2f} {pct(xs, 90) * 1000:10.2f}")
        med = {k: statistics.median(xs) for k, xs in times.items()}
        print(f"ratio existing/unknown (median): {med['existing'] / med['unknown']:.2f}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
