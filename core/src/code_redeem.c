/* Authorization code redemption (RFC 6749 §4.1.3 + RFC 7636 §4.5). */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_form.h"

#if CONFIG_ET_FLOW_AUTH_CODE

/* AADSTS70008: the code is older than its ~10 minutes. */
#define AADSTS_EXPIRED 70008u

static et_err redeem_fields(const void *arg, et_buf *b) {
  const et_code_grant *g = (const et_code_grant *)arg;
  et_form_append(b, "scope", g->scope);
  et_form_append_secret(b, "code", g->code);
  et_form_append(b, "redirect_uri", g->redirect_uri);
  if (g->code_verifier.n > 0)
    et_form_append_secret(b, "code_verifier", g->code_verifier);
  return ET_OK;
}

static bool has_code(const et_oauth_error *err, uint32_t code) {
  for (size_t i = 0; i < err->n_error_codes; i++)
    if (err->error_codes[i] == code)
      return true;
  return false;
}

et_err et_redeem_code(const et_port *port, const et_app *app,
                      const et_code_grant *g, et_work *w, et_token *tok,
                      et_oauth_error *err) {
  /* A code is single-use: never resent once it may have reached Entra. */
  et_grant rg = { "authorization_code", ET_ENDPOINT_V2, redeem_fields, g, false, false };
  et_oauth_error local;
  et_err e;
  if (app == NULL || g == NULL || w == NULL)
    return ET_E_ARG;
  if (g->code.n == 0 || g->redirect_uri.n == 0 || g->scope.n == 0) {
    w->why = ET_TEXT("code, redirect URI and scope are required");
    return ET_E_ARG;
  }
  if (err == NULL)
    err = &local; /* to tell an expired code from other refusals */
  e = et_token_request(port, app, &rg, w, tok, err);
  if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("invalid_grant")) &&
      has_code(err, AADSTS_EXPIRED)) {
    w->why = ET_TEXT("the authorization code expired: sign in again");
    return ET_E_EXPIRED;
  }
  return e;
}
#else
et_err et_redeem_code(const et_port *port, const et_app *app,
                      const et_code_grant *g, et_work *w, et_token *tok,
                      et_oauth_error *err) {
  (void)port, (void)app, (void)g, (void)tok, (void)err;
  if (w != NULL)
    w->why = ET_TEXT("sign-in is disabled (CONFIG_ET_FLOW_AUTH_CODE)");
  return ET_E_DISABLED;
}
#endif
