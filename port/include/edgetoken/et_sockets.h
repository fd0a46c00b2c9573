/* SPDX-License-Identifier: MIT */
/* An et_transport on a BSD-style socket API, whichever stack provides it:
 * the POSIX port gives it the C library's sockets (port/posix), the lwIP
 * port lwIP's (port/lwip). This layer keeps the connection table, tries a
 * name's addresses in turn, and does the waiting: non-blocking sockets,
 * poll() up to each call's deadline, in slices while a cancel check exists.
 * The stack-specific part is the small et_sock_api below.
 *
 * errno values are the C library's on both stacks (lwIP: build it with
 * LWIP_ERRNO_STDINCLUDE or an arch whose errno is the C library's). */
#ifndef EDGETOKEN_ET_SOCKETS_H
#define EDGETOKEN_ET_SOCKETS_H

#include "edgetoken/et_diag.h"
#include "edgetoken/et_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Addresses kept per name (e.g. its IPv6 and IPv4 ones), tried in order. */
#define ET_SOCK_ADDRS 4
/* Room for one socket address (a sockaddr_in6 is 28 bytes). */
#define ET_SOCK_ADDR_MAX 28

typedef struct et_sock_addr {
  uint32_t bytes[ET_SOCK_ADDR_MAX / 4]; /* a struct sockaddr_*, aligned */
  uint32_t len;
} et_sock_addr;

/* One connection. Fields are the layer's; read them, do not write. */
typedef struct et_socket {
  bool used;            /* handed out by connect, not closed yet */
  int fd;               /* the stack's descriptor; -1: none (free, or failed) */
  bool connecting;      /* a non-blocking connect is under way */
  int sys_errno;        /* errno of the last failure, for details */
  uint16_t port;
  uint8_t naddr, next;  /* addresses resolved; the next one to try */
  char host[ET_PORT_HOST_MAX];
  et_sock_addr addr[ET_SOCK_ADDRS];
} et_socket;

/* The stack's primitives. Each returns at once (sockets are non-blocking)
 * and reports a failure's errno value in *err. */
typedef struct et_sock_api {
  /* Resolve s->host for s->port into s->addr[0..s->naddr) (at least one).
   * ET_E_DNS on failure, with the reason in d. */
  et_err (*resolve)(void *ctx, et_socket *s, et_diag *d);
  /* A non-blocking TCP socket (TCP_NODELAY, close-on-exec where it exists)
   * connecting to a: the descriptor (>= 0), *in_progress when the connect
   * has not completed yet; or -1 with *err. */
  int (*connect)(const et_sock_addr *a, bool *in_progress, int *err);
  /* The pending connect's outcome: 0 connected, else its errno value. */
  int (*so_error)(int fd);
  /* Bytes moved (>= 0; recv: 0 is end of stream), or -1 with *err. Send
   * never raises SIGPIPE. */
  long (*send)(int fd, const uint8_t *p, size_t n, int *err);
  long (*recv)(int fd, uint8_t *p, size_t n, int *err);
  /* Wait up to ms for fd to be writable or readable (errors count as
   * ready): > 0 ready, 0 not in time, -1 with *err. */
  int (*poll)(int fd, bool for_write, uint32_t ms, int *err);
  void (*close)(int fd);
  /* a's address as text ("192.0.2.1", "::1") into buf[0..cap), for details. */
  void (*name)(const et_sock_addr *a, char *buf, size_t cap);
} et_sock_api;

typedef struct et_sockets {
  const et_sock_api *api;
  void *api_ctx;        /* passed to api->resolve */
  et_clock clock;
  et_diag *diag;
  et_socket socks[ET_PORT_CONNS];
} et_sockets;

/* Initialise s (all connections free) and fill *out with the transport
 * (out->ctx = s). api and clock->mono_ms are required; diag may be NULL.
 * api and the diag are borrowed for s's lifetime. */
void et_sockets_init(et_sockets *s, const et_sock_api *api, void *api_ctx,
                     const et_clock *clock, et_diag *diag, et_transport *out);

/* Close every open connection. */
void et_sockets_free(et_sockets *s);

/* The stack's descriptor of connection sock (for poll() in an event loop;
 * it changes when a refused address is followed by the next one), or -1. */
int et_sockets_fd(const et_sockets *s, int sock);

#ifdef __cplusplus
}
#endif

#endif
