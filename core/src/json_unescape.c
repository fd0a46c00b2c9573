/* SPDX-License-Identifier: MIT */
/* JSON string escapes to UTF-8, into another buffer or in place, and a
 * document's string tokens decoded in place. Every escape is at least as
 * long as what it decodes to (\n 2 -> 1, \uXXXX 6 -> at most 3, a surrogate
 * pair 12 -> 4), so writing never overtakes reading and dst may equal src. */
#include "edgetoken/et_json.h"

#include <string.h>

/* The code unit of "\uXXXX" at s[i], or -1. */
static long read_u(const char *s, size_t n, size_t i) {
  long v = 0;
  if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
    return -1;
  for (size_t k = 2; k < 6; k++) {
    int h = et_hex_value(s[i + k]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  return v;
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

/* Decode the escape at src[*i] (a backslash); returns the new write index,
 * or (size_t)-1 on a bad escape. */
static size_t unescape_one(const char *src, size_t n, size_t *i, char *dst,
                           size_t w) {
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  long hi, lo;
  if (*i + 1 >= n)
    return (size_t)-1;
  if (src[*i + 1] != 'u') {
    for (size_t k = 0; k < sizeof from - 1; k++) {
      if (src[*i + 1] == from[k]) {
        if (dst != NULL)
          dst[w] = to[k];
        *i += 2;
        return w + 1;
      }
    }
    return (size_t)-1;
  }
  hi = read_u(src, n, *i);
  if (hi <= 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
    return (size_t)-1; /* bad hex, \u0000, or a low surrogate first */
  if (hi < 0xD800 || hi > 0xDBFF) {
    *i += 6;
    return put_utf8(dst, w, (unsigned long)hi);
  }
  lo = read_u(src, n, *i + 6);
  if (lo < 0xDC00 || lo > 0xDFFF)
    return (size_t)-1; /* a high surrogate needs a low one next */
  *i += 12;
  return put_utf8(dst, w,
                  0x10000ul + (((unsigned long)hi - 0xD800) << 10) +
                      ((unsigned long)lo - 0xDC00));
}

/* Decode src[0..n) into dst (NULL: only check and measure). The plain
 * runs between backslashes are found with memchr and moved whole, so a
 * string without escapes costs one memchr. raw_checked: the bytes are
 * known to be >= 0x20 (a validated document), so runs are not checked. */
static et_err decode(const char *src, size_t n, char *dst, size_t *n_out,
                     bool raw_checked) {
  size_t i = 0, w = 0;
  while (i < n) {
    const char *bs = memchr(src + i, '\\', n - i);
    size_t end = bs != NULL ? (size_t)(bs - src) : n;
    for (size_t k = i; !raw_checked && k < end; k++)
      if ((unsigned char)src[k] < 0x20)
        return ET_E_JSON_SYNTAX;
    if (dst != NULL && dst + w != src + i)
      memmove(dst + w, src + i, end - i);
    w += end - i;
    i = end;
    if (i < n) {
      w = unescape_one(src, n, &i, dst, w);
      if (w == (size_t)-1)
        return ET_E_JSON_SYNTAX;
    }
  }
  *n_out = w;
  return ET_OK;
}

et_err et_json_unescape(const char *src, size_t n, char *dst, size_t *n_out) {
  if ((src == NULL && n > 0) || n_out == NULL)
    return ET_E_ARG;
  return decode(src, n, dst, n_out, false);
}

et_err et_json_string(et_json *j, int idx, et_str *out) {
  jsmntok_t *t;
  char *s;
  size_t n, m;
  et_err e;

  if (j == NULL || out == NULL || idx < 0 || (size_t)idx >= j->ntok ||
      j->tok[idx].type != JSMN_STRING)
    return ET_E_JSON_FIELD;
  t = &j->tok[idx];
  s = j->text + t->start;
  n = (size_t)(t->end - t->start);
  /* An undecoded token ends at its closing quote, a decoded one at a NUL
   * (validation keeps NUL out of the document). */
  if (j->text[t->end] != '\0') {
    /* Check the escapes before writing so a bad one leaves the text
     * intact; validation already checked every other byte. Escapes always
     * shrink, so m == n means there are none and nothing to move. */
    e = decode(s, n, NULL, &m, true);
    if (e != ET_OK)
      return e;
    if (m != n)
      (void)decode(s, n, s, &m, true);
    s[m] = '\0';
    t->end = t->start + (int)m;
    n = m;
  }
  out->p = s;
  out->n = n;
  return ET_OK;
}
