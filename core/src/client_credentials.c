/* Client credentials grant, v1 (resource) and v2.0 (scope). */
#include "edgetoken/et_client.h"

#include "edgetoken/et_form.h"

#if CONFIG_ET_FLOW_CLIENT_CREDENTIALS

typedef struct cc_args {
  const et_port *port;
  const et_app *app;
  et_endpoint ep;
  et_str target;
} cc_args;

static et_err cc_body(const void *arg, et_buf *b) {
  const cc_args *a = (const cc_args *)arg;
  et_form_append(b, "grant_type", ET_STR("client_credentials"));
  et_form_append(b, "client_id", a->app->client_id);
  et_form_append(b, a->ep == ET_ENDPOINT_V1 ? "resource" : "scope", a->target);
  return et_cred_append(b, a->port, a->app,
                        a->ep == ET_ENDPOINT_V1 ? "/oauth2/token" : "/oauth2/v2.0/token", true);
}

et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_oauth_error *err) {
  cc_args a;
  if (app == NULL || w == NULL || scope_or_resource.n == 0 ||
      (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return ET_E_ARG;
  if (app->cred.kind == ET_CRED_NONE) {
    w->why = "client credentials need a client secret or certificate";
    return ET_E_ARG;
  }
  a.port = port;
  a.app = app;
  a.ep = ep;
  a.target = scope_or_resource;
  /* A client credentials grant has no side effect: safe to resend. */
  return et_token_request(port, app,
                          ep == ET_ENDPOINT_V1 ? "/oauth2/token" : "/oauth2/v2.0/token",
                          cc_body, &a, true, w, tok, err);
}
#else
et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_oauth_error *err) {
  (void)port, (void)app, (void)ep, (void)scope_or_resource, (void)tok, (void)err;
  if (w != NULL)
    w->why = "client credentials are disabled (CONFIG_ET_FLOW_CLIENT_CREDENTIALS)";
  return ET_E_DISABLED;
}
#endif
