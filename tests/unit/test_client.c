/* SPDX-License-Identifier: MIT */
/* The client-credentials flow and the retry policy around it, driven by
 * et_drive through the scripted port of fake_port.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#define OK_V2                                                                  \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"       \
  "Content-Length: 93\r\n\r\n"                                                 \
  "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"    \
  "\"access_token\":\"eyJ0.e30.sig\"}"

#define BAD_SECRET                                                             \
  "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"            \
  "Connection: close\r\n\r\n"                                                  \
  "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: "      \
  "Invalid client secret provided.\\r\\nTrace ID: t1\",\"error_codes\":"       \
  "[7000215],\"trace_id\":\"t1\",\"correlation_id\":\"c1\"}"

static uint8_t g_buf[4096];
static jsmntok_t g_tok[64];

static et_work work(size_t cap) {
  et_work w = { g_buf, cap, g_tok, 64, NULL };
  memset(g_buf, 0xcc, sizeof g_buf);
  return w;
}

static et_app app_with(const char *authority) {
  et_app a;
  memset(&a, 0, sizeof a);
  a.authority = et_str_from_cstr(authority);
  a.tenant = ET_STR("contoso");
  a.client_id = ET_STR("app");
  a.cred.kind = ET_CRED_SECRET;
  a.cred.secret = ET_STR("s+x/=");
  return a;
}

/* et_client_credentials as most tests call it: the default app, v2, scope
 * "x", the whole workspace. */
static et_err fetch(script *s, et_work *w, et_token *t, et_result *res) {
  et_port p = script_port(s);
  et_app a = app_with(NULL);
  *w = work(sizeof g_buf);
  return et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), w, t, res);
}

static void v2_request_and_token(void **state) {
  script s = { .scenes = { { ET_OK, OK_V2, 7 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_app a = app_with(NULL);
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  static const char body[] =
      "grant_type=client_credentials&client_id=app&scope=app%2F.default"
      "&client_secret=s%2Bx%2F%3D";
  (void)state;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("app/.default"),
                                         &w, &t, &res), ET_OK);
  assert_true(et_str_eq(s.host, ET_STR("login.microsoftonline.com")));
  assert_int_equal(s.port, 443);
  assert_true(s.sent_len > sizeof body);
  assert_memory_equal(s.sent, "POST /contoso/oauth2/v2.0/token HTTP/1.1\r\n", 42);
  assert_true(contains(s.sent, s.sent_len, "\r\nHost: login.microsoftonline.com\r\n"));
  assert_true(contains(s.sent, s.sent_len,
                       "\r\nContent-Type: application/x-www-form-urlencoded\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\nContent-Length: 90\r\n"));
  /* No kept connection (w.link NULL): the server may close it. */
  assert_true(contains(s.sent, s.sent_len, "\r\nConnection: close\r\n"));
  assert_int_equal(sizeof body - 1, 90);
  assert_memory_equal(s.sent + s.sent_len - 90, body, 90);
  assert_true(et_str_eq(t.access_token, ET_STR("eyJ0.e30.sig")));
  assert_true(et_str_eq(t.token_type, ET_STR("Bearer")));
  assert_int_equal(t.expires_in, 3599);
  assert_int_equal(res.err, ET_OK);
  assert_int_equal(res.http_status, 200);
  assert_int_equal(res.attempts, 1);
  assert_null(res.why);
  assert_null(res.oauth.error.p);
  assert_int_equal(s.opens, 1);
  assert_int_equal(s.closes, 1);
  assert_false(s.conn_open);
  /* The secret left the workspace once sent. */
  assert_false(contains((const char *)g_buf, sizeof g_buf, "s%2Bx%2F%3D"));
}

static void v1_request_with_resource(void **state) {
  static const char resp[] =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n{\"token_type\":\"B\r\n"
      "61\r\nearer\",\"expires_in\":\"3599\",\"expires_on\":\"1622089429\","
      "\"resource\":\"https://r\",\"access_token\":\"abc\"}\r\n0\r\n\r\n";
  script s = { .scenes = { { ET_OK, resp, 1 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_app a = app_with("https://localhost:8443/emu");
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V1, ET_STR("https://r"), &w,
                                         &t, NULL), ET_OK);
  assert_memory_equal(s.sent, "POST /emu/contoso/oauth2/token HTTP/1.1\r\n", 41);
  assert_true(contains(s.sent, s.sent_len, "\r\nHost: localhost:8443\r\n"));
  assert_true(contains(s.sent, s.sent_len, "&resource=https%3A%2F%2Fr&"));
  assert_int_equal(t.expires_in, 3599);
  assert_int_equal(t.expires_on, 1622089429);
  assert_true(et_str_eq(t.resource, ET_STR("https://r")));
  assert_true(et_str_eq(t.access_token, ET_STR("abc")));
}

static void oauth_error_is_returned_not_retried(void **state) {
  script s = { .scenes = { { ET_OK, BAD_SECRET, 3 }, { ET_OK, OK_V2, 0 } }, .n_scenes = 2 };
  et_work w;
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, &res), ET_E_OAUTH);
  assert_int_equal(s.played, 1);
  assert_int_equal(res.err, ET_E_OAUTH);
  assert_int_equal(res.http_status, 401);
  assert_int_equal(res.attempts, 1);
  assert_true(et_str_eq(res.oauth.error, ET_STR("invalid_client")));
  assert_int_equal(res.oauth.n_error_codes, 1);
  assert_int_equal(res.oauth.error_codes[0], 7000215);
  assert_true(et_str_eq(res.oauth.trace_id, ET_STR("t1")));
  assert_true(et_str_eq(res.oauth.correlation_id, ET_STR("c1")));
  assert_true(et_str_eq(res.oauth.error_description,
                        ET_STR("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t1")));
  assert_false(et_err_is_transient(res.err)); /* a refusal: retrying cannot help */
}

static void server_error_is_retried_after_backoff(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy", 0 },
                           { ET_OK, OK_V2, 0 } },
               .n_scenes = 2 };
  et_work w;
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, &res), ET_OK);
  assert_int_equal(s.played, 2);
  /* One back-off of 1 s plus up to a quarter of jitter, slept in slices. */
  assert_true(s.slept_ms >= 1000 && s.slept_ms <= 1250);
  assert_true(s.longest_sleep <= 1000);
  assert_true(s.at[1] >= 1000 && s.at[1] <= 1250);
  assert_int_equal(res.attempts, 2);
  assert_int_equal(res.http_status, 200);
