#!/bin/sh
# SPDX-License-Identifier: MIT
# Throwaway client certificates for certificate-credential tests.
#   make_client_certs.sh OUTDIR
# Writes, in OUTDIR (self-signed, valid 30 days):
#   client-rsa.pem client-rsa.key      RSA 2048 (PS256, RS256), registered for cert-app
#   client-rsa.der client-rsa.key.der  the same in DER
#   client-ec.pem client-ec.key        EC P-256 (ES256), registered for cert-app
#   client-unreg.pem client-unreg.key  RSA 2048, registered nowhere
#   client-weak.pem client-weak.key    RSA 1024: edgetoken must refuse it
# Idempotent: existing complete output is kept.
set -eu

out=${1:?usage: make_client_certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"

files="client-rsa.pem client-rsa.key client-rsa.der client-rsa.key.der client-ec.pem client-ec.key
client-unreg.pem client-unreg.key client-weak.pem client-weak.key"
complete=1
for f in $files; do [ -s "$f" ] || complete=0; done
if [ "$complete" = 1 ] && openssl x509 -checkend 86400 -noout -in client-rsa.pem >/dev/null 2>&1; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077

# cert NAME CN GENPKEY-ARGS...
cert() {
  name=$1 cn=$2
  shift 2
  openssl genpkey "$@" -out "$tmp/$name.key" 2>/dev/null
  openssl req -x509 -new -key "$tmp/$name.key" -sha256 -days 30 -subj "/CN=$cn" \
    -out "$tmp/$name.pem" 2>/dev/null
}

cert client-rsa "edgetoken test client (RSA)" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
cert client-ec "edgetoken test client (EC)" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
cert client-unreg "edgetoken unregistered client" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
cert client-weak "edgetoken weak client" -algorithm RSA -pkeyopt rsa_keygen_bits:1024
openssl x509 -in "$tmp/client-rsa.pem" -outform DER -out "$tmp/client-rsa.der"
openssl pkey -in "$tmp/client-rsa.key" -outform DER -out "$tmp/client-rsa.key.der"

for f in $files; do mv -f "$tmp/$f" "./$f"; done
chmod 644 client-rsa.pem client-rsa.der client-ec.pem client-unreg.pem client-weak.pem
