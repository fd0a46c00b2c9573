#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: one client-credentials token from the local emulator, fetched
by edgetoken (the regular build on Debian's mbedTLS, and the zero-heap build
on our mbedTLS with a static arena) and by curl (the command on Microsoft's
ADME page), side by side in the same run. Reports median and p90 wall time and peak RSS over RUNS runs
(alternating the two tools), and heap use of one run of each under valgrind.
Numbers are printed, never stored as expectations."""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import TENANT, Emulator, make_certs, secret_of  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
CLI = os.path.join(BUILD, "gcc", "edgetoken")
ZH_CLI = os.path.join(BUILD, "zeroheap", "edgetoken")
APP = "edgetoken-test-app"
RUNS = int(os.environ.get("RUNS", "30"))


def run_one(argv, env, tmp):
    """Wall seconds and peak RSS (KiB) of one run. GNU time reads the RSS:
    a child forked from this Python would report Python's own pages."""
    rss_path = os.path.join(tmp, "rss")
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_path] + argv, env=env,
                       capture_output=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0 or len(p.stdout) < 100:
        raise SystemExit("bench: %s failed: %s" % (argv[0], p.stderr.decode()))
    with open(rss_path) as f:
        return wall, int(f.read().split()[-1])


def heap(argv, env):
    p = subprocess.run(["valgrind", "--tool=memcheck", "--leak-check=no"] + argv, env=env,
                       capture_output=True, text=True)
    m = re.search(r"total heap usage: ([\d,]+) allocs, [\d,]+ frees, ([\d,]+) bytes", p.stderr)
    if p.returncode != 0 or not m:
        raise SystemExit("bench: valgrind %s failed:\n%s" % (argv[0], p.stderr[-2000:]))
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def main():
    curl = shutil.which("curl")
    if not curl or not os.path.exists("/usr/bin/time"):
        raise SystemExit("bench: needs curl and GNU time (make deps)")
    certs = make_certs(os.path.join(BUILD, "bench-certs"))
    secret = secret_of(APP)
    with Emulator(certs) as emu, tempfile.TemporaryDirectory() as tmp:
        url = "%s/%s/oauth2/token" % (emu.authority, TENANT)
        secret_file = os.path.join(tmp, "secret")
        with open(secret_file, "w") as f:
            f.write(secret)
        env = dict(os.environ, EDGETOKEN_CLIENT_SECRET=secret)
        args = ["token", "--endpoint", "v1", "--tenant", TENANT, "--client-id", APP,
                "--resource", APP, "--authority", emu.authority, "--ca-file", emu.ca]
        tools = {
            "edgetoken": [CLI] + args,
            # Heap calls abort in this build: what valgrind counts is libc's.
            "zero-heap": [ZH_CLI] + args,
            # Microsoft's page, with the secret read from a file rather than argv.
            "curl": [curl, "-sS", "--fail", "--cacert", emu.ca, "--location", "--request",
                     "POST", url,
                     "--header", "Content-Type: application/x-www-form-urlencoded",
                     "--data-urlencode", "grant_type=client_credentials",
                     "--data-urlencode", "scope=%s.default" % APP,
                     "--data-urlencode", "client_id=%s" % APP,
                     "--data-urlencode", "client_secret@" + secret_file,
                     "--data-urlencode", "resource=%s" % APP],
        }
        samples = {name: [] for name in tools}
        for name, argv in tools.items():  # warm-up: page cache, emulator
            run_one(argv, env, tmp)
        for _ in range(RUNS):
            for name, argv in tools.items():
                samples[name].append(run_one(argv, env, tmp))
        heaps = {name: heap(argv, env) for name, argv in tools.items()}

    print("one client-credentials token from the local emulator over TLS, %d runs each" % RUNS)
    print("%-10s %10s %8s %14s %12s %14s" % ("tool", "median ms", "p90 ms", "peak RSS KiB",
                                               "heap allocs", "heap bytes"))
    for name in tools:
        walls = sorted(w for w, _ in samples[name])
        rss = max(r for _, r in samples[name])
        p90 = walls[min(len(walls) - 1, int(round(0.9 * (len(walls) - 1))))]
        print("%-10s %10.1f %8.1f %14d %12d %14d" % (
            name, statistics.median(walls) * 1000, p90 * 1000, rss, heaps[name][0],
            heaps[name][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
