#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check the client assertions the firmware image signed on the target.

    fw-check-assertions.py LOG CERTDIR

LOG is the image's output; its "# assertion ALG KEY JWT" lines are the
assertions core built and the mbedTLS port signed (tests/firmware/
test_cert_assertion.c). Each one must carry a signature that the openssl
CLI verifies with the public key of CERTDIR/KEY.pem, the header
{"alg", "typ": "JWT", "x5t#S256" (or "x5t" for RS256)} with that
certificate's thumbprint, aud = the token URL, iss = sub = the client id,
a GUID jti, nbf = iat and 0 < exp - nbf <= 600. Prints one TAP line per
expected assertion; exits 1 when one is missing or wrong.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

EXPECTED = (("PS256", "client-rsa"), ("RS256", "client-rsa"), ("ES256", "client-ec"))
AUD = "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token"
CLIENT_ID = "cert-app"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def b64url_decode(s):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def ecdsa_der(raw):
    """JWS r || s as the DER SEQUENCE openssl verifies."""
    body = der_int(raw[:32]) + der_int(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def openssl(*args, data=None):
    return subprocess.run(("openssl",) + args, input=data, capture_output=True, check=True).stdout


def problems(alg, jwt, cert):
    """What is wrong with one assertion (empty when nothing)."""
    try:
        h64, p64, s64 = jwt.split(".")
        header = json.loads(b64url_decode(h64))
        claims = json.loads(b64url_decode(p64))
        sig = b64url_decode(s64)
    except ValueError as e:
        return ["not a JWT: %s" % e]
    der = openssl("x509", "-in", cert, "-outform", "DER")
    if alg == "RS256":
        want = {"alg": alg, "typ": "JWT", "x5t": b64url(hashlib.sha1(der).digest())}
    else:
        want = {"alg": alg, "typ": "JWT", "x5t#S256": b64url(hashlib.sha256(der).digest())}
    bad = []
    if header != want:
        bad.append("header %r, expected %r" % (header, want))
    if claims.get("aud") != AUD:
        bad.append("aud %r" % claims.get("aud"))
    if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
        bad.append("iss %r, sub %r" % (claims.get("iss"), claims.get("sub")))
    if not GUID.match(str(claims.get("jti"))):
        bad.append("jti %r is not a v4 GUID" % claims.get("jti"))
    nbf, iat, exp = claims.get("nbf"), claims.get("iat"), claims.get("exp")
    if not all(isinstance(v, int) for v in (nbf, iat, exp)) or nbf != iat or \
            not 0 < exp - nbf <= 600:
        bad.append("nbf %r, iat %r, exp %r" % (nbf, iat, exp))
    if alg == "ES256":
        if len(sig) != 64:
            return bad + ["ES256 signature of %d bytes, not 64" % len(sig)]
        sig = ecdsa_der(sig)
    opts = []
    if alg == "PS256":
        opts = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                "-sigopt", "rsa_mgf1_md:sha256"]
    with tempfile.TemporaryDirectory(prefix="et-jwt-") as d:
        pub, sig_file = os.path.join(d, "pub.pem"), os.path.join(d, "sig")
        with open(pub, "wb") as f:
            f.write(openssl("x509", "-in", cert, "-pubkey", "-noout"))
        with open(sig_file, "wb") as f:
            f.write(sig)
        p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig_file]
                           + opts, input=("%s.%s" % (h64, p64)).encode(), capture_output=True)
        if p.returncode != 0:
            bad.append("openssl does not verify the signature: %s"
                       % (p.stdout + p.stderr).decode().strip())
    return bad


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log, certdir = sys.argv[1], sys.argv[2]
    seen = {}
    for line in open(log, encoding="utf-8", errors="replace"):
        m = re.match(r"^# assertion (\S+) (\S+) (\S+)$", line.rstrip("\r\n"))
        if m:
            seen[(m.group(1), m.group(2))] = m.group(3)
    failed = 0
    for alg, key in EXPECTED:
        name = "assertion %s signed on target (%s): openssl verifies it; header, claims" \
            % (alg, key)
        jwt = seen.get((alg, key))
        cert = os.path.join(certdir, key + ".pem")
        if jwt is None:
            bad = ["the image printed none"]
        elif not os.path.exists(cert):
            bad = ["no certificate %s" % cert]
        else:
            bad = problems(alg, jwt, cert)
        print("%s - %s" % ("not ok" if bad else "ok", name))
        for b in bad:
            print("# " + b.replace("\n", "\n# "))
        failed += bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
