/* SPDX-License-Identifier: MIT */
/* Device code flow, step 2: poll the token endpoint on the server's
 * schedule (RFC 8628 section 3.4/3.5) until the person signs in, declines,
 * or the code expires. The schedule is et_poll_next's. */
#include "flow.h"

#include "edgetoken/et_form.h"

#include <string.h>

#if CONFIG_ET_FLOW_DEVICE_CODE

static et_err poll_fields(const void *arg, et_buf *b) {
  const et_token_engine *t = (const et_token_engine *)arg;
  et_form_append_secret(b, "device_code", t->device_code);
  return ET_OK;
}

/* The OAuth errors a poll answers itself (RFC 8628 section 3.5). The
 * first two are et_poll_events. */
enum { PENDING = ET_POLL_PENDING, SLOW_DOWN = ET_POLL_SLOW_DOWN, DECLINED, EXPIRED, OTHER };
static const char *const poll_errors[] = { "authorization_pending", "slow_down",
                                           "authorization_declined", "expired_token" };

/* Which of poll_errors err is; OTHER for any other error. */
static int poll_error(const et_engine *e, et_err err) {
  int k = 0;
  if (err == ET_E_OAUTH)
    while (k < OTHER && !et_str_eq(e->res.oauth.error, et_str_from_cstr(poll_errors[k])))
      k++;
  else
    k = OTHER;
  return k;
}

/* Another poll at *again_ms, unless the code expires first. */
static et_err poll_again(et_device_poll_engine *p, uint64_t now_ms, et_poll_event ev,
                         uint64_t *again_ms) {
  et_engine *e = &p->tok.base;
  *again_ms = et_poll_next(now_ms, &p->interval_ms, ev, e->res.retry_after_s);
  if (*again_ms < p->expires_ms)
    return ET_OK;
  *again_ms = 0;
  memset(&e->res.oauth, 0, sizeof e->res.oauth);
  e->res.why = p->last_failed ? ET_TEXT("the device code expired; the last poll failed")
                              : ET_TEXT("the device code expired before the sign-in was completed");
  return ET_E_EXPIRED;
}

static et_err poll_answer(et_engine *e, et_err err, uint64_t now_ms, uint64_t *again_ms) {
  et_device_poll_engine *p = (et_device_poll_engine *)e;
  int k;
  err = et_token_answer(&p->tok, err);
  p->last_failed = false;
  if (err == ET_OK)
    return ET_OK;
  k = poll_error(e, err);
  if (k == DECLINED) {
    e->res.why = ET_TEXT("the user declined the sign-in");
    return ET_E_DECLINED;
  }
  if (k == EXPIRED) {
    e->res.why = ET_TEXT("the device code expired before the sign-in was completed");
    return ET_E_EXPIRED;
  }
  if (k == SLOW_DOWN)
    e->wait_why = ET_TEXT("the server asked to slow down: polling 5 s slower");
  if (k == OTHER) {
    /* The network, an overloaded or throttling server: the code stays
     * good until it expires. */
    if (!et_err_is_transient(err))
      return err;
    p->last_failed = true;
    e->wait_err = err;
    e->wait_why = ET_TEXT("a poll failed; polling again at the next interval");
    k = ET_POLL_FAILED;
  }
  return poll_again(p, now_ms, (et_poll_event)k, again_ms);
}

static bool overlaps(et_str s, const et_work *w) {
  const char *lo = (const char *)w->buf;
  return s.p + s.n > lo && s.p < lo + w->cap;
}

et_err et_device_poll_begin(et_device_poll_engine *e, const et_app *app, et_endpoint ep,
                            const et_device_code *dc, et_work *w, const et_engine_in *in) {
  et_token_engine *t;
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  t = &e->tok;
  err = et_engine_setup(&t->base, app, w, in, ET_URL_TOKEN,
                        ep == ET_ENDPOINT_V1 ? "/oauth2/token" : "/oauth2/v2.0/token",
                        poll_answer);
  memset(&t->token, 0, sizeof t->token);
  t->flow = ET_FLOW_POLL;
  t->ep = ep;
  e->last_failed = false;
  if (err != ET_OK)
    return err;
  if (dc == NULL || dc->device_code.n == 0 || dc->device_code.p == NULL || dc->expires_in == 0 ||
      (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return et_engine_refuse(&t->base, ET_E_ARG, ET_TEXT("a device code is required"));
  if (overlaps(dc->device_code, w))
    return et_engine_refuse(&t->base, ET_E_ARG, ET_TEXT("the device code must be copied out of "
                                                        "the workspace before polling"));
  t->device_code = dc->device_code;
  t->base.grant = "urn:ietf:params:oauth:grant-type:device_code";
  t->base.body = poll_fields;
  t->base.body_arg = t;
  /* Confidential clients prove themselves here too; public ones send none.
   * A poll has no effect until the person signs in: safe to resend. */
  t->base.send_cred = true;
  t->base.replayable = true;
  e->interval_ms = (dc->interval ? dc->interval : ET_DEVICE_DEFAULT_INTERVAL_S) * 1000u;
  e->expires_ms = dc->issued_ms + (uint64_t)dc->expires_in * 1000u;
  /* The first poll one interval from now, not from issued_ms: the answer
   * arrived later than that, and the server counts from its reply. */
  if (in->now_ms + e->interval_ms >= e->expires_ms)
    return et_engine_refuse(&t->base, ET_E_EXPIRED,
                            ET_TEXT("the device code expired before the sign-in was completed"));
  et_engine_wait_first(&t->base, in->now_ms + e->interval_ms);
  return ET_OK;
}

et_err et_device_code_poll(const et_port *port, const et_app *app, et_endpoint ep,
                           const et_device_code *dc, et_work *w, et_token *tok,
                           et_result *res) {
  et_device_poll_engine e;
  et_engine_in in;
  et_err err = et_flow_in(port, w, tok, true, &in);
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  memset(&e, 0, sizeof e);
  if (err == ET_OK)
    err = et_device_poll_begin(&e, app, ep, dc, w, &in);
  /* Every poll of one sign-in on one connection when the server keeps it. */
  err = et_flow_run(port, &e.tok.base, err, w, res);
  /* tok != NULL: et_flow_in refused NULL; said again for the static
   * analyzers, which do not follow et_flow_run into drive.c. */
  if (err == ET_OK && tok != NULL)
    *tok = e.tok.token;
  return err;
}

#else

et_err et_device_poll_begin(et_device_poll_engine *e, const et_app *app, et_endpoint ep,
                            const et_device_code *dc, et_work *w, const et_engine_in *in) {
  (void)app, (void)ep, (void)dc, (void)w, (void)in;
  if (e == NULL)
    return ET_E_ARG;
  memset(e, 0, sizeof *e);
  return et_engine_refuse(&e->tok.base, ET_E_DISABLED,
                          ET_TEXT("the device code flow is disabled (CONFIG_ET_FLOW_DEVICE_CODE)"));
}

et_err et_device_code_poll(const et_port *port, const et_app *app, et_endpoint ep,
                           const et_device_code *dc, et_work *w, et_token *tok,
                           et_result *res) {
  et_device_poll_engine e;
  et_err err = et_device_poll_begin(&e, app, ep, dc, w, NULL); /* ET_E_DISABLED */
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  return et_flow_run(port, &e.tok.base, err, NULL, res);
}

#endif
