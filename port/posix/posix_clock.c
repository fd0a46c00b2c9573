/* SPDX-License-Identifier: MIT */
/* Clocks and an interruptible sleep. */
#include "px_internal.h"

#include <errno.h>
#include <time.h>

/* Sleep in slices so a cancel request is seen within this many ms even when
 * no signal interrupts nanosleep. */
#define PX_SLEEP_SLICE_MS 50u

uint64_t px_mono_ms(void *ctx) {
  (void)ctx;
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0; /* cannot fail on Linux with a valid clock id */
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t px_unix_s(void *ctx) {
  (void)ctx;
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec;
}

void px_sleep_ms(void *ctx, uint32_t ms) {
  uint64_t end = px_mono_ms(ctx) + ms;
  for (;;) {
    if (px_cancelled(ctx))
      return;
    uint64_t now = px_mono_ms(ctx);
    if (now >= end)
      return;
    uint64_t left = end - now;
    if (left > PX_SLEEP_SLICE_MS)
      left = PX_SLEEP_SLICE_MS;
    struct timespec ts = { 0, (long)(left * 1000000u) };
    /* EINTR (e.g. SIGINT) just loops: the cancel flag decides. */
    (void)nanosleep(&ts, NULL);
  }
}
