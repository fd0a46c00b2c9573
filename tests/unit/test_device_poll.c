/* SPDX-License-Identifier: MIT */
/* The device code polling schedule and its outcomes, on a scripted port
 * with a fake clock: sleep_ms advances the clock, every connection costs
 * LATENCY_MS, and each open() records when a poll reached the "server"
 * (the scripted port of fake_port.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#define LATENCY_MS 300u

/* The device flow only ever saves a refresh token. */
static et_err save_only(void *ctx, et_store_op op, const char *key, uint8_t *buf, size_t cap,
                        size_t *len) {
  assert_int_equal(op, ET_STORE_SAVE);
  return script_store(ctx, op, key, buf, cap, len);
}

/* Every connection costs LATENCY_MS on the fake clock; no jitter. */
static et_port clock_port(script *s) {
  et_port p;
  s->latency_ms = LATENCY_MS;
  s->no_jitter = true;
  p = script_port(s);
  p.store = save_only;
  return p;
}

#define ERR400(e)                                                              \
  "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"             \
  "Connection: close\r\n\r\n{\"error\":\"" e "\",\"error_codes\":[70016]}"
#define PENDING ERR400("authorization_pending")
#define SLOW ERR400("slow_down")
#define DECLINED ERR400("authorization_declined")
#define EXPIRED ERR400("expired_token")
#define BAD_CODE ERR400("bad_verification_code")
#define INVALID_CLIENT ERR400("invalid_client")
#define E500                                                                   \
  "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"   \
  "Connection: close\r\n\r\n{\"error\":\"server_error\"}"
#define TOKEN                                                                  \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" \
  "\r\n{\"token_type\":\"Bearer\",\"expires_in\":3599,\"scope\":\"a b\","      \
  "\"access_token\":\"AT\",\"refresh_token\":\"RT-0.x\"}"
#define DEVICECODE                                                             \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" \
  "\r\n{\"user_code\":\"UC123\",\"device_code\":\"DEVSECRET\",\"verification_uri\":" \
  "\"https://microsoft.com/devicelogin\",\"expires_in\":900,\"interval\":5,"   \
  "\"message\":\"Open the page and enter UC123\"}"

static uint8_t g_buf[4096];
static jsmntok_t g_tok[64];
static char g_code[64] = "DEVSECRET";

static et_work work(void) {
  et_work w = { g_buf, sizeof g_buf, g_tok, 64, NULL };
  memset(g_buf, 0xcc, sizeof g_buf);
  return w;
}

static et_app public_app(void) {
  return fake_app(NULL);
}

static et_device_code code(uint32_t interval, uint32_t expires_in) {
  et_device_code dc;
  memset(&dc, 0, sizeof dc);
  dc.device_code = (et_str){ g_code, strlen(g_code) };
  dc.interval = interval;
  dc.expires_in = expires_in;
  dc.issued_ms = 0;
  return dc;
}

static et_err poll(script *s, et_endpoint ep, const et_app *a, et_device_code dc,
                   et_token *t, et_result *res) {
  et_port p = clock_port(s);
  et_work w = work();
  return et_device_code_poll(&p, a, ep, &dc, &w, t, res);
}

static void check_times(const script *s, const uint64_t *want, size_t n) {
  assert_int_equal(s->played, n);
  for (size_t i = 0; i < n; i++)
    if (s->at[i] != want[i])
      fail_msg("poll %zu at %llu ms, want %llu", i, (unsigned long long)s->at[i],
               (unsigned long long)want[i]);
}

