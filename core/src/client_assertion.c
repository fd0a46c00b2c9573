/* The client assertion JWT, written straight into the request body: its
 * header and claims are base64url-encoded as they are produced (through a
 * 3-byte carry), so the signing input is a region of the body itself. */
#include "edgetoken/et_assertion.h"

#include "edgetoken/et_b64url.h"
#include "edgetoken/et_form.h"

#if CONFIG_ET_CRED_CERTIFICATE

/* base64url of a stream of JSON text: whole 3-byte groups go out at once,
 * the rest waits in carry. */
typedef struct b64_stream {
  et_buf *out;
  uint8_t carry[3];
  size_t n;
} b64_stream;

static void put(b64_stream *s, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    s->carry[s->n++] = (uint8_t)p[i];
    if (s->n == 3) {
      et_b64url_encode(s->out, s->carry, 3);
      s->n = 0;
    }
  }
}

static void put_cstr(b64_stream *s, const char *p) {
  put(s, p, et_str_from_cstr(p).n);
}

static void finish(b64_stream *s) {
  et_b64url_encode(s->out, s->carry, s->n);
  s->n = 0;
}

/* A JSON string value: quotes, backslashes and control bytes escaped. */
static void put_json_str(b64_stream *s, et_str v) {
  static const char hex[] = "0123456789abcdef";
  put(s, "\"", 1);
  for (size_t i = 0; i < v.n; i++) {
    unsigned char c = (unsigned char)v.p[i];
    if (c == '"' || c == '\\') {
      char esc[2] = { '\\', (char)c };
      put(s, esc, 2);
    } else if (c < 0x20) {
      char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
      put(s, esc, 6);
    } else {
      put(s, (const char *)&c, 1);
    }
  }
  put(s, "\"", 1);
}

static void put_u64(b64_stream *s, uint64_t v) {
  char digits[24];
  et_buf d;
  et_buf_init(&d, digits, sizeof digits);
  et_buf_put_u64(&d, v);
  put(s, digits, d.len);
}

/* "alg", "typ" and the certificate thumbprint the authority looks up. */
static et_err put_header(b64_stream *s, const et_cred *c) {
  char thumb[ET_B64URL_LEN(32)];
  et_buf t;
  et_buf_init(&t, thumb, sizeof thumb);
  switch (c->alg) {
  case ET_SIG_PS256:
    put_cstr(s, "{\"alg\":\"PS256\",\"typ\":\"JWT\",\"x5t#S256\":\"");
    et_b64url_encode(&t, c->x5t_s256, sizeof c->x5t_s256);
    break;
  case ET_SIG_ES256:
    put_cstr(s, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"x5t#S256\":\"");
    et_b64url_encode(&t, c->x5t_s256, sizeof c->x5t_s256);
    break;
  case ET_SIG_RS256:
    /* Older authorities (ADFS) know certificates by SHA-1 only. */
    put_cstr(s, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\"");
    et_b64url_encode(&t, c->x5t_sha1, sizeof c->x5t_sha1);
    break;
  default:
    return ET_E_ARG;
  }
  put(s, thumb, t.len);
  put_cstr(s, "\"}");
  return ET_OK;
}

/* A random (version 4) GUID, as Entra's own ids look. */
static et_err put_jti(b64_stream *s, const et_port *port) {
  static const char hex[] = "0123456789abcdef";
  uint8_t r[16];
  char g[36];
  size_t k = 0;
  et_err e = port->random(port->ctx, r, sizeof r);
  if (e != ET_OK)
    return e;
  r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
  r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
  for (size_t i = 0; i < sizeof r; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      g[k++] = '-';
    g[k++] = hex[r[i] >> 4];
    g[k++] = hex[r[i] & 15];
  }
  put(s, "\"", 1);
  put(s, g, sizeof g);
  put(s, "\"", 1);
  return ET_OK;
}

static bool is_ipv6(et_str host) {
  for (size_t i = 0; i < host.n; i++)
    if (host.p[i] == ':')
      return true;
  return false;
}

