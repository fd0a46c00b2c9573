/* SPDX-License-Identifier: MIT */
/* The client assertion JWT, written straight into the request body: its
 * header and claims are written as JSON text, then base64url-encoded in
 * place (encode_from), so the signing input is a region of the body itself. */
#include "edgetoken/et_assertion.h"

#include "edgetoken/et_b64url.h"
#include "edgetoken/et_form.h"
#include "url_origin.h"

#include <string.h>

#if CONFIG_ET_CRED_CERTIFICATE

/* v (0..255) as two lowercase hex digits. */
static void put_hex2(et_buf *b, unsigned v) {
  static const char hex[] = "0123456789abcdef";
  et_buf_put_char(b, hex[v >> 4]);
  et_buf_put_char(b, hex[v & 15]);
}

/* base64url-encode what b holds from start on, in place. The JSON text is
 * moved to the free end of b first, then encoded forward: the output (4
 * characters per 3 bytes) never reaches a byte still to be read while the
 * whole fits, and when it does not fit, b overflows anyway. So header and
 * claims are written with the plain et_buf calls. */
static void encode_from(et_buf *b, size_t start) {
  size_t n = b->len - start;
  const char *text;
  if (b->overflow)
    return;
  b->len = start;
  if (b->p == NULL) { /* counting mode: only the length */
    b->len += ET_B64URL_LEN(n);
    return;
  }
  text = memmove(b->p + b->cap - n, b->p + start, n);
  et_b64url_encode(b, (const uint8_t *)text, n);
}

/* A JSON string value: quotes, backslashes and control bytes escaped. */
static void put_json_str(et_buf *b, et_str v) {
  et_buf_put_char(b, '"');
  for (size_t i = 0; i < v.n; i++) {
    unsigned char c = (unsigned char)v.p[i];
    if (c == '"' || c == '\\')
      et_buf_put_char(b, '\\');
    if (c < 0x20) {
      et_buf_put_cstr(b, "\\u00");
      put_hex2(b, c);
    } else {
      et_buf_put_char(b, (char)c);
    }
  }
  et_buf_put_char(b, '"');
}

/* A version 4 GUID from 16 random bytes, as Entra's own ids look: a dash
 * before bytes 4, 6, 8 and 10 (bits of 0x550). */
static void put_jti(et_buf *b, const uint8_t jti[16]) {
  for (unsigned i = 0; i < 16; i++) {
    unsigned v = jti[i];
    if (i == 6)
      v = (v & 0x0f) | 0x40; /* version 4 */
    else if (i == 8)
      v = (v & 0x3f) | 0x80; /* RFC 4122 variant */
    if (0x550u >> i & 1)
      et_buf_put_char(b, '-');
    put_hex2(b, v);
  }
}

/* Host and path go into aud unescaped: they may hold only URL characters
 * (et_authority_parse and et_tenant_check make sure), never '"' or '\\'. */
static bool aud_ok(et_str s) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] == '"' || s.p[i] == '\\' || (unsigned char)s.p[i] < 0x20)
      return false;
  return true;
}

/* What the header's and the claims' holes are filled with. */
typedef struct jwt_parts {
  const et_cred *cred;
  et_str client_id;
  const et_authority *to; /* NULL: path is the whole aud (et_assertion_begin_aud) */
  et_str path;
  int64_t now;            /* clamped to 0 by begin */
  const uint8_t *jti;
} jwt_parts;

/* Header: "alg", "typ" and the certificate thumbprint the authority looks
 * up: x5t#S256, or x5t (SHA-1) with RS256 for older authorities (ADFS)
 * that know certificates by SHA-1 only. Holes: \1 alg, \2 "#S256" unless
 * SHA-1, \3 the thumbprint. */
static const char header[] = "{\"alg\":\"\1\",\"typ\":\"JWT\",\"x5t\2\":\"\3\"}";

