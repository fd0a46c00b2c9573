/* SPDX-License-Identifier: MIT */
/* Connection slots: et_port's open/send/recv/close and the non-blocking
 * open, plain or TLS, over the transport. Every call runs one loop: try
 * once, and while that would block and the call's deadline has not
 * passed, try again (the transport itself waits, up to the deadline). */
#include "mt_internal.h"

#include <string.h>

uint64_t mt_now(const et_mbedtls *mt) {
  return mt->clock.mono_ms(mt->clock.ctx);
}

static bool mt_cancelled(const et_mbedtls *mt) {
  return mt->clock.cancelled != NULL && mt->clock.cancelled(mt->clock.ctx);
}

/* What is left of c's deadline, in slices while a cancel check exists. */
static uint32_t mt_io_ms(const et_conn *c) {
  const et_mbedtls *mt = c->mt;
  uint64_t now = mt_now(mt);
  uint64_t left = now >= c->deadline_ms ? 0 : c->deadline_ms - now;
  if (mt->clock.cancelled != NULL && left > ET_CANCEL_SLICE_MS)
    left = ET_CANCEL_SLICE_MS;
  return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

et_err mt_net_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent) {
  et_mbedtls *mt = c->mt;
  et_err e = mt->net.send(mt->net.ctx, c->sock, p, n, sent, mt_io_ms(c));
  if (e == ET_OK)
    mt->stats.bytes_sent += *sent;
  c->want_write = e == ET_E_TIMEOUT;
  return e;
}

et_err mt_net_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got) {
  et_mbedtls *mt = c->mt;
  et_err e = mt->net.recv(mt->net.ctx, c->sock, p, cap, got, mt_io_ms(c));
  if (e == ET_OK)
    mt->stats.bytes_received += *got;
  c->want_write = false;
  return e;
}

static bool mt_busy(const et_conn *c) {
  return c != NULL && c->mt != NULL && c->sock >= 0;
}

/* One attempt of a call; io carries its buffer. */
typedef struct mt_io {
  const uint8_t *out;
  uint8_t *in;
  size_t n;
  size_t *done;
} mt_io;
typedef et_err (*mt_op)(et_conn *c, const mt_io *io);

static et_err mt_run(et_conn *c, mt_op op, const mt_io *io, uint32_t timeout_ms) {
  et_mbedtls *mt = c->mt;
  c->deadline_ms = mt_now(mt) + timeout_ms;
  for (;;) {
    if (mt_cancelled(mt))
      return et_diag_fail(mt->diag, ET_E_CANCELLED, "cancelled", MT_END);
    et_err e = op(c, io);
    if (e != ET_E_TIMEOUT || mt_now(mt) >= c->deadline_ms)
      return e;
  }
}

/* Open: a plain connection is up when the transport says so (a send of
 * nothing); a TLS one when its handshake is done. */
static et_err mt_op_open(et_conn *c, const mt_io *io) {
  size_t none = 0;
  (void)io;
  if (c->tls)
    return mt_tls_handshake(c);
  return mt_net_send(c, NULL, 0, &none); /* would block: the connect is under way */
}

static et_err mt_op_send(et_conn *c, const mt_io *io) {
  return c->tls ? mt_tls_write(c, io->out, io->n, io->done)
                : mt_net_send(c, io->out, io->n, io->done);
}

static et_err mt_op_recv(et_conn *c, const mt_io *io) {
  if (c->tls)
    return mt_tls_read(c, io->in, io->n, io->done);
  et_err e = mt_net_recv(c, io->in, io->n, io->done);
  if (e == ET_E_CLOSED)
    c->peer_closed = true;
  return e;
}

/* Give the slot back: the transport's connection closed, the kept
 * session (if any) stays for the next connection to host:port. */
static void mt_release(et_conn *c) {
  et_mbedtls *mt = c->mt;
  mt->net.close(mt->net.ctx, c->sock);
  c->sock = -1;
  c->tls = c->handshaking = c->full = c->want_write = false;
  c->peer_closed = c->failed = c->new_session = false;
  c->net_err = ET_OK;
  c->deadline_ms = 0;
}

/* The slot and the transport's connection, connect started (timeout 0) or
 * done; TLS set up. */
static et_err mt_begin(et_mbedtls *mt, et_str host, uint16_t port, bool tls,
                       uint32_t connect_ms, et_conn **out) {
  if (mt == NULL || out == NULL)
    return ET_E_ARG;
  *out = NULL;
  et_diag_clear(mt->diag);
  /* Accept "[::1]" as well as "::1". */
  if (host.n >= 2 && host.p[0] == '[' && host.p[host.n - 1] == ']') {
    host.p++;
    host.n -= 2;
  }
  if (host.p == NULL || host.n == 0 || host.n >= ET_PORT_HOST_MAX ||
      memchr(host.p, '\0', host.n) != NULL)
    return et_diag_fail(mt->diag, ET_E_ARG, "host name empty, too long or contains NUL", MT_END);
  if (port == 0)
    return et_diag_fail(mt->diag, ET_E_ARG, "port 0", MT_END);
  char name[ET_PORT_HOST_MAX];
  memcpy(name, host.p, host.n);
  name[host.n] = '\0';
  if (tls) {
    et_err ca = mt_ca_ready(mt); /* before a connection is spent */
    if (ca != ET_OK)
      return ca;
  }
  et_conn *c = mt_slot_pick(mt, name, port);
  if (c == NULL)
    return et_diag_fail(mt->diag, ET_E_NOSPACE, "all connections are in use", MT_END);
  int sock = -1;
  et_err e = mt->net.connect(mt->net.ctx, name, port, connect_ms, &sock);
  if (e != ET_OK)
    return e; /* the transport left its detail */
  c->sock = sock;
  c->tls = tls;
  c->handshaking = true;
  c->last_used = ++mt->opens;
  if (tls) {
    e = mt_tls_begin(c);
    if (e != ET_OK) {
      c->tls = false; /* mt_tls_begin freed its state */
      mt_release(c);
      return e;
    }
  }
  *out = c;
  return ET_OK;
}