static void pending_then_token_every_interval(void **state) {
  script s = { .scenes = { { 0, PENDING, 0 }, { 0, PENDING, 0 }, { 0, TOKEN, 0 } }, .n_scenes = 3 };
  et_app a = public_app();
  et_token t;
  et_result res;
  /* One interval after the call, then one after each answer arrived. */
  static const uint64_t want[] = { 5000, 10300, 15600 };
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(5, 900), &t, &res), ET_OK);
  check_times(&s, want, 3);
  assert_int_equal(res.attempts, 3); /* every poll counts */
  assert_int_equal(res.http_status, 200);
  assert_null(res.oauth.error.p); /* the pending answers are forgotten */
  assert_true(et_str_eq(t.access_token, ET_STR("AT")));
  assert_true(et_str_eq(t.refresh_token, ET_STR("RT-0.x")));
  assert_memory_equal(s.sent, "POST /contoso/oauth2/v2.0/token HTTP/1.1\r\n", 42);
  assert_true(contains(s.sent, s.sent_len,
                       "\r\n\r\ngrant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A"
                       "device_code&client_id=app&device_code=DEVSECRET"));
  assert_false(contains(s.sent, s.sent_len, "client_secret"));
  assert_true(s.longest_sleep <= 1000); /* sliced: cancel is seen promptly */
}

static void slow_down_adds_5s_to_every_later_poll(void **state) {
  script s = { .scenes = { { 0, PENDING, 0 }, { 0, SLOW, 0 }, { 0, PENDING, 0 }, { 0, SLOW, 0 },
                           { 0, PENDING, 0 }, { 0, TOKEN, 0 } }, .n_scenes = 6 };
  et_app a = public_app();
  et_token t;
  /* intervals: 2, 2, 7, 7, 12, 12 s (each measured from the last answer) */
  static const uint64_t want[] = { 2000, 4300, 11600, 18900, 31200, 43500 };
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(2, 900), &t, NULL), ET_OK);
  check_times(&s, want, 6);
}

static void interval_zero_means_default_5s(void **state) {
  script s = { .scenes = { { 0, TOKEN, 0 } }, .n_scenes = 1 };
  et_app a = public_app();
  et_token t;
  static const uint64_t want[] = { 5000 };
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(0, 900), &t, NULL), ET_OK);
  check_times(&s, want, 1);
}

static void terminal_answers(void **state) {
  static const struct {
    const char *response;
    et_err want;
    const char *error;
  } cases[] = {
    { DECLINED, ET_E_DECLINED, "authorization_declined" },
    { EXPIRED, ET_E_EXPIRED, "expired_token" },
    { BAD_CODE, ET_E_OAUTH, "bad_verification_code" },
    { INVALID_CLIENT, ET_E_OAUTH, "invalid_client" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    script s = { .scenes = { { 0, PENDING, 0 }, { 0, cases[i].response, 0 }, { 0, TOKEN, 0 } },
                 .n_scenes = 3 };
    et_app a = public_app();
    et_token t;
    et_result res;
    assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(1, 900), &t, &res), cases[i].want);
    assert_int_equal(s.played, 2); /* stopped at once */
    assert_int_equal(res.err, cases[i].want);
    assert_true(et_str_eq(res.oauth.error, et_str_from_cstr(cases[i].error)));
    assert_int_equal(res.oauth.error_codes[0], 70016);
    assert_int_equal(res.http_status, 400);
    assert_null(t.access_token.p);
  }
}

static void deadline_ends_polling(void **state) {
  script s = { .scenes = { { 0, PENDING, 0 }, { 0, PENDING, 0 }, { 0, PENDING, 0 } },
               .n_scenes = 3 };
  et_app a = public_app();
  et_token t;
  et_result res;
  static const uint64_t want[] = { 5000, 10300 };
  (void)state;
  /* Deadline 12 s: the third poll would be at 15.6 s, after it. */
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(5, 12), &t, &res), ET_E_EXPIRED);
  check_times(&s, want, 2);
  assert_int_equal(res.oauth.error.n, 0); /* no server error to show */
  assert_non_null(res.why);
  assert_true(s.now < 12000);       /* no pointless wait for a dead code */
}

