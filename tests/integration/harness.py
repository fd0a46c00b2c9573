# SPDX-License-Identifier: MIT
"""Start the Entra ID emulator for a test, a demo or a benchmark.

    with Emulator(certs_dir) as emu:
        emu.authority          # "https://localhost:<port>"
        emu.wrong_authority    # same server, certificate for another name
        emu.requests()         # the emulator's request log (no secrets)
        mark = emu.mark()      # ... run a client ...
        emu.connections(mark)  # its connections: TLS version, resumed, requests,
                               # who closed, bytes on the wire (see connections())
        emu.secrets()          # every secret it received or issued (test-only log)

and check a client's own output for every spelling of a secret:

    assert_no_secret(test, text, secret)

and run an integration test file's unittest cases against it as TAP:

    a = cli_args()             # --cli, --certs, -k
    sys.exit(run_tap(SomeTest, a.certs, a.k))
"""

import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EMULATOR = os.path.join(ROOT, "tests", "emulator", "entra_emulator.py")
MAKE_CERTS = os.path.join(ROOT, "tests", "emulator", "make_certs.sh")

sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from entra_emulator import DEFAULT_REGISTRY  # noqa: E402  (apps and secrets)

TENANT = "contoso-tenant"


def secret_of(app):
    return DEFAULT_REGISTRY["apps"][app]["secret"]


