/* Refresh token grant (RFC 6749 §6). Entra rotates the refresh token on
 * every use; keeping the new one is the caller's job (et_refresh_stored).
 *
 * Not gated by a CONFIG_ET_FLOW_*: refresh tokens come from the device code
 * flow (et_device_login stores one) as well as from sign-in, so every
 * flavour that may hold one can refresh it. An image that never calls
 * et_refresh loses it to --gc-sections. */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_form.h"

typedef struct refresh_args {
  et_str refresh_token;
  et_str scope;
} refresh_args;

static et_err refresh_fields(const void *arg, et_buf *b) {
  const refresh_args *a = (const refresh_args *)arg;
  et_form_append_secret(b, "refresh_token", a->refresh_token);
  et_form_append(b, "scope", a->scope);
  return ET_OK;
}

et_err et_refresh(const et_port *port, const et_app *app,
                  et_str refresh_token, et_str scope, et_work *w,
                  et_token *tok, et_oauth_error *err) {
  et_oauth_error local;
  refresh_args a = { refresh_token, scope };
  /* Replayable: Entra does not revoke a refresh token when it issues the
   * next one (it stays valid until it expires), so a resend after a lost
   * answer or a 5xx still works. A server that revoked it on use would
   * answer the resend invalid_grant: ET_E_SIGNIN_REQUIRED. */
  et_grant g = { "refresh_token", ET_ENDPOINT_V2, refresh_fields, &a, false, true };
  et_err e;
  if (app == NULL || w == NULL)
    return ET_E_ARG;
  if (refresh_token.n == 0 || refresh_token.p == NULL || scope.n == 0) {
    w->why = ET_TEXT("refresh token and scope are required");
    return ET_E_ARG;
  }
  /* The request is built in w->buf: a token inside it would be overwritten. */
  if ((uintptr_t)refresh_token.p < (uintptr_t)w->buf + w->cap &&
      (uintptr_t)refresh_token.p + refresh_token.n > (uintptr_t)w->buf) {
    w->why = ET_TEXT("the refresh token must not live in the workspace");
    return ET_E_ARG;
  }
  if (err == NULL)
    err = &local;
  e = et_token_request(port, app, &g, w, tok, err);
  /* invalid_grant is the server's final word on this token, whatever the
   * AADSTS code (expired, revoked, inactive, MFA or consent needed): only a
   * new sign-in helps. Anything else may pass. */
  if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("invalid_grant"))) {
    w->why = ET_TEXT("the refresh token no longer works: sign in again");
    return ET_E_SIGNIN_REQUIRED;
  }
  return e;
}
