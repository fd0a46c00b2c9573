/* SPDX-License-Identifier: MIT */
/* Reading a parsed document: member lookup, subtree skipping, raw spans and
 * unsigned numbers. The token array is only read here. */
#include "json_escape.h"

#include <string.h>

jsmntok_t *et_json_tok(const et_json *j, int idx) {
  return j != NULL && idx >= 0 && (size_t)idx < j->ntok ? &j->tok[idx] : NULL;
}

int et_json_skip(const et_json *j, int idx) {
  /* Each token owes its `size` children (a key owes its value): count the
   * debt down instead of recursing. */
  size_t owed = 1, i;
  if (et_json_tok(j, idx) == NULL)
    return -1;
  for (i = (size_t)idx; owed > 0 && i < j->ntok; i++) {
    int size = j->tok[i].size;
    owed = owed - 1 + (size > 0 ? (size_t)size : 0);
  }
  return (int)i;
}

et_str et_json_raw(const et_json *j, int idx) {
  et_str s = ET_STR_NULL;
  const jsmntok_t *t = et_json_tok(j, idx);
  if (t != NULL) {
    s.p = j->text + t->start;
    s.n = (size_t)(t->end - t->start);
  }
  return s;
}

/* Whether token t is read as it is: a primitive, or a string
 * et_json_string decoded already (it ends at the NUL it wrote). */
static bool plain(const et_json *j, const jsmntok_t *t) {
  return t->type != JSMN_STRING || j->text[t->end] == '\0';
}

/* Key token idx equals the C string key once decoded, a piece at a time
 * (a plain byte, or an escape as its UTF-8), without modifying the text. A
 * piece never holds a NUL (validation and et_json_unescape_one refuse
 * them), so key's terminator differs from every piece byte. */
static bool key_eq(const et_json *j, int idx, const char *key) {
  const jsmntok_t *t = &j->tok[idx];
  const char *s = j->text + t->start;
  size_t n = (size_t)(t->end - t->start), i = 0;
  bool is_plain = plain(j, t); /* keys are strings: validated text */
  while (i < n) {
    char piece[4];
    size_t m = 1;
    if (is_plain || s[i] != '\\')
      piece[0] = s[i++];
    else if ((m = et_json_unescape_one(s, n, &i, piece, 0)) == 0)
      return false;
    for (size_t q = 0; q < m; q++)
      if (piece[q] != *key++)
        return false;
  }
  return *key == '\0';
}

int et_json_get(const et_json *j, int obj, const char *key) {
  int i, n;
  const jsmntok_t *o = et_json_tok(j, obj);
  if (o == NULL || key == NULL || o->type != JSMN_OBJECT)
    return -1;
  n = o->size;
  /* Keys are at obj + 1 and after each member's value. */
  for (i = obj + 1; n-- > 0 && (size_t)i + 1 < j->ntok; i = et_json_skip(j, i + 1))
    if (key_eq(j, i, key))
      return i + 1;
  return -1;
}

et_err et_json_uint(const et_json *j, int idx, uint64_t max, uint64_t *out) {
  const jsmntok_t *t;
  const char *s;
  uint64_t v = 0;
  size_t n, i = 0;
  bool is_plain;
  t = et_json_tok(j, idx);
  if (t == NULL || out == NULL)
    return ET_E_JSON_FIELD;
  s = j->text + t->start;
  n = (size_t)(t->end - t->start);
  is_plain = plain(j, t);
  /* Digits only: rules out signs, fractions, exponents, literals, spaces,
   * containers and the empty string. A string is read decoded, so the
   * answer is the same before and after et_json_string ("\u0035" is 5
   * either way). */
  if ((t->type != JSMN_PRIMITIVE && t->type != JSMN_STRING) || n == 0)
    return ET_E_JSON_FIELD;
  while (i < n) {
    unsigned long c = (unsigned char)s[i];
    size_t m = 1;
    /* An escape counts as the code unit it stands for: only \u0030 to
     * \u0039 are digits. */
    if (!is_plain && c == '\\' && (m = et_json_escape(s, n, i, &c)) == 0)
      return ET_E_JSON_FIELD;
    if (c > '9' || !et_u64_push_digit(&v, (char)c, max))
      return ET_E_JSON_FIELD;
    i += m;
  }
  *out = v;
  return ET_OK;
}
