/* SPDX-License-Identifier: MIT */
/* Client assertions: the JWT core writes into the body, checked piece by
 * piece with a fake signer and injected clock and randomness; the engine's
 * SIGN step that asks for the signature, by hand and through et_drive;
 * then the mbedTLS signer of the POSIX port (PS256, RS256, ES256) checked
 * by verifying its signatures with the certificate's public key, and its
 * refusals at load. Client certificates: $ET_TEST_CERTS if set, else a temp
 * dir, filled by tests/emulator/make_client_certs.sh (run from the
 * repository root or set $ET_SRC_DIR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

/* 3.x renamed mbedtls_sha256_ret and made the key pair's fields private. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define mbedtls_sha256_ret mbedtls_sha256
#define EC_FIELD(ec, f) (&(ec)->MBEDTLS_PRIVATE(f))
#else
#define EC_FIELD(ec, f) (&(ec)->f)
#endif

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"
#include "fake_port.h"

extern char **environ;

#define NOW 1700000000

static char g_certs[512];

/* --- a fake port: fixed clock, counting CSPRNG, recording signer -------- */

typedef struct fake {
  int64_t now;
  uint8_t next_random;
  unsigned sign_calls;
  et_sig_alg alg;
  uint8_t digest[32];
  size_t sig_len;         /* what the signer claims to have written */
  et_err sign_err;
} fake;

static int64_t f_unix_s(void *ctx) { return ((fake *)ctx)->now; }

static et_err f_random(void *ctx, uint8_t *p, size_t n) {
  fake *f = ctx;
  for (size_t i = 0; i < n; i++)
    p[i] = f->next_random++;
  return ET_OK;
}

static et_err f_sha256(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]) {
  (void)ctx;
  return mbedtls_sha256_ret(p, n, out, 0) == 0 ? ET_OK : ET_E_CRYPTO;
}

static et_err f_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                     size_t cap, size_t *sig_len) {
  fake *f = ctx;
  f->sign_calls++;
  f->alg = alg;
  memcpy(f->digest, digest, 32);
  if (f->sign_err != ET_OK)
    return f->sign_err;
  for (size_t i = 0; i < f->sig_len && i < cap; i++)
    sig[i] = (uint8_t)(0xA0 + i);
  *sig_len = f->sig_len;
  return ET_OK;
}

static void fake_port(et_port *port, fake *f) {
  memset(f, 0, sizeof *f);
  f->now = NOW;
  f->sig_len = 256;
  memset(port, 0, sizeof *port);
  port->ctx = f;
  port->unix_s = f_unix_s;
  port->random = f_random;
  port->sha256 = f_sha256;
  port->sign = f_sign;
}

static void cert_app(et_app *app, et_sig_alg alg) {
  memset(app, 0, sizeof *app);
  app->tenant = ET_STR("contoso");
  app->client_id = ET_STR("00000000-1111-2222-3333-444444444444");
  app->cred.kind = ET_CRED_CERTIFICATE;
  app->cred.alg = alg;
  for (size_t i = 0; i < sizeof app->cred.x5t_s256; i++)
    app->cred.x5t_s256[i] = (uint8_t)i;
  for (size_t i = 0; i < sizeof app->cred.x5t_sha1; i++)
    app->cred.x5t_sha1[i] = (uint8_t)(0xF0 - i);
}

/* The JWT's three parts, decoded (header and claims as NUL-terminated
 * text) from a body "client_assertion_type=...&client_assertion=JWT". */
typedef struct jwt {
  et_str h64, c64, s64;
  char header[256];
  char claims[512];
  uint8_t sig[600];
  size_t sig_len;
} jwt;

static void split_jwt(const char *body, size_t n, jwt *j) {
  static const char prefix[] =
      "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
      "&client_assertion=";
  size_t len;
  assert_true(n > sizeof prefix - 1);
  assert_memory_equal(body, prefix, sizeof prefix - 1);
  const char *p = body + sizeof prefix - 1, *end = body + n;
  const char *d1 = memchr(p, '.', (size_t)(end - p));
  assert_non_null(d1);
  const char *d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1));
  assert_non_null(d2);
  assert_null(memchr(d2 + 1, '.', (size_t)(end - d2 - 1)));
  j->h64 = (et_str){ p, (size_t)(d1 - p) };
  j->c64 = (et_str){ d1 + 1, (size_t)(d2 - d1 - 1) };
  j->s64 = (et_str){ d2 + 1, (size_t)(end - d2 - 1) };
  assert_int_equal(et_b64url_decode(j->h64, (uint8_t *)j->header, sizeof j->header - 1, &len),
                   ET_OK);
  j->header[len] = '\0';
  assert_int_equal(et_b64url_decode(j->c64, (uint8_t *)j->claims, sizeof j->claims - 1, &len),
                   ET_OK);
  j->claims[len] = '\0';
  assert_int_equal(et_b64url_decode(j->s64, j->sig, sizeof j->sig, &j->sig_len), ET_OK);
}

/* What the engine does for a client assertion, by hand: the JWT up to its
 * signature (et_assertion_begin) for the request path
 * {prefix}/{tenant}{endpoint}, SHA-256 and the port's signer over the
 * signing input, then the signature (et_assertion_finish). The jti is the
 * port's next 16 random bytes, the time its clock. */
