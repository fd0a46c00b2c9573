/* SPDX-License-Identifier: MIT */
/* String members by key, and the table-driven decoding of a response's
 * string members. */
#include "edgetoken/et_json.h"

et_err et_json_member_string(et_json *j, int obj, const char *key,
                             et_str *out) {
  int idx;
  if (out == NULL)
    return ET_E_ARG;
  *out = ET_STR_NULL;
  idx = et_json_get(j, obj, key);
  return idx < 0 ? ET_OK : et_json_string(j, idx, out);
}

et_err et_json_decode(et_json *j, char *text, size_t len, jsmntok_t *tok,
                      size_t cap, const et_json_plan *plan, void *out,
                      const char **why) {
  const char *wrong = NULL; /* the text for *why if e is not ET_OK */
  et_err e = ET_E_ARG;
  if (plan != NULL && out != NULL) {
    e = et_json_parse(j, text, len, tok, cap);
    if (e != ET_OK)
      wrong = e == ET_E_JSON_TOKENS ? ET_TEXT(plan->why_tokens) : ET_TEXT(plan->why_syntax);
    for (size_t k = 0; e == ET_OK && k < plan->n_fields; k++) {
      const et_json_str_field *f = &plan->fields[k];
      et_str *s = (et_str *)((char *)out + f->off);
      e = et_json_member_string(j, 0, f->key, s);
      wrong = e == ET_E_JSON_FIELD ? ET_TEXT(f->why_type) : ET_TEXT(f->why_escape);
      if (e == ET_OK && f->required && s->n == 0) {
        e = ET_E_JSON_FIELD;
        wrong = ET_TEXT(f->why_missing);
      }
    }
  }
  if (why != NULL)
    *why = e == ET_OK ? NULL : wrong;
  return e;
}
