/* SPDX-License-Identifier: MIT */
/* The retry policy and the device code poll schedule (et_retry.h): first
 * as the pure functions they are, then the replay rule per flow as the
 * blocking calls apply it (a code redemption is sent at most once, a
 * refresh is retried like client credentials), driven through the
 * scripted port of fake_port.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#define LAST CONFIG_ET_RETRY_ATTEMPTS
#define MAX_WAIT_S (CONFIG_ET_RETRY_MAX_WAIT_MS / 1000u)

/* ---- et_backoff_ms -------------------------------------------------- */

static void backoff_doubles_with_bounded_jitter(void **state) {
  uint32_t base = 1000;
  (void)state;
  for (uint32_t n = 1; n <= 11; n++, base *= 2) {
    uint32_t lo = et_backoff_ms(n, 0), hi = et_backoff_ms(n, 65535);
    assert_int_equal(lo, base);          /* no jitter: exactly the base */
    assert_true(hi > base);              /* full jitter: more... */
    assert_true(hi < base + base / 4);   /* ...but less than a quarter more */
    assert_int_equal(et_backoff_ms(n, 32768), base + base / 8);
    /* Monotonic in the jitter. */
    for (uint32_t j = 0; j + 4097 <= 65535; j += 4097)
      assert_true(et_backoff_ms(n, (uint16_t)j) <= et_backoff_ms(n, (uint16_t)(j + 4097)));
  }
}

static void backoff_is_capped(void **state) {
  (void)state;
  /* 1 s << 10 = 1024 s, and never more however many attempts. */
  assert_int_equal(et_backoff_ms(11, 0), 1024000);
  assert_int_equal(et_backoff_ms(12, 0), 1024000);
  assert_int_equal(et_backoff_ms(1000, 0), 1024000);
  assert_int_equal(et_backoff_ms(UINT32_MAX, 65535), et_backoff_ms(11, 65535));
  assert_true(et_backoff_ms(UINT32_MAX, 65535) < 1280000);
  /* Attempt 0 (never made) is treated as the first. */
  assert_int_equal(et_backoff_ms(0, 0), 1000);
}

/* ---- et_retry_decide ------------------------------------------------ */

static et_attempt failed(uint32_t n, et_err err, bool sent, bool replayable) {
  et_attempt a;
  memset(&a, 0, sizeof a);
  a.n = n;
  a.err = err;
  a.sent = sent;
  a.replayable = replayable;
  a.jitter = 0;
  return a;
}

static et_attempt answered(uint32_t n, int status, bool replayable) {
  et_attempt a = failed(n, ET_OK, true, replayable);
  a.status = status;
  return a;
}

static et_attempt with_retry_after(et_attempt a, uint32_t s) {
  a.has_retry_after = true;
  a.retry_after_s = s;
  return a;
}

static et_retry decide(et_attempt a, uint32_t *delay) {
  *delay = 12345; /* always written */
  return et_retry_decide(&a, delay);
}

static void transient_failures_are_retried_with_backoff(void **state) {
  static const et_err transient[] = { ET_E_TIMEOUT, ET_E_CLOSED, ET_E_TRUNCATED, ET_E_IO,
                                      ET_E_TLS };
  uint32_t d;
  (void)state;
  for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
    assert_true(et_err_is_transient(transient[i]));
    assert_int_equal(decide(failed(1, transient[i], false, true), &d), ET_RETRY_AFTER);
    assert_int_equal(d, 1000);
    assert_int_equal(decide(failed(2, transient[i], true, true), &d), ET_RETRY_AFTER);
    assert_int_equal(d, 2000);
    /* The jitter input is used. */
    {
      et_attempt a = failed(1, transient[i], false, true);
      a.jitter = 65535;
      assert_int_equal(decide(a, &d), ET_RETRY_AFTER);
      assert_int_equal(d, et_backoff_ms(1, 65535));
    }
    /* The last attempt's failure stands. */
    assert_int_equal(decide(failed(LAST, transient[i], false, true), &d), ET_RETRY_NO);
    assert_int_equal(d, 0);
  }
}

