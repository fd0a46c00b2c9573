/* SPDX-License-Identifier: MIT */
/* Token endpoint bodies: v1 and v2.0 success responses and OAuth errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/et_token.h"

#define NTOK 64

typedef struct body {
  char text[2048];
  size_t len;
  jsmntok_t tok[NTOK];
} body;

static void load(body *b, const char *s) {
  b->len = strlen(s);
  assert_true(b->len < sizeof b->text);
  memcpy(b->text, s, b->len);
}

static bool in_body(const body *b, et_str s) {
  return s.p >= b->text && s.p + s.n <= b->text + b->len;
}

static void assert_str(et_str s, const char *want) {
  assert_non_null(s.p);
  assert_int_equal(s.n, strlen(want));
  assert_memory_equal(s.p, want, s.n);
}

static et_err decode(body *b, const char *s, et_token *t, const char **why) {
  load(b, s);
  return et_token_decode(b->text, b->len, b->tok, NTOK, t, why);
}

static void test_v1(void **state) {
  body b;
  et_token t;
  const char *why = "unset";
  (void)state;
  assert_int_equal(
      decode(&b,
             "{\"token_type\":\"Bearer\",\"expires_in\":\"3599\","
             "\"ext_expires_in\":\"3599\",\"expires_on\":\"1622089429\","
             "\"not_before\":\"1622085529\","
             "\"resource\":\"https://manage.office.com\","
             "\"access_token\":\"eyJ0eXAiOiJKV1Qi.eyJhdWQi.c2ln\"}",
             &t, &why),
      ET_OK);
  assert_null(why);
  assert_str(t.token_type, "Bearer");
  assert_str(t.access_token, "eyJ0eXAiOiJKV1Qi.eyJhdWQi.c2ln");
  assert_true(in_body(&b, t.access_token));
  assert_str(t.resource, "https://manage.office.com");
  assert_true(in_body(&b, t.resource));
  assert_int_equal(t.expires_in, 3599);
  assert_int_equal(t.ext_expires_in, 3599);
  assert_int_equal(t.expires_on, 1622089429);
  assert_int_equal(t.not_before, 1622085529);
  assert_int_equal(t.refresh_in, ET_ABSENT);
  assert_null(t.refresh_token.p);
  assert_int_equal(t.refresh_token.n, 0);
  assert_null(t.id_token.p);
  assert_null(t.scope.p);
}

static void test_v2(void **state) {
  body b;
  et_token t;
  (void)state;
  assert_int_equal(
      decode(&b,
             "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
             "\"ext_expires_in\":3599,\"access_token\":\"eyJ0.x.y\"}",
             &t, NULL),
      ET_OK);
  assert_str(t.token_type, "Bearer");
  assert_str(t.access_token, "eyJ0.x.y");
  assert_int_equal(t.expires_in, 3599);
  assert_int_equal(t.ext_expires_in, 3599);
  assert_int_equal(t.expires_on, ET_ABSENT);
  assert_int_equal(t.not_before, ET_ABSENT);
  assert_int_equal(t.refresh_in, ET_ABSENT);
  assert_null(t.resource.p);
}

static void test_v2_user_flow(void **state) {
  body b;
  et_token t;
  (void)state;
  assert_int_equal(
      decode(&b,
             "{\"token_type\":\"bearer\",\"scope\":\"openid offline_access "
             "https:\\/\\/graph.microsoft.com\\/User.Read\","
             "\"expires_in\":4577,\"ext_expires_in\":4577,\"refresh_in\":2288,"
             "\"access_token\":\"at\",\"refresh_token\":\"rt\\u002b\","
             "\"id_token\":\"idt\",\"client_info\":\"eyJ1aWQi\","
             "\"unknown\":{\"nested\":[1,2,{\"x\":null}]}}",
             &t, NULL),
      ET_OK);
  assert_str(t.token_type, "bearer"); /* case-insensitive */
  assert_str(t.scope, "openid offline_access https://graph.microsoft.com/User.Read");
  assert_str(t.refresh_token, "rt+");
  assert_str(t.id_token, "idt");
  assert_int_equal(t.refresh_in, 2288);
  assert_int_equal(t.expires_in, 4577);
}

