/* SPDX-License-Identifier: MIT */
/* Spans, numbers, constant-time compare, wiping, authorities, tenants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

static void span_compare(void **state) {
  (void)state;
  assert_true(et_str_eq(ET_STR("Bearer"), et_str_from_cstr("Bearer")));
  assert_false(et_str_eq(ET_STR("Bearer"), ET_STR("bearer")));
  assert_true(et_str_eq_nocase(ET_STR("Bearer"), ET_STR("bEARER")));
  assert_false(et_str_eq_nocase(ET_STR("Bearer"), ET_STR("Bearer ")));
  assert_true(et_str_starts_with(ET_STR("https://x"), ET_STR("https://")));
  assert_false(et_str_starts_with(ET_STR("http"), ET_STR("https")));
  assert_int_equal(et_str_from_cstr(NULL).n, 0);
}

static void decimal_parse(void **state) {
  uint64_t v = 7;
  (void)state;
  assert_int_equal(et_str_to_u64(ET_STR("0"), 10, &v), ET_OK);
  assert_int_equal(v, 0);
  assert_int_equal(et_str_to_u64(ET_STR("3599"), UINT32_MAX, &v), ET_OK);
  assert_int_equal(v, 3599);
  assert_int_equal(et_str_to_u64(ET_STR("18446744073709551615"), UINT64_MAX, &v), ET_OK);
  assert_true(v == UINT64_MAX);
  assert_int_equal(et_str_to_u64(ET_STR("18446744073709551616"), UINT64_MAX, &v), ET_E_ARG);
  assert_int_equal(et_str_to_u64(ET_STR("65536"), 65535, &v), ET_E_ARG);
  assert_int_equal(et_str_to_u64(ET_STR("65535"), 65535, &v), ET_OK);
  assert_int_equal(et_str_to_u64(ET_STR("5"), 3, &v), ET_E_ARG); /* max below a digit */
  assert_int_equal(et_str_to_u64(ET_STR("3599"), 2, &v), ET_E_ARG);
  assert_int_equal(et_str_to_u64(ET_STR("3"), 3, &v), ET_OK);
  assert_int_equal(v, 3);
  assert_int_equal(et_str_to_u64(ET_STR(""), 10, &v), ET_E_ARG);
  assert_int_equal(et_str_to_u64(ET_STR("-1"), 10, &v), ET_E_ARG);
  assert_int_equal(et_str_to_u64(ET_STR("1 "), 10, &v), ET_E_ARG);
}

