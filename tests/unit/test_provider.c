/* SPDX-License-Identifier: MIT */
/* Other providers: explicit endpoint URLs in the engines and the
 * authorize URL, the URL every result names, client_secret_basic in the
 * request head, the assertion's audience, and the OIDC discovery engine
 * and decoder. No port: the test plays the network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

static uint8_t g_buf[8192];
static jsmntok_t g_tok[256];

static et_work work(void) {
  et_work w = { g_buf, sizeof g_buf, g_tok, 256, NULL };
  memset(g_buf, 0xcc, sizeof g_buf);
  return w;
}

static et_engine_in input(void) {
  et_engine_in in;
  memset(&in, 0, sizeof in);
  in.now_ms = 1000;
  in.unix_s = 1700000000;
  for (size_t i = 0; i < sizeof in.seed; i++)
    in.seed[i] = (uint8_t)(i * 7u + 1u);
  return in;
}

static et_app secret_app(void) {
  et_app a;
  memset(&a, 0, sizeof a);
  a.client_id = ET_STR("s6BhdRkqt3");
  a.cred.kind = ET_CRED_SECRET;
  a.cred.secret = ET_STR("7Fjfp0ZBr1KtDRbnfVdmIw");
  return a;
}

/* The whole first SEND step as a C string in out. */
static et_step first_send(et_engine *e, char *out, size_t cap) {
  et_step s = et_engine_step(e, 1000);
  assert_int_equal(s.kind, ET_STEP_SEND);
  assert_true(s.n < cap);
  memcpy(out, s.data, s.n);
  out[s.n] = '\0';
  return s;
}

static void result_url(const et_result *r, char *out, size_t cap) {
  et_buf b;
  et_buf_init(&b, out, cap - 1);
  et_result_url(r, &b);
  assert_false(b.overflow);
  out[b.len] = '\0';
}

static void explicit_token_endpoint(void **state) {
  et_app a = secret_app();
  et_work w = work();
  et_engine_in in = input();
  et_token_engine e;
  char req[2048], url[256];
  et_step s;
  (void)state;
  a.token_endpoint = ET_STR("https://idp.example:8443/realms/osdu/protocol/openid-connect/token");
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_OK);
  s = first_send(&e.base, req, sizeof req);
  assert_true(et_str_eq(s.host, ET_STR("idp.example")));
  assert_int_equal(s.port, 8443);
  assert_non_null(strstr(req, "POST /realms/osdu/protocol/openid-connect/token HTTP/1.1\r\n"));
  assert_non_null(strstr(req, "Host: idp.example:8443\r\n"));
  assert_non_null(strstr(req, "client_id=s6BhdRkqt3&scope=api&client_secret=7Fjfp0ZBr1KtDRbnfVdmIw"));
  assert_null(strstr(req, "Authorization"));
  result_url(et_engine_result(&e.base), url, sizeof url);
  assert_string_equal(url, "https://idp.example:8443/realms/osdu/protocol/openid-connect/token");

  /* No path at all is "/"; no tenant needed. */
  a.token_endpoint = ET_STR("https://cognito.example");
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_OK);
  first_send(&e.base, req, sizeof req);
  assert_memory_equal(req, "POST / HTTP/1.1\r\n", 17);
  et_engine_abort(&e.base, ET_E_CANCELLED);

  /* Not https, a query, a fragment: refused at begin, the URL named. */
  static const char *const bad[] = { "http://idp.example/token", "https://idp.example/t?x=1",
                                     "https://idp.example/t#f", "https://user@idp.example/t" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    a.token_endpoint = et_str_from_cstr(bad[i]);
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_E_URL);
    assert_int_equal(et_engine_step(&e.base, 1000).kind, ET_STEP_FAIL);
  }
}

static void entra_layout_url_in_result(void **state) {
  et_app a = secret_app();
  et_work w = work();
  et_engine_in in = input();
  et_token_engine e;
  et_device_code_engine d;
  char url[256];
  (void)state;
  a.tenant = ET_STR("contoso.onmicrosoft.com");
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V1, ET_STR("api"), &w, &in), ET_OK);
  result_url(et_engine_result(&e.base), url, sizeof url);
  assert_string_equal(url, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token");
  /* The device endpoint is the device request's, not the token's. */
  a.device_endpoint = ET_STR("https://[::1]:9443/device");
  assert_int_equal(et_device_code_begin(&d, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_OK);
  result_url(et_engine_result(&d.base), url, sizeof url);
  assert_string_equal(url, "https://[::1]:9443/device");
  /* Without a tenant, Entra's layout is refused; the URL is still named. */
  a.tenant = ET_STR_NULL;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_E_ARG);
}

