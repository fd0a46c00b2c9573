/* SPDX-License-Identifier: MIT */
/* state and PKCE: RFC 7636 Appendix B, verifier shape, the CSPRNG as the
 * only source, failures of the port's hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include "edgetoken/edgetoken.h"

typedef struct fake {
  uint8_t next;        /* random bytes count up from here */
  et_err random_err;
  unsigned random_calls;
  unsigned sha_calls;
} fake;

static et_err f_random(void *ctx, uint8_t *p, size_t n) {
  fake *f = ctx;
  f->random_calls++;
  if (f->random_err != ET_OK) {
    memset(p, 0x41, n); /* garbage the caller must not keep */
    return f->random_err;
  }
  for (size_t i = 0; i < n; i++)
    p[i] = f->next++;
  return ET_OK;
}

static et_err f_sha256(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]) {
  fake *f = ctx;
  f->sha_calls++;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_sha256(p, n, out, 0) == 0 ? ET_OK : ET_E_CRYPTO;
#else
  return mbedtls_sha256_ret(p, n, out, 0) == 0 ? ET_OK : ET_E_CRYPTO;
#endif
}

static et_err f_sha256_fails(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]) {
  (void)ctx, (void)p, (void)n;
  memset(out, 0, 32);
  return ET_E_CRYPTO;
}

static et_port port_of(fake *f) {
  et_port p;
  memset(&p, 0, sizeof p);
  p.ctx = f;
  p.random = f_random;
  p.sha256 = f_sha256;
  return p;
}

static bool pkce_chars(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '.' || c == '_' || c == '~'))
      return false;
  }
  return true;
}

/* RFC 7636 Appendix B: 32 octets, their base64url as the verifier, and
 * the S256 challenge. (The verifier is often misquoted; this one is built
 * from the RFC's octets.) */
static void rfc7636_appendix_b(void **state) {
  static const uint8_t octets[32] = {
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
    22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
  };
  fake f = { 0 };
  et_port p = port_of(&f);
  char v[64], ch[ET_PKCE_CHALLENGE_LEN + 1];
  et_buf b;
  (void)state;
  et_buf_init(&b, v, sizeof v);
  et_b64url_encode(&b, octets, sizeof octets);
  assert_int_equal(b.len, 43);
  assert_memory_equal(v, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", 43);
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, b.len }, ch), ET_OK);
  assert_string_equal(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  assert_int_equal(f.sha_calls, 1);
}

static void challenge_refuses_bad_verifiers(void **state) {
  fake f = { 0 };
  et_port p = port_of(&f);
  char ch[ET_PKCE_CHALLENGE_LEN + 1];
  char v[130];
  (void)state;
  memset(v, 'a', sizeof v);
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 42 }, ch), ET_E_ARG);
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 129 }, ch), ET_E_ARG);
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 43 }, ch), ET_OK);
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 128 }, ch), ET_OK);
  assert_int_equal(strlen(ch), ET_PKCE_CHALLENGE_LEN);
  v[10] = '+';
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 43 }, ch), ET_E_ARG);
  v[10] = ' ';
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 43 }, ch), ET_E_ARG);
  v[10] = '\0';
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 43 }, ch), ET_E_ARG);
  v[10] = '~'; /* all four unreserved marks are legal */
  v[11] = '.';
  v[12] = '-';
  v[13] = '_';
  assert_int_equal(et_pkce_challenge(&p, (et_str){ v, 43 }, ch), ET_OK);
  assert_int_equal(et_pkce_challenge(&p, ET_STR_NULL, ch), ET_E_ARG);
  assert_int_equal(f.sha_calls, 3);
}

