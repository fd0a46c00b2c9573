/* SPDX-License-Identifier: MIT */
/* The CLI's store records (examples/cli/cli_record.c): what the writers
 * make reads back, and damaged records are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cli_record.h"

static void test_pending_round_trip(void **state) {
  char rec[256];
  cli_pending p;
  size_t n;
  (void)state;
  n = cli_pending_format(rec, sizeof rec, "st4te", "v3rifier", "http://localhost:8080");
  assert_string_equal(rec, "edgetoken-pending-1\nst4te\nv3rifier\nhttp://localhost:8080\n");
  assert_int_equal(n, strlen(rec));
  assert_true(cli_pending_parse(rec, &p));
  assert_string_equal(p.state, "st4te");
  assert_string_equal(p.verifier, "v3rifier");
  assert_string_equal(p.uri, "http://localhost:8080");
  /* Too small: nothing, rather than a cut record. */
  assert_int_equal(cli_pending_format(rec, 20, "s", "v", "u"), 0);
}

static void test_pending_damaged(void **state) {
  char a[] = "edgetoken-pending-1\nstate\nverifier\nuri"; /* no last newline */
  char b[] = "edgetoken-pending-2\nstate\nverifier\nuri\n";
  char c[] = "edgetoken-pending-1state\nverifier\nuri\n\n";
  cli_pending p;
  (void)state;
  assert_false(cli_pending_parse(a, &p));
  assert_false(cli_pending_parse(b, &p));
  assert_false(cli_pending_parse(c, &p));
}

static void test_scope_record(void **state) {
  char s[16];
  et_endpoint ep = ET_ENDPOINT_V2;
  (void)state;
  assert_true(cli_scope_record_parse("v1\nresource", 11, &ep, s, sizeof s));
  assert_int_equal(ep, ET_ENDPOINT_V1);
  assert_string_equal(s, "resource");
  assert_true(cli_scope_record_parse("v2\nx/.default", 13, &ep, s, sizeof s));
  assert_int_equal(ep, ET_ENDPOINT_V2);
  assert_false(cli_scope_record_parse("v2\n", 3, &ep, s, sizeof s));        /* empty */
  assert_false(cli_scope_record_parse("v3\nx", 4, &ep, s, sizeof s));       /* version */
  assert_false(cli_scope_record_parse("v2\na\0b", 6, &ep, s, sizeof s));    /* NUL */
  assert_false(cli_scope_record_parse("v2\n0123456789abcdef", 19, &ep, s, sizeof s));
}

static void test_at_record_round_trip(void **state) {
  char rec[256];
  cli_at_record r;
  size_t n;
  (void)state;
  n = cli_at_record_format(rec, sizeof rec, "0f6c2a7e-boot", 123456, 120000, -5,
                           ET_STR("eyJ0.eyJh.c2ln"));
  assert_true(n > 0 && rec[n - 1] == '\n');
  rec[n] = '\0';
  assert_string_equal(rec, "et-at-1 0f6c2a7e-boot 123456 120000 -5 eyJ0.eyJh.c2ln\n");
  assert_true(cli_at_record_parse(rec, &r));
  assert_string_equal(r.boot, "0f6c2a7e-boot");
  assert_true(r.expires_ms == 123456 && r.refresh_ms == 120000 && r.expires_on == -5);
  assert_true(et_str_eq(r.token, ET_STR("eyJ0.eyJh.c2ln")));
  /* "et-at-1 b 123456 120000 -5 t\n" is 29 bytes: it needs 30 (the
   * writer keeps room for the reader's NUL); with 29, nothing, not a cut
   * record. */
  assert_int_equal(cli_at_record_format(rec, 30, "b", 123456, 120000, -5, ET_STR("t")), 29);
  assert_int_equal(cli_at_record_format(rec, 29, "b", 123456, 120000, -5, ET_STR("t")), 0);
}

static void test_at_record_damaged(void **state) {
  cli_at_record r;
  (void)state;
  assert_false(cli_at_record_parse("et-at-2 b 1 2 3 tok\n", &r));
  assert_false(cli_at_record_parse("et-at-1 b 1 2 tok\n", &r));
  assert_false(cli_at_record_parse("et-at-1 b 1 2 3 \n", &r)); /* no token */
  assert_false(cli_at_record_parse("et-at-1 b 1 2 3", &r));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pending_round_trip),
    cmocka_unit_test(test_pending_damaged),
    cmocka_unit_test(test_scope_record),
    cmocka_unit_test(test_at_record_round_trip),
    cmocka_unit_test(test_at_record_damaged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