static size_t build(const et_port *port, const et_app *app, const char *endpoint, char *out,
                    size_t cap, et_err want) {
  char path[256];
  uint8_t jti[16], digest[32], sig[ET_ASSERTION_SIG_MAX];
  size_t start = 0, n = 0;
  et_authority to;
  et_buf b, pb;
  et_err e;
  et_buf_init(&b, out, cap);
  e = et_authority_parse(app->authority, &to);
  if (e == ET_OK) {
    et_buf_init(&pb, path, sizeof path);
    et_buf_put_str(&pb, to.prefix);
    et_buf_put_char(&pb, '/');
    et_buf_put_str(&pb, app->tenant);
    et_buf_put_cstr(&pb, endpoint);
    assert_false(pb.overflow);
    assert_int_equal(port->random(port->ctx, jti, sizeof jti), ET_OK);
    e = et_assertion_begin(&b, &app->cred, app->client_id, &to, (et_str){ path, pb.len },
                           port->unix_s(port->ctx), jti, &start);
  }
  if (e == ET_OK) {
    assert_true(start < b.len);
    e = port->sign == NULL ? ET_E_DISABLED
                           : port->sha256(port->ctx, (const uint8_t *)out + start,
                                          b.len - start, digest);
  }
  if (e == ET_OK)
    e = port->sign(port->ctx, app->cred.alg, digest, sig, sizeof sig, &n);
  if (e == ET_OK)
    e = et_assertion_finish(&b, sig, n);
  assert_int_equal(e, want);
  return b.len;
}

static void b64(const uint8_t *p, size_t n, char *out, size_t cap) {
  et_buf b;
  et_buf_init(&b, out, cap - 1);
  et_b64url_encode(&b, p, n);
  assert_false(b.overflow);
  out[b.len] = '\0';
}

/* --- JWT layout with the fake signer ------------------------------------ */

/* What each of these tests starts from: the fake port, an app signing with
 * alg, and room for one assertion. */
typedef struct signing {
  et_port port;
  et_app app;
  fake f;
  char body[2048];
  jwt j;
} signing;

static void signing_init(signing *s, et_sig_alg alg) {
  fake_port(&s->port, &s->f);
  cert_app(&s->app, alg);
}

/* An assertion for path, which must succeed, split into s->j. */
static const jwt *sign_path(signing *s, const char *path) {
  split_jwt(s->body, build(&s->port, &s->app, path, s->body, sizeof s->body, ET_OK), &s->j);
  return &s->j;
}

static void test_ps256_header_claims_and_signing_input(void **state) {
  char thumb[64], want[512];
  signing s;
  uint8_t digest[32];
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  sign_path(&s, "/oauth2/v2.0/token");

  b64(s.app.cred.x5t_s256, 32, thumb, sizeof thumb);
  snprintf(want, sizeof want, "{\"alg\":\"PS256\",\"typ\":\"JWT\",\"x5t#S256\":\"%s\"}", thumb);
  assert_string_equal(s.j.header, want);
  /* jti: the 16 counting bytes 00..0f with the v4 version and variant bits. */
  assert_string_equal(s.j.claims,
                      "{\"aud\":\"https://login.microsoftonline.com/contoso/oauth2/v2.0/token\","
                      "\"iss\":\"00000000-1111-2222-3333-444444444444\","
                      "\"sub\":\"00000000-1111-2222-3333-444444444444\","
                      "\"jti\":\"00010203-0405-4607-8809-0a0b0c0d0e0f\","
                      "\"nbf\":1700000000,\"iat\":1700000000,\"exp\":1700000600}");

  /* One signature, over SHA-256 of "header.claims" exactly as sent. */
  assert_int_equal(s.f.sign_calls, 1);
  assert_int_equal(s.f.alg, ET_SIG_PS256);
  f_sha256(NULL, (const uint8_t *)s.j.h64.p, s.j.h64.n + 1 + s.j.c64.n, digest);
  assert_memory_equal(s.f.digest, digest, 32);
  assert_int_equal(s.j.sig_len, 256);
  for (size_t i = 0; i < s.j.sig_len; i++)
    assert_int_equal(s.j.sig[i], (uint8_t)(0xA0 + i));
}

static void test_rs256_uses_sha1_thumbprint_and_es256_sha256(void **state) {
  char thumb[64], want[256];
  signing s;
  (void)state;
  signing_init(&s, ET_SIG_RS256);
  sign_path(&s, "/oauth2/token");
  b64(s.app.cred.x5t_sha1, 20, thumb, sizeof thumb);
  snprintf(want, sizeof want, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\"%s\"}", thumb);
  assert_string_equal(s.j.header, want);
  assert_int_equal(s.f.alg, ET_SIG_RS256);

  cert_app(&s.app, ET_SIG_ES256);
  s.f.sig_len = 64;
  sign_path(&s, "/oauth2/token");
  b64(s.app.cred.x5t_s256, 32, thumb, sizeof thumb);
  snprintf(want, sizeof want, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"x5t#S256\":\"%s\"}", thumb);
  assert_string_equal(s.j.header, want);
  assert_int_equal(s.j.sig_len, 64);

  s.app.cred.alg = (et_sig_alg)7;
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_ARG);
}

