#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The zero-heap build (make zero-heap) against the emulator over real TLS.

    test_zero_heap.py --zero-heap-cli build/zeroheap/edgetoken --certs build/test-certs

The binary is linked with --wrap=malloc,calloc,realloc,free onto wrappers
that abort (tests/firmware/heap_trap.c), and mbedTLS draws from a static arena.
A token that arrives proves that neither our objects nor mbedTLS called the
heap on that path. The arena's high-water mark is printed as a TAP comment
and kept in <cli dir>/arena-high-water.txt for make size.

--cli is accepted (tools/test.sh passes every integration test the regular
CLI) and not used. Prints TAP; exits non-zero on failure.
"""

import argparse
import os
import re
import subprocess
import sys
import unittest

from harness import HERE, TENANT, make_certs, run_tap, secret_of

ZH_CLI = None
EMU = None
APP = "edgetoken-test-app"
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"
MAKE_CLIENT_CERTS = os.path.join(os.path.dirname(HERE), "emulator", "make_client_certs.sh")
ARENA_RE = re.compile(r"mbedTLS arena: high-water (\d+) bytes in (\d+) blocks "
                      r"\(with block headers at most (\d+)\) of (\d+); "
                      r"(\d+) bytes in (\d+) blocks still in use")


def run(extra=(), ca=None, secret=None, app=APP):
    env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
    if secret is not False:
        env["EDGETOKEN_CLIENT_SECRET"] = secret or secret_of(app)
    args = [ZH_CLI, "token", "--tenant", TENANT, "--client-id", app,
            "--authority", EMU.authority, "--ca-file", ca or EMU.ca] + list(extra)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)


def arena(test, stderr):
    """(peak, blocks, bound) of the arena report; checks nothing leaked."""
    m = ARENA_RE.search(stderr)
    test.assertIsNotNone(m, "no arena report on stderr with --verbose")
    peak, blocks, bound, size, used, live = (int(x) for x in m.groups())
    test.assertLessEqual(bound, size)
    test.assertEqual((used, live), (0, 0), "mbedTLS memory leaked from the arena")
    return peak, blocks, bound


class ZeroHeapTest(unittest.TestCase):
    def test_binary_has_no_heap_reference(self):
        syms = subprocess.run(["nm", ZH_CLI], capture_output=True, text=True, check=True).stdout
        undefined = {l.split()[-1].split("@")[0] for l in syms.splitlines()
                     if l.split()[-2:-1] == ["U"]}
        for fn in ("malloc", "calloc", "realloc", "free"):
            self.assertNotIn(fn, undefined, "the link still binds %s to libc" % fn)
            self.assertIn("__wrap_" + fn, syms)

    def test_token_over_tls_with_static_arena(self):
        p = run(["--verbose"])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(len(p.stdout.strip().split(".")), 3, "a JWT has three parts")
        peak, blocks, bound = arena(self, p.stderr)
        self.assertGreater(peak, 10000, "a TLS handshake needs well over 10 KB")
        print("# one token (client credentials over TLS 1.2, one CA certificate): "
              "mbedTLS arena high-water %d bytes in %d blocks, at most %d with "
              "block headers" % (peak, blocks, bound))
        with open(os.path.join(os.path.dirname(ZH_CLI), "arena-high-water.txt"), "w") as f:
            f.write("%d %d %d\n" % (peak, blocks, bound))

    def test_certificate_assertions_heap_free(self):
        # Key parsing and signing (RSA-PSS, RSA PKCS#1 v1.5 with a SHA-1
        # x5t) also draw only from the arena. (Entra takes RSA certificates
        # only, so the CLI refuses ES256; the firmware image signs it.)
        certs = EMU.certs
        for cert, key, alg in (("client-rsa.pem", "client-rsa.key", "PS256"),
                               ("client-rsa.pem", "client-rsa.key", "RS256")):
            with self.subTest(alg=alg):
                p = run(["--verbose", "--certificate", os.path.join(certs, cert),
                         "--private-key", os.path.join(certs, key),
                         "--assertion-alg", alg], secret=False, app="cert-app")
                self.assertEqual(p.returncode, 0, p.stderr[-2000:])
                self.assertEqual(len(p.stdout.strip().split(".")), 3)
                self.assertIn("client_assertion=***", p.stderr)
                peak, blocks, bound = arena(self, p.stderr)
                print("# one token with a %s client assertion: mbedTLS arena "
                      "high-water %d bytes in %d blocks, at most %d with block "
                      "headers" % (alg, peak, blocks, bound))

    def test_oauth_error_path_also_heap_free(self):
        p = run(secret="wrong-secret")
        self.assertEqual(p.returncode, 3, p.stderr[-2000:])
        self.assertIn("AADSTS", p.stderr)

    @unittest.skipUnless(os.path.exists(SYSTEM_CA), "no system CA bundle")
    def test_system_bundle_fits_arena_and_rejects_test_ca(self):
        # The whole system bundle parses inside the arena; the emulator's
        # private CA is not in it, so verification fails cleanly (exit 5),
        # neither an abort from the trap nor an out-of-memory.
        p = run(["--verbose"], ca=SYSTEM_CA)
        self.assertEqual(p.returncode, 5, p.stderr[-2000:])
        arena(self, p.stderr)


def main():
    global ZH_CLI
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", help="ignored: the regular CLI")
    ap.add_argument("--zero-heap-cli", default=os.path.join(
        os.environ.get("BUILD", "build"), "zeroheap", "edgetoken"))
    ap.add_argument("--certs", required=True)
    a = ap.parse_args()
    ZH_CLI = os.path.abspath(a.zero_heap_cli)
    if not os.access(ZH_CLI, os.X_OK):
        print("not ok 1 - zero-heap CLI %s not built (make zero-heap)" % ZH_CLI)
        print("1..1")
        return 1
    certs = make_certs(os.path.abspath(a.certs))
    # Before the emulator starts: it registers the client certificates then.
    subprocess.run([MAKE_CLIENT_CERTS, certs], check=True)
    return run_tap(ZeroHeapTest, certs)


if __name__ == "__main__":
    sys.exit(main())