static void network_failure_retried_within_deadline(void **state) {
  /* A poll whose three connection attempts fail (1 s, 2 s back-off inside
   * the poll, each up to a quarter longer) is not fatal: the next interval
   * polls again. */
  script s = { .scenes = { { 0, PENDING, 0 }, { ET_E_TIMEOUT, NULL, 0 }, { ET_E_TIMEOUT, NULL, 0 },
                           { ET_E_TIMEOUT, NULL, 0 }, { 0, PENDING, 0 }, { 0, TOKEN, 0 } },
               .n_scenes = 6 };
  et_app a = public_app();
  et_token t;
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(5, 900), &t, NULL), ET_OK);
  assert_int_equal(s.played, 6);
  assert_int_equal(s.at[0], 5000);
  assert_int_equal(s.at[1], 10300);
  assert_true(s.at[2] - s.at[1] >= LATENCY_MS + 1000 && s.at[2] - s.at[1] <= LATENCY_MS + 1250);
  assert_true(s.at[3] - s.at[2] >= LATENCY_MS + 2000 && s.at[3] - s.at[2] <= LATENCY_MS + 2500);
  /* The next poll an interval after the last failure. */
  assert_int_equal(s.at[4], s.at[3] + LATENCY_MS + 5000);
  assert_int_equal(s.at[5], s.at[4] + LATENCY_MS + 5000);
}

static void server_errors_retried_within_deadline(void **state) {
  script s = { .scenes = { { 0, E500, 0 }, { 0, E500, 0 }, { 0, E500, 0 }, { 0, TOKEN, 0 } },
               .n_scenes = 4 };
  et_app a = public_app();
  et_token t;
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(5, 900), &t, NULL), ET_OK);
  assert_int_equal(s.played, 4);
  assert_true(s.at[3] >= s.at[2] + LATENCY_MS + 5000);
}

static void network_down_until_deadline_is_expired(void **state) {
  script s = { .n_scenes = MAX_SCENES };
  et_app a = public_app();
  et_token t;
  et_port p = clock_port(&s);
  et_work w = work();
  et_device_code dc = code(5, 30);
  et_result res;
  (void)state;
  for (size_t i = 0; i < MAX_SCENES; i++)
    s.scenes[i].open_err = ET_E_DNS;
  assert_int_equal(et_device_code_poll(&p, &a, ET_ENDPOINT_V2, &dc, &w, &t, &res),
                   ET_E_EXPIRED);
  assert_non_null(res.why);
  assert_true(contains(res.why, strlen(res.why), "poll failed"));
  assert_true(s.played >= 3 && s.played < MAX_SCENES);
  assert_true(s.at[s.played - 1] < 30000);
  assert_int_equal(res.attempts, 0); /* nothing was ever sent */
}

static void cancel_is_prompt(void **state) {
  script s = { .scenes = { { 0, PENDING, 0 }, { 0, PENDING, 0 }, { 0, TOKEN, 0 } }, .n_scenes = 3,
               .cancel_at = 7000 };
  et_app a = public_app();
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(30, 900), &t, &res), ET_E_CANCELLED);
  assert_int_equal(s.played, 0);
  assert_true(s.now >= 7000 && s.now <= 8000); /* within one sleep slice */
  assert_int_equal(res.err, ET_E_CANCELLED);
  assert_int_equal(res.oauth.error.n, 0);
}

static void confidential_client_sends_secret_and_v1_path(void **state) {
  script s = { .scenes = { { 0, TOKEN, 0 } }, .n_scenes = 1 };
  et_app a = public_app();
  et_token t;
  (void)state;
  a.cred.kind = ET_CRED_SECRET;
  a.cred.secret = ET_STR("s+1");
  assert_int_equal(poll(&s, ET_ENDPOINT_V1, &a, code(1, 900), &t, NULL), ET_OK);
  assert_memory_equal(s.sent, "POST /contoso/oauth2/token HTTP/1.1\r\n", 37);
  assert_true(contains(s.sent, s.sent_len, "&device_code=DEVSECRET&client_secret=s%2B1"));
}

static void bad_arguments(void **state) {
  script s = { .n_scenes = 0 };
  et_port p = clock_port(&s);
  et_app a = public_app();
  et_work w = work();
  et_token t;
  et_device_code dc = code(5, 900);
  et_result res;
  (void)state;
  /* The device code must not live in the workspace every poll reuses. */
  memcpy(g_buf + 100, "DEVSECRET", 9);
  dc.device_code = (et_str){ (const char *)g_buf + 100, 9 };
  assert_int_equal(et_device_code_poll(&p, &a, ET_ENDPOINT_V2, &dc, &w, &t, &res), ET_E_ARG);
  assert_non_null(res.why);
  dc = code(5, 900);
  p.mono_ms = NULL;
  assert_int_equal(et_device_code_poll(&p, &a, ET_ENDPOINT_V2, &dc, &w, &t, NULL), ET_E_ARG);
  p = clock_port(&s);
  dc.device_code = ET_STR_NULL;
  assert_int_equal(et_device_code_poll(&p, &a, ET_ENDPOINT_V2, &dc, &w, &t, NULL), ET_E_ARG);
  /* No sleep hook: the schedule cannot be kept. */
  dc = code(5, 900);
  p.sleep_ms = NULL;
  assert_int_equal(et_device_code_poll(&p, &a, ET_ENDPOINT_V2, &dc, &w, &t, NULL), ET_E_ARG);
  assert_int_equal(s.played, 0);
}

