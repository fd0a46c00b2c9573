/* SPDX-License-Identifier: MIT */
/* Reading a parsed document: member lookup, subtree skipping, raw spans and
 * unsigned numbers. The token array is only read here. */
#include "edgetoken/et_json.h"

#include <string.h>

static bool in_range(const et_json *j, int idx) {
  return j != NULL && idx >= 0 && (size_t)idx < j->ntok;
}

/* A string token et_json_string has decoded ends at the NUL it wrote. */
static bool decoded(const et_json *j, const jsmntok_t *t) {
  return t->type == JSMN_STRING && (size_t)t->end < j->len &&
         j->text[t->end] == '\0';
}

int et_json_skip(const et_json *j, int idx) {
  /* Each token owes its `size` children (a key owes its value): count the
   * debt down instead of recursing. */
  size_t owed = 1, i;
  if (!in_range(j, idx))
    return -1;
  for (i = (size_t)idx; owed > 0 && i < j->ntok; i++) {
    int size = j->tok[i].size;
    owed = owed - 1 + (size > 0 ? (size_t)size : 0);
  }
  return (int)i;
}

et_str et_json_raw(const et_json *j, int idx) {
  et_str s = ET_STR_NULL;
  if (in_range(j, idx)) {
    const jsmntok_t *t = &j->tok[idx];
    s.p = j->text + t->start;
    s.n = (size_t)(t->end - t->start);
  }
  return s;
}

/* Length of the escape run at s[i] to decode as one piece: \uXXXX\uXXXX
 * goes together so a surrogate pair stays whole. */
static size_t escape_len(const char *s, size_t n, size_t i) {
  if (i + 1 < n && s[i + 1] != 'u')
    return 2;
  if (n - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u')
    return 12;
  return n - i < 6 ? n - i : 6;
}

/* Decode the piece of raw at *i, a plain byte or an escape run, into piece
 * (never longer than the run, so 12 bytes suffice); false on a bad escape. Walking a string this way reads
 * it decoded without modifying the text. */
static bool next_piece(et_str raw, size_t *i, char piece[12], size_t *m) {
  size_t len;
  if (raw.p[*i] != '\\') {
    piece[0] = raw.p[*i];
    *m = 1;
    (*i)++;
    return true;
  }
  len = escape_len(raw.p, raw.n, *i);
  if (et_json_unescape(raw.p + *i, len, piece, m) != ET_OK)
    return false;
  *i += len;
  return true;
}

/* Raw (still escaped) key equals key after decoding. */
static bool key_eq_escaped(et_str raw, const char *key, size_t klen) {
  size_t i = 0, k = 0;
  while (i < raw.n) {
    char piece[12];
    size_t m;
    if (!next_piece(raw, &i, piece, &m) || m > klen - k ||
        memcmp(piece, key + k, m) != 0)
      return false;
    k += m;
  }
  return k == klen;
}

int et_json_get(const et_json *j, int obj, const char *key) {
  size_t klen;
  int i, n;
  if (!in_range(j, obj) || key == NULL || j->tok[obj].type != JSMN_OBJECT)
    return -1;
  klen = strlen(key);
  n = j->tok[obj].size;
  i = obj + 1;
  /* i is a key (in range) whenever its value i + 1 is: said for the analyzers. */
  for (int m = 0; m < n && in_range(j, i) && in_range(j, i + 1); m++) {
    const jsmntok_t *k = &j->tok[i];
    et_str raw = et_json_raw(j, i);
    /* Decoding never lengthens, so a shorter key cannot match; one without
     * a backslash is compared as it is. */
    bool eq = raw.n >= klen &&
              (decoded(j, k) || memchr(raw.p, '\\', raw.n) == NULL
                   ? et_str_eq(raw, (et_str){ key, klen })
                   : key_eq_escaped(raw, key, klen));
    if (eq && k->type == JSMN_STRING)
      return i + 1;
    i = et_json_skip(j, i + 1);
  }
  return -1;
}

et_err et_json_uint(const et_json *j, int idx, uint64_t max, uint64_t *out) {
  const jsmntok_t *t;
  et_str s;
  uint64_t v = 0;
  size_t i = 0;
  if (!in_range(j, idx) || out == NULL)
    return ET_E_JSON_FIELD;
  t = &j->tok[idx];
  if (t->type != JSMN_PRIMITIVE && t->type != JSMN_STRING)
    return ET_E_JSON_FIELD;
  s = et_json_raw(j, idx);
  /* Digits only: rules out signs, fractions, exponents, literals, spaces
   * and the empty string. */
  if (t->type == JSMN_PRIMITIVE || decoded(j, t) || memchr(s.p, '\\', s.n) == NULL)
    return et_str_to_u64(s, max, out) == ET_OK ? ET_OK : ET_E_JSON_FIELD;
  /* A string with escapes is read decoded, so the answer is the same
   * before and after et_json_string ("\u0035" is 5 either way). */
  while (i < s.n) {
    char piece[12];
    size_t m;
    if (!next_piece(s, &i, piece, &m))
      return ET_E_JSON_FIELD;
    for (size_t k = 0; k < m; k++)
      if (!et_u64_push_digit(&v, piece[k], max))
        return ET_E_JSON_FIELD;
  }
  *out = v;
  return ET_OK;
}
