#!/bin/sh
set -eu
cd "$(dirname "$0")/.."
make -s VARIANT=gcc all
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
exec "$PY" tools/bench.py
