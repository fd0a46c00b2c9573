#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench, repeat tokens: what a second token in the same process costs
the client when it keeps the connection (HTTP keep-alive) or resumes the TLS
session on a new one, next to the process's first token, for TLS 1.3 and
TLS 1.2 (issue 9's measure).

Instructions: callgrind's total Ir of tests/bench/repeat_token, one process.
The first token is a whole run that fetches one token (process start, CA
file, handshake, request); a repeat token is the run that fetches two less
the run that fetches one. Bytes: the emulator's count of TCP payload (TLS
records and all, both directions) -- the first token's connection; the
second token's new, resumed connection; the second request and response on
the kept connection. Numbers are printed, never stored as expectations.
Goal: a repeat token at most 1/4 of the first one's instructions and 1/2 of
its bytes.

Two server certificate chains: the tests' (one EC P-256 certificate from a
test CA: a small handshake) and one shaped like login.microsoftonline.com's
(RSA 2048 leaf with many names, RSA 4096 issuing CA: about 3.9 KB of
certificates), since the first token's bytes and instructions depend on it."""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import TENANT, Emulator, make_certs, secret_of  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
REPEAT = os.path.join(BUILD, "gcc", "repeat_token")
APP = "edgetoken-test-app"
SCOPE = APP + "/.default"
VERSIONS = (("TLSv1.3", ("--tls-min", "1.3")), ("TLSv1.2", ("--tls-max", "1.2")))
ENTRA_LIKE_CERTS = os.path.join(ROOT, "tests", "emulator", "make_entra_like_certs.sh")
IR_GOAL, BYTES_GOAL = 0.25, 0.50


def callgrind_run(emu, count, mode, tmp):
    """(total Ir, the run's connections in the emulator's log)."""
    out = os.path.join(tmp, "callgrind.out")
    mark = emu.mark()
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, REPEAT,
            emu.authority, TENANT, APP, SCOPE, emu.ca, str(count), mode]
    p = subprocess.run(argv, env=dict(os.environ, EDGETOKEN_CLIENT_SECRET=secret_of(APP)),
                       capture_output=True, text=True, timeout=600)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m or p.stdout.count("token ") != count:
        raise SystemExit("bench: %s failed:\n%s%s" % (" ".join(argv[3:]), p.stdout,
                                                       p.stderr[-2000:]))
    stats = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)",
                                                    p.stdout.splitlines()[-1]))
    return int(m.group(1)), emu.connections(mark, count=stats["opened"])


def wire(c):
    return c["bytes_in"] + c["bytes_out"]


def measure(emu, tmp):
    """Rows (label, Ir, bytes) for one TLS version."""
    ir1, (first,) = callgrind_run(emu, 1, "keep", tmp)
    ir2, (kept,) = callgrind_run(emu, 2, "keep", tmp)
    if kept["served"] != 2:
        raise SystemExit("bench: the kept connection served %d requests" % kept["served"])
    r1, _ = callgrind_run(emu, 1, "resume", tmp)
    r2, conns = callgrind_run(emu, 2, "resume", tmp)
    if len(conns) != 2 or not conns[1]["resumed"]:
        raise SystemExit("bench: the second connection did not resume: %r" % conns)
    f1, _ = callgrind_run(emu, 1, "fresh", tmp)
    f2, fresh = callgrind_run(emu, 2, "fresh", tmp)
    return [
        ("first token (full handshake)", ir1, wire(first)),
        ("repeat, new connection, full handshake", f2 - f1, wire(fresh[1])),
        ("repeat, new connection, resumed session", r2 - r1, wire(conns[1])),
        ("repeat, kept connection (keep-alive)", ir2 - ir1, sum(kept["per_request"][1])),
    ]


def chains():
    """(label, certificate directory) of the chains to measure."""
    ec = make_certs(os.path.join(BUILD, "bench-certs"))
    rsa = os.path.join(BUILD, "bench-certs-entra-like")
    subprocess.run([ENTRA_LIKE_CERTS, rsa], check=True)
    return (("EC P-256, test CA", ec), ("RSA, chain like Entra's", rsa))


def report(results):
    print("repeat tokens in one process (tests/bench/repeat_token, client credentials v2.0, "
          "emulator over loopback)")
    print("instructions: callgrind total Ir (repeat = run of 2 tokens - run of 1); "
          "bytes: TCP payload both ways, TLS included")
    misses = []
    for chain, version, rows in results:
        print("\n%s, server certificates: %s" % (version, chain))
        print("  %-42s %14s %7s %8s %7s" % ("token", "instructions", "% 1st", "bytes",
                                           "% 1st"))
        _, ir0, b0 = rows[0]
        for label, ir, nbytes in rows:
            print("  %-42s %14s %6.1f%% %8d %6.1f%%" % (
                label, format(ir, ","), 100.0 * ir / ir0, nbytes, 100.0 * nbytes / b0))
        for label, ir, nbytes in rows[2:]:
            if ir > IR_GOAL * ir0 or nbytes > BYTES_GOAL * b0:
                misses.append("%s, %s: %s (%.0f%% instructions, %.0f%% bytes)" % (
                    version, chain, label, 100.0 * ir / ir0, 100.0 * nbytes / b0))
    print("\ngoal: a repeat token <= %d%% of the first's instructions and <= %d%% of its bytes"
          % (IR_GOAL * 100, BYTES_GOAL * 100))
    for m in misses:
        print("  not met: " + m)
    if not misses:
        print("  met by every resumed and kept-connection repeat")


def main():
    if not os.access(REPEAT, os.X_OK):
        raise SystemExit("bench: %s is missing (make repeat-token)" % REPEAT)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for chain, certs in chains():
            for version, args in VERSIONS:
                with Emulator(certs, args=args) as emu:
                    results.append((chain, version, measure(emu, tmp)))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
