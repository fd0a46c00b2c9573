#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""edgetoken device-login (RFC 8628) against the local Entra ID emulator,
over real TLS. The emulator hands out a 1 s interval so the schedule is
checked quickly, from its request log (arrival times, "mono").

    test_device_code.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure.
"""

import hashlib
import json
import os
import signal
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import TENANT, assert_client_kept_secrets, cli_args, run_tap, secret_of

CLI = None
EMU = None
DEVICE_CODE_PREFIX = "DAQABIQEAAAB"  # every emulator device code starts so
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def clean_env(secret=None, store=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    if store is not None:
        env["EDGETOKEN_STORE_DIR"] = store
    return env


def rt_key(app, authority=None):
    """The store key edgetoken login/refresh use for this app."""
    ident = "%s\n%s\n%s" % (authority or EMU.authority, TENANT, app)
    return "rt-" + hashlib.sha256(ident.encode()).hexdigest()[:32]


def login_args(app, extra=()):
    return [CLI, "device-login", "--tenant", TENANT, "--client-id", app,
            "--authority", EMU.authority, "--ca-file", EMU.ca] + list(extra)


class DeviceCodeTest(unittest.TestCase):
    def setUp(self):
        self.store = tempfile.TemporaryDirectory(prefix="et-store-")
        self.before = len(EMU.requests())

    def tearDown(self):
        self.store.cleanup()

    def run_cli(self, app, extra=(), secret=None, timeout=60):
        start = time.monotonic()
        p = subprocess.run(login_args(app, extra),
                           env=clean_env(secret, self.store.name),
                           capture_output=True, text=True, timeout=timeout)
        p.elapsed = time.monotonic() - start
        for stream in (p.stdout, p.stderr):
            self.assertNotIn(DEVICE_CODE_PREFIX, stream, "device code leaked")
        return p

    def requests(self):
        return EMU.requests()[self.before:]

    def polls(self):
        return [r for r in self.requests() if r["path"].endswith("/token")]

    def assertSchedule(self, polls, intervals):
        """Each gap between polls (arrival to arrival) >= its interval."""
        self.assertEqual(len(polls) - 1, len(intervals), [p["status"] for p in polls])
        for i, want in enumerate(intervals):
            gap = polls[i + 1]["mono"] - polls[i]["mono"]
            self.assertGreaterEqual(gap, want, "poll %d came %.3f s after the previous, "
                                    "interval %d s" % (i + 1, gap, want))
            self.assertLess(gap, want + 1.5, "poll %d came late" % (i + 1))

    def test_v2_pending_then_token_and_refresh_token_stored(self):
        p = self.run_cli("device-app")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3, "a JWT on stdout")
        self.assertIn("https://microsoft.com/devicelogin", p.stderr)
        self.assertRegex(p.stderr, r"enter the code [A-Z0-9]{9} ")
        reqs = self.requests()
        self.assertEqual(reqs[0]["path"], "/%s/oauth2/v2.0/devicecode" % TENANT)
        self.assertEqual(reqs[0]["form"], {
            "client_id": "device-app",
            "scope": "device-app/.default openid profile offline_access"})
        polls = self.polls()
        self.assertEqual([r["status"] for r in polls], [400, 400, 200])
        for r in polls:
            self.assertEqual(r["form"]["grant_type"], GRANT)
            self.assertIn("device_code", r["form"])
            self.assertNotIn("client_secret", r["form"])
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)
        self.assertGreaterEqual(polls[0]["mono"] - reqs[0]["mono"], 1.0)
        self.assertSchedule(polls, [1, 1])
        path = os.path.join(self.store.name, rt_key("device-app"))
        self.assertIn("refresh token saved to " + path, p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            rt = f.read()
        self.assertTrue(rt.startswith("1.AX") and len(rt) > 100)
        self.assertNotIn(rt, p.stdout + p.stderr)

    def test_refresh_after_device_login_rotates_stored_token(self):
        p = self.run_cli("device-app")
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(self.store.name, rt_key("device-app"))
        with open(path) as f:
            first = f.read()
        args = [CLI, "refresh", "--tenant", TENANT, "--client-id", "device-app",
                "--authority", EMU.authority, "--ca-file", EMU.ca]
        r = subprocess.run(args, env=clean_env(None, self.store.name),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.strip().split(".")), 3, "a JWT on stdout")
        with open(path) as f:
            second = f.read()
        self.assertNotEqual(first, second, "rotated")
        last = self.requests()[-1]
        self.assertEqual(last["form"]["grant_type"], "refresh_token")
        self.assertEqual(last["status"], 200)

    def test_json_output_leaves_stored_refresh_token_out(self):
        p = self.run_cli("device-app", ["--json", "--scope", "api://x/.default openid"])
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["token_type"], "Bearer")
        self.assertIsInstance(out["expires_in"], int)
        self.assertIn("id_token", out)
        self.assertNotIn("refresh_token", out)  # no offline_access asked
        self.assertEqual(self.requests()[0]["form"]["scope"], "api://x/.default openid")

    def test_v1_endpoints_and_string_numbers(self):
        p = self.run_cli("device-app", ["--endpoint", "v1", "--resource", "https://energy"])
        self.assertEqual(p.returncode, 0, p.stderr)
        reqs = self.requests()
        self.assertEqual(reqs[0]["path"], "/%s/oauth2/devicecode" % TENANT)
        self.assertEqual(reqs[0]["form"]["resource"], "https://energy")
        polls = self.polls()
        self.assertTrue(all(r["path"] == "/%s/oauth2/token" % TENANT for r in polls))
        self.assertSchedule(polls, [1, 1])
        self.assertTrue(os.path.exists(os.path.join(self.store.name, rt_key("device-app"))))

    def test_slow_down_adds_5_seconds_to_all_later_polls(self):
        p = self.run_cli("device-slow-app")
        self.assertEqual(p.returncode, 0, p.stderr)
        polls = self.polls()
        self.assertEqual([r["status"] for r in polls], [400, 400, 400, 200])
        # poll 2 was answered slow_down; the emulator would answer slow_down
        # again to any later poll sooner than 6 s: statuses above show none.
        self.assertSchedule(polls, [1, 6, 6])

    def test_declined(self):
        p = self.run_cli("device-decline-app")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn("declined", p.stderr)
        self.assertIn("authorization_declined", p.stderr)
        self.assertEqual(len(self.polls()), 2)

    def test_expires_in_deadline_stops_polling(self):
        p = self.run_cli("device-expire-app")  # expires_in 3, interval 1
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("expired", p.stderr)
        self.assertEqual(p.stdout, "")
        polls = self.polls()
        self.assertLessEqual(len(polls), 2)
        self.assertTrue(all(r["status"] == 400 for r in polls))
        self.assertLess(p.elapsed, 5)

    def test_expired_token_from_server(self):
        p = self.run_cli("device-server-expiry-app")  # says 900 s, lives 2 s
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("expired_token", p.stderr)
        self.assertIn("AADSTS70019", p.stderr)

    def test_bad_verification_code(self):
        p = self.run_cli("device-forget-app")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("bad_verification_code", p.stderr)
        self.assertIn("AADSTS70018", p.stderr)
        self.assertEqual(len(self.polls()), 1)

    def test_server_errors_while_polling_are_retried(self):
        p = self.run_cli("device-flaky-app")
        self.assertEqual(p.returncode, 0, p.stderr)
        statuses = [r["status"] for r in self.polls()]
        self.assertEqual(statuses, [400, 500, 500, 500, 200])
        polls = self.polls()
        self.assertGreaterEqual(polls[4]["mono"] - polls[3]["mono"], 1.0)

    def test_ctrl_c_cancels_promptly(self):
        proc = subprocess.Popen(login_args("device-wait-app"),
                                env=clean_env(None, self.store.name),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while len(self.polls()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(len(self.polls()), 2)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        self.assertLess(time.monotonic() - sent, 1.5)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("cancelled", err)
        self.assertEqual(out, "")
        self.assertFalse(os.listdir(self.store.name))

    def test_confidential_app_without_secret_refused(self):
        p = self.run_cli("device-confidential-app")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("AADSTS7000218", p.stderr)
        self.assertIn("public client flows", p.stderr)

    def test_confidential_app_with_secret(self):
        p = self.run_cli("device-confidential-app", secret=secret_of("device-confidential-app"))
        self.assertEqual(p.returncode, 0, p.stderr)
        for r in self.polls():
            self.assertIn("client_secret", r["form"])
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)

    def test_verbose_hides_device_code(self):
        p = self.run_cli("device-app", ["--verbose"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("device_code=***", p.stderr)
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)

    def test_usage(self):
        p = subprocess.run([CLI, "device-login", "--client-id", "x"], env=clean_env(),
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([CLI, "--help"], capture_output=True, text=True)
        self.assertIn("device-login", p.stdout)

    def test_emulator_answers_slow_down_to_fast_polling(self):
        """The emulator itself: a client polling too fast gets slow_down."""
        ctx = ssl.create_default_context(cafile=EMU.ca)

        def post(path, form):
            req = urllib.request.Request(EMU.authority + "/" + TENANT + path,
                                         data=urllib.parse.urlencode(form).encode())
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                    return r.status, json.load(r)
            except urllib.error.HTTPError as e:
                return e.code, json.load(e)

        st, dc = post("/oauth2/v2.0/devicecode",
                      {"client_id": "device-wait-app", "scope": "a/.default"})
        self.assertEqual(st, 200)
        self.assertIsInstance(dc["expires_in"], int)
        form = {"grant_type": GRANT, "client_id": "device-wait-app",
                "device_code": dc["device_code"]}
        self.assertEqual(post("/oauth2/v2.0/token", form)[1]["error"], "authorization_pending")
        self.assertEqual(post("/oauth2/v2.0/token", form)[1]["error"], "slow_down")
        time.sleep(1.2)  # enough for 1 s, not for the 6 s now required
        self.assertEqual(post("/oauth2/v2.0/token", form)[1]["error"], "slow_down")
        form["device_code"] = "nope"
        self.assertEqual(post("/oauth2/v2.0/token", form)[1]["error_codes"], [70018])
        st, dc1 = post("/oauth2/devicecode", {"client_id": "device-app", "resource": "r"})
        self.assertEqual((dc1["expires_in"], dc1["interval"]), ("900", "1"))
        self.assertIn("verification_url", dc1)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(DeviceCodeTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