#if CONFIG_ET_LOG_LEVEL >= 2
  assert_true(contains(s.log, s.log_len, "the server is busy; retrying"));
#endif
}

static void short_retry_after_is_waited_out(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\n"
                                    "Content-Length: 17\r\n\r\nToo Many Requests", 0 },
                           { ET_OK, OK_V2, 0 } },
               .n_scenes = 2 };
  et_work w;
  et_token t;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_OK);
  assert_int_equal(s.played, 2);
  assert_true(s.slept_ms >= 2000 && s.slept_ms <= 2500); /* + up to a quarter: jitter */
  assert_true(s.longest_sleep <= 1000); /* sliced: cancel is seen promptly */
}

static void long_retry_after_is_returned(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 60\r\n"
                                    "Content-Length: 17\r\n\r\nToo Many Requests", 0 } },
               .n_scenes = 1 };
  et_work w;
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, &res), ET_E_THROTTLED);
  assert_int_equal(s.played, 1);
  assert_int_equal(s.sleeps, 0);
  assert_int_equal(res.http_status, 429);
  assert_int_equal(res.retry_after_s, 60);
  assert_non_null(res.why);
}

static void persistent_5xx_is_reported(void **state) {
  static const char r500[] = "HTTP/1.1 500 Oops\r\nContent-Length: 6\r\n\r\n<html>";
  script s = { .scenes = { { ET_OK, r500, 0 }, { ET_OK, r500, 0 }, { ET_OK, r500, 0 } },
               .n_scenes = 3 };
  et_work w;
  et_token t;
  et_result res;
  (void)state;
  /* A server that fails on every attempt: ET_E_SERVER (transient: the
   * caller may try again later), no OAuth error (the body was HTML). */
  assert_int_equal(fetch(&s, &w, &t, &res), ET_E_SERVER);
  assert_int_equal(s.played, CONFIG_ET_RETRY_ATTEMPTS);
  assert_int_equal(res.attempts, CONFIG_ET_RETRY_ATTEMPTS);
  assert_int_equal(res.http_status, 500);
  assert_null(res.oauth.error.p);
  assert_true(et_err_is_transient(res.err));
}

static void server_oauth_error_on_5xx_is_kept(void **state) {
  static const char r503[] =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: 72\r\n\r\n"
      "{\"error\":\"temporarily_unavailable\",\"error_codes\":[50196],\"trace_id\":\"t\"}";
  script s = { .scenes = { { ET_OK, r503, 0 }, { ET_OK, r503, 0 }, { ET_OK, r503, 0 } },
               .n_scenes = 3 };
  et_work w;
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, &res), ET_E_SERVER);
  assert_int_equal(s.played, 3);
  assert_int_equal(res.http_status, 503);
  assert_true(et_str_eq(res.oauth.error, ET_STR("temporarily_unavailable")));
  assert_int_equal(res.oauth.error_codes[0], 50196);
  assert_null(t.access_token.p);
}

