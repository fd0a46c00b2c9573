/* SPDX-License-Identifier: MIT */
/* The blocking driver (et_drive) over the scripted port of fake_port.h:
 * connections kept in a caller's et_link between calls (keep-alive), the
 * idle limit, a kept connection the server closed, a code redemption that
 * never goes on a kept one, the port's detail in the result, cancel, and
 * the driver's own refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"
#include "fake_port.h"

#define KEPT_TOKEN                                                             \
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 43\r\n\r\n" \
  "{\"token_type\":\"Bearer\",\"access_token\":\"AT\"}"
#define CLOSED_TOKEN                                                           \
  "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 43\r\n\r\n"         \
  "{\"token_type\":\"Bearer\",\"access_token\":\"AT\"}"
#define BAD_CLIENT                                                             \
  "HTTP/1.1 401 Unauthorized\r\nContent-Length: 26\r\n\r\n"                    \
  "{\"error\":\"invalid_client\"}"

static uint8_t g_buf[4096];
static jsmntok_t g_tok[64];

static et_work work(et_link *link) {
  et_work w = { g_buf, sizeof g_buf, g_tok, 64, link };
  return w;
}

static et_err cc(script *s, et_link *link, et_result *res) {
  et_port p = script_port(s);
  et_app a = fake_app("s");
  et_work w = work(link);
  et_token t;
  return et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, res);
}

static void link_keeps_the_connection_between_calls(void **state) {
  script s = { .scenes = { { ET_OK, KEPT_TOKEN, 5 }, { ET_OK, KEPT_TOKEN, 0 },
                           { ET_OK, KEPT_TOKEN, 0 } },
               .n_scenes = 3, .keep = SCENE(0) | SCENE(1) | SCENE(2) };
  et_link link;
  et_port p = script_port(&s);
  (void)state;
  memset(&link, 0, sizeof link);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(cc(&s, &link, NULL), ET_OK);
    assert_true(contains(s.sent, s.sent_len, "\r\nConnection: keep-alive\r\n"));
    assert_non_null(link.conn); /* still open for the next call */
    assert_true(s.conn_open);
  }
  assert_int_equal(s.opens, 1);
  assert_int_equal(s.reuses, 2);
  assert_int_equal(link.opened, 1);
  assert_int_equal(link.reused, 2);
  assert_int_equal(s.closes, 0);
  et_link_close(&p, &link);
  assert_null(link.conn);
  assert_int_equal(s.closes, 1);
  et_link_close(&p, &link); /* twice is harmless */
  et_link_close(&p, NULL);
  assert_int_equal(s.closes, 1);
}

static void link_is_replaced_when_idle_or_elsewhere(void **state) {
  script s = { .scenes = { { ET_OK, KEPT_TOKEN, 0 }, { ET_OK, KEPT_TOKEN, 0 },
                           { ET_OK, KEPT_TOKEN, 0 } },
               .n_scenes = 3, .keep = SCENE(0) | SCENE(1) | SCENE(2) };
  et_link link;
  et_port p = script_port(&s);
  et_app other = fake_app("s");
  et_work w;
  et_token t;
  (void)state;
  memset(&link, 0, sizeof link);
  link.idle_max_ms = 1000;
  assert_int_equal(cc(&s, &link, NULL), ET_OK);
  s.now += 1001; /* idle too long: the server may have dropped it */
  assert_int_equal(cc(&s, &link, NULL), ET_OK);
  assert_int_equal(s.opens, 2);
  assert_int_equal(s.closes, 1);
  /* Another host: the kept connection is closed, a new one opened. */
  other.authority = ET_STR("https://login.example.org");
  w = work(&link);
  assert_int_equal(et_client_credentials(&p, &other, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, NULL),
                   ET_OK);
  assert_true(et_str_eq(s.host, ET_STR("login.example.org")));
  assert_int_equal(s.opens, 3);
  assert_int_equal(s.closes, 2);
  assert_int_equal(s.reuses, 0);
  assert_int_equal(link.peer.host_len, strlen("login.example.org"));
  et_link_close(&p, &link);
}

