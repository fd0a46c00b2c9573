/* SPDX-License-Identifier: MIT */
/* The engines without any port: each flow driven by hand, step by step,
 * the way a superloop, an event loop or a modem would. The test plays the
 * network and the clock: it takes the SEND bytes, answers in odd splits
 * (one byte at a time too) or whole (et_engine_feed), fails connections,
 * and checks what the engine asks for next: the bytes, the WAIT times
 * (back-off with jitter, Retry-After, the device code schedule), the
 * close and reuse flags, the outcome and the wiped workspace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#define NOW_S 1700000000
#define T0 1000u /* the clock at begin */
#define SECRET "s3cr3t+"
#define SECRET_FORM "s3cr3t%2B"

static uint8_t g_buf[4096];
static jsmntok_t g_tok[64];

static et_work work_in(uint8_t *buf, size_t cap) {
  et_work w = { buf, cap, g_tok, 64, NULL };
  memset(buf, 0xcc, cap);
  return w;
}

static et_work work(void) {
  return work_in(g_buf, sizeof g_buf);
}

static et_engine_in input(uint64_t now, bool keep_alive, uint8_t seed) {
  et_engine_in in;
  memset(&in, 0, sizeof in);
  in.now_ms = now;
  in.unix_s = NOW_S;
  in.keep_alive = keep_alive;
  for (size_t i = 0; i < sizeof in.seed; i++)
    in.seed[i] = (uint8_t)(seed * 31u + i * 13u + 7u);
  return in;
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0)
      return false;
  return true;
}

/* "HTTP/1.1 <status>\r\n<headers>Content-Length: <n>\r\n\r\n<body>" */
static const char *answer_in(char *out, size_t cap, const char *status, const char *headers,
                             const char *body) {
  int n = snprintf(out, cap, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n\r\n%s", status, headers,
                   strlen(body), body);
  assert_true(n > 0 && (size_t)n < cap);
  return out;
}

static char g_ans[2048];

static const char *answer(const char *status, const char *headers, const char *body) {
  return answer_in(g_ans, sizeof g_ans, status, headers, body);
}

#define TOKEN_JSON                                                             \
  "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"AT.secret\"," \
  "\"refresh_token\":\"RT.next\"}"
#define TOKEN_CHUNKED                                                          \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" \
  "a\r\n{\"token_ty\r\n"                                                       \
  "54\r\npe\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"AT.secret\","  \
  "\"refresh_token\":\"RT.next\"}\r\n0\r\n\r\n"

static const char *token_answer(void) {
  return answer("200 OK", "Content-Type: application/json\r\n", TOKEN_JSON);
}

/* ---- playing the network by hand ------------------------------------ */

/* Take the request through its SEND steps, piece bytes at a time (0: all
 * at once), checking that each step continues where the last ended;
 * returns its length. The step after it must be RECV. */
static size_t take_request(et_engine *e, uint64_t now, size_t piece, char *out, size_t cap) {
  et_step s = et_engine_step(e, now);
  size_t len = 0, total;
  assert_int_equal(s.kind, ET_STEP_SEND);
  total = s.n;
  while (s.kind == ET_STEP_SEND) {
    size_t k = piece != 0 && piece < s.n ? piece : s.n;
    assert_int_equal(s.n, total - len);
    assert_true(len + k <= cap);
    memcpy(out + len, s.data, k);
    len += k;
    et_engine_sent(e, k);
    s = et_engine_step(e, now);
  }
  assert_int_equal(s.kind, ET_STEP_RECV);
  assert_int_equal(len, total);
  return len;
}

static void send_request(et_engine *e, uint64_t now) {
  static char sink[4096];
  (void)take_request(e, now, 0, sink, sizeof sink);
}

/* Answer through the RECV steps, piece bytes at a time (0: as much as each
 * step takes); returns the step after the answer (or after the bytes ran
 * out). */
static et_step give(et_engine *e, uint64_t now, const char *resp, size_t piece) {
  size_t n = strlen(resp), off = 0;
  et_step s = et_engine_step(e, now);
  while (s.kind == ET_STEP_RECV && off < n) {
    size_t k = n - off;
    if (piece != 0 && k > piece)
      k = piece;
    if (k > s.cap)
      k = s.cap;
    assert_non_null(s.buf);
    memcpy(s.buf, resp + off, k);
    et_engine_received(e, k);
    off += k;
    s = et_engine_step(e, now);
  }
  return s;
}

/* Send the request and answer it whole. */
static et_step round_trip(et_engine *e, uint64_t now, const char *resp) {
  send_request(e, now);
  return give(e, now, resp, 0);
}

/* The request's body: what follows the blank line. */
static et_str body_of(const char *req, size_t n) {
  for (size_t i = 0; i + 4 <= n; i++)
    if (memcmp(req + i, "\r\n\r\n", 4) == 0)
      return (et_str){ req + i + 4, n - i - 4 };
  fail_msg("no blank line in the request");
  return ET_STR_NULL;
}

static bool body_is(const char *req, size_t n, const char *want) {
  et_str b = body_of(req, n);
  return b.n == strlen(want) && memcmp(b.p, want, b.n) == 0;
}

/* ---- client credentials: bytes out, bytes in ---------------------- */

static void request_bytes_in_any_split(void **state) {
  static const size_t pieces[] = { 0, 1, 7, 100 };
  static const char want_body[] =
      "grant_type=client_credentials&client_id=app&scope=api%2F.default"
      "&client_secret=" SECRET_FORM;
  char first[1024], req[1024], head[512];
  size_t first_len = 0;
  (void)state;
  for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
    et_token_engine e;
    et_app a = fake_app(SECRET);
    et_work w = work();
    et_engine_in in = input(T0, false, 1);
    et_step s;
    size_t n;
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("api/.default"), &w, &in),
                     ET_OK);
    s = et_engine_step(&e.base, T0);
    assert_int_equal(s.kind, ET_STEP_SEND);
    assert_true(et_str_eq(s.host, ET_STR("login.microsoftonline.com")));
    assert_int_equal(s.port, 443);
    assert_true(s.reuse); /* safe to send on a kept connection */
    assert_false(s.close);
    assert_int_equal(s.until_ms, T0 + CONFIG_ET_TIMEOUT_MS); /* the attempt's deadline */
    assert_int_equal(et_engine_result(&e.base)->attempts, 0);
    n = take_request(&e.base, T0, pieces[i], req, sizeof req);
    snprintf(head, sizeof head,
             "POST /contoso/oauth2/v2.0/token HTTP/1.1\r\n"
             "Host: login.microsoftonline.com\r\n"
             "User-Agent: edgetoken/0.1\r\n"
             "Accept: application/json\r\n"
             "Connection: close\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\n"
             "Content-Length: %zu\r\n\r\n",
             sizeof want_body - 1);
    assert_int_equal(n, strlen(head) + sizeof want_body - 1);
    assert_memory_equal(req, head, strlen(head));
    assert_true(body_is(req, n, want_body));
    if (i == 0) {
      memcpy(first, req, n);
      first_len = n;
    } else {
      assert_int_equal(n, first_len); /* the same bytes, however they were taken */
      assert_memory_equal(req, first, n);
    }
    assert_int_equal(et_engine_result(&e.base)->attempts, 1);
    /* Once sent, the request (and its secret) left the workspace. */
    assert_false(contains((const char *)g_buf, sizeof g_buf, SECRET_FORM));
    assert_false(contains((const char *)g_buf, sizeof g_buf, "grant_type"));
  }
}