static void transport_failures_are_retried(void **state) {
  script s = { .scenes = { { ET_E_TIMEOUT, NULL, 0 }, { ET_E_TIMEOUT, NULL, 0 },
                           { ET_OK, OK_V2, 0 } },
               .n_scenes = 3 };
  et_work w;
  et_token t;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_OK);
  assert_int_equal(s.played, 3);
  /* Back-offs of 1 s, then 2 s, each up to a quarter longer. */
  assert_true(s.at[1] >= 1000 && s.at[1] <= 1250);
  assert_true(s.at[2] - s.at[1] >= 2000 && s.at[2] - s.at[1] <= 2500);
}

static void certificate_errors_are_final(void **state) {
  script s = { .scenes = { { ET_E_TLS_VERIFY, NULL, 0 }, { ET_OK, OK_V2, 0 } },
               .n_scenes = 2 };
  et_work w;
  et_token t;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_E_TLS_VERIFY);
  assert_int_equal(s.played, 1);
}

static void truncated_response_is_retried_then_reported(void **state) {
  static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 87\r\n\r\n{\"token_type\"";
  script s = { .scenes = { { ET_OK, cut, 0 }, { ET_OK, cut, 0 }, { ET_OK, cut, 0 } },
               .n_scenes = 3 };
  et_work w;
  et_token t;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_E_TRUNCATED);
  assert_int_equal(s.played, CONFIG_ET_RETRY_ATTEMPTS);
}

/* A 200 response whose JSON body is exactly body_len bytes (>= 64). */
static const char *token_response(size_t body_len, bool chunked) {
  static char out[4096];
  static const char head[] = "{\"token_type\":\"Bearer\",\"access_token\":\"";
  char body[2048];
  size_t fill = body_len - (sizeof head - 1) - 2;
  et_buf b;
  assert_true(body_len < sizeof body);
  memcpy(body, head, sizeof head - 1);
  memset(body + sizeof head - 1, 'A', fill);
  memcpy(body + body_len - 2, "\"}", 2);
  et_buf_init(&b, out, sizeof out - 1);
  et_buf_put_cstr(&b, "HTTP/1.1 200 OK\r\n");
  if (chunked) {
    static const char hex[] = "0123456789abcdef";
    et_buf_put_cstr(&b, "Transfer-Encoding: chunked\r\n\r\n");
    et_buf_put_char(&b, hex[(body_len >> 8) & 15]);
    et_buf_put_char(&b, hex[(body_len >> 4) & 15]);
    et_buf_put_char(&b, hex[body_len & 15]);
    et_buf_put_cstr(&b, "\r\n");
    et_buf_put(&b, body, body_len);
    et_buf_put_cstr(&b, "\r\n0\r\n\r\n");
  } else {
    et_buf_put_cstr(&b, "Content-Length: ");
    et_buf_put_u64(&b, body_len);
    et_buf_put_cstr(&b, "\r\n\r\n");
    et_buf_put(&b, body, body_len);
  }
  assert_int_equal(et_buf_status(&b), ET_OK);
  out[b.len] = '\0';
  return out;
}

static bool has_run_of_a(size_t n) {
  size_t run = 0;
  for (size_t i = 0; i < sizeof g_buf; i++) {
    run = g_buf[i] == 'A' ? run + 1 : 0;
    if (run >= n)
      return true;
  }
  return false;
}

static void request_larger_than_workspace(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = script_port(&s);
  et_app a = app_with(NULL);
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  w.cap = 120; /* the head alone is over 200 bytes */
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_NOSPACE);
  assert_non_null(res.why);
  assert_int_equal(res.attempts, 0);
  assert_int_equal(s.played, 0);
}

static void body_exactly_filling_workspace(void **state) {
  /* The chunked framing after the last body byte arrives when the
   * workspace is already full: it must still be read. */
  script s = { .scenes = { { ET_OK, NULL, 50 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_app a = app_with(NULL);
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  s.scenes[0].response = token_response(400, true);
  w.cap = 400;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, NULL),
                   ET_OK);
  assert_int_equal(t.access_token.n, 400 - 39 - 2);

  s.played = 0;
  s.scenes[0].response = token_response(400, false);
  w = work(sizeof g_buf);
  w.cap = 400;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, NULL),
                   ET_OK);
  assert_int_equal(t.access_token.n, 400 - 39 - 2);
}