static void stale_link_is_resent_on_a_fresh_connection(void **state) {
  script s = { .scenes = { { ET_OK, KEPT_TOKEN, 0 }, { ET_OK, NULL, 0 }, { ET_OK, KEPT_TOKEN, 0 } },
               .n_scenes = 3, .keep = SCENE(0) | SCENE(2), .stale = SCENE(1) };
  et_link link;
  et_port p = script_port(&s);
  et_result res;
  (void)state;
  memset(&link, 0, sizeof link);
  assert_int_equal(cc(&s, &link, NULL), ET_OK);
  assert_int_equal(cc(&s, &link, &res), ET_OK);
  assert_int_equal(s.played, 3);
  assert_true(s.reused[1]);
  assert_false(s.reused[2]);
  assert_int_equal(s.opens, 2);
  assert_int_equal(s.sleeps, 0);      /* at once, no back-off */
  assert_int_equal(res.attempts, 1);  /* and not a retry */
  et_link_close(&p, &link);
}

static void redemption_never_uses_a_kept_connection(void **state) {
  script s = { .scenes = { { ET_OK, KEPT_TOKEN, 0 }, { ET_OK, KEPT_TOKEN, 0 } }, .n_scenes = 2,
               .keep = SCENE(0) | SCENE(1) };
  et_link link;
  et_port p = script_port(&s);
  et_app a = fake_app("s");
  et_code_grant g = { ET_STR("C0DE"), ET_STR("http://localhost:8080"), ET_STR_NULL,
                      ET_STR("x") };
  et_work w = work(&link);
  et_token t;
  (void)state;
  memset(&link, 0, sizeof link);
  assert_int_equal(cc(&s, &link, NULL), ET_OK);
  assert_int_equal(et_redeem_code(&p, &a, &g, &w, &t, NULL), ET_OK);
  assert_int_equal(s.opens, 2); /* a fresh connection for the code */
  assert_int_equal(s.reuses, 0);
  assert_false(s.reused[1]);
  et_link_close(&p, &link);
  assert_false(s.conn_open);
}

static void closed_or_failed_connections_leave_the_link(void **state) {
  script s = { .scenes = { { ET_OK, CLOSED_TOKEN, 0 }, { ET_OK, BAD_CLIENT, 0 } }, .n_scenes = 2,
               .keep = SCENE(1) };
  et_link link;
  (void)state;
  memset(&link, 0, sizeof link);
  /* The server said close: nothing kept. */
  assert_int_equal(cc(&s, &link, NULL), ET_OK);
  assert_null(link.conn);
  assert_int_equal(s.closes, 1);
  /* A failed flow does not keep its connection either. */
  assert_int_equal(cc(&s, &link, NULL), ET_E_OAUTH);
  assert_null(link.conn);
  assert_false(s.conn_open);
  assert_int_equal(s.closes, 2);
}

static const char *detail_text(void *ctx) {
  (void)ctx;
  return "connect to login.microsoftonline.com:443: Connection refused";
}

static void port_detail_in_the_result(void **state) {
  script s = { .scenes = { { ET_E_CONNECT, NULL, 0 }, { ET_E_CONNECT, NULL, 0 },
                           { ET_E_CONNECT, NULL, 0 } },
               .n_scenes = 3 };
  et_port p = script_port(&s);
  et_app a = fake_app("s");
  et_work w = work(NULL);
  et_token t;
  et_result res;
  (void)state;
  p.detail = detail_text;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_CONNECT);
  assert_non_null(res.port_detail);
  assert_string_equal(res.port_detail, detail_text(NULL));
  assert_int_equal(res.attempts, 0);
  /* A failure after the port recovered is not the port's. */
  memset(&s, 0, sizeof s);
  s.scenes[0] = (scene){ ET_E_TIMEOUT, NULL, 0 };
  s.scenes[1] = (scene){ ET_OK, BAD_CLIENT, 0 };
  s.n_scenes = 2;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_OAUTH);
  assert_null(res.port_detail);
  assert_true(et_str_eq(res.oauth.error, ET_STR("invalid_client")));
}

