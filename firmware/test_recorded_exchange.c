/* A whole client-credentials exchange through core on the target: a port
 * whose connection plays a recorded emulator answer (recorded.h) in small
 * pieces and keeps what core sent. No TLS: the bytes are those that came
 * out of the TLS layer when they were recorded. Also measures, by stack
 * painting, the peak stack of et_client_credentials. */
#include "fw.h"

#include <string.h>

#include "edgetoken/edgetoken.h"
#include "recorded.h"

struct et_conn {
  const unsigned char *answer;
  size_t n, pos, piece;
  char sent[1024];
  size_t sent_len;
  unsigned opens;
};

static struct et_conn conn;
static uint64_t fake_ms;

static et_err rec_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                       et_conn **out) {
  struct et_conn *c = ctx;
  (void)timeout_ms;
  if (!tls || port != 443 || !et_str_eq(host, ET_STR("login.microsoftonline.com")))
    return ET_E_CONNECT;
  c->opens++;
  c->pos = 0;
  c->sent_len = 0;
  *out = c;
  return ET_OK;
}

static et_err rec_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent, uint32_t timeout_ms) {
  (void)timeout_ms;
  size_t room = sizeof c->sent - c->sent_len;
  if (n > room)
    n = room;
  if (n == 0)
    return ET_E_IO;
  memcpy(c->sent + c->sent_len, p, n);
  c->sent_len += n;
  *sent = n;
  return ET_OK;
}

static et_err rec_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got, uint32_t timeout_ms) {
  (void)timeout_ms;
  if (c->pos == c->n)
    return ET_E_CLOSED;
  size_t n = c->n - c->pos;
  if (n > c->piece)
    n = c->piece;
  if (n > cap)
    n = cap;
  memcpy(p, c->answer + c->pos, n);
  c->pos += n;
  *got = n;
  return ET_OK;
}

static void rec_close(et_conn *c) {
  (void)c;
}

static uint64_t rec_mono_ms(void *ctx) {
  (void)ctx;
  return fake_ms += 3;
}

static int64_t rec_unix_s(void *ctx) {
  (void)ctx;
  return 1795639972; /* when the answers were recorded */
}

/* Test only: a counter, not randomness. A device passes its TRNG. */
static et_err rec_random(void *ctx, uint8_t *p, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(i * 37u + 11u);
  return ET_OK;
}

static void rec_sleep_ms(void *ctx, uint32_t ms) {
  (void)ctx;
  fake_ms += ms;
}

static uint8_t work_buf[CONFIG_ET_WORK_BUF_SIZE];
static jsmntok_t work_tok[CONFIG_ET_JSON_TOKENS];

static et_err run(const unsigned char *answer, size_t n, size_t piece, et_token *tk,
                  et_oauth_error *oe, et_work *w, uint32_t *stack) {
  et_port port;
  memset(&port, 0, sizeof port);
  port.ctx = &conn;
  port.open = rec_open;
  port.send = rec_send;
  port.recv = rec_recv;
  port.close = rec_close;
  port.mono_ms = rec_mono_ms;
  port.unix_s = rec_unix_s;
  port.random = rec_random;
  port.sleep_ms = rec_sleep_ms;
  et_app app;
  memset(&app, 0, sizeof app);
  app.tenant = ET_STR("contoso-tenant");
  app.client_id = ET_STR("edgetoken-test-app");
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = ET_STR("s3cr3t+/=~ value");
  conn.answer = answer;
  conn.n = n;
  conn.piece = piece;
  conn.opens = 0;
  w->buf = work_buf;
  w->cap = sizeof work_buf;
  w->tok = work_tok;
  w->ntok = CONFIG_ET_JSON_TOKENS;
  w->why = NULL;
  w->http_status = 0;
  fw_stack_paint();
  et_err e = et_client_credentials(&port, &app, ET_ENDPOINT_V2,
                                   ET_STR("edgetoken-test-app/.default"), w, tk, oe);
  *stack = fw_stack_peak();
  return e;
}

static int sent_has(const char *lit) {
  size_t m = strlen(lit);
  for (size_t i = 0; i + m <= conn.sent_len; i++)
    if (memcmp(conn.sent + i, lit, m) == 0)
      return 1;
  return 0;
}

static void report_stack(uint32_t bytes) {
  fw_puts("# stack et_client_credentials ");
  fw_put_uint(bytes);
  fw_puts(" bytes (painted, includes this test's frames)\n");
}

static void exchange_gets_token(fw_tests *t) {
  et_token tk;
  et_oauth_error oe;
  et_work w;
  uint32_t stack = 0;
  FW_CHECK(t, run(rec_cc_v2, sizeof rec_cc_v2, 97, &tk, &oe, &w, &stack) == ET_OK);
  FW_CHECK(t, conn.opens == 1);
  FW_CHECK(t, sent_has("POST /contoso-tenant/oauth2/v2.0/token HTTP/1.1\r\n"));
  FW_CHECK(t, sent_has("Host: login.microsoftonline.com\r\n"));
  FW_CHECK(t, sent_has("grant_type=client_credentials"));
  FW_CHECK(t, sent_has("client_secret=s3cr3t%2B%2F%3D~%20value"));
  FW_CHECK(t, sent_has("scope=edgetoken-test-app%2F.default"));
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.expires_in > 0);
  FW_CHECK(t, tk.access_token.n > 100 && tk.access_token.p >= (const char *)work_buf &&
                  tk.access_token.p < (const char *)work_buf + sizeof work_buf);
  report_stack(stack);
  fw_test_end(t, "exchange: client credentials, recorded 200");
}

static void exchange_gets_token_chunked(fw_tests *t) {
  et_token tk;
  et_oauth_error oe;
  et_work w;
  uint32_t stack = 0;
  FW_CHECK(t, run(rec_cc_v2_chunked, sizeof rec_cc_v2_chunked, 5, &tk, &oe, &w, &stack) == ET_OK);
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.access_token.n > 100);
  fw_test_end(t, "exchange: client credentials, recorded chunked 200");
}

static void exchange_reports_oauth_error(fw_tests *t) {
  et_token tk;
  et_oauth_error oe;
  et_work w;
  uint32_t stack = 0;
  FW_CHECK(t, run(rec_cc_v2_bad_secret, sizeof rec_cc_v2_bad_secret, 64, &tk, &oe, &w, &stack) ==
                  ET_E_OAUTH);
  FW_CHECK(t, conn.opens == 1); /* a 401 is not retried */
  FW_CHECK(t, oe.http_status == 401 && et_str_eq(oe.error, ET_STR("invalid_client")));
  FW_CHECK(t, oe.n_error_codes == 1 && oe.error_codes[0] == 7000215u);
  fw_test_end(t, "exchange: recorded invalid_client (AADSTS7000215)");
}

static void exchange_truncated_answer_is_retried_then_fails(fw_tests *t) {
  et_token tk;
  et_oauth_error oe;
  et_work w;
  uint32_t stack = 0;
  et_err e = run(rec_cc_v2, sizeof rec_cc_v2 / 2, 97, &tk, &oe, &w, &stack);
  FW_CHECK(t, e != ET_OK);
  FW_CHECK(t, conn.opens >= 1 && conn.opens <= CONFIG_ET_RETRY_ATTEMPTS);
  fw_test_end(t, "exchange: truncated answer fails, never a cut token");
}

void fw_suite_recorded_exchange(fw_tests *t) {
  exchange_gets_token(t);
  exchange_gets_token_chunked(t);
  exchange_reports_oauth_error(t);
  exchange_truncated_answer_is_retried_then_fails(t);
}