/* aud: the token endpoint URL as posted. Host, prefix and tenant are
 * checked to hold no JSON-special characters. */
static et_err put_claims(b64_stream *s, const et_port *port, const et_app *app,
                         const char *token_path) {
  et_authority to;
  int64_t now;
  et_err e;
  if (et_authority_parse(app->authority, &to) != ET_OK ||
      et_tenant_check(app->tenant) != ET_OK || app->client_id.n == 0)
    return ET_E_ARG;
  put_cstr(s, "{\"aud\":\"https://");
  if (is_ipv6(to.host)) {
    put(s, "[", 1);
    put(s, to.host.p, to.host.n);
    put(s, "]", 1);
  } else {
    put(s, to.host.p, to.host.n);
  }
  if (to.port != 443) {
    put(s, ":", 1);
    put_u64(s, to.port);
  }
  put(s, to.prefix.p, to.prefix.n);
  put(s, "/", 1);
  put(s, app->tenant.p, app->tenant.n);
  put_cstr(s, token_path);
  put_cstr(s, "\",\"iss\":");
  put_json_str(s, app->client_id);
  put_cstr(s, ",\"sub\":");
  put_json_str(s, app->client_id);
  put_cstr(s, ",\"jti\":");
  e = put_jti(s, port);
  if (e != ET_OK)
    return e;
  now = port->unix_s(port->ctx);
  if (now < 0)
    now = 0;
  put_cstr(s, ",\"nbf\":");
  put_u64(s, (uint64_t)now);
  put_cstr(s, ",\"iat\":");
  put_u64(s, (uint64_t)now);
  put_cstr(s, ",\"exp\":");
  put_u64(s, (uint64_t)now + ET_ASSERTION_LIFETIME_S);
  put_cstr(s, "}");
  return ET_OK;
}

et_err et_assertion_append(et_buf *b, const et_port *port, const et_app *app,
                           const char *token_path) {
  uint8_t digest[32];
  uint8_t sig[ET_ASSERTION_SIG_MAX];
  size_t start, sig_len = 0;
  b64_stream s;
  et_err e;

  if (b == NULL || port == NULL || app == NULL || token_path == NULL ||
      app->cred.kind != ET_CRED_CERTIFICATE)
    return ET_E_ARG;
  if (port->sign == NULL || port->sha256 == NULL || port->random == NULL ||
      port->unix_s == NULL)
    return ET_E_DISABLED;
  et_form_append(b, "client_assertion_type", ET_STR(ET_ASSERTION_TYPE));
  if (b->redact) {
    et_form_append_secret(b, "client_assertion", ET_STR_NULL);
    return ET_OK;
  }
  /* base64url and '.' are unreserved in a form: no percent-encoding. */
  et_form_append(b, "client_assertion", ET_STR_NULL);
  start = b->len;
  s.out = b;
  s.n = 0;
  e = put_header(&s, &app->cred);
  if (e != ET_OK)
    return e;
  finish(&s);
  et_buf_put_char(b, '.');
  e = put_claims(&s, port, app, token_path);
  if (e != ET_OK)
    return e;
  finish(&s);
  /* Signing needs the bytes themselves, not just their count. */
  if (b->overflow || b->p == NULL)
    return ET_E_NOSPACE;

  e = port->sha256(port->ctx, (const uint8_t *)b->p + start, b->len - start, digest);
  if (e == ET_OK)
    e = port->sign(port->ctx, app->cred.alg, digest, sig, sizeof sig, &sig_len);
  if (e == ET_OK && (sig_len == 0 || sig_len > sizeof sig))
    e = ET_E_ARG;
  if (e == ET_OK) {
    et_buf_put_char(b, '.');
    et_b64url_encode(b, sig, sig_len);
    e = et_buf_status(b);
  }
  et_wipe(sig, sizeof sig);
  return e;
}
#else
et_err et_assertion_append(et_buf *b, const et_port *port, const et_app *app,
                           const char *token_path) {
  (void)b, (void)port, (void)app, (void)token_path;
  return ET_E_DISABLED;
}
#endif
