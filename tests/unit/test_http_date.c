/* SPDX-License-Identifier: MIT */
/* HTTP-date (et_http_date.h): the three forms RFC 9110 §5.6.7 makes a
 * recipient accept, their edges (leap days, leap seconds, two-digit
 * years), bad input of every kind, the delay against Date or the clock,
 * and the response parser keeping Retry-After dates and Date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

#define RFC_EXAMPLE 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static et_err parse(const char *s, int64_t *t) {
  *t = 12345; /* always written */
  return et_http_date_parse(et_str_from_cstr(s), t);
}

static void accepts(const char *s, int64_t want) {
  int64_t t;
  if (parse(s, &t) != ET_OK || t != want)
    fail_msg("\"%s\": got %lld, want %lld", s, (long long)t, (long long)want);
}

static void refuses(const char *s) {
  int64_t t;
  if (parse(s, &t) != ET_E_INPUT || t != 0)
    fail_msg("\"%s\" was accepted as %lld", s, (long long)t);
}

static void the_three_forms_of_rfc_9110(void **state) {
  (void)state;
  accepts("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE);
  accepts("Sunday, 06-Nov-94 08:49:37 GMT", RFC_EXAMPLE);
  accepts("Sun Nov  6 08:49:37 1994", RFC_EXAMPLE);
  accepts("Sun Nov 06 08:49:37 1994", RFC_EXAMPLE); /* 2DIGIT day is allowed too */
}

static void calendar_edges(void **state) {
  (void)state;
  accepts("Thu, 01 Jan 1970 00:00:00 GMT", 0);
  accepts("Wed, 31 Dec 1969 23:59:59 GMT", -1);
  accepts("Tue, 29 Feb 2000 12:00:00 GMT", 951825600);    /* 400-year leap */
  accepts("Thu, 29 Feb 2024 00:00:00 GMT", 1709164800);
  accepts("Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL); /* past int32 */
  accepts("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799LL);
  accepts("Sat, 31 Dec 2016 23:59:60 GMT", 1483228799);   /* leap second: :59 */
  refuses("Mon, 29 Feb 1900 00:00:00 GMT");               /* 100-year: no leap */
  refuses("Fri, 29 Feb 2019 00:00:00 GMT");
  refuses("Mon, 31 Apr 2024 00:00:00 GMT");
  refuses("Mon, 00 Apr 2024 00:00:00 GMT");
  refuses("Mon, 01 Apr 2024 24:00:00 GMT");
  refuses("Mon, 01 Apr 2024 23:60:00 GMT");
  refuses("Mon, 01 Apr 2024 23:59:61 GMT");
}

static void rfc850_two_digit_years(void **state) {
  (void)state;
  accepts("Thursday, 01-Jan-70 00:00:00 GMT", 0);
  accepts("Tuesday, 31-Dec-69 00:00:00 GMT", 3155673600LL); /* 2069 */
  accepts("Saturday, 01-Jan-00 00:00:00 GMT", 946684800);      /* 2000 */
  accepts("Monday, 07-Dec-26 10:00:00 GMT", 1796637600);
}

static void malformed_values_are_refused(void **state) {
  static const char *const bad[] = {
    "", " ", "0", "120", "-1",
    "Sun, 06 Nov 1994 08:49:37 UTC",      /* only GMT */
    "Sun, 06 Nov 1994 08:49:37 gmt",      /* case-sensitive */
    "sun, 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT ",     /* the caller trims */
    "Sun, 06 Nov 1994 08:49:37 GMTX",
    "Sun, 06 Nov 1994 08:49:37",
    "Sun, 6 Nov 1994 08:49:37 GMT",       /* IMF needs 2 digits */
    "Sun,  06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 94 08:49:37 GMT",
    "Sun, 06 Nov 1994 8:49:37 GMT",
    "Sun, 06 Nov 1994 08-49-37 GMT",
    "Sun, 06 Nov 1994 08:49 GMT",
    "Sun, 06 Foo 1994 08:49:37 GMT",
    "Xyz, 06 Nov 1994 08:49:37 GMT",
    "Sun 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-1994 08:49:37 GMT",   /* RFC 850 has 2 digits */
    "Sunday, 06 Nov 94 08:49:37 GMT",
    "Sundae, 06-Nov-94 08:49:37 GMT",
    "Sun, 06-Nov-94 08:49:37 GMT",
    "Sun Nov 6 08:49:37 1994",            /* asctime pads with a space */
    "Sun Nov  6 08:49:37 94",
    "Sun Nov  6 08:49:37 1994 GMT",
    "Sun Nov  6 08:49:37",
    "Sun, +6 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 19x4 08:49:37 GMT",
  };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    refuses(bad[i]);
}

static void every_truncation_and_null_is_refused(void **state) {
  static const char *const good[] = { "Sun, 06 Nov 1994 08:49:37 GMT",
                                      "Sunday, 06-Nov-94 08:49:37 GMT",
                                      "Sun Nov  6 08:49:37 1994" };
  int64_t t;
  (void)state;
  for (size_t g = 0; g < 3; g++)
    for (size_t n = 0; n < strlen(good[g]); n++) {
      assert_int_equal(et_http_date_parse((et_str){ good[g], n }, &t), ET_E_INPUT);
      assert_int_equal(t, 0);
    }
  assert_int_equal(et_http_date_parse((et_str){ NULL, 29 }, &t), ET_E_INPUT);
  /* A NUL inside the value is a byte too many. */
  assert_int_equal(et_http_date_parse((et_str){ "Sun, 06 Nov 1994 08:49:37 GMT\0", 30 }, &t),
                   ET_E_INPUT);
  assert_int_equal(et_http_date_parse(ET_STR("Sun, 06 Nov 1994 08:49:37 GMT"), NULL), ET_E_ARG);
}

static void delay_against_date_then_clock(void **state) {
  uint32_t d = 7;
  (void)state;
  /* The answer's Date: no clock needed, and a wrong clock is ignored. */
  assert_true(et_http_date_delay(1000, true, 970, 0, 86400, &d));
  assert_int_equal(d, 30);
  assert_true(et_http_date_delay(1000, true, 970, 5000, 86400, &d));
  assert_int_equal(d, 30);
  /* No Date: the wall clock. */
  assert_true(et_http_date_delay(1000, false, 0, 990, 86400, &d));
  assert_int_equal(d, 10);
  /* In the past (or now): 0. */
  assert_true(et_http_date_delay(1000, true, 1000, 0, 86400, &d));
  assert_int_equal(d, 0);
  assert_true(et_http_date_delay(-5, true, 1000, 0, 86400, &d));
  assert_int_equal(d, 0);
  assert_true(et_http_date_delay(1000, false, 0, 2000, 86400, &d));
  assert_int_equal(d, 0);
  /* Capped like the seconds form, no overflow at the extremes. */
  assert_true(et_http_date_delay(INT64_MAX, true, INT64_MIN / 2, 0, 86400, &d));
  assert_int_equal(d, 86400);
  assert_true(et_http_date_delay(253402300799LL, true, 0, 0, 60, &d));
  assert_int_equal(d, 60);
  /* Neither Date nor clock: no delay known. */
  d = 7;
  assert_false(et_http_date_delay(1000, false, 0, 0, 86400, &d));
  assert_int_equal(d, 0);
  assert_false(et_http_date_delay(1000, false, 0, -3, 86400, &d));
}

/* ---- the response parser keeps both headers -------------------------- */

static et_http_response parse_head(const char *head) {
  et_http_response r;
  uint8_t body[64];
  size_t used = 0, blen = 0;
  et_http_response_init(&r);
  /* One byte at a time: the capture must not depend on the split. */
  for (size_t i = 0; head[i] != '\0'; i++)
    assert_int_equal(et_http_response_parse(&r, (const uint8_t *)head + i, 1, &used, body,
                                            sizeof body, &blen),
                     ET_OK);
  assert_true(r.done);
  return r;
}

static void parser_keeps_retry_after_date_and_date(void **state) {
  et_http_response r;
  (void)state;
  r = parse_head("HTTP/1.1 429 Too Many Requests\r\n"
                 "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                 "Retry-After:   Sun, 06 Nov 1994 08:50:07 GMT  \r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_false(r.has_retry_after);
  assert_true(r.has_retry_at);
  assert_int_equal(r.retry_at_s, RFC_EXAMPLE + 30);
  assert_true(r.has_date);
  assert_int_equal(r.date_s, RFC_EXAMPLE);
  r = parse_head("HTTP/1.1 503 x\r\nRetry-After: Sun Nov  6 08:49:37 1994\r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_true(r.has_retry_at);
  assert_int_equal(r.retry_at_s, RFC_EXAMPLE);
  assert_false(r.has_date);
  /* Seconds stay seconds; garbage and an over-long value are no date. */
  r = parse_head("HTTP/1.1 503 x\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n");
  assert_true(r.has_retry_after);
  assert_int_equal(r.retry_after_s, 120);
  assert_false(r.has_retry_at);
  r = parse_head("HTTP/1.1 503 x\r\nRetry-After: soon\r\nDate: yesterday\r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_false(r.has_retry_after);
  assert_false(r.has_retry_at);
  assert_false(r.has_date);
  r = parse_head("HTTP/1.1 503 x\r\n"
                 "Retry-After: Sun, 06 Nov 1994 08:49:37 GMT Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_false(r.has_retry_at);
  /* Inner whitespace is kept as it came: a tab is no space. */
  r = parse_head("HTTP/1.1 503 x\r\nRetry-After: Sun,\t06 Nov 1994 08:49:37 GMT\r\n"
                 "Date: \t Sun Nov  6 08:49:37 1994 \t \r\nContent-Length: 0\r\n\r\n");
  assert_false(r.has_retry_at);
  assert_true(r.has_date);
  assert_int_equal(r.date_s, RFC_EXAMPLE);
  /* Whitespace after a date is trimmed however long the two are together
   * (the longest date, RFC 850, is 33 bytes); anything else after it makes
   * the value too long. */
  r = parse_head("HTTP/1.1 503 x\r\nRetry-After: Wednesday, 09-Nov-94 08:49:37 GMT \t \r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_true(r.has_retry_at);
  assert_int_equal(r.retry_at_s, RFC_EXAMPLE + 3 * 86400);
  r = parse_head("HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT     \r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_true(r.has_date);
  assert_int_equal(r.date_s, RFC_EXAMPLE);
  r = parse_head("HTTP/1.1 503 x\r\nRetry-After: Wednesday, 09-Nov-94 08:49:37 GMT  x\r\n"
                 "Content-Length: 0\r\n\r\n");
  assert_false(r.has_retry_at);
  /* A date in a trailer is not the answer's. */
  r = parse_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                 "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
  assert_false(r.has_date);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(the_three_forms_of_rfc_9110),
    cmocka_unit_test(calendar_edges),
    cmocka_unit_test(rfc850_two_digit_years),
    cmocka_unit_test(malformed_values_are_refused),
    cmocka_unit_test(every_truncation_and_null_is_refused),
    cmocka_unit_test(delay_against_date_then_clock),
    cmocka_unit_test(parser_keeps_retry_after_date_and_date),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
