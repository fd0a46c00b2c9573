#!/bin/sh
# SPDX-License-Identifier: MIT
# An absolute BUILD works and nothing lands in the checkout outside it:
# with BUILD=/absolute/path (inside the test's own BUILD), build the
# library, CLI and unit tests (Debian's mbedTLS, to skip compiling 3.6
# again), run a unit test, make the test certificates the way
# tools/test.sh does and run the CLI's integration test against them;
# then `git status --porcelain --ignored` must show nothing new outside
# that BUILD.
#   tests/packaging/abs-build.sh BUILD
set -eu
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
parent=$(mkdir -p "$1" && cd "$1" && pwd)
abs=$parent/abs-build
rm -rf "$abs"
mkdir -p "$abs"
snap=$(mktemp)
"$PY" tests/packaging/clean-tree.py snapshot "$snap"
# Outside the test's BUILD as well: the check below then sees everything.
export PYTHONPYCACHEPREFIX="$abs/pycache"
make -j"$(nproc)" BUILD="$abs" VARIANT=gcc MBEDTLS=system all unit
out=$abs/gcc-system-mbedtls
"$out/tests/test_form"
tests/emulator/make_certs.sh "$abs/test-certs"
"$PY" tests/integration/test_cli.py --cli "$out/edgetoken" --certs "$abs/test-certs" >"$abs/test_cli.log" 2>&1 ||
  { tail -n 30 "$abs/test_cli.log"; exit 1; }
"$PY" tests/packaging/clean-tree.py check "$snap" "$abs"
rm -f "$snap"
