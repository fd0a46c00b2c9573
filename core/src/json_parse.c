/* SPDX-License-Identifier: MIT */
/* The one place jsmn's code is compiled: validate the text strictly, then
 * let jsmn tokenize it into the caller's array. jsmn runs without
 * JSMN_STRICT: et_json_validate already refused all JSMN_STRICT would (and
 * more), and on valid text both give the same tokens (the fuzzer checks),
 * so its checks would be 112 bytes of flash that never fire. */
#include <limits.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "edgetoken/et_json.h"

et_err et_json_parse(et_json *j, char *text, size_t len, jsmntok_t *tok,
                     size_t cap) {
  jsmn_parser p;
  int r;
  et_err e;

  if (j == NULL)
    return ET_E_ARG;
  j->text = text;
  j->len = 0;
  j->tok = tok;
  j->ntok = 0;
  if (tok == NULL || len >= (size_t)INT_MAX)
    return ET_E_ARG;
  e = et_json_validate(text, len); /* ET_E_ARG for a NULL text */
  if (e != ET_OK)
    return e;
  if (cap > (size_t)INT_MAX)
    cap = (size_t)INT_MAX; /* jsmn returns the count as an int */
  jsmn_init(&p); /* a parser resumes where it stopped: start fresh */
  r = jsmn_parse(&p, text, len, tok, (unsigned int)cap);
  if (r == JSMN_ERROR_NOMEM)
    return ET_E_JSON_TOKENS;
  /* Validated text never gets here; a guard, not a path. */
  if (r < 1 || tok[0].type != JSMN_OBJECT)
    return ET_E_JSON_SYNTAX;
  j->len = len;
  j->ntok = (size_t)r;
  return ET_OK;
}
