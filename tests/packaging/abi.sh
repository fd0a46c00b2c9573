#!/bin/sh
# SPDX-License-Identifier: MIT
# The ABI check (et_abi.h) fails loudly: an application compiled with the
# library's settings passes et_abi_check; one compiled with
# CONFIG_ET_MAX_ERROR_CODES=16 (a bigger et_oauth_error), with error texts
# off, or with ET_PORT_CONNS=4 against the same library gets ET_E_ABI and
# sees both sides' settings.
#   tests/packaging/abi.sh OUT      (OUT: a build's $(OUT) with libedgetoken.a)
set -eu
out=${1:?usage: abi.sh OUT}
lib=$out/libedgetoken.a
dir=$out/tests/abi
mkdir -p "$dir"
CC=${CC:-gcc}
jsmn=${JSMN_INCLUDE:+-I$JSMN_INCLUDE}
build() { # NAME EXTRA-FLAGS...
  name=$1; shift
  # shellcheck disable=SC2086
  $CC -std=c99 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -DCONFIG_ET_LOG_LEVEL=4 \
    -Icore/include -Iport/include $jsmn "$@" tests/packaging/abi_app.c "$lib" -o "$dir/$name"
}
build same
"$dir/same" >"$dir/same.out" || { cat "$dir/same.out"; echo "abi: the library's own settings were refused"; exit 1; }
grep -q '^abi: ok$' "$dir/same.out"
for case in "errcodes -DCONFIG_ET_MAX_ERROR_CODES=16" "notext -DCONFIG_ET_ERROR_TEXT=0" \
    "conns -DET_PORT_CONNS=4"; do
  # shellcheck disable=SC2086
  set -- $case
  name=$1; shift
  build "$name" "$@"
  rc=0
  "$dir/$name" >"$dir/$name.out" || rc=$?
  cat "$dir/$name.out"
  [ "$rc" -eq 3 ] || { echo "abi: $name ($*) was not refused with ET_E_ABI (exit $rc)"; exit 1; }
  want=$(echo "$1" | sed 's/^-D//')
  grep -q "^app: .*$want" "$dir/$name.out" || { echo "abi: the app's settings do not show $want"; exit 1; }
done
grep -q '^library: .*CONFIG_ET_MAX_ERROR_CODES=4 ' "$dir/errcodes.out"
echo "abi: ok"
