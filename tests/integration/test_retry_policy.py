#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The retry and throttling policy end to end: the CLI (and the firmware-
style adme_loop) against the emulator over TLS, with the emulator's log
proving what reached it and when.

- Retry-After as an HTTP date is waited out (spacing in the log), against
  the answer's Date;
- 503s that never stop, an HTML 500 and resets mid-response end in exit 9
  ("gave up after N attempts; last: ... from <URL>"), not 3, 6 or 5;
- an unknown host and a refused connection are not retried (exit 4);
- a throttled host is held back: a loop calling again at once sends
  nothing to it until Retry-After has passed;
- every failure names the URL it concerns (token, device code, ADME,
  discovery).

    test_retry_policy.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure.
"""

import copy
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (DEFAULT_REGISTRY, TENANT, assert_client_kept_secrets, cli_args,
                     run_tap)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "emulator"))
from entra_emulator import ADME_AUDIENCE  # noqa: E402

CLI = None
EMU = None
APP = "edgetoken-test-app"
SCOPE = ADME_AUDIENCE + "/.default"
PART = "opendes"
GROUPS = "/api/entitlements/v2/groups"
SEARCH = "/api/search/v2/query"
ATTEMPTS = 3  # CONFIG_ET_RETRY_ATTEMPTS of the default build

# Apps of this test only, added to the emulator's default registry.
APPS = {
    "down-app": {"tenant": "contoso-tenant", "secret": "down-s3cret",
                 "fail_5xx_once": 503, "fail_count": 1000},
    "html500-app": {"tenant": "contoso-tenant", "secret": "html500-s3cret",
                    "fail_5xx_once": 500, "fail_count": 1000, "fail_html": True},
    "date-throttle-app": {"tenant": "contoso-tenant", "secret": "date-s3cret",
                          "throttle_once": 1, "retry_after": "date:3"},
}


def secret(app):
    return (APPS.get(app) or DEFAULT_REGISTRY["apps"][app]).get("secret")


def control(path, obj):
    return EMU.control(path, obj)


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class RetryPolicyTest(unittest.TestCase):
    def setUp(self):
        self.store = tempfile.TemporaryDirectory(prefix="et-retry-")
        control("/_emulator/adme/fault", {"kind": "clear"})
        self.before = len(self.requests())

    def tearDown(self):
        self.store.cleanup()

    def requests(self):
        return [r for r in EMU.requests() if not r["path"].startswith("/_emulator")]

    def new_requests(self, path=None):
        return [r for r in self.requests()[self.before:]
                if path is None or r["path"] == path or r["path"].endswith(path)]

    def env(self, app=APP):
        env = dict(os.environ, EDGETOKEN_STORE_DIR=self.store.name)
        env.pop("EDGETOKEN_CLIENT_SECRET", None)
        if secret(app):
            env["EDGETOKEN_CLIENT_SECRET"] = secret(app)
        return env

    def common(self, app=APP, authority=None):
        return ["--authority", authority or EMU.authority, "--tenant", TENANT,
                "--client-id", app, "--ca-file", EMU.ca]

    def run_cli(self, args, app=APP, timeout=90):
        p = subprocess.run([CLI] + args, env=self.env(app), capture_output=True, text=True,
                           timeout=timeout)
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)
        return p

    def token(self, app, *extra, authority=None):
        return self.run_cli(["token"] + self.common(app, authority) +
                            ["--scope", SCOPE] + list(extra), app=app)

    def call(self, method, path, *extra):
        return self.run_cli(["call", method, path, "--url", EMU.authority,
                             "--data-partition-id", PART, "--scope", SCOPE] +
                            self.common() + list(extra))

    def token_url(self):
        return "%s/%s/oauth2/v2.0/token" % (EMU.authority, TENANT)

    # --- Retry-After as an HTTP date ------------------------------------------

    def test_token_retry_after_http_date_is_waited_out(self):
        p = self.token("date-throttle-app")
        self.assertEqual(p.returncode, 0, p.stderr)
        reqs = self.new_requests("/token")
        self.assertEqual([r["status"] for r in reqs], [429, 200])
        # 3 s from the answer's Date; a client that ignored the date would
        # have backed off ~1 s.
        self.assertGreaterEqual(reqs[1]["mono"] - reqs[0]["mono"], 2.9)
        self.assertLess(reqs[1]["mono"] - reqs[0]["mono"], 4.5)

    def test_adme_retry_after_http_date_is_waited_out(self):
        self.assertEqual(self.run_cli(["get", "--scope", SCOPE] + self.common()).returncode, 0)
        control("/_emulator/adme/fault", {"kind": "429", "times": 1, "retry_after": "date:3"})
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        calls = self.new_requests(GROUPS)
        self.assertEqual([r["status"] for r in calls], [429, 200])
        self.assertGreaterEqual(calls[1]["mono"] - calls[0]["mono"], 2.9)

    # --- gave up after transient failures: exit 9 ------------------------------

    def assert_gave_up(self, p, last, url):
        self.assertEqual(p.returncode, 9, p.stderr)
        m = re.search(r"edgetoken: gave up after (\d+) attempts; last: (.*) from (\S+)\n",
                      p.stderr)
        self.assertIsNotNone(m, p.stderr)
        self.assertEqual(int(m.group(1)), ATTEMPTS)
        self.assertIn(last, m.group(2))
        self.assertEqual(m.group(3), url)

    def test_503_that_never_stops_gives_up_not_refused(self):
        p = self.token("down-app")
        self.assert_gave_up(p, "HTTP 503", self.token_url())
        reqs = self.new_requests("/token")
        self.assertEqual([r["status"] for r in reqs], [503] * ATTEMPTS)
        # Entra's Retry-After: 1 between them.
        for a, b in zip(reqs, reqs[1:]):
            self.assertGreaterEqual(b["mono"] - a["mono"], 0.9)
        self.assertIn("temporarily_unavailable", p.stderr)  # the body still shown

    def test_html_500_retried_gives_up_not_malformed(self):
        p = self.token("html500-app")
        self.assert_gave_up(p, "HTTP 500", self.token_url())
        self.assertEqual([r["status"] for r in self.new_requests("/token")], [500] * ATTEMPTS)

    def test_reset_mid_response_is_a_lost_connection_not_tls(self):
        self.assertEqual(self.run_cli(["get", "--scope", SCOPE] + self.common()).returncode, 0)
        control("/_emulator/adme/fault", {"kind": "reset", "times": 100})
        mark = EMU.mark()
        p = self.call("GET", GROUPS)
        self.assertNotEqual(p.returncode, 5, p.stderr)
        self.assertNotIn("TLS", p.stderr)
        self.assert_gave_up(p, "connection closed before the response was complete",
                            EMU.authority + GROUPS)
        self.assertIn("reset", p.stderr.lower())
        calls = self.new_requests(GROUPS)
        self.assertEqual(len(calls), ATTEMPTS)
        closes = [e for e in EMU.events()[mark:] if e.get("event") == "conn_close"]
        self.assertEqual([c["reason"] for c in closes].count("reset"), ATTEMPTS)

    # --- not retried: unknown host, refused connection ----------------------

    def test_refused_connection_is_not_retried(self):
        authority = "https://localhost:%d" % closed_port()
        t0 = time.monotonic()
        p = self.token(APP, authority=authority)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertLess(time.monotonic() - t0, 1.0)  # no back-off waited
        self.assertNotIn("retrying", p.stderr)
        self.assertIn("URL: %s/%s/oauth2/v2.0/token" % (authority, TENANT), p.stderr)

    def test_unknown_host_is_not_retried(self):
        authority = "https://no-such-host.invalid"
        t0 = time.monotonic()
        p = self.token(APP, authority=authority)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertLess(time.monotonic() - t0, 10.0)
        self.assertNotIn("retrying", p.stderr)
        self.assertIn("URL: %s/%s/oauth2/v2.0/token" % (authority, TENANT), p.stderr)

    # --- throttle memory ---------------------------------------------------------

    def test_throttled_host_is_not_hammered_by_a_loop(self):
        exe = os.path.join(os.path.dirname(CLI), "adme_loop")
        self.assertTrue(os.access(exe, os.X_OK), exe + " is not built (make examples)")
        # Retry-After 8 s: longer than the policy waits within a call.
        control("/_emulator/adme/fault", {"kind": "429", "times": 100, "retry_after": 8,
                                          "path": SEARCH})
        t0 = time.monotonic()
        p = subprocess.run([exe, "--authority", EMU.authority, "--tenant", TENANT,
                            "--client-id", APP, "--scope", SCOPE, "--ca-file", EMU.ca,
                            "--url", EMU.authority, "--data-partition-id", PART,
                            "--count", "22", "--period-ms", "500"],
                           env=self.env(), capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - t0
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = [l for l in p.stdout.splitlines() if l.startswith("call ")]
        self.assertEqual(len(lines), 22, p.stdout)
        # Call 1 is answered 429; the calls of the next 8 s fail at once,
        # nothing sent, saying how long is left.
        self.assertIn("call 1: failed: throttled", lines[0])
        self.assertIn("HTTP 429", lines[0])
        held = [l for l in lines if "HTTP 0" in l]
        self.assertGreaterEqual(len(held), 14, p.stdout)
        for l in held:
            self.assertIn("throttled", l)
            self.assertRegex(l, r"retry after [1-8] s")
        calls = self.new_requests(SEARCH)
        # The log: nothing within 8 s of a 429, yet asked again after it.
        self.assertGreaterEqual(len(calls), 2, p.stdout)
        for a, b in zip(calls, calls[1:]):
            self.assertGreaterEqual(b["mono"] - a["mono"], 7.9, [c["mono"] for c in calls])
        self.assertLessEqual(len(calls), int(elapsed / 8) + 1)
        self.assertTrue(all(c["status"] == 429 for c in calls))

    # --- every error names its URL ---------------------------------------------

    def test_device_code_failure_names_its_url(self):
        authority = "https://localhost:%d" % closed_port()
        p = self.run_cli(["device-login", "--authority", authority, "--tenant", TENANT,
                          "--client-id", "device-app", "--ca-file", EMU.ca,
                          "--scope", SCOPE, "--no-qr"], app="device-app")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("%s/%s/oauth2/v2.0/devicecode" % (authority, TENANT), p.stderr)

    def test_adme_http_error_names_its_url(self):
        self.assertEqual(self.run_cli(["get", "--scope", SCOPE] + self.common()).returncode, 0)
        p = self.run_cli(["call", "GET", "/api/no/such/thing", "--url", EMU.authority,
                          "--data-partition-id", PART, "--scope", SCOPE] + self.common())
        self.assertEqual(p.returncode, 44, p.stderr)
        self.assertIn(EMU.authority + "/api/no/such/thing", p.stderr)

    def test_discovery_failure_names_its_url(self):
        issuer = "https://localhost:%d/some-tenant/v2.0" % closed_port()
        p = self.run_cli(["token", "--issuer", issuer, "--client-id", APP, "--ca-file", EMU.ca,
                          "--scope", SCOPE])
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn(issuer + "/.well-known/openid-configuration", p.stderr)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    reg = copy.deepcopy(DEFAULT_REGISTRY)
    reg["apps"].update(APPS)
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="et-retry-reg-",
                                     delete=False) as f:
        json.dump(reg, f)
    try:
        return run_tap(RetryPolicyTest, a.certs, a.k, emulator_args=["--config", f.name])
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    sys.exit(main())
