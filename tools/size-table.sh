#!/bin/sh
# SPDX-License-Identifier: MIT
# Flash and RAM per Kconfig flavour, measured on linked Cortex-M4 images
# (-Os, thumb, --gc-sections): core with the flavour's CONFIG_ET_FLOW_* and
# CONFIG_ET_CRED_* (the rest 0), the mbedTLS port (port/mbedtls and its
# diagnostics, as libet_port.a; its signing hook too when CRED_CERTIFICATE
# is on), mbedTLS with our config, the QEMU board (tests/firmware); each
# flavour's core also with -flto, and the client-credentials core with one
# size option changed at a time. Run by `make size-table` (which sets the
# variables below and builds the parts).
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

# defs_for FEATURES EXTRA: -D flags turning on exactly FEATURES (comma list of
# FLOW_*/CRED_* names), the rest of them off, then EXTRA.
defs_for() {
  defs=""
  for k in $known; do
    name=${k#CONFIG_ET_}
    case ",$1," in *",$name,"*) defs="$defs -D$k=1" ;; *) defs="$defs -D$k=0" ;; esac
  done
  echo "$defs $2"
}

# image DIR LTO DEFS: core compiled with DEFS into DIR/libedgetoken$LTO.a and
# linked into DIR/image$LTO.elf (and .map) with the rest of the size image.
image() {
  d=$1 lto=$2 defs=$3
  mkdir -p "$d/core$lto"
  for c in core/src/*.c; do
    if [ -n "$lto" ]; then
      # shellcheck disable=SC2086
      $ARM_CC $FW_CFLAGS $defs -flto -c "$c" -o "$d/core$lto/$(basename "$c" .c).o"
    else
      # shellcheck disable=SC2086
      $ARM_CC $FW_CFLAGS $defs -fstack-usage -fcallgraph-info=su -c "$c" \
        -o "$d/core/$(basename "$c" .c).o"
    fi
  done
  # gcc-ar keeps the LTO symbol index that plain ar drops.
  arm-none-eabi-gcc-ar rcs "$d/libedgetoken$lto.a" "$d/core$lto"/*.o
  # shellcheck disable=SC2086
  $ARM_CC $FW_CFLAGS -DMBEDTLS_CONFIG_FILE='"et_mbedtls_config.h"' $defs -DFW_ARENA="$FW_ARENA" \
    -c tests/firmware/size_main.c -o "$d/size_main$lto.o"
  # shellcheck disable=SC2086
  $ARM_CC $FW_LDFLAGS ${lto:+-flto -Os} -Wl,-Map,"$d/image$lto.map" "$d/size_main$lto.o" \
    "$FW/mbedtls/libet_port.a" "$FW/mbedtls/bsp_mbedtls.o" "$FW/mbedtls/no_net.o" \
    "$FW/startup.o" "$FW/heap_trap.o" "$FW/fw_tests.o" "$d/libedgetoken$lto.a" \
    "$FW/libmbedtls_et.a" -o "$d/image$lto.elf"
}

maps=""
for f in $flavours; do
  id=${f%%:*}; rest=${f#*:}; label=${rest%%:*}; on=${rest#*:}
  extra=""
  case $on in *:*) extra=$(echo "${on#*:}" | tr ',' ' '); on=${on%%:*} ;; esac
  missing=""
  for feature in $(echo "$on" | tr ',' ' '); do
    echo "$known" | grep -qx "CONFIG_ET_$feature" || missing="$missing $feature"
  done
  if [ -n "$missing" ]; then
    maps="$maps $label=n/a"
    continue
  fi
  d=$out/$id
  rm -rf "$d"
  defs=$(defs_for "$on" "$extra")
  image "$d" "" "$defs"
  # The same core with link-time optimization; the rest of the image as is.
  image "$d" -lto "$defs"
  maps="$maps $label=$d"
done

# What one option changes in the client-credentials core, each alone
# against that flavour's defaults.
options="CONFIG_ET_RETRY_AFTER_DATE=0
CONFIG_ET_CRED_SECRET_BASIC=0
CONFIG_ET_FIXED_AUTHORITY=1
CONFIG_ET_LOG_LEVEL=0
CONFIG_ET_LOG_LEVEL=2
CONFIG_ET_ERROR_TEXT=1"
opts=""
for o in $options; do
  d=$out/option-$(echo "$o" | tr 'A-Z=' 'a-z-')
  rm -rf "$d"
  # A feature switch (FLOW_*/CRED_*) is left out of the list; the rest is a -D.
  case $o in
    CONFIG_ET_CRED_SECRET_BASIC=0) defs=$(defs_for FLOW_CLIENT_CREDENTIALS "") ;;
    *) defs=$(defs_for FLOW_CLIENT_CREDENTIALS,CRED_SECRET_BASIC "-D$o") ;;
  esac
  image "$d" "" "$defs"
  opts="$opts --option $o=$d"
done
# shellcheck disable=SC2086
$PYTHON tools/size-table.py --arena "$FW_ARENA" --arena-measured "$FW/../zeroheap/arena-high-water.txt" \
  $opts $maps
