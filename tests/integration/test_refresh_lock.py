#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Concurrent `edgetoken refresh` of one stored sign-in, against the
emulator over real TLS. The emulator revokes a refresh token on first use
(strict rotation), so two processes sending the same one would leave the
slower with invalid_grant (exit 8); the store's lock file serialises them.

    test_refresh_lock.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure.
"""

import hashlib
import os
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from harness import TENANT, cli_args, run_tap

CLI = None
EMU = None
APP = "device-app"  # a public client: device-login signs in without a browser
N = 4

# Holds the store's lock (fcntl, like edgetoken) until stdin closes.
HOLDER = """
import fcntl, sys
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def rt_key():
    ident = "%s\n%s\n%s" % (EMU.authority, TENANT, APP)
    return "rt-" + hashlib.sha256(ident.encode()).hexdigest()[:32]


class RefreshLockTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-lock-")
        self.store = self.tmp.name
        self.rt_path = os.path.join(self.store, rt_key())
        self.lock_path = os.path.join(self.store, "." + rt_key() + ".lock")

    def tearDown(self):
        self.tmp.cleanup()

    def args(self, cmd, extra=()):
        return [CLI, cmd, "--tenant", TENANT, "--client-id", APP,
                "--authority", EMU.authority, "--ca-file", EMU.ca] + list(extra)

    def env(self):
        env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
        env["EDGETOKEN_STORE_DIR"] = self.store
        return env

    def run_cli(self, cmd, extra=()):
        return subprocess.run(self.args(cmd, extra), env=self.env(), capture_output=True,
                              text=True, timeout=60)

    def sign_in(self):
        p = self.run_cli("device-login", ["--no-qr"])
        self.assertEqual(p.returncode, 0, p.stderr)
        return self.stored()

    def stored(self):
        with open(self.rt_path) as f:
            return f.read()

    def refresh_grants(self, since):
        return [r for r in EMU.requests()[since:]
                if r["path"].endswith("/token") and
                r["form"].get("grant_type") == "refresh_token"]

    def hold_lock(self):
        h = subprocess.Popen([sys.executable, "-c", HOLDER, self.lock_path],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.assertEqual(h.stdout.readline().strip(), "locked")
        return h

    def test_concurrent_refreshes_all_succeed_one_after_another(self):
        first = self.sign_in()
        before = len(EMU.requests())
        procs = [subprocess.Popen(self.args("refresh"), env=self.env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(N)]
        outs = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
        for out, err, rc in outs:
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(out.strip().split(".")), 3, "a JWT on stdout")
        # Each sent the token the previous one saved: a token sent twice
        # would have been refused (revoked on first use).
        grants = self.refresh_grants(before)
        self.assertEqual([g["status"] for g in grants], [200] * N)
        last = self.stored()
        self.assertNotEqual(last, first)
        # The lock file holds nothing and only its owner may open it.
        self.assertEqual(os.path.getsize(self.lock_path), 0)
        self.assertEqual(stat.S_IMODE(os.stat(self.lock_path).st_mode), 0o600)
        p = self.run_cli("refresh")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotEqual(self.stored(), last, "rotated once more")

    def test_held_lock_times_out_then_waits_for_release(self):
        token = self.sign_in()
        inode = os.stat(self.rt_path).st_ino
        holder = self.hold_lock()
        try:
            before = len(EMU.requests())
            start = time.monotonic()
            p = self.run_cli("refresh", ["--timeout", "1"])
            elapsed = time.monotonic() - start
            self.assertEqual(p.returncode, 4, p.stderr)
            self.assertEqual(p.stdout, "")
            self.assertIn("timed out", p.stderr)
            self.assertIn(self.lock_path, p.stderr)
            self.assertIn("another edgetoken is refreshing", p.stderr)
            self.assertGreaterEqual(elapsed, 1.0)
            self.assertLess(elapsed, 4.0)
            self.assertEqual(self.refresh_grants(before), [], "nothing sent")
            self.assertEqual(self.stored(), token)
            self.assertEqual(os.stat(self.rt_path).st_ino, inode, "not rewritten")
            # Released while a refresh waits: that refresh goes on.
            waiting = subprocess.Popen(self.args("refresh", ["--timeout", "10"]),
                                       env=self.env(), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            time.sleep(0.5)
            self.assertIsNone(waiting.poll(), "waits for the lock")
            self.assertEqual(self.refresh_grants(before), [])
        finally:
            holder.communicate(timeout=10)
        out, err = waiting.communicate(timeout=30)
        self.assertEqual(waiting.returncode, 0, err)
        self.assertNotEqual(self.stored(), token)

    def test_device_login_under_a_held_lock_prints_but_does_not_save(self):
        token = self.sign_in()
        holder = self.hold_lock()
        try:
            p = self.run_cli("device-login", ["--no-qr", "--timeout", "1"])
        finally:
            holder.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3, "a JWT on stdout")
        self.assertIn("the refresh token was not saved", p.stderr)
        self.assertEqual(self.stored(), token)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(RefreshLockTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
