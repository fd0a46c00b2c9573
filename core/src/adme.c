/* SPDX-License-Identifier: MIT */
/* ADME (OSDU) calls on the request engine (et_adme.h): a raw request with
 * a bearer token and data-partition-id, OSDU error bodies decoded into
 * et_result.osdu; the blocking call renews the token once after a 401. */
#include "flow.h"

#include "edgetoken/et_adme.h"

#include <string.h>

static et_err adme_body(const void *arg, et_buf *b) {
  const et_adme_engine *a = (const et_adme_engine *)arg;
  et_buf_put_str(b, a->req_body);
  return ET_OK;
}

/* {"code":403,"reason":"Access denied","message":"..."}: raw spans into
 * the body (the body itself is left as it came, for the caller). */
static void osdu_decode(et_engine *e, et_str body) {
  et_json j;
  int code, reason, message;
  et_work *w = e->w;
  if (body.n == 0 || w->tok == NULL || w->ntok == 0 ||
      et_json_parse(&j, (char *)w->buf, body.n, w->tok, w->ntok) != ET_OK ||
      j.ntok == 0 || j.tok[0].type != JSMN_OBJECT)
    return;
  code = et_json_get(&j, 0, "code");
  reason = et_json_get(&j, 0, "reason");
  message = et_json_get(&j, 0, "message");
  if (code > 0 && j.tok[code].type == JSMN_PRIMITIVE) {
    et_str c = et_json_raw(&j, code);
    uint64_t v = 0;
    bool ok = c.n > 0;
    for (size_t i = 0; ok && i < c.n; i++)
      ok = et_u64_push_digit(&v, c.p[i], 999);
    if (ok)
      e->res.osdu.code = (int)v;
  }
  if (reason > 0 && j.tok[reason].type == JSMN_STRING)
    e->res.osdu.reason = et_json_raw(&j, reason);
  if (message > 0 && j.tok[message].type == JSMN_STRING)
    e->res.osdu.message = et_json_raw(&j, message);
}

static et_err adme_answer(et_engine *e, et_err err, uint64_t now_ms, uint64_t *again_ms) {
  et_adme_engine *a = (et_adme_engine *)e;
  int status = e->hp.status;
  (void)now_ms, (void)again_ms;
  a->body = (et_str){ NULL, 0 };
  memset(&e->res.osdu, 0, sizeof e->res.osdu);
  if (e->hp.done && e->wait_err == ET_OK) {
    a->body = et_engine_body(e);
    if (status < 200 || status > 299)
      osdu_decode(e, a->body);
  }
  if (err != ET_OK)
    return err;
  if (status >= 200 && status <= 299)
    return ET_OK;
  e->res.why = status == 401 ? ET_TEXT("the service refused the token (401)")
               : status == 403 ? ET_TEXT("the token's identity may not do this (403)")
               : status == 404 ? ET_TEXT("no such API or record (404)")
                               : ET_TEXT("the service refused the request");
  return status >= 500 ? ET_E_SERVER : status == 429 ? ET_E_THROTTLED : ET_E_HTTP_STATUS;
}

et_err et_adme_begin(et_adme_engine *e, const et_adme *adme, const et_adme_request *rq,
                     et_str bearer, et_work *w, const et_engine_in *in) {
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  if (adme == NULL || rq == NULL) {
    memset(e, 0, sizeof *e);
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("no ADME instance or request"));
  }
  err = et_engine_setup_raw(&e->base, w, in, adme->url, rq->path, adme_answer);
  e->body = (et_str){ NULL, 0 };
  e->req_body = rq->body;
  e->hdr[0].name = ET_STR("data-partition-id");
  e->hdr[0].value = adme->partition;
  if (err != ET_OK)
    return err;
  e->base.req.method = rq->method.n > 0 ? rq->method : ET_STR("GET");
  e->base.req.content_type = rq->body.n > 0 ? ET_STR("application/json") : (et_str){ NULL, 0 };
  e->base.body = adme_body;
  e->base.body_arg = e;
  e->base.req.bearer = bearer;
  e->base.req.extra = e->hdr;
  e->base.req.n_extra = 1;
  e->base.timeout_ms = adme->timeout_ms;
  e->base.replayable = !rq->once;
  e->base.keep_answer = true;
  if (adme->partition.n == 0 || adme->partition.p == NULL)
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("data-partition-id is empty"));
  if (bearer.n == 0 || bearer.p == NULL)
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("no access token"));
  if (rq->path.n > ET_ADME_PATH_MAX)
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("request path too long"));
  if (rq->body.p != NULL && (const uint8_t *)rq->body.p >= w->buf &&
      (const uint8_t *)rq->body.p < w->buf + w->cap)
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("request body must not be in the workspace"));
  return ET_OK;
}