def app_knobs(emu, app, **kv):
    """Set knobs of a registered app in the running emulator (None removes
    one), through POST /_emulator/app (see tests/emulator/README.md)."""
    ctx = ssl.create_default_context(cafile=emu.ca)
    req = urllib.request.Request(emu.authority + "/_emulator/app", method="POST",
                                 data=json.dumps({"client_id": app, "set": kv}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        if r.status != 200:
            raise AssertionError("the emulator refused the knobs: %d" % r.status)


def make_certs(certs_dir):
    subprocess.run([MAKE_CERTS, certs_dir], check=True)
    return certs_dir


class Emulator:
    def __init__(self, certs_dir, startup_timeout=20.0, bind="127.0.0.1", args=()):
        self.certs = certs_dir
        self.startup_timeout = startup_timeout
        self.bind = bind  # the address the emulator listens on
        self.args = list(args)  # more options, e.g. ["--idle-timeout", "0.5"]
        self.proc = None

    def __enter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-emu-")
        ready = os.path.join(self.tmp.name, "ready")
        self.log_path = os.path.join(self.tmp.name, "requests.jsonl")
        self.secret_log_path = os.path.join(self.tmp.name, "secrets.jsonl")
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR, "--bind", self.bind, "--port", "0",
             "--cert", os.path.join(self.certs, "server.pem"),
             "--key", os.path.join(self.certs, "server.key"),
             "--wrong-name-port", "0",
             "--wrong-cert", os.path.join(self.certs, "wrong.pem"),
             "--wrong-key", os.path.join(self.certs, "wrong.key"),
             "--log", self.log_path, "--secret-log", self.secret_log_path,
             "--ready-file", ready] + self.args,
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

    def control(self, path, obj):
        """POST obj as JSON to one of the emulator's control endpoints
        (/_emulator/adme/fault, /_emulator/adme/revoke...); its answer."""
        ctx = ssl.create_default_context(cafile=self.ca)
        req = urllib.request.Request(self.authority + path, data=json.dumps(obj).encode(),
                                     headers={"Content-Type": "application/json"},
                                     method="POST")
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return json.loads(r.read())

    def events(self):
        """Every line of the log: requests and connection opens and closes."""
        try:
            with open(self.log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def secrets(self, kinds=None):
        """[(kind, value)] of every secret the emulator received or issued
        so far (client secrets, assertions, codes, verifiers, refresh,
        access and id tokens, device codes), optionally only of kinds."""
        try:
            with open(self.secret_log_path) as f:
                rows = [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []
        return [(r["kind"], r["value"]) for r in rows if not kinds or r["kind"] in kinds]

    def requests(self):
        """The request lines only (index them with len(requests()))."""
        return [e for e in self.events() if e.get("event", "request") == "request"]

    def mark(self):
        """A position in the log for connections(since=...)."""
        return len(self.events())

    def connections(self, since=0, settle=5.0, server="main", count=0):
        """The connections opened after mark since, in order, one dict each:
        id, tls ("TLSv1.3"; None for plain HTTP or a failed handshake),
        resumed, cipher, requests (their request lines), served (requests
        the server counted), closed (False if still open), closed_by
        ("client"/"server"), reason ("eof", "connection-close",
        "idle-timeout", "max-requests", "no-keep-alive", "handshake-failed",
        ...), bytes_in/bytes_out (TCP payload, TLS included),
        handshake_in/handshake_out, per_request ([in, out] per request),
        sends (see tests/emulator/README.md). Close lines are written when the server sees the
        end, just after a client exits: this waits up to settle seconds for
        every connection to be closed (and for at least count of them: a
        handshake the client gave up is logged after it gave up)."""
        deadline = time.monotonic() + settle
        while True:
            conns, order = {}, []
            for e in self.events()[since:]:
                if e.get("server") != server or "conn" not in e:
                    continue
                c = conns.get(e["conn"])
                if c is None:
                    if e.get("event") == "request":
                        continue  # a connection opened before since
                    c = conns[e["conn"]] = {"id": e["conn"], "requests": [],
                                            "closed": False, "tls": None,
                                            "resumed": False, "cipher": None}
                    order.append(c)
                kind = e.get("event")
                if kind == "request":
                    c["requests"].append(e)
                else:
                    c.update({k: v for k, v in e.items()
                              if k not in ("event", "time", "mono", "conn", "requests")})
                    if kind == "conn_close":
                        c["closed"] = True
                        c["served"] = e["requests"]
            if (len(order) >= count and all(c["closed"] for c in order)) or \
                    time.monotonic() > deadline:
                return order
            time.sleep(0.02)

    def requests_per_connection(self, since=0, settle=5.0):
        return [len(c["requests"]) for c in self.connections(since, settle)]

    def resumed_handshakes(self, since=0, settle=5.0):
        return sum(1 for c in self.connections(since, settle) if c["resumed"])

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


def secret_spellings(secret):
    """The ways a secret can leak into text: raw, form-encoded (both
    spellings of a space), percent-encoded, base64 (standard and url-safe,
    with and without padding), JSON-escaped, and every 16-byte substring
    of the raw value (a secret cut or wrapped is still a leak)."""
    raw = secret.encode()
    out = {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret, safe=""),
           json.dumps(secret)[1:-1]}
    for enc in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        out.add(enc.decode())
        out.add(enc.decode().rstrip("="))
    # A JWT's header and claims are alike across tokens (same alg, close
    # timestamps): only its signature's substrings identify it.
    parts = secret.split(".")
    tail = parts[2] if len(parts) == 3 and all(parts) else secret
    if len(tail) > 16:
        out.update(tail[i:i + 16] for i in range(len(tail) - 15))
    return out


def assert_no_secret(test, text, secret, what="secret"):
    """Fails test if text holds any spelling of secret."""
    for s in sorted(secret_spellings(secret)):
        if s and s in text:
            test.fail("%s leaked as %r in the client's output" % (what, s))


def assert_client_kept_secrets(test, emu, stdout, stderr, printed=("access_token", "id_token")):
    """Every secret the emulator has received or issued so far, in every
    spelling, is absent from the client's stderr, and from its stdout unless
    its kind is one the command prints (the access token; id_token with
    --json)."""
    for kind, value in emu.secrets():
        if len(value) < 8:  # too short to tell from ordinary text
            continue
        assert_no_secret(test, stderr, value, kind + " (stderr)")
        if kind not in printed:
            assert_no_secret(test, stdout, value, kind + " (stdout)")


class TapResult(unittest.TextTestResult):
    """One TAP line per test: "ok N - id", "not ok N - id" with the
    traceback as comments, or "ok N - id # SKIP reason"."""
    n = 0

    def _line(self, ok, test, extra=""):
        TapResult.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", TapResult.n, test.id(), extra),
              flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # SKIP " + reason)

    def _not_ok(self, test, err):
        self._line(False, test)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._not_ok(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._not_ok(test, err)

    def addSubTest(self, test, subtest, err):
        # A failed subTest is the test's "not ok" (no addSuccess follows).
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._not_ok(subtest, err)


def cli_args():
    """The arguments tools/test.sh gives every integration test: the CLI
    (made absolute) and the test certificates' directory (made if needed),
    and -k to pick tests by name."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("-k", help="only tests whose name contains this")
    a = ap.parse_args()
    a.cli = os.path.abspath(a.cli)
    a.certs = make_certs(os.path.abspath(a.certs))
    return a


def run_tap(case, certs, only=None, bind="127.0.0.1", emulator_args=()):
    """Run the unittest.TestCase class case (only the tests whose id
    contains only, if given) against one emulator listening on bind (with
    more emulator_args, if given), printing TAP. The tests find the
    emulator in their module's EMU global.
    Returns the exit status: 0 when tests ran and all passed."""
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    if only:
        suite = unittest.TestSuite(t for t in suite if only in t.id())
    with Emulator(certs, bind=bind, args=emulator_args) as emu, \
            open(os.devnull, "w") as devnull:
        sys.modules[case.__module__].EMU = emu
        res = unittest.TextTestRunner(resultclass=TapResult, stream=devnull,
                                      verbosity=0).run(suite)
    print("1..%d" % res.testsRun)
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1
