/* SPDX-License-Identifier: MIT */
/* ADME calls (et_adme.h) over the scripted port: the request's method,
 * headers and body; OSDU error bodies in et_result; one renewal after a
 * 401; 503 retried; tokens through the cache (one token request for many
 * calls, a due refresh that fails transiently keeps serving); and the
 * engine's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#define GROUPS_OK                                                              \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n" \
  "{\"groups\":[]}"
#define DENIED                                                                 \
  "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n" \
  "{\"code\":403,\"reason\":\"Access denied\",\"message\":\"not \\\"in\\\"\"}"
#define UNAUTHORIZED                                                           \
  "HTTP/1.1 401 Unauthorized\r\nContent-Length: 62\r\n\r\n"                    \
  "{\"code\":401,\"reason\":\"Unauthorized\",\"message\":\"token revoked\"}"
#define BUSY "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"
#define TOKEN(at, exp)                                                         \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "     \
  "82\r\n\r\n{\"token_type\":\"Bearer\",\"access_token\":\"" at "\",\"expires_in\":" exp "}"

static uint8_t g_buf[4096];
static jsmntok_t g_tok[64];

static const et_adme adme = { { "https://contoso.energy.azure.com", 32 },
                              { "contoso-opendes", 15 }, 0 };

typedef struct src {
  const char *tokens[3];
  unsigned calls, renewals;
} src;

static et_err fixed_source(void *ctx, bool renew, et_str *token, et_result *res) {
  src *s = ctx;
  (void)res;
  s->renewals += renew;
  *token = et_str_from_cstr(s->tokens[s->calls++]);
  return ET_OK;
}

static et_work work(et_link *link) {
  et_work w = { g_buf, sizeof g_buf, g_tok, 64, link };
  return w;
}

static void get_sends_bearer_and_partition(void **state) {
  script s = { .scenes = { { ET_OK, GROUPS_OK, 7 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_work w = work(NULL);
  src tokens = { { "AT-1" }, 0, 0 };
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/entitlements/v2/groups"), ET_STR_NULL, false };
  et_result res;
  et_str body;
  (void)state;
  assert_int_equal(et_adme_call(&p, &adme, &rq, fixed_source, &tokens, &w, &body, &res), ET_OK);
  assert_true(et_str_eq(body, ET_STR("{\"groups\":[]}")));
  assert_int_equal(res.http_status, 200);
  assert_true(et_str_eq(s.host, ET_STR("contoso.energy.azure.com")));
  assert_int_equal(s.port, 443);
  assert_true(contains(s.sent, s.sent_len, "GET /api/entitlements/v2/groups HTTP/1.1\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\nHost: contoso.energy.azure.com\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\nAuthorization: Bearer AT-1\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\ndata-partition-id: contoso-opendes\r\n"));
  assert_false(contains(s.sent, s.sent_len, "Content-Type"));
  assert_false(contains(s.sent, s.sent_len, "Content-Length"));
  assert_false(contains(s.sent, s.sent_len, "client_id"));
  assert_int_equal(tokens.calls, 1);
}

static void post_sends_json(void **state) {
  static const char query[] = "{\"kind\":\"osdu:wks:dataset--File.Generic:1.0.0\"}";
  script s = { .scenes = { { ET_OK, GROUPS_OK, 0 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_work w = work(NULL);
  src tokens = { { "AT-1" }, 0, 0 };
  et_adme_request rq = { ET_STR("POST"), ET_STR("/api/search/v2/query"),
                         { query, sizeof query - 1 }, false };
  et_result res;
  (void)state;
  assert_int_equal(et_adme_call(&p, &adme, &rq, fixed_source, &tokens, &w, NULL, &res), ET_OK);
  assert_true(contains(s.sent, s.sent_len, "POST /api/search/v2/query HTTP/1.1\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\nContent-Type: application/json\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\nContent-Length: 47\r\n"));
  assert_true(contains(s.sent, s.sent_len, "\r\n\r\n{\"kind\":\"osdu:wks:dataset--File.Generic:1.0.0\"}"));
}

static void osdu_error_is_surfaced(void **state) {
  script s = { .scenes = { { ET_OK, DENIED, 0 } }, .n_scenes = 1 };
  et_port p = script_port(&s);
  et_work w = work(NULL);
  src tokens = { { "AT-1" }, 0, 0 };
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/legal/v1/legaltags"), ET_STR_NULL, false };
  et_result res;
  et_str body;
  (void)state;
  assert_int_equal(et_adme_call(&p, &adme, &rq, fixed_source, &tokens, &w, &body, &res),
                   ET_E_HTTP_STATUS);
  assert_int_equal(res.http_status, 403);
  assert_int_equal(res.attempts, 1); /* a 403 is not retried */
  assert_int_equal(res.osdu.code, 403);
  assert_true(et_str_eq(res.osdu.reason, ET_STR("Access denied")));
  assert_true(et_str_eq(res.osdu.message, ET_STR("not \\\"in\\\"")));
  assert_int_equal(body.n, 60); /* the body as it came */
  assert_int_equal(tokens.renewals, 0);
}

