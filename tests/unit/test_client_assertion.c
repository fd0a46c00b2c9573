/* Client assertions: the JWT core writes into the body, checked piece by
 * piece with a fake signer and injected clock and randomness; then the
 * mbedTLS signer of the POSIX port (PS256, RS256, ES256) checked by
 * verifying its signatures with the certificate's public key, and its
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

static size_t build(const et_port *port, const et_app *app, const char *path, char *out,
                    size_t cap, et_err want) {
  et_buf b;
  et_buf_init(&b, out, cap);
  assert_int_equal(et_assertion_append(&b, port, app, path), want);
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
  build(&s.port, &s.app, "/oauth2/token", s.body, sizeof s.body, ET_E_ARG);
  assert_int_equal(s.f.sign_calls, 2);
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
  signing s;
  et_buf b;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  et_buf_init(&b, s.body, 512);
  b.redact = true;
  assert_int_equal(et_assertion_append(&b, &s.port, &s.app, "/oauth2/token"), ET_OK);
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
  for (size_t cap = 0; cap < n; cap++) {
    et_buf b;
    et_buf_init(&b, s.body, cap);
    assert_int_equal(et_assertion_append(&b, &s.port, &s.app, "/oauth2/token"), ET_E_NOSPACE);
  }
  build(&s.port, &s.app, "/oauth2/token", s.body, n, ET_OK);
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

static void test_cred_append_dispatches_to_the_assertion(void **state) {
  signing s;
  et_buf b;
  (void)state;
  signing_init(&s, ET_SIG_PS256);
  et_buf_init(&b, s.body, sizeof s.body - 1);
  assert_int_equal(et_cred_append(&b, &s.port, &s.app, "/oauth2/v2.0/token", true), ET_OK);
  assert_int_equal(s.f.sign_calls, 1);
  s.body[b.len] = '\0';
  assert_null(strstr(s.body, "client_secret"));
  assert_non_null(strstr(s.body, "&client_assertion=eyJ"));
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
  char script[600];
  (void)state;
  if (certs && *certs) {
    snprintf(g_certs, sizeof g_certs, "%s", certs);
  } else {
    snprintf(g_certs, sizeof g_certs, "/tmp/et-assertion-test-XXXXXX");
    if (mkdtemp(g_certs) == NULL)
      return -1;
  }
  snprintf(script, sizeof script, "%s/tests/emulator/make_client_certs.sh", src ? src : ".");
  char *argv[] = { "/bin/sh", script, g_certs, NULL };
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
    cmocka_unit_test(test_signer_failures),
    cmocka_unit_test(test_cred_append_dispatches_to_the_assertion),
    cmocka_unit_test(test_mbedtls_ps256_default_for_rsa),
    cmocka_unit_test(test_mbedtls_rs256),
    cmocka_unit_test(test_mbedtls_es256_default_for_p256),
    cmocka_unit_test(test_mbedtls_der_files),
    cmocka_unit_test(test_mbedtls_thumbprints_match_the_der),
    cmocka_unit_test(test_mbedtls_refusals),
  };
  return cmocka_run_group_tests(tests, group_setup, NULL);
}
