/* SPDX-License-Identifier: MIT */
/* Code redemption, refresh and the stored-refresh flow through the
 * scripted port of fake_port.h, whose store hook is an in-memory fake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

static void put(script *s, const char *key, const char *value) {
  strcpy(s->key, key);
  s->stored_len = strlen(value);
  memcpy(s->stored, value, s->stored_len);
  s->has_value = true;
}

static bool stored_is(const script *s, const char *value) {
  return s->has_value && s->stored_len == strlen(value) &&
         memcmp(s->stored, value, s->stored_len) == 0;
}

/* The request body: what follows the blank line. */
static bool body_is(const script *s, const char *want) {
  const char *end = s->sent + s->sent_len;
  for (const char *p = s->sent; p + 4 <= end; p++)
    if (memcmp(p, "\r\n\r\n", 4) == 0)
      return (size_t)(end - p - 4) == strlen(want) && memcmp(p + 4, want, strlen(want)) == 0;
  return false;
}

#define JSON_CLOSE "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
#define ERR_CLOSE(status)                                                      \
  "HTTP/1.1 " status "\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"

#define TOKENS                                                                 \
  JSON_CLOSE "{\"token_type\":\"Bearer\",\"scope\":\"app/.default\",\"expires_in\":3599," \
  "\"ext_expires_in\":3599,\"access_token\":\"AT1\",\"refresh_token\":\"RT2.new\","        \
  "\"id_token\":\"eyJhbGciOiJub25lIn0.eyJuYW1lIjoiQSJ9.\"}"

#define TOKENS_NO_RT                                                           \
  JSON_CLOSE "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"AT1\"}"

#define INVALID_GRANT(code, text)                                              \
  ERR_CLOSE("400 Bad Request")                                                 \
  "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS" code ": " text \
  "\",\"error_codes\":[" code "],\"trace_id\":\"t9\",\"correlation_id\":\"c9\"}"

#define SCOPE "app/.default openid profile offline_access"
#define SCOPE_ENC "app%2F.default%20openid%20profile%20offline_access"
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

static uint8_t g_buf[8192];
static jsmntok_t g_tok[64];

static et_work work(size_t cap) {
  et_work w = { g_buf, cap, g_tok, 64, NULL };
  memset(g_buf, 0xcc, sizeof g_buf);
  return w;
}

static et_app web_app(void) {
  return fake_app("s+x/=");
}

static et_code_grant grant(void) {
  et_code_grant g = { ET_STR("C0DE+1"), ET_STR("http://localhost:8080"), ET_STR(VERIFIER),
                      ET_STR(SCOPE) };
  return g;
}

/* The calls as most tests make them: the web app and grant() on s. */
static et_err redeem(script *s, et_work *w, et_token *t, et_result *res) {
  et_port p = script_port(s);
  et_app a = web_app();
  et_code_grant g = grant();
  return et_redeem_code(&p, &a, &g, w, t, res);
}

static et_err refresh(script *s, const char *rt, et_work *w, et_token *t, et_result *res) {
  et_port p = script_port(s);
  et_app a = web_app();
  return et_refresh(&p, &a, et_str_from_cstr(rt), ET_STR(SCOPE), w, t, res);
}

static et_err refresh_stored(script *s, et_work *w, et_token *t, et_result *res) {
  et_port p = script_port(s);
  et_app a = web_app();
  return et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), w, t, res);
}

/* ---- code redemption ---- */

static void redeem_web_app(void **state) {
  script s = { .scenes = { { ET_OK, TOKENS, 5 } }, .n_scenes = 1 };
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(redeem(&s, &w, &t, &res), ET_OK);
  assert_int_equal(res.http_status, 200);
  assert_memory_equal(s.sent, "POST /contoso/oauth2/v2.0/token HTTP/1.1\r\n", 42);
  assert_true(body_is(&s, "grant_type=authorization_code&client_id=app&scope=" SCOPE_ENC
                          "&code=C0DE%2B1&redirect_uri=http%3A%2F%2Flocalhost%3A8080"
                          "&code_verifier=" VERIFIER "&client_secret=s%2Bx%2F%3D"));
  assert_true(et_str_eq(t.access_token, ET_STR("AT1")));
  assert_true(et_str_eq(t.refresh_token, ET_STR("RT2.new")));
  assert_true(et_str_eq(t.id_token, ET_STR("eyJhbGciOiJub25lIn0.eyJuYW1lIjoiQSJ9.")));
  /* The code, verifier and secret never reach the log; the request left
   * the workspace. */
  assert_true(contains(s.log, s.log_len, "code=***"));
  assert_true(contains(s.log, s.log_len, "code_verifier=***"));
  assert_false(contains(s.log, s.log_len, "C0DE"));
  assert_false(contains(s.log, s.log_len, VERIFIER));
  assert_false(contains((const char *)g_buf, sizeof g_buf, VERIFIER));
  assert_false(contains((const char *)g_buf, sizeof g_buf, "C0DE"));
}

