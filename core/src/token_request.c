/* SPDX-License-Identifier: MIT */
/* What the token endpoint answered: a token, Entra's OAuth error, a
 * server failure or an unexpected status. Shared by every token flow. */
#include "flow.h"

#include <string.h>

et_err et_answer_classify(et_engine *e) {
  et_work *w = e->w;
  int status = e->res.http_status;
  et_err err;
  if (status >= 200 && status < 300)
    return ET_OK;
  /* Entra's errors are JSON with an "error" member; anything else (a proxy
   * page, "Too Many Requests" in plain text) is reported by status. */
  err = et_oauth_error_decode((char *)w->buf, e->body_len, w->tok, w->ntok, &e->res.oauth, NULL);
  if (err != ET_OK)
    memset(&e->res.oauth, 0, sizeof e->res.oauth);
  if (status >= 500) {
    e->res.why = ET_TEXT("the server failed (HTTP 5xx) on every attempt");
    return ET_E_SERVER;
  }
  if (err == ET_OK) {
    e->res.why = ET_TEXT("see the OAuth error");
    return ET_E_OAUTH;
  }
  e->res.why = ET_TEXT("the server answered an unexpected HTTP status");
  return ET_E_HTTP_STATUS;
}

static bool has_code(const et_oauth_error *err, uint32_t code) {
  for (size_t i = 0; i < err->n_error_codes; i++)
    if (err->error_codes[i] == code)
      return true;
  return false;
}

/* AADSTS70008: an authorization code older than its ~10 minutes. */
#define AADSTS_EXPIRED 70008u

et_err et_token_answer(et_token_engine *t, et_err err) {
  et_engine *e = &t->base;
  if (err == ET_OK)
    err = et_answer_classify(e);
  if (err != ET_OK)
    return err;
  err = et_token_decode((char *)e->w->buf, e->body_len, e->w->tok, e->w->ntok, &t->token,
                        &e->res.why);
  if (err != ET_OK)
    memset(&t->token, 0, sizeof t->token);
  return err;
}

et_err et_grant_refused(et_token_engine *t, et_err err) {
  et_engine *e = &t->base;
  bool invalid_grant = err == ET_E_OAUTH && et_str_eq(e->res.oauth.error, ET_STR("invalid_grant"));
  /* invalid_grant is the server's final word on a refresh token, whatever
   * the AADSTS code (expired, revoked, inactive, MFA or consent needed):
   * only a new sign-in helps. */
  if (t->flow == ET_FLOW_REFRESH && invalid_grant) {
    e->res.why = ET_TEXT("the refresh token no longer works: sign in again");
    return ET_E_SIGNIN_REQUIRED;
  }
  if (t->flow == ET_FLOW_REDEEM && invalid_grant && has_code(&e->res.oauth, AADSTS_EXPIRED)) {
    e->res.why = ET_TEXT("the authorization code expired: sign in again");
    return ET_E_EXPIRED;
  }
  return err;
}