static void test_aud_is_the_posted_url(void **state) {
  signing s;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  s.app.authority = ET_STR("https://localhost:8443/adfs/");
  assert_non_null(strstr(sign_path(&s, "/oauth2/token")->claims,
                         "\"aud\":\"https://localhost:8443/adfs/contoso/oauth2/token\""));
  s.app.authority = ET_STR("https://[::1]:9000");
  assert_non_null(strstr(sign_path(&s, "/oauth2/token")->claims,
                         "\"aud\":\"https://[::1]:9000/contoso/oauth2/token\""));
  s.app.authority = ET_STR("http://login.example");
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_URL);
  assert_int_equal(s.f.sign_calls, 2);
  /* Nothing a JSON string would have to escape may reach aud. */
  {
    et_authority to;
    et_buf b;
    size_t start;
    static const uint8_t jti[16];
    assert_int_equal(et_authority_parse(ET_STR_NULL, &to), ET_OK);
    et_buf_init(&b, s.body, sizeof s.body);
    assert_int_equal(et_assertion_begin(&b, &s.app.cred, s.app.client_id, &to,
                                        ET_STR("/contoso\"/oauth2/token"), NOW, jti, &start),
                     ET_E_ARG);
    et_buf_init(&b, s.body, sizeof s.body);
    assert_int_equal(et_assertion_begin(&b, &s.app.cred, s.app.client_id, &to,
                                        ET_STR("/contoso\\/oauth2/token"), NOW, jti, &start),
                     ET_E_ARG);
    /* No authority at all is the caller's mistake, and nothing is written. */
    et_buf_init(&b, s.body, sizeof s.body);
    assert_int_equal(et_assertion_begin(&b, &s.app.cred, s.app.client_id, NULL,
                                        ET_STR("/contoso/oauth2/token"), NOW, jti, &start),
                     ET_E_ARG);
    assert_int_equal(b.len, 0);
  }
}

static void test_client_id_is_json_escaped(void **state) {
  signing s;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  s.app.client_id = ET_STR("a\"b\\c\n");
  assert_non_null(strstr(sign_path(&s, "/oauth2/token")->claims,
                         "\"iss\":\"a\\\"b\\\\c\\u000a\",\"sub\":\"a\\\"b\\\\c\\u000a\""));
}

static void test_injected_clock_sets_the_valid_window(void **state) {
  signing s;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  s.f.now = 4102444800; /* 2100-01-01: 64-bit seconds throughout */
  assert_non_null(strstr(sign_path(&s, "/oauth2/token")->claims,
                         "\"nbf\":4102444800,\"iat\":4102444800,\"exp\":4102445400}"));
  assert_int_equal(ET_ASSERTION_LIFETIME_S, 600); /* Entra's 10-minute guidance */
  s.f.now = -5; /* a clock before 1970 writes no negative times */
  assert_non_null(strstr(sign_path(&s, "/oauth2/token")->claims,
                         "\"nbf\":0,\"iat\":0,\"exp\":600}"));
}

static void test_each_assertion_gets_a_new_jti(void **state) {
  signing s;
  char first[sizeof s.j.claims];
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  memcpy(first, sign_path(&s, "/oauth2/token")->claims, sizeof first);
  sign_path(&s, "/oauth2/token");
  char *t1 = strstr(first, "\"jti\":"), *t2 = strstr(s.j.claims, "\"jti\":");
  assert_non_null(t1);
  assert_non_null(t2);
  assert_memory_not_equal(t1, t2, 44);
}