/* Transient for a caller's loop and the cache, but a retry seconds later
 * meets the same unknown host or closed port: they stand at once. */
static void unknown_host_and_refused_connection_stand(void **state) {
  static const et_err now[] = { ET_E_DNS, ET_E_CONNECT, ET_E_PROXY_CONNECT };
  uint32_t d;
  (void)state;
  for (size_t i = 0; i < sizeof now / sizeof now[0]; i++) {
    assert_true(et_err_is_transient(now[i]));
    assert_int_equal(decide(failed(1, now[i], false, true), &d), ET_RETRY_NO);
    assert_int_equal(d, 0);
  }
}

static void permanent_failures_are_not_retried(void **state) {
  static const et_err permanent[] = { ET_E_ARG, ET_E_NOSPACE, ET_E_URL, ET_E_HTTP_SYNTAX,
                                      ET_E_HTTP_TOO_LARGE, ET_E_RESPONSE_TOO_LARGE,
                                      ET_E_JSON_SYNTAX, ET_E_TLS_VERIFY, ET_E_TLS_CONFIG,
                                      ET_E_RANDOM, ET_E_CRYPTO, ET_E_CANCELLED, ET_E_OAUTH,
                                      ET_E_INPUT, ET_E_DISABLED };
  uint32_t d;
  (void)state;
  for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++) {
    assert_false(et_err_is_transient(permanent[i]));
    assert_int_equal(decide(failed(1, permanent[i], false, true), &d), ET_RETRY_NO);
    assert_int_equal(d, 0);
  }
}

static void unreplayable_request_is_sent_at_most_once(void **state) {
  uint32_t d;
  (void)state;
  /* Failed before anything could reach the server: retried like any. */
  assert_int_equal(decide(failed(1, ET_E_TIMEOUT, false, false), &d), ET_RETRY_AFTER);
  assert_int_equal(d, 1000);
  /* Once it may have reached the server: its failure or answer stands. */
  assert_int_equal(decide(failed(1, ET_E_CLOSED, true, false), &d), ET_RETRY_NO);
  assert_int_equal(decide(failed(1, ET_E_TIMEOUT, true, false), &d), ET_RETRY_NO);
  assert_int_equal(decide(answered(1, 500, false), &d), ET_RETRY_NO);
  assert_int_equal(decide(answered(1, 408, false), &d), ET_RETRY_NO);
  assert_int_equal(d, 0);
  /* ... and a pause the server asks for cannot be honoured: throttled. */
  assert_int_equal(decide(with_retry_after(answered(1, 503, false), 1), &d), ET_RETRY_THROTTLED);
  assert_int_equal(decide(with_retry_after(answered(1, 429, false), 1), &d), ET_RETRY_THROTTLED);
  assert_int_equal(decide(answered(1, 429, false), &d), ET_RETRY_THROTTLED);
  assert_int_equal(d, 0);
}

static void answers_that_stand(void **state) {
  static const int statuses[] = { 200, 201, 204, 301, 400, 401, 403, 404, 409 };
  uint32_t d;
  (void)state;
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    assert_int_equal(decide(answered(1, statuses[i], true), &d), ET_RETRY_NO);
    assert_int_equal(d, 0);
    /* A Retry-After on them changes nothing. */
    assert_int_equal(decide(with_retry_after(answered(1, statuses[i], true), 1), &d),
                     ET_RETRY_NO);
  }
}

