#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Where the CLI finds its trust anchors, against the emulator over TLS:
--ca-file first, then SSL_CERT_FILE, then SSL_CERT_DIR (hashed or plain
file names), then the distributions' bundles; --verbose names the one used
and a verification failure names it too.

    test_trust.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import TENANT, cli_args, run_tap, secret_of

CLI = None
EMU = None
CERTS = None
APP = "edgetoken-test-app"


def run(env_extra, extra=()):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "SSL_CERT_FILE", "SSL_CERT_DIR")}
    env["EDGETOKEN_CLIENT_SECRET"] = secret_of(APP)
    env.update(env_extra)
    return subprocess.run([CLI, "token", "--tenant", TENANT, "--client-id", APP,
                           "--authority", EMU.authority, "--verbose"] + list(extra),
                          env=env, capture_output=True, text=True, timeout=60)


def run_with_etc_ssl(layout):
    """run({}) in a mount namespace where /etc/ssl holds only layout
    ({path under /etc/ssl: source file}) and /etc/pki is empty: how each
    distribution's bundle is found, and what happens with none."""
    tmp = tempfile.mkdtemp(prefix="et-etc-ssl-")
    try:
        for rel, src in layout.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            shutil.copy(src, os.path.join(tmp, rel))
        script = ('mount --bind "$0" /etc/ssl && '
                  '{ [ ! -d /etc/pki ] || mount -t tmpfs none /etc/pki; } && exec "$@"')
        env = {k: v for k, v in os.environ.items()
               if k not in ("EDGETOKEN_CLIENT_SECRET", "SSL_CERT_FILE", "SSL_CERT_DIR")}
        env["EDGETOKEN_CLIENT_SECRET"] = secret_of(APP)
        return subprocess.run(["unshare", "--mount", "sh", "-c", script, tmp, CLI, "token",
                               "--tenant", TENANT, "--client-id", APP, "--authority",
                               EMU.authority, "--verbose"],
                              env=env, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(tmp)


def can_unshare():
    return os.geteuid() == 0 and subprocess.run(
        ["unshare", "--mount", "true"], capture_output=True).returncode == 0


def openssl_hash(pem):
    return subprocess.run(["openssl", "x509", "-noout", "-hash", "-in", pem],
                          capture_output=True, text=True, check=True).stdout.strip()


class TrustTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-trust-")
        self.other = os.path.join(CERTS, "other-ca.pem")  # a CA that did not sign the server

    def tearDown(self):
        self.tmp.cleanup()

    def assertToken(self, p):
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3)

    def test_ssl_cert_file_without_ca_file(self):
        p = run({"SSL_CERT_FILE": EMU.ca})
        self.assertToken(p)
        self.assertIn("trusting the CA file %s (SSL_CERT_FILE)" % EMU.ca, p.stderr)

    def test_wrong_ssl_cert_file_is_a_verify_error_naming_it(self):
        p = run({"SSL_CERT_FILE": self.other})
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("certificate verification failed", p.stderr)
        self.assertIn("trusted: CA file %s (SSL_CERT_FILE)" % self.other, p.stderr)

    def test_ca_file_comes_first(self):
        p = run({"SSL_CERT_FILE": self.other, "SSL_CERT_DIR": self.tmp.name},
                ["--ca-file", EMU.ca])
        self.assertToken(p)
        self.assertIn("(--ca-file)", p.stderr)

    def test_ssl_cert_file_before_ssl_cert_dir(self):
        shutil.copy(self.other, os.path.join(self.tmp.name, "other.pem"))
        p = run({"SSL_CERT_FILE": EMU.ca, "SSL_CERT_DIR": self.tmp.name})
        self.assertToken(p)

    def test_ssl_cert_dir_plain_file_name(self):
        shutil.copy(self.other, os.path.join(self.tmp.name, "other.pem"))
        shutil.copy(EMU.ca, os.path.join(self.tmp.name, "test-ca.pem"))
        with open(os.path.join(self.tmp.name, "README"), "w") as f:
            f.write("not a certificate\n")  # skipped, as in /etc/ssl/certs
        p = run({"SSL_CERT_DIR": self.tmp.name})
        self.assertToken(p)
        self.assertIn("trusting the CA directory %s (SSL_CERT_DIR)" % self.tmp.name, p.stderr)

    def test_ssl_cert_dir_hashed_names(self):
        # c_rehash's layout: <hash>.0 symlinks to the certificates.
        store = os.path.join(self.tmp.name, "certs")
        os.makedirs(store)
        real = os.path.join(self.tmp.name, "test-ca.pem")
        shutil.copy(EMU.ca, real)
        os.symlink(real, os.path.join(store, openssl_hash(real) + ".0"))
        p = run({"SSL_CERT_DIR": store + ":/nonexistent"})
        self.assertToken(p)

    def test_ssl_cert_dir_without_the_ca_fails(self):
        shutil.copy(self.other, os.path.join(self.tmp.name, "other.pem"))
        p = run({"SSL_CERT_DIR": self.tmp.name})
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("trusted: CA directory %s (SSL_CERT_DIR)" % self.tmp.name, p.stderr)

    def test_bad_ssl_cert_file_named(self):
        for value, why in ((os.path.join(self.tmp.name, "missing.pem"), "No such file"),
                           (self.tmp.name, "is not a regular file")):
            with self.subTest(value=value):
                p = run({"SSL_CERT_FILE": value})
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("SSL_CERT_FILE %s" % value, p.stderr)
                self.assertIn(why, p.stderr)
                self.assertEqual(p.stdout, "")

    def test_system_bundle_when_nothing_is_given(self):
        # The emulator's test CA is in no system bundle: the first bundle
        # found is used, named, and refuses the server.
        p = run({})
        bundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                   "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
                   "/etc/ssl/ca-bundle.pem"]
        first = next((b for b in bundles if os.path.isfile(b)), None)
        self.assertIsNotNone(first, "this test needs a distribution CA bundle")
        self.assertIn("trusting the CA file %s (the system's)" % first, p.stderr)
        self.assertEqual(p.returncode, 5, p.stderr)

    # The distributions' layouts, in a mount namespace (needs root).
    @unittest.skipUnless(can_unshare(), "needs root and unshare --mount")
    def test_distribution_layouts(self):
        h = openssl_hash(EMU.ca)
        for layout, used in (({"cert.pem": EMU.ca}, "CA file /etc/ssl/cert.pem"),
                             ({"ca-bundle.pem": EMU.ca}, "CA file /etc/ssl/ca-bundle.pem"),
                             ({"cert.pem": EMU.ca, "ca-bundle.pem": self.other},
                              "CA file /etc/ssl/cert.pem"),
                             ({"certs/%s.0" % h: EMU.ca}, "CA directory /etc/ssl/certs")):
            with self.subTest(layout=sorted(layout)):
                p = run_with_etc_ssl(layout)
                self.assertToken(p)
                self.assertIn("trusting the %s (the system's)" % used, p.stderr)

    @unittest.skipUnless(can_unshare(), "needs root and unshare --mount")
    def test_no_ca_anywhere_is_a_clear_error(self):
        p = run_with_etc_ssl({})
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn("no CA certificates found: give --ca-file, or set SSL_CERT_FILE", p.stderr)
        self.assertEqual(p.stdout, "")


def main():
    global CLI, CERTS
    a = cli_args()
    CLI, CERTS = a.cli, a.certs
    return run_tap(TrustTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
