#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-checks of the emulator's connection handling, with the standard
library as the client: HTTP/1.1 keep-alive, Connection: close both ways, the
idle limit, TLS 1.2 and 1.3 session resumption (and the options that refuse
it), and the connection lines of its log, whose byte counts must equal what
the client put on and took off the wire. Prints TAP.

    tests/emulator/test_wire.py --certs build/test-certs [-k name]
"""

import argparse
import http.client
import os
import socket
import ssl
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402

CERTS = None
TIMEOUT = 5.0  # every socket operation; no test waits longer
TLS12, TLS13 = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3
APP = "edgetoken-test-app"
TOKEN_PATH = "/%s/oauth2/v2.0/token" % harness.TENANT
TOKEN_FORM = "grant_type=client_credentials&client_id=%s&scope=api%%3A%%2F%%2Fx%%2F.default" \
             "&client_secret=s3cr3t%%2B%%2F%%3D~+value" % APP
DEVICE_PATH = "/%s/oauth2/v2.0/devicecode" % harness.TENANT
DEVICE_FORM = "client_id=device-app&scope=openid"
AUTHORIZE = "/%s/oauth2/v2.0/authorize?client_id=signin-public-app&response_type=code" \
            "&redirect_uri=http%%3A%%2F%%2Flocalhost%%3A1%%2F&scope=openid&state=s" \
            % harness.TENANT


def client_context(ca, version=None):
    ctx = ssl.create_default_context(cafile=ca)
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


class Client:
    """One connection (an SSLSocket) that stays the client's until close():
    requests written here, responses read by http.client.HTTPResponse.
    session= offers a session to resume."""

    def __init__(self, emu, ctx, session=None):
        raw = socket.create_connection(("localhost", emu.port), timeout=TIMEOUT)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost", session=session)

    def ask(self, method, path, body=None, headers=None):
        h = {"Host": "localhost"}
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Content-Length"] = str(len(body))
        h.update(headers or {})
        head = "%s %s HTTP/1.1\r\n%s\r\n" % (
            method, path, "".join("%s: %s\r\n" % kv for kv in h.items()))
        self.sock.sendall(head.encode() + (body or "").encode())
        r = http.client.HTTPResponse(self.sock, method=method)
        r.begin()
        return r, r.read()

    def token(self, headers=None):
        r, body = self.ask("POST", TOKEN_PATH, TOKEN_FORM, headers)
        assert r.status == 200, (r.status, body)
        return r

    def at_eof(self):
        """True when the server closes within TIMEOUT (no bytes before)."""
        return self.sock.recv(1) == b""

    def close(self):
        self.sock.close()


class CountingClient:
    """TLS through memory BIOs over a plain socket, counting every byte sent
    and received, to compare with the emulator's counts."""

    def __init__(self, emu, ctx):
        self.sock = socket.create_connection(("localhost", emu.port), timeout=TIMEOUT)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname="localhost")
        self.sent = self.received = 0
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._pump()
        self._flush()

    def _flush(self):
        data = self.out.read()
        self.sock.sendall(data)
        self.sent += len(data)

    def _pump(self):
        self._flush()
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed")
        self.received += len(data)
        self.inc.write(data)

    def request(self, raw):
        """Sends raw request bytes, returns the whole response (by
        Content-Length)."""
        self.tls.write(raw)
        self._flush()
        buf = b""
        while True:
            try:
                buf += self.tls.read(65536)
            except ssl.SSLWantReadError:
                self._pump()
                continue
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")][0]
                if len(body) >= length:
                    return buf

    def close(self):
        self.sock.close()


def token_request(extra=b""):
    body = TOKEN_FORM.encode()
    return (b"POST " + TOKEN_PATH.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
            % len(body)) + extra + b"\r\n" + body


class EmulatorCase(unittest.TestCase):
    ARGS = ()  # emulator options for the whole class

    @classmethod
    def setUpClass(cls):
        cls.emu = harness.Emulator(CERTS, args=cls.ARGS).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def ctx(self, version=None):
        return client_context(self.emu.ca, version)

    def conns(self, mark, n):
        cs = self.emu.connections(mark, count=n)
        self.assertEqual(len(cs), n, cs)
        for c in cs:
            self.assertTrue(c["closed"], c)
        return cs

    def assert_counts_add_up(self, c):
        """Handshake plus requests account for every byte, and each response
        left in one send."""
        ins, outs = zip(*c["per_request"]) if c["per_request"] else ((), ())
        self.assertEqual(c["bytes_in"], c["handshake_in"] + sum(ins))
        self.assertEqual(c["bytes_out"], c["handshake_out"] + sum(outs))
        self.assertEqual(len(c["per_request"]), c["served"])
        self.assertEqual(c["sends"] - c["handshake_sends"], c["served"])


