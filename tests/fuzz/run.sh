#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh SECONDS FUZZER...: run each libFuzzer target for SECONDS on a copy
# of its seed corpus (tests/fuzz/corpus/<name without fuzz_>); findings are
# kept in findings/ next to the fuzzer and fail the run.
set -eu
secs=$1; shift
for f in "$@"; do
  name=$(basename "$f")
  seeds=tests/fuzz/corpus/${name#fuzz_}
  out=$(dirname "$f")
  work=$out/corpus/$name
  mkdir -p "$work" "$out/findings"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$out/findings/$name-" "$work"
done
