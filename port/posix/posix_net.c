/* TCP connections over BSD sockets: name resolution, non-blocking connect
 * with a deadline, and plain send/recv. TLS goes to mbedtls_tls.c. */
#include "posix_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* With a cancel flag, poll in slices so a flag set by another thread (no
 * signal to interrupt poll) is still seen promptly. */
#define PX_POLL_SLICE_MS 200u

et_err px_wait(et_posix *px, int fd, short events, uint64_t deadline_ms) {
  for (;;) {
    if (px_cancelled(px))
      return px_fail(px, ET_E_CANCELLED, "cancelled");
    uint64_t now = px_mono_ms(px);
    uint64_t left = now >= deadline_ms ? 0 : deadline_ms - now;
    if (px->cancel && left > PX_POLL_SLICE_MS)
      left = PX_POLL_SLICE_MS;
    if (left > INT_MAX)
      left = INT_MAX;
    struct pollfd pfd = { fd, events, 0 };
    int r = poll(&pfd, 1, (int)left);
    if (r > 0)
      return ET_OK; /* also on POLLERR/POLLHUP: the next call reports it */
    if (r == 0) {
      if (px_mono_ms(px) >= deadline_ms)
        return ET_E_TIMEOUT;
      continue;
    }
    if (errno != EINTR)
      return px_fail(px, ET_E_IO, "poll: %s", strerror(errno));
  }
}

/* "host:port", with brackets around IPv6 literals. */
static const char *peer_name(const et_conn *c, char *buf, size_t cap) {
  bool v6 = strchr(c->host, ':') != NULL;
  snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", c->host, (unsigned)c->port);
  return buf;
}

static void slot_reset(et_conn *c) {
  et_posix *px = c->px;
  et_wipe(c, sizeof *c);
  c->px = px;
  c->fd = -1;
}

static et_err set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return ET_E_IO;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
    return ET_E_IO;
  return ET_OK;
}

/* Try one address. ET_OK with c->fd set; ET_E_CONNECT with *err set;
 * ET_E_TIMEOUT / ET_E_CANCELLED / ET_E_IO end the whole attempt. */
static et_err connect_one(et_conn *c, const struct addrinfo *ai,
                          uint64_t deadline_ms, int *err) {
  int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
  if (fd < 0) {
    *err = errno;
    return ET_E_CONNECT;
  }
  if (set_nonblocking(fd) != ET_OK) {
    *err = errno;
    close(fd);
    return ET_E_CONNECT;
  }
  /* Requests are written whole: no reason to wait for Nagle. */
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      *err = errno;
      close(fd);
      return ET_E_CONNECT;
    }
    et_err e = px_wait(c->px, fd, POLLOUT, deadline_ms);
    if (e != ET_OK) {
      close(fd);
      return e;
    }
    int so = 0;
    socklen_t len = sizeof so;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0)
      so = errno;
    if (so != 0) {
      *err = so;
      close(fd);
      return so == ETIMEDOUT ? ET_E_TIMEOUT : ET_E_CONNECT;
    }
  }
  c->fd = fd;
  return ET_OK;
}

static et_err tcp_connect(et_conn *c, uint64_t deadline_ms, uint32_t timeout_ms) {
  et_posix *px = c->px;
  char name[300];
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)c->port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV;
  struct addrinfo *list = NULL;
  int g = getaddrinfo(c->host, service, &hints, &list);
  if (g != 0)
    return px_fail(px, ET_E_DNS, "resolve '%s': %s", c->host,
                   g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));

  et_err e = ET_E_CONNECT;
  int err = 0;
  for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    e = connect_one(c, ai, deadline_ms, &err);
    if (e != ET_E_CONNECT)
      break; /* connected, or out of time, or cancelled */
  }
  freeaddrinfo(list);
  peer_name(c, name, sizeof name);
  if (e == ET_E_TIMEOUT)
    return px_fail(px, e, "connect to %s: timed out after %u ms", name,
                   (unsigned)timeout_ms);
  if (e == ET_E_CONNECT)
    return px_fail(px, e, "connect to %s: %s", name,
                   err ? strerror(err) : "no usable address");
  return e;
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
  et_err e = tcp_connect(c, deadline_ms, timeout_ms);
  if (e == ET_OK && tls) {
    e = px_tls_handshake(c, deadline_ms);
    if (e != ET_OK)
      c->tls = false; /* px_tls_handshake freed its state */
  }
  if (e != ET_OK) {
    if (c->fd >= 0)
      close(c->fd);
    slot_reset(c);
    return e;
  }
  char name[300];
  px_logf(px, ET_LOG_DEBUG, "connected to %s%s", peer_name(c, name, sizeof name),
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
    /* MSG_NOSIGNAL: a closed peer gives EPIPE, not a process-killing SIGPIPE. */
    ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
    if (r > 0) {
      *sent = (size_t)r;
      return ET_OK;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      et_err e = px_wait(px, c->fd, POLLOUT, deadline_ms);
      if (e == ET_E_TIMEOUT)
        return px_fail(px, e, "send to %s: timed out after %u ms",
                       peer_name(c, name, sizeof name), (unsigned)timeout_ms);
      if (e != ET_OK)
        return e;
      continue;
    }
    if (r < 0 && (errno == EPIPE || errno == ECONNRESET))
      return px_fail(px, ET_E_CLOSED, "send to %s: %s",
                     peer_name(c, name, sizeof name), strerror(errno));
    return px_fail(px, ET_E_IO, "send to %s: %s", peer_name(c, name, sizeof name),
                   r < 0 ? strerror(errno) : "sent nothing");
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
    ssize_t r = recv(c->fd, p, cap, 0);
    if (r > 0) {
      *got = (size_t)r;
      return ET_OK;
    }
    if (r == 0) {
      c->peer_closed = true;
      return px_fail(px, ET_E_CLOSED, "%s closed the connection",
                     peer_name(c, name, sizeof name));
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      et_err e = px_wait(px, c->fd, POLLIN, deadline_ms);
      if (e == ET_E_TIMEOUT)
        return px_fail(px, e, "no data from %s within %u ms",
                       peer_name(c, name, sizeof name), (unsigned)timeout_ms);
      if (e != ET_OK)
        return e;
      continue;
    }
    return px_fail(px, ET_E_IO, "recv from %s: %s", peer_name(c, name, sizeof name),
                   strerror(errno));
  }
}

void px_close(et_conn *c) {
  if (!conn_ok(c))
    return;
  if (c->tls)
    px_tls_close(c);
  close(c->fd);
  slot_reset(c);
}
