#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""HTTP proxy support against a real proxy: Debian's tinyproxy, started
here on loopback, in front of the emulator over TLS. tinyproxy's own log
proves which CONNECTs were made (or that none was); the emulator's log
proves what arrived through the tunnel (TLS, keep-alive, resumption).

    test_proxy.py --cli build/gcc/edgetoken --certs build/test-certs

Two proxies: an open one and one with BasicAuth; both tunnel only to the
emulator's port (ConnectPort), so a CONNECT to another port is refused.
Keep-alive and resumption run repeat_token (built next to the CLI by
make unit) with $REPEAT_TOKEN_PROXY. Prints TAP; exits non-zero on failure.
"""

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import TENANT, assert_no_secret, cli_args, run_tap, secret_of

CLI = None
REPEAT = None
EMU = None  # set by harness.run_tap
APP = "edgetoken-test-app"
TOKEN_PATH = "/%s/oauth2/v2.0/token" % TENANT
PROXY_USER = "edge-device"
PROXY_PASS = "Pr0xy-S3cret.4b7"  # tinyproxy's BasicAuth takes [-A-Za-z0-9._]


def free_port(address="127.0.0.1"):
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class Tinyproxy:
    """tinyproxy in the foreground on listen, serving allow, tunnelling to
    connect_ports only; with auth, Basic credentials (user, password) are
    required. (test_lwip.py starts one too.)"""

    def __init__(self, connect_ports, auth=None, listen="127.0.0.1", allow="127.0.0.1"):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-tinyproxy-")
        self.log_path = os.path.join(self.tmp.name, "tinyproxy.log")
        self.port = free_port(listen)
        conf = ["Port %d" % self.port, "Listen " + listen, "Timeout 30",
                'LogFile "%s"' % self.log_path, "LogLevel Info",
                'PidFile "%s"' % os.path.join(self.tmp.name, "pid"),
                "MaxClients 50", "Allow " + allow]
        conf += ["ConnectPort %d" % p for p in connect_ports]
        if auth:
            conf.append("BasicAuth %s %s" % auth)
        path = os.path.join(self.tmp.name, "tinyproxy.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.proc = subprocess.Popen([shutil.which("tinyproxy") or "tinyproxy", "-d", "-c",
                                      path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while "Accepting connections" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("tinyproxy did not start: " + self.log())
            time.sleep(0.02)
        self.url = "http://%s:%d" % ("[%s]" % listen if ":" in listen else listen, self.port)

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def mark(self):
        return len(self.log())

    def connects(self, since=0, settle=0.3):
        """The CONNECT request lines logged after mark since."""
        time.sleep(settle)  # tinyproxy writes its lines as it goes
        return re.findall(r"Request \(file descriptor \d+\): (CONNECT \S+ HTTP/1\.\d)",
                          self.log()[since:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.tmp.cleanup()


class FakeProxy(threading.Thread):
    """Not a proxy: answers every connection with reply (None: nothing),
    for what a real proxy never does (a malformed head, silence)."""

    def __init__(self, reply):
        super().__init__(daemon=True)
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(5)
                try:
                    c.recv(4096)
                    if self.reply is None:  # silent: wait for the client to give up
                        c.recv(1)
                    else:
                        c.sendall(self.reply)
                except OSError:
                    pass

    def stop(self):
        self.sock.close()


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("https_proxy", "no_proxy", "http_proxy", "all_proxy")
           and k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
    env.update(extra)
    return env


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = EMU
        ports = [cls.emu.port]  # not the wrong-name port: that one is refused
        cls.open = Tinyproxy(ports)
        cls.auth = Tinyproxy(ports, auth=(PROXY_USER, PROXY_PASS))
        cls.tmp = tempfile.TemporaryDirectory(prefix="et-proxy-test-")

    @classmethod
    def tearDownClass(cls):
        cls.open.stop()
        cls.auth.stop()
        cls.tmp.cleanup()

    def token(self, env=None, extra=(), authority=None, timeout_s=10, stdin=None):
        argv = [CLI, "token", "--tenant", TENANT, "--client-id", APP,
                "--authority", authority or self.emu.authority, "--ca-file", self.emu.ca,
                "--timeout", str(timeout_s)] + list(extra)
        e = clean_env(EDGETOKEN_CLIENT_SECRET=secret_of(APP), **(env or {}))
        return subprocess.run(argv, env=e, input=stdin, capture_output=True, text=True,
                              timeout=60)

    def assert_token(self, p, requests_before):
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().split(".")), 3, p.stdout)
        reqs = self.emu.requests()[requests_before:]
        self.assertEqual([(r["path"], r["status"]) for r in reqs], [(TOKEN_PATH, 200)])

    def emulator_connect(self):
        return "CONNECT localhost:%d HTTP/1.1" % self.emu.port

    def creds_file(self, text):
        path = os.path.join(self.tmp.name, "creds-%d" % len(os.listdir(self.tmp.name)))
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def auth_url(self, user=PROXY_USER, password=PROXY_PASS):
        # Percent-encoded more than needed: the CLI must decode it.
        enc = "".join("%%%02X" % ord(c) if c in "S.-" else c for c in password)
        return "http://%s:%s@127.0.0.1:%d" % (urllib.parse.quote(user), enc, self.auth.port)

    # --- tunnels ---------------------------------------------------------

    def test_token_through_the_proxy_from_https_proxy(self):
        mark, before = self.open.mark(), len(self.emu.requests())
        p = self.token(env={"https_proxy": self.open.url})
        self.assert_token(p, before)
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()])

    def test_proxy_on_an_ipv6_literal(self):
        try:
            free_port("::1")
        except OSError as e:
            self.skipTest("no IPv6 loopback: %s" % e)  # counted as skipped, not passed
        v6 = Tinyproxy([self.emu.port], listen="::1", allow="::1")
        try:
            mark, before = v6.mark(), len(self.emu.requests())
            p = self.token(extra=["--proxy", v6.url])  # http://[::1]:port
            self.assert_token(p, before)
            self.assertEqual(v6.connects(mark), [self.emulator_connect()])
        finally:
            v6.stop()

    def test_uppercase_https_proxy_and_the_option(self):
        mark, before = self.open.mark(), len(self.emu.requests())
        p = self.token(env={"HTTPS_PROXY": self.open.url})
        self.assert_token(p, before)
        before = len(self.emu.requests())
        p = self.token(extra=["--proxy", "127.0.0.1:%d" % self.open.port])  # no scheme
        self.assert_token(p, before)
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()] * 2)

    def test_lowercase_wins_over_uppercase(self):
        dead = "http://127.0.0.1:%d" % free_port()
        mark, before = self.open.mark(), len(self.emu.requests())
        p = self.token(env={"https_proxy": self.open.url, "HTTPS_PROXY": dead})
        self.assert_token(p, before)
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()])

    def test_no_proxy_goes_direct(self):
        mark = self.open.mark()
        for no_proxy in ("localhost", ".localhost", "example.com, LOCALHOST",
                         "localhost:%d" % self.emu.port, "*"):
            for name in ("no_proxy", "NO_PROXY"):
                before = len(self.emu.requests())
                p = self.token(env={"https_proxy": self.open.url, name: no_proxy})
                self.assert_token(p, before)
        self.assertEqual(self.open.connects(mark), [])

    def test_no_proxy_that_does_not_match_still_tunnels(self):
        mark, before = self.open.mark(), len(self.emu.requests())
        p = self.token(env={"https_proxy": self.open.url,
                            "no_proxy": "otherhost,host,localhost:1,.example.com"})
        self.assert_token(p, before)
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()])

    def test_no_proxy_option_ignores_the_environment(self):
        dead = "http://127.0.0.1:%d" % free_port()
        before = len(self.emu.requests())
        p = self.token(env={"https_proxy": dead}, extra=["--no-proxy"])
        self.assert_token(p, before)

    def test_certificate_check_stays_the_origins(self):
        # Through the tunnel the emulator's wrong-name port shows a
        # certificate for another name: TLS refuses it (exit 5), as direct.
        # (This proxy tunnels to any port: it is started for this test.)
        wide = Tinyproxy([self.emu.port, self.emu.wrong_port])
        try:
            mark = wide.mark()
            p = self.token(env={"https_proxy": wide.url}, authority=self.emu.wrong_authority)
            self.assertEqual(p.returncode, 5, p.stderr)
            self.assertIn("certificate", p.stderr)
            self.assertEqual(wide.connects(mark),
                             ["CONNECT localhost:%d HTTP/1.1" % self.emu.wrong_port])
        finally:
            wide.stop()

    # --- credentials -----------------------------------------------------

    def test_basic_auth_from_the_url(self):
        mark, before = self.auth.mark(), len(self.emu.requests())
        p = self.token(env={"https_proxy": self.auth_url()}, extra=["--verbose"])
        self.assert_token(p, before)
        self.assertEqual(self.auth.connects(mark), [self.emulator_connect()])
        self.assert_password_kept(p)
        # --verbose shows the request, the credentials redacted.
        self.assertIn("debug: CONNECT localhost:%d HTTP/1.1\n" % self.emu.port, p.stderr)
        self.assertIn("debug: Proxy-Authorization: Basic ***\n", p.stderr)

    def test_basic_auth_from_a_file(self):
        mark, before = self.auth.mark(), len(self.emu.requests())
        path = self.creds_file("%s:%s\n" % (PROXY_USER, PROXY_PASS))
        p = self.token(env={"https_proxy": self.open.url.replace(str(self.open.port),
                                                                  str(self.auth.port))},
                       extra=["--proxy-credentials-file", path, "--verbose"])
        self.assert_token(p, before)
        self.assertEqual(self.auth.connects(mark), [self.emulator_connect()])
        self.assert_password_kept(p)
        # With --proxy too: credentials from the file, the proxy from argv.
        before = len(self.emu.requests())
        p = self.token(extra=["--proxy", "http://127.0.0.1:%d" % self.auth.port,
                              "--proxy-credentials-file", path])
        self.assert_token(p, before)
        # "-": from stdin (a pipe from a secret manager).
        before = len(self.emu.requests())
        p = self.token(extra=["--proxy", "http://127.0.0.1:%d" % self.auth.port,
                              "--proxy-credentials-file", "-"],
                       stdin="%s:%s\n" % (PROXY_USER, PROXY_PASS))
        self.assert_token(p, before)
        self.assertNotIn(PROXY_PASS, p.stderr)

    def test_wrong_credentials_are_a_407(self):
        before = len(self.emu.requests())
        p = self.token(env={"https_proxy": self.auth_url(password="wrong-" + PROXY_PASS)},
                       extra=["--verbose"])
        self.assertEqual(p.returncode, 10, p.stderr)
        # tinyproxy answers wrong credentials with 401 (none at all: 407).
        self.assertIn("proxy 127.0.0.1:%d refused the credentials (HTTP 401)" % self.auth.port,
                      p.stderr)
        self.assertIn("the HTTP proxy wants credentials or refused them", p.stderr)
        self.assertEqual(self.emu.requests()[before:], [])
        assert_no_secret(self, p.stdout + p.stderr, "wrong-" + PROXY_PASS, "proxy password")

    def test_no_credentials_are_a_407(self):
        p = self.token(env={"https_proxy": "http://127.0.0.1:%d" % self.auth.port})
        self.assertEqual(p.returncode, 10, p.stderr)
        self.assertIn("proxy 127.0.0.1:%d wants credentials (HTTP 407)" % self.auth.port,
                      p.stderr)
        self.assertIn("--proxy-credentials-file", p.stderr)  # what to do

    def test_credentials_never_on_argv(self):
        p = self.token(extra=["--proxy", self.auth_url()])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--proxy takes no credentials", p.stderr)
        assert_no_secret(self, p.stderr, PROXY_PASS, "proxy password")

    def test_credentials_file_must_be_a_regular_file(self):
        for bad in (self.tmp.name, "/dev/null"):
            p = self.token(env={"https_proxy": self.open.url},
                           extra=["--proxy-credentials-file", bad])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("is not a regular file", p.stderr)
        fifo = os.path.join(self.tmp.name, "fifo")
        os.mkfifo(fifo)
        p = self.token(env={"https_proxy": self.open.url},
                       extra=["--proxy-credentials-file", fifo])
        self.assertEqual(p.returncode, 2, p.stderr)
        p = self.token(env={"https_proxy": self.open.url},
                       extra=["--proxy-credentials-file", self.creds_file("no-colon\n")])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("user:password", p.stderr)

    def assert_password_kept(self, p):
        for text in (p.stdout, p.stderr):
            assert_no_secret(self, text, PROXY_PASS, "proxy password")
            basic = base64.b64encode(("%s:%s" % (PROXY_USER, PROXY_PASS)).encode()).decode()
            self.assertNotIn(basic, text)

    # --- failures --------------------------------------------------------

    def test_refused_port_is_a_clear_error(self):
        # tinyproxy tunnels to its ConnectPorts only: 403 for the other port.
        before = len(self.emu.requests())
        p = self.token(env={"https_proxy": self.open.url}, authority=self.emu.wrong_authority)
        self.assertEqual(p.returncode, 10, p.stderr)
        self.assertIn("the HTTP proxy refused the tunnel: proxy 127.0.0.1:%d refused the tunnel "
                      "to localhost:%d: HTTP 403" % (self.open.port, self.emu.wrong_port),
                      p.stderr)
        self.assertEqual(self.emu.requests()[before:], [])

    def test_proxy_down_is_a_clear_error(self):
        port = free_port()
        t0 = time.monotonic()
        p = self.token(env={"https_proxy": "http://127.0.0.1:%d" % port}, timeout_s=2)
        # Transient, like a refused connection to the origin: retried within
        # --timeout, then reported with the last failure's detail.
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("could not connect to the HTTP proxy", p.stderr)
        self.assertIn("proxy 127.0.0.1:%d unreachable: connect to 127.0.0.1:%d: Connection "
                      "refused" % (port, port), p.stderr)
        self.assertLess(time.monotonic() - t0, 10)

    def test_unknown_proxy_host_is_a_clear_error(self):
        p = self.token(env={"https_proxy": "http://proxy.invalid:3128"}, timeout_s=2)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("proxy proxy.invalid:3128 unreachable", p.stderr)

    def test_malformed_proxy_answer_is_a_clear_error(self):
        for reply in (b"SSH-2.0-OpenSSH_9.2\r\n", b"HTTP/1.1 200 OK\r\n\r\nearly bytes",
                      b"HTTP/1.1 2000 OK\r\n\r\n", b""):
            fake = FakeProxy(reply)
            try:
                p = self.token(env={"https_proxy": fake.url}, timeout_s=3)
            finally:
                fake.stop()
            self.assertEqual(p.returncode, 6, (reply, p.stderr))
            self.assertIn("malformed answer from the HTTP proxy: proxy %s"
                          % fake.url[len("http://"):], p.stderr)

    def test_silent_proxy_times_out(self):
        fake = FakeProxy(None)
        try:
            t0 = time.monotonic()
            p = self.token(env={"https_proxy": fake.url}, timeout_s=2)
            elapsed = time.monotonic() - t0
        finally:
            fake.stop()
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertRegex(p.stderr, r"no answer from proxy %s to CONNECT to localhost:%d within "
                         r"\d+ ms" % (re.escape(fake.url[len("http://"):]), self.emu.port))
        self.assertLess(elapsed, 8)

    def test_bad_proxy_urls_are_refused(self):
        for url in ("https://127.0.0.1:3128", "socks5://127.0.0.1:1080",
                    "http://127.0.0.1:0", "http://127.0.0.1:3128/path", "http://:3128"):
            p = self.token(env={"https_proxy": url})
            self.assertEqual(p.returncode, 2, (url, p.stderr))
            self.assertIn("https_proxy is not an http:// proxy URL", p.stderr)

    # --- connections through the tunnel ----------------------------------

    def repeat(self, mode, proxy):
        mark = self.emu.mark()
        argv = [REPEAT, self.emu.authority, TENANT, APP, "api://proxy/.default", self.emu.ca,
                "3", mode]
        p = subprocess.run(argv, env=clean_env(EDGETOKEN_CLIENT_SECRET=secret_of(APP),
                                               REPEAT_TOKEN_PROXY=proxy.url),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        stats = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)",
                                                        p.stdout.splitlines()[-1]))
        return stats, self.emu.connections(mark, count=stats["opened"])

    def test_keep_alive_keeps_the_tunnel(self):
        mark = self.open.mark()
        stats, conns = self.repeat("keep", self.open)
        self.assertEqual((stats["link_opened"], stats["link_reused"]), (1, 2))
        self.assertEqual([c["served"] for c in conns], [3])
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()])

    def test_device_login_polls_share_one_tunnel(self):
        # device-app: the device code, two authorization_pending, the tokens.
        mark, emu_mark = self.open.mark(), self.emu.mark()
        with tempfile.TemporaryDirectory(prefix="et-store-") as store:
            p = subprocess.run([CLI, "device-login", "--tenant", TENANT, "--client-id",
                                "device-app", "--authority", self.emu.authority, "--ca-file",
                                self.emu.ca, "--no-qr"],
                               env=clean_env(https_proxy=self.open.url,
                                             EDGETOKEN_STORE_DIR=store),
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        c, = self.emu.connections(emu_mark, count=1)
        self.assertEqual([r["status"] for r in c["requests"]], [200, 400, 400, 200])
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()])

    def test_sessions_resume_through_new_tunnels(self):
        mark = self.open.mark()
        stats, conns = self.repeat("resume", self.open)
        self.assertEqual([c["resumed"] for c in conns], [False, True, True])
        self.assertEqual((stats["full"], stats["resumed"]), (1, 2))
        self.assertEqual(self.open.connects(mark), [self.emulator_connect()] * 3)


def main():
    global CLI, REPEAT
    a = cli_args()
    CLI = a.cli
    REPEAT = os.path.join(os.path.dirname(CLI), "repeat_token")
    return run_tap(ProxyTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