static void test_redact_mode_signs_nothing(void **state) {
  static const uint8_t jti[16];
  signing s;
  et_authority to;
  et_buf b;
  size_t start = 0;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  assert_int_equal(et_authority_parse(ET_STR_NULL, &to), ET_OK);
  et_buf_init(&b, s.body, 512);
  b.redact = true;
  assert_int_equal(et_assertion_begin(&b, &s.app.cred, s.app.client_id, &to,
                                      ET_STR("/contoso/oauth2/token"), NOW, jti, &start),
                   ET_OK);
  assert_int_equal(start, b.len); /* nothing to sign */
  assert_int_equal(s.f.sign_calls, 0);
  assert_int_equal(b.len, strlen("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                                 "client-assertion-type%3Ajwt-bearer&client_assertion=***"));
  assert_memory_equal(s.body + b.len - 21, "&client_assertion=***", 21);
}

static void test_every_short_buffer_is_refused(void **state) {
  char full[2048];
  signing s;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  size_t n = build(&s.port, &s.app, "/oauth2/token", full, sizeof full, ET_OK);
  /* Short for the JWT or for its signature: refused, never cut. */
  for (size_t cap = 0; cap < n; cap++)
    build(&s.port, &s.app, "/oauth2/token", s.body, cap, ET_E_NOSPACE);
  build(&s.port, &s.app, "/oauth2/token", s.body, n, ET_OK);
  assert_int_equal(et_assertion_finish(NULL, (const uint8_t *)"x", 1), ET_E_ARG);
}

/* The JWT is encoded in place at the end of the buffer: a buffer that
 * holds it exactly gets the same bytes as a roomy one, a byte less is
 * refused, and counting mode (p == NULL) gives the same length. */
static void test_exact_fit_and_counting_mode(void **state) {
  static const uint8_t jti[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  static const char *const ids[] = { "11111111-2222-3333-4444-555555555555", "a\"b\\c\n",
                                     "x", "xy", "xyz" };
  char roomy[2048], tight[2048];
  signing s;
  et_authority to;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  assert_int_equal(et_authority_parse(ET_STR("https://[::1]:9000/adfs"), &to), ET_OK);
  for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
    et_str id = et_str_from_cstr(ids[k]);
    et_buf b;
    size_t start, start2, n;
    et_buf_init(&b, roomy, sizeof roomy);
    assert_int_equal(et_assertion_begin(&b, &s.app.cred, id, &to, ET_STR("/t/oauth2/token"),
                                        NOW, jti, &start),
                     ET_OK);
    n = b.len;
    et_buf_init(&b, NULL, 0);
    assert_int_equal(et_assertion_begin(&b, &s.app.cred, id, &to, ET_STR("/t/oauth2/token"),
                                        NOW, jti, &start2),
                     ET_OK);
    assert_int_equal(b.len, n);
    assert_int_equal(start2, start);
    for (size_t cap = n - 40; cap <= n; cap++) {
      memset(tight, '#', sizeof tight);
      et_buf_init(&b, tight, cap);
      assert_int_equal(et_assertion_begin(&b, &s.app.cred, id, &to, ET_STR("/t/oauth2/token"),
                                          NOW, jti, &start2),
                       cap < n ? ET_E_NOSPACE : ET_OK);
    }
    assert_int_equal(b.len, n);
    assert_memory_equal(tight, roomy, n);
    /* aud given whole takes the same path. */
    et_buf_init(&b, roomy, sizeof roomy);
    assert_int_equal(et_assertion_begin_aud(&b, &s.app.cred, id, ET_STR("https://issuer.example"),
                                            NOW, jti, &start),
                     ET_OK);
    n = b.len;
    et_buf_init(&b, tight, n);
    assert_int_equal(et_assertion_begin_aud(&b, &s.app.cred, id, ET_STR("https://issuer.example"),
                                            NOW, jti, &start2),
                     ET_OK);
    assert_memory_equal(tight, roomy, n);
  }
  /* The claims decode to the JSON text expected, brackets and port included
   * (the path passed in is the whole path: the engine puts the prefix in). */
  {
    et_buf b;
    size_t start;
    uint8_t json[512];
    size_t jn;
    const char *dot;
    et_buf_init(&b, roomy, sizeof roomy);
    assert_int_equal(et_assertion_begin(&b, &s.app.cred, ET_STR("c\x01"), &to,
                                        ET_STR("/t/oauth2/token"), NOW, jti, &start),
                     ET_OK);
    dot = memchr(roomy + start, '.', b.len - start);
    assert_non_null(dot);
    assert_int_equal(et_b64url_decode((et_str){ dot + 1, (size_t)(roomy + b.len - dot - 1) },
                                      json, sizeof json, &jn),
                     ET_OK);
    static const char want[] =
        "{\"aud\":\"https://[::1]:9000/t/oauth2/token\",\"iss\":\"c\\u0001\","
        "\"sub\":\"c\\u0001\",\"jti\":\"01020304-0506-4708-890a-0b0c0d0e0f10\","
        "\"nbf\":1700000000,\"iat\":1700000000,\"exp\":1700000600}";
    assert_int_equal(jn, sizeof want - 1);
    assert_memory_equal(json, want, jn);
  }
}

static void test_signer_failures(void **state) {
  signing s;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  s.f.sign_err = ET_E_CRYPTO;
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_CRYPTO);
  s.f.sign_err = ET_OK;
  s.f.sig_len = ET_ASSERTION_SIG_MAX + 1; /* a signer that overruns is not trusted */
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_ARG);
  s.f.sig_len = 0;
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_ARG);
  s.port.sign = NULL;
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_DISABLED);
  fake_port(&s.port, &s.f);
  s.app.cred.kind = ET_CRED_SECRET;
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_ARG);
}

/* --- the engine's SIGN step --------------------------------------------- */

static uint8_t g_work[8192];
static jsmntok_t g_tok[64];

static et_work eng_work(void) {
  et_work w = { g_work, sizeof g_work, g_tok, 64, NULL };
  memset(g_work, 0xcc, sizeof g_work);
  return w;
}

static et_engine_in eng_in(int64_t unix_s) {
  et_engine_in in;
  memset(&in, 0, sizeof in);
  in.now_ms = 1000;
  in.unix_s = unix_s;
  for (size_t i = 0; i < sizeof in.seed; i++)
    in.seed[i] = (uint8_t)(i * 37 + 1);
  return in;
}

/* A SIGN step's input "header.claims", kept and decoded. */
typedef struct sign_input {
  char text[1024];
  size_t n;
  char header[256];
  char claims[512];
} sign_input;

static void take_input(const et_step *st, sign_input *in) {
  const char *dot;
  size_t len;
  assert_int_equal(st->kind, ET_STEP_SIGN);
  assert_true(st->n > 0 && st->n < sizeof in->text);
  memcpy(in->text, st->data, st->n);
  in->n = st->n;
  dot = memchr(in->text, '.', in->n);
  assert_non_null(dot);
  assert_null(memchr(dot + 1, '.', in->n - (size_t)(dot + 1 - in->text)));
  assert_int_equal(et_b64url_decode((et_str){ in->text, (size_t)(dot - in->text) },
                                    (uint8_t *)in->header, sizeof in->header - 1, &len), ET_OK);
  in->header[len] = '\0';
  assert_int_equal(et_b64url_decode((et_str){ dot + 1, in->n - (size_t)(dot + 1 - in->text) },
                                    (uint8_t *)in->claims, sizeof in->claims - 1, &len), ET_OK);
  in->claims[len] = '\0';
}

