/* SPDX-License-Identifier: MIT */
/* OpenID Connect discovery: the GET engine and the document's decoder
 * (et_discovery.h). */
#include "flow.h"

#include "edgetoken/et_discovery.h"

#include <string.h>

static et_err fail(et_err e, const char **why, const char *text) {
  if (why != NULL)
    *why = text;
  return e;
}

static const et_json_field str_fields[] = {
  ET_JSON_REQUIRED(et_provider, "issuer", issuer),
  ET_JSON_REQUIRED(et_provider, "token_endpoint", token_endpoint),
  ET_JSON_REQUIRED(et_provider, "authorization_endpoint", authorization_endpoint),
  ET_JSON_OPTIONAL(et_provider, "device_authorization_endpoint",
                   device_authorization_endpoint),
};

static const et_json_plan plan = {
  str_fields, sizeof str_fields / sizeof str_fields[0]
  ET_TEXTS("discovery document: not a JSON object",
           "discovery document: more JSON tokens than the workspace has")
};

typedef struct name_bit {
  const char *name;
  uint16_t bit;
} name_bit;

static const name_bit auth_names[] = {
  { "client_secret_post", ET_AUTHM_POST },
  { "client_secret_basic", ET_AUTHM_BASIC },
  { "private_key_jwt", ET_AUTHM_JWT },
  { "none", ET_AUTHM_NONE },
  { "client_secret_jwt", ET_AUTHM_SECRET_JWT },
  { "tls_client_auth", ET_AUTHM_TLS },
  { "self_signed_tls_client_auth", ET_AUTHM_TLS },
  { NULL, 0 }
};
static const name_bit pkce_names[] = {
  { "S256", ET_PKCEM_S256 }, { "plain", ET_PKCEM_PLAIN }, { NULL, 0 }
};
static const name_bit grant_names[] = {
  { "authorization_code", ET_GRANT_CODE },
  { "refresh_token", ET_GRANT_REFRESH },
  { "client_credentials", ET_GRANT_CC },
  { "urn:ietf:params:oauth:grant-type:device_code", ET_GRANT_DEVICE },
  { NULL, 0 }
};
static const name_bit alg_names[] = {
  { "RS256", ET_ALG_RS256 }, { "PS256", ET_ALG_PS256 }, { "ES256", ET_ALG_ES256 },
  { NULL, 0 }
};

/* An array of strings: the bits of the names it holds (unknown names are
 * skipped), | ET_META_LISTED; 0 when absent. */
static et_err get_list(et_json *j, const char *key, const name_bit *names, uint16_t *out,
                       const char **why, const char *why_bad) {
  int idx = et_json_get(j, 0, key), k;
  int n;
  *out = 0;
  if (idx < 0)
    return ET_OK;
  if (j->tok[idx].type != JSMN_ARRAY)
    return fail(ET_E_JSON_FIELD, why, why_bad);
  *out = ET_META_LISTED;
  n = j->tok[idx].size;
  k = idx + 1;
  for (int i = 0; i < n; i++) {
    et_str v;
    if (j->tok[k].type != JSMN_STRING || et_json_string(j, k, &v) != ET_OK)
      return fail(ET_E_JSON_FIELD, why, why_bad);
    for (const name_bit *nb = names; nb->name != NULL; nb++)
      if (et_str_eq(v, et_str_from_cstr(nb->name)))
        *out |= nb->bit;
    k = et_json_skip(j, k);
  }
  return ET_OK;
}

/* An endpoint et_app can take: https, host, optional port and path. */
static bool url_ok(et_str url) {
  et_authority a;
  return url.n == 0 || et_authority_parse(url, &a) == ET_OK;
}

