#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A local stand-in for the Microsoft Entra ID token endpoints.

Standard library only. It answers like login.microsoftonline.com does (v1
string numbers, v2.0 JSON numbers, AADSTS error bodies) and has per-app test
knobs (chunked bodies, huge tokens, throttling, 5xx, slowness) so tests pick
behaviour by client id. See README.md for the apps and secrets.

Extending it: add a (method, path regex, handler name) row to Handler.ROUTES
and a method `route_<name>(self, match)`; use self.form(), self.app_for() and
self.send_json()/self.send_entra_error().
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import html
import io
import itertools
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Form fields whose values never reach the log.
SECRET_FIELDS = {
    "client_secret", "client_assertion", "refresh_token", "code",
    "code_verifier", "password", "device_code", "assertion",
}

DEFAULT_REGISTRY = {
    "tenants": {
        "contoso-tenant": {
            "id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "aliases": ["72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "contoso.onmicrosoft.com"],
        },
        # A second tenant: codes and refresh tokens are bound to the one
        # they were issued in (the emulator's self-test checks it).
        "fabrikam-tenant": {"id": "0b7e3c1a-5d2f-4e6a-9c8b-7a6f5e4d3c2b"},
    },
    "apps": {
        "edgetoken-test-app": {"tenant": "contoso-tenant",
                               "secret": "s3cr3t+/=~ value"},
        "chunked-app": {"tenant": "contoso-tenant",
                        "secret": "chunked-s3cret", "chunked": True},
        "big-token-app": {"tenant": "contoso-tenant",
                          "secret": "big-token-s3cret", "big_token": 70000},
        "throttle-app": {"tenant": "contoso-tenant",
                         "secret": "throttle-s3cret", "throttle_once": True,
                         "retry_after": 2},
        "flaky-app": {"tenant": "contoso-tenant",
                      "secret": "flaky-s3cret", "fail_5xx_once": 503},
        "slow-app": {"tenant": "contoso-tenant",
                     "secret": "slow-s3cret", "slow_ms": 2000},
        # Sign-in (authorization code + PKCE, refresh). Loopback redirect
        # URIs match any port, as in Entra.
        "signin-web-app": {"tenant": "contoso-tenant", "secret": "signin-web-s3cret",
                           "redirect_uris": ["http://localhost/", "http://localhost/cb"]},
        "signin-public-app": {"tenant": "contoso-tenant", "public_client": True,
                              "redirect_uris": ["http://localhost/"]},
        "signin-decline-app": {"tenant": "contoso-tenant", "public_client": True,
                               "redirect_uris": ["http://localhost/"], "decline": True},
        "signin-short-code-app": {"tenant": "contoso-tenant", "public_client": True,
                                  "redirect_uris": ["http://localhost/"], "code_ttl": 1},
        "signin-multi-app": {"tenants": ["contoso-tenant", "fabrikam-tenant"],
                             "public_client": True, "redirect_uris": ["http://localhost/"]},
        # Answers with hostile text: terminal escapes in the error and the
        # device code message, which a client must not pass to a terminal.
        "escape-app": {"tenant": "contoso-tenant", "secret": "escape-s3cret",
                       "public_client": True, "device_interval": 1,
                       "hostile_text": "\u001b]0;owned\u0007\u001b[2J\u001b[31m"},
        # A 200 whose body is not a token response: the access token in it
        # must not stay in the client's memory.
        "bad-body-app": {"tenant": "contoso-tenant", "secret": "bad-body-s3cret",
                         "bad_body": "eyJhbGciOiJub25lIn0.bad-body-token-must-not-stay-in-memory.x"},
        # A 200 cut short (Content-Length larger than what is sent).
        "truncated-app": {"tenant": "contoso-tenant", "secret": "truncated-s3cret",
                          "truncate_body": "eyJhbGciOiJub25lIn0.truncated-token-must-not-stay-in-memory.x"},
        # Sizes and store keys (tests/integration/test_store_key.py): its
        # knobs are set per test through POST /_emulator/app; refresh
        # tokens stay valid after use, as Entra's do.
        "limits-app": {"tenant": "contoso-tenant", "public_client": True,
                       "redirect_uris": ["http://localhost/"], "device_interval": 1,
                       "device_pending": 0, "entra_rotation": True},
        "signin-inactive-app": {"tenant": "contoso-tenant", "public_client": True,
                                "redirect_uris": ["http://localhost/"],
                                "refresh_inactive": True},
        # Device code flow (see README): public clients unless a secret is
        # registered; device_* knobs script the polling.
        "device-app": {"tenant": "contoso-tenant", "public_client": True,
                       "device_interval": 1, "device_pending": 2},
        "device-slow-app": {"tenant": "contoso-tenant", "public_client": True,
                            "device_interval": 1, "device_pending": 3,
                            "device_slow_down_at": [2]},
        "device-decline-app": {"tenant": "contoso-tenant", "public_client": True,
                               "device_interval": 1, "device_pending": 1,
                               "device_decline": True},
        "device-expire-app": {"tenant": "contoso-tenant", "public_client": True,
                              "device_interval": 1, "device_expires_in": 3,
                              "device_pending": 1000},
        "device-server-expiry-app": {"tenant": "contoso-tenant", "public_client": True,
                                     "device_interval": 1, "device_lifetime": 2,
                                     "device_pending": 1000},
        "device-forget-app": {"tenant": "contoso-tenant", "public_client": True,
                              "device_interval": 1, "device_forget": True},
        "device-flaky-app": {"tenant": "contoso-tenant", "public_client": True,
                             "device_interval": 1, "device_pending": 1,
                             "device_fail_5xx_at": [2, 3, 4]},
        "device-wait-app": {"tenant": "contoso-tenant", "public_client": True,
                            "device_interval": 1, "device_pending": 100000},
        "device-confidential-app": {"tenant": "contoso-tenant",
                                    "secret": "device-s3cret",
                                    "device_interval": 1, "device_pending": 1},
        # Certificate credentials: PEM files in --client-certs (default: the
        # directory of --cert), made by make_client_certs.sh.
        "cert-app": {"tenant": "contoso-tenant",
                     "certificates": ["client-rsa.pem", "client-ec.pem"]},
        "cert-skew-app": {"tenant": "contoso-tenant", "certificates": ["client-rsa.pem"],
                          "assertion_clock_skew": 3600},
        # A Web app and a device-flow app that prove themselves with
        # certificates: assertions on the code, refresh and device grants.
        "cert-web-app": {"tenant": "contoso-tenant",
                         "certificates": ["client-rsa.pem", "client-ec.pem"],
                         "redirect_uris": ["http://localhost/"]},
        # Entra takes RSA certificates only: an EC one is registered on
        # cert-app and cert-web-app so that an ES256 assertion meets the
        # algorithm refusal (AADSTS5002738), not "key not found".
        "cert-device-app": {"tenant": "contoso-tenant", "certificates": ["client-rsa.pem"],
                            "device_interval": 1, "device_pending": 1},
    },
}