static void redeem_public_client_without_pkce(void **state) {
  script s = { .scenes = { { ET_OK, TOKENS, 0 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_app a = web_app();
  et_code_grant g = grant();
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  a.cred.kind = ET_CRED_NONE;
  a.cred.secret = ET_STR_NULL;
  g.code_verifier = ET_STR_NULL;
  assert_int_equal(et_redeem_code(&p, &a, &g, &w, &t, NULL), ET_OK);
  assert_true(body_is(&s, "grant_type=authorization_code&client_id=app&scope=" SCOPE_ENC
                          "&code=C0DE%2B1&redirect_uri=http%3A%2F%2Flocalhost%3A8080"));
}

static void redeem_is_not_replayed_once_sent(void **state) {
  /* The first connection dies after the request went out: a code is
   * single-use, so there is no second attempt (the script has no scene). */
  script s = { .scenes = { { ET_OK, "", 0 } }, .n_scenes = 1 };
  et_work w = work(sizeof g_buf);
  et_token t;
  et_err e;
  (void)state;
  e = redeem(&s, &w, &t, NULL);
  assert_true(e == ET_E_TRUNCATED || e == ET_E_CLOSED);
  assert_int_equal(s.played, 1);
  assert_true(s.sent_len > 0);
  assert_int_equal(s.sleeps, 0);
}

static void redeem_retries_before_sending(void **state) {
  script s = { .scenes = { { ET_E_TIMEOUT, NULL, 0 }, { ET_OK, TOKENS, 0 } }, .n_scenes = 2 };
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  assert_int_equal(redeem(&s, &w, &t, NULL), ET_OK);
  assert_int_equal(s.played, 2);
}

static void redeem_expired_and_reused_codes(void **state) {
  script s = { .scenes = { { ET_OK, INVALID_GRANT("70008", "The provided authorization code "
                                                  "or refresh token has expired"), 0 },
                           { ET_OK, INVALID_GRANT("54005", "OAuth2 Authorization code was "
                                                  "already redeemed"), 0 } },
               .n_scenes = 2 };
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(redeem(&s, &w, &t, &res), ET_E_EXPIRED);
  assert_true(et_str_eq(res.oauth.error, ET_STR("invalid_grant")));
  assert_int_equal(res.oauth.error_codes[0], 70008);
  assert_int_equal(res.http_status, 400);
  assert_non_null(res.why);
  assert_int_equal(redeem(&s, &w, &t, &res), ET_E_OAUTH); /* 54005 */
  assert_int_equal(res.oauth.error_codes[0], 54005);
  assert_int_equal(s.played, 2);
}

static void redeem_refuses_missing_fields(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = script_port(&s);
  et_app a = web_app();
  et_code_grant g = grant();
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  g.code = ET_STR_NULL;
  assert_int_equal(et_redeem_code(&p, &a, &g, &w, &t, NULL), ET_E_ARG);
  g = grant();
  g.redirect_uri = ET_STR_NULL;
  assert_int_equal(et_redeem_code(&p, &a, &g, &w, &t, NULL), ET_E_ARG);
  g = grant();
  g.scope = ET_STR_NULL;
  assert_int_equal(et_redeem_code(&p, &a, &g, &w, &t, NULL), ET_E_ARG);
  assert_int_equal(et_redeem_code(&p, &a, NULL, &w, &t, NULL), ET_E_ARG);
  a.cred.secret = ET_STR_NULL; /* secret kind without a secret */
  assert_int_equal(et_redeem_code(&p, &a, &g, &w, &t, NULL), ET_E_ARG);
  assert_int_equal(s.played, 0);
}

/* ---- refresh ---- */

static void refresh_request_body(void **state) {
  script s = { .scenes = { { ET_OK, TOKENS, 3 } }, .n_scenes = 1 };
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  assert_int_equal(refresh(&s, "RT1/old=", &w, &t, NULL), ET_OK);
  assert_true(body_is(&s, "grant_type=refresh_token&client_id=app&refresh_token=RT1%2Fold%3D"
                          "&scope=" SCOPE_ENC "&client_secret=s%2Bx%2F%3D"));
  assert_true(et_str_eq(t.refresh_token, ET_STR("RT2.new")));
  assert_true(contains(s.log, s.log_len, "refresh_token=***"));
  assert_false(contains(s.log, s.log_len, "RT1"));
}

static void refresh_invalid_grant_means_signin(void **state) {
  static const char *const codes[][2] = {
    { INVALID_GRANT("700082", "The refresh token has expired due to inactivity."), "700082" },
    { INVALID_GRANT("50173", "The provided grant has expired due to it being revoked"), "50173" },
    { INVALID_GRANT("70008", "The refresh token has expired"), "70008" },
    { INVALID_GRANT("54005", "already redeemed"), "54005" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    script s = { .scenes = { { ET_OK, codes[i][0], 0 } }, .n_scenes = 1 };
    et_work w = work(sizeof g_buf);
    et_token t;
    et_result res;
    char num[16];
    assert_int_equal(refresh(&s, "RT1", &w, &t, &res), ET_E_SIGNIN_REQUIRED);
    /* The reason stays available for the user. */
    assert_int_equal(res.err, ET_E_SIGNIN_REQUIRED);
    assert_true(et_str_eq(res.oauth.error, ET_STR("invalid_grant")));
    assert_int_equal(res.oauth.n_error_codes, 1);
    snprintf(num, sizeof num, "%u", (unsigned)res.oauth.error_codes[0]);
    assert_string_equal(num, codes[i][1]);
    assert_true(et_str_eq(res.oauth.trace_id, ET_STR("t9")));
    assert_non_null(res.why);
    assert_int_equal(s.played, 1);
  }
}

static void refresh_other_failures_are_not_signin(void **state) {
  static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  static const char bad_client[] =
      ERR_CLOSE("401 Unauthorized") "{\"error\":\"invalid_client\",\"error_codes\":[7000222]}";
  script s = { .scenes = { { ET_OK, r503, 0 }, { ET_OK, r503, 0 }, { ET_OK, r503, 0 } },
               .n_scenes = 3 };
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  /* A server failing throughout: ET_E_SERVER, transient, the token is not
   * dead. */
  assert_int_equal(refresh(&s, "RT1", &w, &t, &res), ET_E_SERVER);
  assert_int_equal(res.http_status, 503);
  assert_true(et_err_is_transient(res.err));
  assert_int_equal(s.played, CONFIG_ET_RETRY_ATTEMPTS);
  {
    script s2 = { .scenes = { { ET_OK, bad_client, 0 } }, .n_scenes = 1 };
    assert_int_equal(refresh(&s2, "RT1", &w, &t, &res), ET_E_OAUTH);
    assert_true(et_str_eq(res.oauth.error, ET_STR("invalid_client")));
  }
  {
    script s3 = { .scenes = { { ET_E_DNS, NULL, 0 }, { ET_E_DNS, NULL, 0 },
                              { ET_E_DNS, NULL, 0 } },
                  .n_scenes = 3 };
    assert_int_equal(refresh(&s3, "RT1", &w, &t, &res), ET_E_DNS);
    assert_int_equal(res.http_status, 0);
    assert_int_equal(res.attempts, 0);
  }
}

static void refresh_refuses_bad_arguments(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = script_port(&s);
  et_app a = web_app();
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  assert_int_equal(et_refresh(&p, &a, ET_STR_NULL, ET_STR(SCOPE), &w, &t, NULL), ET_E_ARG);
  assert_int_equal(et_refresh(&p, &a, ET_STR("RT"), ET_STR_NULL, &w, &t, NULL), ET_E_ARG);
  /* A token inside the workspace would be overwritten by the request. */
  memcpy(g_buf + 100, "RT1", 3);
  assert_int_equal(et_refresh(&p, &a, (et_str){ (const char *)g_buf + 100, 3 }, ET_STR(SCOPE),
                              &w, &t, NULL), ET_E_ARG);
  assert_int_equal(s.played, 0);
}

/* ---- the store and the stored refresh ---- */

static void store_helpers(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = script_port(&s);
  uint8_t buf[64];
  size_t len = 99;
  (void)state;
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_E_NOT_FOUND);
  assert_int_equal(len, 0);
  assert_int_equal(et_refresh_token_save(&p, "k", ET_STR("0.AXYA-tok_en.x")), ET_OK);
  assert_true(stored_is(&s, "0.AXYA-tok_en.x"));
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_OK);
  assert_int_equal(len, 15);
  assert_memory_equal(buf, "0.AXYA-tok_en.x", 15);
  assert_int_equal(et_refresh_token_load(&p, "k", buf, 10, &len), ET_E_NOSPACE);
  /* A hand-written file's newline is tolerated; garbage is not. */
  put(&s, "k", "RT\r\n");
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_OK);
  assert_int_equal(len, 2);
  /* A record that is not a token is hostile or corrupt input, not a
   * failing store nor the caller's mistake. */
  put(&s, "k", "R T");
  memset(buf, 0x55, sizeof buf);
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_E_INPUT);
  assert_int_equal(buf[0], 0); /* wiped */
  assert_int_equal(len, 0);
  put(&s, "k", "RT\x01");
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_E_INPUT);
  /* The caller's own mistakes are ET_E_ARG. */
  assert_int_equal(et_refresh_token_load(&p, "", buf, sizeof buf, &len), ET_E_ARG);
  assert_int_equal(et_refresh_token_load(&p, "k", NULL, sizeof buf, &len), ET_E_ARG);
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, NULL), ET_E_ARG);
  put(&s, "k", " \n");
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_E_NOT_FOUND);
  /* Saving refuses what could not be loaded back. */
  assert_int_equal(et_refresh_token_save(&p, "k", ET_STR("a b")), ET_E_ARG);
  assert_int_equal(et_refresh_token_save(&p, "k", ET_STR("a\n")), ET_E_ARG);
  assert_int_equal(et_refresh_token_save(&p, "k", ET_STR_NULL), ET_E_ARG);
  assert_int_equal(et_refresh_token_save(&p, "", ET_STR("x")), ET_E_ARG);
  assert_int_equal(et_refresh_token_save(&p, NULL, ET_STR("x")), ET_E_ARG);
  assert_int_equal(et_refresh_token_delete(&p, "k"), ET_OK);
  assert_false(s.has_value);
  /* No store hook: disabled. */
  p.store = NULL;
  assert_int_equal(et_refresh_token_load(&p, "k", buf, sizeof buf, &len), ET_E_DISABLED);
  assert_int_equal(et_refresh_token_save(&p, "k", ET_STR("x")), ET_E_DISABLED);
  assert_int_equal(et_refresh_token_delete(&p, "k"), ET_E_DISABLED);
}

