/* SPDX-License-Identifier: MIT */
/* Private to core's JSON files: the one place that reads JSON's string
 * escapes, shared by the validator, the unescaper and the lookups, and the
 * lookups' bounds-checked token access. Not installed. */
#ifndef EDGETOKEN_JSON_ESCAPE_H
#define EDGETOKEN_JSON_ESCAPE_H

#include "edgetoken/et_json.h"

/* The escape at s[i] (a backslash, i < n): its length, 2 or 6 for
 * "\uXXXX", with *cu set to the byte or UTF-16 code unit it stands for;
 * 0 when s[i..n) does not start with one of JSON's escapes. Surrogates and
 * \u0000 are the caller's to judge. */
size_t et_json_escape(const char *s, size_t n, size_t i, unsigned long *cu);

/* Decode the escape at s[*i] (a backslash), a surrogate pair as one, as
 * UTF-8 into dst[w..] (dst NULL: only measured; at most 4 bytes, never
 * more than the escape's length) and move *i past it. Returns the new write
 * index (above w), or 0 on a bad escape, a lone or mismatched surrogate or
 * \u0000 (*i unchanged). */
size_t et_json_unescape_one(const char *s, size_t n, size_t *i, char *dst, size_t w);

/* Token idx of j, or NULL when j is NULL or idx out of range. */
jsmntok_t *et_json_tok(const et_json *j, int idx);

#endif
