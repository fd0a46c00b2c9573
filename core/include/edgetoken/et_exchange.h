/* One HTTPS request and its response over the port: the request is built in
 * the caller's workspace, sent, wiped, and the response decoded in place in
 * the same buffer. The building block every flow uses. */
#ifndef EDGETOKEN_ET_EXCHANGE_H
#define EDGETOKEN_ET_EXCHANGE_H

#include "et_http.h"
#include "et_json.h"
#include "et_port.h"
#include "et_url.h"

/* All memory a call may use, owned by the caller (static, stack or pool).
 * buf holds the request, then the response; tok is jsmn's token array. */
typedef struct et_work {
  uint8_t *buf;
  size_t cap;
  jsmntok_t *tok;
  size_t ntok;
  const char *why;    /* after a failure: static detail text, or NULL */
  int http_status;    /* status of the last response, 0 if none */
} et_work;

/* Writes a request body into b (form, JSON...). Called again for a retry. */
typedef et_err (*et_body_fn)(const void *arg, et_buf *b);

typedef struct et_request {
  et_str method;                /* "GET" or "POST" */
  const et_authority *to;
  et_str path;                  /* starts with '/' */
  et_str content_type;          /* for the body; empty when none */
  et_str authorization;         /* whole header value, or empty */
  const et_http_header *extra;
  size_t n_extra;
  et_body_fn body;              /* NULL: no body */
  const void *body_arg;
  bool replayable;              /* may be resent after it reached the server
                                   (see et_exchange) */
} et_request;

typedef struct et_response {
  bool request_sent;            /* bytes may have reached the server */
  int status;
  et_str body;                  /* in w->buf */
  bool json;
  bool has_retry_after;
  uint32_t retry_after_s;
} et_response;

/* One attempt: connect, send, receive the whole response. Secrets in the
 * request are wiped from w->buf once sent. timeout_ms bounds each step.
 * Errors: ET_E_NOSPACE (request does not fit w->buf), port errors,
 * ET_E_HTTP_*, ET_E_RESPONSE_TOO_LARGE, ET_E_TRUNCATED, ET_E_CANCELLED. */
et_err et_exchange_once(const et_port *port, const et_request *rq,
                        uint32_t timeout_ms, et_work *w, et_response *rs);

/* et_exchange_once plus the retry policy: up to CONFIG_ET_RETRY_ATTEMPTS
 * attempts on transport failures, on 5xx after a jittered back-off, and on
 * 429/503 after Retry-After when that is at most CONFIG_ET_RETRY_MAX_WAIT_MS;
 * a longer wait (or a 429 on the last attempt) returns ET_E_THROTTLED with
 * rs->retry_after_s set. HTTP statuses are not errors here: the caller
 * reads rs->status.
 *
 * Replays: a request that is not rq->replayable is sent at most once. It
 * is retried only when the attempt failed before the connection was open
 * (rs->request_sent false: DNS, connect, TLS handshake); once it may have
 * reached the server, its first answer or failure is returned as it is,
 * 5xx and 429 included. Flows mark as replayable only what the server may
 * see twice: client credentials, device code requests and polls, and
 * refresh (Entra keeps a used refresh token valid, see refresh.c). An
 * authorization code is single-use: a resent redemption could only end in
 * invalid_grant AADSTS54005, hiding the real failure. */
et_err et_exchange(const et_port *port, const et_request *rq,
                   uint32_t timeout_ms, et_work *w, et_response *rs);

/* Log through the port when lvl <= CONFIG_ET_LOG_LEVEL: text, then detail.
 * Never pass secrets. */
void et_log(const et_port *port, et_level lvl, const char *text, et_str detail);

/* et_log with et_strerror(e) as the detail. */
void et_log_error(const et_port *port, et_level lvl, const char *text, et_err e);

/* The level is also tested at the call site, so a call above
 * CONFIG_ET_LOG_LEVEL (all of them at 0) compiles to nothing, its
 * arguments and texts included. (et_log)(...) calls the function itself.
 * Variadic only because a compound literal's commas split macro arguments. */
#define et_log(port, lvl, ...)                                               \
  ((int)(lvl) <= CONFIG_ET_LOG_LEVEL ? et_log(port, lvl, __VA_ARGS__) : (void)0)
#define et_log_error(port, lvl, ...)                                         \
  ((int)(lvl) <= CONFIG_ET_LOG_LEVEL ? et_log_error(port, lvl, __VA_ARGS__) : (void)0)

#endif