static void stored_refresh_rotates(void **state) {
  script s = { .scenes = { { ET_OK, TOKENS, 0 } }, .n_scenes = 1 };
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  put(&s, "user1", "RT1.old");
  assert_int_equal(refresh_stored(&s, &w, &t, &res), ET_OK);
  assert_true(body_is(&s, "grant_type=refresh_token&client_id=app&refresh_token=RT1.old"
                          "&scope=" SCOPE_ENC "&client_secret=s%2Bx%2F%3D"));
  assert_true(et_str_eq(t.access_token, ET_STR("AT1")));
  assert_true(stored_is(&s, "RT2.new"));
  assert_int_equal(s.saves, 1);
  assert_int_equal(res.http_status, 200);
  assert_int_equal(res.err, ET_OK);
  /* The old token's copy in the tail is gone. */
  assert_false(contains((const char *)g_buf, sizeof g_buf, "RT1.old"));
}

static void stored_refresh_keeps_token_without_rotation(void **state) {
  script s = { .scenes = { { ET_OK, TOKENS_NO_RT, 0 } }, .n_scenes = 1 };
  et_work w = work(sizeof g_buf);
  et_token t;
  (void)state;
  put(&s, "user1", "RT1.old");
  assert_int_equal(refresh_stored(&s, &w, &t, NULL), ET_OK);
  assert_true(stored_is(&s, "RT1.old"));
  assert_int_equal(s.saves, 0);
}

