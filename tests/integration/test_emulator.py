#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The emulator's own self-test: it refuses what Entra ID refuses.

A client can only be as correct as the server it is tested against: each
case here sends what a broken client would (a wrong PKCE verifier, another
redirect URI, a spent or foreign code, a widened refresh scope, an ES256 or
replayed client assertion, ...) straight to the emulator over TLS and checks
Entra's answer. It also checks that 429 carries Retry-After and that
chunked-app really answers in odd-sized chunks.

    test_emulator.py --cli build/gcc/edgetoken --certs build/test-certs

(--cli is not used: no client here but Python's.) Prints TAP.
"""

import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import unittest
import urllib.parse
import uuid

from harness import HERE, TENANT, cli_args, run_tap, secret_of

EMU = None
MAKE_CLIENT_CERTS = os.path.join(os.path.dirname(HERE), "emulator", "make_client_certs.sh")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
WEB = "signin-web-app"
PUBLIC = "signin-public-app"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # its S256 challenge


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tls():
    return ssl.create_default_context(cafile=EMU.ca)


def request(method, path, form=None, headers=None):
    """(status, headers, body bytes) of one request to the emulator."""
    c = http.client.HTTPSConnection("localhost", EMU.port, context=tls(), timeout=10)
    body = urllib.parse.urlencode(form) if form is not None else None
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, r.headers, r.read())
    c.close()
    return out


def token(form, tenant=TENANT, v2=True):
    """(status, JSON body or text) of a token request."""
    path = "/%s/oauth2/%stoken" % (tenant, "v2.0/" if v2 else "")
    status, _, body = request("POST", path, form)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode()


def authorize(app, uri, tenant=TENANT, scope="api://x/.default openid offline_access",
              **extra):
    """(status, Location or None, body) of the authorize endpoint."""
    q = {"client_id": app, "response_type": "code", "redirect_uri": uri,
         "scope": scope, "state": "st"}
    q.update({k: v for k, v in extra.items() if v is not None})
    status, headers, body = request(
        "GET", "/%s/oauth2/v2.0/authorize?%s" % (tenant, urllib.parse.urlencode(q)))
    return status, headers.get("Location"), body.decode()


def code_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]


def new_code(app=PUBLIC, uri="http://localhost:8080", tenant=TENANT, **pkce):
    status, loc, body = authorize(app, uri, tenant=tenant, **pkce)
    assert status == 302, (status, body)
    return code_of(loc)


def redeem(code, app=PUBLIC, uri="http://localhost:8080", tenant=TENANT, verifier=None,
           secret=None):
    form = {"grant_type": "authorization_code", "client_id": app, "code": code,
            "redirect_uri": uri}
    if verifier is not None:
        form["code_verifier"] = verifier
    if secret is not None:
        form["client_secret"] = secret
    return token(form, tenant)


def cert_file(name):
    return os.path.join(EMU.certs, name)


def assertion(key="client-rsa.key", cert="client-rsa.pem", alg="PS256", app="cert-app",
              aud=None, **claims):
    """A client assertion signed here with python3-cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    with open(cert_file(cert), "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(
            serialization.Encoding.DER)
    with open(cert_file(key), "rb") as f:
        k = serialization.load_pem_private_key(f.read(), password=None)
    header = {"alg": alg, "typ": "JWT"}
    if alg == "RS256":
        header["x5t"] = b64url(hashlib.sha1(der).digest())
    else:
        header["x5t#S256"] = b64url(hashlib.sha256(der).digest())
    now = int(time.time())
    body = {"aud": aud or "https://localhost:%d/%s/oauth2/v2.0/token" % (EMU.port, TENANT),
            "iss": app, "sub": app, "jti": str(uuid.uuid4()), "nbf": now, "iat": now,
            "exp": now + 600}
    body.update(claims)
    signing_input = ("%s.%s" % (b64url(json.dumps(header).encode()),
                                b64url(json.dumps(body).encode()))).encode()
    if alg == "ES256":
        r, s = decode_dss_signature(k.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "PS256":
        sig = k.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                salt_length=32), hashes.SHA256())
    else:
        sig = k.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64url(sig)


