#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Properties of the edgetoken CLI that cannot be seen in its answers, observed
from outside the process:

- the store's crash safety: write -> fsync(temp) -> rename -> fsync(dir),
  recorded by an LD_PRELOAD shim (shims/fsync_order.c);
- secrets wiped: the process's own writable memory scanned at exit, and
  whenever it writes to stderr after a failed exchange (shims/memscan.c);
- randomness from getrandom(2) only: with getrandom fixed by a shim
  (shims/fixed_random.c), state and PKCE challenge are a function of it;
- the redirect listener bound to loopback only (its sockets in /proc);
- TLS below 1.2 refused (a TLS 1.0/1.1-only server);
- no control bytes from the server on the terminal;
- a warning for a secret file others can read;
- every command's --verbose output free of every spelling of every secret.

    test_hardening.py --cli build/gcc/edgetoken --certs build/test-certs
"""

import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import warnings

from harness import (HERE, TENANT, DEFAULT_REGISTRY, assert_client_kept_secrets, cli_args,
                     run_tap, secret_of)

CLI = None
EMU = None
SHIMS = {}
APP = "edgetoken-test-app"
WEB = "signin-web-app"


def build_shims(outdir):
    for name in ("fsync_order", "memscan", "fixed_random"):
        so = os.path.join(outdir, name + ".so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror",
                        "-o", so, os.path.join(HERE, "shims", name + ".c"), "-ldl"],
                       check=True)
        SHIMS[name] = so


def env_for(secret=None, store=None, extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "DISPLAY", "WAYLAND_DISPLAY", "LD_PRELOAD")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    if store is not None:
        env["EDGETOKEN_STORE_DIR"] = store
    env.update(extra or {})
    return env


def run(args, secret=None, store=None, extra_env=None, stdin=None, timeout=60):
    return subprocess.run([CLI] + args, env=env_for(secret, store, extra_env), input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def common(cmd, app, authority=None, extra=()):
    return [cmd, "--tenant", TENANT, "--client-id", app, "--authority",
            authority or EMU.authority, "--ca-file", EMU.ca] + list(extra)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browse(url):
    """The signed-in browser at the authorize URL: the redirect's Location."""
    ctx = ssl.create_default_context(cafile=EMU.ca)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as e:
        if e.code == 302:
            return e.headers["Location"]
        raise
    raise AssertionError("no redirect")


def hexes(*values):
    return ",".join(v.encode().hex() for v in values)


def control_bytes(text):
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7f]


class TlsOldServer:
    """A TLS server on localhost with the emulator's certificate that speaks
    only the versions given; records whether a handshake completed."""

    def __init__(self, lo, hi):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.minimum_version = lo
            self.ctx.maximum_version = hi
        self.ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        self.ctx.load_cert_chain(os.path.join(EMU.certs, "server.pem"),
                                 os.path.join(EMU.certs, "server.key"))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.handshakes = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(5)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as s:
                    self.handshakes.append(s.version())
                    s.recv(4096)
                    s.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                              b"Connection: close\r\n\r\n")
            except (ssl.SSLError, OSError):
                conn.close()

    def close(self):
        self.sock.close()


class HostileTls:
    """A TLS server on localhost with the emulator's certificate; each
    connection (in its own thread) reads the request, then runs handler(s)."""

    def __init__(self, handler):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(EMU.certs, "server.pem"),
                                 os.path.join(EMU.certs, "server.key"))
        self.handler = handler
        self.stop = False
        self.conns = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns += 1
            threading.Thread(target=self.one, args=(conn,), daemon=True).start()

    def one(self, conn):
        conn.settimeout(30)
        try:
            with self.ctx.wrap_socket(conn, server_side=True) as s:
                s.recv(65536)
                self.handler(self, s)
        except (ssl.SSLError, OSError):
            conn.close()

    def close(self):
        self.stop = True
        self.sock.close()

    @property
    def authority(self):
        return "https://localhost:%d" % self.port


