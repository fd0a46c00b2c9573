/* SPDX-License-Identifier: MIT */
/* A token endpoint's success body (v1 or v2.0) into et_token, in place. */
#include "edgetoken/et_token.h"

#include <stddef.h>
#include <string.h>

static const et_json_str_field str_fields[] = {
  ET_JSON_REQUIRED(et_token, "access_token", access_token),
  ET_JSON_REQUIRED(et_token, "token_type", token_type),
  ET_JSON_OPTIONAL(et_token, "refresh_token", refresh_token),
  ET_JSON_OPTIONAL(et_token, "id_token", id_token),
  ET_JSON_OPTIONAL(et_token, "scope", scope),
  ET_JSON_OPTIONAL(et_token, "resource", resource),
};

static const et_json_plan plan = {
  str_fields, sizeof str_fields / sizeof str_fields[0]
  ET_TEXTS("token response: not a JSON object",
           "token response: more JSON tokens than the workspace has")
};

/* The numbers, in et_token's order: they are its last members, and
 * nothing else is there (checked below), so they are set and read by
 * index. With CONFIG_ET_ERROR_TEXT, *why's texts are built from the key at
 * compile time. */
#define NUM_FIELD(key) { key ET_TEXTS(key ": expected a number or digit string") }

static const struct {
  const char *key;
#if CONFIG_ET_ERROR_TEXT
  const char *why;
#endif
} num_fields[] = {
  NUM_FIELD("expires_in"),
  NUM_FIELD("ext_expires_in"),
  NUM_FIELD("expires_on"),
  NUM_FIELD("not_before"),
  NUM_FIELD("refresh_in"),
};

/* ...and ET_ABSENT is -1, every bit set, as the memset in et_token_decode
 * writes it. */
typedef char numbers_end_et_token[sizeof(et_token) - offsetof(et_token, expires_in) ==
                                              sizeof num_fields / sizeof num_fields[0] *
                                                  sizeof(int64_t) &&
                                          ET_ABSENT == -1
                                      ? 1
                                      : -1];

static et_err fail(et_err e, const char **why, const char *text) {
  if (why != NULL)
    *why = text;
  return e;
}

et_err et_token_decode(char *body, size_t len, jsmntok_t *tok, size_t ntok,
                       et_token *out, const char **why) {
  et_json j;
  et_err e;
  size_t k;
  int64_t *nums;

  if (why != NULL)
    *why = NULL;
  if (out == NULL)
    return ET_E_ARG;
  nums = (int64_t *)(void *)((char *)out + offsetof(et_token, expires_in));
  /* The strings empty; the numbers, which end the struct, all ET_ABSENT
   * (-1: every bit set). */
  memset(out, 0, offsetof(et_token, expires_in));
  memset(nums, 0xFF, sizeof *out - offsetof(et_token, expires_in));

  e = et_json_decode(&j, body, len, tok, ntok, &plan, out, why);
  if (e != ET_OK)
    return e;
  if (!et_str_eq_nocase(out->token_type, ET_STR("Bearer")))
    return fail(ET_E_JSON_FIELD, why, ET_TEXT("token_type is not Bearer"));

  for (k = 0; k < sizeof num_fields / sizeof num_fields[0]; k++) {
    int idx = et_json_get(&j, 0, num_fields[k].key);
    uint64_t v;
    if (idx < 0)
      continue;
    if (et_json_uint(&j, idx, INT64_MAX, &v) != ET_OK)
      return fail(ET_E_JSON_FIELD, why, ET_TEXT(num_fields[k].why));
    nums[k] = (int64_t)v;
  }
  return ET_OK;
}
