#!/bin/sh
# SPDX-License-Identifier: MIT
# The Zephyr module, the ESP-IDF component and the PlatformIO manifest,
# checked as far as this machine can without the SDKs (no west, idf.py or
# pio here; docs say so):
#  1. kconfiglib loads zephyr/Kconfig and Kconfig inside parent trees
#     (kconfig_parent.py) and writes a configuration: client credentials
#     off, 8 AADSTS codes, error texts on;
#  2. zephyr/CMakeLists.txt runs in a stand-in of Zephyr's CMake functions
#     (standin/zephyr) that records the calls and compiles the recorded
#     sources for Cortex-M4 with -imacros autoconf.h, as Zephyr does;
#     CMakeLists.txt's ESP_PLATFORM branch likewise (standin/esp-idf, with
#     sdkconfig.h) and its early-expansion pass in script mode. In both
#     builds the configuration must be the one compiled: the flow that is
#     off is gone and et_abi_settings() says CONFIG_ET_MAX_ERROR_CODES=8;
#  3. without JSMN_INCLUDE each stops with a message that names it;
#  4. library.json and idf_component.yml parse, carry ET_VERSION, and
#     PlatformIO's source filter selects exactly core/src/*.c.
#   tests/packaging/sdk.sh BUILD
set -eu
build=$(mkdir -p "$1" && cd "$1" && pwd)
root=$(pwd)
work=$build/packaging/sdk
PY=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
rm -rf "$work"
mkdir -p "$work/jsmn"
cp "${JSMN_INCLUDE:-/usr/include}/jsmn.h" "$work/jsmn/"
"$PY" tests/packaging/kconfig_parent.py "$root" "$work/kconfig"

