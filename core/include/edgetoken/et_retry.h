/* SPDX-License-Identifier: MIT */
/* The retry policy and the device code poll schedule: pure functions of
 * what happened, the time and a random number, so they are tested without
 * a port and every flow retries the same way. */
#ifndef EDGETOKEN_ET_RETRY_H
#define EDGETOKEN_ET_RETRY_H

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How one attempt ended. */
typedef struct et_attempt {
  uint32_t n;               /* attempts made so far, this one included (1..) */
  et_err err;               /* ET_OK: an answer came (status below) */
  int status;               /* the answer's HTTP status */
  bool sent;                /* the request may have reached the server */
  bool replayable;          /* the server may see it twice */
  bool has_retry_after;
  uint32_t retry_after_s;
  uint16_t jitter;          /* uniform random 0..65535 */
} et_attempt;

typedef enum et_retry {
  ET_RETRY_NO = 0,          /* the answer or the error stands */
  ET_RETRY_AFTER = 1,       /* try again after *delay_ms */
  ET_RETRY_THROTTLED = 2    /* the server wants a longer pause than we wait:
                               give up as ET_E_THROTTLED */
} et_retry;

/* Decide after an attempt, within CONFIG_ET_RETRY_ATTEMPTS attempts:
 *   - a transient transport failure (et_err_is_transient) is retried after
 *     et_backoff_ms, unless the request may have reached the server and is
 *     not replayable; an unknown host (ET_E_DNS) and a refused or
 *     unreachable connection (ET_E_CONNECT, ET_E_PROXY_CONNECT) are not
 *     retried: they stand;
 *   - 429, 503 with Retry-After: retried after Retry-After plus up to a
 *     quarter more from jitter (never sooner than asked; devices throttled
 *     together do not come back together), within
 *     CONFIG_ET_RETRY_MAX_WAIT_MS, when Retry-After itself is at most that;
 *     else ET_RETRY_THROTTLED; a 429 on
 *     the last attempt is ET_RETRY_THROTTLED too, a 5xx there stands
 *     (ET_RETRY_NO: the server failed on every attempt);
 *   - other 5xx (and 408): retried after et_backoff_ms (or Retry-After);
 *   - any other answer or error: ET_RETRY_NO.
 * A non-replayable request that may have reached the server is never
 * retried: its first answer or failure stands (ET_RETRY_NO), 429 included
 * (ET_RETRY_THROTTLED). *delay_ms is 0 unless ET_RETRY_AFTER. */
et_retry et_retry_decide(const et_attempt *a, uint32_t *delay_ms);

/* Back-off before retry number attempt (1..): 1 s, 2 s, 4 s ... (capped at
 * 1024 s) plus up to a quarter more from jitter, so devices that lost the
 * network together do not come back in lockstep. */
uint32_t et_backoff_ms(uint32_t attempt, uint16_t jitter);

/* Device code polls (RFC 8628 §3.5): what the last poll said. */
typedef enum et_poll_event {
  ET_POLL_PENDING = 0,      /* authorization_pending */
  ET_POLL_SLOW_DOWN = 1,    /* slow_down: the interval grows by 5 s for good */
  ET_POLL_FAILED = 2        /* a transient failure: try at the next interval,
                               or after Retry-After when that is longer */
} et_poll_event;

/* When the next poll may go, never sooner than *interval_ms after now;
 * updates *interval_ms for slow_down. */
uint64_t et_poll_next(uint64_t now_ms, uint32_t *interval_ms, et_poll_event ev,
                      uint32_t retry_after_s);

#ifdef __cplusplus
}
#endif

#endif
