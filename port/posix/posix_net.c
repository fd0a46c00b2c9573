/* The socket layer on BSD sockets: name resolution with getaddrinfo,
 * non-blocking connect with a deadline, and non-blocking send/recv/poll.
 * The connection slot above it is posix_conn.c; TLS is mbedtls_tls.c. */
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

et_err px_sock_poll(et_conn *c, bool for_write, uint32_t ms) {
  struct pollfd pfd = { c->fd, for_write ? POLLOUT : POLLIN, 0 };
  int r = poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
  if (r > 0)
    return ET_OK; /* also on POLLERR/POLLHUP: the next call reports it */
  if (r == 0 || errno == EINTR)
    return ET_E_TIMEOUT;
  return px_fail(c->px, ET_E_IO, "poll: %s", strerror(errno));
}

long px_sock_send(et_conn *c, const uint8_t *p, size_t n) {
  /* MSG_NOSIGNAL: a closed peer gives EPIPE, not a process-killing SIGPIPE. */
  ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
  return px_io_result(c, (long)r, errno);
}

long px_sock_recv(et_conn *c, uint8_t *p, size_t n) {
  ssize_t r = recv(c->fd, p, n, 0);
  return px_io_result(c, (long)r, errno);
}

void px_sock_close(et_conn *c) {
  close(c->fd);
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

  c->fd = fd;
  et_err e = ET_OK;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      *err = errno;
      e = ET_E_CONNECT;
    } else {
      e = px_wait_conn(c, true, deadline_ms);
    }
    int so = 0;
    socklen_t len = sizeof so;
    if (e == ET_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0)
      so = errno;
    if (e == ET_OK && so != 0) {
      *err = so;
      e = so == ETIMEDOUT ? ET_E_TIMEOUT : ET_E_CONNECT;
    }
  }
  if (e != ET_OK)
    px_sock_close(c);
  return e;
}

et_err px_sock_connect(et_conn *c, uint64_t deadline_ms, uint32_t timeout_ms) {
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
  px_peer_name(c, name, sizeof name);
  if (e == ET_E_TIMEOUT)
    return px_fail(px, e, "connect to %s: timed out after %u ms", name,
                   (unsigned)timeout_ms);
  if (e == ET_E_CONNECT)
    return px_fail(px, e, "connect to %s: %s", name,
                   err ? strerror(err) : "no usable address");
  return e;
}
