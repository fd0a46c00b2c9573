/* SPDX-License-Identifier: MIT */
/* The byte transport under the TLS port: a reliable, ordered byte stream to
 * host:port (TCP over BSD sockets or lwIP, a modem's socket service, an
 * RTOS TCP API). port/mbedtls runs TLS over it; porting edgetoken to a new
 * network stack means writing these four functions (docs/devices.md). The
 * model is coreHTTP's TransportInterface_t, with timeouts and typed errors.
 *
 * A transport holds its own connections; it names each one by a small
 * non-negative handle (a socket descriptor, a modem's link id) that the
 * caller passes back. It need not be thread-safe: one caller at a time.
 *
 * Timeouts: every call waits at most timeout_ms. 0 means "try once": the
 * call never waits, and "would block" is ET_E_TIMEOUT (event loops use this
 * and wait for readiness themselves). */
#ifndef EDGETOKEN_ET_TRANSPORT_H
#define EDGETOKEN_ET_TRANSPORT_H

#include "edgetoken/et_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Connections a port keeps open at once (its connection slots): two let a
 * program run two flows side by side, e.g. a token request while a device
 * sign-in polls. Define it for the whole build (all translation units
 * must agree); every slot costs an mbedTLS context and a kept session. */
#ifndef ET_PORT_CONNS
#define ET_PORT_CONNS 2
#endif

/* Longest host name a port takes, its NUL included (DNS allows 253). */
#define ET_PORT_HOST_MAX 256

typedef struct et_transport {
  void *ctx; /* the transport's own state, passed to every hook */

  /* Connect to host (NUL-terminated: a DNS name or an IP literal) at port
   * and write the connection's handle (>= 0) to *sock. Waits up to
   * timeout_ms for the connection to be up. timeout_ms 0 only starts it:
   * ET_OK as soon as the attempt is under way; until it is up, send and
   * recv answer ET_E_TIMEOUT (send with n = 0 is the way to ask), and if
   * it fails they answer ET_E_CONNECT. A transport that can only connect
   * synchronously may ignore that and connect fully.
   * Errors (*sock untouched, nothing to close): ET_E_DNS, ET_E_CONNECT,
   * ET_E_TIMEOUT, ET_E_CANCELLED, ET_E_NOSPACE (no free connection),
   * ET_E_ARG, ET_E_IO. */
  et_err (*connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms,
                    int *sock);
  /* Send up to n bytes: ET_OK with 0 < *sent <= n. n = 0 sends nothing and
   * answers whether the connection is up (ET_OK). ET_E_TIMEOUT: nothing
   * could be sent in time (0: it would block). ET_E_CLOSED: the peer closed
   * or reset the connection. ET_E_CONNECT: a started connect failed.
   * ET_E_CANCELLED, ET_E_IO. *sent is 0 on every error. */
  et_err (*send)(void *ctx, int sock, const uint8_t *p, size_t n, size_t *sent,
                 uint32_t timeout_ms);
  /* Receive up to cap (> 0) bytes. Exactly one of: ET_OK with *got > 0;
   * ET_E_TIMEOUT, no data yet (0: none waiting); ET_E_CLOSED, the peer
   * closed (end of stream) or reset the connection; or a hard error:
   * ET_E_CONNECT (a started connect failed), ET_E_CANCELLED, ET_E_IO.
   * *got is 0 on every error. */
  et_err (*recv)(void *ctx, int sock, uint8_t *p, size_t cap, size_t *got,
                 uint32_t timeout_ms);
  /* Close the connection and free its handle. Never blocks. */
  void (*close)(void *ctx, int sock);
} et_transport;

/* What code that waits needs from the platform: a monotonic clock for its
 * deadlines, and (optional) the caller's request to stop. */
typedef struct et_clock {
  uint64_t (*mono_ms)(void *ctx);
  bool (*cancelled)(void *ctx); /* optional: NULL never cancels */
  void *ctx;
} et_clock;

/* Waits in slices of at most this many ms while a cancel check exists, so
 * a request to stop is seen promptly even when nothing interrupts a wait. */
#define ET_CANCEL_SLICE_MS 200u

#ifdef __cplusplus
}
#endif

#endif