static void stored_refresh_failures_keep_the_token(void **state) {
  static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  script s = { .scenes = { { ET_OK, INVALID_GRANT("700082", "inactive"), 0 },
                           { ET_OK, r503, 0 }, { ET_OK, r503, 0 }, { ET_OK, r503, 0 } },
               .n_scenes = 4 };
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  put(&s, "user1", "RT1.old");
  assert_int_equal(refresh_stored(&s, &w, &t, &res), ET_E_SIGNIN_REQUIRED);
  assert_int_equal(res.oauth.error_codes[0], 700082);
  assert_true(stored_is(&s, "RT1.old"));
  assert_int_equal(res.http_status, 400);
  assert_int_equal(refresh_stored(&s, &w, &t, &res), ET_E_SERVER);
  assert_int_equal(res.http_status, 503);
  assert_true(stored_is(&s, "RT1.old"));
  assert_int_equal(s.saves, 0);
  assert_int_equal(s.deletes, 0);
  assert_false(contains((const char *)g_buf, sizeof g_buf, "RT1.old"));
}

static void stored_refresh_edge_cases(void **state) {
  script s = { .scenes = { { ET_OK, TOKENS, 0 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_app a = web_app();
  et_work w = work(sizeof g_buf);
  et_token t;
  et_result res;
  (void)state;
  /* Never signed in. */
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, &res),
                   ET_E_NOT_FOUND);
  assert_int_equal(res.err, ET_E_NOT_FOUND);
  assert_non_null(res.why);
  assert_int_equal(s.played, 0);
  /* A corrupt record: ET_E_INPUT, nothing sent. */
  put(&s, "user1", "RT1\x7f");
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, &res),
                   ET_E_INPUT);
  assert_int_equal(res.err, ET_E_INPUT);
  assert_int_equal(s.played, 0);
  /* Refreshed, but the rotated token cannot be saved: the access token is
   * still usable, the error says the new refresh token is lost. */
  put(&s, "user1", "RT1.old");
  s.save_err = ET_E_STORE;
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, &res), ET_E_STORE);
  assert_int_equal(res.err, ET_E_STORE);
  assert_non_null(res.why);
  assert_int_equal(res.http_status, 200);
  assert_true(et_str_eq(t.access_token, ET_STR("AT1")));
  assert_true(stored_is(&s, "RT1.old"));
  /* No store at all. */
  p.store = NULL;
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, NULL),
                   ET_E_DISABLED);
}

