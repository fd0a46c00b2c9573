/* SPDX-License-Identifier: MIT */
/* The v2.0 authorize URL the user opens in a browser, and the sign-in scope
 * for ADME. */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_form.h"
#include "flow.h"
#include "url_origin.h"

#include <stddef.h>

#if CONFIG_ET_FLOW_AUTH_CODE
/* The query as one template: each part is literal text up to a hole (a
 * byte below ' ') whose value follows it percent-encoded. A part whose
 * value is empty is left out whole; the caller checked the required ones.
 * Holes: 1-7 p's strings (offsets below), 8 the client id, 9 "S256" with
 * a challenge, 10 "true" with sso_reload. Literals go out a byte at a
 * time, as et_form_append_from wrote them: a buffer that overflows holds
 * the same prefix. */
static const char query[] =
    "client_id=\10&response_type=code&redirect_uri=\1&response_mode=query&scope=\2"
    "&state=\3&code_challenge=\4&code_challenge_method=\11&prompt=\5&login_hint=\6"
    "&domain_hint=\7&sso_reload=\12";

static et_str hole(const et_app *app, const et_authorize_params *p, unsigned k) {
  static const uint8_t at[] = {
    offsetof(et_authorize_params, redirect_uri), offsetof(et_authorize_params, scope),
    offsetof(et_authorize_params, state),        offsetof(et_authorize_params, code_challenge),
    offsetof(et_authorize_params, prompt),       offsetof(et_authorize_params, login_hint),
    offsetof(et_authorize_params, domain_hint),
  };
  if (k <= sizeof at)
    return *(const et_str *)(const void *)((const char *)p + at[k - 1]);
  if (k == 8)
    return app->client_id;
  /* Both constants are 4 bytes: their length says whether they go. */
  if (k == 9)
    return (et_str){ "S256", p->code_challenge.n > 0 ? 4 : 0 };
  return (et_str){ "true", p->sso_reload ? 4 : 0 };
}

static void put_query(et_buf *out, const et_app *app, const et_authorize_params *p) {
  for (const char *t = query; *t != '\0'; t++) {
    const char *h = t;
    et_str v;
    while ((unsigned char)*h >= ' ')
      h++;
    v = hole(app, p, (unsigned char)*h);
    if (v.n > 0) {
      for (; t < h; t++)
        et_buf_put_char(out, *t);
      et_form_encode(out, v);
    }
    t = h;
  }
}

et_err et_authorize_url(const et_app *app, const et_authorize_params *p,
                        et_buf *out) {
  et_authority to;
  et_err err;
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
  put_query(out, app, p);
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
