/* SPDX-License-Identifier: MIT */
/* An OAuth error body (RFC 6749 section 5.2 plus Entra's extras) into
 * et_oauth_error, in place. */
#include "edgetoken/et_token.h"

#include <stddef.h>
#include <string.h>

static const et_json_str_field str_fields[] = {
  ET_JSON_REQUIRED(et_oauth_error, "error", error),
  ET_JSON_OPTIONAL(et_oauth_error, "error_description", error_description),
  ET_JSON_OPTIONAL(et_oauth_error, "suberror", suberror),
  ET_JSON_OPTIONAL(et_oauth_error, "timestamp", timestamp),
  ET_JSON_OPTIONAL(et_oauth_error, "trace_id", trace_id),
  ET_JSON_OPTIONAL(et_oauth_error, "correlation_id", correlation_id),
  ET_JSON_OPTIONAL(et_oauth_error, "error_uri", error_uri),
  ET_JSON_OPTIONAL(et_oauth_error, "claims", claims),
};

static const et_json_plan plan = {
  str_fields, sizeof str_fields / sizeof str_fields[0]
  ET_TEXTS("error response: not a JSON object",
           "error response: more JSON tokens than the workspace has")
};

static et_err fail(et_err e, const char **why, const char *text) {
  if (why != NULL)
    *why = text;
  return e;
}

/* Keep the first CONFIG_ET_MAX_ERROR_CODES codes but check them all. */
static et_err read_codes(const et_json *j, int arr, et_oauth_error *out) {
  int n, i = arr + 1;
  if (j->tok[arr].type != JSMN_ARRAY)
    return ET_E_JSON_FIELD;
  n = j->tok[arr].size;
  for (int m = 0; m < n; m++, i++) {
    uint64_t v;
    /* Elements are scalars here, so the next one is at i + 1. */
    if (j->tok[i].type != JSMN_PRIMITIVE ||
        et_json_uint(j, i, UINT32_MAX, &v) != ET_OK)
      return ET_E_JSON_FIELD;
    if (out->n_error_codes < CONFIG_ET_MAX_ERROR_CODES)
      out->error_codes[out->n_error_codes++] = (uint32_t)v;
  }
  return ET_OK;
}

et_err et_oauth_error_decode(char *body, size_t len, jsmntok_t *tok,
                             size_t ntok, et_oauth_error *out,
                             const char **why) {
  et_json j;
  et_err e;
  int idx;

  if (why != NULL)
    *why = NULL;
  if (out == NULL)
    return ET_E_ARG;
  memset(out, 0, sizeof *out);

  e = et_json_decode(&j, body, len, tok, ntok, &plan, out, why);
  if (e != ET_OK)
    return e;

  idx = et_json_get(&j, 0, "error_codes");
  if (idx >= 0 && read_codes(&j, idx, out) != ET_OK)
    return fail(ET_E_JSON_FIELD, why,
                ET_TEXT("error_codes: expected an array of non-negative integers"));
  return ET_OK;
}
