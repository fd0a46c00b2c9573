#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make firmware-live against the Entra ID emulator: the Cortex-M4 image
under QEMU gets tokens over real TLS through its UART "modem"
(port/uart, tools/modem-bridge.py).

    test_live.py --certs BUILD/test-certs [-k NAME]

Cases: client credentials with a secret over TLS 1.3 and over TLS 1.2 (the
emulator's OpenSSL capped with OPENSSL_CONF, as tools/test.sh does for the
CLI), a PS256 client assertion signed on the target, the second token of
each run on a resumed TLS session (checked in the emulator's connection
log), a server with an RSA certificate like Entra's, and a refused secret
(non-zero exit with the typed error). The image's figures are printed as
TAP comments and kept in BUILD/firmware/live/figures.txt.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Emulator, TENANT, make_certs, run_tap, secret_of  # noqa: E402

EMU = None
CERTS = None
BUILD = os.environ.get("BUILD", "build")
APP = "edgetoken-test-app"
MAKE_CLIENT_CERTS = os.path.join(ROOT, "tests", "emulator", "make_client_certs.sh")
TOKEN_RE = re.compile(r"^token (\d): length (\d+), expires_in (\d+) s \(unix (\d+)\), "
                      r"(TLSv1\.[23]), (full handshake|resumed)", re.M)
FIGURES = os.path.join(ROOT, BUILD, "firmware", "live", "figures.txt")


def live(emu, extra=(), secret=None, app=APP, tokens=2):
    """Run make firmware-live against emu; (returncode, output)."""
    with tempfile.TemporaryDirectory(prefix="et-live-") as tmp:
        args = ["make", "-s", "BUILD=" + BUILD, "firmware-live",
                "AUTHORITY=" + emu.authority, "CA_FILE=" + emu.ca,
                "TENANT=" + TENANT, "CLIENT_ID=" + app, "LIVE_TOKENS=%d" % tokens]
        if secret is not False:
            path = os.path.join(tmp, "secret")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secret or secret_of(app))
            args.append("SECRET_FILE=" + path)
        p = subprocess.run(args + list(extra), cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
    return p.returncode, p.stdout + p.stderr


def figures(label, out):
    lines = [l for l in out.splitlines()
             if l.startswith(("token ", "figures ", "instructions ", "image:", "# port:"))]
    for l in lines:
        print("# %s: %s" % (label, l))
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, "a") as f:
        f.write("== %s\n%s\n" % (label, "\n".join(lines)))


class LiveTest(unittest.TestCase):
    def check_two_tokens(self, emu, mark, rc, out, version, label):
        self.assertEqual(rc, 0, out[-3000:])
        toks = TOKEN_RE.findall(out)
        self.assertEqual(len(toks), 2, out[-3000:])
        for n, length, expires_in, _, ver, how in toks:
            self.assertGreater(int(length), 100)
            self.assertGreater(int(expires_in), 0)
            self.assertEqual(ver, version)
        self.assertEqual([t[5] for t in toks], ["full handshake", "resumed"])
        self.assertIn("WARNING: a real device MUST feed its TRNG", out)
        conns = emu.connections(mark, count=2)
        self.assertEqual([c["tls"] for c in conns], [version, version], conns)
        self.assertEqual([bool(c["resumed"]) for c in conns], [False, True],
                         "the second token resumes the first's TLS session")
        figures(label, out)

    def test_1_secret_tls13_then_resumed(self):
        mark = EMU.mark()
        rc, out = live(EMU)
        self.check_two_tokens(EMU, mark, rc, out, "TLSv1.3", "secret, TLS 1.3")

    def test_2_secret_tls12_then_resumed(self):
        with tempfile.TemporaryDirectory(prefix="et-live-tls12-") as tmp:
            cnf = os.path.join(tmp, "openssl-tls12.cnf")
            with open(cnf, "w") as f:
                f.write("openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n"
                        "[d]\nMaxProtocol = TLSv1.2\n")
            old = os.environ.get("OPENSSL_CONF")
            os.environ["OPENSSL_CONF"] = cnf
            try:
                emu = Emulator(CERTS).__enter__()
            finally:
                if old is None:
                    del os.environ["OPENSSL_CONF"]
                else:
                    os.environ["OPENSSL_CONF"] = old
            try:
                mark = emu.mark()
                rc, out = live(emu)
                self.check_two_tokens(emu, mark, rc, out, "TLSv1.2", "secret, TLS 1.2")
            finally:
                emu.__exit__(None, None, None)

    def test_3_ps256_assertion_signed_on_target(self):
        mark = EMU.mark()
        rc, out = live(EMU, ["CERT_FILE=" + os.path.join(CERTS, "client-rsa.pem"),
                             "KEY_FILE=" + os.path.join(CERTS, "client-rsa.key"), "ALG=PS256"],
                       secret=False, app="cert-app")
        self.assertIn("assertion signed on the target (PS256)", out)
        self.check_two_tokens(EMU, mark, rc, out, "TLSv1.3", "PS256 assertion, TLS 1.3")
        reqs = EMU.requests()[-2:]
        self.assertTrue(all(r.get("client_id", "cert-app") == "cert-app" for r in reqs))

    def test_4_rsa_server_certificate(self):
        # Entra's servers have RSA certificates; the emulator's is P-256.
        with tempfile.TemporaryDirectory(prefix="et-live-rsa-") as tmp:
            for f in ("wrong.pem", "wrong.key"):
                shutil.copy(os.path.join(CERTS, f), tmp)
            sh = ("set -e; cd %s; umask 077;"
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
                  "-subj '/CN=edgetoken RSA test CA' -addext basicConstraints=critical,CA:TRUE "
                  "-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null;"
                  "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
                  "-subj /CN=localhost 2>/dev/null;"
                  "printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature,"
                  "keyEncipherment\\nextendedKeyUsage=serverAuth\\nsubjectAltName=DNS:localhost\\n'"
                  " >server.ext;"
                  "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                  "-days 2 -sha256 -extfile server.ext -out server.pem 2>/dev/null;"
                  "chmod 644 ca.pem server.pem") % tmp
            subprocess.run(["sh", "-c", sh], check=True)
            with Emulator(tmp) as emu:
                mark = emu.mark()
                rc, out = live(emu)
                self.check_two_tokens(emu, mark, rc, out, "TLSv1.3",
                                      "secret, TLS 1.3, RSA 2048 server certificate")

    def test_5_refused_secret_exits_with_the_typed_error(self):
        rc, out = live(EMU, secret="not-the-secret", tokens=1)
        self.assertNotEqual(rc, 0)
        m = re.search(r"^error: token 1: (\S+) \(et_err (\d+)\) http (\d+) oauth (\S+)", out, re.M)
        self.assertIsNotNone(m, out[-2000:])
        self.assertEqual(m.group(4), "invalid_client")
        self.assertNotIn("not-the-secret", out)


def main():
    global CERTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", required=True)
    ap.add_argument("-k", help="run only the tests whose name contains this")
    a = ap.parse_args()
    if shutil.which("qemu-system-arm") is None:
        print("1..0 # SKIP qemu-system-arm is not installed")
        return 0
    CERTS = make_certs(os.path.abspath(a.certs))
    subprocess.run([MAKE_CLIENT_CERTS, CERTS], check=True, capture_output=True)
    if os.path.exists(FIGURES):
        os.remove(FIGURES)
    return run_tap(LiveTest, CERTS, a.k)


if __name__ == "__main__":
    sys.exit(main())
