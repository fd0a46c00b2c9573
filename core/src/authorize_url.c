/* SPDX-License-Identifier: MIT */
/* The v2.0 authorize URL the user opens in a browser, and the sign-in scope
 * for ADME. */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_form.h"
#include "flow.h"
#include "url_origin.h"

#if CONFIG_ET_FLOW_AUTH_CODE
/* The query's parameters in order; an empty value leaves its key out (the
 * required ones were checked by the caller). */
static void put_query(et_buf *out, size_t q, const et_app *app, const et_authorize_params *p) {
  static const char *const keys[] = {
    "client_id", "response_type", "redirect_uri",   "response_mode",
    "scope",     "state",         "code_challenge", "code_challenge_method",
    "prompt",    "login_hint",    "domain_hint",    "sso_reload",
  };
  const et_str vals[] = {
    app->client_id, ET_STR("code"), p->redirect_uri, ET_STR("query"), p->scope, p->state,
    p->code_challenge, p->code_challenge.n > 0 ? ET_STR("S256") : ET_STR_NULL,
    p->prompt, p->login_hint, p->domain_hint, p->sso_reload ? ET_STR("true") : ET_STR_NULL,
  };
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (vals[i].n > 0)
      et_form_append_from(out, q, keys[i], vals[i]);
}

et_err et_authorize_url(const et_app *app, const et_authorize_params *p,
                        et_buf *out) {
  et_authority to;
  et_err err;
  size_t q;
  bool explicit_url;
  if (app == NULL || p == NULL || out == NULL)
    return ET_E_ARG;
  explicit_url = app->authorize_endpoint.n > 0;
  /* An explicit authorize endpoint (any provider), else Entra's layout. */
  err = et_app_authority(app, app->authorize_endpoint, &to); /* ET_E_URL, ET_E_DISABLED */
  if (err != ET_OK)
    return err;
  if ((!explicit_url && et_tenant_check(app->tenant) != ET_OK) || app->client_id.n == 0 ||
      p->redirect_uri.n == 0 || p->scope.n == 0 || p->state.n == 0)
    return ET_E_ARG;

  et_url_origin(out, to.host, to.port);
  et_buf_put_str(out, to.prefix);
  if (explicit_url) {
    et_buf_put_cstr(out, to.prefix.n > 0 ? "?" : "/?");
  } else {
    et_buf_put_char(out, '/');
    et_buf_put_str(out, app->tenant);
    et_buf_put_cstr(out, "/oauth2/v2.0/authorize?");
  }
  q = out->len;
  put_query(out, q, app, p);
  return et_buf_status(out);
}
#else
et_err et_authorize_url(const et_app *app, const et_authorize_params *p,
                        et_buf *out) {
  (void)app, (void)p, (void)out;
  return ET_E_DISABLED;
}
#endif

et_err et_signin_scope(et_buf *out, et_str resource_client_id) {
  if (out == NULL || resource_client_id.n == 0)
    return ET_E_ARG;
  et_buf_put_str(out, resource_client_id);
  et_buf_put_cstr(out, "/.default openid profile offline_access");
  return et_buf_status(out);
}
