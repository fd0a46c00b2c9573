/* SPDX-License-Identifier: MIT */
/* Authorization code redemption (RFC 6749 §4.1.3 + RFC 7636 §4.5). */
#include "flow.h"

#include "edgetoken/et_form.h"

#include <string.h>

#if CONFIG_ET_FLOW_AUTH_CODE

static et_err redeem_fields(const void *arg, et_buf *b) {
  const et_token_engine *t = (const et_token_engine *)arg;
  et_form_append(b, "scope", t->target);
  et_form_append_secret(b, "code", t->secret);
  et_form_append(b, "redirect_uri", t->redirect_uri);
  if (t->verifier.n > 0)
    et_form_append_secret(b, "code_verifier", t->verifier);
  return ET_OK;
}

et_err et_redeem_begin(et_token_engine *e, const et_app *app, const et_code_grant *g,
                       et_work *w, const et_engine_in *in) {
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  err = et_engine_setup(&e->base, app, w, in, ET_URL_TOKEN, "/oauth2/v2.0/token",
                        et_grant_answer);
  memset(&e->token, 0, sizeof e->token);
  e->flow = ET_FLOW_REDEEM;
  if (err != ET_OK)
    return err;
  if (g == NULL || g->code.n == 0 || g->redirect_uri.n == 0 || g->scope.n == 0)
    return et_engine_refuse(&e->base, ET_E_ARG,
                            ET_TEXT("code, redirect URI and scope are required"));
  e->secret = g->code;
  e->redirect_uri = g->redirect_uri;
  e->verifier = g->code_verifier;
  e->target = g->scope;
  e->base.grant = "authorization_code";
  e->base.body = redeem_fields;
  e->base.body_arg = e;
  /* Web apps (ADME's default) prove themselves; a public client sends
   * nothing. A code is single-use: never resent once it may have reached
   * Entra (replayable stays false). */
  e->base.send_cred = true;
  return ET_OK;
}

et_err et_redeem_code(const et_port *port, const et_app *app, const et_code_grant *g,
                      et_work *w, et_token *tok, et_result *res) {
  et_token_engine e;
  et_engine_in in;
  et_err err = et_flow_in(port, w, tok, false, &in);
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  memset(&e, 0, sizeof e);
  if (err == ET_OK)
    err = et_redeem_begin(&e, app, g, w, &in);
  err = et_flow_run(port, &e.base, err, w, res);
  /* tok != NULL: et_flow_in refused NULL; said again for the static
   * analyzers, which do not follow et_flow_run into drive.c. */
  if (err == ET_OK && tok != NULL)
    *tok = e.token;
  return err;
}

#else

et_err et_redeem_begin(et_token_engine *e, const et_app *app, const et_code_grant *g,
                       et_work *w, const et_engine_in *in) {
  (void)app, (void)g, (void)w, (void)in;
  if (e == NULL)
    return ET_E_ARG;
  memset(e, 0, sizeof *e);
  return et_engine_refuse(&e->base, ET_E_DISABLED,
                          ET_TEXT("sign-in is disabled (CONFIG_ET_FLOW_AUTH_CODE)"));
}

et_err et_redeem_code(const et_port *port, const et_app *app, const et_code_grant *g,
                      et_work *w, et_token *tok, et_result *res) {
  et_token_engine e;
  et_err err = et_redeem_begin(&e, app, g, w, NULL); /* ET_E_DISABLED */
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  return et_flow_run(port, &e.base, err, NULL, res);
}

#endif
