#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per byte (callgrind, counting only the measured function)
# for et_token_decode and for cJSON on the same generated token responses.
# Run by `make bench-parse`, which builds tools/bench_parse.c.
#   tools/bench-parse.sh BENCH_BINARY [BYTES...]
set -eu
bin=$1
shift
[ $# -gt 0 ] || set -- 8192 65536
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Instructions (Ir) callgrind counted inside function $2 for input size $3.
count() {
  LD_BIND_NOW=1 valgrind -q --tool=callgrind --toggle-collect="measure_$1" \
    --callgrind-out-file="$out/cg" "$bin" "$1" "$2" ||
    { echo "bench-parse: $1 failed to decode the $2-byte response" >&2; exit 1; }
  awk '/^(summary|totals):/ { print $2; exit }' "$out/cg"
}
cjson=$(dpkg-query -W -f='${Version}' libcjson-dev 2>/dev/null || echo "?")
echo "instructions per byte (valgrind callgrind): et_token_decode vs cJSON $cjson"
echo "(cJSON: parse, access_token/expires_in/token_type lookups, delete)"
printf "%8s %14s %14s %10s %10s %11s\n" bytes "ours Ir" "cJSON Ir" "ours/B" "cJSON/B" "cJSON/ours"
for n in "$@"; do
  a=$(count ours "$n")
  b=$(count cjson "$n")
  awk -v n="$n" -v a="$a" -v b="$b" 'BEGIN {
    printf "%8d %14d %14d %10.2f %10.2f %10.2fx\n", n, a, b, a / n, b / n, b / a }'
done