static void client_secret_basic(void **state) {
  et_app a = secret_app();
  et_work w = work();
  et_engine_in in = input();
  et_token_engine e;
  char req[2048];
  et_buf b;
  char log[512];
  (void)state;
  a.token_endpoint = ET_STR("https://server.example.com/token");
  a.client_auth = ET_AUTH_BASIC;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_OK);
  first_send(&e.base, req, sizeof req);
  /* RFC 6749 §2.3.1's example credentials. */
  assert_non_null(strstr(req, "Authorization: Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3\r\n"));
  assert_non_null(strstr(req, "\r\n\r\ngrant_type=client_credentials&scope=api"));
  assert_null(strstr(req, "client_id="));
  assert_null(strstr(req, "client_secret"));
  /* The log's body has no secret either. */
  et_buf_init(&b, log, sizeof log - 1);
  et_engine_describe(&e.base, &b, true);
  log[b.len] = '\0';
  assert_null(strstr(log, "7Fjfp"));
  et_engine_abort(&e.base, ET_E_CANCELLED);
}

static void basic_header_encoding(void **state) {
  et_http_request r;
  char out[512];
  et_buf b;
  (void)state;
  memset(&r, 0, sizeof r);
  r.method = ET_STR("POST");
  r.host = ET_STR("h");
  r.port = 443;
  r.tls = true;
  r.path = ET_STR("/t");
  /* Form-encoded first: ':' and ' ' and '+' in either part stay apart. */
  r.basic_user = ET_STR("a b:c");
  r.basic_pass = ET_STR("p+/=");
  et_buf_init(&b, out, sizeof out - 1);
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  out[b.len] = '\0';
  /* base64("a%20b%3Ac:p%2B%2F%3D") */
  assert_non_null(strstr(out, "Authorization: Basic YSUyMGIlM0FjOnAlMkIlMkYlM0Q=\r\n"));
  /* Redacted for logs. */
  et_buf_init(&b, out, sizeof out - 1);
  b.redact = true;
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  out[b.len] = '\0';
  assert_non_null(strstr(out, "Authorization: Basic ***\r\n"));
  /* Both kinds of Authorization at once: a programmer's mistake. */
  r.authorization = ET_STR("Bearer x");
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_http_request_write(&b, &r), ET_E_ARG);
  /* Padding of one and two bytes. */
  r.authorization = ET_STR_NULL;
  r.basic_user = ET_STR("a");
  r.basic_pass = ET_STR("");
  et_buf_init(&b, out, sizeof out - 1);
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  out[b.len] = '\0';
  assert_non_null(strstr(out, "Basic YTo=\r\n"));
}

static void authorize_url_explicit(void **state) {
  et_app a = secret_app();
  et_authorize_params p;
  char out[1024];
  et_buf b;
  (void)state;
  memset(&p, 0, sizeof p);
  p.redirect_uri = ET_STR("http://localhost:8080");
  p.scope = ET_STR("openid");
  p.state = ET_STR("st");
  p.code_challenge = ET_STR("ch");
  a.authorize_endpoint = ET_STR("https://idp.example/oauth2/authorize/");
  et_buf_init(&b, out, sizeof out - 1);
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_OK);
  out[b.len] = '\0';
  assert_string_equal(out, "https://idp.example/oauth2/authorize?client_id=s6BhdRkqt3"
                           "&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8080"
                           "&response_mode=query&scope=openid&state=st&code_challenge=ch"
                           "&code_challenge_method=S256");
  a.authorize_endpoint = ET_STR("https://idp.example");
  et_buf_init(&b, out, sizeof out - 1);
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_OK);
  assert_memory_equal(out, "https://idp.example/?client_id=", 31);
  a.authorize_endpoint = ET_STR("https://idp.example/a?b=c");
  et_buf_init(&b, out, sizeof out - 1);
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_URL);
}

static void assertion_audience(void **state) {
  et_app a;
  et_work w = work();
  et_engine_in in = input();
  et_token_engine e;
  char claims[1024];
  et_step s;
  size_t n;
  uint8_t raw[1024];
  const char *p, *dot;
  (void)state;
  memset(&a, 0, sizeof a);
  a.client_id = ET_STR("cid");
  a.cred.kind = ET_CRED_CERTIFICATE;
  a.cred.alg = ET_SIG_PS256;
  a.token_endpoint = ET_STR("https://idp.example/token");
  a.assertion_aud = ET_STR("https://idp.example");
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_OK);
  s = et_engine_step(&e.base, 1000);
  assert_int_equal(s.kind, ET_STEP_SIGN);
  p = memchr(s.data, '.', s.n);
  assert_non_null(p);
  dot = p + 1;
  assert_int_equal(et_b64url_decode((et_str){ dot, s.n - (size_t)(dot - (const char *)s.data) },
                                    raw, sizeof raw, &n), ET_OK);
  memcpy(claims, raw, n);
  claims[n] = '\0';
  assert_non_null(strstr(claims, "{\"aud\":\"https://idp.example\",\"iss\":\"cid\""));
  et_engine_abort(&e.base, ET_E_CANCELLED);
  /* Default: the token endpoint's URL. */
  a.assertion_aud = ET_STR_NULL;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api"), &w, &in), ET_OK);
  s = et_engine_step(&e.base, 1000);
  dot = (const char *)memchr(s.data, '.', s.n) + 1;
  assert_int_equal(et_b64url_decode((et_str){ dot, s.n - (size_t)(dot - (const char *)s.data) },
                                    raw, sizeof raw, &n), ET_OK);
  memcpy(claims, raw, n);
  claims[n] = '\0';
  assert_non_null(strstr(claims, "{\"aud\":\"https://idp.example/token\""));
  et_engine_abort(&e.base, ET_E_CANCELLED);
}

