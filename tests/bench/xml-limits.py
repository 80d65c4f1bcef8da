#!/usr/bin/python3
"""xml-limits.py - what one hostile XML body costs the server (issue 10, defects 1-2).

    tests/bench/xml-limits.py [PATH/TO/ewsemu] [N]      (N: 100000 by default)

Starts `serve` (demo store) and `serve --replay fixtures/corpus` on random loopback
ports, POSTs one body with N attributes on one element, then one with N namespace
declarations, to the EWS endpoint of each (authenticated) - to `serve` both with a
Content-Length and with Transfer-Encoding: chunked (64 KiB chunks) - and prints per case the
answer's status, the wall time to the answer and the server's CPU time spent on it
(utime+stime from /proc, read once the process has been idle for a second, so work
that goes on after the answer is counted too).  BENCH_TIMEOUT (600 s) caps one case.
Compare two binaries by running the script once for each."""
import base64
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = sys.argv[1] if len(sys.argv) > 1 else str(REPO / "build" / "src" / "ewsemu")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "600"))
AUTH = "Basic " + base64.b64encode(b"alex.smith@contoso.test:Passw0rd!").decode()
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def settle(pid):
    """CPU seconds once the process stops using CPU (1 s without a tick)."""
    last, still = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - still < 1.0:
        time.sleep(0.2)
        now = cpu_seconds(pid)
        if now != last:
            last, still = now, time.monotonic()
    return last


def start(args, tmp, name):
    out = open(tmp / f"{name}.out", "w+")
    p = subprocess.Popen([BIN, *args, "--http", "127.0.0.1:0", "--https", "off", "--log-level", "error"],
                         stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(300):
        out.seek(0)
        for line in out.read().splitlines():
            if "EWS endpoint http://" in line:
                hp = line.split("http://", 1)[1].split("/", 1)[0]
                return p, (hp.rsplit(":", 1)[0], int(hp.rsplit(":", 1)[1]))
        time.sleep(0.1)
    p.kill()
    sys.exit(f"xml-limits: {name} did not start")


def chunked(body, size=65536):
    """@p body framed as HTTP chunks of @p size bytes (the last one shorter)."""
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


def case(proc, addr, body, is_chunked=False):
    before = settle(proc.pid)
    headers = {"Content-Type": "text/xml; charset=utf-8", "Authorization": AUTH}
    if is_chunked:
        body = chunked(body)   # sent as is: the headers name the transfer encoding
        headers["Transfer-Encoding"] = "chunked"
    t0 = time.monotonic()
    c = http.client.HTTPConnection(*addr, timeout=TIMEOUT)
    try:
        c.request("POST", "/EWS/Exchange.asmx", body=body, headers=headers)
        status = c.getresponse().status
    except Exception as e:   # noqa: BLE001 - a reset or timeout is a result here
        status = type(e).__name__
    wall = time.monotonic() - t0
    c.close()
    alive = proc.poll() is None
    cpu = settle(proc.pid) - before if alive else float("nan")
    return status if alive else f"{status}, server died ({proc.returncode})", wall, cpu


def main():
    tmp = Path(tempfile.mkdtemp(prefix="ewsemu-xml-bench-"))
    subprocess.run([BIN, "demo", "--store", str(tmp / "store")], check=True, capture_output=True)
    attrs = ("<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body><e"
             + "".join(f' a{i}="v"' for i in range(N)) + "/></soap:Body></soap:Envelope>").encode()
    decls = ("<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body><e"
             + "".join(f' xmlns:p{i}="urn:p{i}"' for i in range(N)) + "/></soap:Body></soap:Envelope>").encode()
    print(f"binary {BIN}; N = {N}; bodies {len(attrs)} and {len(decls)} bytes")
    print(f"{'server':8} {'body':26} {'answer':>28} {'wall s':>8} {'cpu s':>8}")
    for name, args in (("serve", ["serve", "--store", str(tmp / "store")]),
                       ("replay", ["serve", "--replay", str(REPO / "fixtures" / "corpus"),
                                   "--store", str(tmp / "store")])):
        proc, addr = start(args, tmp, name)
        try:
            cases = [(f"{N} attributes", attrs, False), (f"{N} ns declarations", decls, False)]
            if name == "serve":
                cases += [(f"{N} attributes chunked", attrs, True), (f"{N} ns decls chunked", decls, True)]
            for label, body, is_chunked in cases:
                status, wall, cpu = case(proc, addr, body, is_chunked)
                print(f"{name:8} {label:26} {str(status):>28} {wall:8.2f} {cpu:8.2f}", flush=True)
                if proc.poll() is not None:
                    break
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
