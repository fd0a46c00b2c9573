#!/bin/sh
# SPDX-License-Identifier: MIT
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
make -s VARIANT=gcc BUILD="$BUILD" all zero-heap repeat-token
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
"$PY" tools/bench.py
exec "$PY" tools/bench_reuse.py
