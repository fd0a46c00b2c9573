/* SPDX-License-Identifier: MIT */
/* The loopback redirect listener (POSIX): the one-shot HTTP server that
 * receives the browser's redirect after sign-in.
 *
 *   et_listener l;
 *   et_listener_open(&l, "http://localhost:8080/", &cancel_flag);
 *   et_listener_wait(&l, 300000, query, sizeof query, &n);  // "code=...&state=..."
 *   ... check state, redeem ...
 *   et_listener_finish(&l, ET_PAGE_SIGNED_IN, NULL);        // the page, then close
 *   et_listener_close(&l);
 *
 * It binds 127.0.0.1 and [::1] (whichever exist) on the redirect URI's
 * port, so "localhost" works whatever the browser resolves it to. Several
 * connections are served at once (browsers open spare ones); a request for
 * another path (favicon.ico, ...) gets a 404 and the wait goes on; another
 * method gets a 405. Only the request line is used; headers are read and
 * dropped. Nothing is logged: the query holds the authorization code. */
#ifndef EDGETOKEN_ET_POSIX_LISTENER_H
#define EDGETOKEN_ET_POSIX_LISTENER_H

#include "edgetoken/et_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ET_LISTENER_SLOTS 4        /* connections read at the same time */
#define ET_LISTENER_REQ_MAX 8192   /* request line + headers we read */

typedef enum et_listener_page {
  ET_PAGE_SIGNED_IN = 0,      /* 200 "Signed in. You can close this window." */
  ET_PAGE_ERROR = 1,          /* 400 "Sign-in failed" + detail */
  ET_PAGE_STATE_MISMATCH = 2  /* 400: the answer was not for this sign-in */
} et_listener_page;

typedef struct et_listener_conn {
  int fd;                     /* -1: free */
  uint64_t since_ms;          /* accepted at; the oldest is dropped first */
  size_t len;
  char req[ET_LISTENER_REQ_MAX + 1];
} et_listener_conn;

typedef struct et_listener {
  int lfd[2];                 /* IPv4 and IPv6 listening sockets, -1 unused */
  uint16_t port;              /* bound port (the URI's, or the one picked for 0) */
  char path[256];             /* expected path, e.g. "/" */
  volatile int *cancel;
  et_listener_conn conns[ET_LISTENER_SLOTS];
  int answer_fd;              /* the redirect's connection, until finish */
  char detail[160];           /* last failure for humans; "" if none */
} et_listener;

/* Parse redirect_uri ("http://localhost[:port][/path]", also 127.0.0.1 and
 * [::1]; port 0 picks a free one, see et_listener_port) and listen.
 * ET_E_URL: not such a URI (https, another host, a query or fragment);
 * ET_E_IO: no loopback address could be bound (port in use: see detail).
 * cancel may be NULL. */
ET_NODISCARD et_err et_listener_open(et_listener *l, const char *redirect_uri,
                                    volatile int *cancel);

uint16_t et_listener_port(const et_listener *l);

/* Wait up to timeout_ms for "GET <path>?<query>" and copy the query
 * (NUL-terminated, still percent-encoded) into out. The connection stays
 * open for et_listener_finish. ET_E_TIMEOUT, ET_E_CANCELLED, ET_E_NOSPACE
 * (query longer than cap - 1; the browser got a 414), ET_E_IO. */
ET_NODISCARD et_err et_listener_wait(et_listener *l, uint32_t timeout_ms, char *out, size_t cap,
                                     size_t *len);

/* Answer the redirect's connection with a page and close it. detail (may
 * be NULL) is shown HTML-escaped on the error page. A courtesy to the
 * browser: its result may be ignored (not ET_NODISCARD), the sign-in's
 * outcome does not depend on it. */
et_err et_listener_finish(et_listener *l, et_listener_page page, const char *detail);

/* Close every socket and wipe the buffers (they held the code). */
void et_listener_close(et_listener *l);

const char *et_listener_detail(const et_listener *l);

#ifdef __cplusplus
}
#endif

#endif
