#!/bin/sh
# SPDX-License-Identifier: MIT
# Certificates shaped like login.microsoftonline.com's, for benchmarks whose
# handshake bytes and instructions should look like Entra ID's: an RSA 2048
# root, an RSA 4096 issuing CA (as "Microsoft Azure RSA TLS Issuing CA"),
# and an RSA 2048 leaf with Entra's host names, AIA, CRL and policy
# extensions, for DNS:localhost. The server sends leaf + issuing CA.
#   make_entra_like_certs.sh OUTDIR
# Writes, in OUTDIR (the names harness.Emulator expects):
#   ca.pem ca.key              root (the client's CA file)
#   server.pem server.key      leaf, then the issuing CA (the chain served)
#   wrong.pem wrong.key        DNS:wrong.example.test, same chain
#   other-ca.pem other-ca.key  an unrelated root
# Valid 30 days. Idempotent: existing complete output is kept.
set -eu

out=${1:?usage: make_entra_like_certs.sh OUTDIR}
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

rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "$1" 2>/dev/null; }

root() {
  rsa "$tmp/$1.key" 2048
  openssl req -x509 -new -key "$tmp/$1.key" -sha256 -days 30 \
    -subj "/C=US/O=edgetoken bench/OU=www.example.test/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyCertSign,cRLSign" \
    -out "$tmp/$1.pem" 2>/dev/null
}

root ca "edgetoken bench Global Root G2"
root other-ca "edgetoken bench unrelated root"

rsa "$tmp/issuing.key" 4096
openssl req -new -key "$tmp/issuing.key" \
  -subj "/C=US/O=edgetoken bench Corporation/CN=edgetoken bench Azure RSA TLS Issuing CA 04" \
  -out "$tmp/issuing.csr" 2>/dev/null
cat >"$tmp/issuing.ext" <<'EXT'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,digitalSignature,keyCertSign,cRLSign
extendedKeyUsage=serverAuth,clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
authorityInfoAccess=OCSP;URI:http://ocsp.bench.example.test,caIssuers;URI:http://cacerts.bench.example.test/BenchGlobalRootG2.crt
crlDistributionPoints=URI:http://crl3.bench.example.test/BenchGlobalRootG2.crl,URI:http://crl4.bench.example.test/BenchGlobalRootG2.crl
certificatePolicies=2.16.840.1.114412.1.1,2.16.840.1.114412.1.2,2.23.140.1.2.1,2.23.140.1.2.2
EXT
openssl x509 -req -in "$tmp/issuing.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
  -CAcreateserial -CAserial "$tmp/ca.srl" -sha384 -days 30 -extfile "$tmp/issuing.ext" \
  -out "$tmp/issuing.pem" 2>/dev/null

# leaf NAME DNSNAME: Entra's names follow the one the client asks for.
leaf() {
  rsa "$tmp/$1.key" 2048
  openssl req -new -key "$tmp/$1.key" -subj "/C=US/ST=WA/L=Redmond/O=edgetoken bench/CN=$2" \
    -out "$tmp/$1.csr" 2>/dev/null
  sans="DNS:$2"
  for n in login.microsoftonline.com login.windows.net login.microsoft.com \
    sts.windows.net login.microsoftonline-p.com loginex.microsoftonline.com \
    login2.microsoftonline.com stamp2.login.microsoftonline.com \
    www.login.microsoftonline.com login.microsoftonline-int.com \
    nexus.microsoftonline-p.com account.activedirectory.windowsazure.com \
    graph.windows.net autologon.microsoftazuread-sso.com \
    device.login.microsoftonline.com; do
    sans="$sans,DNS:$n.bench.example.test"
  done
  cat >"$tmp/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
authorityInfoAccess=OCSP;URI:http://oneocsp.bench.example.test/ocsp,caIssuers;URI:http://www.bench.example.test/pkiops/certs/Bench%20Azure%20RSA%20TLS%20Issuing%20CA%2004%20-%20xsign.crt
crlDistributionPoints=URI:http://www.bench.example.test/pkiops/crl/Bench%20Azure%20RSA%20TLS%20Issuing%20CA%2004.crl
certificatePolicies=1.3.6.1.4.1.311.76.509.1.1,2.23.140.1.2.2
subjectAltName=$sans
EXT
  openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/issuing.pem" -CAkey "$tmp/issuing.key" \
    -CAcreateserial -CAserial "$tmp/issuing.srl" -sha384 -days 30 -extfile "$tmp/$1.ext" \
    -out "$tmp/$1.leaf" 2>/dev/null
  cat "$tmp/$1.leaf" "$tmp/issuing.pem" >"$tmp/$1.pem"
}

leaf server localhost
leaf wrong wrong.example.test

for f in $files; do mv -f "$tmp/$f" "./$f"; done
chmod 644 ca.pem server.pem wrong.pem other-ca.pem
