/* SPDX-License-Identifier: MIT */
/* CSPRNG from the kernel: getrandom(2) blocks only until the pool is seeded
 * once at boot, and never returns weak bytes. */
#include "px_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

et_err px_random(void *ctx, uint8_t *p, size_t n) {
  et_posix *px = ctx;
  if (p == NULL && n != 0)
    return ET_E_ARG;
  while (n > 0) {
    ssize_t r = getrandom(p, n, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      if (px)
        return px_fail(px, ET_E_RANDOM, "getrandom: %s", strerror(errno));
      return ET_E_RANDOM;
    }
    p += r; /* short reads happen for requests over 256 bytes */
    n -= (size_t)r;
  }
  return ET_OK;
}
