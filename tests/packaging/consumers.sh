#!/bin/sh
# SPDX-License-Identifier: MIT
# consumers.sh PREFIX WORKDIR: build and run the consumers of an installed
# edgetoken the way users will:
#   - with pkg-config: the C++ consumer (tests/cxx/consumer.cpp) with g++
#     and the ABI app with gcc, flags from `pkg-config --cflags --libs
#     edgetoken` alone; mbedTLS's headers must come from the prefix (the
#     bundled 3.6, configured as the library was), not /usr/include;
#   - with CMake: tests/packaging/cmake-consumer, find_package(edgetoken).
set -eu
prefix=$1 work=$2
src=$(pwd)
ver=$(sed -n 's/^#define ET_VERSION "\(.*\)"$/\1/p' core/include/edgetoken/edgetoken.h)
rm -rf "$work"
mkdir -p "$work"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion edgetoken)" = "$ver" ]
flags=$(pkg-config --cflags --libs edgetoken)
echo "consumers: pkg-config: $flags"
# shellcheck disable=SC2086
g++ -std=c++11 -Wall -Wextra -Werror -Wpedantic tests/cxx/consumer.cpp $flags -o "$work/cxx_consumer"
"$work/cxx_consumer"
# shellcheck disable=SC2086
gcc -std=c99 -Wall -Wextra -Werror tests/packaging/abi_app.c $flags -o "$work/abi_app"
"$work/abi_app" | tail -n 1 | grep -qx 'abi: ok'
if grep -q -- '-lmbedtls_et' "$prefix/lib/pkgconfig/edgetoken.pc"; then
  # shellcheck disable=SC2046
  echo '#include "edgetoken/et_posix.h"' | gcc -std=c99 -D_POSIX_C_SOURCE=200809L -x c \
    $(pkg-config --cflags edgetoken) -M - >"$work/deps.txt"
  grep -q "$prefix/include/edgetoken/mbedtls/mbedtls/ssl.h" "$work/deps.txt" ||
    { echo "consumers: mbedtls/ssl.h does not come from the prefix"; exit 1; }
  if grep -q ' /usr/include/mbedtls/' "$work/deps.txt"; then
    echo "consumers: the system's mbedTLS headers were mixed in"; exit 1
  fi
fi
want=$(echo "$ver" | cut -d. -f1,2)
cmake -S tests/packaging/cmake-consumer -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DET_SOURCE="$src" -DET_WANT_VERSION="$want" >"$work/cmake-configure.log" ||
  { cat "$work/cmake-configure.log"; exit 1; }
grep 'edgetoken .* from' "$work/cmake-configure.log"
cmake --build "$work/cmake" >"$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
"$work/cmake/cxx_consumer"
"$work/cmake/abi_app" | tail -n 1 | grep -qx 'abi: ok'
# A version from another minor line is refused.
if cmake -S tests/packaging/cmake-consumer -B "$work/cmake-wrong" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DET_SOURCE="$src" -DET_WANT_VERSION=99.0 >"$work/cmake-wrong.log" 2>&1; then
  echo "consumers: find_package(edgetoken 99.0) succeeded"; exit 1
fi
echo "consumers: ok ($prefix: pkg-config and find_package)"
