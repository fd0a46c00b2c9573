/* SPDX-License-Identifier: MIT */
/* Strict JSON grammar check. jsmn 1.1.0, even with JSMN_STRICT, accepts
 * {"a"}, {"a":1,} and {"a":1 "b":2} and stops at a NUL byte, so the text is
 * checked here first, by a loop over the bytes: no recursion, the open
 * containers kept one bit each (1 = object) in a 32-bit stack. */
#include "edgetoken/et_json.h"

#include <stdint.h>
#include <string.h>

typedef enum {
  EXPECT_VALUE,        /* after ':' or a comma in an array */
  EXPECT_VALUE_OR_END, /* just after '[' */
  EXPECT_KEY,          /* after a comma in an object */
  EXPECT_KEY_OR_END,   /* just after '{' */
  EXPECT_COLON,        /* after a key */
  EXPECT_NEXT          /* after a value: ',' or the closing bracket */
} expect;

static bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Whether word w holds a '"', a '\\' or a byte below 0x20: the bytes that
 * end a plain run inside a string. Per byte, x - c borrows into the high
 * bit for x < c (x ^ '"' < 1 is a quote); "& ~w" drops bytes >= 0x80,
 * whose high bit is set anyway. Borrows only start at a byte that ends the
 * run, so the yes/no answer is exact. */
static bool word_ends_run(size_t w) {
  const size_t ones = (size_t)-1 / 0xFF;
  size_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
  return ((q - ones) | (b - ones) | (w - ones * 0x20)) & ~w & (ones * 0x80);
}

/* s[*i] is the opening quote; on success *i is just past the closing one.
 * Plain bytes go a word at a time; the rest one by one. */
static bool scan_string(const char *s, size_t len, size_t *i) {
  size_t k = *i + 1;
  for (;;) {
    size_t w;
    while (len - k >= sizeof w) {
      memcpy(&w, s + k, sizeof w); /* any alignment */
      if (word_ends_run(w))
        break;
      k += sizeof w;
    }
    if (k >= len)
      break;
    unsigned char c = (unsigned char)s[k];
    if (c == '"') {
      *i = k + 1;
      return true;
    }
    if (c < 0x20)
      return false;
    if (c != '\\') {
      k++;
      continue;
    }
    if (k + 1 >= len)
      return false;
    switch (s[k + 1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
    case 't':
      k += 2;
      break;
    case 'u':
      if (len - k < 6)
        return false;
      for (size_t h = k + 2; h < k + 6; h++)
        if (et_hex_value(s[h]) < 0)
          return false;
      k += 6;
      break;
    default:
      return false;
    }
  }
  return false;
}

static size_t skip_digits(const char *s, size_t len, size_t k) {
  while (k < len && is_digit(s[k]))
    k++;
  return k;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at *i. */
static bool scan_number(const char *s, size_t len, size_t *i) {
  size_t k = *i, d;
  if (k < len && s[k] == '-')
    k++;
  if (k >= len || !is_digit(s[k]))
    return false;
  k = (s[k] == '0') ? k + 1 : skip_digits(s, len, k);
  if (k < len && s[k] == '.') {
    d = skip_digits(s, len, k + 1);
    if (d == k + 1)
      return false;
    k = d;
  }
  if (k < len && (s[k] == 'e' || s[k] == 'E')) {
    k++;
    if (k < len && (s[k] == '+' || s[k] == '-'))
      k++;
    d = skip_digits(s, len, k);
    if (d == k)
      return false;
    k = d;
  }
  *i = k;
  return true;
}

static bool scan_word(const char *s, size_t len, size_t *i, const char *w,
                      size_t n) {
  for (size_t k = 0; k < n; k++)
    if (*i + k >= len || s[*i + k] != w[k])
      return false;
  *i += n;
  return true;
}

/* A string, number or literal at *i. What follows is checked by the
 * caller's EXPECT_NEXT state, so "truex" and "01" fail there. */
static bool scan_scalar(const char *s, size_t len, size_t *i) {
  switch (s[*i]) {
  case '"': return scan_string(s, len, i);
  case 't': return scan_word(s, len, i, "true", 4);
  case 'f': return scan_word(s, len, i, "false", 5);
  case 'n': return scan_word(s, len, i, "null", 4);
  default: return scan_number(s, len, i);
  }
}

et_err et_json_validate(const char *text, size_t len) {
  uint32_t objects = 0; /* bit d set: container at depth d+1 is an object */
  unsigned depth = 0;
  expect st = EXPECT_VALUE;
  size_t i = 0;

  if (text == NULL)
    return ET_E_ARG;
  while (i < len && is_ws(text[i]))
    i++;
  if (i >= len || text[i] != '{')
    return ET_E_JSON_SYNTAX;
  for (;;) {
    while (i < len && is_ws(text[i]))
      i++;
    if (i >= len)
      return ET_E_JSON_SYNTAX; /* an open container was not closed */
    char c = text[i];
    bool close = false;
    switch (st) {
    case EXPECT_VALUE_OR_END:
    case EXPECT_VALUE:
      if (c == ']' && st == EXPECT_VALUE_OR_END) {
        close = true;
      } else if (c == '{' || c == '[') {
        if (depth == ET_JSON_MAX_DEPTH)
          return ET_E_JSON_SYNTAX;
        if (c == '{')
          objects |= (uint32_t)1 << depth;
        else
          objects &= ~((uint32_t)1 << depth);
        depth++;
        i++;
        st = c == '{' ? EXPECT_KEY_OR_END : EXPECT_VALUE_OR_END;
      } else {
        if (!scan_scalar(text, len, &i))
          return ET_E_JSON_SYNTAX;
        st = EXPECT_NEXT;
      }
      break;
    case EXPECT_KEY_OR_END:
    case EXPECT_KEY:
      if (c == '}' && st == EXPECT_KEY_OR_END) {
        close = true;
      } else {
        if (c != '"' || !scan_string(text, len, &i))
          return ET_E_JSON_SYNTAX;
        st = EXPECT_COLON;
      }
      break;
    case EXPECT_COLON:
      if (c != ':')
        return ET_E_JSON_SYNTAX;
      i++;
      st = EXPECT_VALUE;
      break;
    case EXPECT_NEXT: {
      bool in_object = (objects >> (depth - 1)) & 1u;
      if (c == ',') {
        i++;
        st = in_object ? EXPECT_KEY : EXPECT_VALUE;
      } else if (c == (in_object ? '}' : ']')) {
        close = true;
      } else {
        return ET_E_JSON_SYNTAX;
      }
      break;
    }
    }
    if (close) {
      i++;
      depth--;
      if (depth == 0)
        break;
      st = EXPECT_NEXT;
    }
  }
  while (i < len && is_ws(text[i]))
    i++;
  return i == len ? ET_OK : ET_E_JSON_SYNTAX;
}
