/* SPDX-License-Identifier: MIT */
/* The lwIP port: TCP over lwIP's socket API (lwip_socket, lwip_connect,
 * lwip_poll, ...) with TLS and SHA-256 from the mbedTLS port, for an RTOS
 * with lwIP or lwIP's unix port on Linux. Composition, as in the POSIX
 * port: an et_sockets transport on lwIP's primitives
 * (port/lwip/lwip_sockets.c), an et_mbedtls over it, one et_diag; its own
 * are only those primitives and the clock (port/lwip/lwip_port.c). Link
 * the sources of port/common and port/mbedtls with it, never port/posix.
 *
 * Hooks et_lwip_init fills: open, send, recv, close, sha256, log, cancelled,
 * detail (et_lwip_detail), mono_ms (lwIP's sys_now(), widened to 64 bits:
 * call it at least once per 49 days, which any token request does) and
 * sleep_ms (sys_msleep).
 * Hooks the integrator sets after et_lwip_init: random (a CSPRNG, e.g. the
 * TRNG) and unix_s (RTC or SNTP: certificate validity needs the date), and
 * when wanted store and sign. mbedTLS itself wants an entropy source and
 * the time (see port/mbedtls/config/et_mbedtls_config.h, ET_MBEDTLS_DEVICE).
 *
 * TLS follows the mbedTLS port's policy (et_mbedtls.h): chain and host
 * name always verified, sessions kept and resumed per host; with mbedTLS
 * 2.28 the host must be a DNS name. Names resolve in this order: an IP
 * literal; cfg->resolve when set; lwIP's DNS (netconn_gethostbyname) when
 * LWIP_DNS is on.
 *
 * Threads: call from an application thread after tcpip_init and with a
 * netif up, never from the tcpip thread. One et_lwip holds ET_PORT_CONNS
 * connections; it is not thread-safe (one per thread). The non-blocking
 * open (et_mbedtls_open_start / _step on &lw->tls) works here too, with
 * et_sockets_fd(&lw->net, et_mbedtls_conn_sock(c)) to lwip_poll.
 *
 * lwipopts.h needs: NO_SYS 0, LWIP_SOCKET 1, LWIP_SOCKET_POLL 1 (lwIP's
 * default), LWIP_TCP 1, and errno values from the C library
 * (LWIP_ERRNO_STDINCLUDE, or an arch whose errno is the libc's); LWIP_DNS 1
 * (with LWIP_UDP) for name resolution. port/lwip/config/lwipopts.h is a
 * small one for Cortex-M. */
#ifndef EDGETOKEN_ET_LWIP_H
#define EDGETOKEN_ET_LWIP_H

#include "edgetoken/et_diag.h"
#include "edgetoken/et_mbedtls.h"
#include "edgetoken/et_proxy_transport.h"
#include "edgetoken/et_sockets.h"

#include "lwip/ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Resolve host (NUL-terminated) into *addr: ET_OK, or ET_E_DNS when this
 * hook does not know the name (lwIP's DNS is asked next, if built in). */
typedef et_err (*et_lwip_resolve_fn)(void *ctx, const char *host, ip_addr_t *addr);

typedef struct et_lwip_config {
  /* Trust anchors: PEM (its length counts the terminating NUL) or DER, in
   * memory; borrowed during et_lwip_init only. */
  const unsigned char *ca;
  size_t ca_len;
  const char *ca_file;  /* instead of ca, where mbedTLS has MBEDTLS_FS_IO */
  et_level log_level;   /* 0 = silent; messages with level <= this are logged */
  /* NULL: stderr, "edgetoken: <level>: msg\n" (control bytes shown as '?'). */
  void (*log_sink)(void *sink_ctx, et_level lvl, const char *msg, size_t n);
  void *sink_ctx;
  volatile int *cancel; /* optional: non-zero asks the running call to stop */
  et_lwip_resolve_fn resolve; /* optional: names without (or before) DNS */
  void *resolve_ctx;
  /* optional: the site's HTTP proxy (host, port, Basic credentials,
   * no_proxy), e.g. from the device's provisioning; connections tunnel
   * through it with CONNECT (et_proxy_transport.h). Copied, its strings
   * borrowed until et_lwip_free. NULL: direct connections. */
  const et_proxy_config *proxy;
} et_lwip_config;

typedef struct et_lwip {
  et_diag diag;         /* details and log, shared by the layers below */
  volatile int *cancel;
  et_lwip_resolve_fn resolve;
  void *resolve_ctx;
  uint32_t now_last;    /* sys_now() at the last mono_ms, to count its wraps */
  uint64_t now_high;    /* wraps << 32 */
  et_sockets net;       /* the transport: lwIP's sockets */
  et_proxy_tunnel tunnel; /* over net, when cfg->proxy names one */
  et_mbedtls tls;       /* TLS and SHA-256 over net or tunnel */
} et_lwip;

/* Initialise lw and fill the hooks listed above (port->ctx = lw; every
 * other hook NULL). Needs cfg->ca or cfg->ca_file.
 * Errors: ET_E_ARG (lw, port or cfg NULL, or no CA given), ET_E_TLS_CONFIG
 * (trust anchors unparseable or empty: see et_lwip_detail), ET_E_RANDOM
 * (seeding mbedTLS's DRBG failed: no entropy source).
 * On failure lw needs no et_lwip_free, but calling it is harmless. */
ET_NODISCARD et_err et_lwip_init(et_lwip *lw, const et_lwip_config *cfg, et_port *port);

/* Close any open connection, free the mbedTLS state and wipe lw. */
void et_lwip_free(et_lwip *lw);

/* Human-readable detail of the last failure ("" if none), e.g.
 * "connect to 192.0.2.1:443: Connection reset by peer". Valid until the
 * next call on lw. */
const char *et_lwip_detail(const et_lwip *lw);

#ifdef __cplusplus
}
#endif

#endif
