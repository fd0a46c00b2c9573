/* Token flows against Entra ID, on top of the port. Every call here uses
 * only the caller's et_work for memory; the results (et_token,
 * et_oauth_error) point into w->buf and stay valid until the next call that
 * uses the same workspace. w->buf holds tokens afterwards: et_wipe it when
 * they are no longer needed. */
#ifndef EDGETOKEN_ET_CLIENT_H
#define EDGETOKEN_ET_CLIENT_H

#include "et_config.h"
#include "et_exchange.h"
#include "et_token.h"
#include "et_url.h"

typedef enum et_endpoint {
  ET_ENDPOINT_V2 = 0, /* /{tenant}/oauth2/v2.0/token with scope */
  ET_ENDPOINT_V1 = 1  /* /{tenant}/oauth2/token with resource */
} et_endpoint;

typedef enum et_cred_kind {
  ET_CRED_NONE = 0,   /* public client: sends no credential */
  ET_CRED_SECRET = 1, /* client_secret */
  ET_CRED_CERTIFICATE = 2 /* client_assertion signed by port->sign (et_assertion.h) */
} et_cred_kind;

typedef struct et_cred {
  et_cred_kind kind;
  et_str secret;      /* borrowed; the caller owns and wipes it */
  /* ET_CRED_CERTIFICATE: the algorithm port->sign uses (PS256 is Entra's
   * recommendation) and thumbprints of the certificate's DER: SHA-256 for
   * PS256/ES256 ("x5t#S256"), SHA-1 for RS256 ("x5t"). */
  et_sig_alg alg;
  uint8_t x5t_s256[32];
  uint8_t x5t_sha1[20];
} et_cred;

/* Who we are and where we ask. */
typedef struct et_app {
  et_str authority;   /* empty: ET_DEFAULT_AUTHORITY; any https://host[:port][/prefix] */
  et_str tenant;      /* GUID, domain, or "organizations"/"common" */
  et_str client_id;
  et_cred cred;
  uint32_t timeout_ms;/* per network step; 0: CONFIG_ET_TIMEOUT_MS */
} et_app;

/* Client credentials grant (service principal).
 *   v1:   resource = scope_or_resource (e.g. the ADME app's client id)
 *   v2.0: scope    = scope_or_resource (e.g. "<client-id>/.default")
 * On ET_OK *tok is filled. On ET_E_OAUTH, *err (if non-NULL) holds Entra's
 * error (also filled with the HTTP status for ET_E_HTTP_STATUS and
 * ET_E_THROTTLED). Other errors: see et_err.h; w->why adds detail.
 * Needs w->cap to hold the request (about 300 bytes plus the encoded
 * fields) and the whole response body: ET_E_RESPONSE_TOO_LARGE otherwise. */
et_err et_client_credentials(const et_port *port, const et_app *app,
                             et_endpoint ep, et_str scope_or_resource,
                             et_work *w, et_token *tok, et_oauth_error *err);

/* Building blocks for flows. */

/* Append the app's client credential to a token request body
 * (client_secret, or a client assertion whose aud is the URL of
 * token_path; redacted in logs). ET_E_ARG for a public client when
 * required is true. */
et_err et_cred_append(et_buf *b, const et_port *port, const et_app *app,
                      const char *token_path, bool required);

/* POST a form to {authority}/{tenant}{endpoint_path} and classify the
 * answer: ET_OK with the 2xx body in rs->body; ET_E_OAUTH with *err filled
 * from Entra's JSON error; ET_E_HTTP_STATUS for another non-2xx answer;
 * ET_E_THROTTLED when asked to wait longer than we do. */
et_err et_authority_post(const et_port *port, const et_app *app,
                         const char *endpoint_path, et_body_fn body,
                         const void *body_arg, bool replayable, et_work *w,
                         et_response *rs, et_oauth_error *err);

/* One grant to the token endpoint. Its form is grant_type, client_id, the
 * grant's own fields, then the app's credential (et_cred_append), whose
 * assertion audience is the token URL the request goes to. */
typedef struct et_grant {
  const char *type;     /* grant_type */
  et_endpoint ep;       /* /oauth2/token (v1) or /oauth2/v2.0/token */
  et_body_fn fields;    /* appends the grant's own fields */
  const void *arg;      /* for fields */
  bool cred_required;   /* a public client (ET_CRED_NONE) is ET_E_ARG */
  bool replayable;      /* et_request.replayable: see et_exchange */
} et_grant;

/* et_authority_post of the grant's form, then et_token_decode of the 2xx
 * body. */
et_err et_token_request(const et_port *port, const et_app *app,
                        const et_grant *g, et_work *w, et_token *tok,
                        et_oauth_error *err);

#endif
