#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The lwIP port over lwIP's own TCP/IP stack against the emulator.

    test_lwip.py --lwip-token build/lwip/lwip_token --certs build/test-certs

make lwip-token links examples/lwip_token (liblwip0's unix port, the lwIP
port, mbedTLS, core). This test creates a network namespace holding a tap
interface (kernel side 10.77.0.1/24) and runs, inside it, the emulator on
10.77.0.1 and the program, whose lwIP stack takes 10.77.0.2 on the tap: its
packets reach the emulator only through lwIP. The namespace has no other
interface and no route out, and is deleted afterwards. One test puts a
second emulator on the namespace's loopback, out of lwIP's reach, and
tinyproxy on the tap's kernel side: the token comes through its CONNECT
tunnel (et_lwip_config.proxy).

Without the means to make the namespace (not root, no `ip`, no
/dev/net/tun) it prints "ok 1 - ... # SKIP <why>", which tools/test.sh
counts as skipped, never as passed. --cli is accepted (tools/test.sh
passes every integration test the regular CLI) and not used. Prints TAP;
exits non-zero on failure.
"""

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

import harness
from harness import TENANT, make_certs, run_tap, secret_of
from test_proxy import Tinyproxy

TAP = "ettap0"
HOST_IP = "10.77.0.1"    # the namespace's kernel side of the tap
LWIP_IP = "10.77.0.2"    # lwIP's address on it
NOBODY_IP = "10.77.0.3"  # on the subnet, answers nothing (not even ARP)
TAP_MTU = 576            # frames of at most 590 bytes (see make_namespace)
APP = "edgetoken-test-app"

PROG = None
CERTS = None
EMU = None


def run(authority, extra=(), secret=None, ca=None, timeout=60):
    env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
    env["EDGETOKEN_CLIENT_SECRET"] = secret or secret_of(APP)
    args = [PROG, "--tap", TAP, "--ip", LWIP_IP, "--gw", HOST_IP,
            "--map", "localhost=" + HOST_IP, "--map", "nobody.test=" + NOBODY_IP,
            "--authority", authority, "--tenant", TENANT, "--client-id", APP,
            "--ca-file", ca or EMU.ca] + list(extra)
    t0 = time.monotonic()
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    p.elapsed = time.monotonic() - t0
    return p


class Server(threading.Thread):
    """A TCP server in the namespace that accepts and then either says
    nothing (silent) or reads the client's first bytes and closes its side
    in order (FIN, no RST)."""

    def __init__(self, silent):
        super().__init__(daemon=True)
        self.silent = silent
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST_IP, 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.conns = []

    def run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            self.conns.append(c)
            if not self.silent:
                c.settimeout(5)
                try:
                    c.recv(4096)
                    c.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()
        for c in self.conns:
            c.close()
        self.sock.close()
        return False


class LwipTest(unittest.TestCase):
    def test_program_uses_no_kernel_sockets(self):
        syms = subprocess.run(["nm", "-D", "--undefined-only", PROG], capture_output=True,
                              text=True, check=True).stdout
        undefined = {l.split()[-1].split("@")[0] for l in syms.splitlines()}
        for fn in ("socket", "connect", "send", "recv", "poll", "getaddrinfo"):
            self.assertNotIn(fn, undefined, "lwip_token calls the kernel's %s" % fn)
        for fn in ("lwip_connect", "lwip_poll", "tapif_init"):
            self.assertIn(fn, undefined)

    def test_token_over_lwip(self):
        p = run(EMU.authority, ["--verbose"])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(len(p.stdout.strip().split(".")), 3, "a JWT has three parts")
        self.assertIn("connected to localhost:%d (TLS)" % EMU.port, p.stderr)
        token_posts = [r for r in EMU.requests()
                       if r["method"] == "POST" and r["path"].endswith("/token")]
        self.assertTrue(token_posts, "the emulator saw no token request")
        self.assertEqual(token_posts[-1]["form"].get("grant_type"), "client_credentials")

    def test_oauth_error(self):
        p = run(EMU.authority, secret="wrong-secret")
        self.assertEqual(p.returncode, 3, p.stderr[-2000:])
        self.assertIn("AADSTS", p.stderr)

    def test_certificate_for_another_name(self):
        p = run(EMU.wrong_authority)
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("certificate verification failed for host 'localhost'", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_untrusted_ca(self):
        p = run(EMU.authority, ca=EMU.other_ca)
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("certificate verification failed", p.stderr)

    def test_unknown_name_without_dns(self):
        p = run("https://unmapped.test:%d" % EMU.port)
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("resolve 'unmapped.test'", p.stderr)
        self.assertIn("without DNS", p.stderr)

    def test_connect_refused(self):
        with Server(silent=False) as s:
            port = s.port
        # Nothing listens there any more: lwIP gets a RST.
        p = run("https://localhost:%d" % port, ["--timeout-ms", "5000"])
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("connect to localhost:%d (%s)" % (port, HOST_IP), p.stderr)

    def test_connect_timeout(self):
        # No host answers ARP for NOBODY_IP: the deadline ends the connect.
        p = run("https://nobody.test:443", ["--timeout-ms", "1500"])
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("connect to nobody.test:443: timed out after 1500 ms", p.stderr)
        self.assertLess(p.elapsed, 20, "retries should be bounded by the timeout")

    def test_silent_server_times_out(self):
        with Server(silent=True) as s:
            p = run("https://localhost:%d" % s.port, ["--timeout-ms", "1500"])
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("TLS handshake with 'localhost' timed out", p.stderr)

    def test_token_through_a_proxy(self):
        # The emulator on the namespace's loopback, which lwIP cannot reach:
        # only tinyproxy on the tap's kernel side can, through its CONNECT.
        with harness.Emulator(CERTS, bind="127.0.0.1") as emu:
            proxy = Tinyproxy([emu.port], listen=HOST_IP, allow=LWIP_IP)
            try:
                mark = proxy.mark()
                p = run("https://localhost:%d" % emu.port, ["--proxy", proxy.url, "--verbose"],
                        ca=emu.ca)
                connects = proxy.connects(mark)
            finally:
                proxy.stop()
            self.assertEqual(p.returncode, 0, p.stderr[-2000:])
            self.assertEqual(len(p.stdout.strip().split(".")), 3, "a JWT has three parts")
            self.assertEqual(connects, ["CONNECT localhost:%d HTTP/1.1" % emu.port])
            self.assertIn("proxy %s:%d: HTTP 200, tunnel to localhost:%d open"
                          % (HOST_IP, proxy.port, emu.port), p.stderr)
            self.assertEqual([r["status"] for r in emu.requests()], [200])
        # Without the proxy, localhost (mapped to the tap's kernel side) has
        # nothing on that port.
        p = run("https://localhost:%d" % emu.port, ["--timeout-ms", "3000"], ca=emu.ca)
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])

    def test_peer_close_is_reported_as_closed(self):
        with Server(silent=False) as s:
            p = run("https://localhost:%d" % s.port, ["--timeout-ms", "5000"])
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn("peer closed the connection", p.stderr)


def inside(certs):
    """In the namespace: the emulator on the tap's kernel side, then the tests."""
    return run_tap(LwipTest, certs, bind=HOST_IP)