def with_assertion(jwt, app="cert-app"):
    return token({"grant_type": "client_credentials", "client_id": app,
                  "scope": app + "/.default", "client_assertion_type": ASSERTION_TYPE,
                  "client_assertion": jwt})


class EmulatorTest(unittest.TestCase):
    def assertRefused(self, answer, status, error, aadsts):
        got, body = answer
        self.assertEqual(got, status, body)
        self.assertEqual(body["error"], error, body)
        self.assertIn(aadsts, body["error_codes"], body)

    def assertToken(self, answer):
        got, body = answer
        self.assertEqual(got, 200, body)
        self.assertIn("access_token", body)
        return body

    # --- PKCE -------------------------------------------------------------

    def test_pkce_s256_verified(self):
        code = new_code(code_challenge=CHALLENGE, code_challenge_method="S256")
        self.assertRefused(redeem(code, verifier=VERIFIER[:-1] + "l"), 400, "invalid_grant",
                           501481)
        code = new_code(code_challenge=CHALLENGE, code_challenge_method="S256")
        self.assertToken(redeem(code, verifier=VERIFIER))

    def test_pkce_plain_verified_and_the_default_method(self):
        for method in ("plain", None):
            code = new_code(code_challenge=VERIFIER, code_challenge_method=method)
            self.assertRefused(redeem(code, verifier=CHALLENGE + "x"), 400, "invalid_grant",
                               501481)
            code = new_code(code_challenge=VERIFIER, code_challenge_method=method)
            self.assertToken(redeem(code, verifier=VERIFIER))

    def test_pkce_verifier_must_be_43_to_128_unreserved_characters(self):
        short = "a" * 42
        status, loc, _ = authorize(PUBLIC, "http://localhost:8080", code_challenge=short,
                                   code_challenge_method="plain")
        self.assertIn("error=invalid_request", loc or "")
        code = new_code(code_challenge=b64url(hashlib.sha256(short.encode()).digest()),
                        code_challenge_method="S256")
        self.assertRefused(redeem(code, verifier=short), 400, "invalid_grant", 501481)

    def test_pkce_verifier_without_challenge_and_challenge_without_verifier(self):
        code = new_code()
        self.assertRefused(redeem(code, verifier=VERIFIER), 400, "invalid_grant", 501481)
        code = new_code(code_challenge=CHALLENGE, code_challenge_method="S256")
        self.assertRefused(redeem(code), 400, "invalid_grant", 501481)
        self.assertToken(redeem(new_code()))  # neither: fine

    def test_pkce_unknown_method_refused_at_authorize(self):
        status, loc, _ = authorize(PUBLIC, "http://localhost:8080", code_challenge=CHALLENGE,
                                   code_challenge_method="S512")
        self.assertEqual(status, 302)
        self.assertIn("error=invalid_request", loc)
        self.assertNotIn("code=", loc)

    # --- redirect URIs ----------------------------------------------------

    def test_redirect_uri_must_equal_the_authorize_one(self):
        code = new_code(uri="http://localhost:8080")
        self.assertRefused(redeem(code, uri="http://localhost:8080/"), 400, "invalid_grant",
                           50011)
        code = new_code(uri="http://localhost:8080")
        self.assertRefused(redeem(code, uri="http://localhost:8081"), 400, "invalid_grant",
                           50011)
        self.assertToken(redeem(new_code(uri="http://localhost:8080"),
                                uri="http://localhost:8080"))

    def test_redirect_without_path_comes_back_with_a_slash(self):
        _, loc, _ = authorize(PUBLIC, "http://localhost:8080")
        self.assertTrue(loc.startswith("http://localhost:8080/?code="), loc)
        _, loc, _ = authorize(WEB, "http://localhost:8080/cb")
        self.assertTrue(loc.startswith("http://localhost:8080/cb?code="), loc)

    def test_unregistered_redirect_uri_gets_an_error_page(self):
        for uri in ("http://localhost:8080/other", "https://localhost:8080/",
                    "http://evil.example/", "http://localhost:8080/cb/"):
            status, loc, body = authorize(WEB, uri)
            self.assertEqual(status, 400, uri)
            self.assertIsNone(loc, uri)
            self.assertIn("AADSTS50011", body)

    # --- codes ------------------------------------------------------------

    def test_code_single_use(self):
        code = new_code()
        self.assertToken(redeem(code))
        self.assertRefused(redeem(code), 400, "invalid_grant", 54005)

    def test_code_burnt_by_a_failed_redemption(self):
        code = new_code(code_challenge=CHALLENGE, code_challenge_method="S256")
        self.assertRefused(redeem(code, verifier="x" * 43), 400, "invalid_grant", 501481)
        self.assertRefused(redeem(code, verifier=VERIFIER), 400, "invalid_grant", 54005)

    def test_code_short_lived(self):
        code = new_code(app="signin-short-code-app")  # lives 1 s
        time.sleep(1.2)
        self.assertRefused(redeem(code, app="signin-short-code-app"), 400, "invalid_grant",
                           70008)

    def test_code_bound_to_client_and_tenant(self):
        app = "signin-multi-app"
        code = new_code(app=app)
        self.assertRefused(redeem(code, app=app, tenant="fabrikam-tenant"), 400,
                           "invalid_grant", 9002313)
        code = new_code(app=app)
        got, body = redeem(code, app="signin-decline-app")
        self.assertEqual(body["error"], "invalid_grant", body)
        self.assertToken(redeem(new_code(app=app, tenant="fabrikam-tenant"), app=app,
                                tenant="fabrikam-tenant"))

    # --- refresh ----------------------------------------------------------

    def refresh(self, rt, scope=None, app=PUBLIC, tenant=TENANT):
        form = {"grant_type": "refresh_token", "client_id": app, "refresh_token": rt}
        if scope:
            form["scope"] = scope
        return token(form, tenant)

    def test_refresh_scope_may_narrow_never_widen(self):
        rt = self.assertToken(redeem(new_code()))["refresh_token"]
        got, body = self.refresh(rt, "api://x/.default openid offline_access "
                                     "https://graph.microsoft.com/Mail.Read")
        self.assertRefused((got, body), 400, "invalid_grant", 65001)
        self.assertEqual(body["suberror"], "consent_required")
        rt = self.assertToken(redeem(new_code()))["refresh_token"]
        self.assertToken(self.refresh(rt, "api://x/.default offline_access"))

    def test_refresh_rotates_and_is_bound_to_the_tenant(self):
        rt = self.assertToken(redeem(new_code()))["refresh_token"]
        new = self.assertToken(self.refresh(rt))["refresh_token"]
        self.assertRefused(self.refresh(rt), 400, "invalid_grant", 50173)
        self.assertToken(self.refresh(new))
        app = "signin-multi-app"
        rt = self.assertToken(redeem(new_code(app=app), app=app))["refresh_token"]
        self.assertRefused(self.refresh(rt, app=app, tenant="fabrikam-tenant"), 400,
                           "invalid_grant", 9002313)

    # --- client authentication --------------------------------------------

    def test_secrets(self):
        form = {"grant_type": "client_credentials", "client_id": "edgetoken-test-app",
                "scope": "edgetoken-test-app/.default"}
        self.assertRefused(token(dict(form, client_secret="wrong")), 401, "invalid_client",
                           7000215)
        self.assertRefused(token(form), 401, "invalid_client", 7000218)
        self.assertToken(token(dict(form, client_secret=secret_of("edgetoken-test-app"))))
        # A public client must send no secret.
        self.assertRefused(redeem(new_code(), secret="anything"), 401, "invalid_client",
                           700025)

    def test_es256_assertion_refused_as_entra_does(self):
        # client-ec.pem is registered on cert-app: the algorithm is refused.
        self.assertRefused(with_assertion(assertion("client-ec.key", "client-ec.pem", "ES256")),
                           401, "invalid_client", 5002738)
        for alg in ("HS256", "none", "ES384"):
            self.assertRefused(with_assertion(assertion_with_alg(alg)), 401, "invalid_client",
                               5002738)

    def test_rsa_assertions_accepted(self):
        self.assertToken(with_assertion(assertion()))
        self.assertToken(with_assertion(assertion(alg="RS256")))

    def test_assertion_claims_checked(self):
        now = int(time.time())
        self.assertRefused(with_assertion(assertion(aud="https://login.example/t/token")),
                           401, "invalid_client", 700027)
        self.assertRefused(with_assertion(assertion(exp=now - 10)), 400, "invalid_client",
                           700024)
        self.assertRefused(with_assertion(assertion(nbf=now + 1000, exp=now + 1600)), 400,
                           "invalid_client", 700024)
        self.assertRefused(with_assertion(assertion(iss="someone-else")), 400,
                           "invalid_client", 700021)
        self.assertRefused(with_assertion(assertion("client-unreg.key", "client-unreg.pem")),
                           401, "invalid_client", 700027)
        tampered = assertion()
        h, p, s = tampered.split(".")
        self.assertRefused(with_assertion("%s.%s.%s" % (h, p, s[::-1])), 401,
                           "invalid_client", 700027)

    def test_assertion_jti_replay_refused(self):
        jwt = assertion()
        self.assertToken(with_assertion(jwt))
        self.assertRefused(with_assertion(jwt), 400, "invalid_client", 50027)

    # --- throttling and chunked answers -----------------------------------

    def test_429_carries_retry_after(self):
        form = {"grant_type": "client_credentials", "client_id": "throttle-app",
                "client_secret": secret_of("throttle-app"), "scope": "throttle-app/.default"}
        status, headers, body = request("POST", "/%s/oauth2/v2.0/token" % TENANT, form)
        self.assertEqual(status, 429, body)
        self.assertRegex(headers.get("Retry-After", ""), r"^[1-9][0-9]*$")
        self.assertGreaterEqual(int(headers["Retry-After"]), 2)
        self.assertToken(token(form))

    def test_chunked_app_answers_in_odd_chunks(self):
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": "chunked-app",
            "client_secret": secret_of("chunked-app"), "scope": "chunked-app/.default"})
        req = ("POST /%s/oauth2/v2.0/token HTTP/1.1\r\nHost: localhost:%d\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
               "Connection: close\r\n\r\n%s" % (TENANT, EMU.port, len(form), form)).encode()
        with socket.create_connection(("localhost", EMU.port), timeout=10) as raw:
            with tls().wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(req)
                data = b""
                while True:
                    got = s.recv(65536)
                    if not got:
                        break
                    data += got
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        self.assertTrue(lines[0].startswith("HTTP/1.1 200"), lines[0])
        fields = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
        self.assertEqual(fields.get("transfer-encoding"), "chunked")
        self.assertNotIn("content-length", fields)
        sizes, exts, body = [], [], b""
        while True:
            line, _, rest = rest.partition(b"\r\n")
            size_text, _, ext = line.partition(b";")
            n = int(size_text, 16)
            exts.append(ext)
            if n == 0:
                self.assertEqual(rest, b"\r\n")  # empty trailer
                break
            body += rest[:n]
            self.assertEqual(rest[n:n + 2], b"\r\n")
            rest = rest[n + 2:]
            sizes.append(n)
        self.assertGreaterEqual(len(sizes), 4, sizes)
        self.assertIn(1, sizes)
        self.assertTrue(all(n % 2 == 1 for n in sizes[:-1]), sizes)
        self.assertTrue(any(exts), "no chunk extension")
        self.assertIn("access_token", json.loads(body))


def assertion_with_alg(alg):
    """An otherwise valid RSA assertion whose header names alg."""
    jwt = assertion()
    h, p, s = jwt.split(".")
    header = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
    header["alg"] = alg
    return "%s.%s.%s" % (b64url(json.dumps(header).encode()), p, s)


def main():
    a = cli_args()
    subprocess.run([MAKE_CLIENT_CERTS, a.certs], check=True)
    return run_tap(EmulatorTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
