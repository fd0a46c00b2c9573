#!/bin/bash
# The whole test suite: builds (gcc, clang, clang+ASan/UBSan), unit tests in
# each build and under valgrind, core's embedded checks, cppcheck, the CLI
# against the Entra ID emulator over TLS, and a short run of every fuzzer.
# Every step's result is counted; the last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)}
FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-10}
JOBS=${JOBS:-$(nproc)}
BUILD=${BUILD:-build}
export BUILD
LOG=$BUILD/test-logs
mkdir -p "$LOG"
passed=0
failed=0
skipped=0
failures=()

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL: $1"; }

# A step that is one test: a command that must exit 0.
step() {
  local name=$1; shift
  local log="$LOG/$(echo "$name" | tr ' /' '__').log"
  if "$@" >"$log" 2>&1; then
    echo "ok   $name"
    pass
  else
    fail "$name"
    tail -n 30 "$log" | sed 's/^/    | /'
  fi
}

# A binary that prints TAP: each "ok"/"not ok" line is one test ("ok ...
# # SKIP" counts as skipped, not passed), and a crash, a non-zero exit, or
# a plan ("1..N") that is missing or not met is one more failure.
tap() {
  local name=$1; shift
  local log="$LOG/$(echo "$name" | tr ' /' '__').log"
  local rc ok notok skip plan why=
  CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1
  rc=$?
  skip=$(grep -ciE '^ok [^#]*#[[:space:]]*skip' "$log")
  ok=$(($(grep -c '^ok ' "$log") - skip))
  notok=$(grep -c '^not ok ' "$log")
  plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
  if [ $rc -ne 0 ]; then
    why="exit $rc"
  elif [ -z "$plan" ] || [ "$plan" -eq 0 ]; then
    why="no tests planned"
  elif [ $((ok + notok + skip)) -lt "$plan" ]; then
    why="only $((ok + notok + skip)) of $plan planned tests reported"
  fi
  passed=$((passed + ok))
  skipped=$((skipped + skip))
  if [ "$notok" -gt 0 ]; then
    failed=$((failed + notok))
    while read -r l; do failures+=("$name: $l"); echo "FAIL: $name: $l"; done < <(grep '^not ok ' "$log")
  fi
  if [ -n "$why" ] && [ "$notok" -eq 0 ]; then
    fail "$name ($why)"
  fi
  if [ -n "$why" ] || [ "$notok" -gt 0 ]; then
    tail -n 40 "$log" | sed 's/^/    | /'
  fi
  echo "$([ -z "$why" ] && [ "$notok" -eq 0 ] && echo ok || echo FAIL)   $name: $ok passed," \
    "$notok failed$([ "$skip" -gt 0 ] && echo ", $skip skipped")"
}

# Test certificates for the emulator and the port tests.
export ET_TEST_CERTS=$PWD/$BUILD/test-certs
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
    tap "unit $v $(basename "$t")" "$t"
  done
done
for t in $BUILD/gcc/tests/test_*; do
  [ -x "$t" ] || continue
  tap "valgrind $(basename "$t")" valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect "$t"
done

step "core builds for Cortex-M4 and uses no heap, stdio, OS or globals" \
  make VARIANT=gcc check-core
step "Kconfig generates a header core builds with" tools/check-kconfig.sh
step "cppcheck" cppcheck -q --enable=warning,portability,performance --error-exitcode=1 \
  --inline-suppr -D__GNUC__ -Icore/include -Iport/include core/src port examples

# Devices (mk/device.mk): mbedTLS from Debian's source with our config, the
# zero-heap CLI (its test is tests/integration/test_zero_heap.py below), and
# the Cortex-M4 self-test image run under QEMU.
step "zero-heap build (static mbedTLS arena, heap calls trapped)" make -j"$JOBS" zero-heap
step "build Cortex-M4 self-test image" make firmware
if command -v qemu-system-arm >/dev/null 2>&1; then
  tap "Cortex-M4 image under QEMU (mps2-an386)" tools/firmware-test.sh "$BUILD/firmware/selftest.elf"
else
  echo "SKIP (not counted): Cortex-M4 image under QEMU: qemu-system-arm is not installed"
fi

# The lwIP port (mk/lwip.mk): host and Cortex-M4 compiles, and the program
# tests/integration/test_lwip.py runs over liblwip0's unix port.
step "lwIP port compiles warning-free (host + Cortex-M4)" make -j"$JOBS" lwip-check
step "build lwIP token program (liblwip0 unix port)" make -j"$JOBS" lwip-token

tap "emulator: keep-alive, TLS resumption, wire log (stdlib client)" "$PYTHON" tests/emulator/test_wire.py --certs "$ET_TEST_CERTS"
# Each tests/integration/test_*.py runs the CLI against its own emulator.
for t in tests/integration/test_*.py; do
  tap "integration $(basename "$t" .py) (CLI vs emulator over TLS)" \
    "$PYTHON" "$t" --cli $BUILD/gcc/edgetoken --certs "$ET_TEST_CERTS"
done
# Those negotiate TLS 1.3; mbedTLS 3.6's TLS 1.2 gets the CLI tests again
# with the emulator's OpenSSL capped at TLS 1.2.
printf '%s\n' 'openssl_conf = c' '[c]' 'ssl_conf = s' '[s]' 'system_default = d' '[d]' \
  'MaxProtocol = TLSv1.2' >"$LOG/openssl-tls12.cnf"
tap "integration test_cli over TLS 1.2 (emulator capped)" env OPENSSL_CONF="$LOG/openssl-tls12.cnf" \
  "$PYTHON" tests/integration/test_cli.py --cli $BUILD/gcc/edgetoken --certs "$ET_TEST_CERTS"

step "build fuzzers" make -j"$JOBS" $(ls tests/fuzz/fuzz_*.c | sed "s|tests/fuzz/\(.*\)\.c|$BUILD/fuzz/\1|")
for f in $BUILD/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  step "fuzz $(basename "$f") ${FUZZ_SMOKE_SECONDS}s" tests/fuzz/run.sh "$FUZZ_SMOKE_SECONDS" "$f"
done

echo
if [ $failed -gt 0 ]; then
  echo "failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")"
[ $failed -eq 0 ]
