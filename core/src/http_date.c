/* SPDX-License-Identifier: MIT */
/* HTTP-date parsing (et_http_date.h): a template per form, read left to
 * right; no locale, no libc time functions, no allocation. */
#include "edgetoken/et_http_date.h"

#include <string.h>

static const char *const days3[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const days_long[7] = { "Monday", "Tuesday", "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday" };
static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A cursor over the value: every reader advances it or fails. */
typedef struct cur {
  const char *p;
  size_t n;
  bool bad;
} cur;

static void lit(cur *c, const char *s) {
  size_t k = strlen(s);
  if (c->bad || c->n < k || memcmp(c->p, s, k) != 0) {
    c->bad = true;
    return;
  }
  c->p += k;
  c->n -= k;
}

/* Exactly k digits; " d" too when space_pad (asctime's day). */
static int digits(cur *c, size_t k, bool space_pad) {
  int v = 0;
  if (c->bad || c->n < k) {
    c->bad = true;
    return 0;
  }
  for (size_t i = 0; i < k; i++) {
    char ch = c->p[i];
    if (space_pad && i == 0 && k == 2 && ch == ' ')
      continue;
    if (ch < '0' || ch > '9') {
      c->bad = true;
      return 0;
    }
    v = v * 10 + (ch - '0');
  }
  c->p += k;
  c->n -= k;
  return v;
}

/* Index of the name at the cursor among count names, or -1. */
static int name(cur *c, const char *const *names, int count) {
  for (int i = 0; i < count && !c->bad; i++) {
    const char *s = names[i];
    size_t k = strlen(s);
    if (c->n >= k && memcmp(c->p, s, k) == 0) {
      c->p += k;
      c->n -= k;
      return i;
    }
  }
  c->bad = true;
  return -1;
}

static int month(cur *c) {
  return name(c, months, 12);
}

static void time_of_day(cur *c, int *h, int *m, int *s) {
  *h = digits(c, 2, false);
  lit(c, ":");
  *m = digits(c, 2, false);
  lit(c, ":");
  *s = digits(c, 2, false);
}

static bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..12; y
 * 0..9999). 32-bit arithmetic: no 64-bit division helper on small
 * targets, and every value here fits. */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d) {
  int32_t yy = y - (m <= 2);
  int32_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int32_t yoe = yy - era * 400;
  int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

et_err et_http_date_parse(et_str s, int64_t *unix_s) {
  static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  cur c = { s.p, s.p != NULL ? s.n : 0, s.p == NULL };
  int y, mon, d, h, mi, sec;
  if (unix_s == NULL)
    return ET_E_ARG;
  *unix_s = 0;
  if (c.n > 4 && c.p[3] == ',') { /* IMF-fixdate */
    (void)name(&c, days3, 7);
    lit(&c, ", ");
    d = digits(&c, 2, false);
    lit(&c, " ");
    mon = month(&c);
    lit(&c, " ");
    y = digits(&c, 4, false);
    lit(&c, " ");
    time_of_day(&c, &h, &mi, &sec);
    lit(&c, " GMT");
  } else if (c.n > 4 && c.p[3] == ' ') { /* asctime */
    (void)name(&c, days3, 7);
    lit(&c, " ");
    mon = month(&c);
    lit(&c, " ");
    d = digits(&c, 2, true);
    lit(&c, " ");
    time_of_day(&c, &h, &mi, &sec);
    lit(&c, " ");
    y = digits(&c, 4, false);
  } else { /* RFC 850 */
    (void)name(&c, days_long, 7);
    lit(&c, ", ");
    d = digits(&c, 2, false);
    lit(&c, "-");
    mon = month(&c);
    lit(&c, "-");
    y = digits(&c, 2, false);
    y += y < 70 ? 2000 : 1900;
    lit(&c, " ");
    time_of_day(&c, &h, &mi, &sec);
    lit(&c, " GMT");
  }
  if (c.bad || c.n != 0 || mon < 0 || d < 1 ||
      d > mdays[mon] + (mon == 1 && leap(y)) || h > 23 || mi > 59 || sec > 60)
    return ET_E_INPUT;
  if (sec == 60)
    sec = 59;
  *unix_s = (int64_t)days_from_civil(y, mon + 1, d) * 86400 + h * 3600 + mi * 60 + sec;
  return ET_OK;
}

bool et_http_date_delay(int64_t at_s, bool has_date, int64_t date_s, int64_t now_unix_s,
                        uint32_t cap_s, uint32_t *delay_s) {
  int64_t ref = has_date ? date_s : now_unix_s;
  uint64_t d;
  *delay_s = 0;
  if (!has_date && now_unix_s <= 0)
    return false;
  if (at_s <= ref)
    return true; /* in the past: no wait */
  d = (uint64_t)at_s - (uint64_t)ref; /* exact: the difference is positive */
  *delay_s = d > cap_s ? cap_s : (uint32_t)d;
  return true;
}
