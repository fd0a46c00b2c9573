/* SPDX-License-Identifier: MIT */
/* Private to core: what the flow files share with the engine and the
 * driver. Not installed. */
#ifndef EDGETOKEN_FLOW_H
#define EDGETOKEN_FLOW_H

#include "edgetoken/et_engine.h"

/* Which of the app's URLs a request goes to. */
typedef enum et_url_kind {
  ET_URL_TOKEN = 0,    /* app->token_endpoint, or the Entra layout */
  ET_URL_DEVICE,       /* app->device_endpoint, or the Entra layout */
  ET_URL_DISCOVERY     /* app->token_endpoint holds the issuer; endpoint
                          ("/.well-known/...") is appended to its path */
} et_url_kind;

/* The authority's pieces for app: explicit_url when it is not empty, else
 * app->authority (spans point into them); with CONFIG_ET_FIXED_AUTHORITY
 * the build's own pieces, and then both must be empty. Errors: ET_E_URL
 * (malformed), ET_E_DISABLED (a URL given to a fixed-authority build). */
et_err et_app_authority(const et_app *app, et_str explicit_url, et_authority *to);

/* Start e on a form POST to the app's explicit URL of that kind, else to
 * {authority}/{tenant}{endpoint}: checks the app (URL, tenant, client id)
 * and the work area, and sets the request up for et_engine_step (the URL
 * goes into e->res for messages). The flow then sets grant, body,
 * body_arg, send_cred and replayable. On failure e->res holds the error
 * and a reason, and e fails at its first step.
 * Errors: ET_E_ARG, ET_E_URL, ET_E_DISABLED. */
et_err et_engine_setup(et_engine *e, const et_app *app, et_work *w,
                       const et_engine_in *in, et_url_kind kind,
                       const char *endpoint, et_answer_fn answer);

/* Start e on a request to base_url (https://host[:port][/prefix]) + path
 * that is no token endpoint's form: e->raw is set; the caller sets
 * req.method, req.content_type, req.bearer, req.extra and body. Errors:
 * ET_E_ARG, ET_E_URL. */
et_err et_engine_setup_raw(et_engine *e, et_work *w, const et_engine_in *in,
                           et_str base_url, et_str path, et_answer_fn answer);

/* Record a failure found at begin (after et_engine_setup succeeded). */
et_err et_engine_refuse(et_engine *e, et_err err, const char *why);

/* Hold e in a WAIT until until_ms before its first request (a device code
 * poll waits an interval first). */
void et_engine_wait_first(et_engine *e, uint64_t until_ms);

/* The answer's body, in the workspace. */
et_str et_engine_body(const et_engine *e);

/* Sort an answer: ET_OK for 2xx; ET_E_OAUTH with e->res.oauth for a JSON
 * OAuth error; ET_E_SERVER for 5xx (oauth filled when the body had one);
 * ET_E_HTTP_STATUS for anything else. Sets e->res.why. */
et_err et_answer_classify(et_engine *e);

/* The token engines' answer: err as given, or et_answer_classify and on
 * 2xx the token decoded into t->token. */
et_err et_token_answer(et_token_engine *t, et_err err);

/* What a refresh or a code redemption makes of et_token_answer's err:
 * invalid_grant to a refresh is ET_E_SIGNIN_REQUIRED, AADSTS70008 to a
 * redemption ET_E_EXPIRED (with e->res.why); anything else as given. */
et_err et_grant_refused(et_token_engine *t, et_err err);

/* A refresh's or a code redemption's answer: et_grant_refused of
 * et_token_answer (in refresh.c, which every flavour compiles). */
et_err et_grant_answer(et_engine *e, et_err err, uint64_t now_ms, uint64_t *again_ms);

/* A blocking call's start: the engine's inputs from the port, asking for
 * keep-alive when w keeps a link (or keep_alive says so). ET_E_ARG when
 * port, w or the caller's output (out) is NULL; else as
 * et_engine_in_from_port. */
et_err et_flow_in(const et_port *port, const et_work *w, const void *out, bool keep_alive,
                  et_engine_in *in);

/* A blocking call's end: drive e through w's link (when begin_err is
 * ET_OK; w may be NULL), then copy the outcome into *res (may be NULL). */
et_err et_flow_run(const et_port *port, et_engine *e, et_err begin_err,
                   const et_work *w, et_result *res);

/* The token engines' flows. */
enum { ET_FLOW_CC = 1, ET_FLOW_REFRESH, ET_FLOW_REDEEM, ET_FLOW_POLL };

#endif
