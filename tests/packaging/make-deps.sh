#!/bin/sh
# SPDX-License-Identifier: MIT
# The Makefile's front door:
#  - a missing package stops `make` before any compiler runs, naming the
#    package and how to get it (here: jsmn, through a JSMN_INCLUDE that
#    does not hold jsmn.h);
#  - JSMN_INCLUDE really is where jsmn.h comes from (a copy that refuses
#    to compile proves it), and a good copy builds;
#  - `make help` lists the targets; `make demo` asks only for the demo's
#    packages (tools/setup.sh demo).
#   tests/packaging/make-deps.sh BUILD
set -eu
parent=$(mkdir -p "$1" && cd "$1" && pwd)
w=$parent/packaging/make-deps
rm -rf "$w"
mkdir -p "$w/poison" "$w/good"
if make BUILD="$w/b" JSMN_INCLUDE="$w/none" all >"$w/missing.log" 2>&1; then
  echo "make-deps: a build without jsmn.h went on"; exit 1
fi
cat "$w/missing.log"
for want in "libjsmn-dev" "make deps" "JSMN_INCLUDE=" "apt-get install libjsmn-dev"; do
  grep -q "$want" "$w/missing.log" || { echo "make-deps: the message lacks '$want'"; exit 1; }
done
[ ! -e "$w/b" ] || { echo "make-deps: something was built before the check"; exit 1; }

printf '#error "jsmn.h taken from JSMN_INCLUDE"\n' >"$w/poison/jsmn.h"
obj=$w/b/gcc-system-mbedtls/core/src/json_parse.o
if make BUILD="$w/b" MBEDTLS=system JSMN_INCLUDE="$w/poison" "$obj" >"$w/poison.log" 2>&1; then
  echo "make-deps: JSMN_INCLUDE was not used"; exit 1
fi
grep -q 'jsmn.h taken from JSMN_INCLUDE' "$w/poison.log"
cp /usr/include/jsmn.h "$w/good/"
make BUILD="$w/b" MBEDTLS=system JSMN_INCLUDE="$w/good" "$obj" >"$w/good.log" 2>&1 ||
  { cat "$w/good.log"; exit 1; }

make help >"$w/help.log"
for t in install test demo deps menuconfig size JSMN_INCLUDE; do
  grep -q "$t" "$w/help.log" || { echo "make-deps: make help does not mention $t"; exit 1; }
done
make -n demo | grep -qx 'tools/setup.sh demo'
echo "make-deps: ok"
