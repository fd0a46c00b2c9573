/* SPDX-License-Identifier: MIT */
/* The browser's way back: parse the redirect to the loopback URI (pasted
 * URL, listener request target or bare query) into its OAuth parameters.
 * The input is hostile until et_redirect_check accepts it: anything odd is
 * refused rather than guessed at, as ET_E_INPUT (ET_E_ARG is for the
 * caller's own mistakes: NULL pointers). */
#include "edgetoken/et_signin.h"

#include <string.h>

enum { P_CODE, P_STATE, P_SESSION_STATE, P_ERROR, P_ERROR_DESCRIPTION, P_ERROR_URI, P__N };

static const char *const names[P__N] = {
  "code", "state", "session_state", "error", "error_description", "error_uri",
};

/* Longest name above plus one, so a longer key is known to be foreign. */
#define KEY_MAX 24

static et_str *field(et_redirect *r, int k) {
  switch (k) {
  case P_CODE: return &r->code;
  case P_STATE: return &r->state;
  case P_SESSION_STATE: return &r->session_state;
  case P_ERROR: return &r->error;
  case P_ERROR_DESCRIPTION: return &r->error_description;
  default: return &r->error_uri;
  }
}

/* Query decoding of s[0..n): %XX and '+'. With dst NULL it only checks and
 * measures. Output never gets ahead of input, so dst may equal s. */