/* Keep-alive answers (no "Connection: close"). */
#define KEPT(status, body)                                                     \
  "HTTP/1.1 " status "\r\nContent-Type: application/json\r\n"                \
  "Content-Length: " body
#define PENDING_KEPT                                                           \
  KEPT("400 Bad Request", "33\r\n\r\n{\"error\":\"authorization_pending\"}")
#define TOKEN_KEPT                                                             \
  KEPT("200 OK", "58\r\n\r\n{\"token_type\":\"Bearer\",\"expires_in\":1,"     \
                 "\"access_token\":\"AT\"}")

static void polls_share_one_kept_connection(void **state) {
  script s = { .scenes = { { 0, PENDING_KEPT, 3 }, { 0, PENDING_KEPT, 0 }, { 0, TOKEN_KEPT, 0 } },
               .n_scenes = 3, .keep = SCENE(0) | SCENE(1) | SCENE(2) };
  et_app a = public_app();
  et_token t;
  et_device_code dc = code(5, 900);
  /* A monotonic clock far from 0, as on a device that has been up a while. */
  static const uint64_t up = 86400000u;
  static const uint64_t want[] = { up + 5000, up + 10300, up + 15300 };
  (void)state;
  s.now = up;
  dc.issued_ms = up;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, dc, &t, NULL), ET_OK);
  assert_true(et_str_eq(t.access_token, ET_STR("AT")));
  /* One connect (LATENCY_MS once), then every poll on it; closed at the
   * end, since the caller keeps no link. */
  check_times(&s, want, 3);
  assert_int_equal(s.opens, 1);
  assert_int_equal(s.reuses, 2);
  assert_false(s.reused[0]);
  assert_true(s.reused[1] && s.reused[2]);
  assert_int_equal(s.closes, 1);
  assert_false(s.conn_open);
  assert_true(contains(s.sent, s.sent_len, "\r\nConnection: keep-alive\r\n"));
}

static void idle_connection_is_not_reused(void **state) {
  /* An interval longer than the idle limit: each poll on a fresh
   * connection, the old one closed first. */
  script s = { .scenes = { { 0, PENDING_KEPT, 0 }, { 0, TOKEN_KEPT, 0 } }, .n_scenes = 2,
               .keep = SCENE(0) | SCENE(1) };
  et_app a = public_app();
  et_token t;
  uint32_t interval_s = CONFIG_ET_KEEPALIVE_IDLE_MS / 1000 + 1;
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(interval_s, 900), &t, NULL), ET_OK);
  assert_int_equal(s.opens, 2);
  assert_int_equal(s.reuses, 0);
  assert_int_equal(s.closes, 2);
}

static void poll_on_a_stale_connection_is_resent(void **state) {
  /* The server dropped the kept connection between two polls: the poll
   * goes again at once on a fresh one, not one interval later, and it is
   * not a retry. */
  script s = { .scenes = { { 0, PENDING_KEPT, 0 }, { 0, NULL, 0 }, { 0, TOKEN_KEPT, 0 } },
               .n_scenes = 3, .keep = SCENE(0) | SCENE(2), .stale = SCENE(1) };
  et_app a = public_app();
  et_token t;
  et_result res;
  (void)state;
  assert_int_equal(poll(&s, ET_ENDPOINT_V2, &a, code(5, 900), &t, &res), ET_OK);
  assert_int_equal(s.played, 3);
  assert_true(s.reused[1]);
  assert_false(s.reused[2]);
  assert_int_equal(s.at[1], 10300);
  assert_int_equal(s.at[2], 10300); /* no back-off */
  assert_int_equal(s.opens, 2);
  assert_int_equal(res.attempts, 2); /* the lost poll is not counted */
}

