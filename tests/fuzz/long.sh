#!/bin/sh
# SPDX-License-Identifier: MIT
# long.sh RUNS FUZZER...: run each libFuzzer target for RUNS executions
# (make fuzz-long: 10,000,000) on its working corpus next to the fuzzer,
# seeded from and kept growing across runs from tests/fuzz/corpus/<name>,
# then print one table: target, executions, coverage (cov: and ft: from
# libFuzzer's final stats), seconds, crashes. Crashing inputs are kept in
# findings/ next to the fuzzer and fail the run. FUZZ_MERGE=1 merges the
# inputs that add coverage back into tests/fuzz/corpus/<name> (the
# committed seeds); without it the checkout is never written.
# FUZZ_MAX_SECONDS=N also stops each target after N seconds (the table
# then says how far it got, and at what rate).
set -eu
runs=$1; shift
out=
table=$(mktemp)
trap 'rm -f "$table"' EXIT
status=0
for f in "$@"; do
  name=$(basename "$f")
  seeds=tests/fuzz/corpus/${name#fuzz_}
  out=$(dirname "$f")
  work=$out/corpus/$name
  log=$out/$name.long.log
  mkdir -p "$work" "$out/findings"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  before=$(ls "$out/findings" | grep -c "^$name-" || true)
  echo "fuzz-long: $name for $runs runs (log: $log)"
  t0=$(date +%s)
  rc=0
  "$f" -runs="$runs" -max_total_time="${FUZZ_MAX_SECONDS:-0}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/findings/$name-" "$work" >"$log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - t0 ))
  after=$(ls "$out/findings" | grep -c "^$name-" || true)
  crashes=$((after - before))
  [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes="rc=$rc"
  # The last status line ("#N DONE cov: C ft: F ..." or the last pulse
  # before a crash) gives executions and coverage.
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  execs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  printf '%s %s %s %s %s %s %s\n' "$name" "${execs:-0}" "${cov:--}" "${ft:--}" "$secs" \
    "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "$crashes" >>"$table"
  if [ "$rc" -ne 0 ] || [ "$crashes" != 0 ]; then
    status=1
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" || true
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    mkdir -p "$seeds"
    "$f" -merge=1 "$seeds" "$work" >>"$log" 2>&1
    echo "fuzz-long: $name: merged into $seeds ($(ls "$seeds" | wc -l) inputs)"
  fi
done
printf '%-20s %11s %6s %7s %8s %8s %8s\n' target executions cov ft seconds exec/s crashes
while read -r n e c t s r x; do
  printf '%-20s %11s %6s %7s %8s %8s %8s\n' "$n" "$e" "$c" "$t" "$s" "$r" "$x"
done <"$table"
exit $status
