/* SPDX-License-Identifier: MIT */
/* base64url, no padding: the alphabet of JWTs and PKCE. */
#include "edgetoken/et_b64url.h"

#include "b64url_alphabet.h"

const char et_b64url_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void et_b64url_encode(et_buf *b, const uint8_t *p, size_t n) {
  /* 3 bytes make 4 characters; a last group of 1 or 2 bytes, read as if
   * zeros followed, makes 2 or 3. */
  for (size_t i = 0; i < n; i += 3) {
    size_t left = n - i;
    uint32_t v = (uint32_t)p[i] << 16 | (left > 1 ? (uint32_t)p[i + 1] << 8 : 0) |
                 (left > 2 ? p[i + 2] : 0);
    char q[4] = { et_b64url_alphabet[v >> 18], et_b64url_alphabet[(v >> 12) & 63],
                  et_b64url_alphabet[(v >> 6) & 63], et_b64url_alphabet[v & 63] };
    et_buf_put(b, q, left > 2 ? 4 : left + 1);
  }
}

static int sextet(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

et_err et_b64url_decode(et_str src, uint8_t *dst, size_t cap, size_t *n_out) {
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t n = 0, len = src.n;
  if (src.p == NULL && len != 0)
    return ET_E_ARG;
  while (len > 0 && src.p[len - 1] == '=' && src.n - len < 2)
    len--;
  if (len % 4 == 1)
    return ET_E_ARG;
  for (size_t i = 0; i < len; i++) {
    int v = sextet(src.p[i]);
    if (v < 0)
      return ET_E_ARG;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= cap)
        return ET_E_NOSPACE;
      /* Written behind the read position: in-place decoding is safe. */
      dst[n++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) /* leftover bits must be zero in a canonical encoding */
    return ET_E_ARG;
  *n_out = n;
  return ET_OK;
}
