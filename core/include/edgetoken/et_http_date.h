/* SPDX-License-Identifier: MIT */
/* HTTP-date (RFC 9110 §5.6.7) for Retry-After and Date: a pure parser and
 * the delay a Retry-After date asks for, so a device needs no wall clock
 * when the answer carries its own Date. */
#ifndef EDGETOKEN_ET_HTTP_DATE_H
#define EDGETOKEN_ET_HTTP_DATE_H

#include "et_err.h"
#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest HTTP-date: RFC 850's "Wednesday, 09-Nov-94 08:49:37 GMT". */
#define ET_HTTP_DATE_MAX 33u

/* Parse s, the whole header value without surrounding whitespace, in any
 * of the three forms a recipient must accept:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (year 00-69 is 20xx,
 *                70-99 19xx: RFC 9110's 50-year rule without a clock)
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * Names and "GMT" are case-sensitive (RFC 9110); single spaces exactly as
 * shown; the day name must be a day name (it is not checked against the
 * date); seconds 00-60 (a leap second counts as 59). Writes seconds since
 * 1970-01-01T00:00:00Z (negative before 1970) to *unix_s, 0 on error.
 * Errors: ET_E_ARG (unix_s NULL), ET_E_INPUT (anything else: another
 * form, a day past its month's end, trailing bytes...). */
ET_NODISCARD et_err et_http_date_parse(et_str s, int64_t *unix_s);

/* The delay a Retry-After HTTP-date (at_s) asks for: at_s minus the
 * answer's own Date (date_s, when has_date: no local clock involved),
 * else minus now_unix_s (the port's wall clock; 0 or less = unknown).
 * A date in the past is 0; more than cap_s is cap_s. Writes *delay_s;
 * false (and 0) when there is neither a Date nor a clock. */
bool et_http_date_delay(int64_t at_s, bool has_date, int64_t date_s, int64_t now_unix_s,
                        uint32_t cap_s, uint32_t *delay_s);

#ifdef __cplusplus
}
#endif

#endif
