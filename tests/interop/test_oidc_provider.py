#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""edgetoken against node oidc-provider (an OpenID Certified server) from the
npm registry, version pinned in tests/interop/package-lock.json.

    test_oidc_provider.py --cli build/gcc/edgetoken --certs build/test-certs \
        --build build

Installs the pinned packages into BUILD/interop (npm ci, once per lockfile),
starts the provider on loopback over TLS (node https, the test CA's
localhost certificate), and runs every flow through the CLI with --issuer
(discovery): client credentials with client_secret_post, client_secret_basic
and private_key_jwt (audience: token endpoint, then issuer), code + PKCE
with a loopback redirect, refresh with rotation, and the device code flow.
The user's part (login, consent, entering the user code) is played by a
small HTTP client that follows redirects and submits the provider's forms
(tests/interop/browser.py); test_browser.py does the same with Chromium.
Prints TAP.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)

from harness import TapResult, assert_no_secret, make_certs  # noqa: E402
from browser import FormBrowser, free_port  # noqa: E402

MAKE_CLIENT_CERTS = os.path.join(ROOT, "tests", "emulator", "make_client_certs.sh")
SECRETS = {"cc-post": "post-secret+/=~", "cc-basic": "basic secret:with+odd/chars",
           "web": "web-secret"}
A = None
PROV = None


def install(build):
    """npm ci of the pinned lockfile into BUILD/interop (skipped when that
    lockfile is installed already); returns the directory."""
    d = os.path.join(os.path.abspath(build), "interop")
    os.makedirs(d, exist_ok=True)
    lock = os.path.join(HERE, "package-lock.json")
    stamp = os.path.join(d, "node_modules", ".edgetoken-lock")
    for f in ("package.json", "package-lock.json", "provider.mjs"):
        shutil.copyfile(os.path.join(HERE, f), os.path.join(d, f))
    with open(lock, "rb") as f:
        want = f.read()
    if not (os.path.exists(stamp) and open(stamp, "rb").read() == want):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts",
                        "--loglevel=error"], cwd=d, check=True, timeout=600)
        with open(stamp, "wb") as f:
            f.write(want)
    return d


