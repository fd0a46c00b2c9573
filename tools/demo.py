#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make demo: every flow of the edgetoken CLI against the local Entra ID
emulator, over TLS with a throwaway CA, in a throwaway token store.

Each step prints the command a user would run against
login.microsoftonline.com (plus $EMU, which points it at the emulator) and
what it printed, tokens cut to a prefix and a fingerprint. A step whose
exit code or output is not the expected one fails the demo (exit 1).
"""

import hashlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import TENANT, Emulator, make_certs, secret_of  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD") or "build")
CLI = os.path.join(BUILD, "gcc", "edgetoken")
MAKE_CLIENT_CERTS = os.path.join(ROOT, "tests", "emulator", "make_client_certs.sh")
APP = "edgetoken-test-app"     # a service principal with a client secret
WEB_APP = "signin-web-app"     # ADME's default registration: a Web app with a secret
DEVICE_APP = "device-app"      # a public client; the emulator approves on the 3rd poll
CERT_APP = "cert-app"          # client-rsa.pem registered as its certificate
STEP_TIMEOUT = 60

# Tokens and codes: long runs of base64url/JWT characters.
SECRET_RUN = re.compile(r"[A-Za-z0-9._~+-]{40,}")


def fingerprint(text):
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:8]


def cut(match):
    t = match.group(0)
    return "%s...[%d chars, %s]" % (t[:10], len(t), fingerprint(t))


def redact(line):
    return SECRET_RUN.sub(cut, line)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Demo:
    def __init__(self, emu, store):
        self.emu = emu
        self.store = store
        self.failures = []
        self.emu_args = ["--authority", emu.authority, "--ca-file", emu.ca]

    def env(self, secret):
        drop = ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR", "XDG_STATE_HOME",
                "DISPLAY", "WAYLAND_DISPLAY")
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env["EDGETOKEN_STORE_DIR"] = self.store  # never the user's real store
        if secret is not None:
            env["EDGETOKEN_CLIENT_SECRET"] = secret
        return env

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
            print("  !! FAILED: %s" % what, flush=True)
        return ok

    def run(self, args, secret=None, expect=0, emu=True, on_stderr=None, shown=None):
        """Run edgetoken, echo stderr as it comes and stdout at the end
        (both redacted); check the exit code. Returns (rc, stdout, stderr)."""
        show = shown or args
        print("$ %sedgetoken %s%s" % ("EDGETOKEN_CLIENT_SECRET=... " if secret else "",
                                      " ".join(show), " $EMU" if emu else ""), flush=True)
        p = subprocess.Popen([CLI] + args + (self.emu_args if emu else []),
                             env=self.env(secret), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(STEP_TIMEOUT, p.kill)
        timer.start()
        out = []
        reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
        reader.start()
        err = []
        for line in p.stderr:
            err.append(line)
            if line.strip():
                print("  " + redact(line.rstrip()), flush=True)
            if on_stderr:
                on_stderr(line)
        reader.join()
        rc = p.wait()
        timer.cancel()
        stdout = "".join(out)
        for line in stdout.strip().splitlines():
            print("  " + redact(line), flush=True)
        print("  [exit %d]" % rc, flush=True)
        self.check(rc == expect, "edgetoken %s: exit %d, expected %d" % (args[0], rc, expect))
        return rc, stdout, "".join(err)

    def refresh_token_keys(self):
        if not os.path.isdir(self.store):
            return []
        return sorted(n for n in os.listdir(self.store) if n.startswith("rt-"))

    def stored_refresh_token(self, app):
        """Fingerprint of app's refresh token in the store, or None. The key
        is the one edgetoken uses: authority, tenant and client id hashed."""
        ident = "%s\n%s\n%s" % (self.emu.authority, TENANT, app)
        path = os.path.join(self.store, "rt-" + hashlib.sha256(ident.encode()).hexdigest()[:32])
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return fingerprint(f.read().strip())

    def browser(self, url):
        """What a browser does with the authorize URL: the emulator (a signed-in
        user who consents) answers 302 to the redirect URI, which curl follows
        into edgetoken's loopback listener."""
        print("  --- the \"browser\": curl follows the emulator's 302 to the listener",
              flush=True)
        print("  $ curl -sS -L --cacert ca.pem \"$URL\"      (URL: the line above)", flush=True)
        p = subprocess.run(["curl", "-sS", "-L", "--max-redirs", "1", "--cacert", self.emu.ca,
                            "-w", "\\n[%{num_redirects} redirect, HTTP %{http_code}]", url],
                           capture_output=True, text=True, timeout=STEP_TIMEOUT)
        page = re.sub(r"<[^>]+>", " ", re.sub(r"<(title|style)>.*?</\1>", "", p.stdout))
        text = " ".join(page.split())
        print("    %s%s" % (text, (" " + p.stderr.strip()) if p.stderr.strip() else ""),
              flush=True)
        self.check(p.returncode == 0 and "Signed in." in text, "the browser got no 'Signed in.'")


