/* SPDX-License-Identifier: MIT */
/* The socket transport (et_sockets.h): connection table, address
 * fallback, deadlines and cancellation over a stack's et_sock_api. */
#include "edgetoken/et_sockets.h"

#include <errno.h>
#include <string.h>

/* "host:port", "[v6]:port" for details. */
typedef struct sk_peer {
  char s[ET_PORT_HOST_MAX + 2 + 1 + ET_DIAG_NUM_MAX];
} sk_peer;

static const char *sk_peer_name(const et_socket *k, sk_peer *out) {
  char num[ET_DIAG_NUM_MAX];
  bool v6 = strchr(k->host, ':') != NULL;
  size_t n = strlen(k->host);
  size_t at = 0;
  if (v6)
    out->s[at++] = '[';
  memcpy(out->s + at, k->host, n);
  at += n;
  if (v6)
    out->s[at++] = ']';
  out->s[at++] = ':';
  strcpy(out->s + at, et_diag_uint(num, k->port));
  return out->s;
}

static const char *sk_reason(const et_socket *k, const char *none) {
  return k->sys_errno != 0 ? strerror(k->sys_errno) : none;
}

static uint64_t sk_now(const et_sockets *s) {
  return s->clock.mono_ms(s->clock.ctx);
}

static bool sk_cancelled(const et_sockets *s) {
  return s->clock.cancelled != NULL && s->clock.cancelled(s->clock.ctx);
}

/* Poll k until ready or the deadline (one poll when it has passed):
 * ET_OK, ET_E_TIMEOUT, ET_E_CANCELLED, ET_E_IO. */
static et_err sk_wait(et_sockets *s, et_socket *k, bool for_write, uint64_t deadline_ms) {
  for (;;) {
    if (sk_cancelled(s))
      return et_diag_fail(s->diag, ET_E_CANCELLED, "cancelled", (const char *)NULL);
    uint64_t now = sk_now(s);
    uint64_t left = now >= deadline_ms ? 0 : deadline_ms - now;
    if (s->clock.cancelled != NULL && left > ET_CANCEL_SLICE_MS)
      left = ET_CANCEL_SLICE_MS;
    int err = 0;
    int r = s->api->poll(k->fd, for_write, (uint32_t)(left > INT32_MAX ? INT32_MAX : left),
                         &err);
    if (r > 0)
      return ET_OK; /* also on errors: the next call reports them */
    /* EINTR: a signal; EAGAIN: the kernel was short of memory for a
     * moment. POSIX says try again for both. */
    if (r < 0 && err != EINTR && err != EAGAIN) {
      k->sys_errno = err;
      return et_diag_fail(s->diag, ET_E_IO, "poll: ", strerror(err), (const char *)NULL);
    }
    if (sk_now(s) >= deadline_ms)
      return ET_E_TIMEOUT;
  }
}

static void sk_drop_fd(et_sockets *s, et_socket *k) {
  if (k->fd >= 0)
    s->api->close(k->fd);
  k->fd = -1;
  k->connecting = false;
}

/* Start connecting to the next address that does not fail at once: k->fd
 * set (maybe still connecting), or -1 when none is left. */
static void sk_start_next(et_sockets *s, et_socket *k) {
  while (k->next < k->naddr) {
    bool in_progress = false;
    int err = 0;
    int fd = s->api->connect(&k->addr[k->next++], &in_progress, &err);
    if (fd >= 0) {
      k->fd = fd;
      k->connecting = in_progress;
      return;
    }
    k->sys_errno = err;
  }
}

/* Finish a connect under way before the deadline, moving on to the next
 * address when one is refused: ET_OK connected, ET_E_TIMEOUT not yet,
 * ET_E_CONNECT none worked, ET_E_CANCELLED, ET_E_IO. */
static et_err sk_finish(et_sockets *s, et_socket *k, uint64_t deadline_ms) {
  while (k->connecting) {
    et_err e = sk_wait(s, k, true, deadline_ms);
    if (e != ET_OK)
      return e;
    int err = s->api->so_error(k->fd);
    if (err == 0) {
      k->connecting = false;
      break;
    }
    k->sys_errno = err;
    sk_drop_fd(s, k);
    sk_start_next(s, k);
  }
  if (k->fd < 0) {
    sk_peer peer;
    char addr[48] = "";
    if (k->next > 0)
      s->api->name(&k->addr[k->next - 1], addr, sizeof addr);
    bool literal = addr[0] == '\0' || strcmp(addr, k->host) == 0;
    return et_diag_fail(s->diag, ET_E_CONNECT, "connect to ", sk_peer_name(k, &peer),
                        literal ? "" : " (", literal ? "" : addr, literal ? "" : ")", ": ",
                        sk_reason(k, "no usable address"), (const char *)NULL);
  }
  return ET_OK;
}

static et_socket *sk_get(et_sockets *s, int sock) {
  if (s == NULL || sock < 0 || sock >= ET_PORT_CONNS || !s->socks[sock].used)
    return NULL;
  return &s->socks[sock];
}

static void sk_free_slot(et_sockets *s, et_socket *k) {
  sk_drop_fd(s, k);
  memset(k, 0, sizeof *k);
  k->fd = -1;
}

