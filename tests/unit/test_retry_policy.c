/* The exchange's replay rule per flow (et_exchange.h): a code redemption is
 * sent at most once, a refresh is retried like client credentials. Driven
 * by the scripted port of fake_port.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

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
  et_work w = { g_buf, sizeof g_buf, g_tok, 64, NULL, 0 };
  return w;
}

static et_app web_app(void) {
  return fake_app("s");
}

static et_err redeem(script *s, et_oauth_error *err) {
  et_port p = script_port(s);
  et_app a = web_app();
  et_code_grant g = { ET_STR("C0DE"), ET_STR("http://localhost:8080"), ET_STR_NULL,
                      ET_STR("app/.default offline_access") };
  et_work w = work();
  et_token t;
  return et_redeem_code(&p, &a, &g, &w, &t, err);
}

static et_err refresh(script *s, et_oauth_error *err) {
  et_port p = script_port(s);
  et_app a = web_app();
  et_work w = work();
  et_token t;
  return et_refresh(&p, &a, ET_STR("RT1"), ET_STR("app/.default"), &w, &t, err);
}

/* A 5xx after the code went out is the answer: no second attempt (the
 * script's next scene, tokens, is never played). */
static void redeem_5xx_is_not_retried(void **state) {
  script s = { .scenes = { { ET_OK, R500, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  et_oauth_error err;
  (void)state;
  assert_int_equal(redeem(&s, &err), ET_E_HTTP_STATUS);
  assert_int_equal(err.http_status, 500);
  assert_int_equal(s.opened, 1);
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
    et_oauth_error err;
    assert_int_equal(redeem(&s, &err), ET_E_THROTTLED);
    assert_int_equal(err.retry_after_s, 1);
    assert_int_equal(s.opened, 1);
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
    assert_int_equal(refresh(&s, NULL), ET_OK);
    assert_int_equal(s.opened, 2);
    assert_int_equal(s.sleeps, 1);
    if (i == 0)
      assert_true(contains(s.log, s.log_len, "server busy, retrying after HTTP 500\n"));
  }
}

/* Before anything was sent, a redemption is retried like any request. */
static void redeem_connect_failure_is_retried(void **state) {
  script s = { .scenes = { { ET_E_CONNECT, NULL, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  (void)state;
  assert_int_equal(redeem(&s, NULL), ET_OK);
  assert_int_equal(s.opened, 2);
  /* The warning names the failure (et_strerror's text in a hosted build). */
  assert_true(contains(s.log, s.log_len, "retrying after: could not connect\n"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(redeem_5xx_is_not_retried),
    cmocka_unit_test(redeem_retry_after_is_returned),
    cmocka_unit_test(refresh_is_retried_after_sending),
    cmocka_unit_test(redeem_connect_failure_is_retried),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
