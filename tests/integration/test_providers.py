#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Providers other than Entra's URL layout: explicit endpoints, OpenID
Connect discovery (cached), client_secret_basic and private_key_jwt's
audience, IP-address issuers.

    test_providers.py --cli build/gcc/edgetoken --certs build/test-certs

Two servers: the Entra ID emulator (tokens for real, at URLs given
explicitly or found by discovery) and a small "generic provider" in this
file that serves discovery documents and a token endpoint checking how the
client authenticated. Prints TAP.
"""

import base64
import http.server
import json
import os
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

from harness import HERE, TENANT, assert_no_secret, cli_args, run_tap, secret_of

MAKE_CLIENT_CERTS = os.path.join(os.path.dirname(HERE), "emulator", "make_client_certs.sh")
CLI = None
CERTS = None
EMU = None
APP = "edgetoken-test-app"
CERT_APP = "cert-app"
SECRET = "s3cr+t/with=odd~chars"


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Provider:
    """A discovery document and a token endpoint on https://HOST:PORT."""

    def __init__(self, cert, key, host="localhost"):
        self.requests = []
        self.doc = None  # set by the test; None: 404
        self.host = host
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                outer.requests.append(("GET", self.path, dict(self.headers), None))
                if self.path == "/.well-known/openid-configuration" and outer.doc is not None:
                    self.send(200, outer.doc)
                else:
                    self.send(404, {"error": "not_found"})

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
                form = {k: v[0] for k, v in form.items()}
                outer.requests.append(("POST", self.path, dict(self.headers), form))
                self.send(200, {"token_type": "Bearer", "expires_in": 300,
                                "access_token": "generic.provider.token"})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.issuer = "https://%s:%d" % (host, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def ip_cert(certs):
    """A server certificate for IP:127.0.0.1, signed by the test CA."""
    d = tempfile.mkdtemp(prefix="et-ipcert-")
    key, csr, ext, pem = (os.path.join(d, n) for n in ("ip.key", "ip.csr", "ip.ext", "ip.pem"))
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", key], check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=127.0.0.1", "-out", csr],
                   check=True, capture_output=True)
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(certs, "ca.pem"),
                    "-CAkey", os.path.join(certs, "ca.key"), "-CAcreateserial", "-CAserial",
                    os.path.join(d, "ca.srl"), "-sha256", "-days", "2", "-extfile", ext,
                    "-out", pem], check=True, capture_output=True)
    return pem, key


def run(args, secret=None, env_extra=None, timeout=60):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    env.update(env_extra or {})
    return subprocess.run([CLI] + args, env=env, capture_output=True, text=True, timeout=timeout)


def emu_url(endpoint):
    return "%s/%s/oauth2/v2.0/%s" % (EMU.authority, TENANT, endpoint)


def doc_for(issuer, **over):
    d = {"issuer": issuer,
         "token_endpoint": emu_url("token"),
         "authorization_endpoint": emu_url("authorize"),
         "device_authorization_endpoint": emu_url("devicecode"),
         "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                   "client_secret_basic"],
         "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials",
                                   "urn:ietf:params:oauth:grant-type:device_code"],
         "code_challenge_methods_supported": ["S256"],
         "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256"]}
    d.update(over)
    return {k: v for k, v in d.items() if v is not None}


class ProvidersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.prov = Provider(os.path.join(CERTS, "server.pem"), os.path.join(CERTS, "server.key"))

    @classmethod
    def tearDownClass(cls):
        cls.prov.close()

    def setUp(self):
        self.store = tempfile.mkdtemp(prefix="et-prov-")
        self.prov.requests.clear()
        self.prov.doc = doc_for(self.prov.issuer)

    def base(self, cmd="token", app=APP, extra=()):
        return [cmd, "--client-id", app, "--ca-file", EMU.ca, "--store-dir", self.store] \
            if cmd != "token" else \
            [cmd, "--client-id", app, "--ca-file", EMU.ca] + list(extra)

    def token(self, extra, app=APP, secret=SECRET, env=None):
        return run(["token", "--client-id", app, "--ca-file", EMU.ca, "--scope", app + "/.default"]
                   + list(extra), secret=secret,
                   env_extra=dict({"EDGETOKEN_STORE_DIR": self.store}, **(env or {})))

    # ---- explicit endpoints ------------------------------------------

    def test_explicit_token_endpoint_without_tenant(self):
        before = len(EMU.requests())
        p = self.token(["--token-endpoint", emu_url("token")], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3)
        reqs = EMU.requests()[before:]
        self.assertEqual([r["path"] for r in reqs], ["/%s/oauth2/v2.0/token" % TENANT])

    def test_404_names_the_url(self):
        url = EMU.authority + "/no/such/token"
        p = self.token(["--token-endpoint", url], secret=secret_of(APP))
        # The emulator's 404 has an OAuth error body (exit 3); without one, 6.
        self.assertIn(p.returncode, (3, 6), p.stderr)
        self.assertIn("404", p.stderr)
        self.assertIn("URL: " + url, p.stderr)

    def test_entra_layout_errors_name_the_url_too(self):
        p = run(["token", "--tenant", "no-such-tenant", "--client-id", APP, "--authority",
                 EMU.authority, "--ca-file", EMU.ca], secret=secret_of(APP))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("URL: %s/no-such-tenant/oauth2/v2.0/token" % EMU.authority, p.stderr)

    def test_bad_endpoint_urls_refused(self):
        for url in ("http://localhost:1/token", "https://localhost:1/token?x=1", "ftp://x/"):
            p = self.token(["--token-endpoint", url], secret="x")
            self.assertEqual(p.returncode, 2, (url, p.stderr))

    def test_authorize_and_device_endpoints_need_a_provider(self):
        p = run(["authorize-url", "--tenant", TENANT, "--client-id", APP, "--ca-file", EMU.ca,
                 "--store-dir", self.store, "--authorize-endpoint", "https://localhost:1/a"])
        self.assertEqual(p.returncode, 2, p.stderr)

    # ---- discovery -----------------------------------------------------

    def test_discovery_token_and_cache(self):
        iss = self.prov.issuer
        p = self.token(["--issuer", iss], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        gets = [r for r in self.prov.requests if r[0] == "GET"]
        self.assertEqual(len(gets), 1)
        self.assertEqual(gets[0][1], "/.well-known/openid-configuration")
        cached = [n for n in os.listdir(self.store) if n.startswith("oidc-")]
        self.assertEqual(len(cached), 1)
        st = os.stat(os.path.join(self.store, cached[0]))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        p = self.token(["--issuer", iss, "--verbose"], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len([r for r in self.prov.requests if r[0] == "GET"]), 1,
                         "the second run uses the cached document: " + p.stderr)
        self.assertIn("discovery document of %s from" % iss, p.stderr)

    def test_issuer_with_trailing_slash_is_its_own_issuer(self):
        iss = self.prov.issuer + "/"
        self.prov.doc = doc_for(iss)
        p = self.token(["--issuer", iss], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.prov.requests[0][1], "/.well-known/openid-configuration")

    def test_issuer_mismatch_refused(self):
        self.prov.doc = doc_for("https://evil.example")
        p = self.token(["--issuer", self.prov.issuer], secret=secret_of(APP))
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("issuer", p.stderr)
        self.assertIn("/.well-known/openid-configuration", p.stderr)
        self.assertFalse([n for n in os.listdir(self.store) if n.startswith("oidc-")])

    def test_discovery_404_names_the_url(self):
        self.prov.doc = None
        p = self.token(["--issuer", self.prov.issuer], secret=secret_of(APP))
        self.assertEqual(p.returncode, 3, p.stderr)  # its 404 has an OAuth error body
        self.assertIn("not_found (HTTP 404)", p.stderr)
        self.assertIn("URL: %s/.well-known/openid-configuration" % self.prov.issuer, p.stderr)

    def test_unsupported_grant_refused_plainly(self):
        self.prov.doc = doc_for(self.prov.issuer, grant_types_supported=["authorization_code"])
        p = self.token(["--issuer", self.prov.issuer], secret=secret_of(APP))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("client_credentials", p.stderr)
        p = run(["device-login", "--client-id", APP, "--ca-file", EMU.ca, "--store-dir",
                 self.store, "--issuer", self.prov.issuer, "--no-qr"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("device code", p.stderr)

    def test_no_device_endpoint_refused(self):
        self.prov.doc = doc_for(self.prov.issuer, device_authorization_endpoint=None)
        p = run(["device-login", "--client-id", APP, "--ca-file", EMU.ca, "--store-dir",
                 self.store, "--issuer", self.prov.issuer, "--no-qr"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("device_authorization_endpoint", p.stderr)

    def test_no_pkce_s256_refused(self):
        self.prov.doc = doc_for(self.prov.issuer, code_challenge_methods_supported=["plain"])
        p = run(["authorize-url", "--client-id", APP, "--ca-file", EMU.ca, "--store-dir",
                 self.store, "--issuer", self.prov.issuer])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("S256", p.stderr)

    def test_authorize_url_from_discovery(self):
        auth = "https://localhost:%d/auth" % self.prov.port
        self.prov.doc = doc_for(self.prov.issuer, authorization_endpoint=auth)
        p = run(["authorize-url", "--client-id", APP, "--ca-file", EMU.ca, "--store-dir",
                 self.store, "--issuer", self.prov.issuer])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(auth + "?client_id=" + APP, p.stdout)
        self.assertIn("code_challenge_method=S256", p.stdout)
        self.assertIn("scope=openid%20profile%20offline_access", p.stdout)

    def test_device_login_at_discovered_endpoints(self):
        # The emulator approves a device code by itself (see test_device_code).
        before = len(EMU.requests())
        p = run(["device-login", "--client-id", APP, "--ca-file", EMU.ca, "--store-dir",
                 self.store, "--issuer", self.prov.issuer, "--no-qr", "--scope",
                 APP + "/.default offline_access"], timeout=120)
        paths = [r["path"] for r in EMU.requests()[before:]]
        self.assertIn("/%s/oauth2/v2.0/devicecode" % TENANT, paths, p.stderr)

    # ---- client authentication -------------------------------------------

    def generic(self, **over):
        self.prov.doc = doc_for(self.prov.issuer,
                                token_endpoint="https://localhost:%d/token" % self.prov.port,
                                **over)

    def posts(self):
        return [r for r in self.prov.requests if r[0] == "POST"]

    def test_client_secret_basic_default_when_only_basic(self):
        self.generic(token_endpoint_auth_methods_supported=["client_secret_basic"])
        p = self.token(["--issuer", self.prov.issuer, "--verbose"], app="my app:1")
        self.assertEqual(p.returncode, 0, p.stderr)
        _, path, headers, form = self.posts()[0]
        self.assertEqual(path, "/token")
        kind, _, value = headers["Authorization"].partition(" ")
        self.assertEqual(kind, "Basic")
        # RFC 6749 2.3.1: each part form-encoded, then base64.
        self.assertEqual(base64.b64decode(value).decode(),
                         "my%20app%3A1:" + urllib.parse.quote(SECRET, safe="-._~"))
        self.assertNotIn("client_secret", form)
        self.assertNotIn("client_id", form)
        self.assertEqual(form["grant_type"], "client_credentials")
        assert_no_secret(self, p.stdout + p.stderr, SECRET)
        self.assertNotIn(value, p.stderr)

    def test_client_auth_post_refused_when_not_listed(self):
        self.generic(token_endpoint_auth_methods_supported=["client_secret_basic"])
        p = self.token(["--issuer", self.prov.issuer, "--client-auth", "post"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("client_secret_post", p.stderr)
        self.assertFalse(self.posts())

    def test_default_is_post_when_listed(self):
        self.generic()
        p = self.token(["--issuer", self.prov.issuer])
        self.assertEqual(p.returncode, 0, p.stderr)
        _, _, headers, form = self.posts()[0]
        self.assertNotIn("Authorization", headers)
        self.assertEqual(form["client_secret"], SECRET)

    def test_client_auth_basic_explicit_endpoint(self):
        url = "https://localhost:%d/token" % self.prov.port
        p = self.token(["--token-endpoint", url, "--client-auth", "basic"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.posts()[0][2]["Authorization"].startswith("Basic "))

    def test_no_secret_method_refused(self):
        self.generic(token_endpoint_auth_methods_supported=["private_key_jwt"])
        p = self.token(["--issuer", self.prov.issuer])
        self.assertEqual(p.returncode, 2, p.stderr)

    def cert_args(self, alg_key="client-rsa"):
        return ["--certificate", os.path.join(CERTS, alg_key + ".pem"),
                "--private-key", os.path.join(CERTS, alg_key + ".key")]

    def assertion_claims(self):
        form = self.posts()[0][3]
        self.assertEqual(form["client_assertion_type"],
                         "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        head, claims, _ = form["client_assertion"].split(".")
        return json.loads(unb64url(head)), json.loads(unb64url(claims))

    def test_private_key_jwt_audience_token_endpoint(self):
        self.generic()
        p = self.token(["--issuer", self.prov.issuer] + self.cert_args(), app=CERT_APP,
                       secret=None)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, claims = self.assertion_claims()
        self.assertEqual(claims["aud"], "https://localhost:%d/token" % self.prov.port)
        self.assertEqual(head["alg"], "PS256")

    def test_private_key_jwt_audience_issuer(self):
        self.generic()
        p = self.token(["--issuer", self.prov.issuer, "--assertion-aud", "issuer",
                        "--client-auth", "jwt"] + self.cert_args(), app=CERT_APP, secret=None)
        self.assertEqual(p.returncode, 0, p.stderr)
        _, claims = self.assertion_claims()
        self.assertEqual(claims["aud"], self.prov.issuer)

    def test_rs256_when_only_rs256_listed(self):
        self.generic(token_endpoint_auth_signing_alg_values_supported=["RS256"])
        p = self.token(["--issuer", self.prov.issuer] + self.cert_args(), app=CERT_APP,
                       secret=None)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, _ = self.assertion_claims()
        self.assertEqual(head["alg"], "RS256")

    def test_es256_only_where_discovery_lists_it(self):
        self.generic()
        p = self.token(["--issuer", self.prov.issuer] + self.cert_args("client-ec"),
                       app=CERT_APP, secret=None)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("ES256", p.stderr)
        self.generic(token_endpoint_auth_signing_alg_values_supported=["ES256"])
        os.unlink(os.path.join(self.store, [n for n in os.listdir(self.store)
                                            if n.startswith("oidc-")][0]))
        p = self.token(["--issuer", self.prov.issuer] + self.cert_args("client-ec"),
                       app=CERT_APP, secret=None)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, _ = self.assertion_claims()
        self.assertEqual(head["alg"], "ES256")
        # Entra's layout (no --issuer) still refuses it.
        p = run(["token", "--tenant", TENANT, "--client-id", CERT_APP, "--authority",
                 EMU.authority, "--ca-file", EMU.ca] + self.cert_args("client-ec"))
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_private_key_jwt_at_emulator_via_discovery(self):
        # The emulator checks the signature and that aud is its token URL.
        p = self.token(["--issuer", self.prov.issuer] + self.cert_args(), app=CERT_APP,
                       secret=None)
        self.assertEqual(p.returncode, 0, p.stderr)

    # ---- IP-address issuers --------------------------------------------

    def test_ip_address_issuer(self):
        pem, key = ip_cert(CERTS)
        prov = Provider(pem, key, host="127.0.0.1")
        try:
            prov.doc = doc_for(prov.issuer)
            p = self.token(["--issuer", prov.issuer], secret=secret_of(APP))
            self.assertEqual(p.returncode, 0, p.stderr)
            old = os.path.join(os.path.dirname(CLI) + "-system-mbedtls", "edgetoken")
            if os.path.exists(old):  # the build on Debian 12's mbedTLS 2.28
                prov.requests.clear()
                q = subprocess.run([old, "token", "--client-id", APP, "--ca-file", EMU.ca,
                                    "--scope", "x", "--issuer", prov.issuer],
                                   capture_output=True, text=True,
                                   env=dict(os.environ, EDGETOKEN_CLIENT_SECRET="x"))
                self.assertEqual(q.returncode, 2, q.stderr)
                self.assertIn("DNS name", q.stderr)
                self.assertFalse(prov.requests, "refused before anything is sent")
        finally:
            prov.close()


def main():
    global CLI, CERTS
    a = cli_args()
    CLI, CERTS = a.cli, a.certs
    subprocess.run([MAKE_CLIENT_CERTS, CERTS], check=True)
    return run_tap(ProvidersTest, CERTS, a.k)


if __name__ == "__main__":
    sys.exit(main())
