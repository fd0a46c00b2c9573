/* SPDX-License-Identifier: MIT */
/* What every flow borrows from its caller: the workspace (request, then
 * response, then the decoded token, all in one buffer), an optional kept
 * connection, and the port's log. */
#ifndef EDGETOKEN_ET_WORK_H
#define EDGETOKEN_ET_WORK_H

#include "et_json.h"
#include "et_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest host name a kept connection remembers (RFC 1035's 253). */
#define ET_HOST_MAX 253

/* A host:port an et_link remembers. */
typedef struct et_link_peer {
  uint16_t port;
  uint16_t host_len;
  char host[ET_HOST_MAX];
} et_link_peer;

/* A connection kept open between requests to one host (HTTP keep-alive),
 * owned by the caller (static, stack or pool) and zeroed before first use.
 * The drivers (et_drive and every blocking flow) reuse it for the next
 * request to the same host:port while it is younger than idle_max_ms since
 * its last answer, and replace it otherwise. Close it with et_link_close
 * when done. Fields other than idle_max_ms are the drivers'. */
typedef struct et_link {
  et_conn *conn;            /* NULL: nothing open */
  uint64_t last_ms;         /* port->mono_ms when the last answer ended */
  uint32_t idle_max_ms;     /* 0: CONFIG_ET_KEEPALIVE_IDLE_MS */
  uint32_t opened;          /* connections opened through this link */
  uint32_t reused;          /* requests sent on an already open connection */
  et_link_peer peer;        /* where conn goes */
  /* Throttle memory: the last host:port whose call ended throttled (a 429,
   * or any failure whose last answer carried Retry-After) and the
   * port->mono_ms before which nothing more goes to it. A call through
   * this link to it before then fails at once with ET_E_THROTTLED,
   * et_result.retry_after_s the seconds left and http_status 0: nothing
   * is sent, so a caller's loop cannot hammer a throttling server. A call
   * that succeeds there clears it. */
  uint64_t hold_until_ms;
  et_link_peer hold;
} et_link;

/* All memory a call may use, owned by the caller (static, stack or pool):
 * inputs only, results go to et_result. buf holds the request, then the
 * response; tok is jsmn's token array. */
typedef struct et_work {
  uint8_t *buf;
  size_t cap;
  jsmntok_t *tok;
  size_t ntok;
  et_link *link;      /* optional: keep the connection for the next call
                         (NULL: each call opens and closes its own) */
} et_work;

/* Writes a request body into b (form, JSON...). Called again for each
 * attempt, and once more in redact mode for the debug log. */
typedef et_err (*et_body_fn)(const void *arg, et_buf *b);

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

#ifdef __cplusplus
}
#endif

#endif