/* One limit for save and load: ET_REFRESH_TOKEN_MAX(w->cap). A stored
 * token at it is loaded and sent; one over it is refused before anything is
 * sent; a rotated token over it is not saved (the old one is kept) though
 * the access token is returned. */
static void stored_refresh_one_size_limit(void **state) {
  static char big_rt[601], at_limit[513], over[514], answer[1200];
  script s = { .scenes = { { ET_OK, TOKENS, 0 }, { ET_OK, answer, 0 } }, .n_scenes = 2 };
  et_port p = script_port(&s);
  et_app a = web_app();
  et_work w = work(2048);
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(ET_REFRESH_TOKEN_MAX(w.cap), 512);
  memset(big_rt, 'R', 600);
  memset(at_limit, 'L', 512);
  memset(over, 'O', 513);
  snprintf(answer, sizeof answer, JSON_CLOSE "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
           "\"access_token\":\"AT1\",\"refresh_token\":\"%s\"}", big_rt);
  put(&s, "user1", over);
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, &res),
                   ET_E_NOSPACE);
  assert_int_equal(s.played, 0);
  put(&s, "user1", at_limit);
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, &res), ET_OK);
  assert_true(stored_is(&s, "RT2.new"));
  assert_int_equal(s.saves, 1);
  put(&s, "user1", "RT1.old");
  assert_int_equal(et_refresh_stored(&p, &a, "user1", ET_STR(SCOPE), &w, &t, &res),
                   ET_E_NOSPACE);
  assert_int_equal(res.err, ET_E_NOSPACE);
  assert_non_null(res.why);
  assert_true(et_str_eq(t.access_token, ET_STR("AT1")));
  assert_int_equal(t.refresh_token.n, 600);
  assert_true(stored_is(&s, "RT1.old"));
  assert_int_equal(s.saves, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(redeem_web_app),
    cmocka_unit_test(redeem_public_client_without_pkce),
    cmocka_unit_test(redeem_is_not_replayed_once_sent),
    cmocka_unit_test(redeem_retries_before_sending),
    cmocka_unit_test(redeem_expired_and_reused_codes),
    cmocka_unit_test(redeem_refuses_missing_fields),
    cmocka_unit_test(refresh_request_body),
    cmocka_unit_test(refresh_invalid_grant_means_signin),
    cmocka_unit_test(refresh_other_failures_are_not_signin),
    cmocka_unit_test(refresh_refuses_bad_arguments),
    cmocka_unit_test(store_helpers),
    cmocka_unit_test(stored_refresh_rotates),
    cmocka_unit_test(stored_refresh_keeps_token_without_rotation),
    cmocka_unit_test(stored_refresh_failures_keep_the_token),
    cmocka_unit_test(stored_refresh_edge_cases),
    cmocka_unit_test(stored_refresh_one_size_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
