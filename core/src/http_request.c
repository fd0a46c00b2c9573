/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request head writer. Every field is checked before the first
 * byte is written, so a rejected request leaves nothing half-built. */
#include "edgetoken/et_http.h"

static bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

static bool span_ok(et_str s) { return s.p != NULL || s.n == 0; }

static bool token_ok(et_str s) {
  if (s.n == 0 || s.p == NULL)
    return false;
  for (size_t i = 0; i < s.n; i++)
    if (!et_char_in(s.p[i], ET_CHARS_TCHAR))
      return false;
  return true;
}

/* Header values: tabs allowed, no CR, LF, NUL or other controls. */
static bool value_ok(et_str s) {
  if (!span_ok(s))
    return false;
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (is_ctl(c) && c != '\t')
      return false;
  }
  return true;
}

/* Host and path sit in the request line or Host: no spaces either. */
static bool word_ok(et_str s) {
  if (s.n == 0 || s.p == NULL)
    return false;
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (is_ctl(c) || c == ' ')
      return false;
  }
  return true;
}

static bool has_char(et_str s, char c) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == c)
      return true;
  return false;
}

static bool request_ok(const et_http_request *r) {
  if (!token_ok(r->method) || !word_ok(r->host) || !word_ok(r->path) ||
      r->path.p[0] != '/' || r->port == 0 || !value_ok(r->content_type) ||
      !value_ok(r->authorization) || !value_ok(r->bearer) || (r->extra == NULL && r->n_extra > 0) ||
      !span_ok(r->basic_user) || !span_ok(r->basic_pass) ||
      (r->basic_user.n > 0 && r->authorization.n > 0))
    return false;
  for (size_t i = 0; i < r->n_extra; i++)
    if (!token_ok(r->extra[i].name) || !value_ok(r->extra[i].value))
      return false;
  return true;
}

static void put_header(et_buf *b, et_str name, et_str value) {
  et_buf_put_str(b, name);
  et_buf_put(b, ": ", 2);
  et_buf_put_str(b, value);
  et_buf_put(b, "\r\n", 2);
}

static void put_host(et_buf *b, const et_http_request *r) {
  /* An IPv6 literal needs brackets so its colons are not read as a port. */
  bool bracket = has_char(r->host, ':') && r->host.p[0] != '[';
  et_buf_put_cstr(b, "Host: ");
  if (bracket)
    et_buf_put_char(b, '[');
  et_buf_put_str(b, r->host);
  if (bracket)
    et_buf_put_char(b, ']');
  if (r->port != (r->tls ? 443 : 80)) {
    et_buf_put_char(b, ':');
    et_buf_put_u64(b, r->port);
  }
  et_buf_put(b, "\r\n", 2);
}

/* Standard base64 (with padding) of a byte stream, through a 3-byte carry. */
typedef struct b64_out {
  et_buf *b;
  uint8_t carry[3];
  size_t n;
} b64_out;

static void b64_flush(b64_out *o) {
  static const char abc[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char q[4];
  uint32_t v;
  if (o->n == 0)
    return;
  v = (uint32_t)o->carry[0] << 16 | (uint32_t)(o->n > 1 ? o->carry[1] : 0) << 8 |
      (uint32_t)(o->n > 2 ? o->carry[2] : 0);
  q[0] = abc[v >> 18 & 63];
  q[1] = abc[v >> 12 & 63];
  q[2] = o->n > 1 ? abc[v >> 6 & 63] : '=';
  q[3] = o->n > 2 ? abc[v & 63] : '=';
  et_buf_put(o->b, q, 4);
  o->n = 0;
}

static void b64_byte(b64_out *o, char c) {
  o->carry[o->n++] = (uint8_t)c;
  if (o->n == 3)
    b64_flush(o);
}

/* application/x-www-form-urlencoded (as et_form_encode), into the base64. */
static void b64_form(b64_out *o, et_str s) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (et_char_in((char)c, ET_CHARS_UNRESERVED)) {
      b64_byte(o, (char)c);
    } else {
      b64_byte(o, '%');
      b64_byte(o, hex[c >> 4]);
      b64_byte(o, hex[c & 15]);
    }
  }
}

static void put_basic(et_buf *b, const et_http_request *r) {
  b64_out o;
  et_buf_put_cstr(b, "Authorization: Basic ");
  if (b->redact) {
    et_buf_put_cstr(b, "***\r\n");
    return;
  }
  o.b = b;
  o.n = 0;
  b64_form(&o, r->basic_user);
  b64_byte(&o, ':');
  b64_form(&o, r->basic_pass);
  b64_flush(&o);
  et_wipe(o.carry, sizeof o.carry);
  et_buf_put(b, "\r\n", 2);
}

et_err et_http_request_write(et_buf *b, const et_http_request *r) {
  if (b == NULL || r == NULL || !request_ok(r))
    return ET_E_ARG;
  if (!CONFIG_ET_CRED_SECRET_BASIC && r->basic_user.n > 0)
    return ET_E_DISABLED;

  et_buf_put_str(b, r->method);
  et_buf_put_char(b, ' ');
  et_buf_put_str(b, r->path);
  et_buf_put_cstr(b, " HTTP/1.1\r\n");
  put_host(b, r);
  et_buf_put_cstr(b, "User-Agent: edgetoken/0.1\r\n"
                     "Accept: application/json\r\n");
  et_buf_put_cstr(b, r->keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  if (r->content_type.n > 0)
    put_header(b, ET_STR("Content-Type"), r->content_type);
  if (r->authorization.n > 0)
    put_header(b, ET_STR("Authorization"),
               b->redact ? ET_STR("***") : r->authorization);
  if (CONFIG_ET_CRED_SECRET_BASIC && r->basic_user.n > 0)
    put_basic(b, r);
  else if (r->bearer.n > 0 && r->authorization.n == 0) {
    et_buf_put_cstr(b, "Authorization: Bearer ");
    et_buf_put_str(b, b->redact ? ET_STR("***") : r->bearer);
    et_buf_put(b, "\r\n", 2);
  }
  for (size_t i = 0; i < r->n_extra; i++)
    put_header(b, r->extra[i].name, r->extra[i].value);
  /* POST always says its length, even 0: some servers answer 411 without. */
  if (r->body_len > 0 || et_str_eq(r->method, ET_STR("POST"))) {
    et_buf_put_cstr(b, "Content-Length: ");
    et_buf_put_u64(b, r->body_len);
    et_buf_put(b, "\r\n", 2);
  }
  et_buf_put(b, "\r\n", 2);
  return et_buf_status(b);
}