/* et_device_code_request on its own: the POST, the decoded answer, the
 * refusals. */

static void request_v2_and_v1(void **state) {
  script s = { .scenes = { { 0, DEVICECODE, 7 }, { 0, DEVICECODE, 0 } }, .n_scenes = 2 };
  et_port p = clock_port(&s);
  et_app a = fake_app("never-sent");
  et_work w = work();
  et_device_code dc;
  et_result res;
  (void)state;
  s.now = 1234;
  assert_int_equal(et_device_code_request(&p, &a, ET_ENDPOINT_V2, ET_STR("api://x/.default"), &w,
                                          &dc, &res),
                   ET_OK);
  assert_int_equal(res.err, ET_OK);
  assert_int_equal(res.http_status, 200);
  assert_true(et_str_eq(dc.device_code, ET_STR("DEVSECRET")));
  assert_true(et_str_eq(dc.user_code, ET_STR("UC123")));
  assert_true(et_str_eq(dc.verification_uri, ET_STR("https://microsoft.com/devicelogin")));
  assert_true(et_str_eq(dc.message, ET_STR("Open the page and enter UC123")));
  assert_int_equal(dc.expires_in, 900);
  assert_int_equal(dc.interval, 5);
  /* The attempt's start, before the connection's latency. */
  assert_int_equal(dc.issued_ms, 1234);
  assert_memory_equal(s.sent, "POST /contoso/oauth2/v2.0/devicecode HTTP/1.1\r\n", 47);
  assert_true(contains(s.sent, s.sent_len, "\r\n\r\nclient_id=app&scope=api%3A%2F%2Fx%2F.default"));
  /* The devicecode endpoint takes no credential and no grant_type. */
  assert_false(contains(s.sent, s.sent_len, "never-sent"));
  assert_false(contains(s.sent, s.sent_len, "grant_type"));

  assert_int_equal(et_device_code_request(&p, &a, ET_ENDPOINT_V1, ET_STR("https://r"), &w, &dc,
                                          NULL),
                   ET_OK);
  assert_memory_equal(s.sent, "POST /contoso/oauth2/devicecode HTTP/1.1\r\n", 42);
  assert_true(contains(s.sent, s.sent_len, "\r\n\r\nclient_id=app&resource=https%3A%2F%2Fr"));
  assert_int_equal(s.played, 2);
}

static void request_refusals(void **state) {
  script s = { .scenes = { { 0, ERR400("invalid_scope"), 0 },
                           { 0, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"user_code\":1}", 0 } },
               .n_scenes = 2 };
  et_engine_in in = { 0, 0, { 0 }, false };
  et_device_code_engine e;
  et_device_code dc;
  et_result res;
  et_port p = clock_port(&s);
  et_app a = public_app();
  et_work w = work();
  (void)state;
  /* The caller's mistakes: nothing is sent, *dc is zeroed. */
  memset(&dc, 0x5a, sizeof dc);
  assert_int_equal(et_device_code_request(NULL, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &dc, &res),
                   ET_E_ARG);
  assert_null(dc.device_code.p);
  assert_int_equal(res.err, ET_E_ARG);
  assert_int_equal(et_device_code_request(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, NULL, &res),
                   ET_E_ARG);
  assert_int_equal(et_device_code_request(&p, &a, ET_ENDPOINT_V2, ET_STR_NULL, &w, &dc, &res),
                   ET_E_ARG);
  assert_non_null(res.why);
  assert_int_equal(et_device_code_request(&p, &a, (et_endpoint)7, ET_STR("x"), &w, &dc, NULL),
                   ET_E_ARG);
  assert_int_equal(et_device_code_begin(NULL, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &in), ET_E_ARG);
  assert_int_equal(et_device_code_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("x"), NULL, &in), ET_E_ARG);
  assert_int_equal(s.played, 0);
  /* The server's refusal, then an answer that is no device code. */
  assert_int_equal(et_device_code_request(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &dc, &res),
                   ET_E_OAUTH);
  assert_true(et_str_eq(res.oauth.error, ET_STR("invalid_scope")));
  assert_null(dc.device_code.p);
  assert_int_equal(et_device_code_request(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &dc, &res),
                   ET_E_JSON_FIELD);
  assert_non_null(res.why);
  assert_null(dc.user_code.p);
  assert_int_equal(s.played, 2);
}

