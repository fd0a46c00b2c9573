#!/bin/sh
# SPDX-License-Identifier: MIT
# Cortex-M4 (-Os, thumb) footprint of core, per object and in total.
set -eu
lib=${1:-build/arm/libedgetoken.a}
[ -f "$lib" ] || { echo "size: $lib not built" >&2; exit 1; }
echo "core for Cortex-M4, arm-none-eabi-gcc -Os -mthumb (bytes)"
arm-none-eabi-size -t "$lib" | awk '
  NR == 1 { printf "%-28s %7s %7s %7s\n", "object", ".text", ".data", ".bss"; next }
  { name = $6; if (name ~ /TOTALS/) name = "total";
    sub(/ \(ex .*/, "", name);
    printf "%-28s %7d %7d %7d\n", name, $1, $2, $3 }'
