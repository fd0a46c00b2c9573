/* SPDX-License-Identifier: MIT */
/* id_token claims: decoding (no signature check) and malformed tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

/* header {"alg":"RS256","typ":"JWT","kid":"k1"}; payload with aud, iss, iat,
 * exp, name "Alice Dup\u00e9", oid, preferred_username, tid, email, roles,
 * ver; signature "sig". */
#define ALICE                                                                  \
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0."                       \
  "eyJhdWQiOiJhcHAiLCJpc3MiOiJodHRwczovL2xvZ2luLm1pY3Jvc29mdG9ubGluZS5jb20vdGlk" \
  "L3YyLjAiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMCwibmFtZSI6IkFsaWNlIER1" \
  "cFx1MDBlOSIsIm9pZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwYSIsInBy" \
  "ZWZlcnJlZF91c2VybmFtZSI6ImFsaWNlQGNvbnRvc28uY29tIiwidGlkIjoiNzJmOTg4YmYtODZm" \
  "MS00MWFmLTkxYWItMmQ3Y2QwMTFkYjQ3IiwiZW1haWwiOiJhbGljZUBjb250b3NvLmNvbSIsInJv" \
  "bGVzIjpbImEiLCJiIl0sInZlciI6IjIuMCJ9.c2ln"

static char scratch[2048];
static jsmntok_t tok[64];

static et_err claims(const char *jwt, et_id_claims *c) {
  memset(scratch, 0xcc, sizeof scratch);
  return et_id_token_claims(et_str_from_cstr(jwt), scratch, sizeof scratch, tok, 64, c);
}

static bool is(et_str s, const char *want) { return et_str_eq(s, et_str_from_cstr(want)); }

static void entra_v2_token(void **state) {
  et_id_claims c;
  (void)state;
  assert_int_equal(claims(ALICE, &c), ET_OK);
  assert_true(is(c.name, "Alice Dup\xc3\xa9"));
  assert_true(is(c.preferred_username, "alice@contoso.com"));
  assert_true(is(c.email, "alice@contoso.com"));
  assert_true(is(c.oid, "00000000-0000-0000-0000-00000000000a"));
  assert_true(is(c.tid, "72f988bf-86f1-41af-91ab-2d7cd011db47"));
  assert_null(c.upn.p);
  assert_int_equal(c.iat, 1700000000);
  assert_int_equal(c.exp, 1700003600);
  assert_true(is(et_id_claims_user(&c), "alice@contoso.com"));
  assert_true(c.name.p >= scratch && c.name.p < scratch + sizeof scratch);
}

static void v1_style_and_unsigned(void **state) {
  et_id_claims c;
  (void)state;
  /* {"upn":"bob@x","name":"Bob \"B\""}, alg none: empty signature part. */
  assert_int_equal(claims("eyJhbGciOiJub25lIn0.eyJ1cG4iOiJib2JAeCIsIm5hbWUiOiJCb2IgXCJCXCIifQ.",
                          &c), ET_OK);
  assert_true(is(c.upn, "bob@x"));
  assert_true(is(c.name, "Bob \"B\""));
  assert_null(c.oid.p);
  assert_int_equal(c.iat, ET_ABSENT);
  assert_int_equal(c.exp, ET_ABSENT);
  assert_true(is(et_id_claims_user(&c), "bob@x"));
  c.upn = ET_STR_NULL;
  c.email = ET_STR("bob@mail.x"); /* email comes before name */
  assert_true(is(et_id_claims_user(&c), "bob@mail.x"));
  c.email = ET_STR_NULL;
  assert_true(is(et_id_claims_user(&c), "Bob \"B\""));
  c.name = ET_STR_NULL;
  assert_null(et_id_claims_user(&c).p);
  assert_null(et_id_claims_user(NULL).p);
}

static void malformed_tokens(void **state) {
  static const struct {
    const char *jwt;
    et_err want;
  } bad[] = {
    { "", ET_E_ARG },
    { "abc", ET_E_ARG },
    { "a.b", ET_E_ARG },
    { ".eyJvaWQiOjV9.x", ET_E_ARG },          /* empty header */
    { "eyJ..x", ET_E_ARG },                   /* empty payload */
    { "a.eyJvaWQiOiJ4In0.b.c", ET_E_ARG },    /* five-part JWE or junk */
    { "a.eyJ*aWQ.b", ET_E_ARG },              /* not base64url */
    { "a.eyJvaWQiOjV9x.b", ET_E_ARG },        /* 4k+1 length */
    { "a.WzEsMl0.b", ET_E_JSON_SYNTAX },      /* [1,2]: not an object */
    { "a.eyJuYW1lIjoieCI.b", ET_E_JSON_SYNTAX }, /* {"name":"x" */
    { "a.bm90IGpzb24.b", ET_E_JSON_SYNTAX },  /* "not json" */
    { "a.eyJvaWQiOjV9.b", ET_E_JSON_FIELD },  /* {"oid":5} */
    { "a.eyJleHAiOiJzb29uIn0.b", ET_E_JSON_FIELD }, /* {"exp":"soon"} */
  };
  et_id_claims c;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(claims(bad[i].jwt, &c), bad[i].want);
    assert_null(c.oid.p);
    assert_null(c.name.p);
    assert_int_equal(c.exp, ET_ABSENT);
  }
}

static void limits(void **state) {
  et_id_claims c;
  (void)state;
  assert_int_equal(et_id_token_claims(ET_STR(ALICE), scratch, 100, tok, 64, &c), ET_E_NOSPACE);
  assert_int_equal(et_id_token_claims(ET_STR(ALICE), scratch, sizeof scratch, tok, 8, &c),
                   ET_E_JSON_TOKENS);
  assert_int_equal(et_id_token_claims(ET_STR(ALICE), NULL, 0, tok, 64, &c), ET_E_ARG);
  assert_int_equal(et_id_token_claims(ET_STR(ALICE), scratch, sizeof scratch, NULL, 64, &c),
                   ET_E_ARG);
  assert_int_equal(c.exp, ET_ABSENT);
  assert_int_equal(et_id_token_claims(ET_STR(ALICE), scratch, sizeof scratch, tok, 64, NULL),
                   ET_E_ARG);
  assert_int_equal(et_id_token_claims(ET_STR_NULL, scratch, sizeof scratch, tok, 64, &c),
                   ET_E_ARG);
  /* cap == the token's length is always enough. */
  assert_int_equal(et_id_token_claims(ET_STR(ALICE), scratch, sizeof ALICE - 1, tok, 64, &c),
                   ET_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(entra_v2_token),
    cmocka_unit_test(v1_style_and_unsigned),
    cmocka_unit_test(malformed_tokens),
    cmocka_unit_test(limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
