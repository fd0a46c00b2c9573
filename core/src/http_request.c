/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request head writer. Every field is checked before the first
 * byte is written, so a rejected request leaves nothing half-built. */
#include "edgetoken/et_form.h"
#include "edgetoken/et_http.h"

#include <stddef.h>

/* What a request field may hold. */
enum text {
  TOKEN, /* RFC 9110 tchar, not empty: method, header names */
  WORD,  /* visible bytes, not empty: host and path, in the request line or Host */
  VALUE  /* header values: tabs and spaces too, may be empty */
};

/* Refuses CR, LF, NUL and every other control byte (header injection). */
static bool text_ok(et_str s, enum text t) {
  if (s.n == 0)
    return t == VALUE;
  if (s.p == NULL)
    return false;
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    bool ok = t == TOKEN ? et_char_in((char)c, ET_CHARS_TCHAR)
                         : (c > ' ' && c != 0x7f) || (t == VALUE && (c == ' ' || c == '\t'));
    if (!ok)
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
  /* The text fields as a table: one loop instead of a call each. */
  static const struct {
    uint8_t at; /* offsetof the et_str in et_http_request */
    uint8_t text;
  } fields[] = {
    { offsetof(et_http_request, method), TOKEN },
    { offsetof(et_http_request, host), WORD },
    { offsetof(et_http_request, path), WORD },
    { offsetof(et_http_request, content_type), VALUE },
    { offsetof(et_http_request, authorization), VALUE },
    { offsetof(et_http_request, bearer), VALUE },
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    const et_str *s = (const et_str *)(const void *)((const char *)r + fields[i].at);
    if (!text_ok(*s, (enum text)fields[i].text))
      return false;
  }
  if (r->path.p[0] != '/' || r->port == 0 || (r->extra == NULL && r->n_extra > 0) ||
      (r->basic_user.p == NULL && r->basic_user.n > 0) ||
      (r->basic_pass.p == NULL && r->basic_pass.n > 0) ||
      (r->basic_user.n > 0 && r->authorization.n > 0))
    return false;
  for (size_t i = 0; i < r->n_extra; i++)
    if (!text_ok(r->extra[i].name, TOKEN) || !text_ok(r->extra[i].value, VALUE))
      return false;
  return true;
}

static void put_crlf(et_buf *b) { et_buf_put(b, "\r\n", 2); }

/* head is the name with its ": " (or more of the line). */
static void put_line(et_buf *b, const char *head, et_str value) {
  et_buf_put_cstr(b, head);
  et_buf_put_str(b, value);
  put_crlf(b);
}

/* A secret value, or "***" in a redacting buffer. */
static et_str secret(const et_buf *b, et_str s) {
  return b->redact ? ET_STR("***") : s;
}

/* The Host header's value: its line's name and end are the caller's. */
static void put_host(et_buf *b, const et_http_request *r) {
  /* An IPv6 literal needs brackets so its colons are not read as a port. */
  bool bracket = has_char(r->host, ':') && r->host.p[0] != '[';
  if (bracket)
    et_buf_put_char(b, '[');
  et_buf_put_str(b, r->host);
  if (bracket)
    et_buf_put_char(b, ']');
  if (r->port != (r->tls ? 443 : 80)) {
    et_buf_put_char(b, ':');
    et_buf_put_u64(b, r->port);
  }
}

/* Standard base64 (with padding) of a byte stream, through a bit
 * accumulator: 8 bits in per byte, 6 bits out per character. */
typedef struct b64_out {
  et_buf *b;
  uint32_t bits;  /* the bits not written yet, lowest are newest */
  unsigned n;     /* how many */
  unsigned chars; /* characters written, for the padding */
} b64_out;

/* The character of the low 6 bits of v: A-Z a-z 0-9 + / (computed: a
 * table would be larger). */
static char b64_char(unsigned v) {
  v &= 63;
  if (v < 26)
    return (char)('A' + v);
  if (v < 52)
    return (char)('a' + v - 26);
  if (v < 62)
    return (char)('0' + v - 52);
  return v == 62 ? '+' : '/';
}

