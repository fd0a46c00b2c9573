/* String values decoded in place inside the document's text. */
#include "edgetoken/et_json.h"

et_err et_json_string(et_json *j, int idx, et_str *out) {
  jsmntok_t *t;
  char *s;
  size_t n, m;
  et_err e;

  if (j == NULL || out == NULL || idx < 0 || (size_t)idx >= j->ntok ||
      j->tok[idx].type != JSMN_STRING)
    return ET_E_JSON_FIELD;
  t = &j->tok[idx];
  s = j->text + t->start;
  n = (size_t)(t->end - t->start);
  /* An undecoded token ends at its closing quote, a decoded one at a NUL
   * (validation keeps NUL out of the document). */
  if (j->text[t->end] != '\0') {
    /* Check before writing so a bad escape leaves the text intact. */
    e = et_json_unescape(s, n, NULL, &m);
    if (e != ET_OK)
      return e;
    (void)et_json_unescape(s, n, s, &m);
    s[m] = '\0';
    t->end = t->start + (int)m;
    n = m;
  }
  out->p = s;
  out->n = n;
  return ET_OK;
}

et_err et_json_member_string(et_json *j, int obj, const char *key,
                             et_str *out) {
  int idx;
  if (out == NULL)
    return ET_E_ARG;
  *out = ET_STR_NULL;
  idx = et_json_get(j, obj, key);
  return idx < 0 ? ET_OK : et_json_string(j, idx, out);
}
