#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Certificate credentials (client assertions) end to end, over real TLS.

    test_certificate.py --cli build/gcc/edgetoken --certs build/test-certs

The CLI signs with the test client keys (make_client_certs.sh); the
emulator verifies every assertion. An independent check captures the
assertions the CLI sends (a small TLS server in this file) and verifies
header, claims and signature with the openssl CLI against the certificate.
Assertions made here with openssl check the emulator's refusals.
Prints TAP; exits non-zero on failure.
"""

import base64
import hashlib
import http.server
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from harness import HERE, TENANT, assert_client_kept_secrets, cli_args, run_tap

MAKE_CLIENT_CERTS = os.path.join(os.path.dirname(HERE), "emulator", "make_client_certs.sh")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
APP = "cert-app"
CLI = None
CERTS = None
EMU = None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cert_file(name):
    return os.path.join(CERTS, name)


def run(args, timeout=60):
    env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
    return subprocess.run([CLI] + args, env=env, capture_output=True, text=True,
                          timeout=timeout)


def token_args(cert, key, app=APP, authority=None, extra=()):
    return (["token", "--tenant", TENANT, "--client-id", app,
             "--authority", authority or EMU.authority, "--ca-file", EMU.ca,
             "--certificate", cert_file(cert), "--private-key", cert_file(key)]
            + list(extra))


def der_of(cert):
    return subprocess.run(["openssl", "x509", "-in", cert_file(cert), "-outform", "DER"],
                          check=True, capture_output=True).stdout


def openssl_verify(cert, alg, signing_input, sig):
    """True when openssl accepts sig over signing_input with cert's key."""
    with tempfile.TemporaryDirectory() as d:
        pub, data, sigf = (os.path.join(d, n) for n in ("pub.pem", "data", "sig"))
        with open(pub, "wb") as f:
            f.write(subprocess.run(["openssl", "x509", "-in", cert_file(cert), "-pubkey",
                                    "-noout"], check=True, capture_output=True).stdout)
        with open(data, "wb") as f:
            f.write(signing_input)
        if alg == "ES256":  # JWS r||s -> the DER openssl reads
            sig = der_ecdsa(sig)
        with open(sigf, "wb") as f:
            f.write(sig)
        cmd = ["openssl", "dgst", "-sha256", "-verify", pub, "-signature", sigf]
        if alg == "PS256":
            cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
        return subprocess.run(cmd + [data], capture_output=True).returncode == 0


