#!/bin/sh
# SPDX-License-Identifier: MIT
# Kconfig works end to end: the defaults and a configuration with the
# client-credentials flow switched off and the error texts on both generate
# a header that core compiles with (-Werror), switching the flow off removes
# its code, and the texts are where the configuration says.
set -eu
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
KC=/usr/lib/python3/dist-packages
out=${BUILD:-build}/kconfig
rm -rf "$out"
mkdir -p "$out/defaults" "$out/no-cc"

KCONFIG_CONFIG=$out/defaults/.config "$PY" $KC/alldefconfig.py Kconfig >/dev/null
printf '# CONFIG_ET_FLOW_CLIENT_CREDENTIALS is not set\nCONFIG_ET_WORK_BUF_SIZE=4096\nCONFIG_ET_ERROR_TEXT=y\n' \
  > "$out/no-cc/.config"
KCONFIG_CONFIG=$out/no-cc/.config "$PY" $KC/olddefconfig.py Kconfig >/dev/null

for cfg in defaults no-cc; do
  KCONFIG_CONFIG=$out/$cfg/.config "$PY" $KC/genconfig.py \
    --header-path "$out/$cfg/et_autoconf.h" Kconfig
  for src in core/src/*.c; do
    gcc -std=c99 -Wall -Wextra -Werror -DET_HAVE_AUTOCONF -I"$out/$cfg" -Icore/include \
      -c "$src" -o "$out/$cfg/$(basename "$src" .c).o"
  done
done
grep -q 'define CONFIG_ET_WORK_BUF_SIZE 4096' "$out/no-cc/et_autoconf.h"
nm "$out/defaults/client_credentials.o" | grep -q ' U et_token_answer'
if nm "$out/no-cc/client_credentials.o" | grep -q ' U et_token_answer'; then
  echo "check-kconfig: the client-credentials flow was not compiled out"
  exit 1
fi
# Error texts: off by default (only the codes' numbers), on where asked.
grep -q 'define CONFIG_ET_ERROR_TEXT 1' "$out/no-cc/et_autoconf.h"
if grep -q 'buffer too small' "$out/defaults/err.o" ||
  grep -q 'missing or empty' "$out/defaults/token_decode.o"; then
  echo "check-kconfig: error texts are compiled in by default"
  exit 1
fi
grep -q 'buffer too small' "$out/no-cc/err.o"
grep -q 'access_token: missing or empty' "$out/no-cc/token_decode.o"
gcc -std=c99 -Wall -Wextra -Werror -DET_HAVE_AUTOCONF -I"$out/defaults" -Icore/include \
  tests/kconfig/error_text_off.c "$out"/defaults/*.o -o "$out/error_text_off"
"$out/error_text_off"
echo "check-kconfig: ok"
