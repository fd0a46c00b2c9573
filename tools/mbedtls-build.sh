#!/bin/sh
# SPDX-License-Identifier: MIT
# Compile an mbedTLS source tree into one static library with our config
# (port/mbedtls/config/et_mbedtls_config.h, plus the platform functions in
# et_mbedtls_alt.c), in parallel.
#   tools/mbedtls-build.sh SRC OUT.a CC AR [CFLAGS...]
# Objects go next to OUT.a in OUT.a.d/. Modules the config leaves out
# compile to empty objects, so "all of library/" is the right input. One
# archive instead of libmbedtls/libmbedx509/libmbedcrypto: static links then
# need no ordering between the three.
set -eu
src=$1 out=$2 cc=$3 ar=$4
shift 4
objdir=$out.d
rm -rf "$objdir"
mkdir -p "$objdir"
export ET_MB_CC="$cc" ET_MB_OBJ="$objdir" ET_MB_SRC="$src"
ls "$src"/library/*.c port/mbedtls/config/*.c | xargs -P "$(nproc)" -I{} sh -c '
  f={}; o=$ET_MB_OBJ/$(basename "$f" .c).o
  $ET_MB_CC "$@" -I"$ET_MB_SRC/include" -I"$ET_MB_SRC/library" -Iport/mbedtls/config \
    -DMBEDTLS_CONFIG_FILE="\"et_mbedtls_config.h\"" -c "$f" -o "$o"' sh "$@"
rm -f "$out"
$ar rcs "$out" "$objdir"/*.o