static void server_failures_are_retried_with_backoff(void **state) {
  static const int statuses[] = { 408, 500, 502, 503, 504, 599 };
  uint32_t d;
  (void)state;
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    et_attempt a = answered(1, statuses[i], true);
    a.jitter = 40000;
    assert_int_equal(decide(a, &d), ET_RETRY_AFTER);
    assert_int_equal(d, et_backoff_ms(1, 40000));
    assert_int_equal(decide(answered(2, statuses[i], true), &d), ET_RETRY_AFTER);
    assert_int_equal(d, 2000);
    /* The last attempt's answer stands: the flow makes it ET_E_SERVER. */
    assert_int_equal(decide(answered(LAST, statuses[i], true), &d), ET_RETRY_NO);
    assert_int_equal(d, 0);
  }
}

static void retry_after_is_honoured_up_to_the_limit(void **state) {
  uint32_t d;
  (void)state;
  /* As asked, plus up to a quarter more from jitter (never sooner), not
   * past the longest wait. */
  assert_int_equal(decide(with_retry_after(answered(1, 429, true), 2), &d), ET_RETRY_AFTER);
  assert_int_equal(d, 2000);
  {
    et_attempt j = with_retry_after(answered(1, 429, true), 2);
    j.jitter = 0xffff;
    assert_int_equal(decide(j, &d), ET_RETRY_AFTER);
    assert_true(d > 2490 && d <= 2500);
    j.jitter = 0x8000;
    assert_int_equal(decide(j, &d), ET_RETRY_AFTER);
    assert_int_equal(d, 2250);
    j = with_retry_after(answered(1, 503, true), MAX_WAIT_S);
    j.jitter = 0xffff;
    assert_int_equal(decide(j, &d), ET_RETRY_AFTER);
    assert_int_equal(d, MAX_WAIT_S * 1000u);
  }
  assert_int_equal(decide(with_retry_after(answered(1, 503, true), MAX_WAIT_S), &d),
                   ET_RETRY_AFTER);
  assert_int_equal(d, MAX_WAIT_S * 1000u);
  assert_int_equal(decide(with_retry_after(answered(2, 500, true), 1), &d), ET_RETRY_AFTER);
  assert_int_equal(d, 1000);
  assert_int_equal(decide(with_retry_after(answered(1, 503, true), 0), &d), ET_RETRY_AFTER);
  assert_int_equal(d, 0);
  /* Longer than we wait: give up at once as throttled, for 429 and any
   * other status that came with it. */
  assert_int_equal(decide(with_retry_after(answered(1, 429, true), MAX_WAIT_S + 1), &d),
                   ET_RETRY_THROTTLED);
  assert_int_equal(d, 0);
  assert_int_equal(decide(with_retry_after(answered(1, 503, true), 3600), &d),
                   ET_RETRY_THROTTLED);
  /* No overflow for absurd values. */
  assert_int_equal(decide(with_retry_after(answered(1, 429, true), UINT32_MAX), &d),
                   ET_RETRY_THROTTLED);
  assert_int_equal(decide(with_retry_after(answered(1, 429, true), UINT32_MAX / 1000 + 1), &d),
                   ET_RETRY_THROTTLED);
  /* A 429 on the last attempt is throttling, even with a short wait; a
   * 503 there is the server failing on every attempt (gave up), unless
   * the request could not be retried at all. */
  assert_int_equal(decide(with_retry_after(answered(LAST, 429, true), 1), &d),
                   ET_RETRY_THROTTLED);
  assert_int_equal(decide(with_retry_after(answered(LAST, 503, true), 1), &d), ET_RETRY_NO);
  assert_int_equal(decide(with_retry_after(answered(1, 503, false), 1), &d),
                   ET_RETRY_THROTTLED);
}

static void throttling_without_retry_after(void **state) {
  uint32_t d;
  (void)state;
  /* 429 alone: back off like a 5xx, and end throttled. */
  assert_int_equal(decide(answered(1, 429, true), &d), ET_RETRY_AFTER);
  assert_int_equal(d, 1000);
  assert_int_equal(decide(answered(LAST, 429, true), &d), ET_RETRY_THROTTLED);
  assert_int_equal(d, 0);
}

