/* SPDX-License-Identifier: MIT */
/* Calling Azure Data Manager for Energy (ADME, OSDU APIs) with a cached
 * token, and getting tokens through the cache.
 *
 *   static et_cache cache;                      (et_cache.h)
 *   et_cache_cc src = { &cache, &port, &app, ET_ENDPOINT_V2,
 *                       ET_STR("<adme-app-id>/.default"), &w };
 *   et_adme adme = { ET_STR("https://contoso.energy.azure.com"),
 *                    ET_STR("contoso-opendes"), 0 };
 *   et_adme_request rq = { ET_STR("POST"), ET_STR("/api/search/v2/query"),
 *                          ET_STR("{\"kind\":\"osdu:wks:*:*\"}") };
 *   et_str body;
 *   err = et_adme_call(&port, &adme, &rq, et_cache_cc_token, &src, &w, &body, &res);
 *
 * The call sends Authorization: Bearer and data-partition-id over w->link's
 * connection (keep-alive), retries 429/5xx and network failures by the
 * engine's policy (et_retry.h), and on a 401 renews the token once and
 * sends the request again. */
#ifndef EDGETOKEN_ET_ADME_H
#define EDGETOKEN_ET_ADME_H

#include "et_cache.h"
#include "et_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest request path (with its query) an ADME call takes. */
#define ET_ADME_PATH_MAX 256

/* An ADME instance. */
typedef struct et_adme {
  et_str url;               /* https://<instance>.energy.azure.com[/prefix] */
  et_str partition;         /* data-partition-id: <instance>-<partition> */
  uint32_t timeout_ms;      /* per attempt; 0: CONFIG_ET_TIMEOUT_MS */
} et_adme;

/* One request. */
typedef struct et_adme_request {
  et_str method;            /* "GET", "POST", "PUT", "DELETE"... */
  et_str path;              /* starts with '/', may carry a query */
  et_str body;              /* JSON sent as application/json; empty: none */
  bool once;                /* never resend once sent (a write that is not
                               idempotent); else retried like a token request */
} et_adme_request;

/* The sans-I/O engine of one call (et_engine.h steps). On DONE (2xx) and
 * after a refused answer (FAIL with res.http_status set), body is the
 * answer's body in the workspace and res.osdu the OSDU error, if any. */
typedef struct et_adme_engine {
  et_engine base;           /* first */
  et_str body;
  et_str req_body;
  et_http_header hdr[1];    /* data-partition-id */
} et_adme_engine;

/* Start a call with bearer as the access token. adme, rq and bearer are
 * borrowed until done and must not point into w->buf. Unless rq->once,
 * the request is resent like a token request (network failures, 429,
 * 5xx; et_retry_decide); with once, never after its first byte went out.
 * Errors: ET_E_ARG (empty partition or token, a path without '/', too
 * long), ET_E_URL. Outcomes at FAIL: ET_E_HTTP_STATUS (4xx: the answer
 * kept), ET_E_SERVER and ET_E_THROTTLED (after the retries), the network's
 * errors, ET_E_RESPONSE_TOO_LARGE. */
ET_NODISCARD et_err et_adme_begin(et_adme_engine *e, const et_adme *adme,
                                  const et_adme_request *rq, et_str bearer, et_work *w,
                                  const et_engine_in *in);

/* Where a call's token comes from: the access token into *token (which
 * must stay valid and outside the workspace through the call, e.g. in a
 * cache slot). renew: the resource refused the last one (401): drop it and
 * get a new one. Any error ends the call with it; res (may be NULL) gets
 * the details. */
typedef et_err (*et_token_source_fn)(void *ctx, bool renew, et_str *token, et_result *res);

/* Blocking call through the port (et_drive over w->link): token from
 * source, the request, once more with a renewed token after a 401.
 * *body (may be NULL): the answer's body in w->buf, also after a refused
 * answer (4xx/5xx); res->http_status its status, res->osdu its error.
 * Errors: the source's, et_adme_begin's, the engine's. */
ET_NODISCARD et_err et_adme_call(const et_port *port, const et_adme *adme,
                                 const et_adme_request *rq, et_token_source_fn source,
                                 void *source_ctx, et_work *w, et_str *body, et_result *res);

/* ---- tokens through the cache ---------------------------------------- */

/* Get a new token into *tok (spans into w->buf), res details. */
typedef et_err (*et_token_fetch_fn)(void *ctx, et_work *w, et_token *tok, et_result *res);

/* The token for key from cache, fetched when missing, due or renew:
 * FRESH is served; MISS and renew fetch (failure: the error); DUE fetches
 * and on a transient failure serves the cached token on (et_cache_failed;
 * *stale true). A fetched token goes into the cache (its refresh token,
 * if any, is the fetcher's business). *out: the served token (spans into
 * the cache). Time from port->mono_ms and port->unix_s.
 * Errors: ET_E_ARG, the fetcher's, et_cache_put's. */
ET_NODISCARD et_err et_cache_get(const et_port *port, et_cache *cache, const et_cache_key *key,
                                 bool renew, et_token_fetch_fn fetch, void *fetch_ctx,
                                 et_work *w, et_cached *out, bool *stale, et_result *res);

/* A token source for et_adme_call: client credentials through the cache. */
typedef struct et_cache_cc {
  et_cache *cache;
  const et_port *port;
  const et_app *app;
  et_endpoint ep;
  et_str target;            /* scope (v2.0) or resource (v1) */
  et_work *w;
} et_cache_cc;

/* et_token_source_fn over an et_cache_cc (ctx). */
ET_NODISCARD et_err et_cache_cc_token(void *ctx, bool renew, et_str *token, et_result *res);

#ifdef __cplusplus
}
#endif

#endif
