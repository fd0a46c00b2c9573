#!/bin/sh
# Kconfig works end to end: the defaults and a configuration with the
# client-credentials flow switched off both generate a header that core
# compiles with (-Werror), and switching the flow off removes its code.
set -eu
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
KC=/usr/lib/python3/dist-packages
out=${BUILD:-build}/kconfig
rm -rf "$out"
mkdir -p "$out/defaults" "$out/no-cc"

KCONFIG_CONFIG=$out/defaults/.config "$PY" $KC/alldefconfig.py Kconfig >/dev/null
printf '# CONFIG_ET_FLOW_CLIENT_CREDENTIALS is not set\nCONFIG_ET_WORK_BUF_SIZE=4096\n' \
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
nm "$out/defaults/client_credentials.o" | grep -q ' U et_token_request'
if nm "$out/no-cc/client_credentials.o" | grep -q ' U et_token_request'; then
  echo "check-kconfig: the client-credentials flow was not compiled out"
  exit 1
fi
echo "check-kconfig: ok"