def trickle(server, s):
    """One byte of a never-ending header every 0.4 s: each receive gets
    something well within any per-receive timeout."""
    s.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not server.stop:
        s.sendall(b"a")
        time.sleep(0.4)


OTHER_UID = 54321  # another local user: only ownership matters, no account needed


class StoreChecks:
    """The store directory and its files against another local user: refused
    unless ours and writable by no one else (needs root to play the other
    user: skipped otherwise)."""

    def need_root(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to create files of another user")

    def device_login(self, store, app="device-confidential-app"):
        return run(common("device-login", app, extra=["--no-qr"]), secret=secret_of(app),
                   store=store)

    def refresh(self, store, app="device-confidential-app", extra=()):
        return run(common("refresh", app, extra=list(extra)), secret=secret_of(app),
                   store=store)

    def signed_in(self):
        p = self.device_login(self.store)
        self.assertEqual(p.returncode, 0, p.stderr)
        rts = [n for n in os.listdir(self.store) if n.startswith("rt-")]
        self.assertEqual(len(rts), 1, os.listdir(self.store))
        return rts[0]

    def test_store_dir_writable_by_others_refused(self):
        os.mkdir(self.store)
        os.chmod(self.store, 0o777)
        p = self.device_login(self.store)  # signed in, but nothing saved there
        self.assertIn("writable by other users", p.stderr)
        self.assertEqual([n for n in os.listdir(self.store) if not n.endswith(".lock")], [])

    def test_store_dir_of_another_user_refused(self):
        self.need_root()
        os.mkdir(self.store, 0o700)
        os.chown(self.store, OTHER_UID, OTHER_UID)
        p = self.device_login(self.store)
        self.assertIn("belongs to another user", p.stderr)
        self.assertEqual(os.listdir(self.store), [])

    def test_store_dir_symlink_into_another_users_dir_refused(self):
        self.need_root()
        theirs = os.path.join(self.tmp.name, "theirs")
        os.mkdir(theirs, 0o755)
        os.chown(theirs, OTHER_UID, OTHER_UID)
        os.symlink(theirs, self.store)
        os.lchown(self.store, OTHER_UID, OTHER_UID)
        p = self.device_login(self.store)
        self.assertIn("another user", p.stderr)
        self.assertEqual(os.listdir(theirs), [])

    def test_substituted_refresh_token_refused(self):
        self.need_root()
        rt = os.path.join(self.store, self.signed_in())
        os.unlink(rt)
        with open(rt, "w") as f:  # the other user's token in our store
            f.write("their-refresh-token")
        os.chown(rt, OTHER_UID, OTHER_UID)
        mark = EMU.mark()
        p = self.refresh(self.store)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("belongs to another user", p.stderr)
        self.assertNotIn("their-refresh-token", repr(EMU.events()[mark:]))

    def test_lock_file_of_another_user_refused(self):
        self.need_root()
        import fcntl
        rt = self.signed_in()
        lock = os.path.join(self.store, "." + rt + ".lock")
        if os.path.exists(lock):
            os.unlink(lock)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        os.fchmod(fd, 0o666)
        os.fchown(fd, OTHER_UID, OTHER_UID)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)  # held open and locked "by them"
            t0 = time.monotonic()
            p = self.refresh(self.store, extra=["--timeout", "5"])
            took = time.monotonic() - t0
        finally:
            os.close(fd)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("belongs to another user", p.stderr)
        self.assertLess(took, 3)

    def test_leftover_temps_removed_and_logout_removes_everything(self):
        rt = self.signed_in()
        young = os.path.join(self.store, "." + rt + ".tmp.AbCdEf")
        old = os.path.join(self.store, ".pending-0123.tmp.XyZ123")
        for path in (young, old):
            with open(path, "w") as f:
                f.write("a-refresh-token-of-a-crashed-save")
            os.chmod(path, 0o600)
        os.utime(old, (time.time() - 600, time.time() - 600))
        p = self.refresh(self.store)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(young), "a dead writer's temp file survived refresh")
        self.assertFalse(os.path.exists(old), "an old temp file survived start-up")
        p = run(common("logout", "device-confidential-app"), store=self.store)
        self.assertEqual(p.returncode, 0, p.stderr)
        left = [n for n in os.listdir(self.store) if not n.endswith(".lock")]
        self.assertEqual(left, [], "logout left %s" % left)
        for n in os.listdir(self.store):
            self.assertEqual(os.path.getsize(os.path.join(self.store, n)), 0, n)
        p = self.refresh(self.store)
        self.assertEqual(p.returncode, 8, p.stderr)


