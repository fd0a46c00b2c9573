/* SPDX-License-Identifier: MIT */
/* Who signed in: the claims of an OpenID Connect id_token.
 *
 * !!! NO SIGNATURE CHECK. !!!
 * This only decodes the payload of the JWT. It does not verify the
 * signature, the issuer, the audience or the expiry, so the claims are
 * exactly as trustworthy as the channel the token came through: fine for
 * showing "signed in as alice@contoso.com" after a TLS token response from
 * the authority, NEVER for an authorization decision about a token that
 * arrived from anywhere else. */
#ifndef EDGETOKEN_ET_ID_TOKEN_H
#define EDGETOKEN_ET_ID_TOKEN_H

#include "et_token.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_id_claims {
  et_str name;               /* display name */
  et_str preferred_username; /* usually the UPN or e-mail */
  et_str upn;                /* v1 tokens, some v2 tokens */
  et_str email;              /* optional claim */
  et_str oid;                /* the user's object id in the tenant */
  et_str tid;                /* the tenant id */
  int64_t iat;               /* unix seconds, ET_ABSENT if missing */
  int64_t exp;               /* unix seconds, ET_ABSENT if missing */
} et_id_claims;

/* Decode the payload of id_token ("header.payload.signature", base64url)
 * into scratch[0..cap) and read the claims above with tok[0..ntok) (about
 * 2 tokens per claim; 64 is plenty for Entra's id tokens). Absent claims
 * are ET_STR_NULL; spans point into scratch. The payload is at most 3/4 of
 * the token's length, so cap >= id_token.n is always enough.
 * Errors (out zeroed):
 *   ET_E_ARG          not three dot-separated parts with a non-empty
 *                     header and payload (the signature part may be
 *                     empty), or the payload is not base64url; NULL
 *   ET_E_NOSPACE      scratch too small
 *   ET_E_JSON_SYNTAX  the payload is not a JSON object
 *   ET_E_JSON_TOKENS  ntok too small
 *   ET_E_JSON_FIELD   a claim above has the wrong type (e.g. "oid": 5) */
ET_NODISCARD et_err et_id_token_claims(et_str id_token, char *scratch, size_t cap,
                                       jsmntok_t *tok, size_t ntok, et_id_claims *out);

/* The best name to show for the user: preferred_username, else upn, else
 * email, else name; ET_STR_NULL when none. */
et_str et_id_claims_user(const et_id_claims *c);

#ifdef __cplusplus
}
#endif

#endif
