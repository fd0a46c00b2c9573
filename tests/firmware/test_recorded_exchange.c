/* SPDX-License-Identifier: MIT */
/* A whole client-credentials exchange through core on the target, over
 * recorded emulator answers (rec_port.h). Also measures, by stack painting,
 * the peak stack of et_client_credentials. */
#include "fw.h"

#include <string.h>

#include "edgetoken/edgetoken.h"
#include "rec_port.h"
#include "recorded.h"

static et_err run(const unsigned char *answer, size_t n, size_t piece, et_token *tk,
                  et_result *res, et_work *w, uint32_t *stack) {
  const rec_answer script[] = { { answer, n } };
  et_port port;
  et_app app;
  memset(&port, 0, sizeof port);
  rec_port_hooks(&port);
  memset(&app, 0, sizeof app);
  app.tenant = ET_STR("contoso-tenant");
  app.client_id = ET_STR("edgetoken-test-app");
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = ET_STR("s3cr3t+/=~ value");
  rec_play(script, 1, piece);
  rec_work(w);
  fw_stack_paint();
  et_err e = et_client_credentials(&port, &app, ET_ENDPOINT_V2,
                                   ET_STR("edgetoken-test-app/.default"), w, tk, res);
  *stack = fw_stack_peak();
  return e;
}

static void report_stack(uint32_t bytes) {
  fw_puts("# stack et_client_credentials ");
  fw_put_uint(bytes);
  fw_puts(" bytes (painted, includes this test's frames)\n");
}

static void exchange_gets_token(fw_tests *t) {
  et_token tk;
  et_result res;
  et_work w;
  uint32_t stack = 0;
  FW_CHECK(t, run(rec_cc_v2, sizeof rec_cc_v2, 97, &tk, &res, &w, &stack) == ET_OK);
  FW_CHECK(t, rec.opens == 1);
  FW_CHECK(t, rec_sent_has("POST /contoso-tenant/oauth2/v2.0/token HTTP/1.1\r\n"));
  FW_CHECK(t, rec_sent_has("Host: login.microsoftonline.com\r\n"));
  FW_CHECK(t, rec_sent_has("grant_type=client_credentials"));
  FW_CHECK(t, rec_sent_has("client_secret=s3cr3t%2B%2F%3D~%20value"));
  FW_CHECK(t, rec_sent_has("scope=edgetoken-test-app%2F.default"));
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.expires_in > 0);
  FW_CHECK(t, tk.access_token.n > 100 && tk.access_token.p >= (const char *)w.buf &&
                  tk.access_token.p < (const char *)w.buf + w.cap);
  report_stack(stack);
  fw_test_end(t, "exchange: client credentials, recorded 200");
}

static void exchange_gets_token_chunked(fw_tests *t) {
  et_token tk;
  et_result res;
  et_work w;
  uint32_t stack = 0;
  FW_CHECK(t, run(rec_cc_v2_chunked, sizeof rec_cc_v2_chunked, 5, &tk, &res, &w, &stack) == ET_OK);
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.access_token.n > 100);
  fw_test_end(t, "exchange: client credentials, recorded chunked 200");
}

static void exchange_reports_oauth_error(fw_tests *t) {
  et_token tk;
  et_result res;
  et_work w;
  uint32_t stack = 0;
  FW_CHECK(t, run(rec_cc_v2_bad_secret, sizeof rec_cc_v2_bad_secret, 64, &tk, &res, &w, &stack) ==
                  ET_E_OAUTH);
  FW_CHECK(t, rec.opens == 1 && rec.requests == 1); /* a 401 is not retried */
  FW_CHECK(t, res.err == ET_E_OAUTH && res.attempts == 1);
  FW_CHECK(t, res.http_status == 401 && et_str_eq(res.oauth.error, ET_STR("invalid_client")));
  FW_CHECK(t, res.oauth.n_error_codes == 1 && res.oauth.error_codes[0] == 7000215u);
  fw_test_end(t, "exchange: recorded invalid_client (AADSTS7000215)");
}

static void exchange_truncated_answer_is_retried_then_fails(fw_tests *t) {
  et_token tk;
  et_result res;
  et_work w;
  uint32_t stack = 0;
  et_err e = run(rec_cc_v2, sizeof rec_cc_v2 / 2, 97, &tk, &res, &w, &stack);
  FW_CHECK(t, e == ET_E_TRUNCATED && res.err == e);
  /* Each attempt on a connection of its own: the cut one is closed. */
  FW_CHECK(t, rec.opens == CONFIG_ET_RETRY_ATTEMPTS && rec.requests == rec.opens);
  FW_CHECK(t, res.attempts == CONFIG_ET_RETRY_ATTEMPTS && res.port_detail != NULL);
  fw_test_end(t, "exchange: truncated answer fails, never a cut token");
}

void fw_suite_recorded_exchange(fw_tests *t) {
  exchange_gets_token(t);
  exchange_gets_token_chunked(t);
  exchange_reports_oauth_error(t);
  exchange_truncated_answer_is_retried_then_fails(t);
}
