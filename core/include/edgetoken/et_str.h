/* SPDX-License-Identifier: MIT */
/* Spans: borrowed strings that carry their length and need no NUL. */
#ifndef EDGETOKEN_ET_STR_H
#define EDGETOKEN_ET_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "et_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_str {
  const char *p;
  size_t n;
} et_str;

/* A span over a string literal. The "" on both sides make anything but a
 * literal (a pointer, whose sizeof is not its length) a compile error.
 * C++ has no compound literals: there the same span is a braced
 * initialization (C++11), so both work in either language. */
#ifdef __cplusplus
#define ET_STR(lit) (et_str{ ("" lit ""), sizeof(lit) - 1 })
#define ET_STR_NULL (et_str{ NULL, 0 })
#else
#define ET_STR(lit) ((et_str){ ("" lit ""), sizeof(lit) - 1 })
#define ET_STR_NULL ((et_str){ NULL, 0 })
#endif

/* A span over a NUL-terminated string; NULL gives the empty span. */
et_str et_str_from_cstr(const char *s);

bool et_str_eq(et_str a, et_str b);
/* ASCII case-insensitive equality (header names, token types). */
bool et_str_eq_nocase(et_str a, et_str b);
bool et_str_starts_with(et_str s, et_str prefix);

/* ASCII lower case of c; other bytes unchanged. */
char et_ascii_lower(char c);
/* The value of the hex digit c (0-9, a-f, A-F), or -1. */
int et_hex_value(char c);

/* ASCII sets the codecs check bytes against; no other byte is in any. */
typedef enum et_char_set {
  ET_CHARS_TCHAR,      /* RFC 9110 tchar: methods, header names */
  ET_CHARS_UNRESERVED, /* RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ */
  ET_CHARS_HOST,       /* host names: A-Z a-z 0-9 - . */
  ET_CHARS_IPV6        /* IPv6 literals: 0-9 A-F a-f : . */
} et_char_set;
bool et_char_in(char c, et_char_set set);

/* Equality whose time depends only on the lengths, not on the contents:
 * for state and other values an attacker may probe. */
bool et_ct_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* Overwrite n bytes with zeros in a way the compiler may not remove. */
void et_wipe(void *p, size_t n);

/* Parse a non-negative decimal integer made only of digits.
 * ET_E_ARG when empty, not all digits, or larger than max. */
ET_NODISCARD et_err et_str_to_u64(et_str s, uint64_t max, uint64_t *out);

/* One decimal digit more: *v = *v * 10 + (c - '0'). false (and *v
 * unchanged) when c is not a digit or the result would exceed max. */
bool et_u64_push_digit(uint64_t *v, char c, uint64_t max);

/* Append-only writer over a caller buffer. After the first overflow it
 * refuses every later write (sticky) so a cut output is never mistaken for a
 * whole one. With p == NULL and cap == 0 it only counts (len is the size a
 * buffer would need). */
typedef struct et_buf {
  char *p;
  size_t cap;
  size_t len;
  bool overflow;
  bool redact;   /* secret values are written as "***" (for logs) */
} et_buf;

void et_buf_init(et_buf *b, char *p, size_t cap);
void et_buf_put(et_buf *b, const char *s, size_t n);
void et_buf_put_str(et_buf *b, et_str s);
void et_buf_put_cstr(et_buf *b, const char *s);
void et_buf_put_char(et_buf *b, char c);
void et_buf_put_u64(et_buf *b, uint64_t v);
/* ET_OK, or ET_E_NOSPACE if any write did not fit. */
ET_NODISCARD et_err et_buf_status(const et_buf *b);

#ifdef __cplusplus
}
#endif

#endif