def step(title, *lines):
    print("\n== %s" % title)
    for line in lines:
        print("   " + line)
    print(flush=True)


def client_credentials(d):
    secret = secret_of(APP)
    common = ["--tenant", TENANT, "--client-id", APP]
    step("1a. Client credentials, v2.0: a service principal's access token",
         "The secret comes from the environment (or --client-secret-file), never argv.")
    rc, out, _ = d.run(["token"] + common, secret)
    d.check(out.count(".") == 2, "token: no JWT on stdout")
    step("1b. Client credentials, v1 with a resource (the curl of ADME's page), as JSON")
    rc, out, _ = d.run(["token"] + common + ["--endpoint", "v1", "--resource", APP, "--json"],
                       secret)
    d.check('"access_token"' in out and '"expires_in"' in out, "token --json: fields missing")
    step("1c. What is sent, secrets shown as ***", "--verbose logs each request on stderr.")
    rc, _, err = d.run(["token", "--verbose"] + common, secret)
    d.check("client_secret=***" in err and secret not in err, "--verbose: secret not redacted")
    step("1d. A wrong secret: Entra's error, explained (exit 3)")
    d.run(["token"] + common, "wrong-secret", expect=3)
    step("1e. A server certificate that is not trusted (exit 5)")
    d.run(["token"] + common + ["--authority", d.emu.authority, "--ca-file", d.emu.other_ca],
          secret, expect=5, emu=False,
          shown=["token"] + common + ["--authority", d.emu.authority,
                                      "--ca-file", "other-ca.pem"])


def sign_in(d):
    secret = secret_of(WEB_APP)
    common = ["--tenant", TENANT, "--client-id", WEB_APP]
    uri = "http://localhost:%d" % free_port()
    step("2a. A user signs in: edgetoken login (authorization code + PKCE)",
         "Replaces ADME's paste-the-URL, copy code= from the address bar, curl within",
         "10 minutes. edgetoken listens on the redirect URI (default localhost:8080)",
         "and would open the desktop's browser; here curl plays the browser.")
    opened = []

    def on_stderr(line):
        if line.startswith("https://"):
            opened.append(line.strip())
        if "waiting up to" in line and d.check(len(opened) == 1, "login printed no URL"):
            d.browser(opened[0])

    rc, out, err = d.run(["login"] + common + ["--redirect-uri", uri, "--no-browser",
                                               "--wait", "30"], secret, on_stderr=on_stderr)
    d.check("signed in as Alice Example (alice@contoso.onmicrosoft.com)" in err,
            "login: who signed in is not shown")
    d.check(out.count(".") == 2, "login: no access token on stdout")
    before = d.stored_refresh_token(WEB_APP)
    d.check(before is not None, "login: no refresh token in the store")
    print("  store: refresh token %s (file 0600, never printed)" % before, flush=True)

    step("2b. Later, without a browser: edgetoken refresh",
         "The stored refresh token is redeemed and replaced by the rotated one.")
    rc, out, _ = d.run(["refresh"] + common, secret)
    after = d.stored_refresh_token(WEB_APP)
    print("  store: refresh token %s -> %s%s" % (before, after,
          " (rotated)" if after and after != before else ""), flush=True)
    d.check(after is not None and after != before, "refresh: the refresh token did not rotate")


