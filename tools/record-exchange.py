#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Record raw emulator answers for the firmware's recorded-exchange tests.

    tools/record-exchange.py record tests/firmware/recorded CERTS_DIR [NAME...]
        starts the emulator, makes the requests below over TLS and writes
        each response's bytes, as received, to tests/firmware/recorded/<name>.http
        (committed; re-run when the emulator's answers change). With NAMEs,
        only the recordings whose name starts with one of them are written.
    tools/record-exchange.py header OUT.h tests/firmware/recorded/*.http
        C arrays of the recordings for the firmware image: OUT.h declares
        them, OUT.c (next to it) defines them.

Recordings:
    cc_v2, cc_v2_chunked, cc_v2_bad_secret   client credentials with a secret
    cc_v2_cert      client credentials with a PS256 client assertion (signed
                    here with CERTS_DIR/client-rsa.key; the emulator checked it)
    dc_v2_request, dc_v2_pending1, dc_v2_pending2, dc_v2_token
                    a device-code sign-in of device-app: the code, two
                    authorization_pending polls, then tokens with a refresh token
    rt_v2_refresh   that refresh token redeemed: new tokens, a rotated refresh token

Tokens in the recordings are the emulator's: signed by its test key, worth
nothing anywhere else.
"""

import base64
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
MAKE_CLIENT_CERTS = os.path.join(HERE, "..", "tests", "emulator", "make_client_certs.sh")

# name -> (app, secret override or None)
SECRET_EXCHANGES = {
    "cc_v2": ("edgetoken-test-app", None),
    "cc_v2_chunked": ("chunked-app", None),
    "cc_v2_bad_secret": ("edgetoken-test-app", "not-the-secret"),
}
CERT_APP = "cert-app"
DEVICE_APP = "device-app"
# What the firmware's flow tests send (tests/firmware/test_recorded_flows.c).
DEVICE_SCOPE = "edgetoken-test-app/.default offline_access"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Recorder:
    def __init__(self, emu, outdir, only):
        self.emu = emu
        self.outdir = outdir
        self.only = only
        self.ctx = ssl.create_default_context(cafile=emu.ca)

    def post(self, path, fields):
        """The raw response to one POST (Connection: close)."""
        body = urllib.parse.urlencode(fields, quote_via=urllib.parse.quote).encode()
        req = ("POST %s HTTP/1.1\r\nHost: localhost:%d\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n"
               % (path, self.emu.port, len(body))).encode() + body
        with socket.create_connection(("localhost", self.emu.port), timeout=10) as raw:
            with self.ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(req)
                resp = b""
                while True:
                    try:
                        d = s.recv(65536)
                    except ssl.SSLError:
                        break
                    if not d:
                        break
                    resp += d
        return resp

    def keep(self, name, resp, status):
        """Write the recording; the answer must have the expected status.
        Returns its JSON body (None for a chunked one)."""
        line = resp.split(b"\r\n", 1)[0]
        if not line.startswith(b"HTTP/1.1 %d " % status):
            sys.exit("%s: expected %d, got %r" % (name, status, resp[:400]))
        if not self.only or any(name.startswith(n) for n in self.only):
            with open(os.path.join(self.outdir, name + ".http"), "wb") as f:
                f.write(resp)
            print("%s: %d bytes" % (name, len(resp)))
        head, body = resp.split(b"\r\n\r\n", 1)
        return None if b"chunked" in head.lower() else json.loads(body)


def assertion(certs, aud):
    """A PS256 client assertion for CERT_APP, as core builds one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    with open(os.path.join(certs, "client-rsa.pem"), "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(
            serialization.Encoding.DER)
    with open(os.path.join(certs, "client-rsa.key"), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    now = int(time.time())
    header = {"alg": "PS256", "typ": "JWT", "x5t#S256": b64url(hashlib.sha256(der).digest())}
    claims = {"aud": aud, "iss": CERT_APP, "sub": CERT_APP, "jti": str(uuid.uuid4()),
              "nbf": now, "iat": now, "exp": now + 600}
    signing_input = "%s.%s" % (b64url(json.dumps(header).encode()),
                               b64url(json.dumps(claims).encode()))
    sig = key.sign(signing_input.encode(),
                   padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                   hashes.SHA256())
    return signing_input + "." + b64url(sig)


def record(outdir, certs, only):
    from harness import TENANT, Emulator, make_certs, secret_of
    make_certs(certs)
    subprocess.run([MAKE_CLIENT_CERTS, certs], check=True)  # before the emulator loads them
    os.makedirs(outdir, exist_ok=True)
    token_path = "/%s/oauth2/v2.0/token" % TENANT
    with Emulator(certs) as emu:
        r = Recorder(emu, outdir, only)
        for name, (app, secret) in SECRET_EXCHANGES.items():
            r.keep(name, r.post(token_path, {
                "grant_type": "client_credentials", "client_id": app,
                "client_secret": secret or secret_of(app),
                "scope": app + "/.default"}), 401 if secret else 200)

        r.keep("cc_v2_cert", r.post(token_path, {
            "grant_type": "client_credentials", "client_id": CERT_APP,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion(certs, "https://localhost:%d%s" % (emu.port, token_path)),
            "scope": CERT_APP + "/.default"}), 200)

        dc = r.keep("dc_v2_request", r.post("/%s/oauth2/v2.0/devicecode" % TENANT, {
            "client_id": DEVICE_APP, "scope": DEVICE_SCOPE}), 200)
        poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "client_id": DEVICE_APP, "device_code": dc["device_code"]}
        # device-app answers authorization_pending twice, then tokens; the
        # emulator wants the interval (1 s) between polls.
        for name, status in (("dc_v2_pending1", 400), ("dc_v2_pending2", 400),
                             ("dc_v2_token", 200)):
            time.sleep(dc["interval"] + 0.1)
            tokens = r.keep(name, r.post(token_path, poll), status)

        r.keep("rt_v2_refresh", r.post(token_path, {
            "grant_type": "refresh_token", "client_id": DEVICE_APP,
            "refresh_token": tokens["refresh_token"], "scope": DEVICE_SCOPE}), 200)


def c_array(name, data, extern):
    if extern:
        return ["extern const unsigned char rec_%s[%d];" % (name, len(data))]
    lines = ["const unsigned char rec_%s[%d] = {" % (name, len(data))]
    for i in range(0, len(data), 16):
        lines.append("  " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",")
    lines.append("};")
    return lines


def header(out, files):
    recs = [(os.path.basename(p).rsplit(".", 1)[0], open(p, "rb").read()) for p in files]
    gen = "/* Generated by tools/record-exchange.py header: do not edit. */"
    h = [gen, "#ifndef FW_RECORDED_H", "#define FW_RECORDED_H"]
    c = [gen, '#include "%s"' % os.path.basename(out)]
    for name, data in recs:
        h += c_array(name, data, True)
        c += c_array(name, data, False)
    h.append("#endif")
    with open(out, "w") as f:
        f.write("\n".join(h) + "\n")
    with open(out.rsplit(".", 1)[0] + ".c", "w") as f:
        f.write("\n".join(c) + "\n")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "record":
        record(sys.argv[2], os.path.abspath(sys.argv[3]), sys.argv[4:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "header":
        header(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
