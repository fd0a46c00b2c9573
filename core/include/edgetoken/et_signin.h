/* SPDX-License-Identifier: MIT */
/* User sign-in: the authorization code grant with PKCE (RFC 6749 §4.1,
 * RFC 7636) against Entra ID's v2.0 endpoints, and refresh tokens.
 *
 *   1. et_signin_begin: fresh state + PKCE verifier/challenge (port CSPRNG).
 *   2. et_authorize_url: the URL the user opens in a browser.
 *   3. The browser comes back to the redirect URI
 *      (http://localhost:8080/?code=...&state=...): a loopback listener or
 *      the user pastes it. et_redirect_parse + et_redirect_check turn it
 *      into a code, refusing a foreign state (CSRF) and surfacing
 *      error=access_denied and friends.
 *   4. et_redeem_code: code + verifier -> access, refresh and id tokens.
 *   5. et_refresh later, with the refresh token kept through et_store.h.
 *
 * Scope for ADME: "<adme-client-id>/.default openid profile offline_access"
 * (offline_access brings the refresh token, openid the id_token);
 * et_signin_scope writes it.
 *
 * Memory: everything lives in caller buffers; token results point into
 * w->buf as for every flow (valid until the next call with the same
 * et_work). The code, the verifier and refresh tokens are secrets: they go
 * only into request bodies (redacted in logs) and callers et_wipe them. */
#ifndef EDGETOKEN_ET_SIGNIN_H
#define EDGETOKEN_ET_SIGNIN_H

#include "et_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 7636 §4.1: the verifier is 43..128 characters. */
#define ET_PKCE_VERIFIER_MIN 43
#define ET_PKCE_VERIFIER_MAX 128
#define ET_PKCE_VERIFIER_DEFAULT 43
/* base64url of a SHA-256 digest, no padding. */
#define ET_PKCE_CHALLENGE_LEN 43
/* Characters of the state et_signin_begin makes (6 random bits each). */
#define ET_STATE_LEN 32
/* Longest decoded value et_redirect_parse accepts (Entra's codes are about
 * 1-2 KB; error descriptions a few hundred bytes). */
#define ET_REDIRECT_VALUE_MAX 4096

/* ---- state and PKCE ------------------------------------------------- */

/* Write n characters drawn uniformly from the base64url alphabet
 * [A-Za-z0-9-_] (a subset of the PKCE and URL unreserved set) into out,
 * followed by a NUL (out needs n + 1 bytes). Randomness from port->random
 * only. Errors: ET_E_ARG (NULL), ET_E_RANDOM (or the port's error). */
ET_NODISCARD et_err et_random_text(const et_port *port, char *out, size_t n);

/* A PKCE verifier of len characters (0: ET_PKCE_VERIFIER_DEFAULT), NUL
 * terminated (out needs len + 1 bytes). ET_E_ARG when len is outside
 * 43..128; otherwise as et_random_text. */
ET_NODISCARD et_err et_pkce_verifier(const et_port *port, size_t len, char *out);

/* challenge = base64url(SHA-256(verifier)) without padding, through
 * port->sha256; out receives ET_PKCE_CHALLENGE_LEN characters and a NUL.
 * ET_E_ARG when the verifier is not 43..128 characters of
 * [A-Za-z0-9-._~]; ET_E_DISABLED when port->sha256 is NULL; the port's
 * error (e.g. ET_E_CRYPTO) when hashing fails. */
ET_NODISCARD et_err et_pkce_challenge(const et_port *port, et_str verifier,
                                      char out[ET_PKCE_CHALLENGE_LEN + 1]);

/* What one sign-in must remember between the authorize URL and the code
 * redemption. NUL-terminated texts. The verifier is a secret: et_wipe the
 * struct when done. */
typedef struct et_signin {
  char state[ET_STATE_LEN + 1];
  char verifier[ET_PKCE_VERIFIER_MAX + 1];
  size_t verifier_len;
  char challenge[ET_PKCE_CHALLENGE_LEN + 1];
} et_signin;

/* Fill s with a fresh state, a verifier of verifier_len characters (0:
 * default 43) and its challenge. Errors: as et_pkce_verifier and
 * et_pkce_challenge (ET_E_DISABLED without port->sha256 or with
 * CONFIG_ET_FLOW_AUTH_CODE off). On failure s is wiped. */
ET_NODISCARD et_err et_signin_begin(const et_port *port, size_t verifier_len, et_signin *s);

/* Spans over s's texts, for et_authorize_params / et_code_grant /
 * et_redirect_check. */
et_str et_signin_state(const et_signin *s);
et_str et_signin_verifier(const et_signin *s);
et_str et_signin_challenge(const et_signin *s);

/* ---- authorize URL -------------------------------------------------- */

