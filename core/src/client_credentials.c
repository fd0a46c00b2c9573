/* Client credentials grant, v1 (resource) and v2.0 (scope). */
#include "edgetoken/et_client.h"

#include "edgetoken/et_form.h"

#if CONFIG_ET_FLOW_CLIENT_CREDENTIALS

typedef struct cc_args {
  et_endpoint ep;
  et_str target;
} cc_args;

static et_err cc_fields(const void *arg, et_buf *b) {
  const cc_args *a = (const cc_args *)arg;
  et_form_append(b, a->ep == ET_ENDPOINT_V1 ? "resource" : "scope", a->target);
  return ET_OK;
}

et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_oauth_error *err) {
  cc_args a = { ep, scope_or_resource };
  /* No side effect on the server: safe to resend. */
  et_grant g = { "client_credentials", ep, cc_fields, &a, true, true };
  if (app == NULL || w == NULL || scope_or_resource.n == 0 ||
      (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return ET_E_ARG;
  if (app->cred.kind == ET_CRED_NONE) {
    w->why = ET_TEXT("client credentials need a client secret or certificate");
    return ET_E_ARG;
  }
  return et_token_request(port, app, &g, w, tok, err);
}
#else
et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_oauth_error *err) {
  (void)port, (void)app, (void)ep, (void)scope_or_resource, (void)tok, (void)err;
  if (w != NULL)
    w->why = ET_TEXT("client credentials are disabled (CONFIG_ET_FLOW_CLIENT_CREDENTIALS)");
  return ET_E_DISABLED;
}
#endif
