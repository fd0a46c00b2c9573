#!/usr/bin/python3
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
import hmac
import json
import os
import re
import signal
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
    },
    "apps": {
        "edgetoken-test-app": {"tenant": "contoso-tenant",
                               "secret": "s3cr3t+/=~ value"},
        "chunked-app": {"tenant": "contoso-tenant",
                        "secret": "chunked-s3cret", "chunked": True},
        "big-token-app": {"tenant": "contoso-tenant",
                          "secret": "big-token-s3cret", "big_token": 20000},
        "throttle-app": {"tenant": "contoso-tenant",
                         "secret": "throttle-s3cret", "throttle_once": True},
        "flaky-app": {"tenant": "contoso-tenant",
                      "secret": "flaky-s3cret", "fail_5xx_once": 503},
        "slow-app": {"tenant": "contoso-tenant",
                     "secret": "slow-s3cret", "slow_ms": 2000},
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


class Registry:
    """Tenants and apps, plus per-app counters for the "once" knobs."""

    def __init__(self, data):
        self.tenants = data.get("tenants", {})
        self.apps = data.get("apps", {})
        self._lock = threading.Lock()
        self._hits = {}

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


def redact(form):
    return {k: ("***" if k in SECRET_FIELDS else v) for k, v in form.items()}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "entra-emulator/1.0"
    timeout = 30  # seconds a connection may idle

    TENANT = r"(?P<tenant>[^/?]+)"
    ROUTES = [
        ("POST", r"^/" + TENANT + r"/oauth2/token$", "token_v1"),
        ("POST", r"^/" + TENANT + r"/oauth2/v2\.0/token$", "token_v2"),
        ("GET", r"^/_emulator/health$", "health"),
        ("POST", r"^/_emulator/reset$", "reset"),
    ]
    # Methods a route's path accepts, for 405 answers.
    TOKEN_PATH = re.compile(r"^/[^/?]+/oauth2/(v2\.0/)?token$")

    # --- plumbing -------------------------------------------------------

    def setup(self):
        ctx = self.server.tls_context
        if ctx is not None:
            # Handshake here, in the connection's thread, not in accept().
            self.request.settimeout(self.timeout)
            self.request = ctx.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self):
        super().finish()
        if self.server.tls_context is not None:
            # Closed without close_notify, as many servers do; clients must
            # still see an orderly end of stream.
            self.request.close()

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
        self._form = None
        self._status = None
        self._app = None
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
                "method": self.command, "path": path,
                "content_type": self.headers.get("Content-Type", ""),
                "form": redact(self._form or {}), "status": self._status,
            })

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

    def send_chunked(self, body):
        """Several chunks, flushed one by one so they arrive separately."""
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        step = max(1, len(body) // 4)
        for i in range(0, len(body), step):
            piece = body[i:i + step]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
            time.sleep(0.01)
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
            self.error(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: "
                       "'grant_type'.")
            return
        grant = self.GRANTS.get(form["grant_type"])
        if grant is None:
            self.error(400, "unsupported_grant_type", 70003,
                       "The app requested an unsupported grant type '%s'."
                       % form["grant_type"])
            return
        getattr(self, "grant_" + grant)(version, tkey, tenant, tenant_name)

    def find_app(self, tkey, tenant_name):
        """(client_id, app) of the calling client, or None after an error."""
        client_id, _ = self.client_auth(self.form())
        if not client_id:
            self.error(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: "
                       "'client_id'.")
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
        """The client's credential (secret). False after an error."""
        _, secret = self.client_auth(self.form())
        if not secret:
            self.error(401, "invalid_client", 7000218,
                       "The request body must contain the following parameter: "
                       "'client_assertion' or 'client_secret'.")
            return False
        if not hmac.compare_digest(secret.encode(), app["secret"].encode()):
            self.error(401, "invalid_client", 7000215,
                       "Invalid client secret provided. Ensure the secret being sent "
                       "in the request is the client secret value, not the client "
                       "secret ID, for a secret added to app '%s'." % client_id)
            return False
        return True

    def test_knobs(self, client_id, app):
        """Apply slow/throttle/5xx knobs. True if a response was sent."""
        if app.get("slow_ms"):
            time.sleep(app["slow_ms"] / 1000.0)
        reg = self.server.registry
        throttle = int(app.get("throttle_once") or 0)
        if throttle and reg.hit(client_id, "throttle") < throttle:
            self.send_text(429, "Too Many Requests", {"Retry-After": "1"})
            return True
        fail = app.get("fail_5xx_once")
        if fail:
            status = 503 if fail is True else int(fail)
            if reg.hit(client_id, "5xx") < int(app.get("fail_count", 1)):
                if status == 503:
                    self.send_entra_error(*entra_error(
                        503, "temporarily_unavailable", 90033,
                        "A transient error has occurred. Please try again.",
                        self.correlation_id()), headers={"Retry-After": "1"})
                else:
                    self.error(status, "server_error", 90033,
                               "A transient error has occurred. Please try again.")
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
        return fake_jwt(claims, app.get("big_token") or app.get("token_size")), now, life

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
            self.error(400, "invalid_request", 900144,
                       "The request body must contain the following parameter: "
                       "'scope'.")
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

    # --- emulator control ----------------------------------------------

    def route_health(self, m):
        self.send_json(200, {"status": "ok"})

    def route_reset(self, m):
        self.server.registry.reset()
        self.send_json(200, {"status": "reset"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, name, tls_context, registry, request_log):
        self.name = name
        self.tls_context = tls_context
        self.registry = registry
        self.request_log = request_log
        super().__init__(addr, Handler)

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
    p.add_argument("--log", help="append one JSON line per request (no secrets)")
    p.add_argument("--ready-file",
                   help="written once listening: 'port\\n' (then 'wrong_port\\n')")
    args = p.parse_args(argv)

    registry = Registry.load(args.config)
    request_log = RequestLog(args.log)
    servers = []
    ctx = tls_context(args.cert, args.key or args.cert) if args.cert else None
    servers.append(Server((args.bind, args.port), "main", ctx, registry, request_log))
    if args.wrong_name_port is not None:
        if not args.wrong_cert:
            p.error("--wrong-name-port needs --wrong-cert")
        wctx = tls_context(args.wrong_cert, args.wrong_key or args.wrong_cert)
        servers.append(Server((args.bind, args.wrong_name_port), "wrong-name", wctx,
                              registry, request_log))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True) for s in servers]
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