def ip(*args):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True)


def skip(why):
    print("ok 1 - lwIP port over a tap interface # SKIP %s" % why)
    print("1..1")
    return 0


def make_namespace(ns):
    """Create ns with a configured tap in it; None, or why it failed."""
    steps = [("netns", "add", ns),
             ("-n", ns, "link", "set", "lo", "up"),
             ("-n", ns, "tuntap", "add", "dev", TAP, "mode", "tap"),
             ("-n", ns, "addr", "add", HOST_IP + "/24", "dev", TAP),
             # Debian's liblwip0 (2.1.3) tapif overflows a pool pbuf on
             # frames over about 590 bytes (valgrind: pbuf_take past a
             # 616-byte block): keep the kernel's frames small enough.
             ("-n", ns, "link", "set", TAP, "mtu", str(TAP_MTU)),
             ("-n", ns, "link", "set", TAP, "up")]
    for s in steps:
        p = ip(*s)
        if p.returncode != 0:
            return "ip %s: %s" % (" ".join(s), p.stderr.strip())
    return None


def main():
    global PROG, CERTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", help="ignored: the regular CLI")
    ap.add_argument("--lwip-token", default=os.path.join(
        os.environ.get("BUILD", "build"), "lwip", "lwip_token"))
    ap.add_argument("--certs", required=True)
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    PROG = os.path.abspath(a.lwip_token)
    certs = CERTS = make_certs(os.path.abspath(a.certs))
    if a.inside:
        return inside(certs)
    if not os.access(PROG, os.X_OK):
        print("not ok 1 - lwip_token %s not built (make lwip-token)" % PROG)
        print("1..1")
        return 1
    if os.geteuid() != 0:
        return skip("a network namespace and a tap interface need root")
    if not os.path.exists("/dev/net/tun"):
        return skip("no /dev/net/tun")
    try:
        ip("-V")
    except FileNotFoundError:
        return skip("no ip(8) (iproute2)")
    ns = "et-lwip-%d" % os.getpid()
    why = make_namespace(ns)
    try:
        if why:
            return skip("cannot create the namespace: " + why)
        p = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                            "--inside", "--lwip-token", PROG, "--certs", certs], timeout=600)
        return p.returncode
    finally:
        ip("netns", "del", ns)


if __name__ == "__main__":
    sys.exit(main())
