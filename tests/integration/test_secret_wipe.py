#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The client secret leaves the CLI's memory once the flows that send it
are over (issue 14: cli_client.secret lived for the whole run). The CLI
runs under gdb against the emulator over TLS; at a point after the token
request and its retries (printing the token, or the cache being cleared
after `get` printed it) gdb dumps the process's memory (gcore), and the
dump is searched for every spelling of the secret (raw, form-encoded,
base64 as in client_secret_basic...).

    test_secret_wipe.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import TENANT, cli_args, run_tap, secret_of, secret_spellings

CLI = None
EMU = None
APP = "edgetoken-test-app"  # its secret has characters form encoding changes


class SecretWipeTest(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(shutil.which("gdb"), "gdb is missing (tools/setup.sh installs it)")
        self.tmp = tempfile.TemporaryDirectory(prefix="et-wipe-")

    def tearDown(self):
        self.tmp.cleanup()

    def core_after(self, breakpoint, args):
        """Run the CLI under gdb up to breakpoint, dump its memory, go on;
        returns the dump's bytes and gdb's output."""
        core = os.path.join(self.tmp.name, "core")
        env = dict(os.environ, EDGETOKEN_STORE_DIR=self.tmp.name,
                   EDGETOKEN_CLIENT_SECRET=secret_of(APP))
        p = subprocess.run(["gdb", "-nx", "-batch", "-ex", "break " + breakpoint,
                            "-ex", "run", "-ex", "gcore " + core, "-ex", "continue",
                            "--args", CLI] + args,
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertTrue(os.path.exists(core), p.stdout + p.stderr)
        with open(core, "rb") as f:
            data = f.read()
        os.unlink(core)  # it holds the token
        return data, p.stdout + p.stderr

    def assert_no_secret_in(self, data):
        self.assertGreater(len(data), 100000)  # a real process image
        for s in sorted(secret_spellings(secret_of(APP))):
            if len(s) >= 8:
                # assertFalse: assertNotIn would print the whole dump
                self.assertFalse(s.encode() in data, "the secret is still in memory as %r" % s)

    def common(self):
        return ["--authority", EMU.authority, "--tenant", TENANT, "--client-id", APP,
                "--ca-file", EMU.ca, "--scope", APP + "/.default"]

    def test_token_wipes_the_secret_before_printing(self):
        data, out = self.core_after("cli_print_token", ["token"] + self.common())
        self.assertIn("exited normally", out)
        self.assert_no_secret_in(data)

    def test_token_with_client_secret_basic(self):
        data, out = self.core_after("cli_print_token",
                                    ["token", "--client-auth", "basic"] + self.common())
        self.assertIn("exited normally", out)
        self.assert_no_secret_in(data)

    def test_get_wipes_the_secret_after_the_cache_fetch(self):
        data, out = self.core_after("et_cache_clear", ["get"] + self.common())
        self.assertIn("exited normally", out)
        self.assert_no_secret_in(data)

    def test_the_check_finds_a_secret_still_held(self):
        # The same dump, taken while the token request is being built (the
        # secret is needed then): the search must find it, or it proves
        # nothing.
        data, _ = self.core_after("et_form_append_secret", ["token"] + self.common())
        self.assertTrue(secret_of(APP).encode() in data, "the check cannot see the secret")


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(SecretWipeTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
