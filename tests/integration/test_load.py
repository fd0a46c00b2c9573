#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A bounded load test of edgetoken get and call against the emulator over
TLS: 10,000 `get` runs served from the 0600 cache on disk (one token
request in all, the same valid token every time), and 200 concurrent
`call`s to the emulator's ADME search, each with its own query, 20 of them
under valgrind (memcheck, --leak-check=full, --error-exitcode), with the
emulator's log proving nothing was lost.

    test_load.py --cli build/gcc/edgetoken --certs build/test-certs

LOAD_GETS, LOAD_WORKERS, LOAD_CALLS, LOAD_VALGRIND change the sizes.
Prints TAP (with the timings as comments); exits non-zero on failure.
"""

import base64
import concurrent.futures
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from harness import TENANT, assert_client_kept_secrets, cli_args, run_tap, secret_of

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "emulator"))
from entra_emulator import ADME_AUDIENCE  # noqa: E402

CLI = None
EMU = None
APP = "edgetoken-test-app"
SCOPE = ADME_AUDIENCE + "/.default"
PART = "opendes"
SEARCH = "/api/search/v2/query"
GETS = int(os.environ.get("LOAD_GETS", "10000"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
CALLS = int(os.environ.get("LOAD_CALLS", "200"))
VALGRIND = int(os.environ.get("LOAD_VALGRIND", "20"))
VALGRIND_CMD = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full"]


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class LoadTest(unittest.TestCase):
    def setUp(self):
        self.store = tempfile.TemporaryDirectory(prefix="et-load-")
        self.before = len(self.requests())

    def tearDown(self):
        self.store.cleanup()

    def requests(self):
        return [r for r in EMU.requests() if not r["path"].startswith("/_emulator")]

    def new_requests(self):
        return self.requests()[self.before:]

    def token_requests(self):
        return [r for r in self.new_requests() if r["path"].endswith("/token")]

    def env(self):
        env = dict(os.environ, EDGETOKEN_STORE_DIR=self.store.name,
                   EDGETOKEN_CLIENT_SECRET=secret_of(APP))
        return env

    def common(self):
        return ["--authority", EMU.authority, "--tenant", TENANT, "--client-id", APP,
                "--ca-file", EMU.ca, "--scope", SCOPE]

    def get(self):
        return subprocess.run([CLI, "get"] + self.common(), env=self.env(),
                              capture_output=True, text=True, timeout=60)

    def test_10000_gets_are_served_from_the_cache(self):
        first = self.get()
        self.assertEqual(first.returncode, 0, first.stderr)
        token = first.stdout.strip()
        claims = jwt_claims(token)
        self.assertEqual(claims["aud"], ADME_AUDIENCE)
        self.assertGreater(claims["exp"], time.time() + 600)
        files = [f for f in os.listdir(self.store.name) if f.startswith("at-")]
        self.assertEqual(len(files), 1, os.listdir(self.store.name))
        mode = stat.S_IMODE(os.stat(os.path.join(self.store.name, files[0])).st_mode)
        self.assertEqual(mode, 0o600)

        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            runs = list(pool.map(lambda _: self.get(), range(GETS - 1)))
        took = time.monotonic() - start
        print("# %d gets from the cache in %.1f s (%d workers, %.1f ms each)"
              % (GETS, took, WORKERS, 1000.0 * took * WORKERS / max(GETS - 1, 1)))
        failed = [(r.returncode, r.stderr) for r in runs if r.returncode != 0]
        self.assertEqual(failed, [])
        outs = {r.stdout.strip() for r in runs}
        self.assertEqual(outs, {token})  # every run printed the one token
        self.assertEqual({r.stderr for r in runs}, {""})
        assert_client_kept_secrets(self, EMU, first.stdout, first.stderr)
        self.assertEqual(len(self.token_requests()), 1)  # the emulator saw one request
        self.assertEqual(len(self.new_requests()), 1)

    def test_200_concurrent_calls_nothing_lost_20_under_valgrind(self):
        if VALGRIND and shutil.which("valgrind") is None:
            self.fail("valgrind is not installed (apt-get install valgrind)")
        self.assertEqual(self.get().returncode, 0)  # one token, cached
        args = ["call", "POST", SEARCH, "--url", EMU.authority, "--data-partition-id", PART,
                "--data", "-"] + self.common()
        logs = tempfile.TemporaryDirectory(prefix="et-load-vg-")
        procs = []
        start = time.monotonic()
        step = max(CALLS // VALGRIND, 1) if VALGRIND else 0
        for i in range(CALLS):
            # The valgrind runs spread through the batch, among the others.
            under = step > 0 and i % step == 0 and i // step < VALGRIND
            cmd = [CLI] + args
            if under:
                cmd = VALGRIND_CMD + ["--log-file=%s/vg-%d.log" % (logs.name, i)] + cmd
            p = subprocess.Popen(cmd, env=self.env(), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            procs.append((i, p, under))
        outs = []
        for i, p, under in procs:
            query = json.dumps({"kind": "osdu:wks:load--Call%d:1.0.0" % i})
            outs.append((i, under) + p.communicate(query, timeout=600) + (p.returncode,))
        took = time.monotonic() - start
        print("# %d concurrent calls (%d under valgrind) in %.1f s"
              % (CALLS, sum(1 for o in outs if o[1]), took))
        for i, under, out, err, rc in outs:
            what = "call %d%s" % (i, " (valgrind)" if under else "")
            if under and rc == 99:
                with open("%s/vg-%d.log" % (logs.name, i)) as f:
                    self.fail("%s: valgrind found errors:\n%s" % (what, f.read()[-3000:]))
            self.assertEqual(rc, 0, "%s: %s" % (what, err))
            body = json.loads(out)
            self.assertEqual(body["results"][0]["kind"], "osdu:wks:load--Call%d:1.0.0" % i, what)
            self.assertEqual(body["totalCount"], 1, what)
        logs.cleanup()
        self.assertEqual(sum(1 for o in outs if o[1]), min(VALGRIND, CALLS))
        calls = [r for r in self.new_requests() if r["path"] == SEARCH]
        self.assertEqual([r["status"] for r in calls], [200] * CALLS)  # nothing lost
        self.assertEqual(len(self.token_requests()), 1)  # only the first get asked


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(LoadTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
