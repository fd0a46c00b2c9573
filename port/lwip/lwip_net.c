/* The socket layer on lwIP's socket API: names to addresses (literal,
 * resolve hook, lwIP DNS), non-blocking connect with a deadline, and
 * non-blocking send/recv/poll. The connection slot above it is
 * port/posix/posix_conn.c; TLS is port/mbedtls/mbedtls_tls.c. */
#include "../posix/posix_internal.h"
#include "edgetoken/et_lwip.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lwip/api.h"
#include "lwip/errno.h"
#include "lwip/sockets.h"

/* Checked once lwIP's opt.h has been read (always, in a real build). */
#if defined(LWIP_HDR_OPT_H) && (!LWIP_SOCKET || !LWIP_SOCKET_POLL || !LWIP_TCP)
#error "the lwIP port needs LWIP_SOCKET, LWIP_SOCKET_POLL and LWIP_TCP in lwipopts.h"
#endif

et_err px_sock_poll(et_conn *c, bool for_write, uint32_t ms) {
  struct pollfd pfd;
  pfd.fd = c->fd;
  pfd.events = for_write ? POLLOUT : POLLIN;
  pfd.revents = 0;
  int r = lwip_poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
  if (r > 0)
    return ET_OK; /* also on POLLERR/POLLHUP: the next call reports it */
  if (r == 0 || errno == EINTR)
    return ET_E_TIMEOUT;
  return px_fail(c->px, ET_E_IO, "lwip_poll: %s", strerror(errno));
}

long px_sock_send(et_conn *c, const uint8_t *p, size_t n) {
  ssize_t r = lwip_send(c->fd, p, n, 0); /* lwIP raises no SIGPIPE */
  return px_io_result(c, (long)r, errno);
}

long px_sock_recv(et_conn *c, uint8_t *p, size_t n) {
  ssize_t r = lwip_recv(c->fd, p, n, 0);
  return px_io_result(c, (long)r, errno);
}

void px_sock_close(et_conn *c) {
  lwip_close(c->fd);
  c->fd = -1;
}

static et_err resolve(et_conn *c, ip_addr_t *ip) {
  const et_lwip *lw = (const et_lwip *)c->px; /* et_posix is its first member */
  if (ipaddr_aton(c->host, ip))
    return ET_OK;
  if (lw->resolve && lw->resolve(lw->resolve_ctx, c->host, ip) == ET_OK)
    return ET_OK;
#if LWIP_DNS
  err_t err = netconn_gethostbyname(c->host, ip);
  if (err == ERR_OK)
    return ET_OK;
  return px_fail(c->px, ET_E_DNS, "resolve '%s': lwIP DNS error %d", c->host, (int)err);
#else
  return px_fail(c->px, ET_E_DNS, "resolve '%s': not an address, unknown to the "
                 "resolve hook, and lwIP is built without DNS (LWIP_DNS)", c->host);
#endif
}

typedef union sock_addr {
  struct sockaddr sa;
  struct sockaddr_in v4;
#if LWIP_IPV6
  struct sockaddr_in6 v6;
#endif
} sock_addr;

static socklen_t to_sockaddr(const ip_addr_t *ip, uint16_t port, sock_addr *out) {
  memset(out, 0, sizeof *out);
#if LWIP_IPV6
  if (IP_IS_V6(ip)) {
    out->v6.sin6_family = AF_INET6;
    out->v6.sin6_port = lwip_htons(port);
    /* Both hold the 16 bytes in network order; lwIP's own macro wants
     * glibc's s6_addr32, hidden in strict C99. */
    memcpy(&out->v6.sin6_addr, ip_2_ip6(ip)->addr, sizeof out->v6.sin6_addr);
    return sizeof out->v6;
  }
#endif
  out->v4.sin_family = AF_INET;
  out->v4.sin_port = lwip_htons(port);
  inet_addr_from_ip4addr(&out->v4.sin_addr, ip_2_ip4(ip));
  return sizeof out->v4;
}

/* Socket, non-blocking connect, wait. ET_OK with c->fd set; ET_E_CONNECT
 * with *err set; ET_E_TIMEOUT / ET_E_CANCELLED / ET_E_IO from the wait. */
static et_err connect_addr(et_conn *c, const sock_addr *to, socklen_t len,
                           uint64_t deadline_ms, int *err) {
  int fd = lwip_socket(to->sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
  if (fd < 0) {
    *err = errno;
    return ET_E_CONNECT;
  }
  c->fd = fd;
  /* lwIP's own O_NONBLOCK (this file must not see <fcntl.h>'s). */
  et_err e = ET_OK;
  int one = 1;
  if (lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
    *err = errno;
    e = ET_E_CONNECT;
  } else {
    /* Requests are written whole: no reason to wait for Nagle. */
    (void)lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (lwip_connect(fd, &to->sa, len) != 0) {
      *err = errno;
      e = *err == EINPROGRESS ? px_wait_conn(c, true, deadline_ms) : ET_E_CONNECT;
      socklen_t so_len = sizeof *err;
      if (e == ET_OK && lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &so_len) != 0)
        *err = errno;
      if (e == ET_OK && *err != 0)
        e = *err == ETIMEDOUT ? ET_E_TIMEOUT : ET_E_CONNECT;
    }
  }
  if (e != ET_OK)
    px_sock_close(c);
  return e;
}

et_err px_sock_connect(et_conn *c, uint64_t deadline_ms, uint32_t timeout_ms) {
  char name[300];
  ip_addr_t ip;
  et_err e = resolve(c, &ip);
  if (e != ET_OK)
    return e;
  sock_addr to;
  socklen_t len = to_sockaddr(&ip, c->port, &to);
  int err = 0;
  e = connect_addr(c, &to, len, deadline_ms, &err);
  px_peer_name(c, name, sizeof name);
  if (e == ET_E_TIMEOUT)
    return px_fail(c->px, e, "connect to %s: timed out after %u ms", name,
                   (unsigned)timeout_ms);
  if (e == ET_E_CONNECT)
    return px_fail(c->px, e, "connect to %s (%s): %s", name, ipaddr_ntoa(&ip),
                   err ? strerror(err) : "failed");
  return e;
}
