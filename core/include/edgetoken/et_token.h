/* SPDX-License-Identifier: MIT */
/* Token endpoint responses: the token and Entra's OAuth error. Spans point
 * into the response buffer they were decoded from: valid until that buffer
 * is reused (for the client API: the next call with the same et_work). */
#ifndef EDGETOKEN_ET_TOKEN_H
#define EDGETOKEN_ET_TOKEN_H

#include "et_config.h"
#include "et_json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ET_ABSENT (-1)

typedef struct et_token {
  et_str access_token;
  et_str token_type;       /* "Bearer" */
  et_str refresh_token;    /* empty when not issued */
  et_str id_token;
  et_str scope;
  et_str resource;         /* v1 only */
  /* Numbers: v1 sends strings, v2.0 numbers; both decode here.
   * ET_ABSENT when the field is not present. */
  int64_t expires_in;
  int64_t ext_expires_in;
  int64_t expires_on;      /* v1: unix seconds */
  int64_t not_before;      /* v1: unix seconds */
  int64_t refresh_in;      /* v2.0 optional: refresh ahead after this */
} et_token;

typedef struct et_oauth_error {
  et_str error;            /* e.g. "invalid_client" */
  et_str error_description;/* human text, AADSTS code first */
  et_str suberror;
  et_str timestamp;
  et_str trace_id;
  et_str correlation_id;
  et_str error_uri;
  et_str claims;
  uint32_t error_codes[CONFIG_ET_MAX_ERROR_CODES]; /* AADSTS numbers */
  size_t n_error_codes;    /* kept (at most CONFIG_ET_MAX_ERROR_CODES) */
} et_oauth_error;

/* Decode a successful token response in place (strings are unescaped inside
 * body). Required: access_token and token_type (strings, non-empty). Number
 * fields accept JSON numbers or digit strings and nothing else.
 * *why (may be NULL) receives a static text naming the offending field.
 * Errors: ET_E_JSON_SYNTAX, ET_E_JSON_TOKENS, ET_E_JSON_FIELD. */
ET_NODISCARD et_err et_token_decode(char *body, size_t len, jsmntok_t *tok, size_t ntok,
                                    et_token *out, const char **why);

/* Decode an OAuth error body in place. Requires "error" (string). Unknown
 * fields are ignored; error_codes beyond the capacity are dropped. */
ET_NODISCARD et_err et_oauth_error_decode(char *body, size_t len, jsmntok_t *tok,
                                          size_t ntok, et_oauth_error *out,
                                          const char **why);

#ifdef __cplusplus
}
#endif

#endif
