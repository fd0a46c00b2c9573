/* SPDX-License-Identifier: MIT */
/* Strict JSON grammar check. jsmn 1.1.0, even with JSMN_STRICT, accepts
 * {"a"}, {"a":1,} and {"a":1 "b":2} and stops at a NUL byte, so the text is
 * checked here first, by a loop over the bytes: no recursion, the open
 * containers kept one bit each (1 = object) in a 32-bit stack. */
#include "json_escape.h"

#include <stdint.h>
#include <string.h>

/* What the last thing read was, one bit each so that what may come next
 * is a mask. */
enum { OPEN = 1, COMMA = 2, COLON = 4, KEY = 8, VALUE = 16 };

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

/* s[k] is the opening quote; returns the index just past the closing one,
 * or 0. Plain bytes go a word at a time; the rest one by one. */
static size_t scan_string(const char *s, size_t len, size_t k) {
  k++;
  for (;;) {
    size_t w;
    unsigned long cu;
    while (len - k >= sizeof w) {
      memcpy(&w, s + k, sizeof w); /* any alignment */
      if (word_ends_run(w))
        break;
      k += sizeof w;
    }
    if (k >= len)
      return 0;
    unsigned char c = (unsigned char)s[k];
    if (c == '"')
      return k + 1;
    if (c < 0x20)
      return 0;
    if (c != '\\')
      k++;
    else if ((w = et_json_escape(s, len, k, &cu)) == 0)
      return 0;
    else
      k += w;
  }
}

/* The scanners below read without bounds checks: the validator has made
 * sure the text ends with the root's '}', which stops every one of them. */

/* Past one or more digits at s[k], or 0 if there is none. */
static size_t digits(const char *s, size_t k) {
  size_t d = k;
  while (is_digit(s[d]))
    d++;
  return d > k ? d : 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at s[k]: returns the
 * index past it, or 0. What follows is checked by the caller's NEXT state,
 * so "01" fails there. */
static size_t scan_number(const char *s, size_t k) {
  k += s[k] == '-';
  if (s[k] == '0')
    k++;
  else if ((k = digits(s, k)) == 0)
    return 0;
  if (s[k] == '.' && (k = digits(s, k + 1)) == 0)
    return 0;
  if ((s[k] | 0x20) == 'e') {
    k++;
    k += s[k] == '+' || s[k] == '-';
    k = digits(s, k);
  }
  return k;
}

/* A number or literal at s[k]: the index past it, or 0 ("truex" fails in
 * the caller's NEXT state). A literal is compared byte by byte, so the
 * first byte that differs stops the reading. */
static size_t scan_word(const char *s, size_t k) {
  const char *w;
  switch (s[k]) {
  case 't': w = "true"; break;
  case 'f': w = "false"; break;
  case 'n': w = "null"; break;
  default: return scan_number(s, k);
  }
  for (; *w != '\0'; w++, k++)
    if (s[k] != *w)
      return 0;
  return k;
}

et_err et_json_validate(const char *text, size_t len) {
  /* One bit per open container, 1 = object, the innermost in bit 0. The
   * root is always an object, so a stack of 0 means no container is open
   * and the root's bit ends up in bit 31 at the deepest nesting. */
  uint32_t stack = 0;
  unsigned prev = COLON; /* the root is a value */
  size_t i = 0;

  if (text == NULL)
    return ET_E_ARG;
  /* Trailing space is fine; then the text must end with the root's '}',
   * and is read up to it (len becomes its end). */
  while (len > 0 && is_ws(text[len - 1]))
    len--;
  if (len == 0 || text[len - 1] != '}')
    return ET_E_JSON_SYNTAX;
  for (;;) {
    unsigned need, next;
    if (i == len) /* the last '}' closed the root, or an inner container */
      return stack == 0 ? ET_OK : ET_E_JSON_SYNTAX;
    while (is_ws(text[i]))
      i++;
    size_t at = i++; /* most things are one byte long */
    char c = text[at];
    bool in_object = stack & 1;
    if (stack == 0 && c != '{')
      return ET_E_JSON_SYNTAX; /* the root is an object, then only space */
    if (c == (in_object ? '}' : ']')) {
      need = OPEN | VALUE;
      stack >>= 1;
      next = VALUE;
    } else if (c == ',') {
      need = VALUE;
      next = COMMA;
    } else if (c == ':') {
      need = KEY;
      next = COLON;
    } else {
      /* A key (only a string) or a value. */
      bool key = in_object && prev != COLON;
      need = OPEN | COMMA | COLON;
      next = key ? KEY : VALUE;
      if (c == '"') {
        i = scan_string(text, len, at);
      } else if (key) {
        return ET_E_JSON_SYNTAX;
      } else if (c == '{' || c == '[') {
        if (stack >> (ET_JSON_MAX_DEPTH - 1))
          return ET_E_JSON_SYNTAX;
        stack = stack << 1 | (c == '{');
        next = OPEN;
      } else {
        i = scan_word(text, at);
      }
    }
    /* i is past the root's '{', so 0 is a failed scan. */
    if (!(prev & need) || i == 0)
      return ET_E_JSON_SYNTAX;
    prev = next;
  }
}
