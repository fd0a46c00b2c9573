#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a Cortex-M4 test image under QEMU (mps2-an386) with semihosting: the
# image prints TAP and its exit status is the verdict. Also checks that the
# image links no heap (newlib's allocator and sbrk are absent), and verifies
# the client assertions the image signed (tools/fw-check-assertions.py, with
# the openssl CLI) against the certificates of its throwaway test keys.
#   tools/firmware-test.sh IMAGE.elf [CERTDIR]
# CERTDIR defaults to client-certs/ next to the image (mk/device.mk makes it).
# Exit 77 (skip) when qemu-system-arm is not installed.
set -u
img=${1:?usage: firmware-test.sh IMAGE.elf [CERTDIR]}
certs=${2:-$(dirname "$img")/client-certs}
PYTHON=${PYTHON:-$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)}
if ! command -v qemu-system-arm >/dev/null 2>&1; then
  echo "SKIP: qemu-system-arm is not installed (tools/setup.sh installs it)"
  exit 77
fi
heap=$(arm-none-eabi-nm "$img" | awk '{print $NF}' | grep -Ex '_?(malloc|_malloc_r|calloc|realloc|free|_free_r|_sbrk|_sbrk_r)' || true)
if [ -n "$heap" ]; then
  echo "not ok - $img links heap functions:" $heap
  exit 1
fi
echo "ok - $img links no heap allocator"
log=$img.log
timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$img" >"$log" 2>&1
rc=$?
cat "$log"
[ $rc -eq 0 ] || echo "not ok - $img exited with status $rc"
"$PYTHON" "$(dirname "$0")/fw-check-assertions.py" "$log" "$certs"
checked=$?
[ $rc -ne 0 ] && exit $rc
exit $checked
