#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The non-blocking examples against the local Entra ID emulator, over real
TLS: examples/modem (modem_token: the engines driven through a simulated
modem's AT HTTP service that only takes whole requests) and
examples/event_loop (event_loop: a client-credentials token and a device
code sign-in at once, in one thread on poll()).

    test_examples.py --cli build/gcc/edgetoken --certs build/test-certs

The programs are found beside the CLI (make all builds them: mk/examples.mk);
give the ASan build's CLI path to test the ASan builds. The device code apps
are approved by the emulator itself after a set number of pending polls
(device-app: two), at a 1 s interval. Prints TAP; exits non-zero on failure.
"""

import os
import re
import subprocess
import sys
import time
import unittest

from harness import TENANT, cli_args, run_tap, secret_of

BIN = None
EMU = None

CC_APP = "edgetoken-test-app"
DEVICE_APP = "device-app"       # two authorization_pending, then tokens
SLOW_APP = "slow-app"           # answers after 2000 ms
THROTTLE_APP = "throttle-app"   # first request 429 with Retry-After: 1
DEVICE_CODE_PREFIX = "DAQABIQEAAAB"  # every emulator device code starts so
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

TOKEN = re.compile(r"token (\d+) bytes, expires in (\d+) s, refresh token (\d+) bytes")
EVENT = re.compile(r"^\[\s*(\d+) ms\] (\w+): (.*)$")


def emulator_requests():
    """The emulator's request lines (its log may also hold connection
    events, with an "event" other than "request")."""
    return [r for r in EMU.requests() if "path" in r and r.get("event", "request") == "request"]


class ExamplesTest(unittest.TestCase):
    def setUp(self):
        self.before = len(emulator_requests())

    def new_requests(self):
        return emulator_requests()[self.before:]

    def program(self, name):
        path = os.path.join(BIN, name)
        self.assertTrue(os.access(path, os.X_OK), "%s is not built (make examples)" % path)
        return path

    def common(self, ca=None, authority=None):
        return ["--authority", authority or EMU.authority, "--tenant", TENANT,
                "--ca-file", ca or EMU.ca]

    def env(self, secret):
        env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
        env["EDGETOKEN_CLIENT_SECRET"] = secret
        return env

    def assertNoSecrets(self, p, secret):
        for stream in (p.stdout, p.stderr):
            self.assertNotIn(secret, stream)
            self.assertNotIn(secret.replace("+", "%2B").replace("/", "%2F"), stream)
            self.assertNotIn(DEVICE_CODE_PREFIX, stream, "device code leaked")
            self.assertNotIn("eyJ", stream, "a token (JWT) leaked")

    def assertToken(self, line, refresh):
        m = TOKEN.search(line)
        self.assertIsNotNone(m, line)
        self.assertGreater(int(m.group(1)), 100)
        self.assertGreater(int(m.group(2)), 0)
        if refresh:
            self.assertGreater(int(m.group(3)), 0)

    def assertDeviceSignIn(self, reqs):
        """A devicecode request, then polls: pending, pending, tokens."""
        dev = [r for r in reqs if r["form"].get("client_id") == DEVICE_APP]
        self.assertEqual([r["path"].rsplit("/", 1)[1] for r in dev],
                         ["devicecode", "token", "token", "token"])
        self.assertEqual([r["status"] for r in dev], [200, 400, 400, 200])
        self.assertTrue(all(r["form"].get("grant_type") == DEVICE_GRANT for r in dev[1:]))
        return dev

    # ---- the modem ----------------------------------------------------------

    def run_modem(self, client_id, secret, extra=(), ca=None, timeout=60):
        args = [self.program("modem_token")] + self.common(ca) + ["--client-id", client_id]
        t0 = time.monotonic()
        p = subprocess.run(args + list(extra), env=self.env(secret), capture_output=True,
                           text=True, timeout=timeout)
        p.elapsed = time.monotonic() - t0
        p.whole = re.findall(r"^modem: request \d+ to .*: whole request", p.stderr, re.M)
        p.not_whole = re.findall(r"^modem: request \d+ .*not whole.*$", p.stderr, re.M)
        self.assertNoSecrets(p, secret)
        return p

    def test_modem_token_and_device_sign_in(self):
        p = self.run_modem(CC_APP, secret_of(CC_APP), ["--device-client-id", DEVICE_APP])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertToken(next(l for l in lines if l.startswith("cc: token")), False)
        self.assertToken(next(l for l in lines if l.startswith("device: token")), True)
        self.assertTrue(any(l.startswith("device: To sign in") for l in lines), p.stdout)
        reqs = self.new_requests()
        self.assertEqual(len(reqs), 5, reqs)
        cc = reqs[0]
        self.assertEqual((cc["path"], cc["status"], cc["form"]["grant_type"]),
                         ("/%s/oauth2/v2.0/token" % TENANT, 200, "client_credentials"))
        self.assertDeviceSignIn(reqs)
        # Whole requests only: one per AT+HTTPSEND, each one the emulator saw.
        self.assertEqual(p.not_whole, [])
        self.assertEqual(len(p.whole), len(reqs), p.stderr)
        self.assertIn("modem: 5 exchange(s)", p.stdout)
        self.assertEqual(len(re.findall(r"^modem: response \d+: \d+ bytes, HTTP/1.1 ",
                                        p.stderr, re.M)), 5, p.stderr)
        # The polls waited out the interval (WAIT steps on the device).
        polls = [r["mono"] for r in reqs[2:]]
        self.assertTrue(all(b - a >= 0.95 for a, b in zip(polls, polls[1:])), polls)

    def test_modem_oauth_error_reported(self):
        p = self.run_modem(CC_APP, "not-the-secret")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("invalid_client", p.stderr)
        self.assertIn("AADSTS7000215", p.stderr)
        self.assertEqual((len(p.whole), p.not_whole), (1, []))
        self.assertEqual([r["status"] for r in self.new_requests()], [401])

    def test_modem_trust_anchors_live_in_the_modem(self):
        # The CA given to the modem does not sign the emulator's certificate:
        # the modem's TLS refuses, the device sees a typed error, no retry.
        p = self.run_modem(CC_APP, secret_of(CC_APP), ca=EMU.other_ca)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("modem: request 1 failed: server certificate rejected", p.stderr)
        self.assertIn("cc: failed: server certificate rejected", p.stderr)
        self.assertEqual(len(p.whole), 1)
        self.assertEqual(self.new_requests(), [])

    def test_modem_waits_out_throttling(self):
        p = self.run_modem(THROTTLE_APP, secret_of(THROTTLE_APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("cc: the server is busy; retrying", p.stdout)
        reqs = self.new_requests()
        self.assertEqual([r["status"] for r in reqs], [429, 200])
        self.assertGreaterEqual(reqs[1]["mono"] - reqs[0]["mono"], 0.95, "Retry-After: 1")
        self.assertEqual((len(p.whole), p.not_whole), (2, []))

    # ---- the event loop -------------------------------------------------------

    def run_loop(self, client_id, secret, device=True, ca=None, timeout=60):
        args = [self.program("event_loop")] + self.common(ca) + ["--client-id", client_id]
        if device:
            args += ["--device-client-id", DEVICE_APP]
        proc = subprocess.Popen(args, env=self.env(secret), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        # One thread all along: sample the process's threads while it runs.
        threads = 1
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                threads = max(threads, len(os.listdir("/proc/%d/task" % proc.pid)))
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
        p = subprocess.CompletedProcess(args, proc.returncode, out, err)
        p.threads = threads
        p.events = [(int(m.group(1)), m.group(2), m.group(3))
                    for m in map(EVENT.match, out.splitlines()) if m]
        self.assertNoSecrets(p, secret)
        return p

    def first(self, p, who, prefix):
        for t, w, msg in p.events:
            if w == who and msg.startswith(prefix):
                return t, msg
        self.fail("no '%s: %s...' event in:\n%s" % (who, prefix, p.stdout))

    def test_event_loop_two_flows_interleaved(self):
        # The token request is answered after 2 s; meanwhile the same thread
        # gets the device code and polls on its own connection.
        p = self.run_loop(SLOW_APP, secret_of(SLOW_APP))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.threads, 1)
        t_cc, cc_token = self.first(p, "cc", "token")
        t_dev, dev_token = self.first(p, "device", "token")
        t_poll, _ = self.first(p, "device", "request 2 ")
        t_prompt, _ = self.first(p, "device", "To sign in")
        self.assertToken(cc_token, False)
        self.assertToken(dev_token, True)
        self.assertLess(t_prompt, t_cc)
        self.assertLess(t_poll, t_cc, "a poll went out while the token request was pending")
        self.assertLess(t_cc, t_dev, "the cc token arrived while the device flow was polling")
        reqs = self.new_requests()
        cc = [r for r in reqs if r["form"].get("client_id") == SLOW_APP]
        self.assertEqual([(r["status"], r["form"]["grant_type"]) for r in cc],
                         [(200, "client_credentials")])
        dev = self.assertDeviceSignIn(reqs)
        # The emulator saw the first poll while it was still holding the
        # token request's answer (2 s after it arrived).
        self.assertLess(cc[0]["mono"], dev[1]["mono"])
        self.assertLess(dev[1]["mono"], cc[0]["mono"] + 2.0)
        # Each flow on its own connection; the device flow's request and
        # polls share one (keep-alive).
        self.assertIn("device: 4 request(s) on 1 connection(s)", p.stdout)
        self.assertIn("cc: 1 request(s) on 1 connection(s)", p.stdout)
        if all("conn" in r for r in reqs):  # an emulator that logs connections
            self.assertEqual(len({r["conn"] for r in dev}), 1)
            self.assertNotIn(cc[0]["conn"], {r["conn"] for r in dev})

    def test_event_loop_one_flow_fails_the_other_finishes(self):
        p = self.run_loop(CC_APP, "not-the-secret")
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        t_fail, msg = self.first(p, "cc", "failed")
        self.assertIn("invalid_client AADSTS7000215", msg)
        t_dev, dev_token = self.first(p, "device", "token")
        self.assertToken(dev_token, True)
        self.assertLess(t_fail, t_dev)
        self.assertDeviceSignIn(self.new_requests())

    def test_event_loop_untrusted_ca_fails_both_without_retry(self):
        p = self.run_loop(CC_APP, secret_of(CC_APP), ca=EMU.other_ca)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        for who in ("cc", "device"):
            _, msg = self.first(p, who, "failed")
            self.assertIn("server certificate rejected", msg)
            self.assertRegex(p.stdout, r"%s: 1 request\(s\) on [01] connection" % who)
        self.assertEqual(self.new_requests(), [])


def main():
    global BIN
    a = cli_args()
    BIN = os.path.dirname(a.cli)
    return run_tap(ExamplesTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