static void unauthorized_renews_once(void **state) {
  script s = { .scenes = { { ET_OK, UNAUTHORIZED, 0 }, { ET_OK, GROUPS_OK, 0 } },
               .n_scenes = 2, .keep = SCENE(0) | SCENE(1) };
  et_port p = script_port(&s);
  et_link link;
  et_work w;
  src tokens = { { "AT-old", "AT-new" }, 0, 0 };
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/entitlements/v2/groups"), ET_STR_NULL, false };
  et_result res;
  (void)state;
  memset(&link, 0, sizeof link);
  w = work(&link);
  assert_int_equal(et_adme_call(&p, &adme, &rq, fixed_source, &tokens, &w, NULL, &res), ET_OK);
  assert_int_equal(tokens.calls, 2);
  assert_int_equal(tokens.renewals, 1);
  assert_true(contains(s.sent, s.sent_len, "Authorization: Bearer AT-new\r\n"));
  assert_int_equal(s.opens, 1); /* the kept connection carried both */
  assert_int_equal(s.reuses, 1);
  et_link_close(&p, &link);

  /* A second 401 ends it: the service refuses the identity. */
  {
    script s2 = { .scenes = { { ET_OK, UNAUTHORIZED, 0 }, { ET_OK, UNAUTHORIZED, 0 } },
                  .n_scenes = 2 };
    et_port p2 = script_port(&s2);
    src t2 = { { "A", "B", "C" }, 0, 0 };
    w = work(NULL);
    assert_int_equal(et_adme_call(&p2, &adme, &rq, fixed_source, &t2, &w, NULL, &res),
                     ET_E_HTTP_STATUS);
    assert_int_equal(res.http_status, 401);
    assert_int_equal(res.osdu.code, 401);
    assert_true(et_str_eq(res.osdu.message, ET_STR("token revoked")));
    assert_int_equal(t2.calls, 2);
    assert_int_equal(s2.played, 2);
  }
}

static void busy_is_retried(void **state) {
  script s = { .scenes = { { ET_OK, BUSY, 0 }, { ET_OK, GROUPS_OK, 0 } }, .n_scenes = 2,
               .no_jitter = true };
  et_port p = script_port(&s);
  et_work w = work(NULL);
  src tokens = { { "AT-1" }, 0, 0 };
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/entitlements/v2/groups"), ET_STR_NULL, false };
  et_result res;
  (void)state;
  assert_int_equal(et_adme_call(&p, &adme, &rq, fixed_source, &tokens, &w, NULL, &res), ET_OK);
  assert_int_equal(res.attempts, 2);
  assert_true(s.slept_ms >= 1000);
  assert_int_equal(tokens.calls, 1);
}

static void tokens_come_from_the_cache(void **state) {
  script s = { .scenes = { { ET_OK, TOKEN("AT-cached-aaaaaaaaaaaaa", "3600"), 0 },
                           { ET_OK, GROUPS_OK, 0 }, { ET_OK, GROUPS_OK, 0 },
                           { ET_OK, GROUPS_OK, 0 } },
               .n_scenes = 4 };
  et_port p = script_port(&s);
  et_app app = fake_app("secret");
  et_work w = work(NULL);
  static uint8_t mem[512];
  et_cache_slot slot = { mem, sizeof mem, false, 0, 0, 0, 0, 0, 0, 0, 0 };
  et_cache cache;
  uint8_t seed[16] = { 1 };
  et_cache_cc cc;
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/entitlements/v2/groups"), ET_STR_NULL, false };
  et_result res;
  (void)state;
  assert_int_equal(et_cache_init(&cache, &slot, 1, NULL, seed), ET_OK);
  cc.cache = &cache;
  cc.port = &p;
  cc.app = &app;
  cc.ep = ET_ENDPOINT_V2;
  cc.target = ET_STR("api://adme/.default");
  cc.w = &w;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(et_adme_call(&p, &adme, &rq, et_cache_cc_token, &cc, &w, NULL, &res), ET_OK);
    assert_true(contains(s.sent, s.sent_len, "Authorization: Bearer AT-cached-aaaaaaaaaaaaa\r\n"));
  }
  assert_int_equal(s.played, 4); /* one token request, three calls */
}

