#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The CLI's store against the emulator over TLS: keys that do not depend
on how the authority and tenant are spelled (and old keys still found),
the refresh-token size limit (one for save and load), responses larger
than 16 KB, logout removing the cached access tokens, and what a sign-in
prints about the user.

    test_store_key.py --cli build/gcc/edgetoken --certs build/test-certs

The emulator's "limits-app" (a public client) has its knobs set per test
through POST /_emulator/app. Prints TAP; exits non-zero on failure.
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

from harness import TENANT, app_knobs, cli_args, run_tap

CLI = None
EMU = None
APP = "limits-app"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # contoso-tenant's GUID
RT_MAX = 16 * 1024  # CLI_REFRESH_TOKEN_MAX: a quarter of the 64 KB workspace


def knobs(**kv):
    app_knobs(EMU, APP, **kv)


def old_key(prefix, authority, tenant, app=APP):
    """A key of the scheme before normalisation: the options as typed."""
    ident = "%s\n%s\n%s" % (authority, tenant, app)
    return prefix + hashlib.sha256(ident.encode()).hexdigest()[:32]


class StoreKeyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-storekey-")
        self.store = os.path.join(self.tmp.name, "store")
        knobs(user_token_size=None, token_size=None, refresh_token_size=None, user=None)

    def tearDown(self):
        self.tmp.cleanup()

    def cli(self, cmd, authority=None, tenant=TENANT, extra=(), env=None):
        e = {k: v for k, v in os.environ.items()
             if k not in ("EDGETOKEN_CLIENT_SECRET", "DISPLAY", "WAYLAND_DISPLAY")}
        e["EDGETOKEN_STORE_DIR"] = self.store
        e.update(env or {})
        args = [CLI, cmd, "--tenant", tenant, "--client-id", APP,
                "--authority", authority or EMU.authority, "--ca-file", EMU.ca,
                "--timeout", "20"]
        if cmd == "device-login":
            args += ["--no-qr"]
        return subprocess.run(args + list(extra), env=e, capture_output=True, text=True,
                              timeout=60)

    def files(self, prefix=""):
        return sorted(f for f in os.listdir(self.store) if f.startswith(prefix))

    def read(self, name):
        with open(os.path.join(self.store, name)) as f:
            return f.read()

    def sign_in(self, **kw):
        p = self.cli("device-login", **kw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def rt(self):
        rts = self.files("rt-")
        self.assertEqual(len(rts), 1, self.files())
        return rts[0], self.read(rts[0])

    # --- one key however the authority and tenant are spelled ----------

    def test_spellings_find_the_same_sign_in(self):
        port = EMU.authority.rsplit(":", 1)[1]
        self.sign_in(authority="https://localhost:%s" % port)
        key, token = self.rt()
        for authority, tenant in (("https://localhost:%s/" % port, TENANT),
                                  ("HTTPS://LocalHost:%s//" % port, TENANT),
                                  ("https://localhost:%s" % port, "Contoso-Tenant")):
            with self.subTest(authority=authority, tenant=tenant):
                p = self.cli("refresh", authority=authority, tenant=tenant)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(self.files("rt-"), [key], "one sign-in, one key")
        self.assertNotEqual(self.read(key), token, "rotated under the same key")

    def test_tenant_guid_in_upper_case(self):
        self.sign_in(tenant=TENANT_ID)
        key, _ = self.rt()
        p = self.cli("refresh", tenant=TENANT_ID.upper())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.files("rt-"), [key])

    def test_default_port_elided(self):
        # The key of https://h:443 is the key of https://h: no server listens
        # on 443 here, so the keys are compared, not used.
        os.makedirs(self.store, mode=0o700)
        for spelling in ("https://login.example.com:443", "https://Login.Example.com/"):
            p = self.cli("logout", authority=spelling)
            self.assertEqual(p.returncode, 0, p.stderr)
        locks = [f for f in os.listdir(self.store) if f.endswith(".lock")]
        rt_locks = sorted({f for f in locks if f.startswith(".rt-")})
        self.assertEqual(len(rt_locks), 1, locks)
        ident = "https://login.example.com\n%s\n%s" % (TENANT, APP)
        self.assertEqual(rt_locks[0], ".rt-%s.lock" % hashlib.sha256(ident.encode())
                         .hexdigest()[:32])

    def test_old_keys_still_found_and_moved(self):
        # A store written by the scheme before normalisation: the options as
        # typed, here with a trailing slash and a capital letter.
        port = EMU.authority.rsplit(":", 1)[1]
        typed = "https://LOCALHOST:%s/" % port
        self.sign_in()
        new_key, token = self.rt()
        scope = [f for f in self.files("sc-")]
        self.assertEqual(len(scope), 1)
        legacy = old_key("rt-", typed, "Contoso-Tenant")
        legacy_sc = old_key("sc-", typed, "Contoso-Tenant")
        os.rename(os.path.join(self.store, new_key), os.path.join(self.store, legacy))
        os.rename(os.path.join(self.store, scope[0]), os.path.join(self.store, legacy_sc))
        p = self.cli("refresh", authority=typed, tenant="Contoso-Tenant")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.files("rt-"), [new_key], "moved to the new key")
        self.assertEqual(self.files("sc-"), scope)
        self.assertNotEqual(self.read(new_key), token, "refreshed from the old key's token")

    # --- refresh tokens: one size limit for save and load ----------------

    def test_refresh_token_at_the_limit_saves_and_loads(self):
        knobs(refresh_token_size=RT_MAX)
        self.sign_in()
        _, token = self.rt()
        self.assertEqual(len(token), RT_MAX)
        p = self.cli("refresh")  # loads it back and sends it
        self.assertEqual(p.returncode, 0, p.stderr)
        _, rotated = self.rt()
        self.assertEqual(len(rotated), RT_MAX)
        self.assertNotEqual(rotated, token)
        p = self.cli("get", extra=["--force-refresh"])
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_refresh_token_over_the_limit_refused_old_kept(self):
        knobs(refresh_token_size=RT_MAX + 1)
        p = self.cli("device-login")
        self.assertEqual(p.returncode, 0, p.stderr)  # the access token is still printed
        self.assertIn("longer than the %d the store takes" % RT_MAX, p.stderr)
        self.assertFalse(os.path.isdir(self.store) and self.files("rt-"), "nothing saved")
        knobs(refresh_token_size=None)
        self.sign_in()
        key, token = self.rt()
        knobs(refresh_token_size=RT_MAX + 1)
        p = self.cli("refresh")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("the old one is kept", p.stderr)
        self.assertEqual(self.read(key), token, "old refresh token kept")
        knobs(refresh_token_size=None)
        p = self.cli("refresh")  # Entra keeps a used refresh token valid
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotEqual(self.read(key), token)

    # --- responses over 16 KB ---------------------------------------------

    def test_response_over_16k(self):
        knobs(user_token_size=40000, token_size=40000)  # many group claims
        p = self.sign_in()
        self.assertIn(len(p.stdout.strip()), range(40000, 40016))
        p = self.cli("refresh")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(len(p.stdout.strip()), range(40000, 40016))
        p = self.cli("get")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(len(p.stdout.strip()), range(40000, 40016))

    def test_response_over_the_workspace_keeps_the_refresh_token(self):
        self.sign_in()
        key, token = self.rt()
        knobs(user_token_size=70000)  # more than the 64 KB workspace
        p = self.cli("refresh")
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("larger than the workspace", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(self.read(key), token, "stored refresh token unchanged")
        knobs(user_token_size=None)
        p = self.cli("refresh")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotEqual(self.read(key), token)

    # --- logout removes everything, cached access tokens included ------

    def test_logout_removes_cached_access_tokens(self):
        self.sign_in()
        for scope in (None, "%s/.default offline_access" % APP):
            p = self.cli("get", extra=["--scope", scope] if scope else [])
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.files("at-")), 2, self.files())
        p = self.cli("logout")
        self.assertEqual(p.returncode, 0, p.stderr)
        left = [f for f in self.files() if not f.startswith(".")]
        self.assertEqual(left, [], "logout left %s" % left)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(StoreKeyTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