gen() { # NAME SRCDIR ARGS...: configure and build a stand-in
  name=$1 src=$2; shift 2
  cmake -S "$src" -B "$work/$name" -G Ninja -DCMAKE_C_COMPILER=arm-none-eabi-gcc \
    -DET_MODULE="$root" "$@" >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; return 1; }
}
check_lib() { # NAME ARCHIVE
  lib=$2
  n=$(arm-none-eabi-ar t "$lib" | grep -Ec '\.c\.o(bj)?$')
  want=$(ls core/src/*.c | wc -l)
  [ "$n" -ge "$want" ] || { echo "sdk: $1 built $n objects, core has $want"; exit 1; }
  # The flow switched off in Kconfig is compiled out; the settings are the
  # configuration's.
  arm-none-eabi-nm "$lib" 2>/dev/null | awk '/^client_credentials\.c\.o(bj)?:$/ { on = 1; next }
    /^$/ { on = 0 } on' >"$lib.cc.nm"
  grep -q ' T et_client_credentials$' "$lib.cc.nm"
  if grep -q ' U et_token_answer$' "$lib.cc.nm"; then
    echo "sdk: $1: the client-credentials flow was not compiled out"; exit 1
  fi
  grep -aq 'CONFIG_ET_MAX_ERROR_CODES=8 CONFIG_ET_ERROR_TEXT=1' "$lib" ||
    { echo "sdk: $1: et_abi_settings() is not the Kconfig configuration"; exit 1; }
  echo "sdk: $1: $n objects for Cortex-M4 with the parent's Kconfig"
}

# Zephyr: the module on, its mbedTLS port off for the build (the port is
# only recorded: no Zephyr mbedTLS here).
sed 's/^CONFIG_EDGETOKEN_PORT_MBEDTLS=y/# CONFIG_EDGETOKEN_PORT_MBEDTLS is not set/' \
  "$work/kconfig/zephyr/.config" >"$work/zephyr.config"
gen zephyr tests/packaging/standin/zephyr -DET_DOTCONFIG="$work/zephyr.config" \
  -DET_AUTOCONF="$work/kconfig/zephyr/autoconf.h" -DJSMN_INCLUDE="$work/jsmn"
cmake --build "$work/zephyr" >"$work/zephyr-build.log" 2>&1 || { tail -n 30 "$work/zephyr-build.log"; exit 1; }
grep -q '^zephyr_library_named edgetoken$' "$work/zephyr/calls.txt"
grep -q '^zephyr_compile_definitions ET_HAVE_AUTOCONF$' "$work/zephyr/calls.txt"
check_lib zephyr "$work/zephyr/edgetoken/libedgetoken.a"
# With the port on: its sources and mbedTLS are asked for.
gen zephyr-port tests/packaging/standin/zephyr -DET_DOTCONFIG="$work/kconfig/zephyr/.config" \
  -DET_AUTOCONF="$work/kconfig/zephyr/autoconf.h" -DJSMN_INCLUDE="$work/jsmn"
grep -q '^zephyr_library_sources .*/port/mbedtls/mbedtls_tls.c.*/port/common/diag.c .*/port/common/proxy_tunnel.c$' "$work/zephyr-port/calls.txt"
grep -q '^zephyr_library_link_libraries mbedTLS$' "$work/zephyr-port/calls.txt"
# Module off: nothing.
printf '# CONFIG_EDGETOKEN is not set\n' >"$work/off.config"
gen zephyr-off tests/packaging/standin/zephyr -DET_DOTCONFIG="$work/off.config" \
  -DET_AUTOCONF="$work/kconfig/zephyr/autoconf.h"
[ ! -s "$work/zephyr-off/calls.txt" ] || { echo "sdk: CONFIG_EDGETOKEN off still adds:"; cat "$work/zephyr-off/calls.txt"; exit 1; }
if JSMN_INCLUDE= gen zephyr-nojsmn tests/packaging/standin/zephyr -DET_DOTCONFIG="$work/zephyr.config" \
    -DET_AUTOCONF="$work/kconfig/zephyr/autoconf.h" >/dev/null 2>&1; then
  echo "sdk: zephyr without JSMN_INCLUDE configured"; exit 1
fi
grep -q 'jsmn.h not found: set JSMN_INCLUDE' "$work/zephyr-nojsmn.log"

# ESP-IDF.
gen esp-idf tests/packaging/standin/esp-idf -DET_SDKCONFIG_DIR="$work/kconfig/esp-idf" \
  -DJSMN_INCLUDE="$work/jsmn"
cmake --build "$work/esp-idf" >"$work/esp-idf-build.log" 2>&1 || { tail -n 30 "$work/esp-idf-build.log"; exit 1; }
grep -q '^idf_component_register SRCS .*/core/src/abi.c.* INCLUDE_DIRS core/include port/include' "$work/esp-idf/calls.txt"
check_lib esp-idf "$work/esp-idf/edgetoken/lib__idf_edgetoken.a"
cmake -DET_MODULE="$root" -DET_CALLS="$work/early.txt" -P tests/packaging/standin/early-expansion.cmake
grep -qx 'idf_component_register ' "$work/early.txt"
cmake -DET_MODULE="$root" -DET_CALLS="$work/early-port.txt" -DEDGETOKEN_IDF_PORT=ON \
  -P tests/packaging/standin/early-expansion.cmake
grep -qx 'idf_component_register REQUIRES mbedtls' "$work/early-port.txt"
if JSMN_INCLUDE= gen esp-idf-nojsmn tests/packaging/standin/esp-idf \
    -DET_SDKCONFIG_DIR="$work/kconfig/esp-idf" >/dev/null 2>&1; then
  echo "sdk: esp-idf without JSMN_INCLUDE configured"; exit 1
fi
grep -q 'jsmn.h not found: set JSMN_INCLUDE' "$work/esp-idf-nojsmn.log"

# Manifests.
"$PY" - "$root" <<'PY'
import fnmatch, glob, json, os, re, sys
import yaml
root = sys.argv[1]
ver = re.search(r'#define ET_VERSION "([^"]+)"',
                open(os.path.join(root, "core/include/edgetoken/edgetoken.h")).read()).group(1)
lib = json.load(open(os.path.join(root, "library.json")))
assert lib["name"] == "edgetoken" and lib["version"] == ver, (lib["version"], ver)
assert lib["license"] == "MIT"
b = lib["build"]
inc = os.path.join(root, b["includeDir"])
for h in lib["headers"]:
    assert os.path.isfile(os.path.join(inc, h)), h
# PlatformIO's srcFilter: later patterns win; "-<*>" drops all, "+<p>" adds p.
files = [os.path.relpath(p, os.path.join(root, b["srcDir"]))
         for p in glob.glob(os.path.join(root, b["srcDir"], "**", "*.c"), recursive=True)
         if "/build" not in p]
chosen = set()
for pat in b["srcFilter"]:
    sign, g = pat[0], pat[2:-1]
    hit = {f for f in files if fnmatch.fnmatch(f, g)}
    chosen = chosen | hit if sign == "+" else chosen - hit
want = {os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "core/src/*.c"))}
assert chosen == want, sorted(chosen ^ want)
idf = yaml.safe_load(open(os.path.join(root, "idf_component.yml")))
assert str(idf["version"]) == ver, (idf["version"], ver)
assert idf["license"] == "MIT"
print(f"sdk: library.json and idf_component.yml: edgetoken {ver}, {len(chosen)} core sources")
PY
echo "sdk: ok (stand-ins; the real Zephyr, ESP-IDF and PlatformIO were not run)"
