/* SPDX-License-Identifier: MIT */
/* Core built for one authority (CONFIG_ET_FIXED_AUTHORITY, host
 * "login.example.test", port 8443, prefix "/idp"), without
 * client_secret_basic and without Retry-After dates: the flows go to the
 * build's authority with the run-time tenant, URLs handed in at run time
 * and ET_AUTH_BASIC are refused with ET_E_DISABLED, the Basic header
 * writer says so too, and a Retry-After date gets the usual back-off.
 * Built by `make fixed-authority-test` with core compiled for it (not a
 * test_*.c: the other unit tests link the default core). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#if !CONFIG_ET_FIXED_AUTHORITY || CONFIG_ET_CRED_SECRET_BASIC || CONFIG_ET_RETRY_AFTER_DATE
#error "build with -DCONFIG_ET_FIXED_AUTHORITY=1 -DCONFIG_ET_CRED_SECRET_BASIC=0 -DCONFIG_ET_RETRY_AFTER_DATE=0"
#endif

#define OK_V2                                                                  \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"                      \
  "Content-Length: 64\r\n\r\n"                                                 \
  "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"a.b.c\"}"

static uint8_t g_buf[4096];
static jsmntok_t g_tok[64];

static et_err fetch(script *s, const et_app *a, et_token *t, et_result *res) {
  et_port p = script_port(s);
  et_work w = { g_buf, sizeof g_buf, g_tok, 64, NULL };
  return et_client_credentials(&p, a, ET_ENDPOINT_V2, ET_STR("x/.default"), &w, t, res);
}

static void goes_to_the_builds_authority(void **state) {
  script s = { .scenes = { { ET_OK, OK_V2, 5 } }, .n_scenes = 1 };
  et_app a = fake_app("secret");
  et_token t;
  et_result res;
  et_buf url;
  char text[128];
  (void)state;
  assert_int_equal(fetch(&s, &a, &t, &res), ET_OK);
  assert_true(et_str_eq(s.host, ET_STR("login.example.test")));
  assert_int_equal(s.port, 8443);
  assert_memory_equal(s.sent, "POST /idp/contoso/oauth2/v2.0/token HTTP/1.1\r\n", 46);
  assert_true(contains(s.sent, s.sent_len, "\r\nHost: login.example.test:8443\r\n"));
  assert_true(contains(s.sent, s.sent_len, "&client_secret=secret"));
  assert_true(et_str_eq(t.access_token, ET_STR("a.b.c")));
  et_buf_init(&url, text, sizeof text);
  et_result_url(&res, &url);
  assert_true(et_str_eq((et_str){ text, url.len },
                        ET_STR("https://login.example.test:8443/idp/contoso/oauth2/v2.0/token")));
}

/* Refused before any connection: run-time URLs (the build has its own),
 * and a bad tenant (still checked). */
static void refused_before_connecting(void **state) {
  static const struct {
    const char *authority, *token_endpoint, *tenant;
    et_err want;
  } cases[] = {
    { "https://login.example.test:8443/idp", "", "contoso", ET_E_DISABLED },
    { "", "https://other.test/token", "contoso", ET_E_DISABLED },
    { "", "", "../x", ET_E_ARG },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    script s = { .n_scenes = 0 };
    et_app a = fake_app("secret");
    et_token t;
    et_result res;
    a.authority = et_str_from_cstr(cases[i].authority);
    a.token_endpoint = et_str_from_cstr(cases[i].token_endpoint);
    a.tenant = et_str_from_cstr(cases[i].tenant);
    assert_int_equal(fetch(&s, &a, &t, &res), cases[i].want);
    assert_int_equal(s.opens, 0);
  }
}

static void secret_basic_is_compiled_out(void **state) {
  script s = { .n_scenes = 0 };
  et_app a = fake_app("secret");
  et_token t;
  et_result res;
  et_http_request hr;
  char head[256];
  et_buf b;
  (void)state;
  a.client_auth = ET_AUTH_BASIC;
  assert_int_equal(fetch(&s, &a, &t, &res), ET_E_DISABLED);
  assert_int_equal(s.opens, 0);
  memset(&hr, 0, sizeof hr);
  hr.method = ET_STR("POST");
  hr.host = ET_STR("h");
  hr.port = 443;
  hr.tls = true;
  hr.path = ET_STR("/");
  hr.basic_user = ET_STR("u");
  hr.basic_pass = ET_STR("p");
  et_buf_init(&b, head, sizeof head);
  assert_int_equal(et_http_request_write(&b, &hr), ET_E_DISABLED);
}

/* A date 30 s ahead of the answer's Date would wait 30 s with dates on;
 * here it is no Retry-After at all: the first back-off (1 s + jitter). */
static void retry_after_date_is_left_to_the_backoff(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 503 Busy\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                    "Retry-After: Sun, 06 Nov 1994 08:50:07 GMT\r\n"
                                    "Content-Length: 0\r\n\r\n", 0 },
                           { ET_OK, OK_V2, 0 } },
               .n_scenes = 2, .no_jitter = true };
  et_app a = fake_app("secret");
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(fetch(&s, &a, &t, &res), ET_OK);
  assert_int_equal(s.played, 2);
  assert_true(s.slept_ms >= 1000 && s.slept_ms <= 1250);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(goes_to_the_builds_authority),
    cmocka_unit_test(refused_before_connecting),
    cmocka_unit_test(secret_basic_is_compiled_out),
    cmocka_unit_test(retry_after_date_is_left_to_the_backoff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
