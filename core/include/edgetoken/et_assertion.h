/* Client assertions (RFC 7523 §2.2, Entra "certificate credentials"): a
 * JWT signed through the port's sign hook, so the private key may stay in
 * a secure element, TPM or HSM. */
#ifndef EDGETOKEN_ET_ASSERTION_H
#define EDGETOKEN_ET_ASSERTION_H

#include "et_client.h"

/* Lifetime of an assertion (exp - iat). Entra accepts longer ones; a short
 * one limits what a captured request is worth. */
#define ET_ASSERTION_LIFETIME_S 600

/* Largest signature the port may return: RSA-4096 (512 bytes). Held on the
 * stack while it is encoded into the body. */
#define ET_ASSERTION_SIG_MAX 512

#define ET_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Append "client_assertion_type=...&client_assertion=<JWT>" to a form body
 * for app->cred (ET_CRED_CERTIFICATE). token_path is the endpoint the body
 * is POSTed to ("/oauth2/v2.0/token" or "/oauth2/token"): aud becomes
 * https://{host}[:{port}]{prefix}/{tenant}{token_path}, the URL exactly as
 * posted. iss = sub = client_id, jti = a random GUID (v4), nbf = iat = now
 * (port->unix_s), exp = now + ET_ASSERTION_LIFETIME_S. Header: alg, typ,
 * and "x5t#S256" (PS256, ES256) or "x5t" (RS256, SHA-1) from cred.
 *
 * The JWT is written straight into b: header and claims are encoded in
 * place, that region is hashed with port->sha256 and signed with
 * port->sign, and the signature is appended. A buffer in redact mode gets
 * "client_assertion=***" and nothing is signed.
 * Errors: ET_E_DISABLED (no sign, sha256, random or unix_s hook),
 * ET_E_ARG (not a certificate credential, bad authority or tenant, or the
 * signature is empty or longer than ET_ASSERTION_SIG_MAX), ET_E_NOSPACE
 * (b is full), the port's errors from random, sha256 and sign. */
et_err et_assertion_append(et_buf *b, const et_port *port, const et_app *app,
                           const char *token_path);

#endif
