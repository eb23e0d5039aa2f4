# SPDX-License-Identifier: LGPL-2.1-or-later
"""What sscardd's protocol and browser tests share: starting the service
inside the private pcscd sandbox (test/integration/sandbox.sh), the card
inserted and removed through cardsim, the test security module, and a
small runner of named checks."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import wsclient

VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--track-origins=yes", "--quiet"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """sscardd with a config of ours, its log in a file."""

    def __init__(self, build, src, extra="", port=None, keystore=True):
        self.build, self.src = build, src
        self.port = port or free_port()
        self.tmp = tempfile.mkdtemp(prefix="sscardd-test-")
        lines = ["port = %d" % self.port,
                 "reader = " + os.environ["SSCARD_SANDBOX_READER"],
                 "ui_dir = " + os.path.join(src, "service", "ui"),
                 "timeout_ms = 20000"]
        if keystore:
            self.keys = os.path.join(self.tmp, "terminal.keys")
            with open(os.path.join(src, "vectors", "sm", "healthy-v3.keys")) as f:
                data = f.read()
            with open(self.keys, "w") as f:
                f.write(data)
            os.chmod(self.keys, 0o600)
            lines.append("keystore = " + self.keys)
        self.conf = os.path.join(self.tmp, "sscardd.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n" + extra)
        self.log_path = os.path.join(self.tmp, "sscardd.log")
        cmd = [os.path.join(build, "service", "sscardd"), "-v", "-c", self.conf]
        self.valgrind = bool(os.environ.get("SSCARD_VALGRIND"))
        if self.valgrind:
            cmd = VALGRIND + cmd
        self.proc = subprocess.Popen(cmd, stderr=open(self.log_path, "w"))
        self.wait_up(120 if self.valgrind else 15)

    def wait_up(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sscardd exited %s: %s" % (self.proc.returncode, self.log()))
            try:
                if wsclient.http_get(self.port, "/v1/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("sscardd did not come up: " + self.log())

    def origin(self):
        return "http://127.0.0.1:%d" % self.port

    def ws(self, origin=None, **kw):
        return wsclient.WS(self.port, origin=origin or self.origin(), **kw)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        """SIGTERM; the exit status (valgrind's 99 on a leak or error)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120 if self.valgrind else 20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "hung"
        return self.proc.returncode


def toggle_card():
    """Remove the card, or insert it again (cardsim's SIGUSR1)."""
    os.kill(int(os.environ["SSCARD_SANDBOX_CARDSIM_PID"]), signal.SIGUSR1)


def hsm_answer(build, src, step1, flip=False):
    keys = os.path.join(src, "vectors", "sm", "healthy-v3.keys")
    cmd = [os.path.join(build, "test", "service", "hsm_answer"), keys, step1]
    if flip:
        cmd.append("flip")
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run(checks, *args):
    """Run the named checks in order; exit 1 when any failed."""
    failed = 0
    only = os.environ.get("SSCARDD_TEST_ONLY")
    for fn in checks:
        if only and fn.__name__ != only:
            continue
        t = time.time()
        try:
            fn(*args)
            print("ok   %-40s %6.2f s" % (fn.__name__, time.time() - t), flush=True)
        except Exception:  # noqa: BLE001 -- every failure is reported
            failed += 1
            print("FAIL %s" % fn.__name__, flush=True)
            traceback.print_exc()
    sys.exit(1 if failed else 0)


def dump(o):
    return json.dumps(o, ensure_ascii=False)
