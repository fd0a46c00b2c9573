/* SPDX-License-Identifier: MIT */
/* Spans, constant-time compare, wiping, and the sticky append buffer. */
#include "edgetoken/et_str.h"

#include <string.h>

et_str et_str_from_cstr(const char *s) {
  et_str r = { s, s ? strlen(s) : 0 };
  return r;
}

bool et_str_eq(et_str a, et_str b) {
  return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

char et_ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int et_hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = et_ascii_lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

bool et_char_in(char c, et_char_set set) {
  /* One bit per byte 0x20..0x7f (bit k & 7 of byte k >> 3, k = c - 0x20),
   * in et_char_set's order: a table is smaller than the comparisons. */
  static const uint8_t sets[][12] = {
    { 0xfa, 0x6c, 0xff, 0x03, 0xfe, 0xff, 0xff, 0xc7, 0xff, 0xff, 0xff, 0x57 },
    { 0x00, 0x60, 0xff, 0x03, 0xfe, 0xff, 0xff, 0x87, 0xfe, 0xff, 0xff, 0x47 },
    { 0x00, 0x60, 0xff, 0x03, 0xfe, 0xff, 0xff, 0x07, 0xfe, 0xff, 0xff, 0x07 },
    { 0x00, 0x40, 0xff, 0x07, 0x7e, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00 },
  };
  unsigned k = (unsigned)(unsigned char)c - 0x20u;
  return k < 96 && (sets[set][k >> 3] >> (k & 7)) & 1u;
}

bool et_str_eq_nocase(et_str a, et_str b) {
  if (a.n != b.n)
    return false;
  for (size_t i = 0; i < a.n; i++)
    if (et_ascii_lower(a.p[i]) != et_ascii_lower(b.p[i]))
      return false;
  return true;
}

bool et_str_starts_with(et_str s, et_str prefix) {
  return s.n >= prefix.n && (prefix.n == 0 || memcmp(s.p, prefix.p, prefix.n) == 0);
}

bool et_ct_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  /* Walk the longer length so timing reveals lengths only. */
  size_t n = an > bn ? an : bn;
  uint8_t diff = (uint8_t)(an != bn);
  for (size_t i = 0; i < n; i++) {
    uint8_t x = i < an ? a[i] : 0;
    uint8_t y = i < bn ? b[i] : 0;
    diff |= (uint8_t)(x ^ y);
  }
  return diff == 0;
}

void et_wipe(void *p, size_t n) {
  /* The volatile pointer keeps the stores from being optimised away. */
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (n--)
    *v++ = 0;
}

bool et_u64_push_digit(uint64_t *v, char c, uint64_t max) {
  /* v * 10 + d <= max, tested without a 64-bit division (a libgcc call on
   * 32-bit targets): UINT64_MAX / 10 is a constant. */
  unsigned d = (unsigned)(c - '0');
  uint64_t t;
  if (d > 9 || *v > UINT64_MAX / 10)
    return false;
  t = *v * 10;
  if (t > max || d > max - t)
    return false;
  *v = t + d;
  return true;
}

et_err et_str_to_u64(et_str s, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  if (s.n == 0 || s.p == NULL)
    return ET_E_ARG;
  for (size_t i = 0; i < s.n; i++)
    if (!et_u64_push_digit(&v, s.p[i], max))
      return ET_E_ARG;
  *out = v;
  return ET_OK;
}

void et_buf_init(et_buf *b, char *p, size_t cap) {
  b->p = p;
  b->cap = p ? cap : 0;
  b->len = 0;
  b->overflow = false;
  b->redact = false;
}

void et_buf_put(et_buf *b, const char *s, size_t n) {
  if (b->overflow)
    return;
  if (b->p == NULL) { /* counting mode */
    b->len += n;
    return;
  }
  if (n > b->cap - b->len) {
    b->overflow = true;
    return;
  }
  if (n)
    memcpy(b->p + b->len, s, n);
  b->len += n;
}

void et_buf_put_str(et_buf *b, et_str s) { et_buf_put(b, s.p, s.n); }

void et_buf_put_cstr(et_buf *b, const char *s) { et_buf_put(b, s, strlen(s)); }

void et_buf_put_char(et_buf *b, char c) { et_buf_put(b, &c, 1); }

/* (r * 2^32 + *x) / 10 into *x, for r < 10; returns the remainder. Two
 * 16-bit steps keep every division in 32 bits, so 64-bit numbers need no
 * 64-bit division helper on 32-bit targets. */
static unsigned div10_step(uint32_t *x, unsigned r) {
  uint32_t a = (uint32_t)r << 16 | *x >> 16;
  uint32_t b = (a % 10) << 16 | (*x & 0xFFFFu);
  *x = (a / 10) << 16 | b / 10;
  return (unsigned)(b % 10);
}

void et_buf_put_u64(et_buf *b, uint64_t v) {
  char tmp[20];
  size_t i = sizeof tmp;
  uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;
  do
    tmp[--i] = (char)('0' + div10_step(&lo, div10_step(&hi, 0)));
  while (hi | lo);
  et_buf_put(b, tmp + i, sizeof tmp - i);
}

et_err et_buf_status(const et_buf *b) {
  return b->overflow ? ET_E_NOSPACE : ET_OK;
}