static et_err sk_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms,
                         int *sock) {
  et_sockets *s = ctx;
  sk_peer peer;
  char num[ET_DIAG_NUM_MAX];
  if (s == NULL || host == NULL || sock == NULL || port == 0 || host[0] == '\0' ||
      strlen(host) >= ET_PORT_HOST_MAX)
    return et_diag_fail(s ? s->diag : NULL, ET_E_ARG, "host name empty or too long, or port 0",
                        (const char *)NULL);
  int i = 0;
  while (i < ET_PORT_CONNS && s->socks[i].used)
    i++;
  if (i == ET_PORT_CONNS)
    return et_diag_fail(s->diag, ET_E_NOSPACE, "all connections are in use",
                        (const char *)NULL);
  et_socket *k = &s->socks[i];
  uint64_t deadline_ms = sk_now(s) + timeout_ms;
  strcpy(k->host, host);
  k->port = port;
  et_err e = s->api->resolve(s->api_ctx, k, s->diag);
  if (e == ET_OK) {
    k->used = true;
    sk_start_next(s, k);
    /* timeout 0 only starts it, unless every address failed at once. */
    if (timeout_ms > 0 || k->fd < 0)
      e = sk_finish(s, k, deadline_ms);
  }
  if (e == ET_E_TIMEOUT)
    e = et_diag_fail(s->diag, e, "connect to ", sk_peer_name(k, &peer), ": timed out after ",
                     et_diag_uint(num, timeout_ms), " ms", (const char *)NULL);
  if (e != ET_OK) {
    sk_free_slot(s, k);
    return e;
  }
  *sock = i;
  return ET_OK;
}

/* errno of a failed send/recv -> would block (ET_OK here), ET_E_CLOSED
 * (the peer closed or reset) or ET_E_IO. */
static et_err sk_io_error(et_socket *k, int err) {
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
    return ET_OK;
  k->sys_errno = err;
  if (err == EPIPE || err == ECONNRESET || err == ECONNABORTED || err == ENOTCONN)
    return ET_E_CLOSED;
  return ET_E_IO;
}

static et_err sk_send(void *ctx, int sock, const uint8_t *p, size_t n, size_t *sent,
                      uint32_t timeout_ms) {
  et_sockets *s = ctx;
  et_socket *k = sk_get(s, sock);
  sk_peer peer;
  char num[ET_DIAG_NUM_MAX];
  if (sent != NULL)
    *sent = 0;
  if (k == NULL || sent == NULL || (p == NULL && n != 0))
    return ET_E_ARG;
  uint64_t deadline_ms = sk_now(s) + timeout_ms;
  et_err e = sk_finish(s, k, deadline_ms);
  while (e == ET_OK && n > 0) {
    int err = 0;
    long r = s->api->send(k->fd, p, n, &err);
    if (r > 0) {
      *sent = (size_t)r;
      return ET_OK;
    }
    e = r == 0 ? ET_OK : sk_io_error(k, err);
    if (e != ET_OK)
      return et_diag_fail(s->diag, e, "send to ", sk_peer_name(k, &peer), ": ",
                          sk_reason(k, "failed"), (const char *)NULL);
    e = sk_wait(s, k, true, deadline_ms);
  }
  if (e == ET_E_TIMEOUT && timeout_ms > 0)
    e = et_diag_fail(s->diag, e, "send to ", sk_peer_name(k, &peer), ": timed out after ",
                     et_diag_uint(num, timeout_ms), " ms", (const char *)NULL);
  return e;
}

static et_err sk_recv(void *ctx, int sock, uint8_t *p, size_t cap, size_t *got,
                      uint32_t timeout_ms) {
  et_sockets *s = ctx;
  et_socket *k = sk_get(s, sock);
  sk_peer peer;
  char num[ET_DIAG_NUM_MAX];
  if (got != NULL)
    *got = 0;
  if (k == NULL || got == NULL || p == NULL || cap == 0)
    return ET_E_ARG;
  uint64_t deadline_ms = sk_now(s) + timeout_ms;
  et_err e = sk_finish(s, k, deadline_ms);
  while (e == ET_OK) {
    int err = 0;
    long r = s->api->recv(k->fd, p, cap, &err);
    if (r > 0) {
      *got = (size_t)r;
      return ET_OK;
    }
    if (r == 0)
      return et_diag_fail(s->diag, ET_E_CLOSED, sk_peer_name(k, &peer),
                          " closed the connection", (const char *)NULL);
    e = sk_io_error(k, err);
    if (e != ET_OK)
      return et_diag_fail(s->diag, e, "recv from ", sk_peer_name(k, &peer), ": ",
                          sk_reason(k, "failed"), (const char *)NULL);
    e = sk_wait(s, k, false, deadline_ms);
  }
  if (e == ET_E_TIMEOUT && timeout_ms > 0)
    e = et_diag_fail(s->diag, e, "no data from ", sk_peer_name(k, &peer), " within ",
                     et_diag_uint(num, timeout_ms), " ms", (const char *)NULL);
  return e;
}

static void sk_close(void *ctx, int sock) {
  et_sockets *s = ctx;
  et_socket *k = sk_get(s, sock);
  if (k != NULL)
    sk_free_slot(s, k);
}

void et_sockets_init(et_sockets *s, const et_sock_api *api, void *api_ctx,
                     const et_clock *clock, et_diag *diag, et_transport *out) {
  memset(s, 0, sizeof *s);
  s->api = api;
  s->api_ctx = api_ctx;
  s->clock = *clock;
  s->diag = diag;
  for (int i = 0; i < ET_PORT_CONNS; i++)
    s->socks[i].fd = -1;
  out->ctx = s;
  out->connect = sk_connect;
  out->send = sk_send;
  out->recv = sk_recv;
  out->close = sk_close;
}

void et_sockets_free(et_sockets *s) {
  if (s == NULL || s->api == NULL)
    return;
  for (int i = 0; i < ET_PORT_CONNS; i++)
    if (s->socks[i].used)
      sk_free_slot(s, &s->socks[i]);
}

int et_sockets_fd(const et_sockets *s, int sock) {
  if (s == NULL || sock < 0 || sock >= ET_PORT_CONNS || !s->socks[sock].used)
    return -1;
  return s->socks[sock].fd;
}