def utc_stamp(now=None):
    """Entra's timestamp format: 2026-11-25 20:00:00Z."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M:%SZ")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def entra_error(status, error, aadsts_code, description, correlation_id=None):
    """(status, body dict) shaped exactly like an Entra token endpoint error."""
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    stamp = utc_stamp()
    return status, {
        "error": error,
        "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s"
                             "\r\nTimestamp: %s" % (aadsts_code, description,
                                                    trace_id, correlation_id, stamp),
        "error_codes": [aadsts_code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": "https://login.microsoftonline.com/error?code=%d" % aadsts_code,
    }


def fake_jwt(claims, size=None):
    """base64url(header).base64url(payload).signature, padded to size bytes."""
    header = {"typ": "JWT", "alg": "RS256", "x5t": "emulator-key",
              "kid": "emulator-key"}
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    sig = b64url(os.urandom(256))

    def build(pad):
        body = dict(claims)
        if pad:
            body["pad"] = "x" * pad
        payload = b64url(json.dumps(body, separators=(",", ":")).encode())
        return "%s.%s.%s" % (head, payload, sig)

    token = build(0)
    if size and size > len(token):
        # The padding claim grows by 4/3 after base64url; adjust until exact
        # or just over (base64 granularity).
        pad = max(1, (size - len(token)) * 3 // 4)
        token = build(pad)
        while len(token) < size:
            pad += 1
            token = build(pad)
    return token


class SigninStore:
    """Authorization codes and refresh tokens issued by the sign-in flows.

    Codes are single-use: the first redemption attempt burns a code, even
    one that then fails (wrong verifier, redirect URI). Refresh tokens
    rotate: each use issues a new one and revokes the one used (stricter
    than Entra, which lets an old one live until it expires; a client that
    keeps the old token is caught here)."""

    DEFAULT_USER = {"name": "Alice Example",
                    "preferred_username": "alice@contoso.onmicrosoft.com",
                    "oid": "3f0c6a4e-2c4b-4b8e-9a51-1f6f1f2b7a10"}

    def __init__(self):
        self._lock = threading.Lock()
        self._codes = {}
        self._refresh = {}

    def new_code(self, grant):
        # Entra's codes are long ("0.A" + about 1 KB): exercise buffers.
        code = "0.AX" + b64url(os.urandom(700))
        with self._lock:
            self._codes[code] = dict(grant, used=False)
        return code

    def _spend(self, table, key, client_id, flag):
        """Sets the flag of table[key], issued to client_id: (grant, None)
        the first time, (grant, flag) after, (None, "unknown") if never
        issued to it."""
        with self._lock:
            g = table.get(key)
            if g is None or g["client_id"] != client_id:
                return None, "unknown"
            if g[flag]:
                return g, flag
            g[flag] = True
            return g, None

    def claim_code(self, code, client_id):
        """(grant, None) once; else (None, "unknown"|"used"|"expired")."""
        g, why = self._spend(self._codes, code, client_id, "used")
        if why is None and time.time() > g["expires"]:
            why = "expired"
        return (None, why) if why else (g, None)

    def new_refresh(self, grant, size=None):
        token = "1.AX" + b64url(os.urandom(650))
        if size:  # a refresh token of exactly size bytes (limits of a client's store)
            token = (token + b64url(os.urandom(size)))[:size]
        with self._lock:
            self._refresh[token] = dict(grant, revoked=False, issued=time.time())
        return token

    def use_refresh(self, token, client_id, keep=False):
        """(grant, None) and revoke token (keep: Entra's way, the old token
        stays valid after use); else (grant or None, reason)."""
        if keep:
            with self._lock:
                g = self._refresh.get(token)
                if g is None or g["client_id"] != client_id:
                    return None, "unknown"
                return (g, "revoked") if g["revoked"] else (g, None)
        return self._spend(self._refresh, token, client_id, "revoked")


def redirect_uri_matches(registered, requested):
    """Entra's rule: exact scheme, host and path ("" = "/"); for http
    loopback hosts any port matches (native apps pick a free one)."""
    try:
        r = urllib.parse.urlsplit(registered)
        q = urllib.parse.urlsplit(requested)
        r_port, q_port = r.port, q.port
    except ValueError:
        return False
    if q.fragment or q.username or q.password:
        return False
    if r.scheme.lower() != q.scheme.lower() or \
            (r.hostname or "") != (q.hostname or "") or \
            (r.path or "/") != (q.path or "/") or r.query != q.query:
        return False
    if r.scheme.lower() == "http" and r.hostname in ("localhost", "127.0.0.1", "::1"):
        return True
    default = 443 if r.scheme.lower() == "https" else 80
    return (r_port or default) == (q_port or default)


def entra_return_uri(uri):
    """The address Entra redirects to: a redirect URI without a path comes
    back with a trailing slash ("http://localhost:8080" as
    "http://localhost:8080/") in response_mode query and fragment."""
    parts = urllib.parse.urlsplit(uri)
    if parts.path == "":
        return urllib.parse.urlunsplit(parts._replace(path="/"))
    return uri


# RFC 7636 4.1: 43 to 128 unreserved characters.
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def pkce_authorize_problem(challenge, method):
    """None if the authorize request's PKCE parameters are acceptable, else
    why not. Entra takes S256 and plain (the default when a challenge comes
    without a method)."""
    if challenge is None:
        return None if method is None else "code_challenge_method without code_challenge"
    if method not in (None, "plain", "S256"):
        return "code_challenge_method '%s' is not supported" % method
    if method == "S256":
        return None if re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge) else \
            "an S256 code_challenge is 43 base64url characters"
    return None if PKCE_VERIFIER.fullmatch(challenge) else \
        "a plain code_challenge is 43 to 128 unreserved characters"


def pkce_verifies(grant, verifier):
    """True when a token request's code_verifier (None: not sent) fits the
    code: none for a code issued without a challenge, else one that gives
    the challenge by the code's method (constant-time comparison)."""
    challenge = grant.get("challenge")
    if challenge is None:
        return verifier is None
    if verifier is None or not PKCE_VERIFIER.fullmatch(verifier):
        return False
    if grant.get("challenge_method") == "S256":
        verifier = b64url(hashlib.sha256(verifier.encode()).digest())
    return hmac.compare_digest(verifier.encode(), challenge.encode())


def scope_widening(granted, requested):
    """The scopes of requested (space-separated) that the grant never had:
    a refresh may narrow, never widen."""
    have = set(granted.split())
    return [s for s in requested.split() if s not in have]


# Entra accepts certificate credentials with RSA keys only.
ASSERTION_ALGS = ("PS256", "RS256")


def assertion_alg_refusal(alg):
    """None for an algorithm Entra takes in a client assertion, else its
    answer (status, error, AADSTS code, description)."""
    if alg in ASSERTION_ALGS:
        return None
    return (401, "invalid_client", 5002738,
            "Invalid JWT token. '%s' is not a supported signature algorithm. "
            "Supported signing algorithms are: '%s'" % (alg, ", ".join(ASSERTION_ALGS)))


class SecretLog:
    """Test-only (--secret-log): every secret value the emulator received or
    issued, one JSON line each, so that tests can look for each one in the
    client's own output. Never enable it outside tests."""

    RECEIVED = SECRET_FIELDS
    ISSUED = ("access_token", "refresh_token", "id_token", "device_code", "code")

    def __init__(self, path):
        self._path = path
        self._lock = threading.Lock()

    def _write(self, how, kind, value):
        if not self._path or not isinstance(value, str) or not value:
            return
        with self._lock:
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (json.dumps({"how": how, "kind": kind, "value": value})
                              + "\n").encode())
            finally:
                os.close(fd)

    def received(self, form):
        for k, v in (form or {}).items():
            if k in self.RECEIVED:
                self._write("received", k, v)

    def issued(self, obj):
        if isinstance(obj, dict):
            for k in self.ISSUED:
                self._write("issued", k, obj.get(k))


class Registry:
    """Tenants and apps, plus per-app counters for the "once" knobs."""

    def __init__(self, data):
        self.tenants = data.get("tenants", {})
        self.apps = data.get("apps", {})
        self._lock = threading.Lock()
        self._hits = {}
        self.signin = SigninStore()
        self.assertions = ClientAssertions()

    @classmethod
    def load(cls, path):
        if not path:
            return cls(DEFAULT_REGISTRY)
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def tenant(self, name):
        """(canonical name, tenant dict) or (None, None)."""
        for key, t in self.tenants.items():
            if name.lower() == key.lower() or name.lower() in \
                    [a.lower() for a in t.get("aliases", [])]:
                return key, t
        return None, None

    def app(self, tenant_key, client_id):
        a = self.apps.get(client_id)
        if a is None:
            return None
        tenants = a.get("tenants") or [a.get("tenant")]
        return a if tenant_key in tenants else None

    def hit(self, client_id, knob):
        """Count a request; True while the app's knob asks for a failure."""
        with self._lock:
            n = self._hits.get((client_id, knob), 0)
            self._hits[(client_id, knob)] = n + 1
        return n

    def reset(self):
        with self._lock:
            self._hits.clear()


class RequestLog:
    """JSON lines, one per request, secrets replaced by "***"."""

    def __init__(self, path):
        self._f = open(path, "a", encoding="utf-8") if path else None
        self._lock = threading.Lock()

    def write(self, record):
        if not self._f:
            return
        with self._lock:
            self._f.write(json.dumps(record, sort_keys=True) + "\n")
            self._f.flush()

    def close(self):
        if self._f:
            self._f.close()