static et_err decode(const char *s, size_t n, char *dst, size_t cap, size_t *out_n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '%') {
      int hi, lo;
      if (n - i < 3)
        return ET_E_INPUT;
      hi = et_hex_value(s[i + 1]);
      lo = et_hex_value(s[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
        return ET_E_INPUT; /* bad escape, or %00 that would cut C strings */
      c = (char)(hi << 4 | lo);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (k >= ET_REDIRECT_VALUE_MAX)
      return ET_E_INPUT;
    if (dst != NULL) {
      if (k >= cap)
        return ET_E_NOSPACE;
      dst[k] = c;
    }
    k++;
  }
  *out_n = k;
  return ET_OK;
}

static int lookup(const char *key, size_t n) {
  for (int k = 0; k < P__N; k++)
    if (strlen(names[k]) == n && memcmp(names[k], key, n) == 0)
      return k;
  return -1;
}

/* scheme://host[:port][/path] (no query, fragment or userinfo). */
typedef struct loc {
  et_str scheme, host, path;
  uint32_t port;
} loc;

static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* Length of a leading "scheme://" (0 when s does not start with one). */
static size_t scheme_len(et_str s) {
  size_t i = 0;
  if (s.n == 0 || !is_alpha(s.p[0]))
    return 0;
  while (i < s.n && (is_alpha(s.p[i]) || (s.p[i] >= '0' && s.p[i] <= '9') ||
                     s.p[i] == '+' || s.p[i] == '-' || s.p[i] == '.'))
    i++;
  if (s.n - i < 3 || memcmp(s.p + i, "://", 3) != 0)
    return 0;
  return i + 3;
}

static et_err parse_loc(et_str s, loc *u) {
  size_t i = scheme_len(s), h;
  if (i == 0)
    return ET_E_URL;
  u->scheme = (et_str){ s.p, i - 3 };
  h = i;
  if (i < s.n && s.p[i] == '[') {
    while (i < s.n && s.p[i] != ']')
      i++;
    if (i == s.n)
      return ET_E_URL;
    i++;
  } else {
    while (i < s.n && s.p[i] != ':' && s.p[i] != '/')
      i++;
  }
  u->host = (et_str){ s.p + h, i - h };
  if (u->host.n == 0 || memchr(u->host.p, '@', u->host.n) != NULL ||
      memchr(u->host.p, '?', u->host.n) != NULL)
    return ET_E_URL;
  if (et_str_eq_nocase(u->scheme, ET_STR("http")))
    u->port = 80;
  else if (et_str_eq_nocase(u->scheme, ET_STR("https")))
    u->port = 443;
  else
    u->port = 0;
  if (i < s.n && s.p[i] == ':') {
    size_t p0 = ++i;
    uint64_t port;
    while (i < s.n && s.p[i] != '/')
      i++;
    if (et_str_to_u64((et_str){ s.p + p0, i - p0 }, 65535, &port) != ET_OK)
      return ET_E_URL;
    u->port = (uint32_t)port;
  }
  u->path = (et_str){ s.p + i, s.n - i };
  if (memchr(u->path.p, '?', u->path.n) != NULL || memchr(u->path.p, '#', u->path.n) != NULL)
    return ET_E_URL;
  return ET_OK;
}

static bool same_path(et_str a, et_str b) {
  if (a.n == 0)
    a = ET_STR("/");
  if (b.n == 0)
    b = ET_STR("/");
  return et_str_eq(a, b);
}

/* Is the part before '?' (a URL or a request target) our redirect URI? */
static et_err check_target(et_str before, bool full_url, et_str expected) {
  loc want, got;
  if (parse_loc(expected, &want) != ET_OK)
    return ET_E_URL;
  if (!full_url)
    return same_path(before, want.path) ? ET_OK : ET_E_URL;
  if (parse_loc(before, &got) != ET_OK || !et_str_eq_nocase(got.scheme, want.scheme) ||
      !et_str_eq_nocase(got.host, want.host) || got.port != want.port ||
      !same_path(got.path, want.path))
    return ET_E_URL;
  return ET_OK;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static et_err parse_query(const char *q, size_t n, char *scratch, size_t cap,
                          et_redirect *out) {
  unsigned seen = 0;
  size_t w = 0, i = 0;
  while (i < n) {
    const char *seg = q + i, *eq;
    size_t len = n - i, klen, kdec, vdec;
    const char *amp = memchr(seg, '&', len);
    char key[KEY_MAX];
    int k = -1;
    et_err e;
    if (amp != NULL)
      len = (size_t)(amp - seg);
    i += len + 1;
    if (len == 0)
      continue; /* "a=1&&b=2" */
    eq = memchr(seg, '=', len);
    klen = eq != NULL ? (size_t)(eq - seg) : len;
    /* Names are decoded too: "c%6Fde" is a second code all the same. */
    e = decode(seg, klen, NULL, 0, &kdec);
    if (e != ET_OK)
      return e;
    if (kdec <= sizeof key) {
      (void)decode(seg, klen, key, sizeof key, &kdec);
      k = lookup(key, kdec);
    }
    if (k < 0) {
      e = eq != NULL ? decode(eq + 1, len - klen - 1, NULL, 0, &vdec) : ET_OK;
      if (e != ET_OK)
        return e;
      continue;
    }
    if (seen & (1u << k))
      return ET_E_INPUT;
    seen |= 1u << k;
    vdec = 0;
    if (eq != NULL) {
      e = decode(eq + 1, len - klen - 1, scratch + w, cap - w, &vdec);
      if (e != ET_OK)
        return e;
    }
    *field(out, k) = (et_str){ scratch + w, vdec };
    w += vdec;
  }
  if (out->code.n == 0 && out->error.n == 0)
    return ET_E_INPUT;
  return ET_OK;
}

et_err et_redirect_parse(et_str input, char *scratch, size_t cap,
                         et_str expected_redirect_uri, et_redirect *out) {
  const char *s = input.p, *qm, *hash;
  size_t n = input.n, q;
  et_err e = ET_OK;
  if (out == NULL)
    return ET_E_ARG;
  memset(out, 0, sizeof *out);
  if (s == NULL || scratch == NULL)
    return ET_E_ARG;
  while (n > 0 && is_space(s[0]))
    s++, n--;
  while (n > 0 && is_space(s[n - 1]))
    n--;
  hash = memchr(s, '#', n);
  if (hash != NULL)
    n = (size_t)(hash - s);
  if (n == 0)
    return ET_E_INPUT;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return ET_E_INPUT; /* NUL, CR/LF (header injection), other controls */

  qm = memchr(s, '?', n);
  if (s[0] == '/' || scheme_len((et_str){ s, n }) > 0) {
    /* A request target or a full URL: the query follows the first '?'. */
    if (qm == NULL)
      return ET_E_INPUT;
    q = (size_t)(qm - s) + 1;
    if (expected_redirect_uri.n > 0)
      e = check_target((et_str){ s, q - 1 }, s[0] != '/', expected_redirect_uri);
  } else {
    /* "?query" or "query": nothing to compare, but the URI must be sane. */
    loc want;
    q = s[0] == '?' ? 1 : 0;
    if (expected_redirect_uri.n > 0 && parse_loc(expected_redirect_uri, &want) != ET_OK)
      e = ET_E_URL;
  }
  if (e == ET_OK)
    e = parse_query(s + q, n - q, scratch, cap, out);
  if (e != ET_OK)
    memset(out, 0, sizeof *out);
  return e;
}