static void answer_in_any_split(void **state) {
  static const size_t pieces[] = { 1, 2, 3, 5, 13, 64, 0 };
  (void)state;
  for (int chunked = 0; chunked < 2; chunked++)
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
      et_token_engine e;
      et_app a = fake_app(SECRET);
      et_work w = work();
      et_engine_in in = input(T0, true, 2);
      const et_result *r;
      et_step s;
      assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
      send_request(&e.base, T0);
      s = give(&e.base, T0 + 10, chunked ? TOKEN_CHUNKED : token_answer(), pieces[i]);
      assert_int_equal(s.kind, ET_STEP_DONE);
      assert_false(s.close); /* kept: the server did not ask to close */
      assert_int_equal(s.err, ET_OK);
      assert_true(et_str_eq(e.token.access_token, ET_STR("AT.secret")));
      assert_true(et_str_eq(e.token.refresh_token, ET_STR("RT.next")));
      assert_int_equal(e.token.expires_in, 3599);
      r = et_engine_result(&e.base);
      assert_int_equal(r->err, ET_OK);
      assert_int_equal(r->http_status, 200);
      assert_int_equal(r->attempts, 1);
      assert_null(r->why);
      /* DONE repeats. */
      s = et_engine_step(&e.base, T0 + 99999);
      assert_int_equal(s.kind, ET_STEP_DONE);
    }
}

static void close_flag_follows_the_connection(void **state) {
  static const struct {
    bool keep_alive;
    const char *headers;
    const char *extra;   /* bytes after the answer, in the same read */
    bool http10;
    bool close;
  } cases[] = {
    { true, "", "", false, false },                     /* kept */
    { true, "Connection: close\r\n", "", false, true }, /* the server closes */
    { false, "", "", false, true },                     /* we asked for close */
    { true, "", "HTTP/1.1 200", false, true },          /* bytes of no request */
    { true, "", "", true, true },                       /* HTTP/1.0 without keep-alive */
    { true, "Connection: keep-alive\r\n", "", true, false },
  };
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    et_token_engine e;
    et_app a = fake_app(SECRET);
    et_work w = work();
    et_engine_in in = input(T0, cases[i].keep_alive, 3);
    char resp[1024], req[1024];
    size_t n;
    et_step s;
    answer_in(resp, sizeof resp, "200 OK", cases[i].headers, TOKEN_JSON);
    if (cases[i].http10)
      resp[7] = '0';
    strcat(resp, cases[i].extra);
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
    n = take_request(&e.base, T0, 0, req, sizeof req);
    assert_true(contains(req, n, cases[i].keep_alive ? "\r\nConnection: keep-alive\r\n"
                                                     : "\r\nConnection: close\r\n"));
    s = give(&e.base, T0, resp, 0);
    assert_int_equal(s.kind, ET_STEP_DONE);
    if (s.close != cases[i].close)
      fail_msg("case %zu: close %d, want %d", i, s.close, cases[i].close);
    assert_true(et_str_eq(e.token.access_token, ET_STR("AT.secret")));
  }
}

/* A modem hands over whole responses: et_engine_feed takes what belongs
 * to the answer and says so. */
static void feed_whole_responses(void **state) {
  char resp[1024];
  (void)state;
  for (int extra = 0; extra < 2; extra++) {
    et_token_engine e;
    et_app a = fake_app(SECRET);
    et_work w = work();
    et_engine_in in = input(T0, true, 4);
    size_t used = 99, n;
    et_step s;
    strcpy(resp, token_answer());
    n = strlen(resp);
    if (extra)
      strcat(resp, "HTTP/1.1 100 Continue\r\n\r\n");
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
    /* Not receiving yet: nothing is taken. */
    et_engine_feed(&e.base, (const uint8_t *)resp, strlen(resp), &used);
    assert_int_equal(used, 0);
    send_request(&e.base, T0);
    et_engine_feed(&e.base, (const uint8_t *)resp, strlen(resp), &used);
    assert_int_equal(used, n); /* the extra bytes belong to no response */
    s = et_engine_step(&e.base, T0);
    assert_int_equal(s.kind, ET_STEP_DONE);
    assert_int_equal(s.close, extra != 0);
    assert_true(et_str_eq(e.token.access_token, ET_STR("AT.secret")));
    /* Done: more bytes are not taken. */
    et_engine_feed(&e.base, (const uint8_t *)resp, n, &used);
    assert_int_equal(used, 0);
  }
}

/* A body that exactly fills the workspace: the framing after it goes
 * through the engine's small spill buffer, fed whole or byte by byte. */
static void body_filling_the_workspace(void **state) {
  static uint8_t buf[400];
  static char resp[1024];
  static const char head[] = "{\"token_type\":\"Bearer\",\"access_token\":\"";
  char body[sizeof buf + 1];
  (void)state;
  memcpy(body, head, sizeof head - 1);
  memset(body + sizeof head - 1, 'A', sizeof buf - (sizeof head - 1) - 2);
  memcpy(body + sizeof buf - 2, "\"}", 3);
  snprintf(resp, sizeof resp,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
           sizeof buf, body);
  for (int whole = 0; whole < 2; whole++) {
    et_token_engine e;
    et_app a = fake_app(SECRET);
    et_work w = work_in(buf, sizeof buf);
    et_engine_in in = input(T0, true, 5);
    bool spilled = false;
    et_step s;
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
    send_request(&e.base, T0);
    if (whole) {
      size_t used;
      et_engine_feed(&e.base, (const uint8_t *)resp, strlen(resp), &used);
      assert_int_equal(used, strlen(resp));
      s = et_engine_step(&e.base, T0);
    } else {
      size_t off = 0, n = strlen(resp);
      s = et_engine_step(&e.base, T0);
      while (s.kind == ET_STEP_RECV && off < n) {
        if (s.buf < buf || s.buf >= buf + sizeof buf) {
          spilled = true;
          assert_int_equal(s.cap, ET_RECV_SPILL);
        }
        *s.buf = (uint8_t)resp[off++];
        et_engine_received(&e.base, 1);
        s = et_engine_step(&e.base, T0);
      }
      assert_true(spilled);
    }
    assert_int_equal(s.kind, ET_STEP_DONE);
    assert_int_equal(e.token.access_token.n, sizeof buf - (sizeof head - 1) - 2);
  }
}

