/* SPDX-License-Identifier: MIT */
/* Client credentials grant, v1 (resource) and v2.0 (scope). */
#include "flow.h"

#include "edgetoken/et_form.h"

#include <string.h>

#if CONFIG_ET_FLOW_CLIENT_CREDENTIALS

static et_err cc_fields(const void *arg, et_buf *b) {
  const et_token_engine *t = (const et_token_engine *)arg;
  et_form_append(b, t->ep == ET_ENDPOINT_V1 ? "resource" : "scope", t->target);
  return ET_OK;
}

static et_err cc_answer(et_engine *e, et_err err, uint64_t now_ms, uint64_t *again_ms) {
  (void)now_ms, (void)again_ms;
  return et_token_answer((et_token_engine *)e, err);
}

et_err et_cc_begin(et_token_engine *e, const et_app *app, et_endpoint ep,
                   et_str scope_or_resource, et_work *w, const et_engine_in *in) {
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  err = et_engine_setup(&e->base, app, w, in, ET_URL_TOKEN,
                        ep == ET_ENDPOINT_V1 ? "/oauth2/token" : "/oauth2/v2.0/token", cc_answer);
  memset(&e->token, 0, sizeof e->token);
  e->flow = ET_FLOW_CC;
  e->ep = ep;
  e->target = scope_or_resource;
  if (err != ET_OK)
    return err;
  e->base.grant = "client_credentials";
  e->base.body = cc_fields;
  e->base.body_arg = e;
  e->base.send_cred = true;
  e->base.replayable = true; /* no side effect on the server */
  if (scope_or_resource.n == 0 || (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("scope or resource is empty"));
  if (app->cred.kind == ET_CRED_NONE)
    return et_engine_refuse(&e->base, ET_E_ARG,
                            ET_TEXT("client credentials need a client secret or certificate"));
  return ET_OK;
}

et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_result *res) {
  et_token_engine e;
  et_engine_in in;
  et_err err = et_flow_in(port, w, tok, false, &in);
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  memset(&e, 0, sizeof e);
  if (err == ET_OK)
    err = et_cc_begin(&e, app, ep, scope_or_resource, w, &in);
  err = et_flow_run(port, &e.base, err, w, res);
  /* tok != NULL: et_flow_in refused NULL; said again for the static
   * analyzers, which do not follow et_flow_run into drive.c. */
  if (err == ET_OK && tok != NULL)
    *tok = e.token;
  return err;
}

#else

et_err et_cc_begin(et_token_engine *e, const et_app *app, et_endpoint ep,
                   et_str scope_or_resource, et_work *w, const et_engine_in *in) {
  (void)app, (void)ep, (void)scope_or_resource, (void)w, (void)in;
  if (e == NULL)
    return ET_E_ARG;
  memset(e, 0, sizeof *e);
  return et_engine_refuse(&e->base, ET_E_DISABLED,
                          ET_TEXT("client credentials are disabled (CONFIG_ET_FLOW_CLIENT_CREDENTIALS)"));
}

et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_result *res) {
  et_token_engine e;
  et_err err = et_cc_begin(&e, app, ep, scope_or_resource, w, NULL); /* ET_E_DISABLED */
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  return et_flow_run(port, &e.base, err, NULL, res);
}

#endif
