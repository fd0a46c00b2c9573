#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The edgetoken CLI against the local Entra ID emulator, over real TLS.

    test_cli.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP ("ok N - name" / "not ok N - name"); exits non-zero on failure.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from harness import TENANT, cli_args, run_tap, secret_of

CLI = None
CERTS = None
EMU = None

APP = "edgetoken-test-app"
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"


def run(args, secret=None, env_extra=None, timeout=60):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "SSL_CERT_FILE", "SSL_CERT_DIR")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    env.update(env_extra or {})
    return subprocess.run([CLI] + args, env=env, capture_output=True, text=True,
                          timeout=timeout)


def token_args(app=APP, authority=None, ca=None, extra=()):
    return (["token", "--tenant", TENANT, "--client-id", app,
             "--authority", authority or EMU.authority, "--ca-file", ca or EMU.ca]
            + list(extra))


class CliTest(unittest.TestCase):
    def assertNoSecret(self, proc, secret):
        for stream in (proc.stdout, proc.stderr):
            self.assertNotIn(secret, stream)
            self.assertNotIn(secret.replace("+", "%2B").replace("/", "%2F"), stream)

    def requests_since(self, n):
        return EMU.requests()[n:]

    def test_v2_client_credentials_prints_token(self):
        before = len(EMU.requests())
        p = run(token_args(), secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        tok = p.stdout.strip()
        self.assertEqual(len(tok.split(".")), 3, "a JWT has three parts")
        reqs = self.requests_since(before)
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["path"], "/%s/oauth2/v2.0/token" % TENANT)
        self.assertEqual(reqs[0]["form"]["grant_type"], "client_credentials")
        self.assertEqual(reqs[0]["form"]["scope"], APP + "/.default")
        self.assertEqual(reqs[0]["status"], 200)
        self.assertNoSecret(p, secret_of(APP))

    def test_v2_json_has_numbers(self):
        p = run(token_args(extra=["--json"]), secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["token_type"], "Bearer")
        self.assertIsInstance(out["expires_in"], int)
        self.assertGreater(out["expires_in"], 0)
        self.assertNotIn("refresh_token", out)

    def test_v1_with_resource_string_numbers_become_numbers(self):
        before = len(EMU.requests())
        p = run(token_args(extra=["--endpoint", "v1", "--resource", "https://energy.example",
                                  "--json"]), secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        for k in ("expires_in", "ext_expires_in", "expires_on", "not_before"):
            self.assertIsInstance(out[k], int, k)
        self.assertEqual(out["resource"], "https://energy.example")
        req = self.requests_since(before)[0]
        self.assertEqual(req["path"], "/%s/oauth2/token" % TENANT)
        self.assertEqual(req["form"]["resource"], "https://energy.example")
        self.assertNotIn("scope", req["form"])

    def test_v1_default_resource_is_client_id(self):
        before = len(EMU.requests())
        p = run(token_args(extra=["--endpoint", "v1"]), secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.requests_since(before)[0]["form"]["resource"], APP)

    def test_bad_secret_reports_aadsts(self):
        p = run(token_args(), secret="not-the-secret")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn("invalid_client", p.stderr)
        self.assertIn("AADSTS7000215", p.stderr)
        self.assertIn("HTTP 401", p.stderr)
        self.assertIn("trace id:", p.stderr)
        self.assertIn("correlation id:", p.stderr)
        self.assertIn("what to do:", p.stderr)
        self.assertNoSecret(p, "not-the-secret")

    def test_unknown_tenant(self):
        p = run(["token", "--tenant", "no-such-tenant", "--client-id", APP,
                 "--authority", EMU.authority, "--ca-file", EMU.ca], secret=secret_of(APP))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("AADSTS90002", p.stderr)

    def test_chunked_response(self):
        before = len(EMU.requests())
        p = run(token_args(app="chunked-app", extra=["--json"]),
                secret=secret_of("chunked-app"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["token_type"], "Bearer")
        # It really came chunked, in odd sizes (the emulator logs them).
        chunks = self.requests_since(before)[0]["chunks"]
        self.assertIsNotNone(chunks, "the answer was not chunked")
        self.assertGreaterEqual(len(chunks), 4, chunks)
        self.assertIn(1, chunks)

    def test_token_larger_than_buffer_is_a_clear_error(self):
        p = run(token_args(app="big-token-app"), secret=secret_of("big-token-app"))
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn("larger than the workspace", p.stderr)

    def test_untrusted_ca_refused(self):
        p = run(token_args(ca=EMU.other_ca), secret=secret_of(APP))
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("certificate", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_wrong_host_name_refused(self):
        p = run(token_args(authority=EMU.wrong_authority), secret=secret_of(APP))
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("certificate", p.stderr)
        self.assertRegex(p.stderr, r"(?i)(CN|name)")

    @unittest.skipUnless(os.path.exists(SYSTEM_CA), "no system CA bundle " + SYSTEM_CA)
    def test_system_bundle_does_not_trust_test_ca(self):
        # The default bundle is read (a missing one would also be exit 5,
        # "cannot read"): the handshake fails on trust, not on the file.
        args = ["token", "--tenant", TENANT, "--client-id", APP, "--authority", EMU.authority]
        p = run(args, secret=secret_of(APP))
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertRegex(p.stderr, r"(?i)not trusted|verif")
        self.assertIn("trusted: CA file %s (the system's)" % SYSTEM_CA, p.stderr)

    def test_throttled_once_then_success(self):
        before = len(EMU.requests())
        p = run(token_args(app="throttle-app"), secret=secret_of("throttle-app"))
        self.assertEqual(p.returncode, 0, p.stderr)
        reqs = self.requests_since(before)
        self.assertEqual([r["status"] for r in reqs], [429, 200])
        # Retry-After: 2 (seconds) was waited out: longer than the 1 s
        # back-off used without one, and not read as milliseconds.
        gap = reqs[1]["mono"] - reqs[0]["mono"]
        self.assertGreaterEqual(gap, 1.9, "retried %.3f s after Retry-After: 2" % gap)
        self.assertLess(gap, 4.0)

    def test_server_error_once_then_success(self):
        before = len(EMU.requests())
        p = run(token_args(app="flaky-app"), secret=secret_of("flaky-app"))
        self.assertEqual(p.returncode, 0, p.stderr)
        statuses = [r["status"] for r in self.requests_since(before)]
        self.assertEqual(len(statuses), 2)
        self.assertGreaterEqual(statuses[0], 500)
        self.assertEqual(statuses[1], 200)

    def test_secret_file(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(secret_of(APP) + "\n")
        try:
            os.chmod(f.name, 0o600)
            p = run(token_args(extra=["--client-secret-file", f.name]))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("readable by other users", p.stderr)
        finally:
            os.unlink(f.name)

    def test_secret_on_command_line_refused(self):
        p = run(token_args(extra=["--client-secret", "x"]))
        self.assertEqual(p.returncode, 2)
        self.assertIn("EDGETOKEN_CLIENT_SECRET", p.stderr)

    def test_missing_secret(self):
        p = run(token_args())
        self.assertEqual(p.returncode, 2)
        self.assertIn("no client secret", p.stderr)

    def test_verbose_redacts_secret(self):
        p = run(token_args(extra=["--verbose"]), secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("client_secret=***", p.stderr)
        self.assertIn("grant_type=client_credentials", p.stderr)
        self.assertNoSecret(p, secret_of(APP))
        token = p.stdout.strip()
        self.assertNotIn(token, p.stderr)

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        p = run(token_args(authority="https://localhost:%d" % port, extra=["--timeout", "2"]),
                secret=secret_of(APP))
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("connect", p.stderr)

    def test_ctrl_c_while_waiting_exits_130(self):
        env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
        env["EDGETOKEN_CLIENT_SECRET"] = secret_of("slow-app")  # answers after 2 s
        before = len(EMU.requests())
        proc = subprocess.Popen([CLI] + token_args(app="slow-app"), env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.7)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(time.monotonic() - start, 1.0, "cancel took too long")
        self.assertIn("cancelled", err)
        self.assertEqual(out, "")
        # The emulator logs the abandoned request once it answers: wait, so
        # that later tests count only their own requests.
        deadline = time.monotonic() + 5
        while len(self.requests_since(before)) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(len(self.requests_since(before)), 1)

    def test_plain_http_authority_refused(self):
        p = run(token_args(authority="http://localhost:%d" % EMU.port), secret=secret_of(APP))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("https", p.stderr)

    def test_usage_errors(self):
        self.assertEqual(run(["token", "--client-id", APP], secret="x").returncode, 2)
        self.assertEqual(run(["frobnicate"]).returncode, 2)
        self.assertEqual(run(token_args(extra=["--endpoint", "v3"]), secret="x").returncode, 2)
        self.assertEqual(run(token_args(extra=["--resource", "r"]), secret="x").returncode, 2)
        for extra in (["--wait", "5"], ["--no-browser"], ["--qr"], ["--code", "x"],
                      ["--store-dir", "/tmp"]):
            p = run(token_args(extra=extra), secret="x")
            self.assertEqual(p.returncode, 2, extra)
            self.assertIn("%s does not apply to `edgetoken token`" % extra[0], p.stderr)
        for args in (["--help"], ["token", "--tenant", TENANT, "--help"], ["device-login", "-h"]):
            p = run(args)
            self.assertEqual(p.returncode, 0, args)
            self.assertIn("exit codes", p.stdout)
            self.assertIn("8 sign in again", p.stdout)


def main():
    global CLI, CERTS
    a = cli_args()
    CLI, CERTS = a.cli, a.certs
    return run_tap(CliTest, CERTS, a.k)


if __name__ == "__main__":
    sys.exit(main())
