#!/bin/sh
# SPDX-License-Identifier: MIT
# Throwaway certificates for the Entra ID emulator and the port tests.
#   make_certs.sh OUTDIR
# Writes, in OUTDIR:
#   ca.pem ca.key            test CA
#   server.pem server.key    DNS:localhost, signed by the test CA
#   wrong.pem wrong.key      DNS:wrong.example.test only, signed by the test CA
#   other-ca.pem other-ca.key  an unrelated CA (for "untrusted CA" tests)
# EC P-256, valid 30 days. Idempotent: existing complete output is kept.
set -eu

out=${1:?usage: make_certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"

files="ca.pem ca.key server.pem server.key wrong.pem wrong.key other-ca.pem other-ca.key"
complete=1
for f in $files; do [ -s "$f" ] || complete=0; done
if [ "$complete" = 1 ] && openssl x509 -checkend 86400 -noout -in server.pem >/dev/null 2>&1; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME CN
ca() {
  newkey "$tmp/$1.key"
  openssl req -x509 -new -key "$tmp/$1.key" -sha256 -days 30 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$tmp/$1.pem" 2>/dev/null
}

# leaf NAME DNSNAME
leaf() {
  newkey "$tmp/$1.key"
  openssl req -new -key "$tmp/$1.key" -subj "/CN=$2" -out "$tmp/$1.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\n' "$2" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days 30 \
    -extfile "$tmp/$1.ext" -out "$tmp/$1.pem" 2>/dev/null
}

ca ca "edgetoken test CA"
ca other-ca "edgetoken unrelated CA"
leaf server localhost
leaf wrong wrong.example.test

for f in $files; do mv -f "$tmp/$f" "./$f"; done
chmod 644 ca.pem server.pem wrong.pem other-ca.pem