static void drive_an_engine_directly(void **state) {
  script s = { .scenes = { { ET_OK, KEPT_TOKEN, 1 } }, .n_scenes = 1, .keep = SCENE(0) };
  et_port p = script_port(&s);
  et_app a = fake_app("s");
  et_work w = work(NULL);
  et_engine_in in;
  et_token_engine e;
  (void)state;
  assert_int_equal(et_engine_in_from_port(&p, true, &in), ET_OK);
  assert_int_equal(in.keep_alive, true);
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &in), ET_OK);
  assert_int_equal(et_drive(&p, &e.base, NULL), ET_OK);
  assert_true(et_str_eq(e.token.access_token, ET_STR("AT")));
  assert_int_equal(s.closes, 1); /* no link: closed before returning */
  /* The driver's refusals. */
  assert_int_equal(et_drive(&p, NULL, NULL), ET_E_ARG);
  assert_int_equal(et_cc_begin(&e, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &in), ET_OK);
  p.open = NULL;
  assert_int_equal(et_drive(&p, &e.base, NULL), ET_E_ARG);
  assert_int_equal(et_engine_result(&e.base)->err, ET_E_ARG);
  assert_int_equal(et_engine_step(&e.base, 0).kind, ET_STEP_FAIL);
  assert_int_equal(et_drive(NULL, &e.base, NULL), ET_E_ARG);
  /* et_engine_in_from_port needs a clock and randomness. */
  p = script_port(&s);
  p.random = NULL;
  assert_int_equal(et_engine_in_from_port(&p, false, &in), ET_E_ARG);
  p = script_port(&s);
  p.mono_ms = NULL;
  assert_int_equal(et_engine_in_from_port(&p, false, &in), ET_E_ARG);
  assert_int_equal(et_engine_in_from_port(NULL, false, &in), ET_E_ARG);
}

static void cancel_while_receiving(void **state) {
  /* The fake clock moves 10 ms per open; cancel comes while the answer
   * trickles in. */
  script s = { .scenes = { { ET_OK, KEPT_TOKEN, 1 } }, .n_scenes = 1, .keep = SCENE(0),
               .latency_ms = 10, .cancel_at = 10 };
  et_link link;
  et_result res;
  (void)state;
  memset(&link, 0, sizeof link);
  assert_int_equal(cc(&s, &link, &res), ET_E_CANCELLED);
  assert_int_equal(res.err, ET_E_CANCELLED);
  assert_null(link.conn); /* half an answer: the connection is useless */
  assert_false(s.conn_open);
  assert_true(s.pos < strlen(KEPT_TOKEN));
  assert_false(contains((const char *)g_buf, sizeof g_buf, "token_type"));
}

static void deadline_bounds_every_attempt_and_wait(void **state) {
  /* Connects fail (transient): retried after 1 s, then 2 s. An overall
   * deadline of 1.5 s ends the call during the second back-off, on time. */
  script s = { .scenes = { { ET_E_IO, "", 0 }, { ET_E_IO, "", 0 }, { ET_E_IO, "", 0 } },
               .n_scenes = 3, .latency_ms = 10, .no_jitter = true };
  script unbounded = s;
  et_port p = script_port(&s);
  et_app a = fake_app("s");
  et_link link;
  et_work w = work(&link);
  et_token t;
  et_result res;
  (void)state;
  memset(&link, 0, sizeof link);
  a.deadline_ms = 1500;
  assert_int_equal(et_client_credentials(&p, &a, ET_ENDPOINT_V2, ET_STR("x"), &w, &t, &res),
                   ET_E_TIMEOUT);
  assert_int_equal(res.err, ET_E_TIMEOUT);
  assert_int_equal(s.played, 2);
  assert_true(s.now <= 1500);
  assert_true(s.now >= 1490);
  /* Without it, all three attempts run. */
  assert_int_not_equal(cc(&unbounded, NULL, &res), ET_E_TIMEOUT);
  assert_int_equal(unbounded.played, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(link_keeps_the_connection_between_calls),
    cmocka_unit_test(link_is_replaced_when_idle_or_elsewhere),
    cmocka_unit_test(stale_link_is_resent_on_a_fresh_connection),
    cmocka_unit_test(redemption_never_uses_a_kept_connection),
    cmocka_unit_test(closed_or_failed_connections_leave_the_link),
    cmocka_unit_test(port_detail_in_the_result),
    cmocka_unit_test(drive_an_engine_directly),
    cmocka_unit_test(cancel_while_receiving),
    cmocka_unit_test(deadline_bounds_every_attempt_and_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