static void every_retry_stays_within_the_limits(void **state) {
  /* Whatever the input, a delay is only given with ET_RETRY_AFTER, before
   * the last attempt, and never longer than the configured maximum. */
  static const int statuses[] = { 0, 200, 400, 408, 429, 500, 503 };
  static const et_err errs[] = { ET_OK, ET_E_CONNECT, ET_E_TLS_VERIFY, ET_E_CLOSED };
  (void)state;
  for (uint32_t n = 1; n <= LAST + 1; n++)
    for (size_t si = 0; si < sizeof statuses / sizeof statuses[0]; si++)
      for (size_t ei = 0; ei < sizeof errs / sizeof errs[0]; ei++)
        for (int bits = 0; bits < 8; bits++)
          for (uint32_t ra = 0; ra < 8; ra += 3) {
            et_attempt a = failed(n, errs[ei], bits & 1, (bits & 2) != 0);
            uint32_t d;
            et_retry r;
            a.status = errs[ei] == ET_OK ? statuses[si] : 0;
            a.has_retry_after = (bits & 4) != 0;
            a.retry_after_s = ra;
            a.jitter = (uint16_t)(n * 7919u + ra * 104729u);
            r = decide(a, &d);
            if (r != ET_RETRY_AFTER) {
              assert_int_equal(d, 0);
              continue;
            }
            assert_true(n < LAST);
            assert_true(d <= CONFIG_ET_RETRY_MAX_WAIT_MS);
            assert_false(a.sent && !a.replayable);
          }
}

/* ---- et_poll_next ---------------------------------------------------- */

static void poll_schedule(void **state) {
  uint32_t iv = 5000;
  (void)state;
  /* Pending: one interval after now, Retry-After ignored. */
  assert_int_equal(et_poll_next(100000, &iv, ET_POLL_PENDING, 0), 105000);
  assert_int_equal(et_poll_next(100000, &iv, ET_POLL_PENDING, 60), 105000);
  assert_int_equal(iv, 5000);
  /* slow_down: +5 s for this and every later poll. */
  assert_int_equal(et_poll_next(100000, &iv, ET_POLL_SLOW_DOWN, 0), 110000);
  assert_int_equal(iv, 10000);
  assert_int_equal(et_poll_next(200000, &iv, ET_POLL_PENDING, 0), 210000);
  assert_int_equal(et_poll_next(200000, &iv, ET_POLL_SLOW_DOWN, 0), 215000);
  assert_int_equal(iv, 15000);
  /* A failure: the next interval, or Retry-After when longer; the
   * interval itself does not change. */
  assert_int_equal(et_poll_next(0, &iv, ET_POLL_FAILED, 0), 15000);
  assert_int_equal(et_poll_next(0, &iv, ET_POLL_FAILED, 10), 15000);
  assert_int_equal(et_poll_next(0, &iv, ET_POLL_FAILED, 40), 40000);
  assert_int_equal(iv, 15000);
  /* No overflow with a Retry-After of ~136 years. */
  assert_int_equal(et_poll_next(1, &iv, ET_POLL_FAILED, UINT32_MAX),
                   1 + (uint64_t)UINT32_MAX * 1000u);
  /* Far in the monotonic future: no wrap. */
  assert_int_equal(et_poll_next(UINT64_MAX - 20000, &iv, ET_POLL_PENDING, 0),
                   UINT64_MAX - 5000);
}

/* ---- the replay rule per flow, through the blocking calls ----------- */

#define TOKENS                                                                 \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" \
  "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"AT1\","     \
  "\"refresh_token\":\"RT2\"}"
#define R500 "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
#define R503_RETRY_AFTER                                                       \
  "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"
#define R429_RETRY_AFTER                                                       \
  "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"

static uint8_t g_buf[8192];
static jsmntok_t g_tok[64];

static et_work work(void) {
  et_work w = { g_buf, sizeof g_buf, g_tok, 64, NULL };
  return w;
}

