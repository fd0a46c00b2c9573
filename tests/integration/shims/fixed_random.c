/* SPDX-License-Identifier: MIT */
/* LD_PRELOAD shim: getrandom(2) gives a fixed stream (xorshift64 seeded
 * from $ET_RANDOM_SEED), so a test can check that what a program calls
 * random comes from getrandom and from nothing else (a clock, a pid). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

static uint64_t state;

ssize_t getrandom(void *buf, size_t n, unsigned int flags) {
  unsigned char *p = buf;
  (void)flags;
  if (state == 0) {
    const char *s = getenv("ET_RANDOM_SEED");
    state = (s ? strtoull(s, NULL, 10) : 1) * 0x9E3779B97F4A7C15ull | 1;
  }
  for (size_t i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    p[i] = (unsigned char)(state >> 24);
  }
  return (ssize_t)n;
}
