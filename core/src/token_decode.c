/* A token endpoint's success body (v1 or v2.0) into et_token, in place. */
#include "edgetoken/et_token.h"

#include <stddef.h>
#include <string.h>

/* The static texts for *why are built from the key at compile time. */
#define STR_FIELD(key, member, required)                                   \
  { key, offsetof(et_token, member), required, key ": missing or empty",  \
    key ": expected a string", key ": bad escape in string" }
#define NUM_FIELD(key, member)                                             \
  { key, offsetof(et_token, member),                                      \
    key ": expected a number or digit string" }

static const struct {
  const char *key;
  size_t off;
  bool required;
  const char *why_missing, *why_type, *why_escape;
} str_fields[] = {
  STR_FIELD("access_token", access_token, true),
  STR_FIELD("token_type", token_type, true),
  STR_FIELD("refresh_token", refresh_token, false),
  STR_FIELD("id_token", id_token, false),
  STR_FIELD("scope", scope, false),
  STR_FIELD("resource", resource, false),
};

static const struct {
  const char *key;
  size_t off;
  const char *why;
} num_fields[] = {
  NUM_FIELD("expires_in", expires_in),
  NUM_FIELD("ext_expires_in", ext_expires_in),
  NUM_FIELD("expires_on", expires_on),
  NUM_FIELD("not_before", not_before),
  NUM_FIELD("refresh_in", refresh_in),
};

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

  if (why != NULL)
    *why = NULL;
  if (out == NULL)
    return ET_E_ARG;
  memset(out, 0, sizeof *out);
  for (k = 0; k < sizeof num_fields / sizeof num_fields[0]; k++)
    *(int64_t *)((char *)out + num_fields[k].off) = ET_ABSENT;

  e = et_json_parse(&j, body, len, tok, ntok);
  if (e == ET_E_JSON_TOKENS)
    return fail(e, why, "token response: more JSON tokens than the workspace has");
  if (e != ET_OK)
    return fail(e, why, "token response: not a JSON object");

  for (k = 0; k < sizeof str_fields / sizeof str_fields[0]; k++) {
    et_str *s = (et_str *)((char *)out + str_fields[k].off);
    e = et_json_member_string(&j, 0, str_fields[k].key, s);
    if (e == ET_E_JSON_FIELD)
      return fail(e, why, str_fields[k].why_type);
    if (e != ET_OK)
      return fail(e, why, str_fields[k].why_escape);
    if (str_fields[k].required && s->n == 0)
      return fail(ET_E_JSON_FIELD, why, str_fields[k].why_missing);
  }
  if (!et_str_eq_nocase(out->token_type, ET_STR("Bearer")))
    return fail(ET_E_JSON_FIELD, why, "token_type is not Bearer");

  for (k = 0; k < sizeof num_fields / sizeof num_fields[0]; k++) {
    int idx = et_json_get(&j, 0, num_fields[k].key);
    uint64_t v;
    if (idx < 0)
      continue;
    if (et_json_uint(&j, idx, INT64_MAX, &v) != ET_OK)
      return fail(ET_E_JSON_FIELD, why, num_fields[k].why);
    *(int64_t *)((char *)out + num_fields[k].off) = (int64_t)v;
  }
  return ET_OK;
}
