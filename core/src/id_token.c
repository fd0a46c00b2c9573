/* SPDX-License-Identifier: MIT */
/* The claims of an id_token that say who signed in. The signature is NOT
 * checked (see et_id_token.h): this is for display only. */
#include "edgetoken/et_id_token.h"

#include "edgetoken/et_b64url.h"

#include <stddef.h>
#include <string.h>

/* Every claim optional; a wrong type fails the decoding (texts unused:
 * et_id_token_claims gives no *why). */
static const et_json_field claims[] = {
  ET_JSON_OPTIONAL(et_id_claims, "name", name),
  ET_JSON_OPTIONAL(et_id_claims, "preferred_username", preferred_username),
  ET_JSON_OPTIONAL(et_id_claims, "upn", upn),
  ET_JSON_OPTIONAL(et_id_claims, "email", email),
  ET_JSON_OPTIONAL(et_id_claims, "oid", oid),
  ET_JSON_OPTIONAL(et_id_claims, "tid", tid),
  ET_JSON_NUMBER(et_id_claims, "iat", iat),
  ET_JSON_NUMBER(et_id_claims, "exp", exp),
};

static const et_json_plan plan = { claims, sizeof claims / sizeof claims[0] ET_TEXTS(NULL, NULL) };

static et_err decode_claims(et_str id_token, char *scratch, size_t cap,
                            jsmntok_t *tok, size_t ntok, et_id_claims *out) {
  const char *dot1, *dot2;
  et_str payload;
  size_t n = 0;
  et_json j;
  et_err e;

  dot1 = memchr(id_token.p, '.', id_token.n);
  if (dot1 == NULL || dot1 == id_token.p)
    return ET_E_ARG;
  payload.p = dot1 + 1;
  payload.n = id_token.n - (size_t)(payload.p - id_token.p);
  dot2 = memchr(payload.p, '.', payload.n);
  if (dot2 == NULL || dot2 == payload.p)
    return ET_E_ARG;
  /* A third dot would make it a JWE (5 parts) or garbage. */
  if (memchr(dot2 + 1, '.', payload.n - (size_t)(dot2 + 1 - payload.p)) != NULL)
    return ET_E_ARG;
  payload.n = (size_t)(dot2 - payload.p);

  e = et_b64url_decode(payload, (uint8_t *)scratch, cap, &n);
  if (e != ET_OK)
    return e;
  e = et_json_decode(&j, scratch, n, tok, ntok, &plan, out, NULL);
  return e == ET_E_ARG ? ET_E_JSON_SYNTAX : e;
}

et_err et_id_token_claims(et_str id_token, char *scratch, size_t cap,
                          jsmntok_t *tok, size_t ntok, et_id_claims *out) {
  et_err e;
  if (out == NULL)
    return ET_E_ARG;
  memset(out, 0, sizeof *out);
  out->iat = ET_ABSENT;
  out->exp = ET_ABSENT;
  if (id_token.p == NULL || scratch == NULL || tok == NULL)
    return ET_E_ARG;
  e = decode_claims(id_token, scratch, cap, tok, ntok, out);
  if (e != ET_OK) {
    memset(out, 0, sizeof *out);
    out->iat = ET_ABSENT;
    out->exp = ET_ABSENT;
  }
  return e;
}

et_str et_id_claims_user(const et_id_claims *c) {
  if (c == NULL)
    return ET_STR_NULL;
  if (c->preferred_username.n > 0)
    return c->preferred_username;
  if (c->upn.n > 0)
    return c->upn;
  if (c->email.n > 0)
    return c->email;
  if (c->name.n > 0)
    return c->name;
  return ET_STR_NULL;
}
