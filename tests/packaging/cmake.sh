#!/bin/sh
# SPDX-License-Identifier: MIT
# The CMake build of the library (CMakeLists.txt) against the Makefile's:
# built with the same flags and the same mbedTLS tree, the three archives
# (libedgetoken.a, libedgetoken_posix.a, libmbedtls_et.a) hold the same
# objects and define the same global symbols; then `cmake --install` and
# the same consumers as make install's (pkg-config and find_package).
#   tests/packaging/cmake.sh BUILD      (the Makefile's gcc build is BUILD/gcc)
set -eu
build=$(mkdir -p "$1" && cd "$1" && pwd)
out=$build/gcc
work=$build/packaging/cmake
tree=$(cd "$build/mbedtls-3.6/tree" && pwd)
rm -rf "$work"
mkdir -p "$work"
cmake -S . -B "$work/build" -G Ninja -DCMAKE_C_COMPILER=gcc -DCMAKE_C_FLAGS="-O2 -g" \
  -DEDGETOKEN_MBEDTLS_TREE="$tree" -DCMAKE_INSTALL_PREFIX="$work/prefix" >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; exit 1; }
rc=0
for a in libedgetoken.a libedgetoken_posix.a; do
  tests/packaging/compare-archives.sh "$out/$a" "$work/build/$a" || rc=1
done
tests/packaging/compare-archives.sh "$out/mbedtls/libmbedtls_et.a" "$work/build/libmbedtls_et.a" || rc=1
[ $rc -eq 0 ] || exit 1
cmake --install "$work/build" >"$work/install.log" || { cat "$work/install.log"; exit 1; }
tests/packaging/consumers.sh "$work/prefix" "$work/consumers"
echo "cmake: ok"
