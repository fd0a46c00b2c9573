/* SPDX-License-Identifier: MIT */
/* libFuzzer: the HTTP-date parser (Retry-After, Date). Whatever the bytes:
 * a typed error with 0 written, or a time in 1900..9999 that, written back
 * as an IMF-fixdate, parses to the same time (four-digit years: 0000 to
 * 9999); the delay is within 0..cap and 0 for a date not after the
 * reference. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "edgetoken/et_http_date.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z. */
#define YEAR_0 (-62167219200LL)
#define YEAR_10000 253402300800LL

static void imf_fixdate(int64_t t, char out[40]) {
  static const char *const days[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  int64_t d = t >= 0 ? t / 86400 : (t - 86399) / 86400, s = t - d * 86400;
  int64_t z = d + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[((d % 7) + 7) % 7], (int)day,
           months[month - 1], (int)year, (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t t = 1, back = 1, ref = 0;
  uint32_t delay = 7, cap;
  char text[40];
  et_err e;
  if (size > 64)
    return 0;
  e = et_http_date_parse((et_str){ (const char *)data, size }, &t);
  if (e != ET_OK) {
    CHECK(e == ET_E_INPUT && t == 0);
    return 0;
  }
  CHECK(t >= YEAR_0 && t < YEAR_10000);
  imf_fixdate(t, text);
  CHECK(et_http_date_parse(et_str_from_cstr(text), &back) == ET_OK && back == t);
  /* The first bytes also pick a reference and a cap. */
  ref = t - 86400 + (int64_t)(size > 0 ? data[0] : 0) * 1000;
  cap = size > 1 ? (uint32_t)data[1] * 400u : 0;
  CHECK(et_http_date_delay(t, true, ref, 0, cap, &delay));
  CHECK(delay <= cap);
  CHECK(t > ref || delay == 0);
  CHECK(!et_http_date_delay(t, false, 0, 0, cap, &delay) && delay == 0);
  return 0;
}