class Provider:
    def __init__(self, d, certs, host="localhost"):
        self.redirect_port = free_port()
        self.redirect_uri = "http://localhost:%d/" % self.redirect_port
        self.tmp = tempfile.mkdtemp(prefix="et-oidcp-")
        ready = os.path.join(self.tmp, "ready")
        self.log = open(os.path.join(self.tmp, "provider.log"), "w")
        self.proc = subprocess.Popen(
            ["node", "provider.mjs", "--cert", os.path.join(certs, "server.pem"),
             "--key", os.path.join(certs, "server.key"),
             "--client-cert", os.path.join(certs, "client-rsa.pem"),
             "--redirect-uri", self.redirect_uri, "--ready", ready, "--host", host],
            cwd=d, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(ready) or not open(ready).read():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oidc-provider did not start: " + self.logtext())
            time.sleep(0.05)
        self.issuer = open(ready).read().strip()
        self.ca = os.path.join(certs, "ca.pem")

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def run(args, secret=None, store=None, timeout=60):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    if store:
        env["EDGETOKEN_STORE_DIR"] = store
    return subprocess.run([A.cli] + args, env=env, capture_output=True, text=True,
                          timeout=timeout)


def start(args, secret=None, store=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    if store:
        env["EDGETOKEN_STORE_DIR"] = store
    return subprocess.Popen([A.cli] + args, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_until(stream, pattern, timeout=30):
    """Lines of stream until one matches pattern; returns (match, text)."""
    text = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        text += line
        m = re.search(pattern, line)
        if m:
            return m, text
    raise AssertionError("no %r in: %s" % (pattern, text))


def cert(name):
    return os.path.join(A.certs, name)


class OidcProviderTest(unittest.TestCase):
    def setUp(self):
        self.store = tempfile.mkdtemp(prefix="et-oidcp-store-")

    def base(self, cmd, client):
        return [cmd, "--issuer", PROV.issuer, "--client-id", client, "--ca-file", PROV.ca]

    def token(self, client, extra=(), secret=None):
        return run(self.base("token", client) + ["--scope", "api:read", "--json"] + list(extra),
                   secret=secret, store=self.store)

    def assertToken(self, p, scope=None):
        self.assertEqual(p.returncode, 0, p.stderr + PROV.logtext()[-2000:])
        out = json.loads(p.stdout)
        self.assertEqual(out["token_type"], "Bearer")
        self.assertGreater(len(out["access_token"]), 20)
        if scope:
            self.assertEqual(out["scope"], scope)
        return out

    # ---- client credentials -----------------------------------------------

    def test_cc_client_secret_post(self):
        p = self.token("cc-post", secret=SECRETS["cc-post"])
        self.assertToken(p, "api:read")
        assert_no_secret(self, p.stdout + p.stderr, SECRETS["cc-post"])

    def test_cc_client_secret_basic(self):
        p = self.token("cc-basic", ["--client-auth", "basic", "--verbose"],
                       secret=SECRETS["cc-basic"])
        self.assertToken(p, "api:read")
        assert_no_secret(self, p.stdout + p.stderr, SECRETS["cc-basic"])

    def test_cc_wrong_secret_names_the_url(self):
        p = self.token("cc-post", secret="wrong")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("invalid_client", p.stderr)
        self.assertIn("URL: %s/token" % PROV.issuer, p.stderr)

    def test_cc_private_key_jwt_audiences(self):
        for aud in ("token", "issuer"):
            p = self.token("cc-jwt", ["--certificate", cert("client-rsa.pem"), "--private-key",
                                      cert("client-rsa.key"), "--assertion-aud", aud])
            self.assertToken(p, "api:read")

    def test_cc_private_key_jwt_unregistered_key_refused(self):
        p = self.token("cc-jwt", ["--certificate", cert("client-unreg.pem"), "--private-key",
                                  cert("client-unreg.key")])
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("invalid_client", p.stderr)

    def test_discovery_cached(self):
        self.token("cc-post", secret=SECRETS["cc-post"])
        files = [f for f in os.listdir(self.store) if f.startswith("oidc-")]
        self.assertEqual(len(files), 1)
        self.assertEqual(os.stat(os.path.join(self.store, files[0])).st_mode & 0o777, 0o600)
        p = self.token("cc-post", ["--verbose"], secret=SECRETS["cc-post"])
        self.assertToken(p)
        self.assertIn("discovery document of %s from" % PROV.issuer, p.stderr)

    # ---- code + PKCE, refresh with rotation ----------------------------------

    def login(self):
        cli = start(self.base("login", "web") + ["--no-browser", "--redirect-uri",
                                                 PROV.redirect_uri, "--prompt", "consent",
                                                 "--wait", "60", "--json"],
                    secret=SECRETS["web"], store=self.store)
        try:
            m, _ = read_until(cli.stderr, r"^(https://\S+)")
            url = m.group(1)
            self.assertTrue(url.startswith(PROV.issuer + "/auth?client_id=web&"), url)
            self.assertIn("code_challenge_method=S256", url)
            final = FormBrowser(PROV.ca).sign_in(url)
            self.assertTrue(final.startswith(PROV.redirect_uri), final)
            out, err = cli.communicate(timeout=60)
        finally:
            if cli.poll() is None:
                cli.kill()
        self.assertEqual(cli.returncode, 0, err + PROV.logtext()[-2000:])
        return json.loads(out), err

    def stored_refresh_token(self):
        files = [f for f in os.listdir(self.store) if f.startswith("rt-")]
        self.assertEqual(len(files), 1, os.listdir(self.store))
        with open(os.path.join(self.store, files[0]), "rb") as f:
            return f.read()

    def test_code_pkce_then_rotating_refresh(self):
        out, err = self.login()
        self.assertIn("id_token", out)
        assert_no_secret(self, err, SECRETS["web"])
        # offline_access with prompt=consent: a refresh token, stored (not printed).
        self.assertIn("refresh token saved", err)
        rt0 = self.stored_refresh_token()
        p = run(self.base("refresh", "web") + ["--json"], secret=SECRETS["web"], store=self.store)
        self.assertToken(p)
        rt1 = self.stored_refresh_token()
        self.assertNotEqual(rt0, rt1, "the provider rotates refresh tokens")
        p = run(self.base("refresh", "web") + ["--json"], secret=SECRETS["web"], store=self.store)
        self.assertToken(p)
        # The first refresh token was spent: the provider refuses it now.
        body = urllib.parse.urlencode({"grant_type": "refresh_token",
                                       "refresh_token": rt0.decode().strip(),
                                       "client_id": "web",
                                       "client_secret": SECRETS["web"]}).encode()
        ans = FormBrowser(PROV.ca).post_json(PROV.issuer + "/token", body)
        self.assertEqual(ans.get("error"), "invalid_grant", ans)

    # ---- device code ------------------------------------------------------------

    def test_device_code(self):
        cli = start(self.base("device-login", "device") + ["--no-qr", "--scope",
                                                           "openid offline_access", "--json"],
                    store=self.store)
        try:
            m, text = read_until(cli.stderr, r"enter the code ([A-Z0-9-]+)|code[: ]+([A-Z]{4}-[A-Z]{4})")
            code = m.group(1) or m.group(2)
            final = FormBrowser(PROV.ca).device_sign_in(PROV.issuer + "/device", code)
            self.assertIn("Sign-in Success", final)
            out, err = cli.communicate(timeout=90)
        finally:
            if cli.poll() is None:
                cli.kill()
        self.assertEqual(cli.returncode, 0, text + err + PROV.logtext()[-2000:])
        self.assertIn("refresh token saved", err)
        p = run(self.base("refresh", "device") + ["--json", "--scope", "openid offline_access"],
                store=self.store)
        self.assertToken(p)


def main():
    global A, PROV
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("-k")
    A = ap.parse_args()
    A.cli = os.path.abspath(A.cli)
    A.certs = make_certs(os.path.abspath(A.certs))
    subprocess.run([MAKE_CLIENT_CERTS, A.certs], check=True)
    d = install(A.build)
    PROV = Provider(d, A.certs)
    try:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(OidcProviderTest)
        if A.k:
            suite = unittest.TestSuite(t for t in suite if A.k in t.id())
        with open(os.devnull, "w") as devnull:
            res = unittest.TextTestRunner(resultclass=TapResult, stream=devnull,
                                          verbosity=0).run(suite)
    finally:
        PROV.close()
    print("1..%d" % res.testsRun)
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
