#!/bin/sh
# SPDX-License-Identifier: MIT
# make install, tried by real consumers:
#   - DESTDIR staging: everything lands under DESTDIR, and the pkg-config
#     and CMake files name the final PREFIX, not the staging directory;
#   - an install into a prefix, then consumers.sh: pkg-config and
#     find_package(edgetoken) builds of the C++ consumer and the ABI app,
#     for the default build (bundled mbedTLS 3.6) and MBEDTLS=system.
#   tests/packaging/install.sh BUILD     (absolute or relative)
set -eu
build=$(mkdir -p "$1" && cd "$1" && pwd)
work=$build/packaging/install
rm -rf "$work"
mkdir -p "$work"
make -s BUILD="$build" VARIANT=gcc install PREFIX=/opt/edgetoken DESTDIR="$work/stage"
stage=$work/stage/opt/edgetoken
for f in lib/libedgetoken.a lib/libedgetoken_posix.a lib/libmbedtls_et.a bin/edgetoken \
    include/edgetoken/edgetoken.h include/edgetoken/et_posix.h include/edgetoken/et_abi.h \
    include/edgetoken/mbedtls/mbedtls/mbedtls_config.h include/edgetoken/mbedtls/et_psa_config.h \
    lib/pkgconfig/edgetoken.pc lib/cmake/edgetoken/edgetokenConfig.cmake \
    lib/cmake/edgetoken/edgetokenConfigVersion.cmake share/doc/edgetoken/LICENSE \
    share/man/man1/edgetoken.1 share/bash-completion/completions/edgetoken \
    share/zsh/site-functions/_edgetoken; do
  [ -e "$stage/$f" ] || { echo "install: DESTDIR install lacks $f"; exit 1; }
done
grep -qx 'prefix=/opt/edgetoken' "$stage/lib/pkgconfig/edgetoken.pc"
if grep -rq "$work/stage" "$stage/lib/pkgconfig" "$stage/lib/cmake"; then
  echo "install: the staging directory leaked into the installed files"; exit 1
fi
# libqrencode is the CLI's alone: the CLI needs it, the libraries and the
# package files never name it.
readelf -d "$stage/bin/edgetoken" | grep -q 'NEEDED.*libqrencode' ||
  { echo "install: the CLI does not link libqrencode"; exit 1; }
if nm -A "$stage"/lib/*.a 2>/dev/null | grep -q QRcode_ ||
    grep -rqi qrencode "$stage/lib/pkgconfig" "$stage/lib/cmake"; then
  echo "install: the libraries depend on libqrencode"; exit 1
fi
# Our configuration is mbedTLS's default one in the installed tree.
cmp -s port/mbedtls/config/et_mbedtls_config.h "$stage/include/edgetoken/mbedtls/mbedtls/mbedtls_config.h"

make -s BUILD="$build" VARIANT=gcc install PREFIX="$work/prefix"
tests/packaging/consumers.sh "$work/prefix" "$work/consumers"
# MBEDTLS=system: a package over Debian's libmbedtls-dev (no bundled mbedTLS).
make -s BUILD="$build" VARIANT=gcc MBEDTLS=system install PREFIX="$work/prefix-system"
[ ! -e "$work/prefix-system/lib/libmbedtls_et.a" ]
grep -q -- '-lmbedtls -lmbedx509 -lmbedcrypto' "$work/prefix-system/lib/pkgconfig/edgetoken.pc"
tests/packaging/consumers.sh "$work/prefix-system" "$work/consumers-system"
echo "install: ok"