/* et_device_login: request, prompt, poll, store. */

typedef struct prompt_seen {
  int calls;
  char user_code[16];
  bool saw_device_code;
} prompt_seen;

static void record_prompt(void *ctx, const et_device_code *dc) {
  prompt_seen *ps = ctx;
  ps->calls++;
  assert_true(dc->user_code.n < sizeof ps->user_code);
  memcpy(ps->user_code, dc->user_code.p, dc->user_code.n);
  ps->saw_device_code = dc->device_code.n != 0 || dc->device_code.p != NULL;
  /* Everything else of the answer is shown. */
  assert_true(et_str_eq(dc->verification_uri, ET_STR("https://microsoft.com/devicelogin")));
  assert_true(et_str_eq(dc->message, ET_STR("Open the page and enter UC123")));
  assert_int_equal(dc->interval, 5);
  assert_int_equal(dc->expires_in, 900);
}

static void login_prompts_polls_and_stores(void **state) {
  script s = { .scenes = { { 0, DEVICECODE, 0 }, { 0, PENDING, 0 }, { 0, TOKEN, 0 } },
               .n_scenes = 3 };
  et_port p = clock_port(&s);
  et_app a = public_app();
  et_work w = work();
  et_token t;
  et_result res;
  prompt_seen ps = { 0, { 0 }, false };
  char cbuf[ET_DEVICE_CODE_BUF_SIZE];
  et_device_login_cfg cfg = { ET_ENDPOINT_V2, ET_STR("app/.default offline_access"),
                              record_prompt, &ps, cbuf, sizeof cbuf, NULL };
  (void)state;
  assert_int_equal(et_device_login(&p, &a, &cfg, &w, &t, &res), ET_OK);
  assert_int_equal(res.err, ET_OK);
  assert_int_equal(ps.calls, 1);
  assert_string_equal(ps.user_code, "UC123");
  assert_false(ps.saw_device_code);
  assert_true(et_str_eq(t.access_token, ET_STR("AT")));
  assert_string_equal(s.key, "refresh_token");
  assert_int_equal(s.stored_len, 6);
  assert_memory_equal(s.stored, "RT-0.x", 6);
  /* The first poll comes one interval after the devicecode answer. */
  assert_int_equal(s.at[1], 5000 + LATENCY_MS);
  for (size_t i = 0; i < sizeof cbuf; i++)
    assert_int_equal(cbuf[i], 0); /* wiped */
  assert_false(contains((const char *)g_buf, sizeof g_buf, "DEVSECRET"));
}

static void login_code_buffer_too_small(void **state) {
  script s = { .scenes = { { 0, DEVICECODE, 0 } }, .n_scenes = 1 };
  et_port p = clock_port(&s);
  et_app a = public_app();
  et_work w = work();
  et_token t;
  et_result res;
  prompt_seen ps = { 0, { 0 }, false };
  char cbuf[8];
  et_device_login_cfg cfg = { ET_ENDPOINT_V2, ET_STR("x"), record_prompt, &ps, cbuf,
                              sizeof cbuf, "k" };
  (void)state;
  assert_int_equal(et_device_login(&p, &a, &cfg, &w, &t, &res), ET_E_NOSPACE);
  assert_int_equal(res.err, ET_E_NOSPACE);
  assert_non_null(res.why);
  assert_int_equal(ps.calls, 0);
  assert_false(contains((const char *)g_buf, sizeof g_buf, "DEVSECRET"));
}