/* Decimal writing divides in 16-bit limbs: check across their borders. */
static void decimal_write(void **state) {
  static const struct {
    uint64_t v;
    const char *text;
  } cases[] = {
    { 0, "0" }, { 9, "9" }, { 10, "10" }, { 65535, "65535" }, { 65536, "65536" },
    { 4294967295u, "4294967295" }, { 4294967296u, "4294967296" },
    { 281474976710656u, "281474976710656" }, { 10000000000000000000u, "10000000000000000000" },
    { UINT64_MAX, "18446744073709551615" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[24];
    et_buf b;
    et_buf_init(&b, out, sizeof out);
    et_buf_put_u64(&b, cases[i].v);
    assert_int_equal(b.len, strlen(cases[i].text));
    assert_memory_equal(out, cases[i].text, b.len);
  }
}

/* et_u64_push_digit refuses what would pass max and leaves *v alone. */
static void digit_push(void **state) {
  uint64_t v = 1844674407370955161u;
  (void)state;
  assert_true(et_u64_push_digit(&v, '5', UINT64_MAX));
  assert_true(v == UINT64_MAX);
  v = 1844674407370955161u;
  assert_false(et_u64_push_digit(&v, '6', UINT64_MAX));
  assert_true(v == 1844674407370955161u);
  v = 1844674407370955162u; /* times ten wraps */
  assert_false(et_u64_push_digit(&v, '0', UINT64_MAX));
  v = 0;
  assert_false(et_u64_push_digit(&v, '7', 5)); /* max below the digit */
  assert_true(et_u64_push_digit(&v, '5', 5));
  assert_false(et_u64_push_digit(&v, '0', 5));
  assert_false(et_u64_push_digit(&v, '/', UINT64_MAX));
  assert_false(et_u64_push_digit(&v, ':', UINT64_MAX));
  assert_true(v == 5);
}

static void constant_time_equality(void **state) {
  (void)state;
  assert_true(et_ct_eq((const uint8_t *)"abc", 3, (const uint8_t *)"abc", 3));
  assert_false(et_ct_eq((const uint8_t *)"abc", 3, (const uint8_t *)"abd", 3));
  assert_false(et_ct_eq((const uint8_t *)"abc", 3, (const uint8_t *)"abcd", 4));
  assert_false(et_ct_eq((const uint8_t *)"abc", 3, (const uint8_t *)"ab", 2));
  assert_true(et_ct_eq(NULL, 0, NULL, 0));
}

static void wipe_zeroes(void **state) {
  char s[16] = "secret-secret";
  (void)state;
  et_wipe(s, sizeof s);
  for (size_t i = 0; i < sizeof s; i++)
    assert_int_equal(s[i], 0);
}

static void every_error_has_text(void **state) {
  (void)state;
  for (int e = 0; e < ET_E__COUNT; e++) {
    const char *s = et_strerror((et_err)e);
    assert_non_null(s);
    assert_string_not_equal(s, "unknown error");
  }
  assert_string_equal(et_strerror(ET_E__COUNT), "unknown error");
}

static void authority_forms(void **state) {
  et_authority a;
  (void)state;
  assert_int_equal(et_authority_parse(ET_STR_NULL, &a), ET_OK);
  assert_true(et_str_eq(a.host, ET_STR("login.microsoftonline.com")));
  assert_int_equal(a.port, 443);
  assert_int_equal(a.prefix.n, 0);

  assert_int_equal(et_authority_parse(ET_STR("HTTPS://localhost:8443/"), &a), ET_OK);
  assert_true(et_str_eq(a.host, ET_STR("localhost")));
  assert_int_equal(a.port, 8443);
  assert_int_equal(a.prefix.n, 0);

  assert_int_equal(et_authority_parse(ET_STR("https://[::1]:9/emu//v1"), &a), ET_E_URL);
  assert_int_equal(et_authority_parse(ET_STR("https://[::1]:9/emu/v1/"), &a), ET_OK);
  assert_true(et_str_eq(a.host, ET_STR("::1")));
  assert_int_equal(a.port, 9);
  assert_true(et_str_eq(a.prefix, ET_STR("/emu/v1")));

  /* Leading zeros read as the number they spell; the largest port. */
  assert_int_equal(et_authority_parse(ET_STR("https://h:00065535/p"), &a), ET_OK);
  assert_int_equal(a.port, 65535);
  assert_true(et_str_eq(a.prefix, ET_STR("/p")));
  assert_int_equal(et_authority_parse(ET_STR("https://[fe80::1]:1"), &a), ET_OK);
  assert_true(et_str_eq(a.host, ET_STR("fe80::1")));
  assert_int_equal(a.port, 1);
  assert_int_equal(a.prefix.n, 0);
}

static void authority_rejects(void **state) {
  static const char *bad[] = {
    "http://login.microsoftonline.com", /* clear text */
    "https://", "https://:443", "https://host:0", "https://host:65536",
    "https://host:", "https://host:12a", "https://user@host", "https://host?x=1",
    "https://host/a?b", "https://host/a#b", "https://ho st", "https://[::1",
    "https://[]", "https://host/%2e%2e", "ftp://host", "https:/host", "login.microsoftonline.com",
    /* ports: more digits than 65535 allows, leading zeros to nothing, none */
    "https://host:99999", "https://host:655350", "https://host:00000", "https://[::1]:",
    "https://[::1]:70000/x", "https://[::1]x", "https://[host]", "https://host:+1",
  };
  et_authority a;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(et_authority_parse(et_str_from_cstr(bad[i]), &a), ET_E_URL);
}

static void tenant_segment(void **state) {
  char long_tenant[130];
  (void)state;
  assert_int_equal(et_tenant_check(ET_STR("72f988bf-86f1-41af-91ab-2d7cd011db47")), ET_OK);
  assert_int_equal(et_tenant_check(ET_STR("contoso.onmicrosoft.com")), ET_OK);
  assert_int_equal(et_tenant_check(ET_STR("organizations")), ET_OK);
  assert_int_equal(et_tenant_check(ET_STR("")), ET_E_ARG);
  assert_int_equal(et_tenant_check(ET_STR("..")), ET_E_ARG);
  assert_int_equal(et_tenant_check(ET_STR("a/b")), ET_E_ARG);
  assert_int_equal(et_tenant_check(ET_STR("a?b")), ET_E_ARG);
  assert_int_equal(et_tenant_check(ET_STR("a b")), ET_E_ARG);
  assert_int_equal(et_tenant_check(ET_STR("a%2fb")), ET_E_ARG);
  memset(long_tenant, 'a', sizeof long_tenant);
  assert_int_equal(et_tenant_check((et_str){ long_tenant, 128 }), ET_OK);
  assert_int_equal(et_tenant_check((et_str){ long_tenant, 129 }), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(span_compare),
    cmocka_unit_test(decimal_parse),
    cmocka_unit_test(decimal_write),
    cmocka_unit_test(digit_push),
    cmocka_unit_test(constant_time_equality),
    cmocka_unit_test(wipe_zeroes),
    cmocka_unit_test(every_error_has_text),
    cmocka_unit_test(authority_forms),
    cmocka_unit_test(authority_rejects),
    cmocka_unit_test(tenant_segment),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