def der_ecdsa(raw):
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    body = integer(raw[:32]) + integer(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def openssl_sign(key, alg, signing_input):
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        with open(data, "wb") as f:
            f.write(signing_input)
        cmd = ["openssl", "dgst", "-sha256", "-sign", cert_file(key)]
        if alg == "PS256":
            cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
        return subprocess.run(cmd + [data], check=True, capture_output=True).stdout


def make_assertion(cert="client-rsa.pem", key="client-rsa.key", aud=None, **over):
    """An RS256/PS256 assertion for APP made here; over replaces claims."""
    alg = over.pop("alg", "PS256")
    header = {"alg": alg, "typ": "JWT", "x5t#S256": b64url(hashlib.sha256(der_of(cert)).digest())}
    now = int(time.time())
    claims = {"aud": aud or EMU.authority + "/%s/oauth2/v2.0/token" % TENANT,
              "iss": APP, "sub": APP, "jti": str(uuid.uuid4()),
              "nbf": now, "iat": now, "exp": now + 600}
    claims.update(over)
    signing_input = ("%s.%s" % (b64url(json.dumps(header).encode()),
                                b64url(json.dumps(claims).encode()))).encode()
    return signing_input.decode() + "." + b64url(openssl_sign(key, alg, signing_input))


def post_token(assertion, client_id=APP):
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": client_id,
        "scope": client_id + "/.default", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion}).encode()
    ctx = ssl.create_default_context(cafile=EMU.ca)
    req = urllib.request.Request(EMU.authority + "/%s/oauth2/v2.0/token" % TENANT, data=body)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class Capture:
    """A TLS server (the emulator's certificate) that keeps each POSTed form
    and answers a token: to read what the CLI really sends."""

    def __init__(self):
        forms = self.forms = []

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                forms.append((self.path, dict(urllib.parse.parse_qsl(
                    self.rfile.read(n).decode()))))
                body = json.dumps({"token_type": "Bearer", "expires_in": 3599,
                                   "ext_expires_in": 3599,
                                   "access_token": "a.b.c"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file("server.pem"), cert_file("server.key"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.authority = "https://localhost:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class CertificateTest(unittest.TestCase):
    def requests_since(self, n):
        return EMU.requests()[n:]

    def assert_token(self, p):
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3)

    # --- the CLI against the emulator ------------------------------------

    def test_v2_ps256_default_sends_an_assertion_not_a_secret(self):
        before = len(EMU.requests())
        p = run(token_args("client-rsa.pem", "client-rsa.key"))
        self.assert_token(p)
        reqs = self.requests_since(before)
        self.assertEqual(len(reqs), 1)
        form = reqs[0]["form"]
        self.assertEqual(reqs[0]["path"], "/%s/oauth2/v2.0/token" % TENANT)
        self.assertEqual(form["client_assertion_type"], ASSERTION_TYPE)
        self.assertIn("client_assertion", form)
        self.assertNotIn("client_secret", form)
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)

    def test_es256_refused_before_any_request(self):
        # Entra takes RSA certificates only (AADSTS5002738 for ES256): an EC
        # key, or ES256 asked for, ends at start with exit 2 and the reason.
        before = len(EMU.requests())
        for args in (token_args("client-ec.pem", "client-ec.key", extra=["--endpoint", "v1"]),
                     token_args("client-ec.pem", "client-ec.key"),
                     token_args("client-ec.pem", "client-ec.key",
                                extra=["--assertion-alg", "ES256"]),
                     token_args("client-rsa.pem", "client-rsa.key",
                                extra=["--assertion-alg", "ES256"])):
            p = run(args)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("RSA keys only", p.stderr)
            self.assertIn("AADSTS5002738", p.stderr)
            self.assertEqual(p.stdout, "")
        self.assertEqual(self.requests_since(before), [])

    def test_v2_rs256_and_der_files(self):
        self.assert_token(run(token_args("client-rsa.pem", "client-rsa.key",
                                         extra=["--assertion-alg", "RS256"])))
        self.assert_token(run(token_args("client-rsa.der", "client-rsa.key.der")))

    def test_unregistered_certificate_is_refused(self):
        p = run(token_args("client-unreg.pem", "client-unreg.key"))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("AADSTS700027", p.stderr)

    def test_expired_assertion_is_refused(self):
        # The emulator's clock for this app runs an hour ahead of ours.
        p = run(token_args("client-rsa.pem", "client-rsa.key", app="cert-skew-app"))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("AADSTS700024", p.stderr)

    def test_key_problems_are_refused_before_any_request(self):
        before = len(EMU.requests())
        cases = [("client-rsa.pem", "client-unreg.key", "does not belong"),
                 ("client-weak.pem", "client-weak.key", "1024 bits"),
                 ("client-rsa.pem", "missing.key", "No such file")]
        for cert, key, why in cases:
            p = run(token_args(cert, key))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(why, p.stderr)
        p = run(token_args("client-ec.pem", "client-ec.key", extra=["--assertion-alg", "PS256"]))
        self.assertEqual(p.returncode, 2, p.stderr)
        p = run(["token", "--tenant", TENANT, "--client-id", APP, "--certificate",
                 cert_file("client-rsa.pem")])
        self.assertEqual(p.returncode, 2)
        self.assertIn("go together", p.stderr)
        p = run(["token", "--tenant", TENANT, "--client-id", APP, "--certificate",
                 cert_file("client-rsa.pem"), "--private-key", "-----BEGIN PRIVATE KEY-----"])
        self.assertEqual(p.returncode, 2)
        self.assertEqual(self.requests_since(before), [])

    def test_verbose_shows_no_assertion_and_no_key(self):
        p = run(token_args("client-rsa.pem", "client-rsa.key", extra=["--verbose"]))
        self.assert_token(p)
        self.assertIn("client_assertion=***", p.stderr)
        self.assertNotIn("eyJhbGciOi", p.stderr)  # base64url of '{"alg":'
        with open(cert_file("client-rsa.key")) as f:
            key_lines = [l for l in f.read().splitlines() if l and "-----" not in l]
        for line in key_lines:
            self.assertNotIn(line, p.stderr + p.stdout)

    # --- what the CLI sends, checked with openssl ------------------------

    def captured(self, cert, key, alg=None, endpoint="v2"):
        cap = Capture()
        try:
            extra = ["--endpoint", endpoint] + (["--assertion-alg", alg] if alg else [])
            p = run(token_args(cert, key, authority=cap.authority, extra=extra))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(len(cap.forms), 1)
            return cap.authority, cap.forms[0]
        finally:
            cap.close()

    def check_assertion(self, cert, key, alg, want_alg, endpoint="v2"):
        authority, (path, form) = self.captured(cert, key, alg, endpoint)
        self.assertEqual(form["client_assertion_type"], ASSERTION_TYPE)
        self.assertNotIn("client_secret", form)
        h64, c64, s64 = form["client_assertion"].split(".")
        header, claims = json.loads(unb64url(h64)), json.loads(unb64url(c64))
        der = der_of(cert)
        if want_alg == "RS256":
            self.assertEqual(header, {"alg": "RS256", "typ": "JWT",
                                      "x5t": b64url(hashlib.sha1(der).digest())})
        else:
            self.assertEqual(header, {"alg": want_alg, "typ": "JWT",
                                      "x5t#S256": b64url(hashlib.sha256(der).digest())})
        self.assertEqual(claims["aud"], authority + path)
        self.assertEqual(path, "/%s/oauth2/%stoken" % (TENANT, "v2.0/" if endpoint == "v2" else ""))
        self.assertEqual(claims["iss"], APP)
        self.assertEqual(claims["sub"], APP)
        self.assertRegex(claims["jti"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertLess(abs(claims["iat"] - time.time()), 60)
        self.assertEqual(claims["nbf"], claims["iat"])
        self.assertTrue(0 < claims["exp"] - claims["iat"] <= 600)
        sig = unb64url(s64)
        signing_input = ("%s.%s" % (h64, c64)).encode()
        self.assertTrue(openssl_verify(cert, want_alg, signing_input, sig),
                        "openssl rejects the %s signature" % want_alg)
        tampered = ("%s.%s" % (h64, b64url(json.dumps(dict(claims, exp=claims["exp"] + 1))
                                           .encode()))).encode()
        self.assertFalse(openssl_verify(cert, want_alg, tampered, sig))

    def test_openssl_verifies_ps256(self):
        self.check_assertion("client-rsa.pem", "client-rsa.key", None, "PS256")

    def test_openssl_verifies_rs256_v1(self):
        self.check_assertion("client-rsa.pem", "client-rsa.key", "RS256", "RS256", "v1")

    # --- the emulator's checks, with assertions made here ----------------

    def assert_refused(self, assertion, status, aadsts):
        got, body = post_token(assertion)
        self.assertEqual(got, status, body)
        self.assertEqual(body["error_codes"], [aadsts], body)

    def test_emulator_accepts_a_good_assertion_once(self):
        good = make_assertion()
        got, body = post_token(good)
        self.assertEqual(got, 200, body)
        self.assert_refused(good, 400, 50027)  # jti replay
        got, body = post_token(make_assertion(alg="RS256"))
        self.assertEqual(got, 200, body)

    def test_emulator_refuses_tampered_and_foreign_assertions(self):
        h64, c64, s64 = make_assertion().split(".")
        claims = json.loads(unb64url(c64))
        forged = b64url(json.dumps(dict(claims, sub="someone-else")).encode())
        self.assert_refused("%s.%s.%s" % (h64, forged, s64), 401, 700027)
        self.assert_refused(make_assertion("client-unreg.pem", "client-unreg.key"), 401, 700027)
        self.assert_refused(make_assertion(aud="https://login.microsoftonline.com/x/oauth2/token"),
                            401, 700027)
        self.assert_refused(make_assertion(iss="other", sub="other"), 400, 700021)
        self.assert_refused("not-a-jwt", 400, 50027)

    def test_emulator_checks_the_time_window(self):
        now = int(time.time())
        self.assert_refused(make_assertion(nbf=now - 1200, iat=now - 1200, exp=now - 600),
                            400, 700024)
        self.assert_refused(make_assertion(nbf=now + 3600, iat=now + 3600, exp=now + 4200),
                            400, 700024)

    # --- certificates in the user flows (code, refresh, device code) -----

    def user_cli(self, store, cmd, app, cert, key, extra=(), stdin=None):
        env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
        env["EDGETOKEN_STORE_DIR"] = store
        return subprocess.run(
            [CLI, cmd, "--tenant", TENANT, "--client-id", app, "--authority", EMU.authority,
             "--ca-file", EMU.ca, "--certificate", cert_file(cert),
             "--private-key", cert_file(key)] + list(extra),
            env=env, input=stdin, capture_output=True, text=True, timeout=60)

    def signed_in_redirect(self, store, app, cert, key):
        """authorize-url, then the emulator's redirect as a browser gets it."""
        p = self.user_cli(store, "authorize-url", app, cert, key,
                          ["--redirect-uri", "http://localhost:8080"])
        self.assertEqual(p.returncode, 0, p.stderr)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=EMU.ca)),
            NoRedirect)
        try:
            opener.open(p.stdout.strip(), timeout=10)
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 302)
            return e.headers["Location"]
        self.fail("the authorize URL did not redirect")

    def assert_assertion_sent(self, reqs, grant):
        forms = [r["form"] for r in reqs if r["form"].get("grant_type") == grant]
        self.assertTrue(forms, reqs)
        for form in forms:
            self.assertEqual(form["client_assertion_type"], ASSERTION_TYPE)
            self.assertIn("client_assertion", form)
            self.assertNotIn("client_secret", form)

    def test_redeem_and_refresh_with_a_certificate(self):
        with tempfile.TemporaryDirectory() as store:
            loc = self.signed_in_redirect(store, "cert-web-app", "client-rsa.pem",
                                          "client-rsa.key")
            before = len(EMU.requests())
            p = self.user_cli(store, "redeem", "cert-web-app", "client-rsa.pem",
                              "client-rsa.key", ["--redirect", "-"], stdin=loc + "\n")
            self.assert_token(p)
            self.assert_assertion_sent(self.requests_since(before), "authorization_code")
            rt = [n for n in os.listdir(store) if n.startswith("rt-")]
            self.assertEqual(len(rt), 1)
            with open(os.path.join(store, rt[0])) as f:
                first = f.read()
            # RS256 (x5t) refreshes as well.
            before = len(EMU.requests())
            p = self.user_cli(store, "refresh", "cert-web-app", "client-rsa.pem",
                              "client-rsa.key", ["--assertion-alg", "RS256"])
            self.assert_token(p)
            assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)
            self.assert_assertion_sent(self.requests_since(before), "refresh_token")
            with open(os.path.join(store, rt[0])) as f:
                self.assertNotEqual(f.read(), first)  # rotated and kept

    def test_user_flows_refuse_an_unregistered_certificate(self):
        with tempfile.TemporaryDirectory() as store:
            loc = self.signed_in_redirect(store, "cert-web-app", "client-rsa.pem",
                                          "client-rsa.key")
            p = self.user_cli(store, "redeem", "cert-web-app", "client-unreg.pem",
                              "client-unreg.key", ["--redirect", "-"], stdin=loc + "\n")
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("AADSTS700027", p.stderr)
            self.assertIn("upload this certificate's public key", p.stderr)
            # The refused redemption did not spend the code: the right
            # certificate still redeems it.
            p = self.user_cli(store, "redeem", "cert-web-app", "client-rsa.pem",
                              "client-rsa.key", ["--redirect", "-"], stdin=loc + "\n")
            self.assert_token(p)
            p = self.user_cli(store, "refresh", "cert-web-app", "client-unreg.pem",
                              "client-unreg.key")
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("AADSTS700027", p.stderr)

    def test_expired_assertion_hint_names_the_clock(self):
        p = run(token_args("client-rsa.pem", "client-rsa.key", app="cert-skew-app"))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("check the device clock", p.stderr)

    def test_device_login_with_a_certificate(self):
        with tempfile.TemporaryDirectory() as store:
            before = len(EMU.requests())
            p = self.user_cli(store, "device-login", "cert-device-app", "client-rsa.pem",
                              "client-rsa.key")
            self.assert_token(p)
            assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)
            self.assert_assertion_sent(self.requests_since(before),
                                       "urn:ietf:params:oauth:grant-type:device_code")
            self.assertEqual(len([n for n in os.listdir(store) if n.startswith("rt-")]), 1)


def main():
    global CLI, CERTS
    a = cli_args()
    CLI, CERTS = a.cli, a.certs
    # Before the emulator starts: it registers the client certificates then.
    subprocess.run([MAKE_CLIENT_CERTS, CERTS], check=True)
    return run_tap(CertificateTest, CERTS, a.k)


if __name__ == "__main__":
    sys.exit(main())
