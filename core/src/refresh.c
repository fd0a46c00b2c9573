/* SPDX-License-Identifier: MIT */
/* Refresh token grant (RFC 6749 §6). Entra rotates the refresh token on
 * every use; keeping the new one is the caller's job (et_refresh_stored).
 *
 * Not gated by a CONFIG_ET_FLOW_*: refresh tokens come from the device code
 * flow (et_device_login stores one) as well as from sign-in, so every
 * flavour that may hold one can refresh it. An image that never calls
 * et_refresh loses it to --gc-sections. */
#include "flow.h"

#include "edgetoken/et_form.h"

#include <string.h>

static et_err refresh_fields(const void *arg, et_buf *b) {
  const et_token_engine *t = (const et_token_engine *)arg;
  et_form_append_secret(b, "refresh_token", t->secret);
  et_form_append(b, "scope", t->target);
  return ET_OK;
}

et_err et_grant_answer(et_engine *e, et_err err, uint64_t now_ms, uint64_t *again_ms) {
  (void)now_ms, (void)again_ms;
  et_token_engine *t = (et_token_engine *)e;
  return et_grant_refused(t, et_token_answer(t, err));
}

static bool in_workspace(et_str s, const et_work *w) {
  return (uintptr_t)s.p < (uintptr_t)w->buf + w->cap &&
         (uintptr_t)s.p + s.n > (uintptr_t)w->buf;
}

et_err et_refresh_begin(et_token_engine *e, const et_app *app, et_str refresh_token,
                        et_str scope, et_work *w, const et_engine_in *in) {
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  err = et_engine_setup(&e->base, app, w, in, ET_URL_TOKEN, "/oauth2/v2.0/token", et_grant_answer);
  memset(&e->token, 0, sizeof e->token);
  e->flow = ET_FLOW_REFRESH;
  e->secret = refresh_token;
  e->target = scope;
  if (err != ET_OK)
    return err;
  e->base.grant = "refresh_token";
  e->base.body = refresh_fields;
  e->base.body_arg = e;
  e->base.send_cred = true;
  /* Replayable: Entra does not revoke a refresh token when it issues the
   * next one (it stays valid until it expires), so a resend after a lost
   * answer or a 5xx still works. A server that revoked it on use would
   * answer the resend invalid_grant: ET_E_SIGNIN_REQUIRED. */
  e->base.replayable = true;
  if (refresh_token.n == 0 || refresh_token.p == NULL || scope.n == 0)
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("refresh token and scope are required"));
  /* The request is built in w->buf: a token inside it would be overwritten. */
  if (in_workspace(refresh_token, w))
    return et_engine_refuse(&e->base, ET_E_ARG,
                            ET_TEXT("the refresh token must not live in the workspace"));
  return ET_OK;
}

et_err et_refresh(const et_port *port, const et_app *app, et_str refresh_token,
                  et_str scope, et_work *w, et_token *tok, et_result *res) {
  et_token_engine e;
  et_engine_in in;
  et_err err = et_flow_in(port, w, tok, false, &in);
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  memset(&e, 0, sizeof e);
  if (err == ET_OK)
    err = et_refresh_begin(&e, app, refresh_token, scope, w, &in);
  err = et_flow_run(port, &e.base, err, w, res);
  /* tok != NULL: et_flow_in refused NULL; said again for the static
   * analyzers, which do not follow et_flow_run into drive.c. */
  if (err == ET_OK && tok != NULL)
    *tok = e.token;
  return err;
}