/* Claims. Holes: \4 aud, \5 client_id as a JSON string, \6 the jti GUID,
 * \7 now, \10 now + ET_ASSERTION_LIFETIME_S. */
static const char claims[] =
    "{\"aud\":\"\4\",\"iss\":\5,\"sub\":\5,\"jti\":\"\6\",\"nbf\":\7,\"iat\":\7,\"exp\":\10}";

/* JSON text from a template: its characters, and the parts in its holes. */
static void put_json(et_buf *b, const char *t, const jwt_parts *j) {
  static const char algs[][6] = { "RS256", "PS256", "ES256" }; /* by et_sig_alg */
  bool sha1 = j->cred->alg == ET_SIG_RS256;
  for (; *t != '\0'; t++) {
    switch (*t) {
    case '\1':
      et_buf_put_cstr(b, algs[j->cred->alg]);
      break;
    case '\2':
      if (!sha1)
        et_buf_put_cstr(b, "#S256");
      break;
    case '\3':
      if (sha1)
        et_b64url_encode(b, j->cred->x5t_sha1, sizeof j->cred->x5t_sha1);
      else
        et_b64url_encode(b, j->cred->x5t_s256, sizeof j->cred->x5t_s256);
      break;
    case '\4':
      if (j->to != NULL)
        et_url_origin(b, j->to->host, j->to->port);
      et_buf_put_str(b, j->path);
      break;
    case '\5':
      put_json_str(b, j->client_id);
      break;
    case '\6':
      put_jti(b, j->jti);
      break;
    case '\7':
    case '\10':
      et_buf_put_u64(b, (uint64_t)j->now + (*t == '\10' ? ET_ASSERTION_LIFETIME_S : 0));
      break;
    default:
      et_buf_put_char(b, *t);
    }
  }
}

/* What et_assertion_begin and et_assertion_begin_aud share, with j
 * filled in by them. */
static et_err begin(et_buf *b, jwt_parts *j, size_t *sign_start) {
  const et_cred *cred = j->cred;
  size_t part;
  if (b == NULL || cred == NULL || j->jti == NULL || sign_start == NULL ||
      cred->kind != ET_CRED_CERTIFICATE || j->client_id.n == 0 ||
      (j->to != NULL && !aud_ok(j->to->host)) || !aud_ok(j->path) ||
      (j->to == NULL && j->path.n == 0))
    return ET_E_ARG;
  if (j->now < 0)
    j->now = 0;
  et_form_append(b, "client_assertion_type", ET_STR(ET_ASSERTION_TYPE));
  if (b->redact) {
    et_form_append_secret(b, "client_assertion", ET_STR_NULL);
    *sign_start = b->len;
    return ET_OK;
  }
  if ((unsigned)cred->alg > ET_SIG_ES256)
    return ET_E_ARG;
  /* base64url and '.' are unreserved in a form: no percent-encoding. */
  et_form_append(b, "client_assertion", ET_STR_NULL);
  *sign_start = part = b->len;
  put_json(b, header, j);
  encode_from(b, part);
  et_buf_put_char(b, '.');
  part = b->len;
  put_json(b, claims, j);
  encode_from(b, part);
  return et_buf_status(b);
}

et_err et_assertion_begin(et_buf *b, const et_cred *cred, et_str client_id,
                          const et_authority *to, et_str path, int64_t now_s,
                          const uint8_t jti[16], size_t *sign_start) {
  jwt_parts j = { cred, client_id, to, path, now_s, jti };
  if (to == NULL)
    return ET_E_ARG;
  return begin(b, &j, sign_start);
}

et_err et_assertion_begin_aud(et_buf *b, const et_cred *cred, et_str client_id, et_str aud,
                              int64_t now_s, const uint8_t jti[16], size_t *sign_start) {
  jwt_parts j = { cred, client_id, NULL, aud, now_s, jti };
  return begin(b, &j, sign_start);
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
