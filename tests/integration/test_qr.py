#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""edgetoken device-login's QR code of the verification URI, against the
local Entra ID emulator: the code the CLI draws on stderr, read back from
its half blocks into an image that zbarimg must decode to the URI; when it
is drawn (a terminal on stderr, --qr) and when not (a pipe, --no-qr); and
never on stdout.

    test_qr.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure. The encoder itself (all masks,
levels, versions, sovereign and emulator URIs) is tests/unit/test_qr.c.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import TENANT, cli_args, run_tap

CLI = None
EMU = None
URI = "https://microsoft.com/devicelogin"  # what the emulator hands out
# Half blocks as the CLI draws them: the block is a light module, so each
# character is (top dark, bottom dark).
GLYPHS = {"\u2588": (0, 0), "\u2580": (0, 1), "\u2584": (1, 0), " ": (1, 1)}
BLOCKS = "\u2588\u2580\u2584"


def login_args(extra=(), app="device-app"):
    return [CLI, "device-login", "--tenant", TENANT, "--client-id", app,
            "--authority", EMU.authority, "--ca-file", EMU.ca] + list(extra)


def qr_lines(text):
    """The QR code's lines in text: the run of lines made only of half
    blocks and spaces (at least 21 + 8 wide)."""
    return [l for l in text.split("\n") if len(l) >= 29 and set(l) <= set(GLYPHS)]


def modules(lines):
    """The lines as rows of modules (1 dark), quiet zone included."""
    rows = []
    for line in lines:
        rows.append([GLYPHS[c][0] for c in line])
        rows.append([GLYPHS[c][1] for c in line])
    return rows


def zbar_decode(rows, tmp):
    """zbarimg's reading of the module rows, drawn 4 pixels a module with
    4 more light modules around (the CLI's last half row may be dark)."""
    scale, pad = 4, 4
    w = (len(rows[0]) + 2 * pad) * scale
    h = (len(rows) + 2 * pad) * scale
    path = os.path.join(tmp, "qr.pbm")
    with open(path, "w") as f:
        f.write("P1\n%d %d\n" % (w, h))
        for py in range(h):
            y = py // scale - pad
            f.write(" ".join(
                str(rows[y][px // scale - pad]
                    if 0 <= y < len(rows) and 0 <= px // scale - pad < len(rows[0]) else 0)
                for px in range(w)) + "\n")
    p = subprocess.run(["zbarimg", "--raw", "-q", "--nodbus", path],
                       capture_output=True, timeout=30)
    return p.stdout.decode("utf-8", "replace")


def run_tty(args, env):
    """Run with stderr on a pseudo-terminal; (exit status, stdout, stderr)."""
    master, slave = os.openpty()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = p.stdout.read().decode()
    p.stdout.close()
    p.wait(timeout=60)
    return p.returncode, out, b"".join(chunks).decode().replace("\r\n", "\n")


class QrTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="et-qr-")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("EDGETOKEN_CLIENT_SECRET",)}
        self.env["EDGETOKEN_STORE_DIR"] = self.tmp

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_cli(self, extra=(), app="device-app"):
        return subprocess.run(login_args(extra, app), env=self.env, capture_output=True,
                              encoding="utf-8", timeout=60)

    def assertQrOf(self, stderr, uri):
        lines = qr_lines(stderr)
        self.assertTrue(lines, "no QR code on stderr:\n" + stderr)
        # One block of lines, all as wide, after the message naming the URI.
        first = stderr.split("\n").index(lines[0])
        self.assertEqual(stderr.split("\n")[first:first + len(lines)], lines)
        self.assertIn(uri, "\n".join(stderr.split("\n")[:first]))
        self.assertEqual({len(l) for l in lines}, {len(lines[0])})
        self.assertEqual(zbar_decode(modules(lines), self.tmp), uri + "\n")

    def test_qr_forced_on_a_pipe_decodes_to_the_uri(self):
        p = self.run_cli(["--qr"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertQrOf(p.stderr, URI)
        self.assertEqual(len(p.stdout.strip().split(".")), 3, "only the JWT on stdout")
        # 33 bytes: version 3 (29 modules) + 2 * 4 quiet, 2 margin lines
        # above and below, 29 rows in 15 lines.
        self.assertEqual(len(qr_lines(p.stderr)), 2 + 15 + 2)
        self.assertEqual(len(qr_lines(p.stderr)[0]), 37)

    def test_v1_verification_url(self):
        p = self.run_cli(["--qr", "--endpoint", "v1"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertQrOf(p.stderr, URI)

    def test_not_on_a_pipe_by_default(self):
        p = self.run_cli()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(URI, p.stderr)
        for c in BLOCKS:
            self.assertNotIn(c, p.stderr + p.stdout)

    def test_on_a_terminal_by_default(self):
        rc, out, err = run_tty(login_args(), self.env)
        self.assertEqual(rc, 0, err)
        self.assertQrOf(err, URI)
        self.assertEqual(len(out.strip().split(".")), 3)

    def test_no_qr_on_a_terminal(self):
        rc, out, err = run_tty(login_args(["--no-qr"]), self.env)
        self.assertEqual(rc, 0, err)
        self.assertIn(URI, err)
        for c in BLOCKS:
            self.assertNotIn(c, err + out)

    def test_last_of_qr_and_no_qr_wins(self):
        p = self.run_cli(["--no-qr", "--qr"])
        self.assertQrOf(p.stderr, URI)
        rc, out, err = run_tty(login_args(["--qr", "--no-qr"]), self.env)
        self.assertEqual(rc, 0, err)
        self.assertNotIn(BLOCKS[0], err)

    def test_json_stdout_stays_json(self):
        p = self.run_cli(["--qr", "--json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("access_token", json.loads(p.stdout))
        self.assertQrOf(p.stderr, URI)

    def test_shown_before_polling_ends(self):
        # A declined sign-in still showed the code first.
        p = self.run_cli(["--qr"], app="device-decline-app")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertQrOf(p.stderr, URI)

    def test_help_names_the_options(self):
        p = subprocess.run([CLI, "--help"], capture_output=True, text=True)
        self.assertIn("--qr, --no-qr", p.stdout)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(QrTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
