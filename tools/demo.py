#!/usr/bin/python3
"""make demo: the edgetoken CLI against the local Entra ID emulator.

Starts the emulator on loopback with a throwaway CA, then runs the commands a
user would run against login.microsoftonline.com, printing each one first.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import TENANT, Emulator, make_certs, secret_of  # noqa: E402

CLI = os.path.join(ROOT, "build", "gcc", "edgetoken")
APP = "edgetoken-test-app"


def show(title, args, secret):
    print("\n== %s" % title)
    print("$ EDGETOKEN_CLIENT_SECRET=... edgetoken %s" % " ".join(args), flush=True)
    env = dict(os.environ, EDGETOKEN_CLIENT_SECRET=secret)
    p = subprocess.run([CLI] + args, env=env, text=True, capture_output=True)
    out = p.stdout.strip()
    if len(out) > 160 and "\n" not in out:
        out = out[:80] + "..." + out[-20:] + "  (%d bytes)" % len(out)
    for line in (out + "\n" + p.stderr).strip().splitlines():
        print("  " + line)
    print("  [exit %d]" % p.returncode)


def main():
    certs = make_certs(os.path.join(ROOT, "build", "demo-certs"))
    with Emulator(certs) as emu:
        print("Entra ID emulator listening on %s (test CA: %s)" % (emu.authority, emu.ca))
        common = ["--tenant", TENANT, "--client-id", APP,
                  "--authority", emu.authority, "--ca-file", emu.ca]
        secret = secret_of(APP)
        show("v2.0 client credentials: the access token", ["token"] + common, secret)
        show("v1 with a resource (the ADME page's curl), as JSON",
             ["token"] + common + ["--endpoint", "v1", "--resource", APP, "--json"], secret)
        show("what is sent, secrets redacted", ["token", "--verbose"] + common, secret)
        show("a wrong secret: Entra's error, explained", ["token"] + common, "wrong-secret")
        show("a certificate that is not trusted",
             ["token"] + common[:-1] + [emu.other_ca], secret)
    return 0


if __name__ == "__main__":
    sys.exit(main())
