/* SPDX-License-Identifier: MIT */
/* A token endpoint's success body (v1 or v2.0) into et_token, in place. */
#include "edgetoken/et_token.h"

#include <stddef.h>
#include <string.h>

/* The strings, then token_type's check, then the numbers: a wrong
 * token_type is reported before a bad number. */
static const et_json_field fields[] = {
  ET_JSON_REQUIRED(et_token, "access_token", access_token),
  ET_JSON_REQUIRED(et_token, "token_type", token_type),
  ET_JSON_OPTIONAL(et_token, "refresh_token", refresh_token),
  ET_JSON_OPTIONAL(et_token, "id_token", id_token),
  ET_JSON_OPTIONAL(et_token, "scope", scope),
  ET_JSON_OPTIONAL(et_token, "resource", resource),
  { "Bearer", offsetof(et_token, token_type), ET_JSON_IS, 0
    ET_TEXTS("token_type is not Bearer", NULL, NULL) },
  ET_JSON_NUMBER(et_token, "expires_in", expires_in),
  ET_JSON_NUMBER(et_token, "ext_expires_in", ext_expires_in),
  ET_JSON_NUMBER(et_token, "expires_on", expires_on),
  ET_JSON_NUMBER(et_token, "not_before", not_before),
  ET_JSON_NUMBER(et_token, "refresh_in", refresh_in),
};

static const et_json_plan plan = {
  fields, sizeof fields / sizeof fields[0]
  ET_TEXTS("token response: not a JSON object",
           "token response: more JSON tokens than the workspace has")
};

/* The numbers end et_token, so one memset makes them all ET_ABSENT, which
 * is -1: every bit set. */
typedef char numbers_end_et_token[sizeof(et_token) - offsetof(et_token, expires_in) ==
                                              5 * sizeof(int64_t) &&
                                          ET_ABSENT == -1
                                      ? 1
                                      : -1];

et_err et_token_decode(char *body, size_t len, jsmntok_t *tok, size_t ntok,
                       et_token *out, const char **why) {
  et_json j;
  /* out NULL: et_json_decode says ET_E_ARG and sets *why to NULL. */
  if (out != NULL) {
    memset(out, 0, offsetof(et_token, expires_in));
    memset(&out->expires_in, 0xFF, sizeof *out - offsetof(et_token, expires_in));
  }
  return et_json_decode(&j, body, len, tok, ntok, &plan, out, why);
}
