/* The connection slot: argument checks, deadlines, plain and TLS send and
 * receive, on top of the socket layer (px_sock_*). Shared by the POSIX port
 * (posix_net.c) and the lwIP port (port/lwip/lwip_net.c), with the hooks
 * both fill the same way (px_port_fill). */
#include "posix_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* With a cancel flag, wait in slices so a flag set by another thread (no
 * signal to interrupt the wait) is still seen promptly. */
#define PX_POLL_SLICE_MS 200u

et_err px_wait_conn(et_conn *c, bool for_write, uint64_t deadline_ms) {
  et_posix *px = c->px;
  for (;;) {
    if (px_cancelled(px))
      return px_fail(px, ET_E_CANCELLED, "cancelled");
    uint64_t now = px_mono_ms(px);
    uint64_t left = now >= deadline_ms ? 0 : deadline_ms - now;
    if (px->cancel && left > PX_POLL_SLICE_MS)
      left = PX_POLL_SLICE_MS;
    if (left > INT32_MAX)
      left = INT32_MAX;
    et_err e = px_sock_poll(c, for_write, (uint32_t)left);
    if (e != ET_E_TIMEOUT)
      return e; /* ready (also on errors: the next call reports them), or failed */
    if (px_mono_ms(px) >= deadline_ms)
      return ET_E_TIMEOUT;
  }
}

long px_io_result(et_conn *c, long r, int err) {
  if (r >= 0)
    return r;
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
    return PX_IO_AGAIN;
  c->sys_errno = err;
  if (err == EPIPE || err == ECONNRESET || err == ECONNABORTED || err == ENOTCONN)
    return PX_IO_RESET;
  return PX_IO_ERROR;
}

const char *px_peer_name(const et_conn *c, char *buf, size_t cap) {
  bool v6 = strchr(c->host, ':') != NULL;
  snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", c->host, (unsigned)c->port);
  return buf;
}

/* Why the last socket call failed, for humans. */
static const char *sock_reason(const et_conn *c, const char *none) {
  return c->sys_errno != 0 ? strerror(c->sys_errno) : none;
}

static void slot_reset(et_conn *c) {
  et_posix *px = c->px;
  et_wipe(c, sizeof *c);
  c->px = px;
  c->fd = -1;
}

et_err px_open(void *ctx, et_str host, uint16_t port, bool tls,
               uint32_t timeout_ms, et_conn **out) {
  et_posix *px = ctx;
  if (px == NULL || out == NULL)
    return ET_E_ARG;
  *out = NULL;
  px->detail[0] = '\0';
  et_conn *c = &px->conn;
  if (c->fd >= 0)
    return px_fail(px, ET_E_NOSPACE, "a connection is already open");
  /* Accept "[::1]" as well as "::1". */
  if (host.n >= 2 && host.p[0] == '[' && host.p[host.n - 1] == ']') {
    host.p++;
    host.n -= 2;
  }
  if (host.p == NULL || host.n == 0 || host.n >= sizeof c->host ||
      memchr(host.p, '\0', host.n) != NULL)
    return px_fail(px, ET_E_ARG, "host name empty, too long or contains NUL");
  if (port == 0)
    return px_fail(px, ET_E_ARG, "port 0");

  memcpy(c->host, host.p, host.n);
  c->host[host.n] = '\0';
  c->port = port;
  c->tls = tls;
  uint64_t deadline_ms = px_mono_ms(px) + timeout_ms;
  et_err e = px_sock_connect(c, deadline_ms, timeout_ms);
  if (e == ET_OK && tls) {
    e = px_tls_handshake(c, deadline_ms);
    if (e != ET_OK)
      c->tls = false; /* px_tls_handshake freed its state */
  }
  if (e != ET_OK) {
    if (c->fd >= 0)
      px_sock_close(c);
    slot_reset(c);
    return e;
  }
  char name[300];
  px_logf(px, ET_LOG_DEBUG, "connected to %s%s", px_peer_name(c, name, sizeof name),
          tls ? " (TLS)" : "");
  *out = c;
  return ET_OK;
}

static bool conn_ok(const et_conn *c) {
  return c != NULL && c->px != NULL && c->fd >= 0;
}

et_err px_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
               uint32_t timeout_ms) {
  if (sent)
    *sent = 0;
  if (!conn_ok(c) || sent == NULL || p == NULL || n == 0)
    return ET_E_ARG;
  et_posix *px = c->px;
  uint64_t deadline_ms = px_mono_ms(px) + timeout_ms;
  if (c->tls)
    return px_tls_send(c, p, n, sent, deadline_ms);
  char name[300];
  for (;;) {
    long r = px_sock_send(c, p, n);
    if (r > 0) {
      *sent = (size_t)r;
      return ET_OK;
    }
    if (r == PX_IO_AGAIN) {
      et_err e = px_wait_conn(c, true, deadline_ms);
      if (e == ET_E_TIMEOUT)
        return px_fail(px, e, "send to %s: timed out after %u ms",
                       px_peer_name(c, name, sizeof name), (unsigned)timeout_ms);
      if (e != ET_OK)
        return e;
      continue;
    }
    return px_fail(px, r == PX_IO_RESET ? ET_E_CLOSED : ET_E_IO, "send to %s: %s",
                   px_peer_name(c, name, sizeof name), sock_reason(c, "sent nothing"));
  }
}

et_err px_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
               uint32_t timeout_ms) {
  if (got)
    *got = 0;
  if (!conn_ok(c) || got == NULL || p == NULL || cap == 0)
    return ET_E_ARG;
  et_posix *px = c->px;
  uint64_t deadline_ms = px_mono_ms(px) + timeout_ms;
  if (c->tls)
    return px_tls_recv(c, p, cap, got, deadline_ms);
  char name[300];
  for (;;) {
    long r = px_sock_recv(c, p, cap);
    if (r > 0) {
      *got = (size_t)r;
      return ET_OK;
    }
    if (r == 0) {
      c->peer_closed = true;
      return px_fail(px, ET_E_CLOSED, "%s closed the connection",
                     px_peer_name(c, name, sizeof name));
    }
    if (r == PX_IO_AGAIN) {
      et_err e = px_wait_conn(c, false, deadline_ms);
      if (e == ET_E_TIMEOUT)
        return px_fail(px, e, "no data from %s within %u ms",
                       px_peer_name(c, name, sizeof name), (unsigned)timeout_ms);
      if (e != ET_OK)
        return e;
      continue;
    }
    return px_fail(px, ET_E_IO, "recv from %s: %s", px_peer_name(c, name, sizeof name),
                   sock_reason(c, "failed"));
  }
}

void px_port_fill(et_port *port, void *ctx) {
  memset(port, 0, sizeof *port);
  port->ctx = ctx;
  port->open = px_open;
  port->send = px_send;
  port->recv = px_recv;
  port->close = px_close;
  port->sha256 = px_sha256;
  port->log = px_log;
  port->cancelled = px_cancelled;
  port->detail = px_detail;
}

void px_close(et_conn *c) {
  if (!conn_ok(c))
    return;
  if (c->tls)
    px_tls_close(c);
  px_sock_close(c);
  slot_reset(c);
}
