/* SPDX-License-Identifier: MIT */
/* Token flows against Entra ID, on top of the port. Every call here uses
 * only the caller's et_work for memory; the results (et_token, the OAuth
 * error in et_result) point into w->buf and stay valid until the next call that
 * uses the same workspace. w->buf holds tokens afterwards: et_wipe it when
 * they are no longer needed. */
#ifndef EDGETOKEN_ET_CLIENT_H
#define EDGETOKEN_ET_CLIENT_H

#include "et_config.h"
#include "et_result.h"
#include "et_token.h"
#include "et_url.h"
#include "et_work.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* How a client secret travels to the token endpoint (RFC 6749 §2.3.1). A
 * certificate credential is always a client assertion in the form
 * (private_key_jwt). */
typedef enum et_client_auth {
  ET_AUTH_POST = 0,  /* client_secret_post: client_id and client_secret in
                        the form (Entra's usual way) */
  ET_AUTH_BASIC = 1  /* client_secret_basic: "Authorization: Basic
                        base64(formenc(id):formenc(secret))"; the form then
                        carries no client_id and no secret */
} et_client_auth;

/* Who we are and where we ask. */
typedef struct et_app {
  et_str authority;   /* empty: ET_DEFAULT_AUTHORITY; any https://host[:port][/prefix] */
  et_str tenant;      /* GUID, domain, or "organizations"/"common" */
  et_str client_id;
  et_cred cred;
  uint32_t timeout_ms;/* per attempt (connect, TLS, send and receive
                         together); 0: CONFIG_ET_TIMEOUT_MS */
  /* Any OAuth 2.0 / OpenID Connect provider: full https URLs
   * ("https://host[:port][/path]", parsed like an authority: no query, no
   * fragment, trailing '/' dropped), e.g. from et_discover. Empty: Entra's
   * layout, {authority}/{tenant}/oauth2[/v2.0]/{token|authorize|devicecode}
   * (then the tenant is required; with an explicit URL it is not used). */
  et_str token_endpoint;
  et_str authorize_endpoint;
  et_str device_endpoint;      /* RFC 8628 device authorization endpoint */
  et_client_auth client_auth;  /* for ET_CRED_SECRET */
  /* The client assertion's aud: empty for the token endpoint's URL (what
   * Entra and RFC 7523 expect); the issuer for providers that want it. */
  et_str assertion_aud;
  uint32_t deadline_ms;/* the whole blocking call (every attempt and every
                         wait between them, et_drive) ends ET_E_TIMEOUT
                         this long after it started; 0: no overall bound
                         (attempts and retries bound it). A device code
                         poll waits for a person: give it 0 or more than
                         the code's lifetime */
} et_app;

/* Client credentials grant (service principal).
 *   v1:   resource = scope_or_resource (e.g. the ADME app's client id)
 *   v2.0: scope    = scope_or_resource (e.g. "<client-id>/.default")
 * POST {authority}/{tenant}/oauth2[/v2.0]/token with grant_type, client_id,
 * scope or resource and the app's credential (client_secret, or a client
 * assertion whose aud is that URL). Safe to resend: retried by
 * et_retry_decide. On ET_OK *tok is filled (spans into w->buf).
 * *res (may be NULL) receives the outcome: the OAuth error for ET_E_OAUTH,
 * the HTTP status, Retry-After, a reason and the port's detail.
 * Needs w->cap to hold the request (about 300 bytes plus the encoded
 * fields, 2 KB more with a client assertion) and the whole response body.
 * Errors: ET_E_ARG (NULL, empty scope, public client), ET_E_OAUTH,
 * ET_E_THROTTLED, ET_E_SERVER, ET_E_HTTP_STATUS, ET_E_RESPONSE_TOO_LARGE,
 * the port's and the decoder's errors (et_err.h). */
ET_NODISCARD et_err et_client_credentials(const et_port *port, const et_app *app,
                                          et_endpoint ep, et_str scope_or_resource,
                                          et_work *w, et_token *tok, et_result *res);

#ifdef __cplusplus
}
#endif

#endif
