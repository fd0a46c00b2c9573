#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: edgetoken vs curl (tools/bench.py), then what a repeat token
# costs in one process (tools/bench_reuse.py). Arguments go to bench.py
# (--runs N, --smoke: a quick check that skips bench_reuse.py).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
make -s VARIANT=gcc BUILD="$BUILD" all zero-heap repeat-token runstat
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
"$PY" tools/bench.py "$@"
case " $* " in
  *" --smoke "*) exit 0 ;;
esac
exec "$PY" tools/bench_reuse.py