static void challenge_needs_sha256(void **state) {
  fake f = { 0 };
  et_port p = port_of(&f);
  char ch[ET_PKCE_CHALLENGE_LEN + 1];
  (void)state;
  p.sha256 = NULL;
  assert_int_equal(et_pkce_challenge(&p, ET_STR("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), ch),
                   ET_E_DISABLED);
  p.sha256 = f_sha256_fails;
  assert_int_equal(et_pkce_challenge(&p, ET_STR("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), ch),
                   ET_E_CRYPTO);
}

static void random_text_maps_every_byte_uniformly(void **state) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  fake f = { 0 };
  et_port p = port_of(&f);
  char out[257];
  (void)state;
  assert_int_equal(et_random_text(&p, out, 256), ET_OK);
  /* Bytes 0..255 came in: byte b must give alphabet[b % 64], so each
   * character appears exactly 4 times. */
  for (size_t i = 0; i < 256; i++)
    assert_int_equal(out[i], alphabet[i % 64]);
  assert_int_equal(out[256], '\0');
  assert_int_equal(f.random_calls, 1);
}

static void random_failure_is_reported_and_wiped(void **state) {
  fake f = { .random_err = ET_E_RANDOM };
  et_port p = port_of(&f);
  char out[ET_PKCE_VERIFIER_MAX + 1];
  et_signin s;
  (void)state;
  memset(out, 'z', sizeof out);
  assert_int_equal(et_pkce_verifier(&p, 64, out), ET_E_RANDOM);
  for (size_t i = 0; i < 64; i++)
    assert_int_not_equal(out[i], 0x41);
  assert_int_equal(out[0], '\0');
  memset(&s, 'z', sizeof s);
  assert_int_equal(et_signin_begin(&p, 0, &s), ET_E_RANDOM);
  for (size_t i = 0; i < sizeof s; i++)
    assert_int_equal(((const uint8_t *)&s)[i], 0);
  p.random = NULL;
  assert_int_equal(et_random_text(&p, out, 4), ET_E_ARG);
}

static void verifier_length_bounds(void **state) {
  fake f = { 0 };
  et_port p = port_of(&f);
  char out[ET_PKCE_VERIFIER_MAX + 2];
  (void)state;
  assert_int_equal(et_pkce_verifier(&p, 42, out), ET_E_ARG);
  assert_int_equal(et_pkce_verifier(&p, 129, out), ET_E_ARG);
  assert_int_equal(f.random_calls, 0);
  assert_int_equal(et_pkce_verifier(&p, 0, out), ET_OK);
  assert_int_equal(strlen(out), ET_PKCE_VERIFIER_DEFAULT);
  assert_int_equal(strlen(out), 43);
  assert_true(pkce_chars(out, 43));
  assert_int_equal(et_pkce_verifier(&p, 128, out), ET_OK);
  assert_int_equal(strlen(out), 128);
  assert_true(pkce_chars(out, 128));
}

static void begin_fills_a_consistent_session(void **state) {
  fake f = { .next = 7 };
  et_port p = port_of(&f);
  et_signin s;
  char ch[ET_PKCE_CHALLENGE_LEN + 1];
  (void)state;
  assert_int_equal(et_signin_begin(&p, 0, &s), ET_OK);
  assert_int_equal(strlen(s.state), ET_STATE_LEN);
  assert_int_equal(s.verifier_len, 43);
  assert_int_equal(strlen(s.verifier), 43);
  assert_true(pkce_chars(s.state, ET_STATE_LEN));
  assert_true(pkce_chars(s.verifier, 43));
  assert_false(et_str_eq(et_signin_state(&s), et_signin_verifier(&s)));
  assert_int_equal(et_pkce_challenge(&p, et_signin_verifier(&s), ch), ET_OK);
  assert_string_equal(ch, s.challenge);
  assert_true(et_str_eq(et_signin_challenge(&s), et_str_from_cstr(ch)));
  assert_int_equal(f.random_calls, 2); /* state and verifier, both from the CSPRNG */

  assert_int_equal(et_signin_begin(&p, 100, &s), ET_OK);
  assert_int_equal(et_signin_verifier(&s).n, 100);
  assert_int_equal(et_signin_begin(&p, 200, &s), ET_E_ARG);
  assert_int_equal(s.verifier_len, 0);
  assert_int_equal(s.state[0], '\0');

  p.sha256 = NULL;
  assert_int_equal(et_signin_begin(&p, 0, &s), ET_E_DISABLED);
  assert_int_equal(s.verifier[0], '\0');
  assert_int_equal(et_signin_begin(&p, 0, NULL), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(rfc7636_appendix_b),
    cmocka_unit_test(challenge_refuses_bad_verifiers),
    cmocka_unit_test(challenge_needs_sha256),
    cmocka_unit_test(random_text_maps_every_byte_uniformly),
    cmocka_unit_test(random_failure_is_reported_and_wiped),
    cmocka_unit_test(verifier_length_bounds),
    cmocka_unit_test(begin_fills_a_consistent_session),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
