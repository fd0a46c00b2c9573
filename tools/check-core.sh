#!/bin/sh
# SPDX-License-Identifier: MIT
# Core must stay off the heap, off stdio and off the OS, and hold no
# writable globals. Checks every archive given (host and Cortex-M builds).
set -eu
forbidden='malloc|calloc|realloc|free|aligned_alloc|posix_memalign|.*printf|puts|fputs|putchar|fopen|fwrite|fread|socket|connect|send|recv|getaddrinfo|time|clock_gettime|gettimeofday|getrandom|rand|srand|open|close|read|write|sleep|usleep|nanosleep|abort|exit|getenv'
status=0
for lib in "$@"; do
  [ -f "$lib" ] || { echo "check-core: $lib not built"; exit 1; }
  case "$lib" in
    *arm*) NM=arm-none-eabi-nm; SIZE=arm-none-eabi-size ;;
    *) NM=nm; SIZE=size ;;
  esac
  # Sanitizer builds reference their runtime; only plain builds are checked.
  bad=$($NM -u "$lib" | awk '{print $NF}' | grep -Ev '^__(asan|ubsan|sanitizer)' |
        grep -Ex "($forbidden)" || true)
  if [ -n "$bad" ]; then
    echo "check-core: $lib references forbidden symbols:" $bad
    status=1
  fi
  # Writable data only: .data.rel.ro (const tables of pointers in PIC
  # host objects) is read-only after relocation.
  rw=$($SIZE -A "$lib" | awk '$1 ~ /^\.(data|bss)/ && $1 !~ /^\.data\.rel\.ro/ { n += $2 } END { print n + 0 }')
  if [ "$rw" != 0 ]; then
    echo "check-core: $lib has $rw bytes of .data/.bss (core must hold no globals)"
    status=1
  fi
done
[ $status -eq 0 ] && echo "check-core: ok ($*): no heap, stdio, OS calls or globals"
exit $status