/* The SEND step's request: head and body. */
static void request_parts(const et_step *st, et_str *head, et_str *body) {
  const char *p = (const char *)st->data, *end = p + st->n;
  assert_int_equal(st->kind, ET_STEP_SEND);
  for (const char *q = p; q + 4 <= end; q++)
    if (memcmp(q, "\r\n\r\n", 4) == 0) {
      *head = (et_str){ p, (size_t)(q + 4 - p) };
      *body = (et_str){ q + 4, (size_t)(end - q - 4) };
      return;
    }
  fail_msg("no blank line in the request");
}

static void test_engine_asks_for_a_signature(void **state) {
  et_token_engine e;
  et_app app;
  et_work w = eng_work();
  et_engine_in in = eng_in(NOW);
  et_step st;
  sign_input si;
  et_str head = ET_STR_NULL, body = ET_STR_NULL;
  char want[2048], sig64[1024], cl[32];
  uint8_t sig[256];
  (void)state;
  cert_app(&app, ET_SIG_PS256);
  app.authority = ET_STR("https://localhost:8443/adfs/");
  assert_int_equal(et_cc_begin(&e, &app, ET_ENDPOINT_V2, ET_STR("api/.default"), &w, &in), ET_OK);
  /* A stray answer before the engine asked is ignored. */
  et_engine_signed(&e.base, ET_OK, 64);
  st = et_engine_step(&e.base, 1000);
  assert_int_equal(st.kind, ET_STEP_SIGN);
  assert_int_equal(st.alg, ET_SIG_PS256);
  assert_int_equal(st.cap, ET_ASSERTION_SIG_MAX);
  assert_true(st.buf >= g_work && st.buf + st.cap <= g_work + sizeof g_work);
  /* The signing input lies before the signature's room. */
  assert_true(st.data + st.n <= st.buf);
  take_input(&st, &si);
  assert_non_null(strstr(si.header, "\"alg\":\"PS256\""));
  assert_non_null(strstr(si.claims, "\"aud\":\"https://localhost:8443/adfs/contoso/oauth2/v2.0/"
                                    "token\""));
  assert_non_null(strstr(si.claims, "\"iat\":1700000000,\"exp\":1700000600"));
  /* Asked again until answered. */
  st = et_engine_step(&e.base, 1001);
  assert_int_equal(st.kind, ET_STEP_SIGN);
  assert_int_equal(st.n, si.n);
  assert_memory_equal(st.data, si.text, si.n);

  for (size_t i = 0; i < sizeof sig; i++)
    sig[i] = (uint8_t)(0xA0 + i);
  memcpy(st.buf, sig, sizeof sig);
  et_engine_signed(&e.base, ET_OK, sizeof sig);
  st = et_engine_step(&e.base, 1002);
  request_parts(&st, &head, &body);
  /* aud is the URL posted to, exactly. */
  assert_memory_equal(head.p, "POST /adfs/contoso/oauth2/v2.0/token HTTP/1.1\r\n", 46);
  assert_true(contains(head.p, head.n, "\r\nHost: localhost:8443\r\n"));
  b64(sig, sizeof sig, sig64, sizeof sig64);
  snprintf(want, sizeof want,
           "grant_type=client_credentials&client_id=00000000-1111-2222-3333-444444444444"
           "&scope=api%%2F.default&client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3A"
           "client-assertion-type%%3Ajwt-bearer&client_assertion=%.*s.%s",
           (int)si.n, si.text, sig64);
  assert_int_equal(body.n, strlen(want));
  assert_memory_equal(body.p, want, body.n);
  snprintf(cl, sizeof cl, "\r\nContent-Length: %zu\r\n", body.n);
  assert_true(contains(head.p, head.n, cl));
  /* The signature's room at the end of the workspace was wiped. */
  for (size_t i = sizeof g_work - ET_ASSERTION_SIG_MAX; i < sizeof g_work; i++)
    assert_int_equal(g_work[i], 0);
}

static void test_engine_sign_failures(void **state) {
  static const struct {
    et_err err;
    size_t n;
    et_err want;
  } cases[] = {
    { ET_E_CRYPTO, 0, ET_E_CRYPTO },            /* the signer's own error */
    { ET_OK, 0, ET_E_ARG },                     /* no signature */
    { ET_OK, ET_ASSERTION_SIG_MAX + 1, ET_E_ARG }, /* a signer that overruns */
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    et_token_engine e;
    et_app app;
    et_work w = eng_work();
    et_engine_in in = eng_in(NOW);
    et_step st;
    cert_app(&app, ET_SIG_ES256);
    assert_int_equal(et_cc_begin(&e, &app, ET_ENDPOINT_V1, ET_STR("r"), &w, &in), ET_OK);
    st = et_engine_step(&e.base, 1000);
    assert_int_equal(st.kind, ET_STEP_SIGN);
    assert_int_equal(st.alg, ET_SIG_ES256);
    et_engine_signed(&e.base, cases[i].err, cases[i].n);
    st = et_engine_step(&e.base, 1000);
    assert_int_equal(st.kind, ET_STEP_FAIL);
    assert_int_equal(st.err, cases[i].want);
    assert_int_equal(et_engine_result(&e.base)->err, cases[i].want);
    assert_int_equal(et_engine_result(&e.base)->attempts, 0);
    /* Half an assertion is still a credential: the workspace is wiped. */
    for (size_t k = 0; k < sizeof g_work; k++)
      assert_int_equal(g_work[k], 0);
  }
}

