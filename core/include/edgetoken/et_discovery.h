/* SPDX-License-Identifier: MIT */
/* OpenID Connect Discovery 1.0 / RFC 8414: where a provider's endpoints
 * are and what it supports, from {issuer}/.well-known/openid-configuration.
 * A sans-I/O engine fetches it (GET, no credential) and a pure decoder
 * reads it, so a cached copy decodes the same way. */
#ifndef EDGETOKEN_ET_DISCOVERY_H
#define EDGETOKEN_ET_DISCOVERY_H

#include "et_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ET_WELL_KNOWN_OIDC "/.well-known/openid-configuration"

/* Bits of et_provider's lists. ET_META_LISTED is set when the document has
 * the member at all: without it nothing is known, and nothing is refused
 * (Entra's document lists neither grant types nor PKCE methods). */
enum {
  ET_META_LISTED = 0x8000u,
  /* token_endpoint_auth_methods_supported */
  ET_AUTHM_POST = 1u << 0,       /* client_secret_post */
  ET_AUTHM_BASIC = 1u << 1,      /* client_secret_basic */
  ET_AUTHM_JWT = 1u << 2,        /* private_key_jwt */
  ET_AUTHM_NONE = 1u << 3,       /* none (public clients) */
  ET_AUTHM_SECRET_JWT = 1u << 4, /* client_secret_jwt (not implemented here) */
  ET_AUTHM_TLS = 1u << 5,        /* tls_client_auth, self_signed_tls_client_auth
                                    (RFC 8705; not implemented here) */
  /* code_challenge_methods_supported */
  ET_PKCEM_S256 = 1u << 0,
  ET_PKCEM_PLAIN = 1u << 1,
  /* grant_types_supported */
  ET_GRANT_CODE = 1u << 0,       /* authorization_code */
  ET_GRANT_REFRESH = 1u << 1,    /* refresh_token */
  ET_GRANT_CC = 1u << 2,         /* client_credentials */
  ET_GRANT_DEVICE = 1u << 3,     /* urn:ietf:params:oauth:grant-type:device_code */
  /* token_endpoint_auth_signing_alg_values_supported */
  ET_ALG_RS256 = 1u << 0,
  ET_ALG_PS256 = 1u << 1,
  ET_ALG_ES256 = 1u << 2
};

/* A provider's metadata: spans into the decoded document (the workspace,
 * or the caller's copy of it). URLs are checked to be https and to parse
 * as et_app endpoints (no query); device_authorization_endpoint may be
 * absent (empty). */
typedef struct et_provider {
  et_str issuer;
  et_str token_endpoint;
  et_str authorization_endpoint;
  et_str device_authorization_endpoint;
  uint16_t auth_methods;  /* ET_AUTHM_*, | ET_META_LISTED when listed */
  uint16_t pkce_methods;  /* ET_PKCEM_* */
  uint16_t grant_types;   /* ET_GRANT_* */
  uint16_t auth_algs;     /* ET_ALG_* */
} et_provider;

/* True unless the document lists the member and bit is not in it. */
static inline bool et_provider_allows(uint16_t list, uint16_t bit) {
  return !(list & ET_META_LISTED) || (list & bit) != 0;
}

/* Decode a discovery document at body[0..len) (unescaped in place) with
 * tok[0..ntok). issuer: the one asked for; the document's "issuer" must
 * equal it byte for byte (OpenID Connect Discovery §4.3: a document for
 * another issuer could send tokens elsewhere). Required: issuer,
 * token_endpoint, authorization_endpoint. *why (may be NULL) names the
 * member at fault. Errors: ET_E_JSON_SYNTAX, ET_E_JSON_TOKENS,
 * ET_E_JSON_FIELD (missing, not a string, issuer mismatch, an endpoint
 * that is not an https URL et_app takes). */
ET_NODISCARD et_err et_discovery_decode(char *body, size_t len, jsmntok_t *tok, size_t ntok,
                                        et_str issuer, et_provider *out, const char **why);

/* The discovery request: GET {issuer}/.well-known/openid-configuration
 * (a trailing '/' of the issuer dropped first). On DONE, e->provider
 * (spans into w->buf); with raw set (before the first step), the
 * document as it came is copied to raw[0..raw_len) before it is decoded
 * (raw_len 0 when it does not fit raw_cap), for a cache. Safe to resend.
 * The engine borrows issuer until done. timeout_ms: per attempt, 0 for
 * CONFIG_ET_TIMEOUT_MS. */
typedef struct et_discovery_engine {
  et_engine base;           /* first */
  et_app app;               /* the engine's own: token_endpoint = issuer */
  et_str issuer;
  et_provider provider;
  char *raw;
  size_t raw_cap;
  size_t raw_len;
} et_discovery_engine;

ET_NODISCARD et_err et_discovery_begin(et_discovery_engine *e, et_str issuer,
                                       uint32_t timeout_ms, et_work *w,
                                       const et_engine_in *in);

/* Blocking: et_discovery_begin driven through the port. *out is filled on
 * ET_OK (spans into w->buf). When raw is not NULL, the document as it
 * came is copied there first (raw_cap bytes; *raw_len gets its length,
 * 0 when it did not fit) for a cache: decode it later with
 * et_discovery_decode. *res (may be NULL) as for the token flows, with
 * the URL. Errors: as the token flows (ET_E_HTTP_STATUS for a 404...),
 * and et_discovery_decode's. */
ET_NODISCARD et_err et_discover(const et_port *port, et_str issuer, uint32_t timeout_ms,
                                et_work *w, et_provider *out, char *raw, size_t raw_cap,
                                size_t *raw_len, et_result *res);

#ifdef __cplusplus
}
#endif

#endif