#define DOC                                                                      \
  "{\"issuer\":\"https://idp.example/realms/osdu\","                             \
  "\"authorization_endpoint\":\"https:\\/\\/idp.example/realms/osdu/auth\","       \
  "\"token_endpoint\":\"https://idp.example/realms/osdu/token\","                \
  "\"device_authorization_endpoint\":\"https://idp.example/realms/osdu/device\"," \
  "\"token_endpoint_auth_methods_supported\":[\"private_key_jwt\",\"client_secret_basic\"," \
  "\"tls_client_auth\",\"something_new\"],"                                       \
  "\"code_challenge_methods_supported\":[\"plain\",\"S256\"],"                   \
  "\"grant_types_supported\":[\"authorization_code\",\"refresh_token\","        \
  "\"urn:ietf:params:oauth:grant-type:device_code\"],"                            \
  "\"claims_supported\":[\"sub\",\"iss\"],\"nested\":{\"a\":[1,{\"b\":2}]}}"

static et_err decode(const char *doc, const char *issuer, et_provider *p, const char **why) {
  static char text[4096];
  size_t n = strlen(doc);
  assert_true(n < sizeof text);
  memcpy(text, doc, n + 1);
  return et_discovery_decode(text, n, g_tok, 256, et_str_from_cstr(issuer), p, why);
}

static void discovery_decode(void **state) {
  et_provider p;
  const char *why;
  (void)state;
  assert_int_equal(decode(DOC, "https://idp.example/realms/osdu", &p, &why), ET_OK);
  assert_true(et_str_eq(p.authorization_endpoint, ET_STR("https://idp.example/realms/osdu/auth")));
  assert_true(et_str_eq(p.token_endpoint, ET_STR("https://idp.example/realms/osdu/token")));
  assert_true(et_str_eq(p.device_authorization_endpoint,
                        ET_STR("https://idp.example/realms/osdu/device")));
  assert_int_equal(p.auth_methods,
                   ET_META_LISTED | ET_AUTHM_JWT | ET_AUTHM_BASIC | ET_AUTHM_TLS);
  assert_int_equal(p.pkce_methods, ET_META_LISTED | ET_PKCEM_S256 | ET_PKCEM_PLAIN);
  assert_int_equal(p.grant_types,
                   ET_META_LISTED | ET_GRANT_CODE | ET_GRANT_REFRESH | ET_GRANT_DEVICE);
  assert_int_equal(p.auth_algs, 0);
  assert_false(et_provider_allows(p.grant_types, ET_GRANT_CC));
  assert_false(et_provider_allows(p.auth_methods, ET_AUTHM_POST));
  assert_true(et_provider_allows(p.auth_algs, ET_ALG_ES256)); /* not listed: not refused */

  /* The issuer must match exactly: a trailing '/', another case, another host. */
  static const char *const others[] = { "https://idp.example/realms/osdu/",
                                        "https://IDP.example/realms/osdu",
                                        "https://idp.example/realms/osd" };
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(decode(DOC, others[i], &p, &why), ET_E_JSON_FIELD);
    assert_non_null(strstr(why, "issuer"));
  }

  /* Entra's shape: no grant or PKCE lists; without auth methods, basic. */
  assert_int_equal(decode("{\"issuer\":\"https://login.microsoftonline.com/t/v2.0\","
                          "\"token_endpoint\":\"https://login.microsoftonline.com/t/oauth2/v2.0/token\","
                          "\"authorization_endpoint\":\"https://login.microsoftonline.com/t/oauth2/v2.0/authorize\"}",
                          "https://login.microsoftonline.com/t/v2.0", &p, &why), ET_OK);
  assert_int_equal(p.auth_methods, ET_META_LISTED | ET_AUTHM_BASIC);
  assert_int_equal(p.grant_types, 0);
  assert_int_equal(p.device_authorization_endpoint.n, 0);

  /* Missing or wrong members. */
  assert_int_equal(decode("{\"issuer\":\"https://i\",\"authorization_endpoint\":\"https://i/a\"}",
                          "https://i", &p, &why), ET_E_JSON_FIELD);
  assert_non_null(strstr(why, "token_endpoint"));
  assert_int_equal(decode("{\"issuer\":\"https://i\",\"token_endpoint\":\"http://i/t\","
                          "\"authorization_endpoint\":\"https://i/a\"}", "https://i", &p, &why),
                   ET_E_JSON_FIELD);
  assert_non_null(strstr(why, "token_endpoint"));
  assert_int_equal(decode("{\"issuer\":\"https://i\",\"token_endpoint\":\"https://i/t\","
                          "\"authorization_endpoint\":\"https://i/a\","
                          "\"grant_types_supported\":\"client_credentials\"}", "https://i", &p,
                          &why), ET_E_JSON_FIELD);
  assert_non_null(strstr(why, "grant_types_supported"));
  assert_int_equal(decode("{\"issuer\":\"https://i\",\"token_endpoint\":\"https://i/t\","
                          "\"authorization_endpoint\":\"https://i/a\","
                          "\"code_challenge_methods_supported\":[1]}", "https://i", &p, &why),
                   ET_E_JSON_FIELD);
  assert_int_equal(decode("[1]", "https://i", &p, &why), ET_E_JSON_SYNTAX);
}