def device_code(d):
    common = ["--tenant", TENANT, "--client-id", DEVICE_APP]
    step("3a. Headless device: edgetoken device-login (device code, RFC 8628)",
         "Someone enters the code at microsoft.com/devicelogin on a phone or PC; the",
         "device polls meanwhile. The emulator answers authorization_pending twice,",
         "then approves (interval 1 s here; Entra's is 5 s).")
    seen = len(d.emu.requests())
    start = time.monotonic()
    rc, out, err = d.run(["device-login"] + common)
    polls = [r["status"] for r in d.emu.requests()[seen:] if r["path"].endswith("/token")]
    print("  the emulator saw %d polls (HTTP %s) in %.1f s" % (
        len(polls), ", ".join(str(s) for s in polls), time.monotonic() - start), flush=True)
    d.check(polls == [400, 400, 200], "device-login: expected pending, pending, token")
    d.check("enter the code" in err and out.count(".") == 2, "device-login: no code or token")
    key = d.refresh_token_keys()
    d.check(len(key) == 2, "device-login: no second refresh token in the store")
    print("  store: now %s: 2a's sign-in and this device's, under the key "
          "edgetoken refresh looks up" % ", ".join(key), flush=True)
    before = d.stored_refresh_token(DEVICE_APP)
    step("3b. The device renews its token unattended: edgetoken refresh")
    rc, out, _ = d.run(["refresh"] + common)
    after = d.stored_refresh_token(DEVICE_APP)
    print("  store: refresh token %s -> %s%s" % (before, after,
          " (rotated)" if after and after != before else ""), flush=True)
    d.check(out.count(".") == 2, "refresh: no access token on stdout")
    d.check(after is not None and after != before, "refresh: the refresh token did not rotate")


def certificate(d, certs):
    common = ["--tenant", TENANT, "--client-id", CERT_APP]
    step("4. Certificate credentials: a signed client assertion instead of a secret",
         "PS256 by default (RSA key); the key stays on the machine. The emulator checks",
         "the signature against the certificate registered on the app.")
    seen = len(d.emu.requests())
    rc, out, _ = d.run(["token"] + common + [
        "--certificate", os.path.join(certs, "client-rsa.pem"),
        "--private-key", os.path.join(certs, "client-rsa.key")],
        shown=["token"] + common + ["--certificate", "client-rsa.pem",
                                    "--private-key", "client-rsa.key"])
    forms = [r["form"] for r in d.emu.requests()[seen:] if r["path"].endswith("/token")]
    d.check(len(forms) == 1 and "client_assertion" in forms[0]
            and "client_secret" not in forms[0], "certificate: no assertion was sent")
    d.check(out.count(".") == 2, "certificate: no access token on stdout")


def main():
    start = time.monotonic()
    certs = make_certs(os.path.join(BUILD, "demo-certs"))
    # Before the emulator starts: it registers the client certificates then.
    subprocess.run([MAKE_CLIENT_CERTS, certs], check=True)
    with tempfile.TemporaryDirectory(prefix="edgetoken-demo-") as tmp, Emulator(certs) as emu:
        store = os.path.join(tmp, "store")
        print("Entra ID emulator on %s, test CA %s" % (emu.authority, emu.ca))
        print("EMU=\"--authority %s --ca-file %s\"   "
              "(against real Entra ID: leave $EMU out)" % (emu.authority, emu.ca))
        print("export EDGETOKEN_STORE_DIR=%s   (a throwaway token store)" % store)
        d = Demo(emu, store)
        client_credentials(d)
        sign_in(d)
        device_code(d)
        certificate(d, certs)
    print("\n%s in %.1f s" % ("demo: all steps as expected" if not d.failures else
                              "demo: %d step(s) FAILED: %s" % (len(d.failures),
                                                               "; ".join(d.failures)),
                              time.monotonic() - start))
    return 1 if d.failures else 0


if __name__ == "__main__":
    sys.exit(main())
