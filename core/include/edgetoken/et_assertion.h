/* SPDX-License-Identifier: MIT */
/* Client assertions (RFC 7523 §2.2, Entra "certificate credentials"): a
 * JWT signed through the port's sign hook, so the private key may stay in
 * a secure element, TPM or HSM. */
#ifndef EDGETOKEN_ET_ASSERTION_H
#define EDGETOKEN_ET_ASSERTION_H

#include "et_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lifetime of an assertion (exp - iat). Entra accepts longer ones; a short
 * one limits what a captured request is worth. */
#define ET_ASSERTION_LIFETIME_S 600

/* Largest signature the port may return: RSA-4096 (512 bytes). The engine
 * lends the signer the end of the workspace for it. */
#define ET_ASSERTION_SIG_MAX 512

#define ET_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Append "client_assertion_type=...&client_assertion=<header>.<claims>"
 * to a form body for cred (ET_CRED_CERTIFICATE): the JWT up to its
 * signature. The caller signs b->p[*sign_start..b->len) (SHA-256, then
 * cred->alg: the engine's SIGN step) and appends the signature with
 * et_assertion_finish. aud is the token endpoint URL exactly as posted,
 * https://{to->host}[:{to->port}]{path}; iss = sub = client_id; jti = the
 * GUID (v4) made from the 16 bytes jti; nbf = iat = now_s, exp = now_s +
 * ET_ASSERTION_LIFETIME_S. Header: alg, typ, and "x5t#S256" (PS256, ES256)
 * or "x5t" (RS256, SHA-1) from cred. Nothing here signs, hashes or draws
 * random numbers. A buffer in redact mode gets "client_assertion=***" and
 * *sign_start = b->len (nothing to sign).
 * Errors: ET_E_ARG (not a certificate credential, an unknown alg, host or
 * path with characters a JSON string would need to escape), ET_E_NOSPACE
 * (b is full; sticky in b), ET_E_DISABLED (CONFIG_ET_CRED_CERTIFICATE off). */
ET_NODISCARD et_err et_assertion_begin(et_buf *b, const et_cred *cred, et_str client_id,
                                       const et_authority *to, et_str path, int64_t now_s,
                                       const uint8_t jti[16], size_t *sign_start);

/* et_assertion_begin with aud given whole (a provider that wants its
 * issuer as the audience): it must hold no '"', '\\' or control byte. */
ET_NODISCARD et_err et_assertion_begin_aud(et_buf *b, const et_cred *cred, et_str client_id,
                                           et_str aud, int64_t now_s, const uint8_t jti[16],
                                           size_t *sign_start);

/* Append "." and base64url(sig[0..n)): the JWT is complete. ET_E_ARG when n
 * is 0 or over ET_ASSERTION_SIG_MAX; ET_E_NOSPACE. */
ET_NODISCARD et_err et_assertion_finish(et_buf *b, const uint8_t *sig, size_t n);

#ifdef __cplusplus
}
#endif

#endif
