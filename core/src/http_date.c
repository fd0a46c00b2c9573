/* SPDX-License-Identifier: MIT */
/* HTTP-date parsing (et_http_date.h): a template per form, read left to
 * right; no locale, no libc time functions, no allocation. */
#include "edgetoken/et_http_date.h"

#include <string.h>

/* Name lists: each name ended by a NUL, the list by an empty name. */
static const char days3[] = "Mon\0Tue\0Wed\0Thu\0Fri\0Sat\0Sun\0";
static const char days_long[] = "Monday\0Tuesday\0Wednesday\0Thursday\0"
                                "Friday\0Saturday\0Sunday\0";
static const char months[] = "Jan\0Feb\0Mar\0Apr\0May\0Jun\0"
                             "Jul\0Aug\0Sep\0Oct\0Nov\0Dec\0";

/* The three forms, one template byte per input byte except names (their
 * letters as in strftime; none is a literal of any form):
 *   a  a day name (Mon), A  a day name in full (Monday), b  a month (Jan)
 *   d y h m s  a digit of the day, year, hour, minute or second
 *   _  asctime's padded day: its first digit or a space ("Nov  6")
 *   any other byte stands for itself. */
enum form { IMF_FIXDATE, RFC_850, ASCTIME };
static const char forms[][26] = {
  "a, dd b yyyy hh:mm:ss GMT",
  "A, dd-b-yy hh:mm:ss GMT",
  "a b _d hh:mm:ss yyyy",
};

/* The fields a form fills, each at its letter's low three bits (distinct
 * for h y b s d m): no lookup from letter to field. */
enum {
  HOUR = 'h' & 7,
  YEAR = 'y' & 7,
  MONTH = 'b' & 7, /* the month's index */
  SECOND = 's' & 7,
  DAY = 'd' & 7,
  MINUTE = 'm' & 7,
  FIELDS = 8
};

/* The index of the name at s[*i] in list, moving *i past it; -1 if none. */
static int name(et_str s, size_t *i, const char *list) {
  for (int k = 0; *list != '\0'; k++) {
    size_t n = strlen(list);
    if (s.n - *i >= n && memcmp(s.p + *i, list, n) == 0) {
      *i += n;
      return k;
    }
    list += n + 1;
  }
  return -1;
}

/* Reads the whole of s as template t into the fields; false if it does
 * not fit. */
static bool read_form(et_str s, const char *t, int fields[FIELDS]) {
  size_t i = 0;
  memset(fields, 0, FIELDS * sizeof fields[0]);
  for (; *t != '\0'; t++) {
    char want = *t;
    if (want == 'a' || want == 'A' || want == 'b') {
      int k = name(s, &i, want == 'b' ? months : want == 'a' ? days3 : days_long);
      if (k < 0)
        return false;
      if (want == 'b')
        fields[MONTH] = k;
      continue;
    }
    if (i == s.n)
      return false;
    if (want == '_') {
      if (s.p[i] == ' ') {
        i++;
        continue;
      }
      want = 'd';
    }
    if (want > 'b') { /* d y h m s; every literal byte is below 'a' */
      if (s.p[i] < '0' || s.p[i] > '9')
        return false;
      fields[want & 7] = fields[want & 7] * 10 + (s.p[i] - '0');
    } else if (s.p[i] != want) {
      return false;
    }
    i++;
  }
  return i == s.n;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1..13, 13 being
 * January of y + 1; y 0..9999; d may pass the month's end). Years count
 * from March (the leap day ends them) and from 400 years before year 0,
 * so every division is of a positive number. 32-bit
 * arithmetic: no 64-bit division helper on small targets, and every
 * value here fits. */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d) {
  int32_t yy = y + 400 - (m <= 2);
  int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  /* 865565: this count on 1970-01-01 */
  return yy * 365 + yy / 4 - yy / 100 + yy / 400 + doy - 865565;
}

et_err et_http_date_parse(et_str s, int64_t *unix_s) {
  int v[FIELDS];
  int32_t days;
  int f = IMF_FIXDATE;
  if (unix_s == NULL)
    return ET_E_ARG;
  *unix_s = 0;
  if (s.p == NULL)
    return ET_E_INPUT;
  /* The forms differ at byte 3 (IMF-fixdate ',', RFC 850 the day name's
   * fourth letter, asctime ' '): at most one can fit. */
  while (f <= ASCTIME && !read_form(s, forms[f], v))
    f++;
  if (f == RFC_850)
    v[YEAR] += v[YEAR] < 70 ? 2000 : 1900;
  if (f > ASCTIME)
    return ET_E_INPUT;
  days = days_from_civil(v[YEAR], v[MONTH] + 1, v[DAY]);
  /* A day is in its month when it comes before the next month's first
   * (leap years included, no table). */
  if (v[DAY] < 1 || days >= days_from_civil(v[YEAR], v[MONTH] + 2, 1) || v[HOUR] > 23 ||
      v[MINUTE] > 59 || v[SECOND] > 60)
    return ET_E_INPUT;
  if (v[SECOND] == 60)
    v[SECOND] = 59;
  *unix_s = (int64_t)days * 86400 + v[HOUR] * 3600 + v[MINUTE] * 60 + v[SECOND];
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