et_err et_discovery_decode(char *body, size_t len, jsmntok_t *tok, size_t ntok,
                           et_str issuer, et_provider *out, const char **why) {
  et_json j;
  et_err e;
  if (why != NULL)
    *why = NULL;
  if (out == NULL || body == NULL || tok == NULL || issuer.n == 0)
    return ET_E_ARG;
  memset(out, 0, sizeof *out);
  e = et_json_decode(&j, body, len, tok, ntok, &plan, out, why);
  if (e != ET_OK)
    return e;
  if (!et_str_eq(out->issuer, issuer))
    return fail(ET_E_JSON_FIELD, why,
                ET_TEXT("issuer: the document names another issuer than the one asked for "
                        "(they must be equal, OpenID Connect Discovery 4.3)"));
  if (!url_ok(out->token_endpoint))
    return fail(ET_E_JSON_FIELD, why, ET_TEXT("token_endpoint: not an https://host[:port][/path] URL"));
  if (!url_ok(out->authorization_endpoint))
    return fail(ET_E_JSON_FIELD, why,
                ET_TEXT("authorization_endpoint: not an https://host[:port][/path] URL"));
  if (!url_ok(out->device_authorization_endpoint))
    return fail(ET_E_JSON_FIELD, why,
                ET_TEXT("device_authorization_endpoint: not an https://host[:port][/path] URL"));
  e = get_list(&j, "token_endpoint_auth_methods_supported", auth_names, &out->auth_methods, why,
               ET_TEXT("token_endpoint_auth_methods_supported: not an array of strings"));
  if (e == ET_OK)
    e = get_list(&j, "code_challenge_methods_supported", pkce_names, &out->pkce_methods, why,
                 ET_TEXT("code_challenge_methods_supported: not an array of strings"));
  if (e == ET_OK)
    e = get_list(&j, "grant_types_supported", grant_names, &out->grant_types, why,
                 ET_TEXT("grant_types_supported: not an array of strings"));
  if (e == ET_OK)
    e = get_list(&j, "token_endpoint_auth_signing_alg_values_supported", alg_names,
                 &out->auth_algs, why,
                 ET_TEXT("token_endpoint_auth_signing_alg_values_supported: not an array of strings"));
  /* RFC 8414 §2: without the member, client_secret_basic is the default. */
  if (e == ET_OK && out->auth_methods == 0)
    out->auth_methods = ET_META_LISTED | ET_AUTHM_BASIC;
  return e;
}

static et_err discovery_answer(et_engine *base, et_err err, uint64_t now_ms,
                               uint64_t *again_ms) {
  et_discovery_engine *e = (et_discovery_engine *)base;
  et_str body;
  (void)now_ms, (void)again_ms;
  if (err == ET_OK)
    err = et_answer_classify(base);
  if (err != ET_OK)
    return err;
  body = et_engine_body(base);
  if (e->raw != NULL) {
    e->raw_len = body.n <= e->raw_cap ? body.n : 0;
    if (e->raw_len > 0)
      memcpy(e->raw, body.p, body.n);
  }
  err = et_discovery_decode((char *)base->w->buf, body.n, base->w->tok, base->w->ntok, e->issuer,
                            &e->provider, &base->res.why);
  if (err != ET_OK)
    memset(&e->provider, 0, sizeof e->provider);
  return err;
}

et_err et_discovery_begin(et_discovery_engine *e, et_str issuer, uint32_t timeout_ms,
                          et_work *w, const et_engine_in *in) {
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  memset(&e->app, 0, sizeof e->app);
  e->app.token_endpoint = issuer;
  e->app.timeout_ms = timeout_ms;
  err = et_engine_setup(&e->base, &e->app, w, in, ET_URL_DISCOVERY, ET_WELL_KNOWN_OIDC,
                        discovery_answer);
  e->issuer = issuer;
  memset(&e->provider, 0, sizeof e->provider);
  e->raw = NULL;
  e->raw_cap = 0;
  e->raw_len = 0;
  if (err != ET_OK)
    return err;
  e->base.replayable = true; /* a GET */
  return ET_OK;
}

et_err et_discover(const et_port *port, et_str issuer, uint32_t timeout_ms, et_work *w,
                   et_provider *out, char *raw, size_t raw_cap, size_t *raw_len,
                   et_result *res) {
  et_discovery_engine e;
  et_engine_in in;
  et_err err = ET_E_ARG;
  if (out != NULL)
    memset(out, 0, sizeof *out);
  if (raw_len != NULL)
    *raw_len = 0;
  memset(&e, 0, sizeof e);
  if (raw == NULL || raw_len != NULL) {
    err = et_flow_in(port, w, out, false, &in);
    if (err == ET_OK)
      err = et_discovery_begin(&e, issuer, timeout_ms, w, &in);
    e.raw = raw;
    e.raw_cap = raw_cap;
  }
  err = et_flow_run(port, &e.base, err, w, res);
  /* out != NULL: et_flow_in refused NULL; said again for the static
   * analyzers, which do not follow et_flow_run into drive.c. */
  if (err == ET_OK && out != NULL) {
    *out = e.provider;
    if (raw_len != NULL)
      *raw_len = e.raw_len;
  }
  return err;
}