static void response_larger_than_workspace(void **state) {
  script s = { .scenes = { { ET_OK, NULL, 50 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_app a = app_with(NULL);
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  for (int chunked = 0; chunked < 2; chunked++) {
    s.played = 0;
    s.scenes[0].response = token_response(401, chunked);
    w = work(sizeof g_buf);
    w.cap = 400;
    assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, NULL),
                     ET_E_RESPONSE_TOO_LARGE);
    assert_int_equal(s.played, 1); /* not retried: it would not fit either */
    /* Nothing of the partial token is left behind. */
    assert_false(has_run_of_a(16));
  }
}

static void debug_log_redacts_the_secret(void **state) {
  script s = { .scenes = { { ET_OK, OK_V2, 0 } }, .n_scenes = 1 };
  et_work w;
  et_token t;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_OK);
#if CONFIG_ET_LOG_LEVEL >= 4
  assert_true(contains(s.log, s.log_len, "client_secret=***"));
  assert_true(contains(s.log, s.log_len, "> POST https://login.microsoftonline.com:443/contoso"));
#endif
  assert_false(contains(s.log, s.log_len, "s%2Bx"));
  assert_false(contains(s.log, s.log_len, "s+x"));
  assert_false(contains(s.log, s.log_len, "eyJ0"));
}

static void cancel_stops_before_connecting_again(void **state) {
  script s = { .scenes = { { ET_E_CONNECT, NULL, 0 }, { ET_OK, OK_V2, 0 } }, .n_scenes = 2 };
  et_work w;
  et_token t;
  (void)state;
  s.cancel_at = 1; /* after the first failed connect, during the back-off */
  s.latency_ms = 1;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_E_CANCELLED);
  assert_int_equal(s.played, 1);
  /* Cancelled before anything: not even one connection. */
  memset(&s, 0, sizeof s);
  s.scenes[0] = (scene){ ET_OK, OK_V2, 0 };
  s.n_scenes = 1;
  s.cancel = true;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_E_CANCELLED);
  assert_int_equal(s.played, 0);
}

static void bad_configuration_never_connects(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = script_port(&s);
  et_app a = app_with("http://login.microsoftonline.com");
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_URL);
  assert_int_equal(res.err, ET_E_URL);
  assert_non_null(res.why);
  a = app_with(NULL);
  a.tenant = ET_STR("../admin");
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_ARG);
  assert_non_null(res.why);
  a = app_with(NULL);
  a.cred.kind = ET_CRED_NONE;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, NULL),
                   ET_E_ARG);
  a = app_with(NULL);
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR_NULL, &w, &t, NULL),
                   ET_E_ARG);
  /* NULL arguments: ET_E_ARG in the result too. */
  assert_int_equal(et_client_credentials(NULL, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_ARG);
  assert_int_equal(res.err, ET_E_ARG);
  assert_int_equal(et_client_credentials(&p, NULL, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_ARG);
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), NULL, &t, &res),
                   ET_E_ARG);
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, NULL, &res),
                   ET_E_ARG);
  /* A port without a clock or randomness cannot drive a flow. */
  p.random = NULL;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_ARG);
  p = script_port(&s);
  p.sleep_ms = NULL;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_ARG);
  assert_int_equal(s.played, 0);
}

static void bad_json_on_success_status(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0 } },
               .n_scenes = 1 };
  et_work w;
  et_token t;
  (void)state;
  assert_int_equal(fetch(&s, &w, &t, NULL), ET_E_JSON_SYNTAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(v2_request_and_token),
    cmocka_unit_test(v1_request_with_resource),
    cmocka_unit_test(oauth_error_is_returned_not_retried),
    cmocka_unit_test(server_error_is_retried_after_backoff),
    cmocka_unit_test(short_retry_after_is_waited_out),
    cmocka_unit_test(long_retry_after_is_returned),
    cmocka_unit_test(persistent_5xx_is_reported),
    cmocka_unit_test(server_oauth_error_on_5xx_is_kept),
    cmocka_unit_test(transport_failures_are_retried),
    cmocka_unit_test(certificate_errors_are_final),
    cmocka_unit_test(truncated_response_is_retried_then_reported),
    cmocka_unit_test(request_larger_than_workspace),
    cmocka_unit_test(body_exactly_filling_workspace),
    cmocka_unit_test(response_larger_than_workspace),
    cmocka_unit_test(debug_log_redacts_the_secret),
    cmocka_unit_test(cancel_stops_before_connecting_again),
    cmocka_unit_test(bad_configuration_never_connects),
    cmocka_unit_test(bad_json_on_success_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
