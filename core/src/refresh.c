/* Refresh token grant (RFC 6749 §6). Entra rotates the refresh token on
 * every use; keeping the new one is the caller's job (et_refresh_stored). */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_form.h"

typedef struct refresh_args {
  const et_port *port;
  const et_app *app;
  et_str refresh_token;
  et_str scope;
} refresh_args;

static et_err refresh_body(const void *arg, et_buf *b) {
  const refresh_args *a = (const refresh_args *)arg;
  et_form_append(b, "grant_type", ET_STR("refresh_token"));
  et_form_append(b, "client_id", a->app->client_id);
  et_form_append_secret(b, "refresh_token", a->refresh_token);
  et_form_append(b, "scope", a->scope);
  return et_cred_append(b, a->port, a->app, "/oauth2/v2.0/token", false);
}

et_err et_refresh(const et_port *port, const et_app *app,
                  et_str refresh_token, et_str scope, et_work *w,
                  et_token *tok, et_oauth_error *err) {
  et_oauth_error local;
  refresh_args a;
  et_err e;
  if (app == NULL || w == NULL)
    return ET_E_ARG;
  if (refresh_token.n == 0 || refresh_token.p == NULL || scope.n == 0) {
    w->why = "refresh token and scope are required";
    return ET_E_ARG;
  }
  /* The request is built in w->buf: a token inside it would be overwritten. */
  if ((uintptr_t)refresh_token.p < (uintptr_t)w->buf + w->cap &&
      (uintptr_t)refresh_token.p + refresh_token.n > (uintptr_t)w->buf) {
    w->why = "the refresh token must not live in the workspace";
    return ET_E_ARG;
  }
  a.port = port;
  a.app = app;
  a.refresh_token = refresh_token;
  a.scope = scope;
  if (err == NULL)
    err = &local;
  e = et_token_request(port, app, "/oauth2/v2.0/token", refresh_body, &a, false, w,
                       tok, err);
  /* invalid_grant is the server's final word on this token, whatever the
   * AADSTS code (expired, revoked, inactive, MFA or consent needed): only a
   * new sign-in helps. Anything else may pass. */
  if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("invalid_grant"))) {
    w->why = "the refresh token no longer works: sign in again";
    return ET_E_SIGNIN_REQUIRED;
  }
  return e;
}