/* ---- retries --------------------------------------------------------- */

static void retry_backoff_with_jitter(void **state) {
  static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  uint64_t first[16];
  size_t distinct = 0;
  (void)state;
  for (uint8_t seed = 0; seed < 16; seed++) {
    et_token_engine e;
    et_app a = fake_app(SECRET);
    et_work w = work();
    et_engine_in in = input(T0, true, seed);
    et_step s;
    uint64_t now;
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
    s = round_trip(&e.base, T0 + 100, busy);
    assert_int_equal(s.kind, ET_STEP_WAIT);
    assert_int_equal(s.err, ET_E_SERVER);
    assert_non_null(s.why);
    assert_false(s.close); /* the connection stays good for the retry */
    /* 1 s, plus up to a quarter of jitter. */
    assert_true(s.until_ms >= T0 + 100 + 1000 && s.until_ms <= T0 + 100 + 1250);
    first[seed] = s.until_ms;
    if (seed != 0) {
      /* Too early: the same WAIT again. */
      et_step again = et_engine_step(&e.base, s.until_ms - 1);
      assert_int_equal(again.kind, ET_STEP_WAIT);
      assert_int_equal(again.until_ms, s.until_ms);
      continue;
    }
    /* The full series on one device: 1 s, 2 s, then the answer stands. */
    now = s.until_ms;
    s = et_engine_step(&e.base, now);
    assert_int_equal(s.kind, ET_STEP_SEND);
    assert_true(s.reuse);
    assert_int_equal(s.until_ms, now + CONFIG_ET_TIMEOUT_MS);
    s = round_trip(&e.base, now, busy);
    assert_int_equal(s.kind, ET_STEP_WAIT);
    assert_true(s.until_ms >= now + 2000 && s.until_ms <= now + 2500);
    now = s.until_ms;
    s = round_trip(&e.base, now, busy);
    assert_int_equal(s.kind, ET_STEP_FAIL);
    assert_int_equal(s.err, ET_E_SERVER);
    assert_true(s.close);
    assert_int_equal(et_engine_result(&e.base)->attempts, CONFIG_ET_RETRY_ATTEMPTS);
    assert_int_equal(et_engine_result(&e.base)->http_status, 503);
  }
  /* Devices that failed together do not come back together. */
  for (size_t i = 0; i < 16; i++) {
    bool seen = false;
    for (size_t j = 0; j < i; j++)
      seen = seen || first[j] == first[i];
    distinct += !seen;
  }
  assert_true(distinct >= 8);
}

static void retry_after_is_waited_or_returned(void **state) {
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 6);
  const et_result *r;
  et_step s;
  (void)state;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = round_trip(&e.base, T0, answer("429 Too Many Requests", "Retry-After: 2\r\n", "slow"));
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_THROTTLED);
  /* As asked, plus up to a quarter from jitter: never sooner. */
  assert_true(s.until_ms >= T0 + 2000 && s.until_ms <= T0 + 2500);
  assert_int_equal(et_engine_result(&e.base)->retry_after_s, 2);
  s = round_trip(&e.base, s.until_ms, token_answer());
  assert_int_equal(s.kind, ET_STEP_DONE);
  r = et_engine_result(&e.base);
  assert_int_equal(r->retry_after_s, 0); /* the last answer had none */
  assert_int_equal(r->attempts, 2);

  /* Longer than CONFIG_ET_RETRY_MAX_WAIT_MS: returned at once. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = round_trip(&e.base, T0, answer("429 Too Many Requests", "Retry-After: 60\r\n", "slow"));
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_THROTTLED);
  assert_non_null(s.why);
  r = et_engine_result(&e.base);
  assert_int_equal(r->err, ET_E_THROTTLED);
  assert_int_equal(r->http_status, 429);
  assert_int_equal(r->retry_after_s, 60);
  assert_int_equal(r->attempts, 1);
}

static void transport_failures(void **state) {
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 7);
  et_step s;
  uint64_t now;
  (void)state;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_SEND);
  /* The connect failed: nothing was sent, back off and try again. */
  et_engine_failed(&e.base, ET_E_TIMEOUT, false);
  s = et_engine_step(&e.base, T0 + 5);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TIMEOUT);
  assert_true(s.close);
  assert_true(s.until_ms >= T0 + 5 + 1000 && s.until_ms <= T0 + 5 + 1250);
  assert_int_equal(et_engine_result(&e.base)->attempts, 0);
  /* The close is said once. */
  assert_false(et_engine_step(&e.base, T0 + 6).close);
  /* Cut in the middle of the answer: truncated, retried. */
  now = s.until_ms;
  send_request(&e.base, now);
  s = give(&e.base, now, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"tok", 0);
  assert_int_equal(s.kind, ET_STEP_RECV);
  et_engine_closed(&e.base, false);
  s = et_engine_step(&e.base, now);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TRUNCATED);
  assert_true(s.close);
  /* A certificate the port refused: final. */
  now = s.until_ms;
  s = et_engine_step(&e.base, now);
  assert_int_equal(s.kind, ET_STEP_SEND);
  et_engine_failed(&e.base, ET_E_TLS_VERIFY, false);
  s = et_engine_step(&e.base, now);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_TLS_VERIFY);
  assert_true(s.close);
  assert_true(all_zero(g_buf, sizeof g_buf));

  /* A driver that reports a failure without an error: an I/O error. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  (void)et_engine_step(&e.base, T0);
  et_engine_failed(&e.base, ET_OK, false);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_IO);
}

/* ---- kept connections -------------------------------------------------- */