static void test_adme_sample(void **state) {
  body b;
  et_token t;
  (void)state;
  assert_int_equal(
      decode(&b,
             "{\n  \"token_type\": \"Bearer\",\n  \"expires_in\": 86399,\n"
             "  \"ext_expires_in\": 86399,\n  \"access_token\": \"abc.def.ghi\"\n}\n",
             &t, NULL),
      ET_OK);
  assert_int_equal(t.expires_in, 86399);
  assert_int_equal(t.ext_expires_in, 86399);
  assert_str(t.access_token, "abc.def.ghi");
}

typedef struct bad_case {
  const char *json;
  et_err err;
  const char *why;
} bad_case;

static void test_token_rejects(void **state) {
  static const bad_case bad[] = {
    { "{\"token_type\":\"Bearer\",\"expires_in\":3599}", ET_E_JSON_FIELD,
      "access_token: missing or empty" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"\"}", ET_E_JSON_FIELD,
      "access_token: missing or empty" },
    { "{\"token_type\":\"Bearer\",\"access_token\":42}", ET_E_JSON_FIELD,
      "access_token: expected a string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":null}", ET_E_JSON_FIELD,
      "access_token: expected a string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":{\"a\":1}}",
      ET_E_JSON_FIELD, "access_token: expected a string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"\\ud800\"}",
      ET_E_JSON_SYNTAX, "access_token: bad escape in string" },
    { "{\"access_token\":\"x\"}", ET_E_JSON_FIELD,
      "token_type: missing or empty" },
    { "{\"token_type\":\"mac\",\"access_token\":\"x\"}", ET_E_JSON_FIELD,
      "token_type is not Bearer" },
    { "{\"token_type\":\"Bearerx\",\"access_token\":\"x\"}", ET_E_JSON_FIELD,
      "token_type is not Bearer" },
    { "{\"token_type\":true,\"access_token\":\"x\"}", ET_E_JSON_FIELD,
      "token_type: expected a string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"expires_in\":\"abc\"}",
      ET_E_JSON_FIELD, "expires_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"expires_in\":1.5}",
      ET_E_JSON_FIELD, "expires_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"expires_in\":true}",
      ET_E_JSON_FIELD, "expires_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"expires_in\":null}",
      ET_E_JSON_FIELD, "expires_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"expires_in\":-5}",
      ET_E_JSON_FIELD, "expires_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\","
      "\"expires_in\":9223372036854775808}",
      ET_E_JSON_FIELD, "expires_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"expires_on\":[]}",
      ET_E_JSON_FIELD, "expires_on: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"refresh_in\":\"\"}",
      ET_E_JSON_FIELD, "refresh_in: expected a number or digit string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"refresh_token\":null}",
      ET_E_JSON_FIELD, "refresh_token: expected a string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",\"scope\":[\"a\"]}",
      ET_E_JSON_FIELD, "scope: expected a string" },
    { "{\"token_type\":\"Bearer\",\"access_token\":\"x\",}", ET_E_JSON_SYNTAX,
      "token response: not a JSON object" },
    { "Too Many Requests", ET_E_JSON_SYNTAX,
      "token response: not a JSON object" },
    { "", ET_E_JSON_SYNTAX, "token response: not a JSON object" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    body b;
    et_token t;
    const char *why = NULL;
    print_message("case %zu: %s\n", i, bad[i].json);
    assert_int_equal(decode(&b, bad[i].json, &t, &why), bad[i].err);
    assert_non_null(why);
    assert_string_equal(why, bad[i].why);
  }
}

static void test_token_limits(void **state) {
  static const char s[] =
      "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"x\","
      "\"expires_on\":\"9223372036854775807\"}";
  body b;
  et_token t;
  const char *why;
  (void)state;
  load(&b, s);
  assert_int_equal(et_token_decode(b.text, b.len, b.tok, 9, &t, &why), ET_OK);
  assert_true(t.expires_on == INT64_MAX);
  load(&b, s);
  assert_int_equal(et_token_decode(b.text, b.len, b.tok, 8, &t, &why),
                   ET_E_JSON_TOKENS);
  assert_non_null(why);
  assert_int_equal(t.expires_in, ET_ABSENT); /* struct reset first */
  assert_null(t.access_token.p);
  assert_int_equal(et_token_decode(b.text, b.len, b.tok, 9, NULL, &why),
                   ET_E_ARG);
}

static const char adme_error[] =
    "{\"error\":\"invalid_scope\",\r\n"
    " \"error_description\":\"AADSTS70011: The provided value for the input "
    "parameter 'scope' isn't valid. ...\\r\\nTrace ID: "
    "0000aaaa-11bb-cccc-dd33-eeeeee333333\\r\\nCorrelation ID: "
    "aaaa0000-bb11-2222-33cc-444444dddddd\\r\\nTimestamp: 2016-01-09 "
    "02:02:12Z\",\n"
    " \"error_codes\":[70011],\"timestamp\":\"2016-01-09 02:02:12Z\",\n"
    " \"trace_id\":\"0000aaaa-11bb-cccc-dd33-eeeeee333333\",\n"
    " \"correlation_id\":\"aaaa0000-bb11-2222-33cc-444444dddddd\",\n"
    " \"error_uri\":\"https://login.microsoftonline.com/error?code=70011\"}";

static et_err decode_err(body *b, const char *s, et_oauth_error *e,
                         const char **why) {
  load(b, s);
  return et_oauth_error_decode(b->text, b->len, b->tok, NTOK, e, why);
}

static void test_error_protocol_notes(void **state) {
  body b;
  et_oauth_error e;
  const char *why = "unset";
  (void)state;
  memset(&e, 0xA5, sizeof e);
  assert_int_equal(decode_err(&b, adme_error, &e, &why), ET_OK);
  assert_null(why);
  assert_str(e.error, "invalid_scope");
  assert_str(e.error_description,
             "AADSTS70011: The provided value for the input parameter "
             "'scope' isn't valid. ...\r\nTrace ID: "
             "0000aaaa-11bb-cccc-dd33-eeeeee333333\r\nCorrelation ID: "
             "aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2016-01-09 "
             "02:02:12Z");
  assert_true(in_body(&b, e.error_description));
  assert_str(e.timestamp, "2016-01-09 02:02:12Z");
  assert_str(e.trace_id, "0000aaaa-11bb-cccc-dd33-eeeeee333333");
  assert_str(e.correlation_id, "aaaa0000-bb11-2222-33cc-444444dddddd");
  assert_str(e.error_uri, "https://login.microsoftonline.com/error?code=70011");
  assert_int_equal(e.n_error_codes, 1);
  assert_int_equal(e.error_codes[0], 70011);
  for (size_t i = 1; i < CONFIG_ET_MAX_ERROR_CODES; i++)
    assert_int_equal(e.error_codes[i], 0);
  assert_null(e.suberror.p);
  assert_null(e.claims.p);
}

static void test_error_extras(void **state) {
  body b;
  et_oauth_error e;
  (void)state;
  assert_int_equal(
      decode_err(&b,
                 "{\"error\":\"invalid_grant\",\"error_codes\":[70002,54005],"
                 "\"suberror\":\"consent_required\","
                 "\"claims\":\"{\\\"access_token\\\":{\\\"capolids\\\":"
                 "{\\\"essential\\\":true}}}\"}",
                 &e, NULL),
      ET_OK);
  assert_str(e.error, "invalid_grant");
  assert_int_equal(e.n_error_codes, 2);
  assert_int_equal(e.error_codes[0], 70002);
  assert_int_equal(e.error_codes[1], 54005);
  assert_str(e.suberror, "consent_required");
  assert_str(e.claims,
             "{\"access_token\":{\"capolids\":{\"essential\":true}}}");
  assert_null(e.error_description.p);

  /* Empty list, and the largest uint32. */
  assert_int_equal(decode_err(&b, "{\"error\":\"x\",\"error_codes\":[]}", &e,
                              NULL), ET_OK);
  assert_int_equal(e.n_error_codes, 0);
  assert_int_equal(decode_err(&b, "{\"error\":\"x\",\"error_codes\":"
                                  "[4294967295]}", &e, NULL), ET_OK);
  assert_int_equal(e.n_error_codes, 1);
  assert_true(e.error_codes[0] == UINT32_MAX);
}

static void test_error_codes_capacity(void **state) {
  body b;
  et_oauth_error e;
  char s[256];
  size_t n;
  (void)state;
  /* Capacity + 2 codes: the first CONFIG_ET_MAX_ERROR_CODES are kept. */
  strcpy(s, "{\"error\":\"x\",\"error_codes\":[");
  n = strlen(s);
  for (unsigned i = 0; i < CONFIG_ET_MAX_ERROR_CODES + 2; i++) {
    s[n++] = i ? ',' : '1';
    if (i)
      s[n++] = '1';
    s[n++] = (char)('0' + i);
  }
  strcpy(s + n, "],\"trace_id\":\"t\"}");
  assert_int_equal(decode_err(&b, s, &e, NULL), ET_OK);
  assert_int_equal(e.n_error_codes, CONFIG_ET_MAX_ERROR_CODES);
  for (unsigned i = 0; i < CONFIG_ET_MAX_ERROR_CODES; i++)
    assert_int_equal(e.error_codes[i], 10 + i);
  assert_str(e.trace_id, "t");
  /* Elements past the capacity are still checked. */
  strcpy(s + n - 1, "x]}");
  assert_int_equal(decode_err(&b, s, &e, NULL), ET_E_JSON_SYNTAX);
  strcpy(s + n - 2, "\"5\"]}");
  assert_int_equal(decode_err(&b, s, &e, NULL), ET_E_JSON_FIELD);
}

static void test_error_rejects(void **state) {
  static const bad_case bad[] = {
    { "{\"error_description\":\"no code\"}", ET_E_JSON_FIELD,
      "error: missing or empty" },
    { "{\"error\":\"\"}", ET_E_JSON_FIELD, "error: missing or empty" },
    { "{\"error\":400}", ET_E_JSON_FIELD, "error: expected a string" },
    { "{\"error\":\"x\",\"error_codes\":[\"70011\"]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":[70011,\"a\"]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":70011}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":[-1]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":[4294967296]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":[1.5]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":[[1]]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"error_codes\":[null]}", ET_E_JSON_FIELD,
      "error_codes: expected an array of non-negative integers" },
    { "{\"error\":\"x\",\"trace_id\":7}", ET_E_JSON_FIELD,
      "trace_id: expected a string" },
    { "{\"error\":\"x\",\"claims\":{\"a\":1}}", ET_E_JSON_FIELD,
      "claims: expected a string" },
    { "{\"error\":\"x\",\"error_description\":\"\\u0000\"}", ET_E_JSON_SYNTAX,
      "error_description: bad escape in string" },
    { "Too Many Requests", ET_E_JSON_SYNTAX,
      "error response: not a JSON object" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    body b;
    et_oauth_error e;
    const char *why = NULL;
    print_message("case %zu: %s\n", i, bad[i].json);
    assert_int_equal(decode_err(&b, bad[i].json, &e, &why), bad[i].err);
    assert_non_null(why);
    assert_string_equal(why, bad[i].why);
  }
  {
    body b;
    const char *why;
    load(&b, adme_error);
    assert_int_equal(et_oauth_error_decode(b.text, b.len, b.tok, 3, NULL, &why),
                     ET_E_ARG);
    et_oauth_error e;
    assert_int_equal(et_oauth_error_decode(b.text, b.len, b.tok, 3, &e, &why),
                     ET_E_JSON_TOKENS);
    assert_non_null(why);
    assert_int_equal(e.n_error_codes, 0);
    assert_null(e.error.p);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_v1),
    cmocka_unit_test(test_v2),
    cmocka_unit_test(test_v2_user_flow),
    cmocka_unit_test(test_adme_sample),
    cmocka_unit_test(test_token_rejects),
    cmocka_unit_test(test_token_limits),
    cmocka_unit_test(test_error_protocol_notes),
    cmocka_unit_test(test_error_extras),
    cmocka_unit_test(test_error_codes_capacity),
    cmocka_unit_test(test_error_rejects),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
