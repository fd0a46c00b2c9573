/* SPDX-License-Identifier: MIT */
/* base64url: RFC 4648 vectors, the URL alphabet, in-place decoding and
 * rejection of non-canonical input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/et_b64url.h"

static const struct {
  const char *raw, *enc;
} vectors[] = {
  { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
  { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
};

static void rfc4648_vectors_both_ways(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    char out[16];
    uint8_t back[16];
    size_t n = 99, rl = strlen(vectors[i].raw);
    et_buf b;
    et_buf_init(&b, out, sizeof out);
    et_b64url_encode(&b, (const uint8_t *)vectors[i].raw, rl);
    assert_int_equal(b.len, strlen(vectors[i].enc));
    assert_int_equal(b.len, ET_B64URL_LEN(rl));
    assert_memory_equal(out, vectors[i].enc, b.len);
    assert_int_equal(et_b64url_decode(et_str_from_cstr(vectors[i].enc), back, sizeof back, &n),
                     ET_OK);
    assert_int_equal(n, rl);
    assert_memory_equal(back, vectors[i].raw, n);
  }
}

static void url_alphabet(void **state) {
  static const uint8_t raw[] = { 0xfb, 0xff, 0xbf };
  char out[8];
  uint8_t back[3];
  size_t n;
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_b64url_encode(&b, raw, sizeof raw);
  assert_int_equal(b.len, 4);
  assert_memory_equal(out, "-_-_", 4);
  assert_int_equal(et_b64url_decode(ET_STR("-_-_"), back, sizeof back, &n), ET_OK);
  assert_memory_equal(back, raw, 3);
  assert_int_equal(et_b64url_decode(ET_STR("+/+/"), back, sizeof back, &n), ET_E_ARG);
}

static void in_place_and_padding(void **state) {
  char text[] = "Zm9vYmE=";
  size_t n;
  (void)state;
  assert_int_equal(et_b64url_decode((et_str){ text, 8 }, (uint8_t *)text, 8, &n), ET_OK);
  assert_int_equal(n, 5);
  assert_memory_equal(text, "fooba", 5);
}

static void rejects_bad_input(void **state) {
  uint8_t out[16];
  size_t n;
  (void)state;
  assert_int_equal(et_b64url_decode(ET_STR("Zg=="), out, sizeof out, &n), ET_OK);
  assert_int_equal(et_b64url_decode(ET_STR("Z"), out, sizeof out, &n), ET_E_ARG);
  assert_int_equal(et_b64url_decode(ET_STR("Zh"), out, sizeof out, &n), ET_E_ARG); /* bits */
  assert_int_equal(et_b64url_decode(ET_STR("Zm9v Yg"), out, sizeof out, &n), ET_E_ARG);
  assert_int_equal(et_b64url_decode(ET_STR("Zg==="), out, sizeof out, &n), ET_E_ARG);
  assert_int_equal(et_b64url_decode(ET_STR("=Zg"), out, sizeof out, &n), ET_E_ARG);
  assert_int_equal(et_b64url_decode(ET_STR("Zm9vYmFy"), out, 5, &n), ET_E_NOSPACE);
  assert_int_equal(et_b64url_decode(ET_STR("Zm9vYmFy"), out, 6, &n), ET_OK);
}

static void overflow_is_reported(void **state) {
  char out[5];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_b64url_encode(&b, (const uint8_t *)"foobar", 6);
  assert_int_equal(et_buf_status(&b), ET_E_NOSPACE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(rfc4648_vectors_both_ways),
    cmocka_unit_test(url_alphabet),
    cmocka_unit_test(in_place_and_padding),
    cmocka_unit_test(rejects_bad_input),
    cmocka_unit_test(overflow_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