et_err et_adme_call(const et_port *port, const et_adme *adme, const et_adme_request *rq,
                    et_token_source_fn source, void *source_ctx, et_work *w, et_str *body,
                    et_result *res) {
  et_adme_engine e;
  et_engine_in in;
  et_str token = { NULL, 0 };
  et_err err = ET_E_ARG;
  memset(&e, 0, sizeof e);
  if (body != NULL)
    *body = (et_str){ NULL, 0 };
  if (res != NULL)
    memset(res, 0, sizeof *res);
  if (port == NULL || source == NULL || w == NULL)
    return ET_E_ARG;
  for (int round = 0; round < 2; round++) {
    err = source(source_ctx, round > 0, &token, res);
    if (err != ET_OK)
      return err;
    err = et_engine_in_from_port(port, w->link != NULL, &in);
    if (err == ET_OK)
      err = et_adme_begin(&e, adme, rq, token, w, &in);
    err = et_flow_run(port, &e.base, err, w, res);
    if (body != NULL)
      *body = e.body;
    /* A 401: the token was revoked or expired early; once more with a
     * new one. */
    if (err != ET_E_HTTP_STATUS || e.base.res.http_status != 401)
      break;
  }
  return err;
}

et_err et_cache_get(const et_port *port, et_cache *cache, const et_cache_key *key, bool renew,
                    et_token_fetch_fn fetch, void *fetch_ctx, et_work *w, et_cached *out,
                    bool *stale, et_result *res) {
  et_cache_state st;
  et_token t;
  et_err err;
  uint64_t now;
  if (stale != NULL)
    *stale = false;
  if (port == NULL || port->mono_ms == NULL || cache == NULL || key == NULL || fetch == NULL ||
      out == NULL)
    return ET_E_ARG;
  now = port->mono_ms(port->ctx);
  if (renew)
    et_cache_invalidate(cache, key);
  st = et_cache_lookup(cache, key, now, out);
  if (st == ET_CACHE_FRESH)
    return ET_OK;
  err = fetch(fetch_ctx, w, &t, res);
  now = port->mono_ms(port->ctx);
  if (err != ET_OK) {
    if (st == ET_CACHE_DUE && et_cache_failed(cache, key, err, now) != ET_CACHE_MISS &&
        et_cache_lookup(cache, key, now, out) != ET_CACHE_MISS) {
      if (stale != NULL)
        *stale = true;
      return ET_OK;
    }
    return err;
  }
  err = et_cache_put(cache, key, &t, now, port->unix_s != NULL ? port->unix_s(port->ctx) : 0, out);
  if (w != NULL && w->buf != NULL)
    et_wipe(w->buf, w->cap); /* the fetched token now lives in the cache */
  return err;
}

static et_err cc_fetch(void *ctx, et_work *w, et_token *tok, et_result *res) {
  const et_cache_cc *s = (const et_cache_cc *)ctx;
  return et_client_credentials(s->port, s->app, s->ep, s->target, w, tok, res);
}

et_err et_cache_cc_token(void *ctx, bool renew, et_str *token, et_result *res) {
  et_cache_cc *s = (et_cache_cc *)ctx;
  et_cache_key k;
  et_cached got;
  et_err err;
  if (s == NULL || token == NULL || s->app == NULL)
    return ET_E_ARG;
  k.authority = s->app->authority;
  k.tenant = s->app->tenant;
  k.client_id = s->app->client_id;
  k.flow = ET_CACHE_FLOW_CLIENT_CREDENTIALS;
  k.target = s->target;
  err = et_cache_get(s->port, s->cache, &k, renew, cc_fetch, s, s->w, &got, NULL, res);
  *token = got.access_token;
  return err;
}
