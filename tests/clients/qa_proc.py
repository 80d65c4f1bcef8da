"""Processes for the QA tooling tests: ewsemu servers, replay servers and recording
proxies started on random loopback ports, their announced URLs read from stdout,
stopped with SIGTERM (exit status 0 and no sanitizer report required)."""
import os
import queue
import re
import signal
import subprocess
import threading
from pathlib import Path

from conftest import PASSWORD, ewsemu_bin, run_cli

START_TIMEOUT = 60
STOP_TIMEOUT = 30
SANITIZER_MARKERS = ("runtime error", "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer")
ENDPOINT_RE = re.compile(r"ewsemu: EWS endpoint (https?://\S+)/EWS/Exchange\.asmx")
PROXY_RE = re.compile(r"ewsemu: recording proxy (https?://\S+)")


class Proc:
    """One ewsemu process whose stdout announces its URLs."""

    def __init__(self, args, log_dir, want, regex=ENDPOINT_RE):
        self.args = [str(ewsemu_bin()), *map(str, args)]
        self.err_path = Path(log_dir) / f"proc-{os.getpid()}-{id(self)}.err"
        self.err = open(self.err_path, "w+")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.err, stdin=subprocess.DEVNULL,
                                     text=True)
        self.lines = []
        self.urls = []
        q = queue.Queue()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)
                q.put(line)
            q.put(None)

        threading.Thread(target=pump, daemon=True).start()
        while len(self.urls) < want:
            try:
                line = q.get(timeout=START_TIMEOUT)
            except queue.Empty:
                line = None
            if line is None:
                self.kill()
                raise AssertionError(f"{' '.join(self.args)} did not announce {want} URL(s); stdout={self.lines!r}; "
                                     f"stderr={self.stderr()[-3000:]}")
            m = regex.search(line)
            if m:
                self.urls.append(m.group(1))

    def url(self, scheme="http"):
        return next(u for u in self.urls if u.startswith(scheme + "://"))

    def ews(self, scheme="http"):
        return self.url(scheme) + "/EWS/Exchange.asmx"

    def stderr(self):
        self.err.flush()
        return self.err_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.args[1]} did not stop within {STOP_TIMEOUT}s of SIGTERM")
        err = self.stderr()
        self.err.close()
        assert rc == 0, f"{' '.join(self.args)} exited {rc}; stderr:\n{err[-4000:]}"
        for marker in SANITIZER_MARKERS:
            assert marker not in err, f"sanitizer report from {self.args[1]}:\n{err[-4000:]}"
        return err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)


def demo_store(path):
    run_cli("demo", "--store", path)
    return path


def live_server(store, log_dir, *extra):
    return Proc(["serve", "--store", store, "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", *extra], log_dir, 2)


def replay_server(fixtures, log_dir, store, *extra):
    return Proc(["serve", "--replay", fixtures, "--store", store, "--http", "127.0.0.1:0",
                 "--https", "127.0.0.1:0", *extra], log_dir, 2)


def recording_proxy(upstream, fixtures, log_dir, *extra):
    return Proc(["record", "--upstream", upstream, "--listen", "127.0.0.1:0", *extra, fixtures], log_dir, 1,
                regex=PROXY_RE)


__all__ = ["Proc", "demo_store", "live_server", "replay_server", "recording_proxy", "PASSWORD", "run_cli"]