/* A token due for refresh whose refresh fails on the network is served
 * on; a permanent refusal is not. */
static et_err failing_fetch(void *ctx, et_work *w, et_token *tok, et_result *res) {
  (void)w, (void)tok, (void)res;
  return *(et_err *)ctx;
}

static void due_refresh_failing_serves_on(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = script_port(&s);
  static uint8_t mem[512];
  et_cache_slot slot = { mem, sizeof mem, false, 0, 0, 0, 0, 0, 0, 0, 0 };
  et_cache cache;
  uint8_t seed[16] = { 2 };
  et_cache_key k = { ET_STR(""), ET_STR("t"), ET_STR("c"), ET_CACHE_FLOW_CLIENT_CREDENTIALS,
                     ET_STR("s") };
  et_cached got;
  bool stale;
  et_err why = ET_E_TIMEOUT;
  (void)state;
  assert_int_equal(et_cache_init(&cache, &slot, 1, NULL, seed), ET_OK);
  assert_int_equal(et_cache_restore(&cache, &k, ET_STR("AT"), s.now, s.now + 200000,
                                    s.now + 1000, 0), ET_OK);
  s.now += 5000; /* due */
  assert_int_equal(et_cache_get(&p, &cache, &k, false, failing_fetch, &why, NULL, &got, &stale,
                                NULL), ET_OK);
  assert_true(stale);
  assert_true(et_str_eq(got.access_token, ET_STR("AT")));
  /* FRESH during the backoff: no fetch at all. */
  why = ET_E_ARG;
  assert_int_equal(et_cache_get(&p, &cache, &k, false, failing_fetch, &why, NULL, &got, &stale,
                                NULL), ET_OK);
  assert_false(stale);
  /* A renewal (401) fetches whatever the state, and a refusal ends it. */
  why = ET_E_SIGNIN_REQUIRED;
  assert_int_equal(et_cache_get(&p, &cache, &k, true, failing_fetch, &why, NULL, &got, &stale,
                                NULL), ET_E_SIGNIN_REQUIRED);
  assert_int_equal(et_cache_lookup(&cache, &k, s.now, &got), ET_CACHE_MISS);
}

static void refusals(void **state) {
  et_adme_engine e;
  et_engine_in in;
  et_work w = work(NULL);
  et_adme bad = adme;
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/x"), ET_STR_NULL, false };
  (void)state;
  memset(&in, 0, sizeof in);
  assert_int_equal(et_adme_begin(&e, &adme, &rq, ET_STR_NULL, &w, &in), ET_E_ARG);
  assert_int_equal(et_engine_step(&e.base, 0).kind, ET_STEP_FAIL);
  bad.partition = ET_STR_NULL;
  assert_int_equal(et_adme_begin(&e, &bad, &rq, ET_STR("AT"), &w, &in), ET_E_ARG);
  bad = adme;
  bad.url = ET_STR("http://contoso.energy.azure.com");
  assert_int_equal(et_adme_begin(&e, &bad, &rq, ET_STR("AT"), &w, &in), ET_E_URL);
  bad.url = ET_STR_NULL;
  assert_int_equal(et_adme_begin(&e, &bad, &rq, ET_STR("AT"), &w, &in), ET_E_URL);
  rq.path = ET_STR("api/x");
  assert_int_equal(et_adme_begin(&e, &adme, &rq, ET_STR("AT"), &w, &in), ET_E_ARG);
  rq.path = ET_STR("/api/x\r\nX-Evil: 1");
  assert_int_equal(et_adme_begin(&e, &adme, &rq, ET_STR("AT"), &w, &in), ET_OK);
  assert_int_equal(et_engine_step(&e.base, 0).kind, ET_STEP_FAIL); /* header injection */
  rq.path = ET_STR("/api/x");
  rq.body = (et_str){ (const char *)g_buf, 2 };
  assert_int_equal(et_adme_begin(&e, &adme, &rq, ET_STR("AT"), &w, &in), ET_E_ARG);
  assert_int_equal(et_adme_begin(NULL, &adme, &rq, ET_STR("AT"), &w, &in), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(get_sends_bearer_and_partition),
    cmocka_unit_test(post_sends_json),
    cmocka_unit_test(osdu_error_is_surfaced),
    cmocka_unit_test(unauthorized_renews_once),
    cmocka_unit_test(busy_is_retried),
    cmocka_unit_test(tokens_come_from_the_cache),
    cmocka_unit_test(due_refresh_failing_serves_on),
    cmocka_unit_test(refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
