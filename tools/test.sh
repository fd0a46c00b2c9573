#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole test suite: builds (gcc, clang, clang+ASan/UBSan), unit tests in
# each build and under valgrind, core's embedded checks, cppcheck, the CLI
# against the Entra ID emulator over TLS, and a short run of every fuzzer.
#
# Counting (tools/tap_count.py): a step is one case; each TAP line is one
# case ("# SKIP" counts as skipped, neither passed nor failed); a crash or
# an unmet plan is one more failed case. A unit case that runs in gcc,
# clang, ASan and valgrind is counted once (failed if it failed in any),
# the variants shown as columns of a table. The last line, which CI reads,
# is "N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)}
FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-10}
JOBS=${JOBS:-$(nproc)}
BUILD=${BUILD:-build}
export BUILD
# BUILD may be absolute; the tests that need an absolute path get BUILD_ABS.
case $BUILD in
  /*) BUILD_ABS=$BUILD ;;
  *) BUILD_ABS=$PWD/$BUILD ;;
esac
# Nothing may be written into the checkout outside BUILD (checked at the
# end): Python's bytecode caches go there too.
CLEAN_SNAPSHOT=$(mktemp)
"$PYTHON" tests/packaging/clean-tree.py snapshot "$CLEAN_SNAPSHOT"
export PYTHONPYCACHEPREFIX=$BUILD_ABS/pycache
LOG=$BUILD/test-logs
mkdir -p "$LOG"
RESULTS=$LOG/results.tsv
: >"$RESULTS"
COUNT="$PYTHON tools/tap_count.py"

# A step that is one test: a command that must exit 0.
step() {
  local name=$1; shift
  local log="$LOG/$(echo "$name" | tr ' /' '__').log"
  "$@" >"$log" 2>&1
  local rc=$?
  $COUNT step "$RESULTS" "$name" $rc
  if [ $rc -eq 0 ]; then
    echo "ok   $name"
  else
    echo "FAIL: $name"
    tail -n 30 "$log" | sed 's/^/    | /'
  fi
}

# tap GROUP VARIANT CMD...: a program that prints TAP; each line is a case
# of GROUP, run in VARIANT ("-" when there is only one).
tap() {
  local group=$1 variant=$2; shift 2
  local log="$LOG/$(echo "$group $variant" | tr ' /' '__').log"
  CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1
  local rc=$?
  if ! $COUNT record "$RESULTS" "$group" "$variant" "$log" $rc; then
    tail -n 40 "$log" | sed 's/^/    | /'
  fi
}

# Test certificates for the emulator and the port tests.
export ET_TEST_CERTS=$BUILD_ABS/test-certs
step "test certificates" tests/emulator/make_certs.sh "$ET_TEST_CERTS"

for v in gcc clang asan; do
  step "build $v" make -j"$JOBS" VARIANT=$v all unit
done
# mbedTLS 2.28 stays supported: gcc against Debian 12's libmbedtls-dev
# (MBEDTLS=system; the builds above link 3.6 from source).
step "build gcc with Debian's mbedTLS 2.28 (MBEDTLS=system)" \
  make -j"$JOBS" VARIANT=gcc MBEDTLS=system all unit

for v in gcc clang asan gcc-system-mbedtls; do
  for t in $BUILD/$v/tests/test_*; do
    [ -x "$t" ] || continue
    tap "unit $(basename "$t")" $v "$t"
  done
done
for t in $BUILD/gcc/tests/test_*; do
  [ -x "$t" ] || continue
  tap "unit $(basename "$t")" valgrind valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect "$t"
done

# Core built for one pre-parsed authority without client_secret_basic
# (CONFIG_ET_FIXED_AUTHORITY, CONFIG_ET_CRED_SECRET_BASIC=0).
step "build core for a fixed authority, no client_secret_basic" \
  make -j"$JOBS" VARIANT=gcc fixed-authority-test
tap "unit fixed_authority_test (CONFIG_ET_FIXED_AUTHORITY)" valgrind valgrind -q --error-exitcode=99 \
  --leak-check=full "$BUILD/gcc/fixed/fixed_authority_test"

step "C++ consumer: public headers as C++11, the C libraries linked" make VARIANT=gcc cxx-test
step "ABI check: an app built with CONFIG_ET_MAX_ERROR_CODES=16 (or other settings) is refused" \
  tests/packaging/abi.sh "$BUILD/gcc"
# Packaging (tests/packaging): make install (DESTDIR, prefix, MBEDTLS=system)
# and the CMake build, each tried by pkg-config and find_package consumers.
step "make install: pkg-config and find_package(edgetoken) consumers build and run" \
  tests/packaging/install.sh "$BUILD"
step "CMake build: same archives as the Makefile's; its install's consumers build and run" \
  tests/packaging/cmake.sh "$BUILD"
step "make: a missing package stops it before any compile, named with how to get it; JSMN_INCLUDE; help" \
  tests/packaging/make-deps.sh "$BUILD"
step "Zephyr module, ESP-IDF component, PlatformIO manifest: Kconfig in parent trees, CMake stand-ins build core" \
  tests/packaging/sdk.sh "$BUILD"
step "core builds for Cortex-M4 and uses no heap, stdio, OS or globals" \
  make VARIANT=gcc check-core
step "Kconfig generates a header core builds with" tools/check-kconfig.sh
step "cppcheck" cppcheck -q --enable=warning,portability,performance --error-exitcode=1 \
  --inline-suppr -D__GNUC__ -Icore/include -Iport/include core/src port examples
# Gates (mk/gates.mk): both static analyzers clean on core and every port;
# core's line and branch coverage from the unit tests at or above the floors
# in tools/coverage-floor.tsv (the table is in the step's log).
step "gcc -fanalyzer: core and ports clean" make -j"$JOBS" analyze-gcc
step "clang --analyze: core and ports clean" make -j"$JOBS" analyze-clang
step "coverage of core by the unit tests at or above tools/coverage-floor.tsv" make -j"$JOBS" coverage

# Devices (mk/device.mk): mbedTLS from Debian's source with our config, the
# zero-heap CLI (its test is tests/integration/test_zero_heap.py below), and
# the Cortex-M4 self-test image run under QEMU.
step "zero-heap build (static mbedTLS arena, heap calls trapped)" make -j"$JOBS" zero-heap
step "build Cortex-M4 self-test image" make firmware
if command -v qemu-system-arm >/dev/null 2>&1; then
  tap "Cortex-M4 image under QEMU (mps2-an386)" - tools/firmware-test.sh "$BUILD/firmware/selftest.elf"
  # make firmware-live: tokens over real TLS (1.3, 1.2, RSA server, PS256 signed on the
  # target, resumed sessions) through the image's UART modem and tools/modem-bridge.py.
  tap "Cortex-M4 image live: tokens over TLS through its UART modem (make firmware-live)" - \
    "$PYTHON" tests/firmware/test_live.py --certs "$ET_TEST_CERTS"
else
  echo "SKIP (not counted): Cortex-M4 image under QEMU: qemu-system-arm is not installed"
fi

# The lwIP port (mk/lwip.mk): host and Cortex-M4 compiles, and the program
# tests/integration/test_lwip.py runs over liblwip0's unix port.
step "lwIP port compiles warning-free (host + Cortex-M4)" make -j"$JOBS" lwip-check
step "build lwIP token program (liblwip0 unix port)" make -j"$JOBS" lwip-token

tap "emulator: keep-alive, TLS resumption, wire log (stdlib client)" - "$PYTHON" tests/emulator/test_wire.py --certs "$ET_TEST_CERTS"
# Each tests/integration/test_*.py runs the CLI against its own emulator.
# The CLI honours https_proxy (as curl): a CI's proxy must not take the
# loopback emulator's connections (test_proxy.py sets its own).
export no_proxy="localhost,127.0.0.1,::1${no_proxy:+,$no_proxy}"
export NO_PROXY="$no_proxy"
for t in tests/integration/test_*.py; do
  tap "integration $(basename "$t" .py) (CLI vs emulator over TLS)" - \
    "$PYTHON" "$t" --cli $BUILD/gcc/edgetoken --certs "$ET_TEST_CERTS"
done
# The fleet simulation (make fleet: 100,000 devices for a week) at a tenth
# of the fleet for a day, over the real cache and retry policy: jitter keeps
# refreshes apart, no token runs out outside outages, backoff holds;
# the provider's lifetime is fixed here (3599 s), where jitter alone spreads
# the refreshes. Deterministic: gcc and ASan/UBSan print the same cases.
for v in gcc asan; do
  tap "fleet simulation: 10,000 devices for a day (cache and retry policy)" $v \
    $BUILD/$v/tests/fleet/fleet_sim --devices 10000 --days 1 --life 3599:3599 --check
done
# Other providers (issue 12): every flow against node oidc-provider from the
# npm registry (pinned in tests/interop/package-lock.json, npm ci into
# $BUILD/interop), and `login` in a real browser (Debian's headless
# Chromium) against the emulator and oidc-provider; its screenshots stay in
# $BUILD/test-artifacts.
tap "interop: every flow against node oidc-provider (CLI over TLS)" - \
  "$PYTHON" tests/interop/test_oidc_provider.py --cli $BUILD/gcc/edgetoken --certs "$ET_TEST_CERTS" --build "$BUILD"
tap "browser: login in headless Chromium (emulator, oidc-provider)" - \
  "$PYTHON" tests/interop/test_browser.py --cli $BUILD/gcc/edgetoken --certs "$ET_TEST_CERTS" --build "$BUILD"
tap "integration test_examples (CLI vs emulator over TLS)" asan "$PYTHON" tests/integration/test_examples.py --cli $BUILD/asan/edgetoken --certs "$ET_TEST_CERTS"
# Those negotiate TLS 1.3; mbedTLS 3.6's TLS 1.2 gets the CLI tests again
# with the emulator's OpenSSL capped at TLS 1.2.
printf '%s\n' 'openssl_conf = c' '[c]' 'ssl_conf = s' '[s]' 'system_default = d' '[d]' \
  'MaxProtocol = TLSv1.2' >"$LOG/openssl-tls12.cnf"
tap "integration test_cli over TLS 1.2 (emulator capped)" - env OPENSSL_CONF="$LOG/openssl-tls12.cnf" \
  "$PYTHON" tests/integration/test_cli.py --cli $BUILD/gcc/edgetoken --certs "$ET_TEST_CERTS"

# make bench, quickly (2 runs, one CA file, valgrind on the first scenario):
# every scenario still runs against the emulator, so the bench cannot rot.
step "make bench --smoke: edgetoken vs curl (token, cached get, refresh, ADME call, repeat)" \
  tools/bench.sh --smoke

# Fault injection (tests/faults, make faults): token, refresh and login of
# the ASan CLI against the emulator with the N-th write, fsync, rename,
# open, read, send, recv, ... failing (ENOSPC, EIO, EINTR, short counts):
# every N of the store's calls, a fixed sample of the rest, a few under
# valgrind. `make faults-full` tries every N of every call.
tap "fault injection: token, refresh, login (ASan CLI, emulator over TLS)" - \
  make faults
step "build fuzzers" make -j"$JOBS" $(ls tests/fuzz/fuzz_*.c | sed "s|tests/fuzz/\(.*\)\.c|$BUILD/fuzz/\1|")
for f in $BUILD/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  step "fuzz $(basename "$f") ${FUZZ_SMOKE_SECONDS}s" tests/fuzz/run.sh "$FUZZ_SMOKE_SECONDS" "$f"
done

step "absolute BUILD: build, unit and CLI tests write nothing into the checkout outside it" \
  tests/packaging/abs-build.sh "$BUILD"
step "this run wrote nothing into the checkout outside BUILD" \
  "$PYTHON" tests/packaging/clean-tree.py check "$CLEAN_SNAPSHOT" "$BUILD"
rm -f "$CLEAN_SNAPSHOT"

$COUNT summary "$RESULTS"