class ListenerChecks:
    """The loopback listener of `login` against a hostile local client."""

    def start_login(self):
        proc = subprocess.Popen(
            [CLI] + common("login", WEB, extra=["--no-browser", "--redirect-uri",
                                                "http://localhost:0/", "--wait", "30"]),
            env=env_for(secret_of(WEB), self.store), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        early, url = [], None
        for line in proc.stderr:
            early.append(line)
            if line.startswith("https://"):
                url = line.strip()
            if "waiting up to" in line:
                break
        self.assertIsNotNone(url, "".join(early))
        q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        port = urllib.parse.urlparse(q["redirect_uri"][0]).port
        return proc, url, port

    def finish_login(self, proc, url):
        loc = browse(url)
        urllib.request.urlopen(loc, timeout=10).read()
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        return err

    def test_only_the_right_state_ends_the_wait(self):
        proc, url, port = self.start_login()
        try:
            for path in ("/", "/?code=forged&state=wrong", "/?code=forged",
                         "/?error=access_denied", "/?code=x&state=a&state=b"):
                with self.assertRaises(urllib.error.HTTPError) as cm:
                    urllib.request.urlopen("http://localhost:%d%s" % (port, path), timeout=10)
                self.assertEqual(cm.exception.code, 400, path)
                time.sleep(0.1)
                self.assertIsNone(proc.poll(), "%s ended the sign-in" % path)
            err = self.finish_login(proc, url)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertIn("still waiting", err)

    def test_drain_after_an_error_page_is_bounded(self):
        proc, url, port = self.start_login()
        stats = {}

        def stream():
            s = socket.create_connection(("localhost", port))
            s.sendall(b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n")
            t0 = time.monotonic()
            chunk = b"x" * 65536
            try:
                while time.monotonic() - t0 < 15:
                    s.sendall(chunk)
            except OSError:
                pass
            stats["held"] = time.monotonic() - t0
            s.close()
        try:
            t = threading.Thread(target=stream, daemon=True)
            t.start()
            t.join(20)
            self.assertIsNone(proc.poll())
            self.finish_login(proc, url)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertLess(stats.get("held", 99), 2.0, "the listener drained a streaming peer")


class BrowserChecks:
    """What the browser gets from `login`: a fake xdg-open records its argv,
    its environment, its parent's /proc environ and the page it was given."""

    def fake_browser(self):
        self.bin = os.path.join(self.tmp.name, "bin")
        self.rec = os.path.join(self.tmp.name, "rec")
        self.runtime = os.path.join(self.tmp.name, "run")
        for d in (self.bin, self.rec, self.runtime):
            os.mkdir(d, 0o700)
        fake = os.path.join(self.bin, "xdg-open")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n"
                    "R=%s\n"
                    "printf '%%s\\n' \"$@\" > $R/argv\n"
                    "env > $R/env\n"
                    "tr '\\0' '\\n' < /proc/$PPID/environ > $R/parent-environ 2>/dev/null\n"
                    "tr '\\0' ' ' < /proc/$PPID/cmdline > $R/parent-cmdline 2>/dev/null\n"
                    "if [ -f \"$1\" ]; then cat \"$1\" > $R/page; stat -c %%a \"$1\" > $R/mode;"
                    " stat -c %%a \"$(dirname \"$1\")\" > $R/dirmode; fi\n"
                    "touch $R/done\n" % self.rec)
        os.chmod(fake, 0o755)

    def rec_file(self, name):
        with open(os.path.join(self.rec, name)) as f:
            return f.read()

    def test_browser_gets_no_secret_and_no_url_on_argv(self):
        self.fake_browser()
        secret = secret_of(WEB)
        # A proxy password in the environment (unused: no_proxy) is wiped
        # from it before the browser starts; the proxy itself stays.
        extra = {"DISPLAY": ":99", "PATH": self.bin + ":" + os.environ.get("PATH", ""),
                 "XDG_RUNTIME_DIR": self.runtime, "EDGETOKEN_OTHER": "other-marker",
                 "https_proxy": "http://edge:proxy-pass-marker@127.0.0.1:9",
                 "HTTPS_PROXY": "http://edge:proxy-pass-marker2@[::1]:9",
                 "no_proxy": "localhost"}
        proc = subprocess.Popen(
            [CLI] + common("login", WEB, extra=["--redirect-uri", "http://localhost:0/",
                                                "--wait", "20"]),
            env=env_for(secret, self.store, extra), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(200):
                if os.path.exists(os.path.join(self.rec, "done")):
                    break
                time.sleep(0.05)
            self.assertTrue(os.path.exists(os.path.join(self.rec, "done")), "xdg-open not run")
            argv = self.rec_file("argv")
            self.assertNotIn("state=", argv)
            self.assertNotIn("code_challenge", argv)
            self.assertNotIn("https://", argv)
            self.assertTrue(argv.strip().startswith(self.runtime + "/"), argv)
            self.assertEqual(self.rec_file("mode").strip(), "600")
            self.assertEqual(self.rec_file("dirmode").strip(), "700")
            for name in ("env", "parent-environ", "parent-cmdline"):
                text = self.rec_file(name)
                self.assertNotIn(secret, text, name)
                self.assertNotIn("proxy-pass-marker", text, name)
                if name == "env":
                    self.assertIn("https_proxy=http://127.0.0.1:9\n", text)
                    self.assertIn("HTTPS_PROXY=http://[::1]:9\n", text)
                    self.assertNotIn("EDGETOKEN_", text)
                    self.assertNotIn("other-marker", text)
            page = self.rec_file("page")
            m = re.search(r'url=([^"]+)"', page)
            self.assertIsNotNone(m, page)
            url = m.group(1).replace("&amp;", "&")
            self.assertIn("code_challenge=", url)
            loc = browse(url)
            urllib.request.urlopen(loc, timeout=10).read()
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        self.assertFalse(os.path.exists(argv.strip()), "the page outlived login")
        self.assertEqual(os.listdir(self.runtime), [])


class HardeningTest(StoreChecks, ListenerChecks, BrowserChecks, unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-hard-")
        self.store = os.path.realpath(os.path.join(self.tmp.name, "store"))

    def tearDown(self):
        self.tmp.cleanup()

    # --- the store: fsync order -------------------------------------------

    def saves(self, log):
        """[(temp, final, ops)] for each rename, ops = the ops before and after."""
        with open(log) as f:
            ops = [l.rstrip("\n").split(" ") for l in f if l.strip()]
        return ops

    def assert_crash_safe_saves(self, ops, want):
        renames = [i for i, op in enumerate(ops) if op[0] == "rename"]
        finals = [os.path.basename(ops[i][2]) for i in renames]
        self.assertTrue(any(re.match(want, n) for n in finals), (finals, ops))
        for i in renames:
            tmp, final = ops[i][1], ops[i][2]
            writes = [j for j in range(i) if ops[j] == ["write", tmp]]
            self.assertTrue(writes, "nothing written to %s before its rename" % tmp)
            syncs = [j for j in range(writes[-1], i) if ops[j] == ["fsync", tmp]]
            self.assertTrue(syncs, "%s not fsynced after its last write and before the "
                            "rename: %s" % (tmp, ops))
            after = ops[i + 1:]
            nxt = next((k for k, op in enumerate(after) if op[0] == "rename"), len(after))
            self.assertIn(["fsyncdir", os.path.dirname(final)], after[:nxt],
                          "directory not fsynced after renaming to %s: %s" % (final, ops))

    def test_store_saves_are_fsynced_in_order(self):
        log = os.path.join(self.tmp.name, "fsync.log")
        shim = {"LD_PRELOAD": SHIMS["fsync_order"], "ET_SHIM_DIR": self.store,
                "ET_SHIM_LOG": log}
        secret = secret_of(WEB)
        p = run(common("authorize-url", WEB, extra=["--redirect-uri", "http://localhost:8080"]),
                secret=secret, store=self.store, extra_env=shim)
        self.assertEqual(p.returncode, 0, p.stderr)
        loc = browse(p.stdout.strip())
        p = run(common("redeem", WEB, extra=["--redirect", "-"]), secret=secret,
                store=self.store, extra_env=shim, stdin=loc + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_crash_safe_saves(self.saves(log), r"^rt-[0-9a-f]{32}$")

    # --- memory: secrets wiped --------------------------------------------

    def memscan(self, args, secret=None, at_exit=(), at_stderr=(), secret_file=None):
        log = os.path.join(self.tmp.name, "memscan.log")
        if os.path.exists(log):
            os.unlink(log)
        env = {"LD_PRELOAD": SHIMS["memscan"], "ET_MEMSCAN_LOG": log,
               "ET_MEMSCAN_EXIT": hexes(*at_exit), "ET_MEMSCAN_STDERR": hexes(*at_stderr)}
        if secret_file:
            args = args + ["--client-secret-file", secret_file]
        p = run(args, secret=secret, extra_env=env)
        found = open(log).read() if os.path.exists(log) else ""
        return p, found

    def secret_file(self, secret, mode=0o600):
        path = os.path.join(self.tmp.name, "secret")
        with open(path, "w") as f:
            f.write(secret + "\n")
        os.chmod(path, mode)
        return path

    def test_scanner_finds_what_is_there(self):
        # The scanner itself: a string that stays in memory (argv) is found.
        marker = "memscan-self-test-marker-0123456789"
        p, found = self.memscan(common("token", APP, extra=["--scope", marker + "/.default"]),
                                secret=secret_of(APP), at_exit=[marker])
        self.assertIn("exit 0", found, p.stderr)

    def test_client_secret_wiped_before_exit(self):
        secret = secret_of(APP)
        spellings = [secret, urllib.parse.quote_plus(secret)]
        for how in ("env", "file"):
            with self.subTest(how=how):
                p, found = self.memscan(
                    common("token", APP), secret=secret if how == "env" else None,
                    secret_file=self.secret_file(secret) if how == "file" else None,
                    at_exit=spellings)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(found, "", "the client secret is still in memory at exit")
        p, found = self.memscan(common("token", APP), secret="wrong-" + secret,
                                at_exit=["wrong-" + secret])
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(found, "", "a refused secret is still in memory at exit")

    def test_failed_exchange_leaves_no_token_in_the_workspace(self):
        app = "truncated-app"
        marker = DEFAULT_REGISTRY["apps"][app]["truncate_body"]
        p, found = self.memscan(common("token", app), secret=secret_of(app),
                                at_exit=[marker], at_stderr=[marker])
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertEqual(found, "", "a cut response's token stayed in memory")

    def test_undecodable_token_response_is_wiped(self):
        app = "bad-body-app"
        marker = DEFAULT_REGISTRY["apps"][app]["bad_body"]
        p, found = self.memscan(common("token", app), secret=secret_of(app),
                                at_exit=[marker], at_stderr=[marker])
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertEqual(found, "", "a 2xx body that failed to decode stayed in memory")

    # --- randomness ---------------------------------------------------------

    def authorize_params(self, seed):
        env = {"LD_PRELOAD": SHIMS["fixed_random"]}
        if seed is not None:
            env["ET_RANDOM_SEED"] = str(seed)
        p = run(common("authorize-url", WEB), store=os.path.join(self.tmp.name, str(seed)),
                extra_env=env if seed is not None else None)
        self.assertEqual(p.returncode, 0, p.stderr)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(p.stdout.strip()).query))
        return q["state"], q["code_challenge"]

    def test_state_and_verifier_come_from_getrandom(self):
        # Known answer: with getrandom fixed, state and challenge are fixed
        # too (nothing else, no clock, no pid, feeds them); another seed
        # changes both; without the shim they differ run to run.
        a, b = self.authorize_params(7), self.authorize_params(7)
        self.assertEqual(a, b, "state/PKCE do not come from getrandom alone")
        c = self.authorize_params(8)
        self.assertNotEqual(a[0], c[0])
        self.assertNotEqual(a[1], c[1])
        self.assertNotEqual(self.authorize_params(None), self.authorize_params(None))

    # --- the redirect listener ----------------------------------------------

    def listening_addresses(self, pid):
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            m = re.match(r"socket:\[(\d+)\]", link)
            if m:
                inodes.add(m.group(1))
        found = []
        for table in ("tcp", "tcp6"):
            with open("/proc/%d/net/%s" % (pid, table)) as f:
                for line in f.readlines()[1:]:
                    cols = line.split()
                    if cols[3] == "0A" and cols[9] in inodes:  # LISTEN
                        found.append(cols[1].split(":")[0])
        return found

    def test_listener_binds_loopback_only(self):
        p = subprocess.Popen(
            [CLI] + common("login", "signin-public-app",
                           extra=["--redirect-uri", "http://localhost:0/", "--no-browser",
                                  "--wait", "20"]),
            env=env_for(store=self.store), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            for line in p.stderr:
                if "waiting up to" in line:
                    break
            addrs = self.listening_addresses(p.pid)
        finally:
            p.send_signal(signal.SIGINT)
            p.communicate(timeout=10)
        self.assertTrue(addrs, "no listening socket found")
        loopback = {"0100007F", "00000000000000000000000001000000"}
        for a in addrs:
            self.assertIn(a, loopback, "listener bound to %s, not loopback" % a)

    # --- TLS versions ---------------------------------------------------------

    def test_tls_below_1_2_refused(self):
        V = ssl.TLSVersion
        control = TlsOldServer(V.TLSv1_2, V.TLSv1_2)
        try:  # the test server works: TLS 1.2 completes a handshake
            p = run(common("token", APP, authority="https://localhost:%d" % control.port,
                           extra=["--timeout", "5"]), secret=secret_of(APP))
            self.assertEqual(control.handshakes[:1], ["TLSv1.2"], p.stderr)
        finally:
            control.close()
        for hi in (V.TLSv1, V.TLSv1_1):
            old = TlsOldServer(V.TLSv1, hi)
            try:
                p = run(common("token", APP, authority="https://localhost:%d" % old.port,
                               extra=["--timeout", "5"]), secret=secret_of(APP))
                self.assertEqual(old.handshakes, [], "handshake completed with %s" % hi)
                self.assertEqual(p.returncode, 5, p.stderr)
            finally:
                old.close()

    # --- the access token on stdout ---------------------------------------------

    def test_access_token_not_b64token_refused(self):
        for bad in ("abc\\u001b]0;owned\\u0007def", "abc def", "abc\\\"x", "abc\\n"):
            body = ('{"token_type":"Bearer","expires_in":3600,"access_token":"%s"}' % bad).encode()

            def answer(server, s, body=body):
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            srv = HostileTls(answer)
            try:
                p = run(common("token", APP, authority=srv.authority), secret=secret_of(APP))
            finally:
                srv.close()
            self.assertEqual(p.returncode, 6, "%s: %s" % (bad, p.stderr))
            self.assertEqual(p.stdout, "", bad)
            self.assertIn("b64token", p.stderr)
        good = b'{"token_type":"Bearer","expires_in":3600,"access_token":"eyJ0.A-b_c~d+e/f=="}'

        def ok(server, s):
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(good) + good)
        srv = HostileTls(ok)
        try:
            p = run(common("token", APP, authority=srv.authority), secret=secret_of(APP))
        finally:
            srv.close()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "eyJ0.A-b_c~d+e/f==\n")

    # --- core dumps ----------------------------------------------------------------

    def test_no_core_dumps_and_not_dumpable(self):
        self.need_root()  # run as another user: /proc/PID turns root's when not dumpable
        env = env_for(secret_of(WEB), extra={"HOME": "/nonexistent"})

        def drop():
            os.setgid(OTHER_UID)
            os.setuid(OTHER_UID)
        proc = subprocess.Popen(
            [CLI] + common("login", WEB, extra=["--no-browser", "--redirect-uri",
                                                "http://localhost:0/", "--wait", "20"]),
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=drop)
        try:
            for line in proc.stderr:
                if "waiting up to" in line:
                    break
            with open("/proc/%d/limits" % proc.pid) as f:
                core = [l for l in f if l.startswith("Max core file size")][0].split()
            owner = os.stat("/proc/%d/environ" % proc.pid).st_uid
        finally:
            proc.kill()
            proc.communicate()
        self.assertEqual(core[4:6], ["0", "0"])
        self.assertEqual(owner, 0, "dumpable: /proc/PID belongs to the process's user")

    # --- file options ------------------------------------------------------------

    def test_file_options_refuse_directories_and_fifos(self):
        d = os.path.join(self.tmp.name, "a-dir")
        fifo = os.path.join(self.tmp.name, "a-fifo")
        os.mkdir(d)
        os.mkfifo(fifo)
        certs = EMU.certs
        cases = [["--ca-file", d], ["--ca-file", fifo], ["--client-secret-file", fifo],
                 ["--certificate", d, "--private-key", os.path.join(certs, "server.key")],
                 ["--certificate", os.path.join(certs, "server.pem"), "--private-key", fifo]]
        for extra in cases:
            args = ["token", "--tenant", TENANT, "--client-id", APP, "--authority",
                    EMU.authority] + extra
            if "--ca-file" not in extra:
                args += ["--ca-file", EMU.ca]
            p = run(args, secret=secret_of(APP), timeout=10)
            self.assertEqual(p.returncode, 2, "%s: %s" % (extra, p.stderr))
            self.assertIn("not a regular file", p.stderr, extra)

    # --- one deadline per command -------------------------------------------------

    def test_timeout_bounds_the_whole_command(self):
        slow = HostileTls(trickle)
        try:
            t0 = time.monotonic()
            p = run(common("token", APP, authority=slow.authority, extra=["--timeout", "2"]),
                    secret=secret_of(APP), timeout=120)
            took = time.monotonic() - t0
        finally:
            slow.close()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("timed out", p.stderr.lower())
        self.assertLess(took, 3.5, "--timeout 2 ran %.1f s over %d connections" %
                        (took, slow.conns))

    def test_help_says_timeout_is_for_the_whole_command(self):
        p = run(["--help"])
        self.assertIn("whole command", p.stdout)

    # --- server text on the terminal -------------------------------------------

    def test_no_control_bytes_from_the_server_reach_stderr(self):
        app = "escape-app"
        p = run(common("token", app), secret=secret_of(app))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("Refused", p.stderr)
        self.assertEqual(control_bytes(p.stderr), [], repr(p.stderr))
        for verbose in ([], ["--verbose"]):
            p = run(common("device-login", app, extra=["--no-qr"] + verbose), store=self.store)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("devicelogin", p.stderr)
            self.assertEqual(control_bytes(p.stderr), [], repr(p.stderr))

    # --- secret files -------------------------------------------------------------

    def test_secret_file_readable_by_others_warns(self):
        for mode, warned in ((0o640, True), (0o604, True), (0o600, False), (0o400, False)):
            path = self.secret_file(secret_of(APP), mode)
            p = run(common("token", APP, extra=["--client-secret-file", path]))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual("readable by other users" in p.stderr, warned, oct(mode))

    # --- --verbose: no secret in any spelling, any command -------------------

    def assert_clean(self, p, rc=0):
        self.assertEqual(p.returncode, rc, p.stderr)
        assert_client_kept_secrets(self, EMU, p.stdout, p.stderr)

    def test_verbose_token_with_secret_and_certificate(self):
        p = run(common("token", APP, extra=["--verbose"]), secret=secret_of(APP))
        self.assert_clean(p)
        self.assertIn("client_secret=***", p.stderr)
        for v in (["--endpoint", "v1"], []):
            p = run(common("token", "cert-app", extra=[
                "--verbose", "--certificate", os.path.join(EMU.certs, "client-rsa.pem"),
                "--private-key", os.path.join(EMU.certs, "client-rsa.key")] + v))
            self.assert_clean(p)
            self.assertIn("client_assertion=***", p.stderr)
        p = run(common("token", APP, extra=["--verbose"]), secret="wrong-" + secret_of(APP))
        self.assert_clean(p, 3)

    def test_verbose_sign_in_commands(self):
        secret = secret_of(WEB)
        p = run(common("authorize-url", WEB, extra=["--verbose"]), secret=secret,
                store=self.store)
        self.assert_clean(p)
        loc = browse(p.stdout.strip())
        p = run(common("redeem", WEB, extra=["--verbose", "--redirect", "-"]), secret=secret,
                store=self.store, stdin=loc + "\n")
        self.assert_clean(p)
        self.assertIn("code=***", p.stderr)
        for _ in range(2):
            p = run(common("refresh", WEB, extra=["--verbose"]), secret=secret,
                    store=self.store)
            self.assert_clean(p)
            self.assertIn("refresh_token=***", p.stderr)
        p = run(common("refresh", WEB, extra=["--verbose", "--json"]), secret=secret,
                store=self.store)
        self.assert_clean(p)

    def test_verbose_login(self):
        secret = secret_of(WEB)
        proc = subprocess.Popen(
            [CLI] + common("login", WEB, extra=["--verbose", "--no-browser", "--redirect-uri",
                                                "http://localhost:0/", "--wait", "20"]),
            env=env_for(secret, self.store), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        early, url = [], None
        for line in proc.stderr:
            early.append(line)
            if line.startswith("https://"):
                url = line.strip()
            if "waiting up to" in line:
                break
        self.assertIsNotNone(url, "".join(early))
        loc = browse(url)
        for _ in range(50):
            try:
                urllib.request.urlopen(loc, timeout=10).read()
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        assert_client_kept_secrets(self, EMU, out, "".join(early) + err)

    def test_verbose_device_login(self):
        app = "device-confidential-app"
        p = run(common("device-login", app, extra=["--verbose", "--no-qr"]),
                secret=secret_of(app), store=self.store)
        self.assert_clean(p)
        self.assertIn("device_code=***", p.stderr)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    with tempfile.TemporaryDirectory(prefix="et-shims-") as d:
        build_shims(d)
        subprocess.run([os.path.join(os.path.dirname(HERE), "emulator", "make_client_certs.sh"),
                        a.certs], check=True)
        return run_tap(HardeningTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
