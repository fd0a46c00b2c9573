#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""edgetoken get and call, and examples/adme_loop, against the emulator's
ADME API over TLS, with the emulator's log proving what happened: how many
token requests, which calls, their statuses and spacing, and on which
connections.

    test_adme.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure.
"""

import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from harness import TENANT, assert_client_kept_secrets, cli_args, run_tap, secret_of

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "emulator"))
from entra_emulator import ADME_AUDIENCE  # noqa: E402

CLI = None
EMU = None
APP = "edgetoken-test-app"
DEVICE_APP = "device-app"
SCOPE = ADME_AUDIENCE + "/.default"
PART = "opendes"
GROUPS = "/api/entitlements/v2/groups"
SEARCH = "/api/search/v2/query"
QUERY = '{"kind":"osdu:wks:dataset--File.Generic:1.0.0"}'
TOKEN_PATH = "/%s/oauth2/v2.0/token" % TENANT


def control(path, obj):
    """POST to the emulator's control endpoints (faults, revocation)."""
    return EMU.control(path, obj)


class AdmeTest(unittest.TestCase):
    def setUp(self):
        self.store = tempfile.TemporaryDirectory(prefix="et-adme-")
        control("/_emulator/adme/fault", {"kind": "clear"})
        self.before = len(self.requests())
        self.mark = EMU.mark()

    def tearDown(self):
        self.store.cleanup()

    def requests(self):
        return [r for r in EMU.requests() if not r["path"].startswith("/_emulator")]

    def new_requests(self):
        return self.requests()[self.before:]

    def env(self, app=APP):
        env = dict(os.environ, EDGETOKEN_STORE_DIR=self.store.name)
        env.pop("EDGETOKEN_CLIENT_SECRET", None)
        if app:
            env["EDGETOKEN_CLIENT_SECRET"] = secret_of(app)
        return env

    def common(self, client=APP, scope=SCOPE):
        a = ["--authority", EMU.authority, "--tenant", TENANT, "--client-id", client,
             "--ca-file", EMU.ca]
        return a + (["--scope", scope] if scope else [])

    def run_cli(self, args, env=None, stdin=None, timeout=60):
        p = subprocess.run([CLI] + args, env=env or self.env(), input=stdin,
                           capture_output=True, text=True, timeout=timeout)
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)
        return p

    def get(self, *extra, **kw):
        return self.run_cli(["get"] + self.common(**kw) + list(extra))

    def call(self, method, path, *extra, **kw):
        env = kw.pop("env", None)
        stdin = kw.pop("stdin", None)
        return self.run_cli(["call", method, path, "--url", EMU.authority,
                             "--data-partition-id", kw.pop("part", PART)] +
                            self.common(**kw) + list(extra), env=env, stdin=stdin)

    def token_requests(self):
        return [r for r in self.new_requests() if r["path"].endswith("/token")]

    def requests_per_connection(self):
        """Requests on each connection the client opened since setUp (the
        control connection of setUp may close after the mark: left out)."""
        conns = EMU.connections(self.mark, count=1)
        return [len(c["requests"]) for c in conns if c["requests"]]

    def summary(self):
        return [(r["method"], r["path"], r["status"]) for r in self.new_requests()]

    # --- get ---------------------------------------------------------------

    def test_get_serves_the_cached_token_across_runs(self):
        tokens = []
        for _ in range(3):
            p = self.get()
            self.assertEqual(p.returncode, 0, p.stderr)
            tokens.append(p.stdout.strip())
        self.assertEqual(len(set(tokens)), 1)
        self.assertEqual(len(self.token_requests()), 1, self.summary())
        files = [f for f in os.listdir(self.store.name) if f.startswith("at-")]
        self.assertEqual(len(files), 1, os.listdir(self.store.name))
        mode = stat.S_IMODE(os.stat(os.path.join(self.store.name, files[0])).st_mode)
        self.assertEqual(mode, 0o600)

    def test_get_json_has_an_absolute_expiry(self):
        p = self.get("--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        first = json.loads(p.stdout)
        self.assertFalse(first["cached"])
        self.assertEqual(first["flow"], "client_credentials")
        self.assertEqual(first["scope"], SCOPE)
        self.assertAlmostEqual(first["expires_on"], time.time() + 3599, delta=30)
        time.sleep(1.1)
        second = json.loads(self.get("--json").stdout)
        self.assertTrue(second["cached"])
        self.assertEqual(second["access_token"], first["access_token"])
        self.assertEqual(second["expires_on"], first["expires_on"])  # absolute, kept
        self.assertLess(second["expires_in"], first["expires_in"])
        self.assertEqual(len(self.token_requests()), 1)

    def test_get_force_refresh_asks_again(self):
        a = self.get().stdout.strip()
        b = self.get("--force-refresh").stdout.strip()
        c = self.get().stdout.strip()
        self.assertNotEqual(a, b)
        self.assertEqual(b, c)  # the new one replaced the cached one
        self.assertEqual(len(self.token_requests()), 2)

    def test_get_other_scope_is_another_cache_entry(self):
        self.assertEqual(self.get().returncode, 0)
        p = self.get(scope=APP + "/.default")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.token_requests()), 2)

    def test_get_without_credential_or_signin_is_a_usage_error(self):
        p = self.run_cli(["get"] + self.common(), env=self.env(app=None))
        self.assertEqual(p.returncode, 2)
        self.assertIn("needs a sign-in", p.stderr)
        self.assertEqual(self.new_requests(), [])

    # --- call --------------------------------------------------------------

    def test_call_get_groups_on_one_connection(self):
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["groups"][0]["name"], "users")
        self.assertEqual(self.summary(), [("POST", TOKEN_PATH, 200), ("GET", GROUPS, 200)])
        # The token request and the call shared one kept-alive connection.
        self.assertEqual(self.requests_per_connection(), [2])
        # A second run takes the token from the cache.
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.token_requests()), 1)

    def test_call_post_search_from_file_and_stdin(self):
        path = os.path.join(self.store.name, "query.json")
        with open(path, "w") as f:
            f.write(QUERY)
        p = self.call("POST", SEARCH, "--data", "@" + path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["totalCount"], 1)
        p = self.call("POST", SEARCH, "--data", "-", stdin=QUERY)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["results"][0]["kind"],
                         "osdu:wks:dataset--File.Generic:1.0.0")
        # Without a body the service says why, OSDU-shaped: exit 40.
        p = self.call("POST", SEARCH)
        self.assertEqual(p.returncode, 40, p.stderr)
        self.assertEqual(json.loads(p.stdout)["code"], 400)
        self.assertIn("HTTP 400 Bad Request: Invalid parameters", p.stderr)

    def test_call_unknown_partition_is_refused_in_the_exit_code(self):
        p = self.call("GET", "/api/legal/v1/legaltags", part="nope")
        self.assertEqual(p.returncode, 43, p.stderr)
        self.assertEqual(json.loads(p.stdout),
                         {"code": 403, "reason": "Access denied",
                          "message": "Invalid data partition id: nope"})
        self.assertIn("HTTP 403 Access denied: Invalid data partition id: nope", p.stderr)
        calls = [r for r in self.new_requests() if r["path"].startswith("/api/")]
        self.assertEqual(len(calls), 1)  # a 403 is not retried

    def test_call_wrong_audience_is_401_after_one_renewal(self):
        p = self.call("GET", GROUPS, scope=APP + "/.default")
        self.assertEqual(p.returncode, 41, p.stderr)
        self.assertIn("Invalid audience", p.stderr)
        self.assertEqual(self.summary(), [("POST", TOKEN_PATH, 200), ("GET", GROUPS, 401),
                                          ("POST", TOKEN_PATH, 200), ("GET", GROUPS, 401)])

    def test_call_revoked_token_is_renewed_once(self):
        self.assertEqual(self.get().returncode, 0)  # cached now
        self.assertGreaterEqual(control("/_emulator/adme/revoke", {"client_id": APP})["revoked"], 1)
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.summary(), [("POST", TOKEN_PATH, 200), ("GET", GROUPS, 401),
                                          ("POST", TOKEN_PATH, 200), ("GET", GROUPS, 200)])
        # The renewed token is what the next run finds in the cache.
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.token_requests()), 2)

    def test_call_503_then_success(self):
        self.assertEqual(self.get().returncode, 0)
        control("/_emulator/adme/fault", {"kind": "503", "times": 1, "path": GROUPS})
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        calls = [r for r in self.new_requests() if r["path"] == GROUPS]
        self.assertEqual([r["status"] for r in calls], [503, 200])

    def test_call_429_retry_after_seconds_is_honoured(self):
        self.assertEqual(self.get().returncode, 0)
        control("/_emulator/adme/fault", {"kind": "429", "times": 1, "retry_after": 2})
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        calls = [r for r in self.new_requests() if r["path"] == GROUPS]
        self.assertEqual([r["status"] for r in calls], [429, 200])
        self.assertGreaterEqual(calls[1]["mono"] - calls[0]["mono"], 1.9)

    def test_call_429_retry_after_http_date_still_succeeds(self):
        self.assertEqual(self.get().returncode, 0)
        control("/_emulator/adme/fault", {"kind": "429", "times": 1, "retry_after": "date:1"})
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        calls = [r for r in self.new_requests() if r["path"] == GROUPS]
        self.assertEqual([r["status"] for r in calls], [429, 200])

    def test_call_429_that_persists_ends_throttled(self):
        self.assertEqual(self.get().returncode, 0)
        control("/_emulator/adme/fault", {"kind": "429", "times": 10, "retry_after": 60})
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 49, p.stderr)  # 429: "other 4xx"
        self.assertIn("HTTP 429", p.stderr)
        calls = [r for r in self.new_requests() if r["path"] == GROUPS]
        self.assertEqual(len(calls), 1)  # a minute is longer than we wait

    def test_call_reset_mid_response_is_retried_on_a_new_connection(self):
        self.assertEqual(self.get().returncode, 0)
        control("/_emulator/adme/fault", {"kind": "reset", "times": 1})
        mark = EMU.mark()
        p = self.call("GET", GROUPS)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["groups"][0]["name"], "users")
        calls = [r for r in self.new_requests() if r["path"] == GROUPS]
        self.assertEqual(len(calls), 2)
        self.assertNotEqual(calls[0]["conn"], calls[1]["conn"])
        closes = [e for e in EMU.events()[mark:] if e.get("event") == "conn_close"]
        self.assertIn("reset", [c["reason"] for c in closes])

    def test_call_stalled_response_times_out_and_is_retried(self):
        self.assertEqual(self.get().returncode, 0)
        control("/_emulator/adme/fault", {"kind": "stall", "times": 1, "seconds": 6})
        t0 = time.monotonic()
        p = self.call("GET", GROUPS, "--timeout", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLess(time.monotonic() - t0, 6)
        # The stalled request is logged when the emulator gives up on it.
        deadline = time.monotonic() + 10
        while True:
            calls = [r for r in self.new_requests() if r["path"] == GROUPS]
            if len(calls) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(calls), 2)

    def test_call_needs_url_and_partition(self):
        p = self.run_cli(["call", "GET", GROUPS] + self.common())
        self.assertEqual(p.returncode, 2)
        self.assertIn("--url", p.stderr)
        p = self.run_cli(["call", "GET", "api/x", "--url", EMU.authority,
                          "--data-partition-id", PART] + self.common())
        self.assertEqual(p.returncode, 2)
        p = self.run_cli(["call", "GET", GROUPS, "--url", "http://localhost:1",
                          "--data-partition-id", PART] + self.common())
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual([r for r in self.new_requests() if r["path"].startswith("/api")], [])

    def test_concurrent_calls_share_the_cached_token(self):
        self.assertEqual(self.get().returncode, 0)  # one token, cached
        args = ["call", "GET", GROUPS, "--url", EMU.authority, "--data-partition-id", PART]
        procs = [subprocess.Popen([CLI] + args + self.common(), env=self.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(50)]
        outs = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        for out, err, rc in outs:
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)["groups"][0]["name"], "users")
        self.assertEqual(len(self.token_requests()), 1)  # nothing asked Entra ID again
        calls = [r for r in self.new_requests() if r["path"] == GROUPS]
        self.assertEqual([r["status"] for r in calls], [200] * 50)  # nothing lost

    # --- the stored sign-in's scope -----------------------------------------

    def test_refresh_get_and_call_remember_the_signin_scope(self):
        env = self.env(app=None)
        scope = SCOPE + " offline_access"
        p = self.run_cli(["device-login", "--no-qr"] + self.common(DEVICE_APP, scope), env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        # A plain refresh asks for the sign-in's own scope again.
        p = self.run_cli(["refresh"] + self.common(DEVICE_APP, None), env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_cli(["get", "--json"] + self.common(DEVICE_APP, None), env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)
        self.assertEqual(got["flow"], "refresh_token")
        self.assertEqual(got["scope"], scope)
        p = self.run_cli(["call", "GET", GROUPS, "--url", EMU.authority,
                          "--data-partition-id", PART] + self.common(DEVICE_APP, None), env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        refreshes = [r for r in self.new_requests()
                     if r["path"].endswith("/token") and
                     r["form"].get("grant_type") == "refresh_token"]
        self.assertEqual(len(refreshes), 2)  # refresh, get; call used get's cache
        for r in refreshes:
            self.assertEqual(r["form"].get("scope"), scope)

    # --- the firmware-style loop ----------------------------------------------

    def test_adme_loop_keeps_one_token_and_one_connection(self):
        exe = os.path.join(os.path.dirname(CLI), "adme_loop")
        self.assertTrue(os.access(exe, os.X_OK), exe + " is not built (make examples)")
        p = subprocess.run([exe, "--authority", EMU.authority, "--tenant", TENANT,
                            "--client-id", APP, "--scope", SCOPE, "--ca-file", EMU.ca,
                            "--url", EMU.authority, "--data-partition-id", PART,
                            "--count", "5", "--period-ms", "100"],
                           env=self.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("call 1: HTTP 200", p.stdout)
        self.assertIn("token fetched", p.stdout)
        self.assertEqual(p.stdout.count("token cached"), 4)
        self.assertIn("calls ok 5/5, tokens fetched 1, connections opened 1, reused 5",
                      p.stdout)
        self.assertEqual(len(self.token_requests()), 1)
        self.assertEqual(len([r for r in self.new_requests() if r["path"] == SEARCH]), 5)
        self.assertEqual(self.requests_per_connection(), [6])


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(AdmeTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
