#!/usr/bin/python3
"""Peak server memory under concurrent worst-case photo uploads (issue 10, defect 3).

Starts the real server on a fresh store (the integration tests' helpers), makes
progressive 4:4:4 JPEGs with PIL and sends N concurrent Outlook REST
`PATCH /api/v2.0/me/photo/$value` uploads, one per user, then reports the
server's VmHWM (peak RSS, /proc/PID/status) and every HTTP status.

Images:
  within  8192 x 3200 progressive 4:4:4, the worst shape within
          PHOTO_MAX_DECODE_BYTES (coefficients 157 MB + pixels + rows = 165 MB)
  above   8192 x 8192 progressive 4:4:4, the issue's image (402 MB of
          coefficients; refused with 413 before decoding)

Usage (Debian's python3; the binary defaults to build/src/ewsemu):
  EWSEMU_BIN=$PWD/build/src/ewsemu /usr/bin/python3 tests/bench/upload-memory.py [--uploads 16] [--case within|above]
Each case runs against its own fresh server, so the VmHWM figures do not mix.
"""

import argparse
import io
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import ews_it  # noqa: E402
from PIL import Image  # noqa: E402

CASES = {"within": (8192, 3200), "above": (8192, 8192)}


def progressive_jpeg(w, h):
    """A smooth gradient (compresses to a few hundred KB), progressive, no chroma subsampling."""
    gx = Image.linear_gradient("L").resize((w, h))
    gy = gx.transpose(Image.Transpose.ROTATE_90).resize((w, h))
    img = Image.merge("RGB", (gx, gy, Image.new("L", (w, h), 90)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, progressive=True, subsampling=0)
    return buf.getvalue()


def status_kb(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def run_case(name, n):
    w, h = CASES[name]
    jpeg = progressive_jpeg(w, h)
    users = [ews_it.UserSpec(f"up{i}") for i in range(n)]
    env = ews_it.make_env(users=users)
    try:
        pid = env.server.proc.pid
        # warm up: one small upload so the baseline includes the worker threads
        c = env.server.client(users[0])
        r = c.request("PATCH", "/api/v2.0/me/photo/$value", body=ews_it.make_jpeg(96, 96, (1, 2, 3)),
                      headers={"Content-Type": "image/jpeg"})
        assert r.status == 200, r.status
        base = status_kb(pid, "VmHWM")
        results = [None] * n
        go = threading.Barrier(n)

        def upload(i):
            cl = ews_it.Client(env.server, auth=users[i].auth)
            go.wait()
            t0 = time.monotonic()
            r = cl.request("PATCH", "/api/v2.0/me/photo/$value", body=jpeg, headers={"Content-Type": "image/jpeg"})
            results[i] = (r.status, time.monotonic() - t0)
            cl.close()

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(n)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        peak = status_kb(pid, "VmHWM")
        statuses = {}
        for st, _ in results:
            statuses[st] = statuses.get(st, 0) + 1
        print(f"{name}: {w}x{h} progressive 4:4:4, {len(jpeg) / 1024:.0f} KB, {n} concurrent PATCH uploads")
        print(f"  statuses {statuses}; slowest {max(d for _, d in results):.1f} s; all done in {wall:.1f} s")
        print(f"  VmHWM before {base / 1024:.0f} MiB, after {peak / 1024:.0f} MiB "
              f"(growth {(peak - base) / 1024:.0f} MiB)")
    finally:
        ews_it.destroy_env(env)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uploads", type=int, default=16)
    ap.add_argument("--case", choices=sorted(CASES), action="append")
    a = ap.parse_args()
    print(f"binary: {ews_it.EWSEMU_BIN}")
    for name in a.case or ["within", "above"]:
        run_case(name, a.uploads)


if __name__ == "__main__":
    main()
