/* SPDX-License-Identifier: MIT */
/* The sign-in flows a device runs, through core on the target over recorded
 * emulator answers (rec_port.h): a device-code sign-in (the code, two
 * authorization_pending polls on the fake clock, then tokens, all on one
 * kept connection, the refresh token saved through the store hook) and a refresh whose rotated token
 * replaces the stored one. */
#include "fw.h"

#include <string.h>

#include "edgetoken/edgetoken.h"
#include "rec_port.h"
#include "recorded.h"

/* As recorded (tools/record-exchange.py). */
#define DEVICE_SCOPE "edgetoken-test-app/.default offline_access"
#define OLD_REFRESH "1.AX-the-old-refresh-token"

static void device_app(et_port *port, et_app *app) {
  memset(port, 0, sizeof *port);
  rec_port_hooks(port);
  memset(app, 0, sizeof *app);
  app->tenant = ET_STR("contoso-tenant");
  app->client_id = ET_STR("device-app"); /* a public client: no credential */
}

static bool slot_is(et_str v) {
  return rec.slot_full && et_str_eq((et_str){ (const char *)rec.slot, rec.slot_len }, v);
}

static void report_stack(const char *fn, uint32_t bytes) {
  fw_puts("# stack ");
  fw_puts(fn);
  fw_puts(" ");
  fw_put_uint(bytes);
  fw_puts(" bytes (painted, includes this test's frames)\n");
}

typedef struct prompt_seen {
  unsigned calls;
  char user_code[16];
  bool uri_ok, secret_hidden;
} prompt_seen;

static void prompt(void *ctx, const et_device_code *dc) {
  prompt_seen *p = ctx;
  p->calls++;
  p->uri_ok = et_str_eq(dc->verification_uri, ET_STR("https://microsoft.com/devicelogin"));
  p->secret_hidden = dc->device_code.n == 0;
  if (dc->user_code.n < sizeof p->user_code) {
    memcpy(p->user_code, dc->user_code.p, dc->user_code.n);
    p->user_code[dc->user_code.n] = '\0';
  }
}

static void device_login_polls_until_tokens(fw_tests *t) {
  static const rec_answer script[] = { REC_ANSWER(dc_v2_request), REC_ANSWER(dc_v2_pending1),
                                       REC_ANSWER(dc_v2_pending2), REC_ANSWER(dc_v2_token) };
  static char code_buf[ET_DEVICE_CODE_BUF_SIZE];
  prompt_seen seen = { 0, "", false, false };
  et_device_login_cfg cfg = { ET_ENDPOINT_V2, ET_STR(DEVICE_SCOPE), prompt, &seen, code_buf,
                              sizeof code_buf, NULL };
  et_port port;
  et_app app;
  et_work w;
  et_token tk;
  et_result res;
  uint64_t start;
  uint32_t stack;
  size_t n;
  device_app(&port, &app);
  rec_play(script, 4, 61);
  rec.slot_full = false;
  rec_work(&w);
  start = rec.now_ms;
  fw_stack_paint();
  et_err e = et_device_login(&port, &app, &cfg, &w, &tk, &res);
  stack = fw_stack_peak();
  FW_CHECK(t, e == ET_OK);
  /* The code, pending, pending, tokens: four requests on one kept
   * connection (HTTP/1.1 keep-alive). */
  FW_CHECK(t, rec.opens == 1 && rec.requests == 4);
  FW_CHECK(t, res.err == ET_OK && res.attempts == 3); /* the polls */
  FW_CHECK(t, seen.calls == 1 && seen.uri_ok && seen.secret_hidden && strlen(seen.user_code) == 9);
  /* Three polls, each one interval (1 s) after the previous answer. */
  FW_CHECK(t, rec.slept_ms >= 2900 && rec.slept_ms <= 3000);
  FW_CHECK(t, rec.now_ms - start >= 3000);
  FW_CHECK(t, rec_sent_has("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"));
  FW_CHECK(t, rec_sent_has("client_id=device-app"));
  FW_CHECK(t, rec_sent_after("device_code=", &n) != NULL && n > 100);
  FW_CHECK(t, !rec_sent_has("client_secret") && !rec_sent_has("client_assertion"));
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.access_token.n > 100);
  FW_CHECK(t, tk.refresh_token.n > 100);
  FW_CHECK(t, rec.saves == 1 && slot_is(tk.refresh_token));
  n = 0;
  for (size_t i = 0; i < sizeof code_buf; i++)
    n += code_buf[i] != 0;
  FW_CHECK(t, n == 0); /* the device code is wiped */
  report_stack("et_device_login", stack);
  fw_test_end(t, "device code: recorded request, two pending polls, tokens stored");
}

static void refresh_rotates_stored_token(fw_tests *t) {
  static const rec_answer script[] = { REC_ANSWER(rt_v2_refresh) };
  et_port port;
  et_app app;
  et_work w;
  et_token tk;
  et_result res;
  uint32_t stack;
  const char *v;
  size_t n;
  device_app(&port, &app);
  rec_play(script, 1, 97);
  memcpy(rec.slot, OLD_REFRESH, sizeof OLD_REFRESH - 1);
  rec.slot_len = sizeof OLD_REFRESH - 1;
  rec.slot_full = true;
  rec_work(&w);
  fw_stack_paint();
  et_err e = et_refresh_stored(&port, &app, "refresh_token", ET_STR(DEVICE_SCOPE), &w, &tk, &res);
  stack = fw_stack_peak();
  FW_CHECK(t, e == ET_OK);
  FW_CHECK(t, rec.opens == 1 && rec.requests == 1);
  FW_CHECK(t, rec_sent_has("grant_type=refresh_token"));
  v = rec_sent_after("&refresh_token=", &n);
  FW_CHECK(t, v != NULL && et_str_eq((et_str){ v, n }, ET_STR(OLD_REFRESH)));
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.access_token.n > 100);
  /* Rotation: the new token from the answer replaces the old one. */
  FW_CHECK(t, tk.refresh_token.n > 100 && !et_str_eq(tk.refresh_token, ET_STR(OLD_REFRESH)));
  FW_CHECK(t, rec.saves == 1 && slot_is(tk.refresh_token));
  report_stack("et_refresh_stored", stack);
  fw_test_end(t, "refresh: recorded rotation, new refresh token stored");
}

void fw_suite_recorded_flows(fw_tests *t) {
  device_login_polls_until_tokens(t);
  refresh_rotates_stored_token(t);
}