static void stale_kept_connection_is_resent_once(void **state) {
  char r1[1024], r2[1024];
  size_t n1, n2;
  (void)state;
  for (int how = 0; how < 3; how++) {
    et_token_engine e;
    et_app a = fake_app(SECRET);
    et_work w = work();
    et_engine_in in = input(T0, true, 8);
    et_step s;
    assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
    s = et_engine_step(&e.base, T0);
    assert_true(s.reuse);
    if (how == 0) {
      /* Sent on the kept connection, which then reads as closed. */
      n1 = take_request(&e.base, T0, 0, r1, sizeof r1);
      et_engine_closed(&e.base, true);
    } else if (how == 1) {
      /* The kept connection refused the write halfway. */
      et_engine_sent(&e.base, 10);
      et_engine_failed(&e.base, ET_E_CLOSED, true);
    } else {
      n1 = take_request(&e.base, T0, 0, r1, sizeof r1);
      et_engine_failed(&e.base, ET_E_IO, true); /* a reset, no answer */
    }
    /* At once, no back-off, on a fresh connection. */
    s = et_engine_step(&e.base, T0 + 1);
    assert_int_equal(s.kind, ET_STEP_SEND);
    assert_true(s.close);
    assert_false(s.reuse);
    assert_int_equal(s.until_ms, T0 + 1 + CONFIG_ET_TIMEOUT_MS);
    n2 = take_request(&e.base, T0 + 1, 0, r2, sizeof r2);
    if (how != 1) {
      assert_int_equal(n1, n2);
      assert_memory_equal(r1, r2, n1);
    }
    /* Not a retry: one attempt. */
    assert_int_equal(et_engine_result(&e.base)->attempts, 1);
    s = give(&e.base, T0 + 2, token_answer(), 0);
    assert_int_equal(s.kind, ET_STEP_DONE);
  }
}

static void stale_resend_happens_once(void **state) {
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 9);
  et_step s;
  (void)state;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  send_request(&e.base, T0);
  et_engine_closed(&e.base, true);
  send_request(&e.base, T0); /* the resend */
  /* A driver that (wrongly) reused again, closed again: now a failure. */
  et_engine_closed(&e.base, true);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TRUNCATED);

  /* Once an answer began, a closed connection is not stale either. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  send_request(&e.base, T0);
  s = give(&e.base, T0, "HTTP/1.1 200", 0);
  assert_int_equal(s.kind, ET_STEP_RECV);
  et_engine_closed(&e.base, true);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TRUNCATED);

  /* The resend is the same attempt: a 503 to it gets the first back-off,
   * and every retry of the series is still to come. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  send_request(&e.base, T0);
  et_engine_closed(&e.base, true);
  send_request(&e.base, T0);
  s = give(&e.base, T0, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", 0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_true(s.until_ms >= T0 + 1000 && s.until_ms <= T0 + 1250);
  for (int i = 1; i < CONFIG_ET_RETRY_ATTEMPTS; i++) {
    s = round_trip(&e.base, s.until_ms, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(s.kind, i + 1 < CONFIG_ET_RETRY_ATTEMPTS ? ET_STEP_WAIT : ET_STEP_FAIL);
  }
  assert_int_equal(et_engine_result(&e.base)->attempts, CONFIG_ET_RETRY_ATTEMPTS);

  /* A timeout is not a sign of a stale connection. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  send_request(&e.base, T0);
  et_engine_failed(&e.base, ET_E_TIMEOUT, true);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TIMEOUT);
}

static et_code_grant grant(void) {
  et_code_grant g = { ET_STR("C0DE"), ET_STR("http://localhost:8080"),
                      ET_STR("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                      ET_STR("api/.default offline_access") };
  return g;
}

static void redemption_is_never_resent(void **state) {
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_code_grant g = grant();
  et_work w = work();
  et_engine_in in = input(T0, true, 10);
  char req[1024];
  size_t n;
  et_step s;
  (void)state;
  assert_int_equal(et_redeem_begin(&e, &a, &g, &w, &in), ET_OK);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_SEND);
  assert_false(s.reuse); /* never on a kept connection */
  n = take_request(&e.base, T0, 0, req, sizeof req);
  assert_true(body_is(req, n, "grant_type=authorization_code&client_id=app"
                              "&scope=api%2F.default%20offline_access&code=C0DE"
                              "&redirect_uri=http%3A%2F%2Flocalhost%3A8080"
                              "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
                              "&client_secret=" SECRET_FORM));
  /* The connection closed with no answer, even one the driver calls
   * reused: the code may have been redeemed, so it is not sent again. */
  et_engine_closed(&e.base, true);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_TRUNCATED);
  assert_int_equal(et_engine_result(&e.base)->attempts, 1);
  assert_false(contains((const char *)g_buf, sizeof g_buf, "C0DE"));

  /* A failure after part of it went out: final too. */
  w = work();
  assert_int_equal(et_redeem_begin(&e, &a, &g, &w, &in), ET_OK);
  (void)et_engine_step(&e.base, T0);
  et_engine_sent(&e.base, 5);
  et_engine_failed(&e.base, ET_E_IO, false);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_IO);

  /* Before anything went out, it is retried like any request, and again
   * never on a kept connection. */
  w = work();
  assert_int_equal(et_redeem_begin(&e, &a, &g, &w, &in), ET_OK);
  (void)et_engine_step(&e.base, T0);
  et_engine_failed(&e.base, ET_E_TIMEOUT, false);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  s = et_engine_step(&e.base, s.until_ms);
  assert_int_equal(s.kind, ET_STEP_SEND);
  assert_false(s.reuse);
  /* Its 5xx answer stands. */
  s = round_trip(&e.base, T0 + 5000, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_SERVER);
  assert_int_equal(et_engine_result(&e.base)->attempts, 1);
}

/* ---- deadline, abort --------------------------------------------------- */

