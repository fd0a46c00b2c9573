/* SPDX-License-Identifier: MIT */
/* The C library's sockets under et_sockets (port/common/sockets.c):
 * getaddrinfo, non-blocking connect, send without SIGPIPE, poll. */
#include "px_internal.h"

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

static et_err px_resolve(void *ctx, et_socket *s, et_diag *d) {
  char service[8];
  struct addrinfo hints, *list = NULL;
  (void)ctx;
  snprintf(service, sizeof service, "%u", (unsigned)s->port);
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV;
  int g = getaddrinfo(s->host, service, &hints, &list);
  if (g != 0)
    return et_diag_fail(d, ET_E_DNS, "resolve '", s->host, "': ",
                        g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g), (const char *)NULL);
  s->naddr = s->next = 0;
  for (const struct addrinfo *ai = list; ai && s->naddr < ET_SOCK_ADDRS; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof s->addr[0].bytes)
      continue;
    memcpy(s->addr[s->naddr].bytes, ai->ai_addr, ai->ai_addrlen);
    s->addr[s->naddr++].len = (uint32_t)ai->ai_addrlen;
  }
  freeaddrinfo(list);
  if (s->naddr == 0)
    return et_diag_fail(d, ET_E_DNS, "resolve '", s->host, "': no usable address",
                        (const char *)NULL);
  return ET_OK;
}

/* fcntl rather than SOCK_NONBLOCK | SOCK_CLOEXEC: plain POSIX. */
static bool px_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
         fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

static int px_connect(const et_sock_addr *a, bool *in_progress, int *err) {
  const struct sockaddr *sa = (const struct sockaddr *)(const void *)a->bytes;
  int fd = socket(sa->sa_family, SOCK_STREAM, IPPROTO_TCP);
  if (fd < 0 || !px_nonblocking(fd)) {
    *err = errno;
    if (fd >= 0)
      close(fd);
    return -1;
  }
  /* Requests are written whole: no reason to wait for Nagle. */
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *in_progress = false;
  if (connect(fd, sa, (socklen_t)a->len) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      *err = errno;
      close(fd);
      return -1;
    }
    *in_progress = true;
  }
  return fd;
}

static int px_so_error(int fd) {
  int so = 0;
  socklen_t len = sizeof so;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0)
    return errno;
  return so;
}

static long px_send(int fd, const uint8_t *p, size_t n, int *err) {
  /* MSG_NOSIGNAL: a closed peer gives EPIPE, not a process-killing SIGPIPE. */
  ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
  *err = r < 0 ? errno : 0;
  return (long)r;
}

static long px_recv(int fd, uint8_t *p, size_t n, int *err) {
  ssize_t r = recv(fd, p, n, 0);
  *err = r < 0 ? errno : 0;
  return (long)r;
}

static int px_poll(int fd, bool for_write, uint32_t ms, int *err) {
  struct pollfd pfd = { fd, for_write ? POLLOUT : POLLIN, 0 };
  int r = poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
  *err = r < 0 ? errno : 0;
  return r;
}

static void px_close_fd(int fd) {
  close(fd);
}

static void px_name(const et_sock_addr *a, char *buf, size_t cap) {
  const struct sockaddr *sa = (const struct sockaddr *)(const void *)a->bytes;
  if (getnameinfo(sa, (socklen_t)a->len, buf, (socklen_t)cap, NULL, 0, NI_NUMERICHOST) != 0)
    buf[0] = '\0';
}

const et_sock_api px_socket_api = {
  px_resolve, px_connect, px_so_error, px_send, px_recv, px_poll, px_close_fd, px_name,
};
