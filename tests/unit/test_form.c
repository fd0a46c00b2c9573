/* SPDX-License-Identifier: MIT */
/* Form encoding and the sticky append buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

static void encodes_reserved_bytes(void **state) {
  char out[128];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  /* A real-looking Entra secret: '+', '/', '=', '~' and a space. */
  et_form_encode(&b, ET_STR("a+b/c=d~e f&g%\x01\xff"));
  assert_int_equal(et_buf_status(&b), ET_OK);
  assert_int_equal(b.len, strlen("a%2Bb%2Fc%3Dd~e%20f%26g%25%01%FF"));
  assert_memory_equal(out, "a%2Bb%2Fc%3Dd~e%20f%26g%25%01%FF", b.len);
}

static void unreserved_pass_through(void **state) {
  static const char keep[] = "ABCXYZabcxyz0189-._~";
  char out[64];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_form_encode(&b, (et_str){ keep, sizeof keep - 1 }); /* ET_STR takes literals only */
  assert_int_equal(b.len, sizeof keep - 1);
  assert_memory_equal(out, keep, b.len);
}

static void appends_pairs_with_separators(void **state) {
  char out[128];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_form_append(&b, "grant_type", ET_STR("client_credentials"));
  et_form_append(&b, "scope", ET_STR("api://x/.default openid"));
  et_form_append_secret(&b, "client_secret", ET_STR("p+w"));
  assert_int_equal(et_buf_status(&b), ET_OK);
  static const char want[] =
      "grant_type=client_credentials&scope=api%3A%2F%2Fx%2F.default%20openid"
      "&client_secret=p%2Bw";
  assert_int_equal(b.len, sizeof want - 1);
  assert_memory_equal(out, want, b.len);
}

static void redact_mode_hides_secrets(void **state) {
  char out[128];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  b.redact = true;
  et_form_append(&b, "client_id", ET_STR("abc"));
  et_form_append_secret(&b, "client_secret", ET_STR("hunter2"));
  assert_int_equal(b.len, strlen("client_id=abc&client_secret=***"));
  assert_memory_equal(out, "client_id=abc&client_secret=***", b.len);
  for (size_t i = 0; i + 7 <= b.len; i++)
    assert_memory_not_equal(out + i, "hunter2", 7);
}

static void append_from_skips_prefix(void **state) {
  char out[64];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_buf_put_cstr(&b, "/authorize?");
  et_form_append_from(&b, b.len, "a", ET_STR("1"));
  et_form_append_from(&b, 11, "b", ET_STR("2"));
  assert_int_equal(b.len, strlen("/authorize?a=1&b=2"));
  assert_memory_equal(out, "/authorize?a=1&b=2", b.len);
}

static void overflow_is_sticky_and_exact_fit_is_not(void **state) {
  char out[9];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, 8);
  et_form_append(&b, "a", ET_STR("123456")); /* "a=123456": exactly 8 */
  assert_int_equal(et_buf_status(&b), ET_OK);
  assert_int_equal(b.len, 8);

  et_buf_init(&b, out, 7);
  et_form_append(&b, "a", ET_STR("123456"));
  assert_int_equal(et_buf_status(&b), ET_E_NOSPACE);
  et_buf_put_char(&b, 'x'); /* later small writes must not sneak in */
  assert_int_equal(et_buf_status(&b), ET_E_NOSPACE);
  assert_true(b.len <= 7);
}

static void escape_never_split(void **state) {
  char out[4];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_form_encode(&b, ET_STR("ab+")); /* "ab%2B" needs 5 */
  assert_int_equal(et_buf_status(&b), ET_E_NOSPACE);
}

static void counting_mode_measures(void **state) {
  et_buf b;
  (void)state;
  et_buf_init(&b, NULL, 0);
  et_form_append(&b, "k", ET_STR("a b"));
  et_buf_put_u64(&b, 18446744073709551615u);
  assert_int_equal(et_buf_status(&b), ET_OK);
  assert_int_equal(b.len, strlen("k=a%20b") + 20);
}

static void u64_to_text(void **state) {
  char out[32];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_buf_put_u64(&b, 0);
  et_buf_put_char(&b, ',');
  et_buf_put_u64(&b, 18446744073709551615u);
  assert_int_equal(b.len, strlen("0,18446744073709551615"));
  assert_memory_equal(out, "0,18446744073709551615", b.len);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(encodes_reserved_bytes),
    cmocka_unit_test(unreserved_pass_through),
    cmocka_unit_test(appends_pairs_with_separators),
    cmocka_unit_test(redact_mode_hides_secrets),
    cmocka_unit_test(append_from_skips_prefix),
    cmocka_unit_test(overflow_is_sticky_and_exact_fit_is_not),
    cmocka_unit_test(escape_never_split),
    cmocka_unit_test(counting_mode_measures),
    cmocka_unit_test(u64_to_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