static void deadline_is_a_timeout(void **state) {
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 11);
  et_step s;
  uint64_t now = T0;
  (void)state;
  a.timeout_ms = 500;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = et_engine_step(&e.base, now);
  assert_int_equal(s.until_ms, now + 500);
  assert_int_equal(et_engine_step(&e.base, now + 499).kind, ET_STEP_SEND);
  /* Nothing sent by the deadline: a timeout, retried. */
  s = et_engine_step(&e.base, now + 500);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TIMEOUT);
  assert_true(s.close);
  /* Sent, but no answer by the deadline. */
  now = s.until_ms;
  send_request(&e.base, now);
  s = et_engine_step(&e.base, now + 499);
  assert_int_equal(s.kind, ET_STEP_RECV);
  assert_int_equal(s.until_ms, now + 500);
  s = et_engine_step(&e.base, now + 500);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TIMEOUT);
  /* Half an answer by the deadline of the last attempt: the end. */
  now = s.until_ms;
  send_request(&e.base, now);
  s = give(&e.base, now, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{", 0);
  assert_int_equal(s.kind, ET_STEP_RECV);
  s = et_engine_step(&e.base, now + 10000);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_TIMEOUT);
  assert_true(s.close);
  assert_int_equal(et_engine_result(&e.base)->attempts, CONFIG_ET_RETRY_ATTEMPTS - 1);

  /* A redemption that timed out after sending is not sent again. */
  {
    et_code_grant g = grant();
    w = work();
    assert_int_equal(et_redeem_begin(&e, &a, &g, &w, &in), ET_OK);
    send_request(&e.base, T0);
    s = et_engine_step(&e.base, T0 + 500);
    assert_int_equal(s.kind, ET_STEP_FAIL);
    assert_int_equal(s.err, ET_E_TIMEOUT);
  }
}

static void abort_wipes_the_workspace(void **state) {
  static const char half[] = "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n"
                             "{\"access_token\":\"AT.secret.half";
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 12);
  et_step s;
  (void)state;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  send_request(&e.base, T0);
  s = give(&e.base, T0, half, 7);
  assert_int_equal(s.kind, ET_STEP_RECV);
  assert_true(contains((const char *)g_buf, sizeof g_buf, "AT.secret.half"));
  et_engine_abort(&e.base, ET_E_CANCELLED);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_CANCELLED);
  assert_true(s.close);
  assert_true(all_zero(g_buf, sizeof g_buf));
  assert_int_equal(et_engine_result(&e.base)->err, ET_E_CANCELLED);
  /* FAIL repeats, with its close. */
  s = et_engine_step(&e.base, T0 + 1);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_true(s.close);
  /* Late bytes change nothing. */
  et_engine_received(&e.base, 5);
  et_engine_closed(&e.base, true);
  assert_int_equal(et_engine_step(&e.base, T0 + 2).err, ET_E_CANCELLED);

  /* Aborted while waiting: FAIL at once. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  (void)et_engine_step(&e.base, T0);
  et_engine_failed(&e.base, ET_E_TIMEOUT, false);
  assert_int_equal(et_engine_step(&e.base, T0).kind, ET_STEP_WAIT);
  et_engine_abort(&e.base, ET_E_CANCELLED);
  assert_int_equal(et_engine_step(&e.base, T0).kind, ET_STEP_FAIL);

  /* After DONE an abort is too late: the token stands. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  assert_int_equal(round_trip(&e.base, T0, token_answer()).kind, ET_STEP_DONE);
  et_engine_abort(&e.base, ET_E_CANCELLED);
  assert_int_equal(et_engine_step(&e.base, T0).kind, ET_STEP_DONE);
  assert_true(et_str_eq(e.token.access_token, ET_STR("AT.secret")));
}

/* ---- answers that end the flow ----------------------------------------- */

static void answers_that_end_the_flow(void **state) {
  static const char oauth[] =
      "{\"error\":\"invalid_client\",\"error_codes\":[7000215],\"trace_id\":\"t1\"}";
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 13);
  const et_result *r;
  et_step s;
  (void)state;
  /* An OAuth error: final, and kept for the caller. */
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = round_trip(&e.base, T0, answer("401 Unauthorized", "Content-Type: application/json\r\n",
                                     oauth));
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_OAUTH);
  r = et_engine_result(&e.base);
  assert_int_equal(r->http_status, 401);
  assert_true(et_str_eq(r->oauth.error, ET_STR("invalid_client")));
  assert_int_equal(r->oauth.error_codes[0], 7000215);
  assert_true(et_str_eq(r->oauth.trace_id, ET_STR("t1")));
  assert_null(e.token.access_token.p);

  /* Not HTTP: final. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = round_trip(&e.base, T0, "SSH-2.0-OpenSSH_9.2\r\n");
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_HTTP_SYNTAX);
  assert_true(s.close);
  assert_int_equal(et_engine_result(&e.base)->attempts, 1);

  /* 200 with a body that is not a token: final, and nothing of it kept. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = round_trip(&e.base, T0, answer("200 OK", "", "{\"access_token\":\"AT.x\"}"));
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_JSON_FIELD);
  assert_non_null(s.why);
  assert_true(all_zero(g_buf, sizeof g_buf));

  /* An unexpected status without an OAuth body. */
  w = work();
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  s = round_trip(&e.base, T0, answer("404 Not Found", "", "<html>"));
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_HTTP_STATUS);
  assert_int_equal(et_engine_result(&e.base)->http_status, 404);
}

/* ---- refresh ------------------------------------------------------------- */

static void refresh_engine(void **state) {
  static const char invalid_grant[] =
      "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS700082: expired\","
      "\"error_codes\":[700082]}";
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 14);
  char req[1024];
  size_t n;
  et_step s;
  (void)state;
  assert_int_equal(et_refresh_begin(&e, &a, ET_STR("RT+1"), ET_STR("api/.default"), &w, &in),
                   ET_OK);
  assert_true(et_engine_step(&e.base, T0).reuse); /* replayable */
  n = take_request(&e.base, T0, 3, req, sizeof req);
  assert_true(body_is(req, n, "grant_type=refresh_token&client_id=app&refresh_token=RT%2B1"
                              "&scope=api%2F.default&client_secret=" SECRET_FORM));
  s = give(&e.base, T0, answer("400 Bad Request", "", invalid_grant), 1);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_SIGNIN_REQUIRED);
  assert_int_equal(et_engine_result(&e.base)->oauth.error_codes[0], 700082);

  /* The refresh token must not live in the workspace. */
  memcpy(g_buf + 10, "RT1", 3);
  assert_int_equal(et_refresh_begin(&e, &a, (et_str){ (const char *)g_buf + 10, 3 },
                                    ET_STR("s"), &w, &in),
                   ET_E_ARG);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_ARG);
}

/* ---- device code ---------------------------------------------------------- */

#define DC_JSON                                                                \
  "{\"user_code\":\"UC123\",\"device_code\":\"DEVCODE\",\"verification_uri\":"  \
  "\"https://microsoft.com/devicelogin\",\"expires_in\":900,\"interval\":5}"
#define PENDING_JSON "{\"error\":\"authorization_pending\"}"
#define SLOW_JSON "{\"error\":\"slow_down\"}"
#define DECLINED_JSON "{\"error\":\"authorization_declined\",\"error_codes\":[70000]}"

