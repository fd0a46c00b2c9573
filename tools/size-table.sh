#!/bin/sh
# SPDX-License-Identifier: MIT
# Flash and RAM per Kconfig flavour, measured on linked Cortex-M4 images
# (-Os, thumb, --gc-sections): core with the flavour's CONFIG_ET_FLOW_* and
# CONFIG_ET_CRED_* (the rest 0), the mbedTLS port (port/mbedtls and its
# diagnostics, as libet_port.a; its signing hook too when CRED_CERTIFICATE
# is on), mbedTLS with our config, the QEMU board (tests/firmware). Run by
# `make size-table` (which sets the variables below and builds the parts).
set -eu
: "${ARM_CC:?}" "${FW:?}" "${FW_CFLAGS:?}" "${FW_LDFLAGS:?}" "${FW_ARENA:?}"
PYTHON=${PYTHON:-python3}
out=$FW/size
mkdir -p "$out"
# id:label:features on[:other -D flags]. "cc-fixed" is the smallest
# device build: one pre-parsed authority, the secret in the form only.
flavours="cc-fixed:cc,fixed-authority:FLOW_CLIENT_CREDENTIALS:-DCONFIG_ET_FIXED_AUTHORITY=1,-DCONFIG_ET_RETRY_AFTER_DATE=0
cc:client-credentials:FLOW_CLIENT_CREDENTIALS,CRED_SECRET_BASIC
signin:+sign-in:FLOW_CLIENT_CREDENTIALS,FLOW_AUTH_CODE,CRED_SECRET_BASIC
device:+device-code:FLOW_CLIENT_CREDENTIALS,FLOW_DEVICE_CODE,CRED_SECRET_BASIC
cert:+certificate:FLOW_CLIENT_CREDENTIALS,CRED_CERTIFICATE,CRED_SECRET_BASIC
all:all:FLOW_CLIENT_CREDENTIALS,FLOW_AUTH_CODE,FLOW_DEVICE_CODE,CRED_CERTIFICATE,CRED_SECRET_BASIC"
known=$(grep -o 'CONFIG_ET_\(FLOW\|CRED\)_[A-Z_]*' core/include/edgetoken/et_config.h | sort -u)
maps=""
for f in $flavours; do
  id=${f%%:*}; rest=${f#*:}; label=${rest%%:*}; on=${rest#*:}
  extra=""
  case $on in *:*) extra=$(echo "${on#*:}" | tr ',' ' '); on=${on%%:*} ;; esac
  defs=$extra
  missing=""
  for feature in $(echo "$on" | tr ',' ' '); do
    echo "$known" | grep -qx "CONFIG_ET_$feature" || missing="$missing $feature"
  done
  if [ -n "$missing" ]; then
    maps="$maps $label=n/a"
    continue
  fi
  for k in $known; do
    name=${k#CONFIG_ET_}
    case ",$on," in *",$name,"*) defs="$defs -D$k=1" ;; *) defs="$defs -D$k=0" ;; esac
  done
  d=$out/$id
  rm -rf "$d"; mkdir -p "$d/core"
  for c in core/src/*.c; do
    $ARM_CC $FW_CFLAGS $defs -fstack-usage -fcallgraph-info=su -c "$c" \
      -o "$d/core/$(basename "$c" .c).o"
  done
  arm-none-eabi-ar rcs "$d/libedgetoken.a" "$d"/core/*.o
  # The same core with link-time optimization (gcc-ar keeps the LTO
  # symbol index); the rest of the image stays as it is.
  mkdir -p "$d/lto"
  for c in core/src/*.c; do
    $ARM_CC $FW_CFLAGS $defs -flto -c "$c" -o "$d/lto/$(basename "$c" .c).o"
  done
  arm-none-eabi-gcc-ar rcs "$d/libedgetoken-lto.a" "$d"/lto/*.o
  $ARM_CC $FW_CFLAGS -DMBEDTLS_CONFIG_FILE='"et_mbedtls_config.h"' $defs -DFW_ARENA="$FW_ARENA" -c tests/firmware/size_main.c -o "$d/size_main.o"
  for lto in "" -lto; do
    $ARM_CC $FW_LDFLAGS ${lto:+-flto -Os} -Wl,-Map,"$d/image$lto.map" "$d/size_main.o" \
      "$FW/mbedtls/libet_port.a" "$FW/mbedtls/bsp_mbedtls.o" "$FW/mbedtls/no_net.o" \
      "$FW/startup.o" "$FW/heap_trap.o" "$FW/fw_tests.o" "$d/libedgetoken$lto.a" \
      "$FW/libmbedtls_et.a" -o "$d/image$lto.elf"
  done
  maps="$maps $label=$d"
done
# shellcheck disable=SC2086
$PYTHON tools/size-table.py --arena "$FW_ARENA" --arena-measured "$FW/../zeroheap/arena-high-water.txt" $maps
