/* SPDX-License-Identifier: MIT */
/* The event loop's view of the network: the POSIX port's non-blocking
 * connection API, behind one small adapter so the loop does not change when
 * the port does. The shape is the port's (et_posix.h, "Non-blocking use
 * from an event loop"):
 *
 *   loop_net_open_start(n, host, port, tls, &c)  take a slot, start connecting
 *   loop_net_open_step(c)       ET_OK open; ET_E_TIMEOUT poll loop_net_fd(c)
 *                               for loop_net_wants_write(c) ? POLLOUT : POLLIN
 *                               and step again; else failed (slot free again,
 *                               do not close c)
 *   port->send / port->recv     with timeout 0: ET_E_TIMEOUT = would block,
 *                               poll as above (send again with the same bytes)
 *   port->close(c)
 *
 * with several connections at once (the port's ET_PORT_CONNS slots).
 *
 * Two implementations, picked by what et_posix.h offers:
 * - the port's own (its et_posix.h includes et_transport.h, which defines
 *   ET_PORT_CONNS): loop_net is one et_posix and every function forwards
 *   to its et_posix_* namesake;
 * - INTERIM, for a port with one connection per et_posix and a blocking
 *   open: one et_posix per connection, and loop_net_open_start opens
 *   completely (connect and handshake, up to LOOP_NET_OPEN_MS, blocking the
 *   loop meanwhile), so loop_net_open_step has nothing left to do. send and
 *   recv with timeout 0 are non-blocking already. Delete this branch once
 *   the port's API is in. */
#ifndef EDGETOKEN_EXAMPLE_LOOP_NET_H
#define EDGETOKEN_EXAMPLE_LOOP_NET_H

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"

#include <string.h>

#if defined(ET_PORT_CONNS) /* the port's non-blocking API */

typedef struct loop_net {
  et_posix px;
} loop_net;

static inline et_err loop_net_init(loop_net *n, const et_posix_config *cfg, et_port *port) {
  return et_posix_init(&n->px, cfg, port);
}

static inline void loop_net_free(loop_net *n) {
  et_posix_free(&n->px);
}

static inline et_err loop_net_open_start(loop_net *n, et_str host, uint16_t port, bool tls,
                                         et_conn **out) {
  return et_posix_open_start(&n->px, host, port, tls, out);
}

static inline et_err loop_net_open_step(et_conn *c) {
  return et_posix_open_step(c);
}

static inline int loop_net_fd(const et_conn *c) {
  return et_posix_conn_fd(c);
}

static inline bool loop_net_wants_write(const loop_net *n, const et_conn *c) {
  (void)n;
  return et_posix_conn_wants_write(c);
}

static inline const char *loop_net_detail(const loop_net *n) {
  return et_posix_detail(&n->px);
}

#else /* INTERIM: one blocking et_posix per connection */

#define LOOP_NET_CONNS 2
#define LOOP_NET_OPEN_MS 10000u

typedef struct loop_net {
  et_posix px[LOOP_NET_CONNS];
  et_port slot_port[LOOP_NET_CONNS];
  bool ready[LOOP_NET_CONNS];
  bool want_write[LOOP_NET_CONNS]; /* what the last would-block waited for */
  const et_posix *last;            /* where the last failure's detail is */
} loop_net;

/* Which et_posix a connection belongs to. */
static inline int loop_net_slot(const loop_net *n, const et_conn *c) {
  for (int i = 0; i < LOOP_NET_CONNS; i++)
    if (c == &n->px[i].conn)
      return i;
  return -1;
}

/* The wrappers below record which way a connection would block; they find
 * their loop_net from the connection's et_posix, the first of n->px. */
static loop_net *g_loop_net;

static inline et_err loop_net_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                                   uint32_t timeout_ms) {
  int i = loop_net_slot(g_loop_net, c);
  et_err e = i < 0 ? ET_E_ARG : g_loop_net->slot_port[i].send(c, p, n, sent, timeout_ms);
  if (i >= 0 && e == ET_E_TIMEOUT)
    g_loop_net->want_write[i] = true;
  if (i >= 0 && e != ET_OK)
    g_loop_net->last = &g_loop_net->px[i];
  return e;
}

static inline et_err loop_net_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                                   uint32_t timeout_ms) {
  int i = loop_net_slot(g_loop_net, c);
  et_err e = i < 0 ? ET_E_ARG : g_loop_net->slot_port[i].recv(c, p, cap, got, timeout_ms);
  if (i >= 0 && e == ET_E_TIMEOUT)
    g_loop_net->want_write[i] = false;
  if (i >= 0 && e != ET_OK && e != ET_E_TIMEOUT)
    g_loop_net->last = &g_loop_net->px[i];
  return e;
}

static inline void loop_net_close(et_conn *c) {
  int i = loop_net_slot(g_loop_net, c);
  if (i >= 0)
    g_loop_net->slot_port[i].close(c);
}

/* Initialise n and fill *port (open unused: connections come from
 * loop_net_open_start). Errors: et_posix_init's. */
static inline et_err loop_net_init(loop_net *n, const et_posix_config *cfg, et_port *port) {
  memset(n, 0, sizeof *n);
  g_loop_net = n;
  for (int i = 0; i < LOOP_NET_CONNS; i++) {
    et_err e = et_posix_init(&n->px[i], cfg, &n->slot_port[i]);
    if (e != ET_OK) {
      n->last = &n->px[i];
      return e;
    }
    n->ready[i] = true;
  }
  *port = n->slot_port[0];
  port->open = NULL;
  port->send = loop_net_send;
  port->recv = loop_net_recv;
  port->close = loop_net_close;
  return ET_OK;
}

static inline void loop_net_free(loop_net *n) {
  for (int i = 0; i < LOOP_NET_CONNS; i++)
    if (n->ready[i])
      et_posix_free(&n->px[i]);
}

static inline et_err loop_net_open_start(loop_net *n, et_str host, uint16_t port, bool tls,
                                         et_conn **out) {
  for (int i = 0; i < LOOP_NET_CONNS; i++) {
    if (n->px[i].conn.fd >= 0)
      continue;
    n->want_write[i] = false;
    n->last = &n->px[i];
    return n->slot_port[i].open(n->slot_port[i].ctx, host, port, tls, LOOP_NET_OPEN_MS, out);
  }
  return ET_E_NOSPACE;
}

static inline et_err loop_net_open_step(et_conn *c) {
  (void)c;
  return ET_OK;
}

static inline int loop_net_fd(const et_conn *c) {
  return c->fd;
}

static inline bool loop_net_wants_write(const loop_net *n, const et_conn *c) {
  int i = loop_net_slot(n, c);
  return i >= 0 && n->want_write[i];
}

/* The port's words on its last failure ("" if none). */
static inline const char *loop_net_detail(const loop_net *n) {
  return n->last != NULL ? et_posix_detail(n->last) : "";
}

#endif /* INTERIM */

#endif