static void device_code_request(void **state) {
  et_device_code_engine e;
  et_app a = fake_app(SECRET); /* confidential, yet the devicecode endpoint takes no secret */
  et_work w = work();
  et_engine_in in = input(T0, true, 15);
  char req[1024];
  size_t n;
  et_step s;
  (void)state;
  for (int v1 = 0; v1 < 2; v1++) {
    w = work();
    assert_int_equal(et_device_code_begin(&e, &a, v1 ? ET_ENDPOINT_V1 : ET_ENDPOINT_V2,
                                          ET_STR("api/.default offline_access"), &w, &in),
                     ET_OK);
    assert_true(et_engine_step(&e.base, T0 + 50).reuse);
    n = take_request(&e.base, T0 + 50, 0, req, sizeof req);
    if (v1) {
      assert_memory_equal(req, "POST /contoso/oauth2/devicecode HTTP/1.1\r\n", 42);
      assert_true(body_is(req, n, "client_id=app&resource=api%2F.default%20offline_access"));
    } else {
      assert_memory_equal(req, "POST /contoso/oauth2/v2.0/devicecode HTTP/1.1\r\n", 47);
      assert_true(body_is(req, n, "client_id=app&scope=api%2F.default%20offline_access"));
    }
    s = give(&e.base, T0 + 300, answer("200 OK", "", DC_JSON), 2);
    assert_int_equal(s.kind, ET_STEP_DONE);
    assert_true(et_str_eq(e.dc.user_code, ET_STR("UC123")));
    assert_true(et_str_eq(e.dc.device_code, ET_STR("DEVCODE")));
    assert_int_equal(e.dc.interval, 5);
    assert_int_equal(e.dc.expires_in, 900);
    assert_int_equal(e.dc.issued_ms, T0 + 50); /* when the request was built */
  }
}

static char g_code[] = "DEVCODE";

static et_device_code code(uint32_t interval, uint32_t expires_in, uint64_t issued) {
  et_device_code dc;
  memset(&dc, 0, sizeof dc);
  dc.device_code = (et_str){ g_code, sizeof g_code - 1 };
  dc.interval = interval;
  dc.expires_in = expires_in;
  dc.issued_ms = issued;
  return dc;
}

static void device_poll_schedule(void **state) {
  et_device_poll_engine p;
  et_engine *e = &p.tok.base;
  et_app a = fake_app(NULL);
  et_work w = work();
  et_engine_in in = input(T0, true, 16);
  et_device_code dc = code(5, 900, 0);
  char req[1024];
  size_t n;
  et_step s;
  uint64_t now;
  (void)state;
  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_OK);
  /* One interval before the first poll: a planned wait, not a failure. */
  s = et_engine_step(e, T0);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.until_ms, T0 + 5000);
  assert_int_equal(s.err, ET_OK);
  assert_false(s.close);
  assert_int_equal(et_engine_step(e, T0 + 4999).kind, ET_STEP_WAIT);
  s = et_engine_step(e, T0 + 5000);
  assert_int_equal(s.kind, ET_STEP_SEND);
  assert_true(s.reuse); /* polls may share a kept connection */
  n = take_request(e, T0 + 5000, 0, req, sizeof req);
  assert_true(body_is(req, n, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
                              "&client_id=app&device_code=DEVCODE"));
  /* Pending: the next poll one interval after the answer. */
  now = T0 + 5300;
  s = give(e, now, answer("400 Bad Request", "", PENDING_JSON), 4);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.until_ms, now + 5000);
  assert_int_equal(s.err, ET_OK);
  assert_null(s.why);
  assert_null(et_engine_result(e)->oauth.error.p); /* the pending answer is gone */
  /* slow_down: 5 s more, for good. */
  now = s.until_ms;
  s = round_trip(e, now, answer("400 Bad Request", "", SLOW_JSON));
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.until_ms, now + 10000);
  assert_int_equal(s.err, ET_OK);
  assert_non_null(s.why);
  now = s.until_ms;
  s = round_trip(e, now, answer("400 Bad Request", "", PENDING_JSON));
  assert_int_equal(s.until_ms, now + 10000);
  /* A lost connection inside a poll: the retry policy's back-off. */
  now = s.until_ms;
  (void)et_engine_step(e, now);
  et_engine_failed(e, ET_E_TIMEOUT, false);
  s = et_engine_step(e, now);
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_TIMEOUT);
  assert_true(s.until_ms >= now + 1000 && s.until_ms <= now + 1250);
  /* Throttled for longer than the retry policy waits: the next poll
   * after Retry-After, since it is longer than the interval. */
  now = s.until_ms;
  s = round_trip(e, now, answer("503 Service Unavailable", "Retry-After: 20\r\n", ""));
  assert_int_equal(s.kind, ET_STEP_WAIT);
  assert_int_equal(s.err, ET_E_THROTTLED);
  assert_non_null(s.why);
  assert_int_equal(s.until_ms, now + 20000);
  /* Then the token. */
  now = s.until_ms;
  s = round_trip(e, now, token_answer());
  assert_int_equal(s.kind, ET_STEP_DONE);
  assert_true(et_str_eq(p.tok.token.access_token, ET_STR("AT.secret")));
  assert_int_equal(et_engine_result(e)->attempts, 5); /* the failed connect sent nothing */
}

