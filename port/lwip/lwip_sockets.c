/* SPDX-License-Identifier: MIT */
/* lwIP's socket API under et_sockets (port/common/sockets.c): names to an
 * address (IP literal, the integrator's resolve hook, lwIP's DNS), and
 * non-blocking lwip_connect/send/recv/poll. */
#include "lw_internal.h"

#include <limits.h>
#include <string.h>

#include "lwip/api.h"
#include "lwip/errno.h"
#include "lwip/sockets.h"

/* Checked once lwIP's opt.h has been read (always, in a real build). */
#if defined(LWIP_HDR_OPT_H) && (!LWIP_SOCKET || !LWIP_SOCKET_POLL || !LWIP_TCP)
#error "the lwIP port needs LWIP_SOCKET, LWIP_SOCKET_POLL and LWIP_TCP in lwipopts.h"
#endif

typedef union lw_sockaddr {
  struct sockaddr sa;
  struct sockaddr_in v4;
#if LWIP_IPV6
  struct sockaddr_in6 v6;
#endif
} lw_sockaddr;

static void lw_to_sockaddr(const ip_addr_t *ip, uint16_t port, et_sock_addr *out) {
  lw_sockaddr a;
  memset(&a, 0, sizeof a);
  out->len = sizeof a.v4;
#if LWIP_IPV6
  if (IP_IS_V6(ip)) {
    a.v6.sin6_family = AF_INET6;
    a.v6.sin6_port = lwip_htons(port);
    /* Both hold the 16 bytes in network order; lwIP's own macro wants
     * glibc's s6_addr32, hidden in strict C99. */
    memcpy(&a.v6.sin6_addr, ip_2_ip6(ip)->addr, sizeof a.v6.sin6_addr);
    out->len = sizeof a.v6;
  } else
#endif
  {
    a.v4.sin_family = AF_INET;
    a.v4.sin_port = lwip_htons(port);
    inet_addr_from_ip4addr(&a.v4.sin_addr, ip_2_ip4(ip));
  }
  memcpy(out->bytes, &a, out->len);
}

static et_err lw_resolve(void *ctx, et_socket *s, et_diag *d) {
  const et_lwip *lw = ctx;
  ip_addr_t ip;
  bool found = ipaddr_aton(s->host, &ip) ||
               (lw->resolve != NULL && lw->resolve(lw->resolve_ctx, s->host, &ip) == ET_OK);
#if LWIP_DNS
  err_t err = ERR_OK;
  if (!found)
    err = netconn_gethostbyname(s->host, &ip);
  if (!found && err != ERR_OK) {
    char num[ET_DIAG_NUM_MAX];
    return et_diag_fail(d, ET_E_DNS, "resolve '", s->host, "': lwIP DNS error -",
                        et_diag_uint(num, (uint32_t)-err), (const char *)NULL);
  }
#else
  if (!found)
    return et_diag_fail(d, ET_E_DNS, "resolve '", s->host, "': not an address, unknown to "
                        "the resolve hook, and lwIP is built without DNS (LWIP_DNS)",
                        (const char *)NULL);
#endif
  lw_to_sockaddr(&ip, s->port, &s->addr[0]);
  s->naddr = 1;
  s->next = 0;
  return ET_OK;
}

static int lw_connect(const et_sock_addr *a, bool *in_progress, int *err) {
  const struct sockaddr *sa = (const struct sockaddr *)(const void *)a->bytes;
  int fd = lwip_socket(sa->sa_family, SOCK_STREAM, IPPROTO_TCP);
  int one = 1;
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  /* lwIP's own O_NONBLOCK (this file must not see <fcntl.h>'s). */
  if (lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
    *err = errno;
    lwip_close(fd);
    return -1;
  }
  /* Requests are written whole: no reason to wait for Nagle. */
  (void)lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *in_progress = false;
  if (lwip_connect(fd, sa, (socklen_t)a->len) != 0) {
    if (errno != EINPROGRESS) {
      *err = errno;
      lwip_close(fd);
      return -1;
    }
    *in_progress = true;
  }
  return fd;
}

static int lw_so_error(int fd) {
  int so = 0;
  socklen_t len = sizeof so;
  if (lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0)
    return errno;
  return so;
}

static long lw_send(int fd, const uint8_t *p, size_t n, int *err) {
  ssize_t r = lwip_send(fd, p, n, 0); /* lwIP raises no SIGPIPE */
  *err = r < 0 ? errno : 0;
  return (long)r;
}

static long lw_recv(int fd, uint8_t *p, size_t n, int *err) {
  ssize_t r = lwip_recv(fd, p, n, 0);
  *err = r < 0 ? errno : 0;
  return (long)r;
}

static int lw_poll(int fd, bool for_write, uint32_t ms, int *err) {
  struct pollfd pfd;
  pfd.fd = fd;
  pfd.events = for_write ? POLLOUT : POLLIN;
  pfd.revents = 0;
  int r = lwip_poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int)ms);
  *err = r < 0 ? errno : 0;
  return r;
}

static void lw_close(int fd) {
  lwip_close(fd);
}

static void lw_name(const et_sock_addr *a, char *buf, size_t cap) {
  lw_sockaddr sa;
  memcpy(&sa, a->bytes, a->len < sizeof sa ? a->len : sizeof sa);
  const void *ip = &sa.v4.sin_addr;
#if LWIP_IPV6
  if (sa.sa.sa_family == AF_INET6)
    ip = &sa.v6.sin6_addr;
#endif
  if (lwip_inet_ntop(sa.sa.sa_family, ip, buf, (socklen_t)cap) == NULL)
    buf[0] = '\0';
}

const et_sock_api lw_socket_api = {
  lw_resolve, lw_connect, lw_so_error, lw_send, lw_recv, lw_poll, lw_close, lw_name,
};