class KeepAlive(EmulatorCase):
    def test_requests_to_every_endpoint_share_one_connection(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        answers = [cl.token(),
                   cl.ask("POST", DEVICE_PATH, DEVICE_FORM)[0],
                   cl.ask("GET", AUTHORIZE)[0],
                   cl.ask("GET", "/_emulator/health")[0],
                   cl.token()]
        self.assertEqual([r.status for r in answers], [200, 200, 302, 200, 200])
        for r in answers:
            self.assertIsNone(r.getheader("Connection"))
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual([r["req_no"] for r in c["requests"]], [1, 2, 3, 4, 5])
        self.assertEqual(c["served"], 5)
        self.assertEqual([r["path"] for r in c["requests"]],
                         [TOKEN_PATH, DEVICE_PATH, AUTHORIZE.split("?")[0],
                          "/_emulator/health", TOKEN_PATH])
        # The request lines the older tests read are all still there.
        first = c["requests"][0]
        self.assertEqual((first["method"], first["status"], first["form"]["client_secret"],
                          first["content_type"]),
                         ("POST", 200, "***", "application/x-www-form-urlencoded"))
        self.assertEqual((c["tls"], c["resumed"], c["closed_by"], c["reason"], c["served"]),
                         ("TLSv1.3", False, "client", "eof", 5))
        self.assert_counts_add_up(c)

    def test_client_connection_close_is_answered_and_honoured(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        cl.token()
        r = cl.token({"Connection": "close"})
        self.assertEqual(r.getheader("Connection"), "close")
        self.assertTrue(cl.at_eof())
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual((c["closed_by"], c["reason"], c["served"]),
                         ("client", "connection-close", 2))

    def test_http10_keep_alive(self):
        mark = self.emu.mark()
        cl = CountingClient(self.emu, self.ctx())
        for _ in range(2):
            resp = cl.request(b"GET /_emulator/health HTTP/1.0\r\n"
                              b"Connection: keep-alive\r\n\r\n")
            self.assertIn(b"\r\nConnection: keep-alive\r\n", resp)
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual(c["served"], 2)

    def test_wire_bytes_equal_what_the_client_counted(self):
        for version, name in ((TLS12, "TLSv1.2"), (TLS13, "TLSv1.3")):
            with self.subTest(name):
                mark = self.emu.mark()
                cl = CountingClient(self.emu, self.ctx(version))
                hs_sent, hs_received = cl.sent, cl.received
                resp = cl.request(token_request())
                self.assertTrue(resp.startswith(b"HTTP/1.1 200 "), resp[:100])
                resp = cl.request(token_request())
                self.assertTrue(resp.startswith(b"HTTP/1.1 200 "), resp[:100])
                cl.close()
                c, = self.conns(mark, 1)
                self.assertEqual(c["tls"], name)
                self.assertEqual((c["bytes_in"], c["bytes_out"]), (cl.sent, cl.received))
                self.assertEqual(c["handshake_in"], hs_sent)
                # TLS 1.3 tickets come after the client's handshake ends.
                self.assertLessEqual(hs_received, c["handshake_out"])
                self.assert_counts_add_up(c)


class Resumption(EmulatorCase):
    def two_connections(self, version):
        """Two connections, the second offering the first one's session:
        (first log entry, second log entry, client's session_reused)."""
        mark = self.emu.mark()
        ctx = self.ctx(version)
        first = Client(self.emu, ctx)
        first.token()  # a TLS 1.3 ticket arrives with the response
        session = first.sock.session
        first.close()
        second = Client(self.emu, ctx, session=session)
        second.token()
        reused = second.sock.session_reused
        second.close()
        a, b = self.conns(mark, 2)
        return session, a, b, reused

    def test_resumed_second_connection(self):
        for version, name in ((TLS12, "TLSv1.2"), (TLS13, "TLSv1.3")):
            with self.subTest(name):
                session, a, b, reused = self.two_connections(version)
                self.assertTrue(session.has_ticket)
                self.assertTrue(reused)
                self.assertEqual((a["tls"], a["resumed"]), (name, False))
                self.assertEqual((b["tls"], b["resumed"]), (name, True))
                # No certificate, no key exchange signature: a smaller flight.
                self.assertLess(b["handshake_out"], a["handshake_out"] // 2)


class RefuseResumption(Resumption):
    ARGS = ("--refuse-resumption",)

    def test_resumed_second_connection(self):
        for version, name in ((TLS12, "TLSv1.2"), (TLS13, "TLSv1.3")):
            with self.subTest(name):
                session, a, b, reused = self.two_connections(version)
                self.assertTrue(session.has_ticket)  # offered, then refused
                self.assertFalse(reused)
                self.assertEqual([a["resumed"], b["resumed"]], [False, False])
                self.assertEqual(b["served"], 1)


class NoTickets(Resumption):
    ARGS = ("--no-tickets",)

    def test_resumed_second_connection(self):
        for version, name in ((TLS12, "TLSv1.2"), (TLS13, "TLSv1.3")):
            with self.subTest(name):
                session, a, b, reused = self.two_connections(version)
                self.assertFalse(session.has_ticket)
                self.assertFalse(reused)  # TLS 1.2 session ids do not resume either
                self.assertEqual([a["resumed"], b["resumed"]], [False, False])


class Tls12Only(EmulatorCase):
    ARGS = ("--tls-max", "1.2")

    def test_server_caps_the_version(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        cl.token()
        self.assertEqual(cl.sock.version(), "TLSv1.2")
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual(c["tls"], "TLSv1.2")

    def test_client_asking_only_13_is_refused(self):
        mark = self.emu.mark()
        with self.assertRaises(ssl.SSLError):
            Client(self.emu, self.ctx(TLS13))
        c, = self.conns(mark, 1)
        self.assertEqual((c["tls"], c["reason"], c["served"]),
                         (None, "handshake-failed", 0))


class IdleClose(EmulatorCase):
    ARGS = ("--idle-timeout", "0.3")

    def test_idle_connection_is_closed_by_the_server(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        cl.token()
        t0 = time.monotonic()
        self.assertTrue(cl.at_eof())
        self.assertGreater(time.monotonic() - t0, 0.2)
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual((c["closed_by"], c["reason"], c["served"]),
                         ("server", "idle-timeout", 1))
        self.assertGreaterEqual(c["idle_s"], 0.29)

    def test_stale_connection_fails_the_next_request(self):
        """What a client's stale-connection retry must handle: the request is
        written into a connection the server closed meanwhile, and the
        answer is the end of the stream (or a reset), never a response."""
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        cl.token()
        time.sleep(0.6)  # the server closes after 0.3 s; the client has not looked
        stale = (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)
        with self.assertRaises(stale):
            cl.token()
        cl.close()
        fresh = Client(self.emu, self.ctx())  # and the retry on a new one works
        fresh.token()
        fresh.close()
        a, b = self.conns(mark, 2)
        self.assertEqual((a["reason"], a["served"], b["served"]), ("idle-timeout", 1, 1))

    def test_requests_within_the_limit_keep_it(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        for _ in range(3):
            cl.token()
            time.sleep(0.1)
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual((c["closed_by"], c["served"]), ("client", 3))


class MaxRequests(EmulatorCase):
    ARGS = ("--max-requests", "2")

    def test_server_closes_after_the_limit(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        self.assertIsNone(cl.token().getheader("Connection"))
        self.assertEqual(cl.token().getheader("Connection"), "close")
        self.assertTrue(cl.at_eof())
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual((c["closed_by"], c["reason"], c["served"]),
                         ("server", "max-requests", 2))


class NoKeepAlive(EmulatorCase):
    ARGS = ("--no-keep-alive",)

    def test_every_response_closes(self):
        mark = self.emu.mark()
        cl = Client(self.emu, self.ctx())
        self.assertEqual(cl.token().getheader("Connection"), "close")
        self.assertTrue(cl.at_eof())
        cl.close()
        c, = self.conns(mark, 1)
        self.assertEqual((c["closed_by"], c["reason"], c["served"]),
                         ("server", "no-keep-alive", 1))


CASES = [KeepAlive, Resumption, RefuseResumption, NoTickets, Tls12Only, IdleClose,
         MaxRequests, NoKeepAlive]


def main():
    global CERTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", required=True)
    ap.add_argument("-k", help="only tests whose id contains this")
    a = ap.parse_args()
    CERTS = harness.make_certs(os.path.abspath(a.certs))
    suite = unittest.TestSuite()
    for case in CASES:
        tests = unittest.defaultTestLoader.loadTestsFromTestCase(case)
        suite.addTests(t for t in tests if not a.k or a.k in t.id())
    with open(os.devnull, "w") as devnull:
        res = unittest.TextTestRunner(resultclass=harness.TapResult, stream=devnull,
                                      verbosity=0).run(suite)
    print("1..%d" % res.testsRun)
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