static void device_poll_outcomes(void **state) {
  et_device_poll_engine p;
  et_engine *e = &p.tok.base;
  et_app a = fake_app(NULL);
  et_work w = work();
  et_engine_in in = input(0, true, 17);
  et_device_code dc = code(5, 12, 0);
  const et_result *r;
  et_step s;
  (void)state;
  /* Expiry: the next poll would come after the code expired. */
  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_OK);
  s = round_trip(e, 5000, answer("400 Bad Request", "", PENDING_JSON));
  assert_int_equal(s.until_ms, 10000);
  s = round_trip(e, 10000, answer("400 Bad Request", "", PENDING_JSON));
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_EXPIRED);
  assert_non_null(s.why);
  assert_null(et_engine_result(e)->oauth.error.p);
  /* Already expired at begin. */
  dc = code(5, 5, 0);
  in.now_ms = 1000;
  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_E_EXPIRED);
  assert_int_equal(et_engine_step(e, 1000).err, ET_E_EXPIRED);
  /* expired_token and declined from the server, with their OAuth error. */
  dc = code(1, 900, 0);
  w = work();
  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_OK);
  s = round_trip(e, 2000, answer("400 Bad Request", "", DECLINED_JSON));
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_DECLINED);
  r = et_engine_result(e);
  assert_true(et_str_eq(r->oauth.error, ET_STR("authorization_declined")));
  assert_int_equal(r->oauth.error_codes[0], 70000);
  assert_int_equal(r->http_status, 400);
  w = work();
  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_OK);
  s = round_trip(e, 2000, answer("400 Bad Request", "", "{\"error\":\"expired_token\"}"));
  assert_int_equal(s.err, ET_E_EXPIRED);
  assert_true(et_str_eq(et_engine_result(e)->oauth.error, ET_STR("expired_token")));
  /* Pending, then a failure no retry fixes: the old pending answer is not
   * reported as the reason. */
  w = work();
  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_OK);
  s = round_trip(e, 2000, answer("400 Bad Request", "", PENDING_JSON));
  assert_int_equal(s.kind, ET_STEP_WAIT);
  (void)et_engine_step(e, s.until_ms);
  et_engine_failed(e, ET_E_TLS_VERIFY, false);
  s = et_engine_step(e, 3000);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, ET_E_TLS_VERIFY);
  assert_null(et_engine_result(e)->oauth.error.p);
}

/* ---- two engines at once ------------------------------------------------- */

typedef struct side {
  et_engine *e;
  const char *answers[4];
  size_t next, pos;
  char req[4096];
  size_t req_len;
  unsigned requests;
  bool done;
  uint64_t until;
} side;

/* One action of s at time now: a byte sent or received, or a WAIT noted. */
static void act(side *sd, uint64_t now) {
  et_step s = et_engine_step(sd->e, now);
  sd->until = 0;
  switch (s.kind) {
  case ET_STEP_SEND:
    if (s.n == 0)
      fail_msg("empty SEND");
    if (sd->req_len == 0 || sd->pos != 0)
      sd->requests++;
    sd->pos = 0;
    sd->req[sd->req_len++ % sizeof sd->req] = (char)s.data[0];
    et_engine_sent(sd->e, 1);
    break;
  case ET_STEP_RECV: {
    const char *ans = sd->answers[sd->next];
    assert_non_null(ans);
    s.buf[0] = (uint8_t)ans[sd->pos++];
    et_engine_received(sd->e, 1);
    if (ans[sd->pos] == '\0') {
      sd->next++;
      sd->pos = 0;
      sd->req_len = 0;
    }
    break;
  }
  case ET_STEP_WAIT:
    sd->until = s.until_ms;
    break;
  case ET_STEP_DONE:
    sd->done = true;
    break;
  default:
    fail_msg("engine failed: %s", et_strerror(s.err));
  }
}

static void two_engines_interleaved(void **state) {
  static uint8_t buf_b[4096];
  static char pending[512], token_b[512], token_a[512];
  et_token_engine cc;
  et_device_poll_engine poll;
  et_app a = fake_app(SECRET);
  et_work wa = work(), wb = work_in(buf_b, sizeof buf_b);
  et_engine_in in = input(T0, true, 18);
  et_device_code dc = code(2, 900, T0);
  side sa, sb;
  uint64_t now = T0;
  (void)state;
  answer_in(pending, sizeof pending, "400 Bad Request", "", PENDING_JSON);
  answer_in(token_b, sizeof token_b, "200 OK", "",
            "{\"token_type\":\"Bearer\",\"access_token\":\"BBB\"}");
  answer_in(token_a, sizeof token_a, "200 OK", "",
            "{\"token_type\":\"Bearer\",\"access_token\":\"AAA\"}");
  assert_int_equal(et_cc_begin(&cc, &a, ET_ENDPOINT_V2, ET_STR("s"), &wa, &in), ET_OK);
  assert_int_equal(et_device_poll_begin(&poll, &a, ET_ENDPOINT_V2, &dc, &wb, &in), ET_OK);
  memset(&sa, 0, sizeof sa);
  memset(&sb, 0, sizeof sb);
  sa.e = &cc.base;
  sa.answers[0] = token_a;
  sb.e = &poll.tok.base;
  sb.answers[0] = pending;
  sb.answers[1] = token_b;
  for (unsigned i = 0; i < 100000 && !(sa.done && sb.done); i++) {
    if (!sa.done)
      act(&sa, now);
    if (!sb.done)
      act(&sb, now);
    /* Both idle: the clock jumps to the earlier wake-up. */
    if (!(sa.done && sb.done) && (sa.done || sa.until) && (sb.done || sb.until)) {
      uint64_t next = sa.done ? sb.until : sb.done ? sa.until
                    : sa.until < sb.until ? sa.until : sb.until;
      assert_true(next > now);
      now = next;
    }
  }
  assert_true(sa.done && sb.done);
  assert_true(et_str_eq(cc.token.access_token, ET_STR("AAA")));
  assert_true(et_str_eq(poll.tok.token.access_token, ET_STR("BBB")));
  assert_int_equal(sa.requests, 1);
  assert_int_equal(sb.requests, 2);
  /* The poll waited its intervals; the token request did not wait. */
  assert_true(now >= T0 + 4000);
  assert_int_equal(et_engine_result(&cc.base)->attempts, 1);
  assert_int_equal(et_engine_result(&poll.tok.base)->attempts, 2);
}

/* ---- begin's refusals, misuse, the debug description ---------------------- */

static void check_refused(et_engine *e, et_err begin_err, et_err want) {
  et_step s;
  assert_int_equal(begin_err, want);
  s = et_engine_step(e, T0);
  assert_int_equal(s.kind, ET_STEP_FAIL);
  assert_int_equal(s.err, want);
  assert_int_equal(et_engine_result(e)->err, want);
  assert_int_equal(et_engine_result(e)->attempts, 0);
}