static void b64_byte(b64_out *o, unsigned char c) {
  o->bits = o->bits << 8 | c;
  o->n += 8;
  while (o->n >= 6) {
    o->n -= 6;
    et_buf_put_char(o->b, b64_char(o->bits >> o->n));
    o->chars++;
  }
}

/* The last bits, padded with zeros to a character, then '=' to a
 * multiple of four characters. */
static void b64_end(b64_out *o) {
  if (o->n > 0)
    et_buf_put_char(o->b, b64_char(o->bits << (6 - o->n)));
  for (unsigned k = o->chars + (o->n > 0); k % 4 != 0; k++)
    et_buf_put_char(o->b, '=');
}

/* application/x-www-form-urlencoded, into the base64: et_form_encode's
 * bytes, one input byte at a time through a 3-byte buffer (wiped). */
static void b64_form(b64_out *o, et_str s) {
  char esc[3];
  for (size_t i = 0; i < s.n; i++) {
    et_buf t;
    et_buf_init(&t, esc, sizeof esc);
    et_form_encode(&t, (et_str){ s.p + i, 1 });
    for (size_t k = 0; k < t.len; k++)
      b64_byte(o, (unsigned char)esc[k]);
  }
  et_wipe(esc, sizeof esc);
}

/* Basic credentials: base64 of formenc(user) ':' formenc(pass). */
static void put_basic(et_buf *b, const et_http_request *r) {
  b64_out o = { b, 0, 0, 0 };
  b64_form(&o, r->basic_user);
  b64_byte(&o, ':');
  b64_form(&o, r->basic_pass);
  b64_end(&o);
  et_wipe(&o.bits, sizeof o.bits);
}

/* At most one Authorization line: the caller's whole value, Basic
 * credentials (then authorization is empty: request_ok) or a bearer token
 * (when neither of the others is given); secrets as "***" in a redacting
 * buffer. */
static void put_authorization(et_buf *b, const et_http_request *r) {
  bool basic = CONFIG_ET_CRED_SECRET_BASIC && r->basic_user.n > 0;
  et_str v = r->authorization;
  const char *scheme = basic ? "Basic " : "";
  if (!basic && v.n == 0) {
    v = r->bearer;
    scheme = "Bearer ";
  }
  if (!basic && v.n == 0)
    return;
  et_buf_put_cstr(b, "Authorization: ");
  et_buf_put_cstr(b, scheme);
  if (basic && !b->redact)
    put_basic(b, r);
  else
    et_buf_put_str(b, secret(b, v));
  put_crlf(b);
}

et_err et_http_request_write(et_buf *b, const et_http_request *r) {
  if (b == NULL || r == NULL || !request_ok(r))
    return ET_E_ARG;
  if (!CONFIG_ET_CRED_SECRET_BASIC && r->basic_user.n > 0)
    return ET_E_DISABLED;

  et_buf_put_str(b, r->method);
  et_buf_put_char(b, ' ');
  et_buf_put_str(b, r->path);
  et_buf_put_cstr(b, " HTTP/1.1\r\nHost: ");
  put_host(b, r);
  et_buf_put_cstr(b, "\r\nUser-Agent: edgetoken/0.1\r\n"
                     "Accept: application/json\r\n"
                     "Connection: ");
  et_buf_put_cstr(b, r->keep_alive ? "keep-alive\r\n" : "close\r\n");
  if (r->content_type.n > 0)
    put_line(b, "Content-Type: ", r->content_type);
  put_authorization(b, r);
  for (size_t i = 0; i < r->n_extra; i++) {
    et_buf_put_str(b, r->extra[i].name);
    put_line(b, ": ", r->extra[i].value);
  }
  /* POST always says its length, even 0: some servers answer 411 without. */
  if (r->body_len > 0 || et_str_eq(r->method, ET_STR("POST"))) {
    et_buf_put_cstr(b, "Content-Length: ");
    et_buf_put_u64(b, r->body_len);
    put_crlf(b);
  }
  put_crlf(b);
  return et_buf_status(b);
}
