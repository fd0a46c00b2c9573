/* JSON string escapes to UTF-8, in place or into another buffer. Every
 * escape is at least as long as what it decodes to (\n 2 -> 1, \uXXXX
 * 6 -> at most 3, a surrogate pair 12 -> 4), so writing never overtakes
 * reading and dst may equal src. */
#include "edgetoken/et_json.h"

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

et_err et_json_unescape(const char *src, size_t n, char *dst, size_t *n_out) {
  size_t i = 0, w = 0;
  if ((src == NULL && n > 0) || n_out == NULL)
    return ET_E_ARG;
  while (i < n) {
    unsigned char c = (unsigned char)src[i];
    if (c == '\\') {
      w = unescape_one(src, n, &i, dst, w);
      if (w == (size_t)-1)
        return ET_E_JSON_SYNTAX;
      continue;
    }
    if (c < 0x20)
      return ET_E_JSON_SYNTAX;
    if (dst != NULL)
      dst[w] = (char)c;
    w++;
    i++;
  }
  *n_out = w;
  return ET_OK;
}
