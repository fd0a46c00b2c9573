/* The client's proof of identity in a token request body. */
#include "edgetoken/et_client.h"

#include "edgetoken/et_assertion.h"
#include "edgetoken/et_form.h"

et_err et_cred_append(et_buf *b, const et_port *port, const et_app *app,
                      const char *token_path, bool required) {
  switch (app->cred.kind) {
  case ET_CRED_SECRET:
    if (app->cred.secret.n == 0)
      return ET_E_ARG;
    et_form_append_secret(b, "client_secret", app->cred.secret);
    return ET_OK;
  case ET_CRED_CERTIFICATE:
    return et_assertion_append(b, port, app, token_path);
  case ET_CRED_NONE:
    return required ? ET_E_ARG : ET_OK;
  }
  return ET_E_ARG;
}
