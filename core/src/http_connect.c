/* SPDX-License-Identifier: MIT */
/* CONNECT through an HTTP proxy: the request that asks for a tunnel and
 * the parser of the proxy's answer head (et_proxy.h). */
#include "edgetoken/et_b64url.h"
#include "edgetoken/et_proxy.h"

static bool has_ctl(et_str s) {
  for (size_t i = 0; i < s.n; i++)
    if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
      return true;
  return false;
}

/* A host name, an IPv4 literal, or an IPv6 literal with or without its
 * brackets: *v6 when it needs them on the wire. */
static bool host_ok(et_str h, bool *v6) {
  bool bracketed, colon = false;
  if (h.p == NULL || h.n == 0)
    return false;
  bracketed = h.n >= 2 && h.p[0] == '[' && h.p[h.n - 1] == ']';
  if (bracketed) {
    h.p++;
    h.n -= 2;
  }
  for (size_t i = 0; i < h.n; i++)
    colon = colon || h.p[i] == ':';
  for (size_t i = 0; i < h.n; i++)
    if (!et_char_in(h.p[i], colon || bracketed ? ET_CHARS_IPV6 : ET_CHARS_HOST))
      return false;
  *v6 = colon && !bracketed;
  return h.n > 0;
}

static void put_authority(et_buf *b, et_str host, bool v6, uint16_t port) {
  if (v6)
    et_buf_put_char(b, '[');
  et_buf_put_str(b, host);
  if (v6)
    et_buf_put_char(b, ']');
  et_buf_put_char(b, ':');
  et_buf_put_u64(b, port);
}

/* Standard base64 (RFC 4648 §4, padded) of user ':' pass, three bytes at
 * a time through et_b64url_encode, whose alphabet differs in two letters. */
typedef struct basic_src {
  et_str user, pass;
  size_t at; /* position in user ':' pass */
} basic_src;

static bool basic_next(basic_src *s, uint8_t *c) {
  size_t i = s->at++;
  if (i < s->user.n)
    *c = (uint8_t)s->user.p[i];
  else if (i == s->user.n)
    *c = ':';
  else if (i - s->user.n - 1 < s->pass.n)
    *c = (uint8_t)s->pass.p[i - s->user.n - 1];
  else
    return false;
  return true;
}

static void put_basic(et_buf *b, et_str user, et_str pass) {
  basic_src src = { user, pass, 0 };
  uint8_t carry[3];
  size_t start = b->len, k;
  do {
    for (k = 0; k < 3 && basic_next(&src, &carry[k]); k++) {
    }
    et_b64url_encode(b, carry, k);
  } while (k == 3);
  et_wipe(carry, sizeof carry);
  if (b->overflow)
    return;
  for (size_t i = start; i < b->len; i++)
    b->p[i] = b->p[i] == '-' ? '+' : b->p[i] == '_' ? '/' : b->p[i];
  for (size_t n = b->len - start; n % 4 != 0; n++)
    et_buf_put_char(b, '=');
}

et_err et_proxy_connect_write(et_buf *b, et_str host, uint16_t port, et_str user,
                              et_str pass) {
  bool v6;
  if (b == NULL || !host_ok(host, &v6) || port == 0 || (user.p == NULL && user.n > 0) ||
      (pass.p == NULL && pass.n > 0) || has_ctl(user) || has_ctl(pass) ||
      (user.n == 0 && pass.n > 0))
    return ET_E_ARG;
  for (size_t i = 0; i < user.n; i++)
    if (user.p[i] == ':')
      return ET_E_ARG; /* RFC 7617: the user-id ends at the first ':' */
  et_buf_put_cstr(b, "CONNECT ");
  put_authority(b, host, v6, port);
  et_buf_put_cstr(b, " HTTP/1.1\r\nHost: ");
  put_authority(b, host, v6, port);
  et_buf_put_cstr(b, "\r\nUser-Agent: edgetoken/0.1\r\n");
  if (user.n > 0) {
    et_buf_put_cstr(b, "Proxy-Authorization: Basic ");
    if (b->redact)
      et_buf_put_cstr(b, "***");
    else
      put_basic(b, user, pass);
    et_buf_put_cstr(b, "\r\n");
  }
  et_buf_put_cstr(b, "\r\n");
  return et_buf_status(b);
}

enum { A_VERSION, A_STATUS, A_REASON, A_LINE, A_HEADER };

void et_proxy_answer_init(et_proxy_answer *a) {
  a->status = 0;
  a->done = false;
  a->state = A_VERSION;
  a->pos = 0;
  a->cr = false;
  a->bytes = 0;
}

/* One byte of "HTTP/1.x SSS": false when it cannot be. */
static bool status_line_byte(et_proxy_answer *a, char c) {
  static const char version[] = "HTTP/1.";
  if (a->state == A_VERSION) {
    if (a->pos < 7)
      return c == version[a->pos++];
    if (a->pos == 7) {
      a->pos++;
      return c >= '0' && c <= '9';
    }
    a->state = A_STATUS;
    a->pos = 0;
    a->status = 0;
    return c == ' ';
  }
  if (a->pos < 3) { /* A_STATUS: three digits, then SP (a reason may be empty) */
    if (c < '0' || c > '9' || (a->pos == 0 && c == '0'))
      return false;
    a->status = a->status * 10 + (c - '0');
    a->pos++;
    return true;
  }
  a->state = A_REASON;
  return c == ' ';
}

/* The end of a line: the status line, a header, or the blank one. */
static void line_end(et_proxy_answer *a) {
  if (a->state != A_LINE) {
    a->state = A_LINE;
    return;
  }
  if (a->status < 200 && a->status != 101) {
    a->state = A_VERSION; /* an interim answer: the real one follows */
    a->pos = 0;
    return;
  }
  a->done = true;
}

et_err et_proxy_answer_parse(et_proxy_answer *a, const uint8_t *in, size_t n, size_t *used) {
  size_t i = 0;
  if (a == NULL || used == NULL || (in == NULL && n > 0))
    return ET_E_ARG;
  for (; i < n && !a->done; i++) {
    char c = (char)in[i];
    if (++a->bytes > ET_PROXY_HEAD_MAX)
      return ET_E_HTTP_TOO_LARGE;
    if (a->cr && c != '\n')
      return ET_E_HTTP_SYNTAX;
    a->cr = c == '\r';
    if (c == '\r')
      continue;
    if (c == '\n') {
      if (a->state == A_VERSION || (a->state == A_STATUS && a->pos < 3))
        return ET_E_HTTP_SYNTAX;
      line_end(a);
      continue;
    }
    if (a->state == A_VERSION || a->state == A_STATUS) {
      if (!status_line_byte(a, c))
        return ET_E_HTTP_SYNTAX;
    } else if (((unsigned char)c < 0x20 && c != '\t') || c == 0x7f) {
      return ET_E_HTTP_SYNTAX;
    } else if (a->state == A_LINE) {
      if (c == ' ' || c == '\t' || c == ':')
        return ET_E_HTTP_SYNTAX; /* no folding, no empty name */
      a->state = A_HEADER;
    }
  }
  *used = i;
  return ET_OK;
}