class ClientAssertions:
    """Registered client certificates by thumbprint, and client_assertion
    (RFC 7523) checks as Entra makes them. Needs python3-cryptography,
    imported on first use so the other endpoints stay standard-library."""

    MAX_SKEW = 300  # seconds of nbf in the future Entra tolerates

    def __init__(self):
        self._lock = threading.Lock()
        self._certs = {}     # client_id -> [{"s256", "sha1", "key"}]
        self._jtis = set()

    def load(self, apps, cert_dir):
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding
        for client_id, app in apps.items():
            for name in app.get("certificates", []):
                path = os.path.join(cert_dir, name)
                try:
                    with open(path, "rb") as f:
                        cert = x509.load_pem_x509_certificate(f.read())
                except (OSError, ValueError) as e:
                    sys.stderr.write("entra-emulator: %s: certificate %s: %s\n"
                                     % (client_id, path, e))
                    continue
                der = cert.public_bytes(Encoding.DER)
                self._certs.setdefault(client_id, []).append({
                    "s256": b64url(hashlib.sha256(der).digest()),
                    "sha1": b64url(hashlib.sha1(der).digest()),
                    "key": cert.public_key()})

    @staticmethod
    def _part(text):
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    def check(self, assertion, client_id, aud, skew=0):
        """None if valid, else (status, error, AADSTS code, description)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
        from cryptography.hazmat.primitives.asymmetric.utils import \
            encode_dss_signature
        bad = (400, "invalid_request", 50027, "JWT token is invalid or malformed.")
        try:
            h64, p64, s64 = assertion.split(".")
            header, claims = self._part(h64), self._part(p64)
            sig = base64.urlsafe_b64decode(s64 + "=" * (-len(s64) % 4))
        except (ValueError, TypeError):
            return bad
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return bad
        alg = header.get("alg")
        if assertion_alg_refusal(alg):
            return assertion_alg_refusal(alg)
        thumb = header.get("x5t#S256") or header.get("x5t")
        kind = "s256" if "x5t#S256" in header else "sha1"
        cert = next((c for c in self._certs.get(client_id, []) if c[kind] == thumb), None)
        if cert is None:
            return (401, "invalid_client", 700027,
                    "Client assertion contains an invalid signature. [Reason - The key "
                    "was not found., Thumbprint of key used by client: '%s']" % thumb)
        data, key = ("%s.%s" % (h64, p64)).encode(), cert["key"]
        try:
            if alg == "PS256" and isinstance(key, rsa.RSAPublicKey):
                key.verify(sig, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                  salt_length=32), hashes.SHA256())
            elif alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
                key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            elif alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey) \
                    and len(sig) == 64:
                der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                           int.from_bytes(sig[32:], "big"))
                key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            else:
                raise InvalidSignature()
        except InvalidSignature:
            return (401, "invalid_client", 700027,
                    "Client assertion contains an invalid signature. [Reason - The "
                    "provided signature value did not match the expected signature "
                    "value., Thumbprint of key used by client: '%s']" % thumb)
        if claims.get("aud") != aud:
            return (401, "invalid_client", 700027,
                    "Client assertion audience claim does not match Realm issuer. "
                    "Review the documentation at "
                    "https://learn.microsoft.com/entra/identity-platform/"
                    "certificate-credentials . Expected '%s', got '%s'."
                    % (aud, claims.get("aud")))
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            return (400, "invalid_client", 700021,
                    "Client assertion application identifier doesn't match "
                    "'client_id' parameter.")
        now = time.time() + skew
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, int) or not isinstance(nbf, int) or \
                exp <= now or nbf > now + self.MAX_SKEW:
            return (400, "invalid_client", 700024,
                    "Client assertion is not within its valid time range. Current "
                    "time: %s, assertion valid from %s, expiry time of assertion %s."
                    % (utc_stamp(datetime.datetime.fromtimestamp(
                        now, datetime.timezone.utc)), nbf, exp))
        jti = claims.get("jti")
        with self._lock:
            if not jti or jti in self._jtis:
                return (400, "invalid_client", 50027,
                        "JWT token is invalid or malformed: the client assertion's "
                        "jti was already used.")
            self._jtis.add(jti)
        return None


def redact(form):
    return {k: ("***" if k in SECRET_FIELDS else v) for k, v in form.items()}


# --- connections: keep-alive, TLS resumption, bytes on the wire ----------
#
# Every accepted connection is a WireConnection. TLS runs through memory BIOs
# (ssl.SSLObject), so each byte that crosses the TCP socket is counted, and a
# response leaves in one send (headers and body together, TCP_NODELAY).
# WireHandlerMixin gives Handler HTTP/1.1 persistent connections with an idle
# limit, and adds connection lines to the request log (see README.md):
#   {"event": "conn_open", "conn": 7, "tls": "TLSv1.3", "resumed": false, ...}
#   {"event": "request", "conn": 7, "req_no": 2, "method": "POST", ...}
#   {"event": "conn_close", "conn": 7, "closed_by": "client", "reason": "eof",
#    "requests": 2, "bytes_in": 1234, "bytes_out": 5678, ...}

TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def wire_tls_context(cert, key, tls_min=None, tls_max=None, tickets=True):
    """tls_context() with version bounds ("1.2"/"1.3") and a ticket policy.
    Tickets (TLS 1.2 RFC 5077, TLS 1.3 NewSessionTicket) are on unless
    tickets is False: then none are issued at all."""
    ctx = tls_context(cert, key)
    if tls_min:
        ctx.minimum_version = TLS_VERSIONS[tls_min]
    if tls_max:
        ctx.maximum_version = TLS_VERSIONS[tls_max]
    if tickets:
        ctx.options &= ~ssl.OP_NO_TICKET
    else:
        ctx.options |= ssl.OP_NO_TICKET  # TLS 1.2; TLS 1.3 would go stateful...
        ctx.num_tickets = 0              # ...so issue no TLS 1.3 ticket either
    return ctx


class WirePolicy:
    """How a server treats connections (main()'s connection options).

    resumption: "on" (one context: its ticket keys and session cache serve
    every connection), "refuse" (tickets are issued, but each connection
    gets a fresh context that knows none: every handshake is full), or
    "no-tickets" (fresh context per connection that issues no tickets)."""

    def __init__(self, cert=None, key=None, tls_min=None, tls_max=None,
                 resumption="on", idle_timeout=60.0, max_requests=1000,
                 keep_alive=True):
        self.idle_timeout = idle_timeout
        self.max_requests = max_requests  # 0: no limit
        self.keep_alive = keep_alive
        self.resumption = resumption
        self._make = None
        self.tls_context = None
        if cert:
            def make():
                return wire_tls_context(cert, key, tls_min, tls_max,
                                        tickets=resumption != "no-tickets")
            self._make = make
            self.tls_context = make()

    def context(self):
        """The SSLContext for a new connection (None: plain HTTP)."""
        if self.tls_context is None or self.resumption == "on":
            return self.tls_context
        return self._make()


def add_wire_arguments(p):
    g = p.add_argument_group("connections (keep-alive, TLS)")
    g.add_argument("--idle-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="close a connection idle this long between requests "
                        "(default 60; e.g. 0.3 to test a client's stale-connection "
                        "retry)")
    g.add_argument("--max-requests", type=int, default=1000, metavar="N",
                   help="answer the Nth request of a connection with Connection: "
                        "close (default 1000, 0 = no limit)")
    g.add_argument("--no-keep-alive", action="store_true",
                   help="answer every request with Connection: close")
    g.add_argument("--tls-min", choices=sorted(TLS_VERSIONS))
    g.add_argument("--tls-max", choices=sorted(TLS_VERSIONS))
    g.add_argument("--no-tickets", action="store_true",
                   help="issue no session tickets and keep no session cache: "
                        "no handshake resumes")
    g.add_argument("--refuse-resumption", action="store_true",
                   help="issue session tickets but accept none: every handshake "
                        "is a full one")


def wire_policy(args, cert=None, key=None):
    if args.idle_timeout <= 0:
        raise SystemExit("entra-emulator: --idle-timeout must be above 0")
    resumption = "no-tickets" if args.no_tickets else \
        "refuse" if args.refuse_resumption else "on"
    return WirePolicy(cert, key, args.tls_min, args.tls_max, resumption,
                      args.idle_timeout, args.max_requests, not args.no_keep_alive)


class WireConnection:
    """One accepted TCP connection, plain or TLS, counting the bytes that
    cross the socket (TLS records and all: "wire bytes")."""

    _ids = itertools.count(1)
    RECV_SIZE = 65536

    def __init__(self, sock, ctx):
        self.id = next(WireConnection._ids)
        self.sock = sock
        self.bytes_in = self.bytes_out = 0
        self.handshake_in = self.handshake_out = 0
        self.sends = self.handshake_sends = 0  # socket sends (one per response)
        self.requests = 0
        self.per_request = []   # [bytes in, bytes out] of each request
        self.eof = False        # the peer closed its side
        self.timed_out = False  # the last socket read timed out
        self.tls = None
        if ctx is not None:
            self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
            self.tls = ctx.wrap_bio(self._in, self._out, server_side=True)
        self._mark = (0, 0)
        self.last_activity = time.monotonic()

    def settimeout(self, seconds):
        self.sock.settimeout(seconds)

    def _recv(self, n):
        try:
            data = self.sock.recv(n)
        except TimeoutError:
            self.timed_out = True
            raise
        self.bytes_in += len(data)
        if not data:
            self.eof = True
        return data

    def _fill(self):
        data = self._recv(self.RECV_SIZE)
        if data:
            self._in.write(data)
        else:
            self._in.write_eof()

    def _flush(self):
        data = self._out.read()
        if data:
            self.sock.sendall(data)
            self.bytes_out += len(data)
            self.sends += 1

    def handshake(self):
        """Runs the TLS handshake. On failure the server's alert, if any, is
        left for flush_alert() (so the log is written before the client
        learns)."""
        if self.tls is not None:
            while True:
                try:
                    self.tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    self._flush()
                    if self.eof:
                        raise ConnectionAbortedError("peer closed in the handshake")
                    self._fill()
            self._flush()  # the last flight (and TLS 1.3 tickets)
        # A request sent right behind the client's Finished may have come
        # with it: it is the request's, not the handshake's.
        self.handshake_in, self.handshake_out = self._consumed_in(), self.bytes_out
        self.handshake_sends = self.sends
        self._mark = (self.handshake_in, self.bytes_out)
        self.last_activity = time.monotonic()

    def _consumed_in(self):
        """Bytes in that TLS has taken (read, less what waits in the BIO)."""
        return self.bytes_in - (self._in.pending if self.tls is not None else 0)

    def flush_alert(self):
        try:
            self._flush()
        except OSError:
            pass

    def tls_fields(self):
        if self.tls is None:
            return {"tls": None, "resumed": False, "cipher": None}
        cipher = self.tls.cipher()
        return {"tls": self.tls.version(), "resumed": bool(self.tls.session_reused),
                "cipher": cipher[0] if cipher else None}

    def recv_into(self, buf):
        """Plaintext into buf; 0 at the end of the stream."""
        if self.tls is None:
            data = self._recv(len(buf))
            buf[:len(data)] = data
            return len(data)
        while True:
            try:
                n = self.tls.read(len(buf), buf)
                if self._out.pending:
                    self._flush()
                return n
            except ssl.SSLWantReadError:
                if self.eof:
                    return 0
                self._flush()
                self._fill()
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                self.eof = True  # close_notify or a bare TCP close
                return 0

    def sendall(self, data):
        if self.tls is None:
            self.sock.sendall(data)
            self.bytes_out += len(data)
            self.sends += 1
            return
        view = memoryview(data)
        while view:
            view = view[self.tls.write(view):]
        self._flush()  # all records of this response in one send

    def end_request(self):
        """Account the bytes since the previous request's end to this one."""
        consumed = self._consumed_in()
        self.per_request.append([consumed - self._mark[0],
                                 self.bytes_out - self._mark[1]])
        self._mark = (consumed, self.bytes_out)
        self.last_activity = time.monotonic()


class _WireReader(io.RawIOBase):
    def __init__(self, conn):
        super().__init__()
        self._conn = conn

    def readable(self):
        return True

    def readinto(self, b):
        return self._conn.recv_into(b)


class _WireWriter(io.BufferedIOBase):
    """Holds a response until flush(): headers and body leave together."""

    def __init__(self, conn):
        super().__init__()
        self._conn = conn
        self._buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        with memoryview(b) as view:
            self._buf += view
            return view.nbytes

    def flush(self):
        if self._buf:
            data, self._buf = bytes(self._buf), bytearray()
            self._conn.sendall(data)


class WireHandlerMixin:
    """HTTP/1.1 persistent connections for a BaseHTTPRequestHandler: requests
    on one connection until the client sends Connection: close or closes, the
    idle limit passes, or the policy closes (--max-requests, --no-keep-alive);
    Connection: close is answered with Connection: close. Logs one conn_open
    and one conn_close line per connection; request lines take
    wire_log_fields()."""

    wire_conn = None
    wire_req_no = 0

    def wire_policy(self):
        policy = getattr(self.server, "wire", None)
        if policy is None:  # a server built without one: defaults
            policy = WirePolicy()
            policy.tls_context = self.server.tls_context
            self.server.wire = policy
        return policy

    def wire_log(self, record):
        record.update({"time": utc_stamp(), "mono": round(time.monotonic(), 4),
                       "server": self.server.name, "conn": self.wire_conn.id})
        self.server.request_log.write(record)

    def wire_log_fields(self):
        """Fields of a request line: its connection and number on it."""
        return {"event": "request", "conn": self.wire_conn.id,
                "req_no": self.wire_req_no}

    def setup(self):
        self._policy = self.wire_policy()
        self._closing = None  # (closed_by, reason[, error])
        self._conn_header = False
        sock = self.connection = self.request
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.timeout)  # handshake; requests reset it
        conn = self.wire_conn = WireConnection(sock, self._policy.context())
        self.rfile = io.BufferedReader(_WireReader(conn), WireConnection.RECV_SIZE)
        self.wfile = _WireWriter(conn)
        try:
            conn.handshake()  # here, in the connection's thread, not in accept()
        except (OSError, ValueError) as e:
            alert = "ALERT" in str(e).upper()
            by = "server" if conn.timed_out else "client" if (conn.eof or alert) else "server"
            self._closing = (by, "handshake-timeout" if conn.timed_out
                             else "handshake-failed", str(e))
            self._wire_close_line()
            conn.flush_alert()
            raise
        peer = self.client_address
        self.wire_log(dict(conn.tls_fields(), event="conn_open",
                           peer="%s:%s" % (peer[0], peer[1]) if peer else None,
                           handshake_in=conn.handshake_in,
                           handshake_out=conn.handshake_out))

    def handle(self):
        try:
            super().handle()
        except (OSError, ValueError) as e:  # reset, broken pipe, TLS error
            self.close_connection = True
            if self._closing is None:
                by = "client" if isinstance(e, (ConnectionResetError, BrokenPipeError)) \
                    or self.wire_conn.eof else "server"
                self._closing = (by, "error", str(e))

    def handle_one_request(self):
        conn = self.wire_conn
        self._conn_header = False
        self.raw_requestline = None
        conn.timed_out = False
        conn.settimeout(self._policy.idle_timeout)
        before = conn.requests
        super().handle_one_request()
        if conn.requests != before:
            conn.end_request()
        if self.close_connection and self._closing is None:
            if conn.timed_out:
                self._closing = ("server", "idle-timeout" if conn.requests == before
                                 else "request-timeout")
            elif self.raw_requestline == b"" or conn.eof:
                self._closing = ("client", "eof")
            else:
                self._closing = ("server", "connection-close")

    def parse_request(self):
        conn = self.wire_conn
        conn.settimeout(self.timeout)  # a request has begun
        conn.requests += 1
        self.wire_req_no = conn.requests
        ok = super().parse_request()
        if ok and self._closing is None:
            if self.close_connection:
                asked = "close" in self.headers.get("Connection", "").lower()
                self._closing = ("client", "connection-close" if asked else "http/1.0")
            elif not self._policy.keep_alive:
                self.close_connection = True
                self._closing = ("server", "no-keep-alive")
            elif self._policy.max_requests and \
                    conn.requests >= self._policy.max_requests:
                self.close_connection = True
                self._closing = ("server", "max-requests")
        return ok

    def handle_expect_100(self):
        # Sent at once, not held with the response.
        self.wfile.write(b"%s 100 Continue\r\n\r\n" % self.protocol_version.encode())
        self.wfile.flush()
        return True

    def send_error(self, code, message=None, explain=None):
        if self._closing is None:
            self._closing = ("server", "error-%d" % code)
        super().send_error(code, message, explain)

    def send_header(self, keyword, value):
        if keyword.lower() == "connection":
            self._conn_header = True
            if value.lower() == "close" and self._closing is None:
                self._closing = ("server", "connection-close")
        super().send_header(keyword, value)

    def end_headers(self):
        if not self._conn_header:
            if self.close_connection:
                self.send_header("Connection", "close")
            elif self.request_version == "HTTP/1.0":
                self.send_header("Connection", "keep-alive")
        super().end_headers()

    def finish(self):
        try:
            self.wfile.flush()
        except (OSError, ValueError):
            pass
        if self._closing is None:
            self._closing = ("server", "shutdown")
        self._wire_close_line()
        # No TLS close_notify, as many servers do; socketserver closes the
        # socket (clients must still see an orderly end of stream).

    def _wire_close_line(self):
        conn = self.wire_conn
        by, reason = self._closing[:2]
        record = {"event": "conn_close", "closed_by": by, "reason": reason,
                  "requests": conn.requests, "bytes_in": conn.bytes_in,
                  "bytes_out": conn.bytes_out, "handshake_in": conn.handshake_in,
                  "handshake_out": conn.handshake_out,
                  "sends": conn.sends, "handshake_sends": conn.handshake_sends,
                  "per_request": conn.per_request,
                  "idle_s": round(time.monotonic() - conn.last_activity, 3)}
        if len(self._closing) > 2:
            record["error"] = self._closing[2]
        self.wire_log(record)


