/* SPDX-License-Identifier: MIT */
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

static const char hex[] = "0123456789abcdef";

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

/* "alg", "typ" and the certificate thumbprint the authority looks up:
 * x5t#S256, or x5t (SHA-1) with RS256 for older authorities (ADFS) that
 * know certificates by SHA-1 only. */
static et_err put_header(b64_stream *s, const et_cred *c) {
  static const char algs[][6] = { "RS256", "PS256", "ES256" }; /* by et_sig_alg */
  char thumb[ET_B64URL_LEN(32)];
  bool sha1 = c->alg == ET_SIG_RS256;
  et_buf t;
  if ((unsigned)c->alg > ET_SIG_ES256)
    return ET_E_ARG;
  et_buf_init(&t, thumb, sizeof thumb);
  if (sha1)
    et_b64url_encode(&t, c->x5t_sha1, sizeof c->x5t_sha1);
  else
    et_b64url_encode(&t, c->x5t_s256, sizeof c->x5t_s256);
  put_cstr(s, "{\"alg\":\"");
  put(s, algs[c->alg], 5);
  put_cstr(s, sha1 ? "\",\"typ\":\"JWT\",\"x5t\":\"" : "\",\"typ\":\"JWT\",\"x5t#S256\":\"");
  put(s, thumb, t.len);
  put_cstr(s, "\"}");
  return ET_OK;
}

/* A version 4 GUID from 16 random bytes, as Entra's own ids look. */
static void put_jti(b64_stream *s, const uint8_t jti[16]) {
  char g[36];
  size_t k = 0;
  for (size_t i = 0; i < 16; i++) {
    uint8_t v = jti[i];
    if (i == 6)
      v = (uint8_t)((v & 0x0f) | 0x40);
    else if (i == 8)
      v = (uint8_t)((v & 0x3f) | 0x80);
    if (i == 4 || i == 6 || i == 8 || i == 10)
      g[k++] = '-';
    g[k++] = hex[v >> 4];
    g[k++] = hex[v & 15];
  }
  put(s, "\"", 1);
  put(s, g, sizeof g);
  put(s, "\"", 1);
}

static bool has_char(et_str s, char c) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == c)
      return true;
  return false;
}

/* Host and path go into aud unescaped: they may hold only URL characters
 * (et_authority_parse and et_tenant_check make sure), never '"' or '\\'. */
static bool aud_ok(et_str s) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == '"' || s.p[i] == '\\' || (unsigned char)s.p[i] < 0x20)
      return false;
  return true;
}

static void put_claims(b64_stream *s, et_str client_id, const et_authority *to,
                       et_str path, int64_t now_s, const uint8_t jti[16]) {
  uint64_t now = now_s < 0 ? 0 : (uint64_t)now_s;
  put_cstr(s, "{\"aud\":\"");
  if (to == NULL) {
    put(s, path.p, path.n); /* the whole aud (et_assertion_begin_aud) */
  } else if (put_cstr(s, "https://"), has_char(to->host, ':')) {
    put(s, "[", 1);
    put(s, to->host.p, to->host.n);
    put(s, "]", 1);
  } else {
    put(s, to->host.p, to->host.n);
  }
  if (to != NULL && to->port != 443) {
    put(s, ":", 1);
    put_u64(s, to->port);
  }
  if (to != NULL)
    put(s, path.p, path.n);
  put_cstr(s, "\",\"iss\":");
  put_json_str(s, client_id);
  put_cstr(s, ",\"sub\":");
  put_json_str(s, client_id);
  put_cstr(s, ",\"jti\":");
  put_jti(s, jti);
  put_cstr(s, ",\"nbf\":");
  put_u64(s, now);
  put_cstr(s, ",\"iat\":");
  put_u64(s, now);
  put_cstr(s, ",\"exp\":");
  put_u64(s, now + ET_ASSERTION_LIFETIME_S);
  put_cstr(s, "}");
}

static et_err begin(et_buf *b, const et_cred *cred, et_str client_id, const et_authority *to,
                    et_str path, int64_t now_s, const uint8_t jti[16], size_t *sign_start) {
  b64_stream s;
  et_err e;
  if (b == NULL || cred == NULL || jti == NULL || sign_start == NULL ||
      cred->kind != ET_CRED_CERTIFICATE || client_id.n == 0 ||
      (to != NULL && !aud_ok(to->host)) || !aud_ok(path) || (to == NULL && path.n == 0))
    return ET_E_ARG;
  et_form_append(b, "client_assertion_type", ET_STR(ET_ASSERTION_TYPE));
  if (b->redact) {
    et_form_append_secret(b, "client_assertion", ET_STR_NULL);
    *sign_start = b->len;
    return ET_OK;
  }
  /* base64url and '.' are unreserved in a form: no percent-encoding. */
  et_form_append(b, "client_assertion", ET_STR_NULL);
  *sign_start = b->len;
  s.out = b;
  s.n = 0;
  e = put_header(&s, cred);
  if (e != ET_OK)
    return e;
  finish(&s);
  et_buf_put_char(b, '.');
  put_claims(&s, client_id, to, path, now_s, jti);
  finish(&s);
  return et_buf_status(b);
}

et_err et_assertion_begin(et_buf *b, const et_cred *cred, et_str client_id,
                          const et_authority *to, et_str path, int64_t now_s,
                          const uint8_t jti[16], size_t *sign_start) {
  if (to == NULL)
    return ET_E_ARG;
  return begin(b, cred, client_id, to, path, now_s, jti, sign_start);
}

et_err et_assertion_begin_aud(et_buf *b, const et_cred *cred, et_str client_id, et_str aud,
                              int64_t now_s, const uint8_t jti[16], size_t *sign_start) {
  return begin(b, cred, client_id, NULL, aud, now_s, jti, sign_start);
}

et_err et_assertion_finish(et_buf *b, const uint8_t *sig, size_t n) {
  if (b == NULL || sig == NULL || n == 0 || n > ET_ASSERTION_SIG_MAX)
    return ET_E_ARG;
  et_buf_put_char(b, '.');
  et_b64url_encode(b, sig, n);
  return et_buf_status(b);
}

#else
et_err et_assertion_begin(et_buf *b, const et_cred *cred, et_str client_id,
                          const et_authority *to, et_str path, int64_t now_s,
                          const uint8_t jti[16], size_t *sign_start) {
  (void)b, (void)cred, (void)client_id, (void)to, (void)path, (void)now_s, (void)jti;
  (void)sign_start;
  return ET_E_DISABLED;
}

et_err et_assertion_begin_aud(et_buf *b, const et_cred *cred, et_str client_id, et_str aud,
                              int64_t now_s, const uint8_t jti[16], size_t *sign_start) {
  (void)b, (void)cred, (void)client_id, (void)aud, (void)now_s, (void)jti, (void)sign_start;
  return ET_E_DISABLED;
}

et_err et_assertion_finish(et_buf *b, const uint8_t *sig, size_t n) {
  (void)b, (void)sig, (void)n;
  return ET_E_DISABLED;
}
#endif