static void test_engine_needs_the_wall_clock(void **state) {
  et_token_engine e;
  et_app app;
  et_work w = eng_work();
  et_engine_in in = eng_in(0); /* no unix_s hook */
  et_step st;
  (void)state;
  cert_app(&app, ET_SIG_PS256);
  assert_int_equal(et_cc_begin(&e, &app, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  st = et_engine_step(&e.base, 1000);
  assert_int_equal(st.kind, ET_STEP_FAIL);
  assert_int_equal(st.err, ET_E_DISABLED);
  assert_non_null(st.why);
}

static void test_engine_each_attempt_signs_anew(void **state) {
  static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  et_token_engine e;
  et_app app;
  et_work w = eng_work();
  et_engine_in in = eng_in(NOW);
  et_step st;
  sign_input first, second;
  size_t used;
  (void)state;
  cert_app(&app, ET_SIG_PS256);
  assert_int_equal(et_cc_begin(&e, &app, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  st = et_engine_step(&e.base, 1000);
  take_input(&st, &first);
  memset(st.buf, 1, 256);
  et_engine_signed(&e.base, ET_OK, 256);
  st = et_engine_step(&e.base, 1000);
  assert_int_equal(st.kind, ET_STEP_SEND);
  et_engine_sent(&e.base, st.n);
  st = et_engine_step(&e.base, 1100);
  assert_int_equal(st.kind, ET_STEP_RECV);
  et_engine_feed(&e.base, (const uint8_t *)busy, sizeof busy - 1, &used);
  assert_int_equal(used, sizeof busy - 1);
  st = et_engine_step(&e.base, 1100);
  assert_int_equal(st.kind, ET_STEP_WAIT);
  assert_int_equal(st.err, ET_E_SERVER);
  assert_true(st.until_ms >= 2100 && st.until_ms <= 2350);
  st = et_engine_step(&e.base, st.until_ms);
  take_input(&st, &second);
  /* A new jti and the time of this attempt: never a replayed assertion. */
  assert_memory_not_equal(strstr(first.claims, "\"jti\":"), strstr(second.claims, "\"jti\":"),
                          44);
  assert_non_null(strstr(second.claims, "\"iat\":1700000001,"));
  assert_string_equal(first.header, second.header);
}

/* Through et_drive: the port hashes and signs. */
static fake g_signer;

static int64_t g_unix_s(void *ctx) {
  (void)ctx;
  return NOW;
}

static et_err g_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                     size_t cap, size_t *sig_len) {
  (void)ctx;
  return f_sign(&g_signer, alg, digest, sig, cap, sig_len);
}

#define TOKEN_OK                                                               \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 43\r\n\r\n" \
  "{\"token_type\":\"Bearer\",\"access_token\":\"AT\"}"

static void test_drive_signs_through_the_port(void **state) {
  script s = { .scenes = { { ET_OK, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", 0 },
                           { ET_OK, TOKEN_OK, 0 } },
               .n_scenes = 2 };
  et_port p = script_port(&s);
  et_app app;
  et_work w = eng_work();
  et_token t;
  et_result res;
  const char *jwt_at;
  uint8_t digest[32];
  (void)state;
  memset(&g_signer, 0, sizeof g_signer);
  g_signer.sig_len = 256;
  p.unix_s = g_unix_s;
  p.sha256 = f_sha256;
  p.sign = g_sign;
  cert_app(&app, ET_SIG_RS256);
  assert_int_equal(et_client_credentials(&p, &app, ET_ENDPOINT_V2, ET_STR("s"), &w, &t, &res),
                   ET_OK);
  assert_true(et_str_eq(t.access_token, ET_STR("AT")));
  /* One signature per attempt, over the assertion that was sent. */
  assert_int_equal(g_signer.sign_calls, 2);
  assert_int_equal(g_signer.alg, ET_SIG_RS256);
  assert_false(contains(s.sent, s.sent_len, "client_secret"));
  assert_true(contains(s.sent, s.sent_len, "&client_assertion=eyJ"));
  jwt_at = strstr(s.sent, "&client_assertion=") + strlen("&client_assertion=");
  {
    const char *sig_dot = memchr(jwt_at, '.', (size_t)(s.sent + s.sent_len - jwt_at));
    assert_non_null(sig_dot);
    sig_dot = memchr(sig_dot + 1, '.', (size_t)(s.sent + s.sent_len - sig_dot - 1));
    assert_non_null(sig_dot);
    f_sha256(NULL, (const uint8_t *)jwt_at, (size_t)(sig_dot - jwt_at), digest);
    assert_memory_equal(g_signer.digest, digest, 32);
  }
  /* The log shows neither the assertion nor its signature. */
  assert_true(contains(s.log, s.log_len, "client_assertion=***"));
  assert_false(contains(s.log, s.log_len, "eyJ"));

  /* The signer fails: nothing is sent. */
  memset(&s, 0, sizeof s);
  s.n_scenes = 1;
  s.scenes[0].response = TOKEN_OK;
  g_signer.sign_err = ET_E_CRYPTO;
  w = eng_work();
  assert_int_equal(et_client_credentials(&p, &app, ET_ENDPOINT_V2, ET_STR("s"), &w, &t, &res),
                   ET_E_CRYPTO);
  assert_int_equal(res.err, ET_E_CRYPTO);
  assert_non_null(res.why);
  assert_int_equal(s.played, 0);
  /* No signer at all. */
  p.sign = NULL;
  assert_int_equal(et_client_credentials(&p, &app, ET_ENDPOINT_V2, ET_STR("s"), &w, &t, &res),
                   ET_E_DISABLED);
  assert_int_equal(s.played, 0);
}

/* --- the mbedTLS signer of the POSIX port ------------------------------- */

static void cert_path(char *out, size_t cap, const char *name) {
  snprintf(out, cap, "%s/%s", g_certs, name);
}

static et_err load(et_posix *px, et_port *port, const char *cert, const char *key) {
  char c[600], k[600], ca[600];
  et_posix_config pc;
  cert_path(c, sizeof c, cert);
  cert_path(k, sizeof k, key);
  cert_path(ca, sizeof ca, "client-rsa.pem"); /* any certificate will do as CA bundle */
  memset(&pc, 0, sizeof pc);
  pc.ca_file = ca;
  pc.cert_file = c;
  pc.key_file = k;
  return et_posix_init(px, &pc, port);
}

/* Verify "header.claims" and the signature with the certificate's key:
 * 0 when valid. */
static int verify_with_cert(const char *cert, const jwt *j, et_sig_alg alg) {
  char path[600];
  uint8_t digest[32];
  mbedtls_x509_crt crt;
  int ret;
  cert_path(path, sizeof path, cert);
  mbedtls_x509_crt_init(&crt);
  assert_int_equal(mbedtls_x509_crt_parse_file(&crt, path), 0);
  mbedtls_sha256_ret((const uint8_t *)j->h64.p, j->h64.n + 1 + j->c64.n, digest, 0);
  if (alg == ET_SIG_PS256) {
    mbedtls_pk_rsassa_pss_options o = { MBEDTLS_MD_SHA256, 32 };
    ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &o, &crt.pk, MBEDTLS_MD_SHA256, digest,
                                32, j->sig, j->sig_len);
  } else if (alg == ET_SIG_RS256) {
    ret = mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, digest, 32, j->sig, j->sig_len);
  } else {
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(crt.pk);
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(j->sig_len, 64);
    mbedtls_mpi_read_binary(&r, j->sig, 32);
    mbedtls_mpi_read_binary(&s, j->sig + 32, 32);
    ret = mbedtls_ecdsa_verify(EC_FIELD(ec, grp), digest, 32, EC_FIELD(ec, Q), &r, &s);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
  }
  mbedtls_x509_crt_free(&crt);
  return ret;
}

static void sign_and_verify(const char *cert, const char *key, const et_sig_alg *alg,
                            et_sig_alg want_alg, size_t sig_len) {
  static char body[4096];
  et_posix px;
  et_port port;
  et_app app;
  jwt j;
  memset(&app, 0, sizeof app);
  app.tenant = ET_STR("contoso");
  app.client_id = ET_STR("cert-app");
  assert_int_equal(load(&px, &port, cert, key), ET_OK);
  assert_non_null(port.sign);
  assert_int_equal(et_posix_cert_cred(&px, alg, &app.cred), ET_OK);
  assert_int_equal(app.cred.kind, ET_CRED_CERTIFICATE);
  assert_int_equal(app.cred.alg, want_alg);
  split_jwt(body, build(&port, &app, "/oauth2/v2.0/token", body, sizeof body, ET_OK), &j);
  assert_int_equal(j.sig_len, sig_len);
  assert_int_equal(verify_with_cert(cert, &j, want_alg), 0);
  /* A signature is over exactly these bytes: one flipped claim breaks it. */
  ((char *)j.c64.p)[3] ^= 1;
  assert_int_not_equal(verify_with_cert(cert, &j, want_alg), 0);
  et_posix_free(&px);
}

static void test_mbedtls_ps256_default_for_rsa(void **state) {
  (void)state;
  sign_and_verify("client-rsa.pem", "client-rsa.key", NULL, ET_SIG_PS256, 256);
}

static void test_mbedtls_rs256(void **state) {
  et_sig_alg a = ET_SIG_RS256;
  (void)state;
  sign_and_verify("client-rsa.pem", "client-rsa.key", &a, ET_SIG_RS256, 256);
}

static void test_mbedtls_es256_default_for_p256(void **state) {
  (void)state;
  sign_and_verify("client-ec.pem", "client-ec.key", NULL, ET_SIG_ES256, 64);
}

static void test_mbedtls_der_files(void **state) {
  (void)state;
  sign_and_verify("client-rsa.der", "client-rsa.key.der", NULL, ET_SIG_PS256, 256);
}

static void test_mbedtls_thumbprints_match_the_der(void **state) {
  char path[600];
  uint8_t der[4096], want[32];
  et_posix px;
  et_port port;
  et_cred cred;
  FILE *f;
  size_t n;
  (void)state;
  cert_path(path, sizeof path, "client-rsa.der");
  f = fopen(path, "rb");
  assert_non_null(f);
  n = fread(der, 1, sizeof der, f);
  fclose(f);
  assert_true(n > 100);
  mbedtls_sha256_ret(der, n, want, 0);
  assert_int_equal(load(&px, &port, "client-rsa.pem", "client-rsa.key"), ET_OK);
  memset(&cred, 0, sizeof cred);
  assert_int_equal(et_posix_cert_cred(&px, NULL, &cred), ET_OK);
  assert_memory_equal(cred.x5t_s256, want, 32);
  et_posix_free(&px);
}

static void test_mbedtls_refusals(void **state) {
  et_posix px;
  et_port port;
  et_cred cred;
  et_sig_alg a;
  uint8_t digest[32] = { 0 }, sig[512];
  size_t n;
  (void)state;
  /* A key that is not the certificate's: refused at load, with a reason. */
  assert_int_equal(load(&px, &port, "client-rsa.pem", "client-unreg.key"), ET_E_CRYPTO);
  assert_non_null(strstr(et_posix_detail(&px), "does not belong to certificate"));
  et_posix_free(&px);
  assert_int_equal(load(&px, &port, "client-weak.pem", "client-weak.key"), ET_E_CRYPTO);
  assert_non_null(strstr(et_posix_detail(&px), "1024 bits"));
  et_posix_free(&px);
  assert_int_equal(load(&px, &port, "client-rsa.pem", "missing.key"), ET_E_IO);
  et_posix_free(&px);
  /* A key file is not a certificate. */
  assert_int_equal(load(&px, &port, "client-rsa.key", "client-rsa.key"), ET_E_CRYPTO);
  et_posix_free(&px);

  /* The EC key signs ES256 only. */
  assert_int_equal(load(&px, &port, "client-ec.pem", "client-ec.key"), ET_OK);
  a = ET_SIG_PS256;
  assert_int_equal(et_posix_cert_cred(&px, &a, &cred), ET_E_ARG);
  assert_int_equal(port.sign(port.ctx, ET_SIG_RS256, digest, sig, sizeof sig, &n), ET_E_ARG);
  assert_int_equal(port.sign(port.ctx, ET_SIG_ES256, digest, sig, 63, &n), ET_E_NOSPACE);
  et_posix_free(&px);
  /* The RSA key cannot sign ES256, nor into a short buffer. */
  assert_int_equal(load(&px, &port, "client-rsa.pem", "client-rsa.key"), ET_OK);
  a = ET_SIG_ES256;
  assert_int_equal(et_posix_cert_cred(&px, &a, &cred), ET_E_ARG);
  assert_int_equal(port.sign(port.ctx, ET_SIG_PS256, digest, sig, 255, &n), ET_E_NOSPACE);
  et_posix_free(&px);
  /* No key configured: no sign hook. */
  {
    char ca[600];
    et_posix_config pc;
    cert_path(ca, sizeof ca, "client-rsa.pem");
    memset(&pc, 0, sizeof pc);
    pc.ca_file = ca;
    assert_int_equal(et_posix_init(&px, &pc, &port), ET_OK);
    assert_null(port.sign);
    assert_int_equal(et_posix_cert_cred(&px, NULL, &cred), ET_E_ARG);
    et_posix_free(&px);
  }
}

static int group_setup(void **state) {
  const char *certs = getenv("ET_TEST_CERTS"), *src = getenv("ET_SRC_DIR");
  char maker[600];
  (void)state;
  if (certs && *certs) {
    snprintf(g_certs, sizeof g_certs, "%s", certs);
  } else {
    snprintf(g_certs, sizeof g_certs, "/tmp/et-assertion-test-XXXXXX");
    if (mkdtemp(g_certs) == NULL)
      return -1;
  }
  snprintf(maker, sizeof maker, "%s/tests/emulator/make_client_certs.sh", src ? src : ".");
  char *argv[] = { "/bin/sh", maker, g_certs, NULL };
  pid_t pid;
  int st = 0;
  if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0 ||
      waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "make_client_certs.sh failed (run from the repository root or set "
                    "ET_SRC_DIR)\n");
    return -1;
  }
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ps256_header_claims_and_signing_input),
    cmocka_unit_test(test_rs256_uses_sha1_thumbprint_and_es256_sha256),
    cmocka_unit_test(test_aud_is_the_posted_url),
    cmocka_unit_test(test_client_id_is_json_escaped),
    cmocka_unit_test(test_injected_clock_sets_the_valid_window),
    cmocka_unit_test(test_each_assertion_gets_a_new_jti),
    cmocka_unit_test(test_redact_mode_signs_nothing),
    cmocka_unit_test(test_every_short_buffer_is_refused),
    cmocka_unit_test(test_exact_fit_and_counting_mode),
    cmocka_unit_test(test_signer_failures),
    cmocka_unit_test(test_engine_asks_for_a_signature),
    cmocka_unit_test(test_engine_sign_failures),
    cmocka_unit_test(test_engine_needs_the_wall_clock),
    cmocka_unit_test(test_engine_each_attempt_signs_anew),
    cmocka_unit_test(test_drive_signs_through_the_port),
    cmocka_unit_test(test_mbedtls_ps256_default_for_rsa),
    cmocka_unit_test(test_mbedtls_rs256),
    cmocka_unit_test(test_mbedtls_es256_default_for_p256),
    cmocka_unit_test(test_mbedtls_der_files),
    cmocka_unit_test(test_mbedtls_thumbprints_match_the_der),
    cmocka_unit_test(test_mbedtls_refusals),
  };
  return cmocka_run_group_tests(tests, group_setup, NULL);
}
