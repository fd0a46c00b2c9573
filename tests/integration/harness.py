"""Start the Entra ID emulator for a test, a demo or a benchmark.

    with Emulator(certs_dir) as emu:
        emu.authority          # "https://localhost:<port>"
        emu.wrong_authority    # same server, certificate for another name
        emu.requests()         # the emulator's request log (no secrets)
"""

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EMULATOR = os.path.join(ROOT, "tests", "emulator", "entra_emulator.py")
MAKE_CERTS = os.path.join(ROOT, "tests", "emulator", "make_certs.sh")

sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from entra_emulator import DEFAULT_REGISTRY  # noqa: E402  (apps and secrets)

TENANT = "contoso-tenant"


def secret_of(app):
    return DEFAULT_REGISTRY["apps"][app]["secret"]


def make_certs(certs_dir):
    subprocess.run([MAKE_CERTS, certs_dir], check=True)
    return certs_dir


class Emulator:
    def __init__(self, certs_dir, startup_timeout=20.0):
        self.certs = certs_dir
        self.startup_timeout = startup_timeout
        self.proc = None

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-emu-")
        ready = os.path.join(self.tmp.name, "ready")
        self.log_path = os.path.join(self.tmp.name, "requests.jsonl")
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR, "--port", "0",
             "--cert", os.path.join(self.certs, "server.pem"),
             "--key", os.path.join(self.certs, "server.key"),
             "--wrong-name-port", "0",
             "--wrong-cert", os.path.join(self.certs, "wrong.pem"),
             "--wrong-key", os.path.join(self.certs, "wrong.key"),
             "--log", self.log_path, "--ready-file", ready],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.startup_timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
                self.__exit__(None, None, None)
                raise RuntimeError("emulator did not start: " + err)
            time.sleep(0.02)
        with open(ready) as f:
            ports = [int(x) for x in f.read().split()]
        self.port, self.wrong_port = ports[0], ports[1]
        self.authority = "https://localhost:%d" % self.port
        self.wrong_authority = "https://localhost:%d" % self.wrong_port
        self.ca = os.path.join(self.certs, "ca.pem")
        self.other_ca = os.path.join(self.certs, "other-ca.pem")
        return self

    def requests(self):
        try:
            with open(self.log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        self.tmp.cleanup()
        return False