static void login_refuses_bad_arguments(void **state) {
  script s = { .n_scenes = 0 }; /* nothing may be sent */
  et_port p = clock_port(&s);
  et_work w = work(), bw = work();
  et_app a = public_app();
  prompt_seen ps = { 0, { 0 }, false };
  char cbuf[16];
  et_device_login_cfg bad, cfg = { ET_ENDPOINT_V2, ET_STR("x"), record_prompt, &ps, cbuf,
                                   sizeof cbuf, NULL };
  et_result res;
  et_token t;
  (void)state;
  /* Each refusal zeroes *tok and *res, then names ET_E_ARG without a why. */
  memset(&t, 0x5a, sizeof t);
  memset(&res, 0x5a, sizeof res);
  assert_int_equal(et_device_login(NULL, &a, &cfg, &w, &t, &res), ET_E_ARG);
  assert_int_equal(res.err, ET_E_ARG);
  assert_null(res.why);
  assert_int_equal(res.http_status, 0);
  assert_int_equal(t.access_token.n, 0);
  assert_null(t.access_token.p);
  assert_int_equal(et_device_login(&p, &a, NULL, &w, &t, &res), ET_E_ARG);
  bad = cfg;
  bad.prompt = NULL;
  assert_int_equal(et_device_login(&p, &a, &bad, &w, &t, &res), ET_E_ARG);
  bad = cfg;
  bad.code_buf = NULL;
  assert_int_equal(et_device_login(&p, &a, &bad, &w, &t, NULL), ET_E_ARG);
  assert_int_equal(et_device_login(&p, &a, &cfg, NULL, &t, &res), ET_E_ARG);
  bw.buf = NULL;
  assert_int_equal(et_device_login(&p, &a, &cfg, &bw, &t, &res), ET_E_ARG);
  memset(&res, 0x5a, sizeof res);
  assert_int_equal(et_device_login(&p, &a, &cfg, &w, NULL, &res), ET_E_ARG);
  assert_int_equal(res.err, ET_E_ARG);
  assert_null(res.why);
  assert_int_equal(et_device_login(&p, &a, &cfg, &w, NULL, NULL), ET_E_ARG);
  assert_int_equal(s.played, 0);
  assert_int_equal(ps.calls, 0);
}

static void login_store_failure_keeps_token(void **state) {
  script s = { .scenes = { { 0, DEVICECODE, 0 }, { 0, TOKEN, 0 } }, .n_scenes = 2,
               .save_err = ET_E_STORE };
  et_port p = clock_port(&s);
  et_app a = public_app();
  et_work w = work();
  et_token t;
  et_result res;
  prompt_seen ps = { 0, { 0 }, false };
  char cbuf[ET_DEVICE_CODE_BUF_SIZE];
  et_device_login_cfg cfg = { ET_ENDPOINT_V1, ET_STR("https://r"), record_prompt, &ps, cbuf,
                              sizeof cbuf, "rt" };
  (void)state;
  assert_int_equal(et_device_login(&p, &a, &cfg, &w, &t, &res), ET_E_STORE);
  assert_true(et_str_eq(t.access_token, ET_STR("AT")));
  assert_int_equal(res.err, ET_E_STORE);
  assert_non_null(res.why);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(pending_then_token_every_interval),
    cmocka_unit_test(slow_down_adds_5s_to_every_later_poll),
    cmocka_unit_test(interval_zero_means_default_5s),
    cmocka_unit_test(terminal_answers),
    cmocka_unit_test(deadline_ends_polling),
    cmocka_unit_test(network_failure_retried_within_deadline),
    cmocka_unit_test(server_errors_retried_within_deadline),
    cmocka_unit_test(network_down_until_deadline_is_expired),
    cmocka_unit_test(cancel_is_prompt),
    cmocka_unit_test(confidential_client_sends_secret_and_v1_path),
    cmocka_unit_test(bad_arguments),
    cmocka_unit_test(login_refuses_bad_arguments),
    cmocka_unit_test(request_v2_and_v1),
    cmocka_unit_test(request_refusals),
    cmocka_unit_test(polls_share_one_kept_connection),
    cmocka_unit_test(idle_connection_is_not_reused),
    cmocka_unit_test(poll_on_a_stale_connection_is_resent),
    cmocka_unit_test(login_prompts_polls_and_stores),
    cmocka_unit_test(login_code_buffer_too_small),
    cmocka_unit_test(login_store_failure_keeps_token),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
