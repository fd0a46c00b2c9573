#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`edgetoken login` with a real browser: Debian's Chromium, headless,
driven by chromedriver (python3-selenium), against the Entra ID emulator
and against node oidc-provider.

    test_browser.py --cli build/gcc/edgetoken --certs build/test-certs --build build

The CLI prints the authorize URL (--no-browser) and listens on loopback;
Chromium opens the URL, signs in and consents where the provider asks
(oidc-provider's development interactions), follows the redirect to the
listener and must show its success page, whose screenshot is kept in
BUILD/test-artifacts/. Chromium runs with a fresh profile, no sandbox (CI
containers run as root), no background networking, and trusts exactly the
test servers' keys (--ignore-certificate-errors-spki-list). Prints TAP.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)

from harness import TENANT, Emulator, TapResult, make_certs  # noqa: E402
from browser import free_port  # noqa: E402
import test_oidc_provider as interop  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
A = None
EMU = None
PROV = None


def spki_hash(cert):
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def chromium(profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=900,700",
                "--user-data-dir=" + profile,
                "--ignore-certificate-errors-spki-list=" +
                spki_hash(os.path.join(A.certs, "server.pem"))):
        o.add_argument(arg)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    d.set_page_load_timeout(30)
    return d


def artifact(name):
    d = os.path.join(os.path.abspath(A.build), "test-artifacts")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


class BrowserTest(unittest.TestCase):
    def setUp(self):
        self.profile = tempfile.mkdtemp(prefix="et-chromium-")
        self.store = tempfile.mkdtemp(prefix="et-browser-store-")
        self.driver = chromium(self.profile)

    def tearDown(self):
        self.driver.quit()

    def login(self, args, secret, act, shot):
        env = {k: v for k, v in os.environ.items()
               if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
        if secret:
            env["EDGETOKEN_CLIENT_SECRET"] = secret
        env["EDGETOKEN_STORE_DIR"] = self.store
        cli = subprocess.Popen([A.cli, "login", "--no-browser", "--wait", "90"] + args, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            m, _ = interop.read_until(cli.stderr, r"^(https://\S+)")
            self.driver.get(m.group(1))
            act(self.driver)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "Signed in" not in self.driver.page_source:
                time.sleep(0.2)
            self.driver.save_screenshot(artifact(shot))
            self.assertIn("Signed in", self.driver.page_source, self.driver.current_url)
            self.assertTrue(re.match(r"http://localhost:\d+/\?", self.driver.current_url),
                            self.driver.current_url)
            out, err = cli.communicate(timeout=60)
        finally:
            if cli.poll() is None:
                cli.kill()
        self.assertEqual(cli.returncode, 0, err)
        return out, err

    def test_login_at_the_emulator(self):
        uri = "http://localhost:%d/" % free_port()
        out, _ = self.login(["--tenant", TENANT, "--client-id", "signin-public-app",
                             "--authority", EMU.authority, "--ca-file", EMU.ca,
                             "--redirect-uri", uri], None, lambda d: None,
                            "browser-login-emulator.png")
        self.assertEqual(len(out.strip().split(".")), 3, "a JWT access token")

    def test_login_at_oidc_provider(self):
        from selenium.webdriver.common.by import By

        def sign_in(d):
            d.find_element(By.NAME, "login").send_keys("edgetoken-user")
            d.find_element(By.NAME, "password").send_keys("any")
            d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and "/interaction/" not in d.current_url or \
                    not d.find_elements(By.CSS_SELECTOR, "button[type=submit]"):
                if d.current_url.startswith("http://localhost"):
                    return
                time.sleep(0.2)
            d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # consent
        out, err = self.login(["--issuer", PROV.issuer, "--client-id", "web", "--ca-file",
                               PROV.ca, "--redirect-uri", PROV.redirect_uri, "--prompt",
                               "consent", "--json"],
                              interop.SECRETS["web"], sign_in, "browser-login-oidc-provider.png")
        self.assertGreater(len(json.loads(out)["access_token"]), 20)
        self.assertIn("refresh token saved", err)


def main():
    global A, EMU, PROV
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("-k")
    A = ap.parse_args()
    A.cli = os.path.abspath(A.cli)
    A.certs = make_certs(os.path.abspath(A.certs))
    interop.A = A
    subprocess.run([interop.MAKE_CLIENT_CERTS, A.certs], check=True)
    d = interop.install(A.build)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(BrowserTest)
    if A.k:
        suite = unittest.TestSuite(t for t in suite if A.k in t.id())
    PROV = interop.Provider(d, A.certs)
    try:
        with Emulator(A.certs) as emu, open(os.devnull, "w") as devnull:
            EMU = emu
            res = unittest.TextTestRunner(resultclass=TapResult, stream=devnull,
                                          verbosity=0).run(suite)
    finally:
        PROV.close()
    print("1..%d" % res.testsRun)
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
