/* SPDX-License-Identifier: MIT */
/* The v2.0 authorize URL the user opens in a browser, and the sign-in scope
 * for ADME. */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_form.h"
#include "flow.h"

#if CONFIG_ET_FLOW_AUTH_CODE
static void put_optional(et_buf *b, size_t start, const char *key, et_str v) {
  if (v.n > 0)
    et_form_append_from(b, start, key, v);
}

et_err et_authorize_url(const et_app *app, const et_authorize_params *p,
                        et_buf *out) {
  et_authority to;
  et_err err;
  size_t q;
  bool ipv6 = false, explicit_url;
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
  for (size_t i = 0; i < to.host.n; i++)
    ipv6 |= to.host.p[i] == ':';

  et_buf_put_cstr(out, "https://");
  if (ipv6)
    et_buf_put_char(out, '[');
  et_buf_put_str(out, to.host);
  if (ipv6)
    et_buf_put_char(out, ']');
  if (to.port != 443) {
    et_buf_put_char(out, ':');
    et_buf_put_u64(out, to.port);
  }
  et_buf_put_str(out, to.prefix);
  if (explicit_url) {
    et_buf_put_cstr(out, to.prefix.n > 0 ? "?" : "/?");
  } else {
    et_buf_put_char(out, '/');
    et_buf_put_str(out, app->tenant);
    et_buf_put_cstr(out, "/oauth2/v2.0/authorize?");
  }
  q = out->len;
  et_form_append_from(out, q, "client_id", app->client_id);
  et_form_append_from(out, q, "response_type", ET_STR("code"));
  et_form_append_from(out, q, "redirect_uri", p->redirect_uri);
  et_form_append_from(out, q, "response_mode", ET_STR("query"));
  et_form_append_from(out, q, "scope", p->scope);
  et_form_append_from(out, q, "state", p->state);
  if (p->code_challenge.n > 0) {
    et_form_append_from(out, q, "code_challenge", p->code_challenge);
    et_form_append_from(out, q, "code_challenge_method", ET_STR("S256"));
  }
  put_optional(out, q, "prompt", p->prompt);
  put_optional(out, q, "login_hint", p->login_hint);
  put_optional(out, q, "domain_hint", p->domain_hint);
  if (p->sso_reload)
    et_form_append_from(out, q, "sso_reload", ET_STR("true"));
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
