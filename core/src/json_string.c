/* SPDX-License-Identifier: MIT */
/* String members by key, and the table-driven decoding of a response's
 * members. */
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

/* How an entry went: ET_OK, or which of its texts says what is wrong. */
enum { MISSING = 1, TYPE, ESCAPE };

/* The array at token arr into f's uint32_t[cap] at at: the first cap
 * kept, all checked. The elements must be numbers, so each is one token. */
static int read_u32s(const et_json *j, int arr, const et_json_field *f, char *at) {
  uint32_t *v = (uint32_t *)(void *)at;
  size_t *n = (size_t *)(void *)(at + ET_JSON_U32S_COUNT(f->off, f->cap) - f->off);
  const jsmntok_t *t = &j->tok[arr];
  if (t->type != JSMN_ARRAY)
    return TYPE;
  for (int i = arr + 1; i <= arr + t->size; i++) {
    uint64_t u;
    if (j->tok[i].type != JSMN_PRIMITIVE || et_json_uint(j, i, UINT32_MAX, &u) != ET_OK)
      return TYPE;
    if (*n < f->cap)
      v[(*n)++] = (uint32_t)u;
  }
  return ET_OK;
}

static int do_field(et_json *j, const et_json_field *f, char *at) {
  et_str *s = (et_str *)(void *)at;
  uint64_t u;
  et_err e;
  int idx;
  if (f->kind == ET_JSON_IS)
    return et_str_eq_nocase(*s, et_str_from_cstr(f->key)) ? ET_OK : MISSING;
  if (f->kind == ET_JSON_STR_ALT && s->n > 0)
    return ET_OK;
  idx = et_json_get(j, 0, f->key);
  if (f->kind <= ET_JSON_STR_ALT) {
    *s = ET_STR_NULL;
    if (idx >= 0 && (e = et_json_string(j, idx, s)) != ET_OK)
      return e == ET_E_JSON_FIELD ? TYPE : ESCAPE;
    return f->kind != ET_JSON_STR && s->n == 0 ? MISSING : ET_OK;
  }
  if (idx < 0)
    return ET_OK;
  if (f->kind == ET_JSON_U32S)
    return read_u32s(j, idx, f, at);
  if (et_json_uint(j, idx, INT64_MAX, &u) != ET_OK)
    return TYPE;
  *(int64_t *)(void *)at = (int64_t)u;
  return ET_OK;
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
      const et_json_field *f = &plan->fields[k];
      int how = do_field(j, f, (char *)out + f->off);
      e = how == ESCAPE ? ET_E_JSON_SYNTAX : how != ET_OK ? ET_E_JSON_FIELD : ET_OK;
      wrong = how == MISSING ? ET_TEXT(f->why_missing)
              : how == TYPE  ? ET_TEXT(f->why_type)
                             : ET_TEXT(f->why_escape);
    }
  }
  if (why != NULL)
    *why = e == ET_OK ? NULL : wrong;
  return e;
}
