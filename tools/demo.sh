#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo [BUILD=dir]: build the CLI, then run each flow against the
# local Entra ID emulator (tools/demo.py). Exits non-zero if a step fails.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
make -s VARIANT=gcc BUILD="$BUILD" all
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
exec "$PY" tools/demo.py
