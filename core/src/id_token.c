/* SPDX-License-Identifier: MIT */
/* The claims of an id_token that say who signed in. The signature is NOT
 * checked (see et_id_token.h): this is for display only. */
#include "edgetoken/et_id_token.h"

#include "edgetoken/et_b64url.h"

#include <stddef.h>
#include <string.h>

static const struct {
  const char *key;
  size_t off;
} str_claims[] = {
  { "name", offsetof(et_id_claims, name) },
  { "preferred_username", offsetof(et_id_claims, preferred_username) },
  { "upn", offsetof(et_id_claims, upn) },
  { "email", offsetof(et_id_claims, email) },
  { "oid", offsetof(et_id_claims, oid) },
  { "tid", offsetof(et_id_claims, tid) },
};

static const struct {
  const char *key;
  size_t off;
} num_claims[] = {
  { "iat", offsetof(et_id_claims, iat) },
  { "exp", offsetof(et_id_claims, exp) },
};

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
  e = et_json_parse(&j, scratch, n, tok, ntok);
  if (e != ET_OK)
    return e == ET_E_ARG ? ET_E_JSON_SYNTAX : e;
  for (size_t k = 0; k < sizeof str_claims / sizeof str_claims[0]; k++) {
    e = et_json_member_string(&j, 0, str_claims[k].key,
                              (et_str *)((char *)out + str_claims[k].off));
    if (e != ET_OK)
      return e;
  }
  for (size_t k = 0; k < sizeof num_claims / sizeof num_claims[0]; k++) {
    int idx = et_json_get(&j, 0, num_claims[k].key);
    uint64_t v;
    if (idx < 0)
      continue;
    e = et_json_uint(&j, idx, INT64_MAX, &v);
    if (e != ET_OK)
      return e;
    *(int64_t *)((char *)out + num_claims[k].off) = (int64_t)v;
  }
  return ET_OK;
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
