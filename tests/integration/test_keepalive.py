#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Connection reuse over real TLS, proven by the emulator's connection log:
the polls of one device-code sign-in on one connection, a second token in
one process on the kept connection (keep-alive) or on a new one resuming
the TLS session (TLS 1.2 and 1.3), servers that refuse resumption or close
idle connections, and the client's wire byte counts equal the server's.

    test_keepalive.py --cli build/gcc/edgetoken --certs build/test-certs

Tokens in one process come from repeat_token (tests/bench/repeat_token.c,
built next to the CLI by make unit). Prints TAP; exits non-zero on failure.
"""

import os
import re
import subprocess
import sys
import time
import unittest

import harness
from harness import TENANT, cli_args, secret_of

CLI = None
REPEAT = None
CERTS = None
APP = "edgetoken-test-app"
SCOPE = "api://keepalive/.default"
TOKEN_PATH = "/%s/oauth2/v2.0/token" % TENANT
DEVICE_PATH = "/%s/oauth2/v2.0/devicecode" % TENANT


def env_with(secret=None, store=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_STORE_DIR")}
    if secret is not None:
        env["EDGETOKEN_CLIENT_SECRET"] = secret
    if store is not None:
        env["EDGETOKEN_STORE_DIR"] = store
    return env


class Case(unittest.TestCase):
    """One emulator per class, started with ARGS."""
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.emu = harness.Emulator(CERTS, args=cls.ARGS).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def repeat(self, count, mode, pause_ms=0, app=APP):
        """repeat_token: (its stats as a dict, the connections it made)."""
        mark = self.emu.mark()
        argv = [REPEAT, self.emu.authority, TENANT, app, SCOPE, self.emu.ca, str(count),
                mode] + ([str(pause_ms)] if pause_ms else [])
        p = subprocess.run(argv, env=env_with(secret_of(app)), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        attempts = [int(a) for a in re.findall(r"^token \d+: \d+ bytes, attempts=(\d+)$",
                                               p.stdout, re.M)]
        self.assertEqual(len(attempts), count, p.stdout)
        stats = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)",
                                                        p.stdout.splitlines()[-1]))
        stats["attempts"] = attempts
        # No server here fails a request: one attempt each, whatever the
        # connection went through.
        self.assertEqual(attempts, [1] * count, p.stdout)
        conns = self.emu.connections(mark, count=stats["opened"])
        self.assertEqual(len(conns), stats["opened"], conns)
        for c in conns:
            self.assertTrue(c["closed"], c)
            self.assertTrue(all(r["status"] == 200 for r in c["requests"]), c["requests"])
        # The client's own count of bytes on the wire is the server's, but
        # for what it sent after the server had closed (its close_notify,
        # a request on a stale connection): stats["unread"].
        self.assertEqual(stats["received"], sum(c["bytes_out"] for c in conns))
        stats["unread"] = stats["sent"] - sum(c["bytes_in"] for c in conns)
        closed_first = sum(1 for c in conns if c["reason"] != "eof")
        self.assertGreaterEqual(stats["unread"], 0)
        if not pause_ms:
            self.assertLessEqual(stats["unread"], 64 * closed_first, conns)
        return stats, conns


class Reuse:
    """Keep-alive and resumption for one TLS version (VERSION)."""
    VERSION = None

    def test_second_token_reuses_the_connection(self):
        stats, conns = self.repeat(3, "keep")
        c, = conns
        self.assertEqual((c["tls"], c["served"]), (self.VERSION, 3))
        self.assertEqual([r["req_no"] for r in c["requests"]], [1, 2, 3])
        self.assertEqual((stats["link_opened"], stats["link_reused"]), (1, 2))
        self.assertEqual((stats["full"], stats["resumed"]), (1, 0))

    def test_new_connection_resumes_the_session(self):
        stats, conns = self.repeat(3, "resume")
        self.assertEqual([c["tls"] for c in conns], [self.VERSION] * 3)
        self.assertEqual([c["resumed"] for c in conns], [False, True, True])
        self.assertEqual([c["served"] for c in conns], [1, 1, 1])
        self.assertEqual((stats["full"], stats["resumed"]), (1, 2))
        # No certificate in a resumed handshake: a much smaller server flight.
        self.assertLess(conns[1]["handshake_out"], conns[0]["handshake_out"] / 2)

    def test_fresh_ports_do_full_handshakes(self):
        stats, conns = self.repeat(2, "fresh")
        self.assertEqual([c["resumed"] for c in conns], [False, False])
        self.assertEqual((stats["full"], stats["resumed"]), (2, 0))


class Tls13(Reuse, Case):
    VERSION = "TLSv1.3"
    ARGS = ("--tls-min", "1.3")


class Tls12(Reuse, Case):
    VERSION = "TLSv1.2"
    ARGS = ("--tls-max", "1.2")


class Refused:
    """A server that will not resume: full handshakes, and no error."""

    def test_resumption_refused_means_full_handshakes(self):
        stats, conns = self.repeat(3, "resume")
        self.assertEqual([c["tls"] for c in conns], [self.VERSION] * 3)
        self.assertEqual([c["resumed"] for c in conns], [False] * 3)
        self.assertEqual((stats["full"], stats["resumed"]), (3, 0))


class Tls13Refuses(Refused, Case):
    VERSION = "TLSv1.3"
    ARGS = ("--tls-min", "1.3", "--refuse-resumption")


class Tls12Refuses(Refused, Case):
    VERSION = "TLSv1.2"
    ARGS = ("--tls-max", "1.2", "--refuse-resumption")


class Tls13NoTickets(Refused, Case):
    VERSION = "TLSv1.3"
    ARGS = ("--tls-min", "1.3", "--no-tickets")


class Tls12NoTickets(Refused, Case):
    VERSION = "TLSv1.2"
    ARGS = ("--tls-max", "1.2", "--no-tickets")


class ServerCloses(Case):
    """--no-keep-alive: every answer says Connection: close."""
    ARGS = ("--no-keep-alive",)

    def test_client_opens_anew_after_connection_close(self):
        stats, conns = self.repeat(3, "keep")
        self.assertEqual([(c["served"], c["closed_by"], c["reason"]) for c in conns],
                         [(1, "server", "no-keep-alive")] * 3)
        self.assertEqual([c["resumed"] for c in conns], [False, True, True])


class DeviceLogin(Case):
    def device_login(self, app="device-app"):
        mark = self.emu.mark()
        with harness.tempfile.TemporaryDirectory(prefix="et-store-") as store:
            p = subprocess.run([CLI, "device-login", "--tenant", TENANT, "--client-id", app,
                                "--authority", self.emu.authority, "--ca-file", self.emu.ca],
                               env=env_with(store=store), capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return self.emu.connections(mark, count=1)

    def test_polls_of_one_sign_in_share_one_connection(self):
        c, = self.device_login()  # device-app: 2 x authorization_pending, then tokens
        self.assertEqual([r["path"] for r in c["requests"]],
                         [DEVICE_PATH, TOKEN_PATH, TOKEN_PATH, TOKEN_PATH])
        self.assertEqual([r["status"] for r in c["requests"]], [200, 400, 400, 200])
        self.assertEqual([r["req_no"] for r in c["requests"]], [1, 2, 3, 4])
        self.assertEqual(c["closed_by"], "client")



class IdleServer(Case):
    """The server drops connections idle 0.5 s; the client, which would keep
    them 30 s, must notice and send the request again, once, on a new one."""
    ARGS = ("--idle-timeout", "0.5")

    def test_stale_connection_is_replaced(self):
        stats, conns = self.repeat(2, "keep", pause_ms=1500)
        a, b = conns
        self.assertEqual((a["served"], a["closed_by"], a["reason"]),
                         (1, "server", "idle-timeout"))
        self.assertEqual(b["served"], 1)
        self.assertTrue(b["resumed"])  # the new connection resumes the session
        self.assertEqual(stats["link_opened"], 2)
        # (repeat() saw one attempt per token: the stale connection cost a
        # resend of the same attempt, not a retry after a failure.)
        # Sent into the stale connection at most once (unread by the server,
        # with close_notifys), whether the client saw the close before
        # sending or after.
        self.assertLessEqual(stats["unread"], b["per_request"][0][0] + 2 * 64)

    def test_device_polls_survive_idle_closes(self):
        mark = self.emu.mark()
        with harness.tempfile.TemporaryDirectory(prefix="et-store-") as store:
            p = subprocess.run([CLI, "device-login", "--tenant", TENANT, "--client-id",
                                "device-app", "--authority", self.emu.authority,
                                "--ca-file", self.emu.ca], env=env_with(store=store),
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        conns = self.emu.connections(mark, count=4)
        reqs = [r for c in conns for r in c["requests"]]
        # Each poll waits 1 s: the server closed the connection before it.
        # Nothing is lost and nothing is sent twice.
        self.assertEqual([r["status"] for r in reqs], [200, 400, 400, 200])
        self.assertEqual([c["served"] for c in conns], [1, 1, 1, 1])
        self.assertEqual([c["reason"] for c in conns[:3]], ["idle-timeout"] * 3)


CASES = [Tls13, Tls12, Tls13Refuses, Tls12Refuses, Tls13NoTickets, Tls12NoTickets,
         ServerCloses, DeviceLogin, IdleServer]


def main():
    global CLI, REPEAT, CERTS
    a = cli_args()
    CLI, CERTS = a.cli, a.certs
    REPEAT = os.path.join(os.path.dirname(CLI), "repeat_token")
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
