/* SPDX-License-Identifier: MIT */
/* JSON string escapes to UTF-8, into another buffer or in place, and a
 * document's string tokens decoded in place. Every escape is at least as
 * long as what it decodes to (\n 2 -> 1, \uXXXX 6 -> at most 3, a surrogate
 * pair 12 -> 4), so writing never overtakes reading and dst may equal src. */
#include "json_escape.h"

#include <string.h>

size_t et_json_escape(const char *s, size_t n, size_t i, unsigned long *cu) {
  /* Each one-letter escape, then what it stands for. */
  static const char pairs[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
  if (n - i < 2)
    return 0;
  if (s[i + 1] != 'u') {
    for (const char *p = pairs; *p != '\0'; p += 2) {
      if (*p == s[i + 1]) {
        *cu = (unsigned char)p[1];
        return 2;
      }
    }
    return 0;
  }
  if (n - i < 6)
    return 0;
  *cu = 0;
  for (size_t k = i + 2; k < i + 6; k++) {
    int h = et_hex_value(s[k]);
    if (h < 0)
      return 0;
    *cu = *cu * 16 + (unsigned)h;
  }
  return 6;
}

/* cp as UTF-8 at dst[w] (dst NULL: only measured); returns the end. The
 * continuation bytes take 6 bits each from the end; the lead byte gets the
 * rest under its length mark (C0, E0 or F0 for 2, 3 or 4 bytes). */
static size_t put_utf8(char *dst, size_t w, unsigned long cp) {
  size_t m = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  if (dst != NULL) {
    for (size_t k = m - 1; k > 0; k--, cp >>= 6)
      dst[w + k] = (char)(0x80 | (cp & 0x3F));
    dst[w] = (char)((m > 1 ? (0xFF00u >> m) & 0xFFu : 0) | cp);
  }
  return w + m;
}

size_t et_json_unescape_one(const char *s, size_t n, size_t *i, char *dst, size_t w) {
  unsigned long cp, lo;
  size_t m = et_json_escape(s, n, *i, &cp);
  /* A surrogate must be a high one with a low one next: together one code
   * point. The second escape is read first: its length check (n - *i >= 12)
   * makes s[*i + 6] safe to read. */
  if (m == 6 && cp - 0xD800 < 0x800) {
    if (cp >= 0xDC00 || et_json_escape(s, n, *i + 6, &lo) != 6 || s[*i + 6] != '\\' ||
        lo - 0xDC00 >= 0x400)
      return 0;
    cp = 0x10000ul + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    m = 12;
  }
  if (m == 0 || cp == 0)
    return 0; /* not an escape, or \u0000 */
  *i += m;
  return put_utf8(dst, w, cp);
}

/* Decode src[0..n) into dst (NULL: only check and measure). */
static et_err decode(const char *src, size_t n, char *dst, size_t *n_out) {
  size_t i = 0, w = 0;
  while (i < n) {
    unsigned char c = (unsigned char)src[i];
    if (c == '\\') {
      w = et_json_unescape_one(src, n, &i, dst, w);
      if (w == 0)
        return ET_E_JSON_SYNTAX;
    } else {
      if (c < 0x20)
        return ET_E_JSON_SYNTAX; /* values stay safe C text */
      if (dst != NULL)
        dst[w] = (char)c;
      w++;
      i++;
    }
  }
  *n_out = w;
  return ET_OK;
}

et_err et_json_unescape(const char *src, size_t n, char *dst, size_t *n_out) {
  if ((src == NULL && n > 0) || n_out == NULL)
    return ET_E_ARG;
  return decode(src, n, dst, n_out);
}

et_err et_json_string(et_json *j, int idx, et_str *out) {
  jsmntok_t *t;
  char *s;
  size_t n;
  et_err e;

  t = et_json_tok(j, idx);
  if (t == NULL || out == NULL || t->type != JSMN_STRING)
    return ET_E_JSON_FIELD;
  s = j->text + t->start;
  n = (size_t)(t->end - t->start);
  /* An undecoded token ends at its closing quote, a decoded one at a NUL
   * (validation keeps NUL out of the document). A string without a
   * backslash (one memchr) is its own decoding. */
  if (j->text[t->end] != '\0') {
    if (memchr(s, '\\', n) != NULL) {
      /* Check the escapes before writing so a bad one leaves the text
       * intact. */
      e = decode(s, n, NULL, &n);
      if (e != ET_OK)
        return e;
      (void)decode(s, (size_t)(t->end - t->start), s, &n);
    }
    s[n] = '\0';
    t->end = t->start + (int)n;
  }
  out->p = s;
  out->n = n;
  return ET_OK;
}
