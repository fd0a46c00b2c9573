#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""User sign-in with the edgetoken CLI against the emulator, over real TLS:
login with a scripted browser, the paste path (authorize-url + redeem),
refresh with rotation, and the failures a user meets.

    test_signin.py --cli build/gcc/edgetoken --certs build/test-certs

The "browser" fetches the authorize URL from the emulator WITHOUT following
the redirect, then delivers the Location to the CLI's loopback listener,
as a real browser would. Prints TAP; exits non-zero on failure.
"""

import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import (TENANT, app_knobs, assert_client_kept_secrets, cli_args, run_tap,
                     secret_of)

CLI = None
EMU = None

WEB = "signin-web-app"
PUBLIC = "signin-public-app"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browse(url):
    """GET url from the emulator as a signed-in browser: (status, Location, body)."""
    ctx = ssl.create_default_context(cafile=EMU.ca)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), NoRedirect)
    try:
        r = opener.open(url, timeout=10)
        return r.status, r.headers.get("Location"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location"), e.read().decode()


def deliver(location, attempts=50):
    """The browser follows the redirect to the loopback listener."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(location, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except (ConnectionError, urllib.error.URLError):
            time.sleep(0.1)
    raise AssertionError("the listener never answered")


class Cli:
    """One edgetoken process with its own store directory."""

    def __init__(self, store):
        self.store = store

    def env(self, secret):
        env = {k: v for k, v in os.environ.items()
               if k not in ("EDGETOKEN_CLIENT_SECRET", "DISPLAY", "WAYLAND_DISPLAY")}
        env["EDGETOKEN_STORE_DIR"] = self.store
        if secret is not None:
            env["EDGETOKEN_CLIENT_SECRET"] = secret
        return env

    def args(self, cmd, app, extra=()):
        return [CLI, cmd, "--tenant", TENANT, "--client-id", app,
                "--authority", EMU.authority, "--ca-file", EMU.ca] + list(extra)

    def run(self, cmd, app, secret=None, extra=(), stdin=None):
        return subprocess.run(self.args(cmd, app, extra), env=self.env(secret),
                              input=stdin, capture_output=True, text=True, timeout=60)

    def start_login(self, app, secret=None, port=None, extra=()):
        """Start `login`; return (process, authorize URL, redirect URI)."""
        port = port or free_port()
        uri = "http://localhost:%d/" % port
        p = subprocess.Popen(self.args("login", app, ["--redirect-uri", uri, "--wait", "20"]
                                       + list(extra)),
                             env=self.env(secret), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        url = None
        lines = []
        for line in p.stderr:
            lines.append(line)
            if line.startswith("https://"):
                url = line.strip()
            if "waiting up to" in line:
                break
        if url is None:
            p.kill()
            raise AssertionError("no URL printed: " + "".join(lines))
        p.early_stderr = "".join(lines)
        return p, url, uri

    @staticmethod
    def finish(p):
        out, err = p.communicate(timeout=60)
        return p.returncode, out, p.early_stderr + err


class SigninTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-signin-")
        self.store = os.path.join(self.tmp.name, "state", "edgetoken")
        self.cli = Cli(self.store)

    def tearDown(self):
        self.tmp.cleanup()

    def stored(self):
        """{name: (mode, content)} of the store directory."""
        out = {}
        for name in os.listdir(self.store):
            path = os.path.join(self.store, name)
            with open(path) as f:
                out[name] = (stat.S_IMODE(os.stat(path).st_mode), f.read())
        return out

    def refresh_token(self):
        rts = [v for k, v in self.stored().items() if k.startswith("rt-")]
        self.assertEqual(len(rts), 1, self.stored().keys())
        return rts[0][1]

    def login(self, app=WEB, secret=None):
        secret = secret_of(app) if secret is None and app == WEB else secret
        p, url, uri = self.cli.start_login(app, secret)
        status, loc, _ = browse(url)
        self.assertEqual(status, 302)
        self.assertTrue(loc.startswith(uri + "?"), loc)
        page = deliver(loc)
        rc, out, err = Cli.finish(p)
        return rc, out, err, page, url

    def assertNoSecrets(self, text, *secrets):
        for s in secrets:
            self.assertNotIn(s, text)

    # --- the whole login flow ---------------------------------------------

    def test_login_web_app(self):
        before = len(EMU.requests())
        rc, out, err, page, url = self.login()
        self.assertEqual(rc, 0, err)
        self.assertEqual(page[0], 200)
        self.assertIn("Signed in.", page[1])
        self.assertEqual(len(out.strip().split(".")), 3, "a JWT on stdout")
        self.assertIn("signed in as Alice Example (alice@contoso.onmicrosoft.com)", err)
        # The authorize URL: PKCE S256, state, scope for ADME, our redirect URI.
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(q["response_type"], "code")
        self.assertEqual(q["code_challenge_method"], "S256")
        self.assertRegex(q["code_challenge"], r"^[A-Za-z0-9_-]{43}$")
        self.assertGreaterEqual(len(q["state"]), 16)
        self.assertEqual(q["scope"], WEB + "/.default openid profile offline_access")
        # The refresh token: stored 0600 in a 0700 directory, never printed.
        files = self.stored()
        rt = self.refresh_token()
        self.assertTrue(all(mode == 0o600 for mode, _ in files.values()), files)
        self.assertEqual(stat.S_IMODE(os.stat(self.store).st_mode), 0o700)
        self.assertGreater(len(rt), 500)
        self.assertNoSecrets(out + err, rt, secret_of(WEB))
        # The redemption: secret for a Web app, verifier, same redirect URI.
        tok = [r for r in EMU.requests()[before:] if r["path"].endswith("/token")]
        self.assertEqual(len(tok), 1)
        form = tok[0]["form"]
        self.assertEqual(form["grant_type"], "authorization_code")
        self.assertIn("client_secret", form)
        self.assertIn("code_verifier", form)
        assert_client_kept_secrets(self, EMU, out, err)
        self.assertEqual(form["redirect_uri"], q["redirect_uri"])

    def test_login_public_client_sends_no_secret(self):
        before = len(EMU.requests())
        rc, out, err, page, _ = self.login(app=PUBLIC)
        self.assertEqual(rc, 0, err)
        tok = [r for r in EMU.requests()[before:] if r["path"].endswith("/token")]
        self.assertNotIn("client_secret", tok[0]["form"])
        self.assertTrue(self.refresh_token())

    def test_login_port_0_sends_the_picked_port(self):
        p, url, _ = self.cli.start_login(PUBLIC, extra=["--redirect-uri",
                                                        "http://localhost:0/"])
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        port = urllib.parse.urlsplit(q["redirect_uri"]).port
        self.assertTrue(port and port > 0, q["redirect_uri"])
        self.assertEqual(q["redirect_uri"], "http://localhost:%d/" % port)
        self.assertIn("on http://localhost:%d/" % port, p.early_stderr)
        status, loc, _ = browse(url)
        self.assertEqual(status, 302)
        self.assertEqual(deliver(loc)[0], 200)
        rc, out, err = Cli.finish(p)
        self.assertEqual(rc, 0, err)

    def test_stray_requests_do_not_end_the_wait(self):
        p, url, uri = self.cli.start_login(PUBLIC)
        self.assertEqual(deliver(uri + "favicon.ico")[0], 404)
        _, loc, _ = browse(url)
        self.assertEqual(deliver(loc)[0], 200)
        rc, _, err = Cli.finish(p)
        self.assertEqual(rc, 0, err)

    def test_state_mismatch_refused(self):
        p, url, uri = self.cli.start_login(PUBLIC)
        _, loc, _ = browse(url)
        forged = re.sub(r"state=[^&]*", "state=forged-by-another-site", loc)
        status, body = deliver(forged)
        self.assertEqual(status, 400)
        self.assertIn("state mismatch", body)
        # Refused, and the wait goes on (issue 14): a forged answer cannot
        # cancel the sign-in; the browser's own answer still ends it.
        self.assertEqual(deliver(loc)[0], 200)
        rc, out, err = Cli.finish(p)
        self.assertEqual(rc, 0, err)
        self.assertIn("still waiting", err)

    def test_declined_sign_in(self):
        p, url, uri = self.cli.start_login("signin-decline-app")
        status, loc, _ = browse(url)
        self.assertEqual(status, 302)
        self.assertIn("error=access_denied", loc)
        page = deliver(loc)
        self.assertEqual(page[0], 400)
        self.assertIn("access_denied", page[1])
        rc, out, err = Cli.finish(p)
        self.assertEqual(rc, 3, err)
        self.assertIn("AADSTS65004", err)
        self.assertIn("declined", err)
        self.assertNotIn("(HTTP", err, "a redirect's error has no HTTP status")
        self.assertEqual(out, "")

    def test_signed_in_as_without_a_name(self):
        # Entra's optional claims: the line falls back from the name to the
        # account (preferred_username, upn, email), then the object id, and
        # is left out when there is nothing.
        oid = "0d5c7a2e-1111-4b8e-9a51-1f6f1f2b7a10"
        cases = [({"name": "Bob", "preferred_username": "bob@x.example"},
                  "signed in as Bob (bob@x.example)\n"),
                 ({"name": "Bob"}, "signed in as Bob\n"),
                 ({"preferred_username": "bob@x.example"}, "signed in as bob@x.example\n"),
                 ({"upn": "bob@upn.example"}, "signed in as bob@upn.example\n"),
                 ({"email": "bob@mail.example"}, "signed in as bob@mail.example\n"),
                 ({}, "signed in as %s\n" % oid)]
        try:
            for user, line in cases:
                with self.subTest(user=user):
                    app_knobs(EMU, "limits-app", user=dict(user, oid=oid))
                    rc, out, err, _, _ = self.login(app="limits-app")
                    self.assertEqual(rc, 0, err)
                    self.assertIn("edgetoken: " + line, err)
                    self.assertNotIn("signed in as \n", err)
                    self.assertNotIn("signed in as (", err)
        finally:
            app_knobs(EMU, "limits-app", user=None)

    def test_empty_display_is_no_desktop(self):
        # DISPLAY= (set but empty) and WAYLAND_DISPLAY= are no desktop: no
        # browser is started; DISPLAY=:99 (the control) starts one.
        bindir = os.path.join(self.tmp.name, "bin")
        mark = os.path.join(self.tmp.name, "xdg-open-ran")
        os.makedirs(bindir)
        with open(os.path.join(bindir, "xdg-open"), "w") as f:
            f.write("#!/bin/sh\ntouch %s\n" % mark)
        os.chmod(os.path.join(bindir, "xdg-open"), 0o755)
        for display, wayland, started in (("", "", False), ("", None, False),
                                          (None, "", False), (":99", None, True)):
            with self.subTest(display=display, wayland=wayland):
                env = self.cli.env(None)
                env["PATH"] = bindir + ":" + env.get("PATH", "")
                for k, v in (("DISPLAY", display), ("WAYLAND_DISPLAY", wayland)):
                    if v is not None:
                        env[k] = v
                p = subprocess.run(self.cli.args("login", PUBLIC, ["--redirect-uri",
                                                                   "http://localhost:0/",
                                                                   "--wait", "1"]),
                                   env=env, capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 8, p.stderr)  # nobody answered
                time.sleep(0.2)
                self.assertEqual(os.path.exists(mark), started, p.stderr)
                if os.path.exists(mark):
                    os.unlink(mark)

    def test_expired_code(self):
        p, url, uri = self.cli.start_login("signin-short-code-app")
        _, loc, _ = browse(url)
        time.sleep(1.5)  # the app's codes live 1 s
        deliver(loc)
        rc, out, err = Cli.finish(p)
        self.assertEqual(rc, 8, err)
        self.assertIn("AADSTS70008", err)
        self.assertIn("run `edgetoken login` again", err)

    def test_no_browser_answer_times_out(self):
        p = subprocess.run(self.cli.args("login", PUBLIC, [
            "--redirect-uri", "http://localhost:%d/" % free_port(), "--wait", "1"]),
            env=self.cli.env(None), capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn("no answer from the browser", p.stderr)

    def test_port_in_use(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        try:
            p = self.cli.run("login", PUBLIC, extra=[
                "--redirect-uri", "http://localhost:%d/" % s.getsockname()[1]])
        finally:
            s.close()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("in use", p.stderr)

    def test_unknown_app_and_bad_redirect_get_entra_error_pages(self):
        port = free_port()
        for app, uri, aadsts in (("no-such-app", "http://localhost:%d/" % port, "AADSTS700016"),
                                 (PUBLIC, "http://localhost:%d/elsewhere" % port, "AADSTS50011")):
            p = self.cli.run("authorize-url", app, extra=["--redirect-uri", uri])
            self.assertEqual(p.returncode, 0, p.stderr)
            status, loc, body = browse(p.stdout.strip())
            self.assertEqual(status, 400)
            self.assertIsNone(loc, "no redirect for an untrusted app or URI")
            self.assertIn(aadsts, body)

    # --- the paste path -----------------------------------------------------

    def authorize_and_browse(self, app=WEB, secret=None, uri="http://localhost:8080"):
        p = self.cli.run("authorize-url", app, secret, extra=["--redirect-uri", uri])
        self.assertEqual(p.returncode, 0, p.stderr)
        url = p.stdout.strip()
        self.assertTrue(url.startswith(EMU.authority + "/"), url)
        self.assertIn("redeem --redirect -", p.stderr)
        pending = [k for k in self.stored() if k.startswith("pending-")]
        self.assertEqual(len(pending), 1)
        self.assertEqual(self.stored()[pending[0]][0], 0o600)
        status, loc, _ = browse(url)
        self.assertEqual(status, 302)
        return loc

    def test_paste_redirect_on_stdin(self):
        loc = self.authorize_and_browse()
        p = self.cli.run("redeem", WEB, secret_of(WEB), extra=["--redirect", "-"],
                         stdin=loc + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3)
        self.assertNotIn("other users can read", p.stderr)
        self.assertTrue(self.refresh_token())
        self.assertFalse([k for k in self.stored() if k.startswith("pending-")])
        # A code works once.
        self.authorize_and_browse()
        p = self.cli.run("redeem", WEB, secret_of(WEB), extra=["--redirect", "-"],
                         stdin=loc + "\n")
        self.assertEqual(p.returncode, 8, p.stderr)  # the old state: not this sign-in

    def test_paste_code_only_on_argv(self):
        loc = self.authorize_and_browse(app=PUBLIC)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))["code"]
        p = self.cli.run("redeem", PUBLIC, extra=["--code", code])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("other users can read", p.stderr)
        # Again: Entra says the code was redeemed already.
        self.authorize_and_browse(app=PUBLIC)
        p = self.cli.run("redeem", PUBLIC, extra=["--code", "-"], stdin=code)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("AADSTS54005", p.stderr)

    def test_paste_with_foreign_state_refused(self):
        loc = self.authorize_and_browse(app=PUBLIC)
        forged = re.sub(r"state=[^&]*", "state=someone-else", loc)
        p = self.cli.run("redeem", PUBLIC, extra=["--redirect", "-"], stdin=forged)
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn("state does not match", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_redeem_without_authorize_url(self):
        p = self.cli.run("redeem", PUBLIC, extra=["--code", "-"], stdin="x")
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn("authorize-url", p.stderr)

    # --- refresh --------------------------------------------------------------

    def test_refresh_rotates_and_old_token_is_refused(self):
        rc, _, err, _, _ = self.login()
        self.assertEqual(rc, 0, err)
        first = self.refresh_token()
        p = self.cli.run("refresh", WEB, secret_of(WEB))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3)
        second = self.refresh_token()
        self.assertNotEqual(first, second, "rotated")
        self.assertNoSecrets(p.stdout + p.stderr, first, second)
        p = self.cli.run("refresh", WEB, secret_of(WEB))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotEqual(self.refresh_token(), second)
        # Put the first token back: the emulator refuses it (rotated away).
        name = [k for k in self.stored() if k.startswith("rt-")][0]
        with open(os.path.join(self.store, name), "w") as f:
            f.write(first)
        p = self.cli.run("refresh", WEB, secret_of(WEB))
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn("AADSTS50173", p.stderr)
        self.assertIn("run `edgetoken login`", p.stderr)
        self.assertEqual(self.refresh_token(), first, "kept for a later look")

    def test_refresh_after_90_days_inactive(self):
        app = "signin-inactive-app"
        rc, _, err, _, _ = self.login(app=app)
        self.assertEqual(rc, 0, err)
        p = self.cli.run("refresh", app)
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn("AADSTS700082", p.stderr)
        self.assertIn("expired after 90 days of inactivity: run `edgetoken login`", p.stderr)

    def test_refresh_without_sign_in(self):
        p = self.cli.run("refresh", PUBLIC)
        self.assertEqual(p.returncode, 8, p.stderr)
        self.assertIn("run `edgetoken login`", p.stderr)

    def test_refresh_public_client_with_secret_refused(self):
        rc, _, err, _, _ = self.login(app=PUBLIC)
        self.assertEqual(rc, 0, err)
        p = self.cli.run("refresh", PUBLIC, secret="not-for-a-public-client")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("AADSTS700025", p.stderr)
        self.assertTrue(self.refresh_token(), "a refused refresh keeps the token")


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(SigninTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
