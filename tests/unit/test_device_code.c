/* SPDX-License-Identifier: MIT */
/* The devicecode response decoder: Entra's v2.0 shape (JSON numbers,
 * verification_uri) and v1 shape (digit strings, verification_url), and
 * every malformed answer refused with a typed error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

static jsmntok_t g_tok[64];
static char g_body[2048];

/* Decode a copy of text (the decoder works in place). */
static et_err decode(const char *text, et_device_code *dc, const char **why) {
  size_t n = strlen(text);
  assert_true(n < sizeof g_body);
  memcpy(g_body, text, n + 1);
  return et_device_code_decode(g_body, n, g_tok, 64, dc, why);
}

static void v2_shape(void **state) {
  et_device_code dc;
  const char *why = "x";
  (void)state;
  assert_int_equal(decode("{\"user_code\":\"GFP4D2W9S\",\"device_code\":\"DAQAB-x_y\","
                          "\"verification_uri\":\"https://microsoft.com/devicelogin\","
                          "\"expires_in\":900,\"interval\":5,\"message\":\"To sign in, "
                          "use a web browser \\u00e9 \\\"quoted\\\"\"}", &dc, &why),
                   ET_OK);
  assert_null(why);
  assert_true(et_str_eq(dc.device_code, ET_STR("DAQAB-x_y")));
  assert_true(et_str_eq(dc.user_code, ET_STR("GFP4D2W9S")));
  assert_true(et_str_eq(dc.verification_uri, ET_STR("https://microsoft.com/devicelogin")));
  assert_true(et_str_eq(dc.message,
                        ET_STR("To sign in, use a web browser \xc3\xa9 \"quoted\"")));
  assert_int_equal(dc.expires_in, 900);
  assert_int_equal(dc.interval, 5);
  assert_int_equal(dc.issued_ms, 0);
}

static void v1_shape_string_numbers(void **state) {
  et_device_code dc;
  (void)state;
  assert_int_equal(decode("{\"user_code\":\"ABC\",\"device_code\":\"D\","
                          "\"verification_url\":\"https://aka.ms/devicelogin\","
                          "\"expires_in\":\"900\",\"interval\":\"7\",\"message\":\"m\"}",
                          &dc, NULL), ET_OK);
  assert_true(et_str_eq(dc.verification_uri, ET_STR("https://aka.ms/devicelogin")));
  assert_int_equal(dc.expires_in, 900);
  assert_int_equal(dc.interval, 7);
}

static void interval_defaults_to_5_and_message_is_optional(void **state) {
  et_device_code dc;
  (void)state;
  assert_int_equal(decode("{\"user_code\":\"U\",\"device_code\":\"D\","
                          "\"verification_uri\":\"https://v\",\"expires_in\":60}", &dc, NULL),
                   ET_OK);
  assert_int_equal(dc.interval, ET_DEVICE_DEFAULT_INTERVAL_S);
  assert_int_equal(dc.message.n, 0);
}

static void uri_wins_over_url_when_both(void **state) {
  et_device_code dc;
  (void)state;
  assert_int_equal(decode("{\"user_code\":\"U\",\"device_code\":\"D\","
                          "\"verification_url\":\"https://old\","
                          "\"verification_uri\":\"https://new\",\"expires_in\":60}", &dc, NULL),
                   ET_OK);
  assert_true(et_str_eq(dc.verification_uri, ET_STR("https://new")));
}

#define GOOD_PREFIX "{\"user_code\":\"U\",\"device_code\":\"SECRETCODE\","

static void bad_fields_are_typed_errors(void **state) {
  static const struct {
    const char *body;
    et_err want;
  } cases[] = {
    { "{\"user_code\":\"U\",\"verification_uri\":\"https://v\",\"expires_in\":9}",
      ET_E_JSON_FIELD },                                           /* no device_code */
    { "{\"device_code\":\"\",\"user_code\":\"U\",\"verification_uri\":\"v\",\"expires_in\":9}",
      ET_E_JSON_FIELD },                                           /* empty */
    { "{\"device_code\":5,\"user_code\":\"U\",\"verification_uri\":\"v\",\"expires_in\":9}",
      ET_E_JSON_FIELD },                                           /* not a string */
    { "{\"device_code\":\"D\",\"verification_uri\":\"v\",\"expires_in\":9}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"expires_in\":9}", ET_E_JSON_FIELD },           /* no uri */
    { GOOD_PREFIX "\"verification_uri\":\"\",\"expires_in\":9}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":null,\"expires_in\":9}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_url\":[],\"expires_in\":9}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\"}", ET_E_JSON_FIELD },  /* no expires_in */
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":0}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":-5}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":9.5}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":\"9s\"}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":86401}", ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":9,\"interval\":0}",
      ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":9,\"interval\":3601}",
      ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":9,\"interval\":\"\"}",
      ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":9,\"message\":1}",
      ET_E_JSON_FIELD },
    { GOOD_PREFIX "\"verification_uri\":\"\\ud800\",\"expires_in\":9}", ET_E_JSON_SYNTAX },
    { GOOD_PREFIX "\"verification_uri\":\"v\",\"expires_in\":9", ET_E_JSON_SYNTAX },
    { "[\"device_code\"]", ET_E_JSON_SYNTAX },
    { "", ET_E_JSON_SYNTAX },
    { "Too Many Requests", ET_E_JSON_SYNTAX },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    et_device_code dc;
    const char *why = NULL;
    size_t n = strlen(cases[i].body);
    et_err e = decode(cases[i].body, &dc, &why);
    if (e != cases[i].want)
      fail_msg("case %zu: got %d (%s), want %d", i, e, why ? why : "-", cases[i].want);
    assert_non_null(why);
    /* Nothing half-decoded is handed out, and the code left the buffer. */
    assert_null(dc.device_code.p);
    assert_int_equal(dc.expires_in, 0);
    if (e == ET_E_JSON_FIELD)
      for (size_t k = 0; k + 10 <= n; k++)
        assert_memory_not_equal(g_body + k, "SECRETCODE", 10);
  }
}

static void too_few_tokens(void **state) {
  et_device_code dc;
  const char *why = NULL;
  static const char body[] = "{\"user_code\":\"U\",\"device_code\":\"D\","
                             "\"verification_uri\":\"v\",\"expires_in\":9}";
  (void)state;
  memcpy(g_body, body, sizeof body);
  assert_int_equal(et_device_code_decode(g_body, sizeof body - 1, g_tok, 4, &dc, &why),
                   ET_E_JSON_TOKENS);
  assert_non_null(why);
  assert_int_equal(et_device_code_decode(g_body, 0, g_tok, 64, NULL, NULL), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(v2_shape),
    cmocka_unit_test(v1_shape_string_numbers),
    cmocka_unit_test(interval_defaults_to_5_and_message_is_optional),
    cmocka_unit_test(uri_wins_over_url_when_both),
    cmocka_unit_test(bad_fields_are_typed_errors),
    cmocka_unit_test(too_few_tokens),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
