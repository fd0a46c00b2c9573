#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages the build, tests, demo and benchmark need,
# only those missing. Needs root (or sudo) when something is missing.
#   tools/setup.sh        everything (make deps, make test)
#   tools/setup.sh demo   what make demo needs: the compiler, jsmn, mbedTLS's
#                         source tooling, Python, OpenSSL and curl (no ARM
#                         toolchain, QEMU or lwIP)
#   tools/setup.sh fleet  what make fleet needs: demo's compiler and mbedTLS
#                         source tooling, and gnuplot for the plot
set -eu
# libmbedtls-dev: the MBEDTLS=system build (2.28); dpkg-dev unpacks and
# patches the mbedTLS source packages (tools/mbedtls-source.sh).
PKGS="build-essential dpkg-dev clang libclang-rt-14-dev llvm make libmbedtls-dev libjsmn-dev libcjson-dev libcmocka-dev
python3 python3-kconfiglib python3-cryptography openssl ca-certificates curl valgrind cppcheck time gdb
gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
liblwip-dev liblwip0 iproute2 libqrencode-dev qrencode zbar-tools
cmake pkgconf python3-yaml tinyproxy groff-base man-db zsh"
# The packaging tests (tests/packaging): cmake, pkgconf, python3-yaml.
# libqrencode-dev: the CLI's QR code (only the CLI links it).
# tests/integration/test_proxy.py: tinyproxy (an HTTP CONNECT proxy on loopback).
# The CLI's man page and completions (test_cli_args.py): groff-base, man-db, zsh.
case ${1:-all} in
  all) ;;
  demo) PKGS="build-essential dpkg-dev make libjsmn-dev libqrencode-dev python3
python3-cryptography openssl ca-certificates curl" ;;
  fleet) PKGS="build-essential dpkg-dev make libjsmn-dev gnuplot-nox" ;;
  *) echo "usage: tools/setup.sh [all|demo|fleet]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The interop suite (tests/interop) runs node oidc-provider: Node.js and npm
# from Debian when there is no node at all (a NodeSource node brings its own
# npm and must not get Debian's); the browser test drives Debian's Chromium.
# (Not for make fleet, which needs none of them.)
if [ "${1:-all}" != fleet ]; then
  if ! command -v node >/dev/null 2>&1; then
    missing="$missing nodejs npm"
  elif ! command -v npm >/dev/null 2>&1; then
    missing="$missing npm"
  fi
  for p in chromium chromium-driver python3-selenium; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
fi
[ -z "$missing" ] && exit 0
echo "setup: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