static void discovery_engine(void **state) {
  et_work w = work();
  et_engine_in in = input();
  et_discovery_engine e;
  char req[1024], resp[2048], raw[2048];
  et_step s;
  size_t used;
  int n;
  (void)state;
  assert_int_equal(et_discovery_begin(&e, ET_STR("https://idp.example/realms/osdu/"), 0, &w, &in),
                   ET_OK);
  e.raw = raw;
  e.raw_cap = sizeof raw;
  s = first_send(&e.base, req, sizeof req);
  assert_memory_equal(req, "GET /realms/osdu/.well-known/openid-configuration HTTP/1.1\r\n", 60);
  assert_null(strstr(req, "Content-Length"));
  assert_null(strstr(req, "Content-Type"));
  et_engine_sent(&e.base, s.n);
  n = snprintf(resp, sizeof resp,
               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
               strlen(DOC), DOC);
  assert_true(n > 0);
  et_engine_feed(&e.base, (const uint8_t *)resp, (size_t)n, &used);
  /* The document names "https://idp.example/realms/osdu", not ".../osdu/". */
  s = et_engine_step(&e.base, 1000);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_JSON_FIELD);

  w = work();
  assert_int_equal(et_discovery_begin(&e, ET_STR("https://idp.example/realms/osdu"), 0, &w, &in),
                   ET_OK);
  e.raw = raw;
  e.raw_cap = sizeof raw;
  s = first_send(&e.base, req, sizeof req);
  et_engine_sent(&e.base, s.n);
  et_engine_feed(&e.base, (const uint8_t *)resp, (size_t)n, &used);
  s = et_engine_step(&e.base, 1000);
  assert_int_equal(s.kind, ET_STEP_DONE);
  assert_true(et_str_eq(e.provider.token_endpoint, ET_STR("https://idp.example/realms/osdu/token")));
  assert_int_equal(e.raw_len, strlen(DOC));
  assert_memory_equal(raw, DOC, strlen(DOC)); /* as it came, escapes and all */

  /* A 404 is an HTTP status error, naming the URL. */
  w = work();
  assert_int_equal(et_discovery_begin(&e, ET_STR("https://idp.example"), 0, &w, &in), ET_OK);
  s = first_send(&e.base, req, sizeof req);
  et_engine_sent(&e.base, s.n);
  et_engine_feed(&e.base, (const uint8_t *)"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                 45, &used);
  s = et_engine_step(&e.base, 1000);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_HTTP_STATUS);
  result_url(et_engine_result(&e.base), req, sizeof req);
  assert_string_equal(req, "https://idp.example/.well-known/openid-configuration");

  assert_int_equal(et_discovery_begin(&e, ET_STR("http://idp.example"), 0, &w, &in), ET_E_URL);
  assert_int_equal(et_discovery_begin(&e, ET_STR_NULL, 0, &w, &in), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(explicit_token_endpoint),
    cmocka_unit_test(entra_layout_url_in_result),
    cmocka_unit_test(client_secret_basic),
    cmocka_unit_test(basic_header_encoding),
    cmocka_unit_test(authorize_url_explicit),
    cmocka_unit_test(assertion_audience),
    cmocka_unit_test(discovery_decode),
    cmocka_unit_test(discovery_engine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