static void mt_opened(et_conn *c) {
  et_mbedtls *mt = c->mt;
  char num[ET_DIAG_NUM_MAX];
  c->handshaking = false;
  mt->stats.opened++;
  et_diag_log(mt->diag, ET_LOG_DEBUG, "connected to ", c->host, ":", et_diag_uint(num, c->port),
              c->tls ? " (TLS)" : "", MT_END);
}

/* A failed open gives its slot back (a TLS error also its session). */
static et_err mt_open_failed(et_conn *c, et_err e) {
  if (c->tls) {
    mt_tls_end(c);
    mt_session_settle(c);
  }
  mt_release(c);
  return e;
}

et_err et_mbedtls_open(et_mbedtls *mt, et_str host, uint16_t port, bool tls,
                       uint32_t timeout_ms, et_conn **out) {
  et_conn *c = NULL;
  if (out == NULL)
    return ET_E_ARG;
  *out = NULL;
  uint64_t start = mt != NULL ? mt_now(mt) : 0;
  et_err e = mt_begin(mt, host, port, tls, timeout_ms, &c);
  /* c == NULL only with an error; the analyzers cannot see that the
   * et_diag_fail calls in mt_begin never return ET_OK. */
  if (e != ET_OK || c == NULL)
    return e != ET_OK ? e : ET_E_ARG;
  uint64_t spent = mt_now(mt) - start;
  e = mt_run(c, mt_op_open, NULL, spent >= timeout_ms ? 0 : (uint32_t)(timeout_ms - spent));
  if (e == ET_E_TIMEOUT)
    e = et_diag_fail(mt->diag, e, tls ? "TLS handshake with '" : "connect to '", c->host,
                     "' timed out", MT_END);
  if (e != ET_OK)
    return mt_open_failed(c, e);
  mt_opened(c);
  *out = c;
  return ET_OK;
}

et_err et_mbedtls_open_start(et_mbedtls *mt, et_str host, uint16_t port, bool tls,
                             et_conn **out) {
  return mt_begin(mt, host, port, tls, 0, out);
}

et_err et_mbedtls_open_step(et_conn *c) {
  if (!mt_busy(c))
    return ET_E_ARG;
  if (!c->handshaking)
    return ET_OK;
  et_err e = mt_run(c, mt_op_open, NULL, 0);
  if (e == ET_OK)
    mt_opened(c);
  else if (e != ET_E_TIMEOUT)
    mt_open_failed(c, e);
  return e;
}

bool et_mbedtls_wants_write(const et_conn *c) {
  return mt_busy(c) && c->want_write;
}

int et_mbedtls_conn_sock(const et_conn *c) {
  return mt_busy(c) ? c->sock : -1;
}

et_err et_mbedtls_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                       uint32_t timeout_ms) {
  if (sent != NULL)
    *sent = 0;
  if (!mt_busy(c) || c->handshaking || sent == NULL || p == NULL || n == 0)
    return ET_E_ARG;
  mt_io io = { p, NULL, n, sent };
  et_err e = mt_run(c, mt_op_send, &io, timeout_ms);
  if (e == ET_E_TIMEOUT && timeout_ms > 0)
    e = et_diag_fail(c->mt->diag, e, "send to '", c->host, "' timed out", MT_END);
  return e;
}

et_err et_mbedtls_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                       uint32_t timeout_ms) {
  char num[ET_DIAG_NUM_MAX];
  if (got != NULL)
    *got = 0;
  if (!mt_busy(c) || c->handshaking || got == NULL || p == NULL || cap == 0)
    return ET_E_ARG;
  mt_io io = { NULL, p, cap, got };
  et_err e = mt_run(c, mt_op_recv, &io, timeout_ms);
  if (e == ET_E_TIMEOUT && timeout_ms > 0)
    e = et_diag_fail(c->mt->diag, e, "no data from '", c->host, "' within ",
                     et_diag_uint(num, timeout_ms), " ms", MT_END);
  return e;
}

void et_mbedtls_close(et_conn *c) {
  if (!mt_busy(c))
    return;
  if (c->tls) {
    c->deadline_ms = 0; /* close_notify: try once, never wait */
    mt_tls_end(c);
    mt_session_settle(c);
  }
  mt_release(c);
}