static et_err redeem(script *s, et_result *res) {
  et_port p = script_port(s);
  et_app a = fake_app("s");
  et_code_grant g = { ET_STR("C0DE"), ET_STR("http://localhost:8080"), ET_STR_NULL,
                      ET_STR("app/.default offline_access") };
  et_work w = work();
  et_token t;
  return et_redeem_code(&p, &a, &g, &w, &t, res);
}

static et_err refresh(script *s, et_result *res) {
  et_port p = script_port(s);
  et_app a = fake_app("s");
  et_work w = work();
  et_token t;
  return et_refresh(&p, &a, ET_STR("RT1"), ET_STR("app/.default"), &w, &t, res);
}

/* A 5xx after the code went out is the answer: no second attempt (the
 * script's next scene, tokens, is never played). */
static void redeem_5xx_is_not_retried(void **state) {
  script s = { .scenes = { { ET_OK, R500, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  et_result res;
  (void)state;
  assert_int_equal(redeem(&s, &res), ET_E_SERVER);
  assert_int_equal(res.http_status, 500);
  assert_int_equal(res.attempts, 1);
  assert_int_equal(s.played, 1);
  assert_int_equal(s.sleeps, 0);
}

/* 503 and 429 with a short Retry-After would be waited out for a
 * replayable request; a redemption returns them at once. */
static void redeem_retry_after_is_returned(void **state) {
  static const char *const answers[] = { R503_RETRY_AFTER, R429_RETRY_AFTER };
  (void)state;
  for (size_t i = 0; i < 2; i++) {
    script s = { .scenes = { { ET_OK, answers[i], 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
                 .no_jitter = true };
    et_result res;
    assert_int_equal(redeem(&s, &res), ET_E_THROTTLED);
    assert_int_equal(res.retry_after_s, 1);
    assert_int_equal(s.played, 1);
    assert_int_equal(s.sleeps, 0);
  }
}

/* The same answers to a refresh: waited out and retried. */
static void refresh_is_retried_after_sending(void **state) {
  static const char *const first[] = { R500, R503_RETRY_AFTER, R429_RETRY_AFTER,
                                       "" /* connection lost after the request */ };
  (void)state;
  for (size_t i = 0; i < 4; i++) {
    script s = { .scenes = { { ET_OK, first[i], 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
                 .no_jitter = true };
    et_result res;
    assert_int_equal(refresh(&s, &res), ET_OK);
    assert_int_equal(s.played, 2);
    assert_int_equal(res.attempts, 2);
    /* One wait: Retry-After's 1 s or a back-off of 1 s, each + jitter. */
    assert_true(s.slept_ms >= 1000 && s.slept_ms <= 1250);
#if CONFIG_ET_LOG_LEVEL >= 2
    if (i == 0)
      assert_true(contains(s.log, s.log_len, "the server is busy; retrying: HTTP 500\n"));
    if (i == 2)
      assert_true(contains(s.log, s.log_len, "the server is busy; retrying: HTTP 429\n"));
#endif
  }
}

/* Before anything was sent, a redemption is retried like any request. */
static void redeem_connect_failure_is_retried(void **state) {
  script s = { .scenes = { { ET_E_TIMEOUT, NULL, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  (void)state;
  assert_int_equal(redeem(&s, NULL), ET_OK);
  assert_int_equal(s.played, 2);
#if CONFIG_ET_LOG_LEVEL >= 2 && CONFIG_ET_ERROR_TEXT
  /* The warning names the failure (et_strerror's text in a hosted build). */
  assert_true(contains(s.log, s.log_len, "the connection failed; retrying: timed out\n"));
#endif
}

/* ---- Retry-After as an HTTP date, through the blocking calls -------- */

#define RFC_DATE_S 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static int64_t clock_at_rfc_date(void *ctx) {
  (void)ctx;
  return RFC_DATE_S;
}

static et_err cc(script *s, et_link *link, bool wall_clock, et_result *res) {
  et_port p = script_port(s);
  et_app a = fake_app("s");
  et_work w = work();
  et_token t;
  w.link = link;
  if (wall_clock)
    p.unix_s = clock_at_rfc_date;
  return et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, res);
}

/* The delay is the date minus the answer's own Date: the device's clock
 * (here absent) plays no part. */
static void retry_after_date_against_the_answers_date(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 503 Busy\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                    "Retry-After: Sun, 06 Nov 1994 08:49:40 GMT\r\n"
                                    "Content-Length: 0\r\n\r\n", 0 },
                           { ET_OK, TOKENS, 0 } },
               .n_scenes = 2, .no_jitter = true };
  (void)state;
  assert_int_equal(cc(&s, NULL, false, NULL), ET_OK);
  assert_int_equal(s.played, 2);
  assert_true(s.slept_ms >= 3000 && s.slept_ms <= 3750);
}

/* No Date: the port's wall clock; without one, the date is no help and
 * the back-off applies; a date in the past means now. */
static void retry_after_date_without_date_header(void **state) {
  static const char ra4[] = "HTTP/1.1 503 Busy\r\nRetry-After: Sunday, 06-Nov-94 08:49:41 GMT\r\n"
                            "Content-Length: 0\r\n\r\n";
  static const char past[] = "HTTP/1.1 503 Busy\r\nRetry-After: Sun Nov  6 08:00:00 1994\r\n"
                             "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n";
  script a = { .scenes = { { ET_OK, ra4, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  script b = a, c = { .scenes = { { ET_OK, past, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
                      .no_jitter = true };
  et_result res;
  (void)state;
  assert_int_equal(cc(&a, NULL, true, NULL), ET_OK);
  assert_true(a.slept_ms >= 4000 && a.slept_ms <= 5000);
  assert_int_equal(cc(&b, NULL, false, NULL), ET_OK);
  assert_true(b.slept_ms >= 1000 && b.slept_ms <= 1250); /* et_backoff_ms(1, ...) */
  assert_int_equal(cc(&c, NULL, false, &res), ET_OK);
  assert_int_equal(c.played, 2);
  assert_int_equal(c.slept_ms, 0);
}

/* A date further out than the policy waits ends the call throttled, the
 * delay (capped at a day) in the result. */
static void far_retry_after_date_is_throttled_and_capped(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 429 Slow\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                    "Retry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\n"
                                    "Content-Length: 0\r\n\r\n", 0 } },
               .n_scenes = 1, .no_jitter = true };
  et_result res;
  (void)state;
  assert_int_equal(cc(&s, NULL, false, &res), ET_E_THROTTLED);
  assert_int_equal(res.retry_after_s, 86400);
  assert_int_equal(s.sleeps, 0);
}

/* ---- throttle memory in the link ---------------------------------------- */

#define R429_30                                                                \
  "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n"

/* A host that said "wait 30 s" gets nothing through the same link for
 * 30 s: the calls fail at once, nothing opened or sent; then it is asked
 * again, and its success lifts the hold. */
static void throttled_host_is_held_back_until_retry_after(void **state) {
  script s = { .scenes = { { ET_OK, R429_30, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  et_link link;
  et_result res;
  (void)state;
  memset(&link, 0, sizeof link);
  assert_int_equal(cc(&s, &link, false, &res), ET_E_THROTTLED);
  assert_int_equal(res.http_status, 429);
  assert_int_equal(s.played, 1);
  for (int i = 0; i < 5; i++) {
    s.now += 5000;
    assert_int_equal(cc(&s, &link, false, &res), ET_E_THROTTLED);
    assert_int_equal(res.http_status, 0);  /* no answer: nothing was sent */
    assert_int_equal(res.attempts, 0);
    assert_int_equal(res.retry_after_s, 30 - 5 * (i + 1));
    assert_non_null(res.why);
    assert_int_equal(s.played, 1);
    assert_int_equal(s.opens, 1);
  }
  s.now += 4999; /* 1 ms left: still held, rounded up to a second */
  assert_int_equal(cc(&s, &link, false, &res), ET_E_THROTTLED);
  assert_int_equal(res.retry_after_s, 1);
  s.now += 1;
  assert_int_equal(cc(&s, &link, false, &res), ET_OK);
  assert_int_equal(s.played, 2);
  assert_int_equal(link.hold_until_ms, 0);
}

/* Without a link nothing is remembered; a 503 without Retry-After that
 * ends a call is no throttling either. */
static void only_throttling_is_held_and_only_in_a_link(void **state) {
  static const char r503[] = "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
  script a = { .scenes = { { ET_OK, R429_30, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  script b = { .scenes = { { ET_OK, r503, 0 }, { ET_OK, r503, 0 }, { ET_OK, r503, 0 },
                           { ET_OK, TOKENS, 0 } },
               .n_scenes = 4, .no_jitter = true, .keep = SCENE(0) | SCENE(1) | SCENE(2) };
  et_link link;
  et_result res;
  (void)state;
  assert_int_equal(cc(&a, NULL, false, NULL), ET_E_THROTTLED);
  assert_int_equal(cc(&a, NULL, false, NULL), ET_OK);
  assert_int_equal(a.played, 2);
  memset(&link, 0, sizeof link);
  assert_int_equal(cc(&b, &link, false, &res), ET_E_SERVER);
  assert_int_equal(res.tries, LAST);
  assert_int_equal(link.hold_until_ms, 0);
  assert_int_equal(cc(&b, &link, false, NULL), ET_OK);
  assert_int_equal(b.played, 4);
}

/* tries counts connections that failed before sending; attempts only
 * what was sent. */
static void tries_count_every_attempt(void **state) {
  script s = { .scenes = { { ET_E_TIMEOUT, NULL, 0 }, { ET_E_TIMEOUT, NULL, 0 },
                           { ET_E_TIMEOUT, NULL, 0 } },
               .n_scenes = 3, .no_jitter = true };
  script d = { .scenes = { { ET_E_DNS, NULL, 0 } }, .n_scenes = 1, .no_jitter = true };
  et_result res;
  (void)state;
  assert_int_equal(cc(&s, NULL, false, &res), ET_E_TIMEOUT);
  assert_int_equal(res.tries, LAST);
  assert_int_equal(res.attempts, 0);
  assert_int_equal(cc(&d, NULL, false, &res), ET_E_DNS);
  assert_int_equal(res.tries, 1);
  assert_int_equal(d.sleeps, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(backoff_doubles_with_bounded_jitter),
    cmocka_unit_test(backoff_is_capped),
    cmocka_unit_test(transient_failures_are_retried_with_backoff),
    cmocka_unit_test(unknown_host_and_refused_connection_stand),
    cmocka_unit_test(permanent_failures_are_not_retried),
    cmocka_unit_test(unreplayable_request_is_sent_at_most_once),
    cmocka_unit_test(answers_that_stand),
    cmocka_unit_test(server_failures_are_retried_with_backoff),
    cmocka_unit_test(retry_after_is_honoured_up_to_the_limit),
    cmocka_unit_test(throttling_without_retry_after),
    cmocka_unit_test(every_retry_stays_within_the_limits),
    cmocka_unit_test(poll_schedule),
    cmocka_unit_test(redeem_5xx_is_not_retried),
    cmocka_unit_test(redeem_retry_after_is_returned),
    cmocka_unit_test(refresh_is_retried_after_sending),
    cmocka_unit_test(redeem_connect_failure_is_retried),
    cmocka_unit_test(retry_after_date_against_the_answers_date),
    cmocka_unit_test(retry_after_date_without_date_header),
    cmocka_unit_test(far_retry_after_date_is_throttled_and_capped),
    cmocka_unit_test(throttled_host_is_held_back_until_retry_after),
    cmocka_unit_test(only_throttling_is_held_and_only_in_a_link),
    cmocka_unit_test(tries_count_every_attempt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