# --- ADME (OSDU) API ---------------------------------------------------------

# The ADME instance's app id: a token for scope "<ADME_AUDIENCE>/.default"
# (aud ADME_AUDIENCE) is what the API takes; its data partitions.
ADME_AUDIENCE = "7a4f3b2e-adme-4c1d-9e8f-emulator0001"
ADME_PARTITIONS = ("opendes", "contoso-opendes")


class AdmeState:
    """Tokens the emulator issued (the whole token string: its signature
    cannot be forged, so being in here is the signature check), tokens
    revoked, and scripted faults for the ADME API."""

    def __init__(self):
        self.lock = threading.Lock()
        self.issued = {}    # token -> claims
        self.revoked = set()
        self.faults = []    # {"kind", "times", "path", "retry_after", "seconds"}

    def record(self, token, claims):
        with self.lock:
            self.issued[token] = claims

    def revoke(self, client_id=None):
        """Revoke every token issued so far (to client_id, if given)."""
        with self.lock:
            n = 0
            for tok, c in self.issued.items():
                if client_id in (None, c.get("appid"), c.get("azp")):
                    self.revoked.add(tok)
                    n += 1
            return n

    def take_fault(self, path):
        with self.lock:
            for f in self.faults:
                if f.get("path") and not path.startswith(f["path"]):
                    continue
                f["times"] -= 1
                if f["times"] <= 0:
                    self.faults.remove(f)
                return dict(f)
        return None


def adme_state(server):
    return server.__dict__.setdefault("adme", AdmeState())


def http_date(when):
    """RFC 9110 IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT."""
    import email.utils
    return email.utils.formatdate(when, usegmt=True)