typedef struct et_authorize_params {
  et_str redirect_uri;   /* required, exactly as registered ("http://localhost:8080") */
  et_str scope;          /* required, space separated */
  et_str state;          /* required */
  et_str code_challenge; /* S256 challenge; empty: no PKCE (not recommended) */
  et_str prompt;         /* optional: login, consent, select_account, none */
  et_str login_hint;     /* optional: user@contoso.com */
  et_str domain_hint;    /* optional: contoso.com, consumers, organizations */
  bool sso_reload;       /* adds sso_reload=true (ADME's page does) */
} et_authorize_params;

/* Append to out:
 *   https://{host}[:{port}]{prefix}/{tenant}/oauth2/v2.0/authorize
 *     ?client_id=..&response_type=code&redirect_uri=..&response_mode=query
 *     &scope=..&state=..[&code_challenge=..&code_challenge_method=S256]
 *     [&prompt=..][&login_hint=..][&domain_hint=..][&sso_reload=true]
 * Authority and tenant from app (empty authority: login.microsoftonline.com;
 * the port is written only when not 443; IPv6 hosts in brackets). Every
 * value is percent-encoded with et_form_encode (space as %20). No NUL is
 * written (add one with et_buf_put_char if needed). app->cred is not used:
 * a URL never carries secrets. About 250 bytes plus the encoded values.
 * Errors: ET_E_URL (authority), ET_E_ARG (tenant, empty client id,
 * redirect_uri, scope or state, NULL), ET_E_NOSPACE (out too small; sticky
 * in out as for every et_buf), ET_E_DISABLED (CONFIG_ET_FLOW_AUTH_CODE off). */
ET_NODISCARD et_err et_authorize_url(const et_app *app, const et_authorize_params *p,
                                     et_buf *out);

/* Append "<resource_client_id>/.default openid profile offline_access":
 * the scope of a sign-in for ADME (the resource's token plus a refresh
 * token and an id_token). ET_E_ARG when empty; ET_E_NOSPACE. */
ET_NODISCARD et_err et_signin_scope(et_buf *out, et_str resource_client_id);

/* ---- redirect -------------------------------------------------------- */

/* The parameters of the redirect, decoded. Spans point into the scratch
 * buffer given to et_redirect_parse; absent parameters are ET_STR_NULL
 * (p == NULL). error_description may hold CR/LF (Entra appends
 * "\r\nTrace ID: ..."): sanitize before printing to a terminal. */
typedef struct et_redirect {
  et_str code;             /* secret: never log it */
  et_str state;
  et_str session_state;
  et_str error;
  et_str error_description;
  et_str error_uri;
} et_redirect;

/* Parse what came back from the browser. input is one of:
 *   - a full URL:  "http://localhost:8080/?code=..&state=..&session_state=.."
 *   - a request target (what a listener reads after "GET "): "/?code=..&state=.."
 *   - a query:     "?code=..&state=.." or "code=..&state=.."
 * Leading and trailing ASCII whitespace (a paste's newline) is ignored.
 * A fragment ("#..." and everything after it) is ignored: with
 * response_mode=query Entra puts nothing there, and a code in a fragment
 * is therefore not found (ET_E_INPUT). Names and values are decoded as a
 * query: %XX (either case) and '+' as a space.
 *
 * Values are decoded into scratch[0..cap), which may be input.p itself
 * (in place; the text is then overwritten) or a separate buffer; no other
 * overlap is allowed. cap >= input.n is always enough. Unknown parameters
 * (client_info, iss, ...) are checked for syntax and skipped.
 *
 * When expected_redirect_uri is non-empty and input is a full URL, its
 * scheme, host (both case-insensitive), port (default 80/443) and path ("" is
 * "/") must equal the expected URI's; for a request target only the path is
 * compared; a bare query is not checked (nothing to compare).
 *
 * This only parses; et_redirect_check decides whether it is ours.
 * Errors (out is zeroed):
 *   ET_E_INPUT the input is malformed or hostile (it comes from outside the
 *              program): empty; no query; a raw NUL, control byte or %00; a
 *              bad %-escape; a known parameter given twice (a second code or
 *              state could be an injection); a value longer than
 *              ET_REDIRECT_VALUE_MAX; neither a non-empty code nor a
 *              non-empty error
 *   ET_E_URL   not to the expected redirect URI, or that URI is malformed
 *   ET_E_NOSPACE scratch too small
 *   ET_E_ARG   the caller's mistake: input.p, scratch or out NULL */
ET_NODISCARD et_err et_redirect_parse(et_str input, char *scratch, size_t cap,
                                      et_str expected_redirect_uri, et_redirect *out);

