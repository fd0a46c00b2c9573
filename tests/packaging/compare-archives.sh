#!/bin/sh
# SPDX-License-Identifier: MIT
# compare-archives.sh A.a B.a: the two archives hold the same objects (by
# source name: CMake's foo.c.o is the Makefile's foo.o) and define the same
# global symbols. Prints the differences and fails when there are any.
set -eu
a=$1 b=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
members() { ar t "$1" | sed 's/\.c\.o$/.o/' | sort; }
symbols() { nm -g --defined-only "$1" | awk 'NF == 3 { print $2, $3 }' | sort; }
members "$a" >"$t/a.members"
members "$b" >"$t/b.members"
symbols "$a" >"$t/a.symbols"
symbols "$b" >"$t/b.symbols"
rc=0
if ! diff -u "$t/a.members" "$t/b.members"; then
  echo "compare-archives: $a and $b hold different objects"; rc=1
fi
if ! diff -u "$t/a.symbols" "$t/b.symbols"; then
  echo "compare-archives: $a and $b define different symbols"; rc=1
fi
[ $rc -ne 0 ] || echo "compare-archives: $(basename "$a"): $(wc -l <"$t/a.members") objects," \
  "$(wc -l <"$t/a.symbols") global symbols, the same in both"
exit $rc