class AdmeApi:
    """An ADME-like API on the emulator: entitlements groups, search query,
    legal tags. Checks the bearer token (issued here, not revoked, aud
    ADME_AUDIENCE, not expired) and data-partition-id; answers OSDU errors
    ({"code","reason","message"}). Faults, scripted with POST
    /_emulator/adme/fault {"kind": K, "times": n, "path": prefix}:
      "503"     503 then (after n) success
      "429"     429 with Retry-After ("retry_after": seconds, or "date:<s>"
                for an HTTP date s seconds ahead)
      "reset"   headers and half the body, then a TCP reset
      "stall"   headers and half the body, then nothing for "seconds" (30)
      "clear"   drop every fault scripted so far
    POST /_emulator/adme/revoke {"client_id": C} revokes the tokens issued
    so far (all without client_id): the API answers 401 for them."""

    ADME_ROUTES = [
        ("GET", r"^/api/entitlements/v2/groups$", "adme_groups"),
        ("POST", r"^/api/search/v2/query$", "adme_search"),
        ("GET", r"^/api/legal/v1/legaltags$", "adme_legaltags"),
        ("POST", r"^/_emulator/adme/fault$", "adme_fault"),
        ("POST", r"^/_emulator/adme/revoke$", "adme_revoke"),
    ]

    def adme_record_token(self, token, claims):
        adme_state(self.server).record(token, claims)

    def adme_record_jwt(self, token):
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        self.adme_record_token(token, json.loads(base64.urlsafe_b64decode(payload)))

    def osdu_error(self, status, reason, message, headers=None):
        self.send_json(status, {"code": status, "reason": reason, "message": message},
                       headers)

    def adme_partial(self, status, obj):
        """Headers and half the body of a real answer."""
        body = json.dumps(obj, separators=(",", ":")).encode()
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()

    def adme_fault(self, path, answer):
        f = adme_state(self.server).take_fault(path)
        if f is None:
            return False
        kind = f["kind"]
        if kind == "503":
            self.osdu_error(503, "Service Unavailable", "The service is busy; try again")
        elif kind == "429":
            ra = str(f.get("retry_after", 1))
            if ra.startswith("date:"):
                ra = http_date(time.time() + float(ra[5:]))
            self.osdu_error(429, "Too Many Requests", "Rate limit exceeded",
                            headers={"Retry-After": ra})
        elif kind == "reset":
            self.adme_partial(200, answer)
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.server.resets.add(self.request)  # an RST alone, no FIN first
            self.close_connection = True
            self._closing = ("server", "reset")
        elif kind == "stall":
            self.adme_partial(200, answer)
            time.sleep(float(f.get("seconds", 30)))
            self.close_connection = True
            self._closing = ("server", "stall")
        else:
            return False
        return True

    def adme_check(self):
        """The token's claims, or None after answering an OSDU error."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            self.osdu_error(401, "Unauthorized", "Missing bearer token")
            return None
        token = auth[7:].strip()
        st = adme_state(self.server)
        with st.lock:
            claims = st.issued.get(token)
            revoked = token in st.revoked
        if claims is None:
            self.osdu_error(401, "Unauthorized", "Invalid token: bad signature")
            return None
        if revoked:
            self.osdu_error(401, "Unauthorized", "The token has been revoked")
            return None
        if claims.get("aud") not in (ADME_AUDIENCE, "api://" + ADME_AUDIENCE):
            self.osdu_error(401, "Unauthorized", "Invalid audience %s" % claims.get("aud"))
            return None
        if claims.get("exp", 0) <= time.time():
            self.osdu_error(401, "Unauthorized", "The token has expired")
            return None
        part = self.headers.get("data-partition-id")
        if not part:
            self.osdu_error(400, "Bad Request", "data-partition-id header is missing")
            return None
        if part not in ADME_PARTITIONS:
            self.osdu_error(403, "Access denied",
                            "Invalid data partition id: %s" % part)
            return None
        return claims

    def adme_serve(self, answer):
        path = urllib.parse.urlsplit(self.path).path
        claims = self.adme_check()
        if claims is None:
            return
        if self.adme_fault(path, answer):
            return
        self.send_json(200, answer)

    def route_adme_groups(self, m):
        part = self.headers.get("data-partition-id", "")
        self.adme_serve({"desId": "app@%s.dataservices.energy" % part,
                         "memberEmail": "app@%s.dataservices.energy" % part,
                         "groups": [{"name": "users", "email": "users@%s.dataservices.energy"
                                     % part, "description": "Datalake users"}]})

    def route_adme_search(self, m):
        try:
            q = json.loads(self._body or b"null")
        except ValueError:
            q = None
        if not isinstance(q, dict) or not isinstance(q.get("kind"), str):
            if self.adme_check() is not None:
                self.osdu_error(400, "Bad Request", "Invalid parameters were given on "
                                "search request: kind is required")
            return
        self.adme_serve({"results": [{"id": "opendes:dataset--File.Generic:1",
                                      "kind": q["kind"]}], "totalCount": 1})

    def route_adme_legaltags(self, m):
        self.adme_serve({"legalTags": [{"name": "opendes-public-usa-dataset",
                                        "description": "Public"}]})

    def route_adme_fault(self, m):
        f = json.loads(self._body or b"{}")
        f.setdefault("times", 1)
        with adme_state(self.server).lock:
            if f.get("kind") == "clear":
                adme_state(self.server).faults.clear()
            else:
                adme_state(self.server).faults.append(f)
        self.send_json(200, {"status": "ok"})

    def route_adme_revoke(self, m):
        f = json.loads(self._body or b"{}")
        self.send_json(200, {"revoked": adme_state(self.server).revoke(f.get("client_id"))})


class Handler(WireHandlerMixin, AdmeApi, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "entra-emulator/1.0"
    timeout = 30  # seconds a handshake or a request may stall (idle: --idle-timeout)

    TENANT = r"(?P<tenant>[^/?]+)"
    ROUTES = [
        ("POST", r"^/" + TENANT + r"/oauth2/token$", "token_v1"),
        ("POST", r"^/" + TENANT + r"/oauth2/v2\.0/token$", "token_v2"),
        ("GET", r"^/" + TENANT + r"/oauth2/v2\.0/authorize$", "authorize"),
        ("POST", r"^/" + TENANT + r"/oauth2/devicecode$", "devicecode_v1"),
        ("POST", r"^/" + TENANT + r"/oauth2/v2\.0/devicecode$", "devicecode_v2"),
        ("GET", r"^/_emulator/health$", "health"),
        ("POST", r"^/_emulator/reset$", "reset"),
        ("POST", r"^/_emulator/app$", "app_knobs"),
    ]
    ROUTES += AdmeApi.ADME_ROUTES
    # Methods a route's path accepts, for 405 answers.
    TOKEN_PATH = re.compile(r"^/[^/?]+/oauth2/(v2\.0/)?token$")

    # --- plumbing -------------------------------------------------------

    # setup(), finish(), connections: WireHandlerMixin.

    def log_message(self, fmt, *args):  # quiet: requests go to --log
        pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        # One handler serves every request of a keep-alive connection.
        self._arrived = time.monotonic()
        self._form = None
        self._status = None
        self._app = None
        self._chunks = None
        path = urllib.parse.urlsplit(self.path).path
        body = self.read_body()
        if body is None:
            return
        self._body = body
        try:
            for method, pattern, name in self.ROUTES:
                m = re.match(pattern, path)
                if m and method == self.command:
                    getattr(self, "route_" + name)(m)
                    return
            if self.TOKEN_PATH.match(path):
                self.send_entra_error(*entra_error(
                    405, "invalid_request", 900561,
                    "The endpoint only accepts POST, OPTIONS requests. "
                    "Received a %s request." % self.command),
                    headers={"Allow": "POST, OPTIONS"})
            else:
                self.send_json(404, {"error": "not_found",
                                     "error_description": "No route for %s %s"
                                     % (self.command, path)})
        finally:
            self.server.request_log.write({
                "time": utc_stamp(), "server": self.server.name,
                "mono": round(self._arrived, 4),  # arrival, for schedule checks
                "method": self.command, "path": path,
                "content_type": self.headers.get("Content-Type", ""),
                "form": redact(self._form or {}), "status": self._status,
                "chunks": self._chunks,
                **self.wire_log_fields(),  # event, conn, req_no
            })
            self.server.secret_log.received(self._form)

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if te == "chunked":
            data = b""
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline(8)
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        try:
            n = int(n)
        except ValueError:
            self.close_connection = True  # the body's end is unknown
            self.send_json(400, {"error": "invalid_request",
                                 "error_description": "bad Content-Length"})
            return None
        return self.rfile.read(n)

    def form(self):
        """The urlencoded body as a dict (last value wins), {} if not a form."""
        if self._form is None:
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            self._form = {}
            if ctype == "application/x-www-form-urlencoded":
                pairs = urllib.parse.parse_qsl(self._body.decode("utf-8", "replace"),
                                               keep_blank_values=True)
                self._form = dict(pairs)
        return self._form

    def correlation_id(self):
        return self.headers.get("client-request-id")

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        self.server.secret_log.issued(obj)
        self._status = status
        app = self._app or {}
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store, no-cache")
        self.send_header("Pragma", "no-cache")
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if app.get("chunked") and status == 200:
            self.send_chunked(body)
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    # Odd chunk sizes, cycled: one byte, primes, one across a 4 KB boundary.
    CHUNK_SIZES = (1, 7, 13, 251, 3, 4099)

    def send_chunked(self, body):
        """Real chunked coding: chunks of odd sizes flushed one by one so
        they arrive in separate TLS records, sizes in upper- and lower-case
        hex, a chunk extension (which clients must ignore) and an empty
        trailer. The sizes go to the request log ("chunks")."""
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunks = []
        i = 0
        while i < len(body):
            n = self.CHUNK_SIZES[len(self._chunks) % len(self.CHUNK_SIZES)]
            piece = body[i:i + n]
            size = (b"%X" if len(self._chunks) % 2 else b"%x") % len(piece)
            ext = b";emu=1" if len(self._chunks) == 2 else b""
            self.wfile.write(size + ext + b"\r\n" + piece + b"\r\n")
            self.wfile.flush()
            self._chunks.append(len(piece))
            i += len(piece)
            time.sleep(0.002)
        self.wfile.write(b"0\r\n\r\n")

    def send_entra_error(self, status, obj, headers=None):
        self.send_json(status, obj, headers)

    def send_text(self, status, text, headers=None):
        body = text.encode("utf-8")
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, error, code, description):
        self.send_entra_error(*entra_error(status, error, code, description,
                                           self.correlation_id()))

    # --- token endpoint ---------------------------------------------------

    def client_auth(self, form):
        """(client_id, secret or None) from the body or HTTP Basic."""
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
                cid, _, sec = raw.partition(":")
                return urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(sec)
            except (ValueError, UnicodeDecodeError):
                pass
        return form.get("client_id"), form.get("client_secret")

    # grant_type -> method grant_<name>(version, tenant_key, tenant). Later
    # flows add a row and a method.
    GRANTS = {
        "client_credentials": "client_credentials",
        "authorization_code": "authorization_code",
        "refresh_token": "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code": "device_code",
    }

    def token_endpoint(self, m, version):
        """Checks shared by every grant on v1 and v2.0, then the grant."""
        tenant_name = urllib.parse.unquote(m.group("tenant"))
        tkey, tenant = self.server.registry.tenant(tenant_name)
        if tenant is None:
            self.error(400, "invalid_request", 90002,
                       "Tenant '%s' not found. Check to make sure you have the correct "
                       "tenant ID and are signing into the correct cloud. Check with "
                       "your subscription administrator, this may happen if there are "
                       "no active subscriptions for the tenant." % tenant_name)
            return
        form = self.form()
        if "grant_type" not in form:
            self.missing_parameter("grant_type")
            return
        grant = self.GRANTS.get(form["grant_type"])
        if grant is None:
            self.error(400, "unsupported_grant_type", 70003,
                       "The app requested an unsupported grant type '%s'."
                       % form["grant_type"])
            return
        getattr(self, "grant_" + grant)(version, tkey, tenant, tenant_name)

    def missing_parameter(self, name):
        """Entra's answer to a token request without a required parameter."""
        self.error(400, "invalid_request", 900144,
                   "The request body must contain the following parameter: '%s'." % name)

    def find_app(self, tkey, tenant_name):
        """(client_id, app) of the calling client, or None after an error."""
        client_id, _ = self.client_auth(self.form())
        if not client_id:
            self.missing_parameter("client_id")
            return None
        app = self.server.registry.app(tkey, client_id)
        if app is None:
            self.error(400, "unauthorized_client", 700016,
                       "Application with identifier '%s' was not found in the "
                       "directory '%s'. This can happen if the application has not "
                       "been installed by the administrator of the tenant or consented "
                       "to by any user in the tenant. You may have sent your "
                       "authentication request to the wrong tenant."
                       % (client_id, tenant_name))
            return None
        self._app = app
        return client_id, app

    def authenticate_client(self, client_id, app):
        """The client's credential (secret or assertion). False after an error."""
        form = self.form()
        if "client_assertion" in form or "client_assertion_type" in form:
            return self.authenticate_assertion(client_id, app, form)
        _, secret = self.client_auth(form)
        if not secret:
            self.error(401, "invalid_client", 7000218,
                       "The request body must contain the following parameter: "
                       "'client_assertion' or 'client_secret'.")
            return False
        if not hmac.compare_digest(secret.encode(), app.get("secret", "").encode()):
            self.error(401, "invalid_client", 7000215,
                       "Invalid client secret provided. Ensure the secret being sent "
                       "in the request is the client secret value, not the client "
                       "secret ID, for a secret added to app '%s'." % client_id)
            return False
        return True

    def authenticate_assertion(self, client_id, app, form):
        """client_assertion (RFC 7523): its aud must be this token URL."""
        if form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" or \
                not form.get("client_assertion"):
            self.error(400, "invalid_request", 50027,
                       "client_assertion_type must be urn:ietf:params:oauth:"
                       "client-assertion-type:jwt-bearer, with a client_assertion.")
            return False
        scheme = "https" if self.server.tls_context is not None else "http"
        aud = "%s://%s%s" % (scheme, self.headers.get("Host", ""),
                             urllib.parse.urlsplit(self.path).path)
        bad = self.server.registry.assertions.check(
            form["client_assertion"], client_id, aud,
            int(app.get("assertion_clock_skew", 0)))
        if bad:
            self.error(*bad)
            return False
        return True

    def test_knobs(self, client_id, app):
        """Apply slow/throttle/5xx knobs. True if a response was sent."""
        if app.get("slow_ms"):
            time.sleep(app["slow_ms"] / 1000.0)
        reg = self.server.registry
        throttle = int(app.get("throttle_once") or 0)
        if throttle and reg.hit(client_id, "throttle") < throttle:
            # "date:<s>": Retry-After as an HTTP date s seconds ahead.
            ra = str(app.get("retry_after", 1))
            if ra.startswith("date:"):
                ra = http_date(time.time() + float(ra[5:]))
            self.send_text(429, "Too Many Requests", {"Retry-After": ra})
            return True
        fail = app.get("fail_5xx_once")
        if fail:
            status = 503 if fail is True else int(fail)
            if reg.hit(client_id, "5xx") < int(app.get("fail_count", 1)):
                if app.get("fail_html"):  # a proxy's or load balancer's page
                    body = b"<html><body><h1>%d Server Error</h1></body></html>" % status
                    self._status = status
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif status == 503:
                    self.send_entra_error(*entra_error(
                        503, "temporarily_unavailable", 90033,
                        "A transient error has occurred. Please try again.",
                        self.correlation_id()), headers={"Retry-After": "1"})
                else:
                    self.error(status, "server_error", 90033,
                               "A transient error has occurred. Please try again.")
                return True
        return self.answer_knobs(app)

    def answer_knobs(self, app):
        """Hostile or broken answers (hostile_text, bad_body, truncate_body).
        True if a response was sent."""
        if app.get("hostile_text"):
            self.error(400, "invalid_request", 90014, "Refused. " + app["hostile_text"])
            return True
        if app.get("bad_body"):
            # A 200 that is not a token response (expires_in is no number).
            self.send_json(200, {"token_type": "Bearer", "expires_in": "soon",
                                 "access_token": app["bad_body"]})
            return True
        if app.get("truncate_body"):
            body = json.dumps({"token_type": "Bearer", "expires_in": 3599,
                               "access_token": app["truncate_body"]}).encode()
            self._status = 200
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body) + 100))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return True
        return False

    def access_token(self, tenant, app, client_id, aud, version):
        now = int(time.time())
        life = int(app.get("expires_in", 3599))
        tid = tenant.get("id", "00000000-0000-0000-0000-000000000000")
        claims = {
            "aud": aud, "iat": now, "nbf": now, "exp": now + life,
            "tid": tid, "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)),
            "uti": b64url(os.urandom(16)), "ver": version,
        }
        if version == "1.0":
            claims.update({"iss": "https://sts.windows.net/%s/" % tid,
                           "appid": client_id, "appidacr": "1"})
        else:
            claims.update({"iss": "https://login.microsoftonline.com/%s/v2.0" % tid,
                           "azp": client_id, "azpacr": "1", "appid": client_id})
        token = fake_jwt(claims, app.get("big_token") or app.get("token_size"))
        self.adme_record_token(token, claims)
        return token, now, life

    def route_token_v1(self, m):
        self.token_endpoint(m, "1.0")

    def route_token_v2(self, m):
        self.token_endpoint(m, "2.0")

    def grant_client_credentials(self, version, tkey, tenant, tenant_name):
        found = self.find_app(tkey, tenant_name)
        if found is None:
            return
        client_id, app = found
        if not self.authenticate_client(client_id, app):
            return
        if version == "1.0":
            self.client_credentials_v1(tenant, client_id, app)
        else:
            self.client_credentials_v2(tenant, client_id, app)

    def client_credentials_v1(self, tenant, client_id, app):
        resource = self.form().get("resource")
        if not resource:
            self.error(400, "invalid_request", 90014,
                       "The required field 'resource' is missing from the credential. "
                       "Ensure that you have all the necessary parameters for the "
                       "login request.")
            return
        if self.test_knobs(client_id, app):
            return
        token, now, life = self.access_token(tenant, app, client_id, resource, "1.0")
        self.send_json(200, {
            "token_type": "Bearer", "expires_in": str(life),
            "ext_expires_in": str(life), "expires_on": str(now + life),
            "not_before": str(now), "resource": resource, "access_token": token,
        })

    def client_credentials_v2(self, tenant, client_id, app):
        scope = self.form().get("scope")
        if not scope:
            self.missing_parameter("scope")
            return
        if " " in scope.strip() or not scope.endswith("/.default") or \
                len(scope) == len("/.default"):
            self.error(400, "invalid_scope", 70011,
                       "The provided value for the input parameter 'scope' is not "
                       "valid. The scope %s is not valid. Client credential flows "
                       "must have a scope value with /.default suffixed to the "
                       "resource identifier (application ID URI)." % scope)
            return
        if self.test_knobs(client_id, app):
            return
        aud = scope[:-len("/.default")]
        token, _, life = self.access_token(tenant, app, client_id, aud, "2.0")
        self.send_json(200, {
            "token_type": "Bearer", "expires_in": life, "ext_expires_in": life,
            "access_token": token,
        })

    # --- device code flow (RFC 8628) -------------------------------------

    DEVICE_URI = "https://microsoft.com/devicelogin"
    USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

    def device_codes(self):
        """(lock, {device_code: state}) of this server's issued codes."""
        return self.server.__dict__.setdefault("device_codes", (threading.Lock(), {}))

    def route_devicecode_v1(self, m):
        self.devicecode_endpoint(m, "1.0")

    def route_devicecode_v2(self, m):
        self.devicecode_endpoint(m, "2.0")

    def devicecode_endpoint(self, m, version):
        """Issue a device code: v2.0 with JSON numbers and verification_uri,
        v1 with string numbers and verification_url, as Entra does."""
        tenant_name = urllib.parse.unquote(m.group("tenant"))
        tkey, tenant = self.server.registry.tenant(tenant_name)
        if tenant is None:
            self.error(400, "invalid_request", 90002,
                       "Tenant '%s' not found. Check to make sure you have the correct "
                       "tenant ID and are signing into the correct cloud." % tenant_name)
            return
        found = self.find_app(tkey, tenant_name)
        if found is None:
            return
        client_id, app = found
        field = "resource" if version == "1.0" else "scope"
        target = self.form().get(field)
        if not target:
            self.missing_parameter(field)
            return
        interval = int(app.get("device_interval", 5))
        expires = int(app.get("device_expires_in", 900))
        code = "DAQABIQEAAAB" + b64url(os.urandom(150))
        user_code = "".join(self.USER_CODE_ALPHABET[b % len(self.USER_CODE_ALPHABET)]
                            for b in os.urandom(9))
        message = ("To sign in, use a web browser to open the page %s and enter the "
                   "code %s to authenticate.%s" % (self.DEVICE_URI, user_code,
                                                   app.get("hostile_text", "")))
        if not app.get("device_forget"):
            lock, codes = self.device_codes()
            with lock:
                codes[code] = {
                    "client_id": client_id, "target": target, "polls": 0,
                    "issued": self._arrived, "interval": interval, "last": None,
                    "lifetime": int(app.get("device_lifetime", expires)),
                }
        if version == "1.0":
            self.send_json(200, {
                "user_code": user_code, "device_code": code,
                "verification_url": self.DEVICE_URI, "expires_in": str(expires),
                "interval": str(interval), "message": message})
        else:
            self.send_json(200, {
                "user_code": user_code, "device_code": code,
                "verification_uri": self.DEVICE_URI, "expires_in": expires,
                "interval": interval, "message": message})

    def device_error(self, error, description, code=None):
        """A device flow error; codes only where Entra documents one."""
        status, body = entra_error(400, error, code or 0, description,
                                   self.correlation_id())
        if code is None:
            body["error_codes"] = []
            body["error_description"] = body["error_description"].split(": ", 1)[1]
        self.send_entra_error(status, body)

    def device_poll_answer(self, client_id, app, code):
        """What this poll gets: ("ok", state) or (answer, None)."""
        lock, codes = self.device_codes()
        now = self._arrived
        with lock:
            st = codes.get(code)
            if st is None or st["client_id"] != client_id:
                return "bad", None
            if now - st["issued"] > st["lifetime"]:
                del codes[code]
                return "expired", None
            st["polls"] += 1
            n = st["polls"]
            too_fast = st["last"] is not None and now - st["last"] < st["interval"]
            st["last"] = now
            if too_fast or n in app.get("device_slow_down_at", ()):
                st["interval"] += 5  # RFC 8628 3.5, for all later polls
                return "slow_down", None
            if n in app.get("device_fail_5xx_at", ()):
                return "5xx", None
            if n <= int(app.get("device_pending", 0)):
                return "pending", None
            del codes[code]  # single use
            return ("declined", None) if app.get("device_decline") else ("ok", st)

    def grant_device_code(self, version, tkey, tenant, tenant_name):
        found = self.find_app(tkey, tenant_name)
        if found is None:
            return
        client_id, app = found
        _, secret = self.client_auth(self.form())
        if secret and not app.get("secret"):
            self.error(401, "invalid_client", 700025,
                       "Client is public so neither 'client_assertion' nor "
                       "'client_secret' should be presented.")
            return
        # "Allow public client flows" off: Entra wants a credential.
        if (secret or not app.get("public_client")) and \
                not self.authenticate_client(client_id, app):
            return
        code = self.form().get("device_code")
        if not code:
            self.missing_parameter("device_code")
            return
        answer, st = self.device_poll_answer(client_id, app, code)
        if answer == "bad":
            self.device_error("bad_verification_code",
                              "Invalid verification code entered.", 70018)
        elif answer == "expired":
            self.device_error("expired_token", "Verification code expired.", 70019)
        elif answer == "slow_down":
            self.device_error("slow_down", "The client is polling too quickly; wait "
                              "the interval plus 5 seconds between polls.")
        elif answer == "5xx":
            self.error(500, "server_error", 90033,
                       "A transient error has occurred. Please try again.")
        elif answer == "pending":
            self.device_error("authorization_pending", "OAuth 2.0 device flow error. "
                              "Authorization is pending. Continue polling.", 70016)
        elif answer == "declined":
            self.device_error("authorization_declined",
                              "The end user denied the authorization request.")
        else:
            self.device_tokens(tenant, client_id, app, st["target"], version)

    def device_tokens(self, tenant, client_id, app, target, version):
        """A user token response: refresh_token with offline_access (v1:
        always), id_token with openid."""
        scopes = target.split()
        # The refresh token is a real one: `edgetoken refresh` redeems it
        # like a sign-in's (v1 always grants offline access).
        user = {"oid": str(uuid.uuid5(uuid.NAMESPACE_URL, "device-user")),
                "name": "Device User",
                "preferred_username": "device.user@contoso.onmicrosoft.com"}
        refresh = self.server.registry.signin.new_refresh({
            "client_id": client_id, "user": user,
            "scope": target + (" offline_access" if version == "1.0" else "")},
            app.get("refresh_token_size"))
        if version == "1.0":
            token, now, life = self.access_token(tenant, app, client_id, target, "1.0")
            self.send_json(200, {
                "token_type": "Bearer", "scope": "user_impersonation",
                "expires_in": str(life), "ext_expires_in": str(life),
                "expires_on": str(now + life), "not_before": str(now),
                "resource": target, "access_token": token, "refresh_token": refresh})
            return
        aud = next((s[:-len("/.default")] for s in scopes if s.endswith("/.default")),
                   "00000003-0000-0000-c000-000000000000")
        token, now, life = self.access_token(tenant, app, client_id, aud, "2.0")
        body = {"token_type": "Bearer", "scope": " ".join(scopes), "expires_in": life,
                "ext_expires_in": life, "access_token": token}
        if "offline_access" in scopes:
            body["refresh_token"] = refresh
        if "openid" in scopes:
            tid = tenant.get("id", "")
            body["id_token"] = fake_jwt({
                "aud": client_id, "iss": "https://login.microsoftonline.com/%s/v2.0" % tid,
                "tid": tid, "iat": now, "nbf": now, "exp": now + life,
                "sub": user["oid"], "oid": user["oid"],
                "preferred_username": user["preferred_username"], "name": user["name"]})
        self.send_json(200, body)

    # --- sign-in: authorize endpoint, code and refresh grants -----------

    def signin_error_page(self, aadsts, description):
        """Entra's error page: no redirect when the app or its redirect URI
        cannot be trusted."""
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        body = ("<!DOCTYPE html><html><head><title>Sign in to your account</title>"
                "</head><body><h1>Sign in</h1><p>Sorry, but we're having trouble "
                "signing you in.</p><p>AADSTS%d: %s</p><p>Request Id: %s<br>"
                "Correlation Id: %s<br>Timestamp: %s</p></body></html>"
                % (aadsts, html.escape(description), trace, corr, utc_stamp())).encode()
        self._status = 400
        self.send_response(400)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect_to(self, uri, params):
        uri = entra_return_uri(uri)
        self.server.secret_log.issued(params)
        sep = "&" if "?" in uri else "?"
        self._status = 302
        self.send_response(302)
        self.send_header("Location", uri + sep + urllib.parse.urlencode(params))
        self.send_header("Cache-Control", "no-store, no-cache")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_authorize(self, m):
        """GET authorize as a user who is already signed in and consents."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query,
                                            keep_blank_values=True))
        self._form = query  # logged like a form (no secrets in it)
        tenant_name = urllib.parse.unquote(m.group("tenant"))
        tkey, tenant = self.server.registry.tenant(tenant_name)
        if tenant is None:
            return self.signin_error_page(90002, "Tenant '%s' not found." % tenant_name)
        client_id = query.get("client_id")
        if not client_id:
            return self.signin_error_page(
                900144, "The request body must contain the following parameter: "
                "'client_id'.")
        app = self.server.registry.app(tkey, client_id)
        if app is None:
            return self.signin_error_page(
                700016, "Application with identifier '%s' was not found in the "
                "directory '%s'." % (client_id, tenant_name))
        uri = query.get("redirect_uri", "")
        if not any(redirect_uri_matches(r, uri) for r in app.get("redirect_uris", [])):
            return self.signin_error_page(
                50011, "The redirect URI '%s' specified in the request does not match "
                "the redirect URIs configured for the application '%s'. Make sure the "
                "redirect URI sent in the request matches one added to your "
                "application in the Azure portal." % (uri, client_id))
        state = query.get("state")

        def fail(error, aadsts, description):
            _, body = entra_error(400, error, aadsts, description)
            params = {"error": error, "error_description": body["error_description"],
                      "error_uri": body["error_uri"]}
            if state is not None:
                params["state"] = state
            self.redirect_to(uri, params)

        challenge = query.get("code_challenge")
        if query.get("response_type") != "code":
            return fail("unsupported_response_type", 700054,
                        "response_type '%s' is not enabled for the application."
                        % query.get("response_type", ""))
        if query.get("response_mode", "query") != "query":
            return fail("invalid_request", 900144,
                        "The emulator answers with response_mode=query only.")
        if not query.get("scope"):
            return fail("invalid_request", 900144,
                        "The request body must contain the following parameter: 'scope'.")
        pkce_problem = pkce_authorize_problem(challenge,
                                              query.get("code_challenge_method"))
        if pkce_problem:
            return fail("invalid_request", 501491,
                        "Invalid size of Code_Challenge parameter or an unsupported "
                        "method: %s." % pkce_problem)
        if app.get("decline"):
            return fail("access_denied", 65004,
                        "User declined to consent to access the app.")
        session = str(uuid.uuid4())
        code = self.server.registry.signin.new_code({
            "client_id": client_id, "tenant": tkey, "redirect_uri": uri,
            "scope": query["scope"], "challenge": challenge,
            "challenge_method": query.get("code_challenge_method", "plain"),
            "nonce": query.get("nonce"), "user": app.get("user", SigninStore.DEFAULT_USER),
            "expires": time.time() + float(app.get("code_ttl", 600)),
        })
        params = {"code": code}
        if state is not None:
            params["state"] = state
        params["session_state"] = session
        self.redirect_to(uri, params)

    def authenticate_signin_client(self, client_id, app):
        """Web apps prove themselves with the secret; public clients must not
        send one (AADSTS700025)."""
        if not app.get("public_client"):
            return self.authenticate_client(client_id, app)
        if self.client_auth(self.form())[1]:
            self.error(401, "invalid_client", 700025,
                       "Client is public so neither 'client_assertion' nor "
                       "'client_secret' should be presented.")
            return False
        return True

    def user_tokens(self, tenant, client_id, app, grant, scope):
        """200 with access, refresh (offline_access) and id (openid) tokens."""
        now = int(time.time())
        life = int(app.get("expires_in", 3599))
        tid = tenant.get("id", "00000000-0000-0000-0000-000000000000")
        user = grant["user"]
        granted = grant["scope"].split()
        aud = next((s.rsplit("/", 1)[0] for s in scope.split() if "/" in s), client_id)
        at_claims = {
            "aud": aud, "iss": "https://login.microsoftonline.com/%s/v2.0" % tid,
            "iat": now, "nbf": now, "exp": now + life, "tid": tid, "oid": user["oid"],
            "sub": user["oid"], "azp": client_id,
            "scp": "user_impersonation", "ver": "2.0", "uti": b64url(os.urandom(16)),
        }
        for c in ("name", "preferred_username"):
            if user.get(c):
                at_claims[c] = user[c]
        at = fake_jwt(at_claims, app.get("user_token_size"))
        self.adme_record_jwt(at)
        body = {"token_type": "Bearer", "scope": scope, "expires_in": life,
                "ext_expires_in": life, "access_token": at}
        if "offline_access" in granted:
            body["refresh_token"] = self.server.registry.signin.new_refresh(
                grant, app.get("refresh_token_size"))
        if "openid" in granted:
            claims = {"aud": client_id,
                      "iss": "https://login.microsoftonline.com/%s/v2.0" % tid,
                      "iat": now, "nbf": now, "exp": now + 3600, "tid": tid,
                      "oid": user["oid"], "sub": user["oid"], "ver": "2.0"}
            # Optional claims, as in Entra: an account may lack any of them.
            for c in ("name", "preferred_username", "upn", "email"):
                if user.get(c):
                    claims[c] = user[c]
            if grant.get("nonce"):
                claims["nonce"] = grant["nonce"]
            body["id_token"] = fake_jwt(claims)
        self.send_json(200, body)

    def grant_authorization_code(self, version, tkey, tenant, tenant_name):
        found = self.find_app(tkey, tenant_name)
        if found is None or not self.authenticate_signin_client(*found):
            return
        client_id, app = found
        form = self.form()
        if not form.get("code"):
            return self.missing_parameter("code")
        grant, why = self.server.registry.signin.claim_code(form["code"], client_id)
        if why == "used":
            return self.error(400, "invalid_grant", 54005,
                              "OAuth2 Authorization code was already redeemed, please "
                              "retry with a new valid code or use an existing refresh "
                              "token.")
        if why == "expired":
            return self.error(400, "invalid_grant", 70008,
                              "The provided authorization code or refresh token has "
                              "expired due to inactivity. Send a new interactive "
                              "authorization request for this user and resource.")
        if why:
            return self.error(400, "invalid_grant", 9002313,
                              "Invalid request. Request is malformed or invalid.")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self.error(400, "invalid_grant", 50011,
                              "The reply address '%s' does not match the reply address "
                              "'%s' provided when requesting Authorization code."
                              % (form.get("redirect_uri", ""), grant["redirect_uri"]))
        if grant["tenant"] != tkey:
            return self.error(400, "invalid_grant", 9002313,
                              "Invalid request. Request is malformed or invalid: the "
                              "code was issued in another tenant.")
        if not pkce_verifies(grant, form.get("code_verifier")):
            return self.error(400, "invalid_grant", 501481,
                              "The Code_Verifier does not match the code_challenge "
                              "supplied in the authorization request.")
        self.user_tokens(tenant, client_id, app, grant,
                         form.get("scope") or grant["scope"])

    def grant_refresh_token(self, version, tkey, tenant, tenant_name):
        found = self.find_app(tkey, tenant_name)
        if found is None or not self.authenticate_signin_client(*found):
            return
        client_id, app = found
        form = self.form()
        if not form.get("refresh_token"):
            return self.missing_parameter("refresh_token")
        grant, why = self.server.registry.signin.use_refresh(
            form["refresh_token"], client_id, keep=bool(app.get("entra_rotation")))
        if why == "revoked":
            return self.error(400, "invalid_grant", 50173,
                              "The provided grant has expired due to it being revoked, a "
                              "fresh auth token is needed. The user might have changed "
                              "or reset their password.")
        if why:
            return self.error(400, "invalid_grant", 9002313,
                              "Invalid request. Request is malformed or invalid.")
        if app.get("refresh_inactive"):
            issued = datetime.datetime.fromtimestamp(
                grant["issued"], datetime.timezone.utc) - datetime.timedelta(days=90)
            return self.error(400, "invalid_grant", 700082,
                              "The refresh token has expired due to inactivity. The "
                              "token was issued on %s and was inactive for 90.00:00:00."
                              % issued.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"))
        if grant.get("tenant", tkey) != tkey:
            return self.error(400, "invalid_grant", 9002313,
                              "Invalid request. Request is malformed or invalid: the "
                              "refresh token was issued in another tenant.")
        wider = scope_widening(grant["scope"], form.get("scope") or grant["scope"])
        if wider:
            return self.send_entra_error(*self.consent_required(client_id, wider))
        self.user_tokens(tenant, client_id, app, grant,
                         form.get("scope") or grant["scope"])

    def consent_required(self, client_id, scopes):
        """A refresh asking for scopes the user never granted: (status, body)."""
        status, body = entra_error(
            400, "invalid_grant", 65001,
            "The user or administrator has not consented to use the application with "
            "ID '%s' for the scopes '%s'. Send an interactive authorization request "
            "for this user and resource." % (client_id, " ".join(scopes)),
            self.correlation_id())
        body["suberror"] = "consent_required"
        return status, body

    # --- emulator control ----------------------------------------------

    def route_health(self, m):
        self.send_json(200, {"status": "ok"})

    def route_app_knobs(self, m):
        """{"client_id": C, "set": {knob: value}}: change a registered app's
        knobs for the requests that follow (None removes one), e.g.
        user_token_size (access tokens of a sign-in, in bytes: a token with
        many group claims), refresh_token_size, entra_rotation, user."""
        f = json.loads(self._body or b"{}")
        app = self.server.registry.apps.get(f.get("client_id"))
        if app is None:
            return self.send_json(404, {"error": "no such app"})
        for k, v in (f.get("set") or {}).items():
            if v is None:
                app.pop(k, None)
            else:
                app[k] = v
        self.send_json(200, {"status": "ok"})

    def route_reset(self, m):
        self.server.registry.reset()
        self.send_json(200, {"status": "reset"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The load test opens 200 connections at once: socketserver's backlog
    # of 5 would leave most waiting on SYN retransmits.
    request_queue_size = 256
    secret_log = SecretLog(None)  # main() sets one with --secret-log

    def __init__(self, addr, name, tls_context, registry, request_log):
        self.name = name
        self.tls_context = tls_context
        self.registry = registry
        self.request_log = request_log
        self.resets = set()  # connections to end with an RST (the "reset" fault)
        super().__init__(addr, Handler)

    def shutdown_request(self, request):
        # socketserver sends a FIN (shutdown) before closing: a peer would
        # read an orderly end before the reset. A reset is the RST alone.
        if request in self.resets:
            self.resets.discard(request)
            self.close_request(request)
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client that rejects our certificate is an expected test case.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError, OSError)):
            super().handle_error(request, client_address)


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def main(argv=None):
    p = argparse.ArgumentParser(description="Local Entra ID token endpoint emulator")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--cert", help="server certificate (PEM); without it: plain HTTP")
    p.add_argument("--key", help="server private key (PEM)")
    p.add_argument("--wrong-name-port", type=int,
                   help="also serve with --wrong-cert on this port (0 = pick)")
    p.add_argument("--wrong-cert")
    p.add_argument("--wrong-key")
    p.add_argument("--config", help="JSON registry of tenants and apps")
    p.add_argument("--client-certs",
                   help="directory of the apps' registered client certificates "
                        "(default: the directory of --cert)")
    p.add_argument("--log", help="append one JSON line per request (no secrets)")
    p.add_argument("--secret-log",
                   help="TESTS ONLY: append every secret received or issued (0600 file), "
                        "for tests that look for them in a client's output")
    p.add_argument("--ready-file",
                   help="written once listening: 'port\\n' (then 'wrong_port\\n')")
    add_wire_arguments(p)
    args = p.parse_args(argv)

    registry = Registry.load(args.config)
    cert_dir = args.client_certs or (os.path.dirname(args.cert) if args.cert else None)
    if cert_dir and any(a.get("certificates") for a in registry.apps.values()):
        try:
            registry.assertions.load(registry.apps, cert_dir)
        except ImportError:
            sys.stderr.write("entra-emulator: python3-cryptography is missing: "
                             "certificate credentials are refused\n")
    request_log = RequestLog(args.log)
    servers = []
    policy = wire_policy(args, args.cert, args.key or args.cert)
    ctx = policy.tls_context
    servers.append(Server((args.bind, args.port), "main", ctx, registry, request_log))
    servers[-1].wire = policy
    if args.wrong_name_port is not None:
        if not args.wrong_cert:
            p.error("--wrong-name-port needs --wrong-cert")
        wpolicy = wire_policy(args, args.wrong_cert, args.wrong_key or args.wrong_cert)
        servers.append(Server((args.bind, args.wrong_name_port), "wrong-name",
                              wpolicy.tls_context, registry, request_log))
        servers[-1].wire = wpolicy

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True) for s in servers]
    for s in servers:
        s.secret_log = SecretLog(args.secret_log)
    for t in threads:
        t.start()

    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            for s in servers:
                f.write("%d\n" % s.server_address[1])
        os.replace(tmp, args.ready_file)  # readers never see half a file
    sys.stderr.write("entra-emulator: %s on %s\n" % (
        "https" if ctx else "http",
        ", ".join("%s:%d" % s.server_address[:2] for s in servers)))

    while not stop.wait(0.5):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    request_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
