#!/bin/sh
# Run a Cortex-M4 test image under QEMU (mps2-an386) with semihosting: the
# image prints TAP and its exit status is the verdict. Also checks that the
# image links no heap (newlib's allocator and sbrk are absent).
#   tools/firmware-test.sh IMAGE.elf
# Exit 77 (skip) when qemu-system-arm is not installed.
set -u
img=${1:?usage: firmware-test.sh IMAGE.elf}
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
timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -kernel "$img"
rc=$?
[ $rc -eq 0 ] || echo "not ok - $img exited with status $rc"
exit $rc
