/* SPDX-License-Identifier: MIT */
/* An OAuth error body (RFC 6749 section 5.2 plus Entra's extras) into
 * et_oauth_error, in place. */
#include "edgetoken/et_token.h"

#include <stddef.h>
#include <string.h>

static const et_json_field fields[] = {
  ET_JSON_REQUIRED(et_oauth_error, "error", error),
  ET_JSON_OPTIONAL(et_oauth_error, "error_description", error_description),
  ET_JSON_OPTIONAL(et_oauth_error, "suberror", suberror),
  ET_JSON_OPTIONAL(et_oauth_error, "timestamp", timestamp),
  ET_JSON_OPTIONAL(et_oauth_error, "trace_id", trace_id),
  ET_JSON_OPTIONAL(et_oauth_error, "correlation_id", correlation_id),
  ET_JSON_OPTIONAL(et_oauth_error, "error_uri", error_uri),
  ET_JSON_OPTIONAL(et_oauth_error, "claims", claims),
  { "error_codes", offsetof(et_oauth_error, error_codes), ET_JSON_U32S,
    CONFIG_ET_MAX_ERROR_CODES ET_TEXTS(NULL,
    "error_codes: expected an array of non-negative integers", NULL) },
};

/* ET_JSON_U32S finds n_error_codes after the array. */
typedef char count_after_codes[offsetof(et_oauth_error, n_error_codes) ==
                                       ET_JSON_U32S_COUNT(offsetof(et_oauth_error, error_codes),
                                                          CONFIG_ET_MAX_ERROR_CODES) &&
                                   CONFIG_ET_MAX_ERROR_CODES <= 255
                               ? 1
                               : -1];

static const et_json_plan plan = {
  fields, sizeof fields / sizeof fields[0]
  ET_TEXTS("error response: not a JSON object",
           "error response: more JSON tokens than the workspace has")
};

et_err et_oauth_error_decode(char *body, size_t len, jsmntok_t *tok,
                             size_t ntok, et_oauth_error *out,
                             const char **why) {
  et_json j;
  /* out NULL: et_json_decode says ET_E_ARG and sets *why to NULL. */
  if (out != NULL)
    memset(out, 0, sizeof *out);
  return et_json_decode(&j, body, len, tok, ntok, &plan, out, why);
}
