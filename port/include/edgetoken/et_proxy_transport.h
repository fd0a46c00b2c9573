/* SPDX-License-Identifier: MIT */
/* An HTTP proxy under the TLS port: an et_transport that wraps another
 * (BSD sockets, lwIP, a modem's sockets) and makes each connection a
 * CONNECT tunnel through the proxy, unless the no_proxy list sends the
 * host direct. TLS then runs inside the tunnel exactly as on a direct
 * connection: SNI, the certificate check and session resumption are the
 * origin's, and a kept-alive connection is the tunnel itself. The POSIX
 * and lwIP ports build it from their config's proxy field; another port
 * puts it between its transport and et_mbedtls_init.
 *
 * connect() does the whole exchange (TCP to the proxy, CONNECT, the
 * answer's head) within its timeout_ms; with timeout_ms 0 (the
 * non-blocking open) it takes CONFIG_ET_TIMEOUT_MS, as a transport that
 * connects synchronously may. Its errors, each with a detail naming the
 * proxy as "proxy host:port" (never the credentials):
 *   ET_E_PROXY_CONNECT   the proxy's name did not resolve, it refused the
 *                        connection or did not accept it in time
 *   ET_E_PROXY_AUTH      407: credentials wanted (none given) or refused
 *   ET_E_PROXY_REFUSED   another non-2xx status (e.g. 403 for a port the
 *                        proxy does not tunnel), the status in the detail
 *   ET_E_PROXY_PROTOCOL  the answer is not HTTP/1.x, is too large, has
 *                        bytes after a 2xx head, or the proxy closed first
 *   ET_E_TIMEOUT         no (whole) answer in time; ET_E_CANCELLED; the
 *                        inner transport's other errors as they are.
 * The handles are the inner transport's: et_sockets_fd works on them.
 * connect builds the request on its stack (about 2 KB with the names and
 * details) and wipes it once sent; nothing per connection is kept. */
#ifndef EDGETOKEN_ET_PROXY_TRANSPORT_H
#define EDGETOKEN_ET_PROXY_TRANSPORT_H

#include "edgetoken/et_diag.h"
#include "edgetoken/et_proxy.h"
#include "edgetoken/et_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the proxy is. Every pointer is borrowed for the transport's life. */
typedef struct et_proxy_config {
  const char *host;     /* name or IP literal; NULL or "": no proxy */
  uint16_t port;        /* 0: ET_PROXY_DEFAULT_PORT */
  /* Basic credentials, already percent-decoded (et_proxy_pct_decode);
   * empty user: none sent. The caller wipes them after et_*_free. */
  et_str user;
  et_str pass;
  const char *no_proxy; /* optional: hosts that go direct (et_proxy_bypass) */
} et_proxy_config;

typedef struct et_proxy_tunnel {
  et_transport inner;
  et_clock clock;
  et_diag *diag;
  et_proxy_config cfg;
} et_proxy_tunnel;

/* Initialise t over inner (copied) and fill *out with the tunnelling
 * transport (out->ctx = t). cfg is copied (its strings borrowed); a cfg
 * without host makes every connection direct. clock->mono_ms is required;
 * diag may be NULL. */
void et_proxy_tunnel_init(et_proxy_tunnel *t, const et_transport *inner,
                          const et_proxy_config *cfg, const et_clock *clock, et_diag *diag,
                          et_transport *out);

#ifdef __cplusplus
}
#endif

#endif