static void begin_refusals(void **state) {
  et_token_engine e;
  et_device_poll_engine p;
  et_app a = fake_app(SECRET), pub = fake_app(NULL), bad = fake_app(SECRET);
  et_work w = work(), empty = { NULL, 0, g_tok, 64, NULL };
  et_engine_in in = input(T0, true, 19);
  et_device_code dc = code(5, 900, 0);
  et_code_grant g = grant();
  (void)state;
  assert_int_equal(et_cc_begin(NULL, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, NULL, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), NULL, &in), ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &empty, &in),
                ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, NULL), ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR_NULL, &w, &in), ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, &a, (et_endpoint)7, ET_STR("s"), &w, &in), ET_E_ARG);
  check_refused(&e.base, et_cc_begin(&e, &pub, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_E_ARG);
  bad.authority = ET_STR("http://login.microsoftonline.com");
  check_refused(&e.base, et_cc_begin(&e, &bad, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_E_URL);
  assert_non_null(et_engine_result(&e.base)->why);
  bad = fake_app(SECRET);
  bad.tenant = ET_STR("a/b");
  check_refused(&e.base, et_cc_begin(&e, &bad, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_E_ARG);
  bad = fake_app(SECRET);
  bad.client_id = ET_STR_NULL;
  check_refused(&e.base, et_cc_begin(&e, &bad, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_E_ARG);
  check_refused(&e.base, et_redeem_begin(&e, &a, NULL, &w, &in), ET_E_ARG);
  g.code = ET_STR_NULL;
  check_refused(&e.base, et_redeem_begin(&e, &a, &g, &w, &in), ET_E_ARG);
  check_refused(&p.tok.base, et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, NULL, &w, &in),
                ET_E_ARG);
  memcpy(g_buf + 100, "DEVCODE", 7);
  dc.device_code = (et_str){ (const char *)g_buf + 100, 7 };
  check_refused(&p.tok.base, et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in),
                ET_E_ARG);
  /* A workspace too small for the request: at the first step. */
  w.cap = 100;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  check_refused(&e.base, ET_E_NOSPACE, ET_E_NOSPACE);
  assert_non_null(et_engine_result(&e.base)->why);
}

static void misuse_is_ignored(void **state) {
  et_token_engine e;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 20);
  et_step s;
  size_t n;
  (void)state;
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("s"), &w, &in), ET_OK);
  /* Before the first step: nothing to have sent, received or failed. */
  et_engine_sent(&e.base, 5);
  et_engine_received(&e.base, 5);
  et_engine_closed(&e.base, false);
  et_engine_signed(&e.base, ET_OK, 64);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_SEND);
  n = s.n;
  et_engine_sent(&e.base, n + 1); /* more than asked: ignored */
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_SEND);
  assert_int_equal(s.n, n);
  et_engine_received(&e.base, 3); /* not receiving yet */
  assert_int_equal(et_engine_step(&e.base, T0).n, n);
  send_request(&e.base, T0);
  et_engine_sent(&e.base, 1); /* receiving now */
  et_engine_received(&e.base, 0);
  s = et_engine_step(&e.base, T0);
  assert_int_equal(s.kind, ET_STEP_RECV);
  assert_int_equal(give(&e.base, T0, token_answer(), 0).kind, ET_STEP_DONE);
  et_engine_failed(&e.base, ET_E_IO, false);
  et_engine_closed(&e.base, true);
  assert_int_equal(et_engine_step(&e.base, T0).kind, ET_STEP_DONE);
}

static void describe_redacts_secrets(void **state) {
  et_token_engine e;
  et_device_poll_engine p;
  et_app a = fake_app(SECRET);
  et_work w = work();
  et_engine_in in = input(T0, true, 21);
  et_code_grant g = grant();
  et_device_code dc = code(5, 900, 0);
  char out[512];
  et_buf b;
  (void)state;
  a.authority = ET_STR("https://localhost:8443/emu");
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V1, ET_STR("https://r"), &w, &in), ET_OK);
  et_buf_init(&b, out, sizeof out);
  et_engine_describe(&e.base, &b, false);
  assert_int_equal(b.len, strlen("POST https://localhost:8443/emu/contoso/oauth2/token"));
  assert_memory_equal(out, "POST https://localhost:8443/emu/contoso/oauth2/token", b.len);
  et_buf_init(&b, out, sizeof out);
  et_engine_describe(&e.base, &b, true);
  assert_int_equal(b.len, strlen("grant_type=client_credentials&client_id=app"
                                 "&resource=https%3A%2F%2Fr&client_secret=***"));
  assert_memory_equal(out, "grant_type=client_credentials&client_id=app"
                           "&resource=https%3A%2F%2Fr&client_secret=***", b.len);

  assert_int_equal(et_redeem_begin(&e, &a, &g, &w, &in), ET_OK);
  et_buf_init(&b, out, sizeof out);
  et_engine_describe(&e.base, &b, true);
  assert_true(contains(out, b.len, "&code=***&"));
  assert_true(contains(out, b.len, "&code_verifier=***&"));
  assert_false(contains(out, b.len, "C0DE"));
  assert_false(contains(out, b.len, "s3cr3t"));

  assert_int_equal(et_refresh_begin(&e, &a, ET_STR("RT1"), ET_STR("s"), &w, &in), ET_OK);
  et_buf_init(&b, out, sizeof out);
  et_engine_describe(&e.base, &b, true);
  assert_true(contains(out, b.len, "&refresh_token=***&"));
  assert_false(contains(out, b.len, "RT1"));

  assert_int_equal(et_device_poll_begin(&p, &a, ET_ENDPOINT_V2, &dc, &w, &in), ET_OK);
  et_buf_init(&b, out, sizeof out);
  et_engine_describe(&p.tok.base, &b, true);
  assert_true(contains(out, b.len, "&device_code=***"));
  assert_false(contains(out, b.len, "DEVCODE"));
  /* Too small: sticky overflow, never a cut secret. */
  et_buf_init(&b, out, 10);
  et_engine_describe(&p.tok.base, &b, true);
  assert_true(b.overflow);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(request_bytes_in_any_split),
    cmocka_unit_test(answer_in_any_split),
    cmocka_unit_test(close_flag_follows_the_connection),
    cmocka_unit_test(feed_whole_responses),
    cmocka_unit_test(body_filling_the_workspace),
    cmocka_unit_test(retry_backoff_with_jitter),
    cmocka_unit_test(retry_after_is_waited_or_returned),
    cmocka_unit_test(transport_failures),
    cmocka_unit_test(stale_kept_connection_is_resent_once),
    cmocka_unit_test(stale_resend_happens_once),
    cmocka_unit_test(redemption_is_never_resent),
    cmocka_unit_test(deadline_is_a_timeout),
    cmocka_unit_test(abort_wipes_the_workspace),
    cmocka_unit_test(answers_that_end_the_flow),
    cmocka_unit_test(refresh_engine),
    cmocka_unit_test(device_code_request),
    cmocka_unit_test(device_poll_schedule),
    cmocka_unit_test(device_poll_outcomes),
    cmocka_unit_test(two_engines_interleaved),
    cmocka_unit_test(begin_refusals),
    cmocka_unit_test(misuse_is_ignored),
    cmocka_unit_test(describe_redacts_secrets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