/* Decide on a parsed redirect, in this order:
 *   ET_E_ARG             expected_state empty, or r NULL (caller's mistake)
 *   ET_E_STATE_MISMATCH  state absent or not equal to expected_state
 *                        (compared in constant time): possible CSRF; an
 *                        error redirect with a foreign state lands here too
 *   ET_E_DECLINED        error=access_denied (the user said no)
 *   ET_E_OAUTH           any other error=...
 *   ET_E_INPUT           no code (hostile or broken input)
 *   ET_OK                r->code is the authorization code to redeem
 * For ET_E_DECLINED and ET_E_OAUTH, *err (if non-NULL) is zeroed and
 * receives error, error_description and error_uri (spans into the same
 * scratch buffer) and the AADSTS number that starts the description, if
 * any, as error_codes[0]. */
ET_NODISCARD et_err et_redirect_check(const et_redirect *r, et_str expected_state,
                                      et_oauth_error *err);

/* ---- token requests --------------------------------------------------- */

typedef struct et_code_grant {
  et_str code;           /* from et_redirect_check; secret */
  et_str redirect_uri;   /* the same as in the authorize URL */
  et_str code_verifier;  /* secret; empty only if the URL had no challenge */
  et_str scope;          /* required */
} et_code_grant;

/* Redeem an authorization code on {authority}/{tenant}/oauth2/v2.0/token:
 *   grant_type=authorization_code&client_id&scope&code&redirect_uri
 *   [&code_verifier][&client_secret or &client_assertion_type&client_assertion]
 * The code and the verifier are written with et_form_append_secret. The
 * app's credential is sent when app->cred has one (Web
 * apps, ADME's default: a secret or a certificate); a public client
 * (ET_CRED_NONE) sends none.
 * A code is single-use, so the request is NOT replayable (et_retry_decide):
 * it is retried only when the connection failed before anything was sent.
 * Once sent, its first answer is final: a 5xx is ET_E_SERVER, a 429
 * or 503 with Retry-After ET_E_THROTTLED (sign in again; a resent code
 * could only end in invalid_grant AADSTS54005).
 * On ET_OK *tok has access_token, refresh_token (with offline_access) and
 * id_token (with openid), pointing into w->buf.
 * Errors: as et_client_credentials, and
 *   ET_E_EXPIRED   invalid_grant with AADSTS70008 (code older than ~10
 *                  minutes): res->oauth filled; sign in again
 *   ET_E_OAUTH     other OAuth errors (54005 code already redeemed,
 *                  501481 verifier mismatch, 50011 redirect URI mismatch,
 *                  7000218 secret missing...), res->oauth filled
 *   ET_E_ARG       empty code, redirect_uri or scope; NULL
 *   ET_E_DISABLED  CONFIG_ET_FLOW_AUTH_CODE off */
ET_NODISCARD et_err et_redeem_code(const et_port *port, const et_app *app,
                                   const et_code_grant *g, et_work *w, et_token *tok,
                                   et_result *res);

/* Trade a refresh token for new tokens on /{tenant}/oauth2/v2.0/token.
 * Compiled in every flavour, CONFIG_ET_FLOW_AUTH_CODE off included: device
 * code sign-ins (et_device_login) bring refresh tokens too. The form:
 *   grant_type=refresh_token&client_id&refresh_token&scope
 *   [&client_secret or &client_assertion_type&client_assertion]
 * refresh_token is written with et_form_append_secret; it must not point
 * into w->buf[0..w->cap) (the request is built there).
 *
 * Rotation: Entra returns a new refresh token on every use. Store
 * tok->refresh_token in place of the old one; when a response has none
 * (tok->refresh_token.n == 0), keep the old one. et_refresh_stored
 * (et_store.h) does this.
 *
 * Replayable (et_retry_decide): Entra keeps a refresh token valid after it
 * issued the next one, so a transport failure after sending and 5xx/429
 * answers are retried like client credentials.
 * Errors: as et_client_credentials, and
 *   ET_E_SIGNIN_REQUIRED  the server answered invalid_grant (AADSTS700082
 *                  inactive 90 days, 50173 revoked, 70008 expired, 54005
 *                  already used, 50076 MFA needed, 65001 consent...):
 *                  this refresh token will not work again. res->oauth stays
 *                  filled so the caller can tell the user why.
 *   ET_E_OAUTH     other OAuth errors (invalid_client: a secret problem,
 *                  not a dead token), res->oauth filled
 *   network, TLS, 5xx (ET_E_SERVER), ET_E_THROTTLED...: returned as
 *                  they are: transient, the token is NOT dead
 *   ET_E_ARG       empty refresh token or scope; NULL */
ET_NODISCARD et_err et_refresh(const et_port *port, const et_app *app,
                               et_str refresh_token, et_str scope, et_work *w,
                               et_token *tok, et_result *res);

#ifdef __cplusplus
}
#endif

#endif
