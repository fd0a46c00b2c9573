/* SPDX-License-Identifier: MIT */
/* The retry policy and the device code poll schedule (et_retry.h). */
#include "edgetoken/et_retry.h"

#include "edgetoken/et_config.h"

#define SLOW_DOWN_MS 5000u
#define BACKOFF_CAP_SHIFT 10u

/* ms and up to a quarter more: ms/4 * jitter/65536, no 64-bit division. */
static uint32_t plus_jitter(uint32_t ms, uint16_t jitter) {
  return ms + (uint32_t)(((uint64_t)(ms / 4u) * jitter) >> 16);
}

uint32_t et_backoff_ms(uint32_t attempt, uint16_t jitter) {
  uint32_t shift = attempt == 0 ? 0 : attempt - 1;
  return plus_jitter(1000u << (shift > BACKOFF_CAP_SHIFT ? BACKOFF_CAP_SHIFT : shift), jitter);
}

/* An unknown host or a refused connection (the origin's or the proxy's)
 * does not change within the seconds a retry waits: said at once. They
 * stay transient for a caller's loop and the token cache
 * (et_err_is_transient). */
static bool retried(et_err e) {
  return et_err_is_transient(e) && e != ET_E_DNS && e != ET_E_CONNECT &&
         e != ET_E_PROXY_CONNECT;
}

/* What the server asked plus up to a quarter more, within the longest
 * wait: a fleet throttled in the same second spreads out on its way back. */
static uint32_t jittered_wait(uint32_t ms, uint16_t jitter) {
  uint32_t d = plus_jitter(ms, jitter);
  return d > CONFIG_ET_RETRY_MAX_WAIT_MS ? CONFIG_ET_RETRY_MAX_WAIT_MS : d;
}

static bool server_busy(int status) {
  return status == 408 || status == 429 || status >= 500;
}

et_retry et_retry_decide(const et_attempt *a, uint32_t *delay_ms) {
  bool last;
  uint32_t delay;
  *delay_ms = 0;
  last = a->n >= CONFIG_ET_RETRY_ATTEMPTS || (a->sent && !a->replayable);
  if (a->err != ET_OK) {
    if (last || !retried(a->err))
      return ET_RETRY_NO;
    *delay_ms = et_backoff_ms(a->n, a->jitter);
    return ET_RETRY_AFTER;
  }
  if (!server_busy(a->status))
    return ET_RETRY_NO;
  if (a->has_retry_after && a->retry_after_s > CONFIG_ET_RETRY_MAX_WAIT_MS / 1000u)
    delay = CONFIG_ET_RETRY_MAX_WAIT_MS + 1u;
  else if (a->has_retry_after)
    delay = jittered_wait(a->retry_after_s * 1000u, a->jitter);
  else
    delay = et_backoff_ms(a->n, a->jitter);
  if (delay > CONFIG_ET_RETRY_MAX_WAIT_MS)
    return a->status == 429 || a->has_retry_after ? ET_RETRY_THROTTLED : ET_RETRY_NO;
  /* Out of attempts: a 429 is throttling; a 5xx the server's failure
   * (a short Retry-After does not make it throttling), unless the request
   * could never be retried: then when to come back is what counts. */
  if (last)
    return a->status == 429 || (a->has_retry_after && a->n < CONFIG_ET_RETRY_ATTEMPTS)
               ? ET_RETRY_THROTTLED
               : ET_RETRY_NO;
  *delay_ms = delay;
  return ET_RETRY_AFTER;
}

uint64_t et_poll_next(uint64_t now_ms, uint32_t *interval_ms, et_poll_event ev,
                      uint32_t retry_after_s) {
  uint64_t wait;
  if (ev == ET_POLL_SLOW_DOWN)
    *interval_ms += SLOW_DOWN_MS;
  wait = *interval_ms;
  if (ev == ET_POLL_FAILED && (uint64_t)retry_after_s * 1000u > wait)
    wait = (uint64_t)retry_after_s * 1000u;
  return now_ms + wait;
}
