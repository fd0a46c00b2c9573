/* SPDX-License-Identifier: MIT */
/* The loopback redirect listener: see edgetoken/et_posix_listener.h. */
#include "edgetoken/et_posix_listener.h"
#include "px_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Poll in slices so a cancel request is seen even without a signal. */
#define LISTENER_SLICE_MS 200
/* How long one response may take to leave. */
#define LISTENER_SEND_MS 2000
/* After an answer, unread bytes are drained (so that close sends a FIN,
 * not a reset the browser would show) up to this much, for this long. */
#define LISTENER_DRAIN_MAX (64u * 1024u)
#define LISTENER_DRAIN_MS 200
/* Ephemeral port tries until one is free on both 127.0.0.1 and [::1]. */
#define LISTENER_PICK_TRIES 8

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Record a detail; errno is kept for the caller's checks. */
static et_err failf(et_listener *l, et_err e, const char *what) {
  int saved = errno;
  snprintf(l->detail, sizeof l->detail, "%s: %s", what, strerror(saved));
  errno = saved;
  return e;
}

static bool nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
         fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

/* --- the redirect URI -------------------------------------------------- */

static bool path_char_ok(char c) {
  /* RFC 3986 pchar and '/'; no '?', '#', spaces or controls. */
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("-._~!$&'()*+,;=:@/%", c) != NULL);
}

static bool prefix_nocase(const char *s, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char a = s[i], b = p[i];
    if (a >= 'A' && a <= 'Z')
      a = (char)(a - 'A' + 'a');
    if (a != b)
      return false;
  }
  return true;
}

et_err px_listener_parse_uri(const char *uri, char *path, size_t cap, uint16_t *port) {
  static const char *const hosts[] = { "localhost", "127.0.0.1", "[::1]" };
  const char *p;
  size_t i;
  if (uri == NULL || !prefix_nocase(uri, "http://", 7))
    return ET_E_URL;
  p = uri + 7;
  for (i = 0; i < 3; i++) {
    size_t n = strlen(hosts[i]);
    if (prefix_nocase(p, hosts[i], n) && (p[n] == ':' || p[n] == '/' || p[n] == '\0')) {
      p += n;
      break;
    }
  }
  if (i == 3)
    return ET_E_URL;
  *port = 80;
  if (*p == ':') {
    unsigned long v = 0;
    size_t digits = 0;
    for (p++; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
      v = v * 10u + (unsigned long)(*p - '0');
    if (digits == 0 || digits > 5 || v > 65535)
      return ET_E_URL;
    *port = (uint16_t)v;
  }
  if (*p == '\0')
    p = "/";
  if (*p != '/' || strlen(p) >= cap)
    return ET_E_URL;
  for (i = 0; p[i]; i++)
    if (!path_char_ok(p[i]))
      return ET_E_URL;
  memcpy(path, p, strlen(p) + 1);
  return ET_OK;
}

/* --- sockets ----------------------------------------------------------- */

/* Listen on the loopback address of family af. -1 with errno on failure. */
static int listen_on(int af, uint16_t port) {
  int one = 1, fd = socket(af, SOCK_STREAM, 0);
  int rc;
  if (fd < 0)
    return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (af == AF_INET6) {
    struct sockaddr_in6 a6;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(port);
    a6.sin6_addr = in6addr_loopback;
    rc = bind(fd, (struct sockaddr *)&a6, sizeof a6);
  } else {
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_port = htons(port);
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = bind(fd, (struct sockaddr *)&a4, sizeof a4);
  }
  if (rc != 0 || listen(fd, 8) != 0 || !nonblocking(fd)) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static uint16_t bound_port(int fd) {
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &n) != 0)
    return 0;
  return ntohs(a.sin_port);
}

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* Both loopbacks on port. A family the host lacks is skipped; a port that
 * another program holds on either is refused: it would get the code. */
static et_err bind_both(et_listener *l, uint16_t port) {
  l->lfd[0] = listen_on(AF_INET, port);
  if (l->lfd[0] < 0 && errno != EADDRNOTAVAIL && errno != EAFNOSUPPORT)
    return failf(l, ET_E_IO, "cannot listen on 127.0.0.1");
  if (port == 0 && l->lfd[0] >= 0)
    port = bound_port(l->lfd[0]);
  l->lfd[1] = listen_on(AF_INET6, port);
  if (l->lfd[1] < 0 && errno != EADDRNOTAVAIL && errno != EAFNOSUPPORT) {
    et_err e = failf(l, ET_E_IO, "cannot listen on [::1]");
    close_fd(&l->lfd[0]);
    return e;
  }
  if (l->lfd[0] < 0 && l->lfd[1] < 0)
    return failf(l, ET_E_IO, "no loopback address to listen on");
  l->port = port ? port : bound_port(l->lfd[1]);
  return ET_OK;
}

et_err et_listener_open(et_listener *l, const char *redirect_uri, volatile int *cancel) {
  uint16_t port;
  et_err e;
  if (l == NULL)
    return ET_E_ARG;
  memset(l, 0, sizeof *l);
  l->lfd[0] = l->lfd[1] = l->answer_fd = -1;
  for (size_t i = 0; i < ET_LISTENER_SLOTS; i++)
    l->conns[i].fd = -1;
  l->cancel = cancel;
  if (px_listener_parse_uri(redirect_uri, l->path, sizeof l->path, &port) != ET_OK) {
    snprintf(l->detail, sizeof l->detail,
             "the redirect URI must be http://localhost[:port][/path]");
    return ET_E_URL;
  }
  e = bind_both(l, port);
  for (int i = 1; port == 0 && e == ET_E_IO && errno == EADDRINUSE && i < LISTENER_PICK_TRIES;
       i++)
    e = bind_both(l, 0);
  if (e == ET_E_IO && errno == EADDRINUSE)
    snprintf(l->detail, sizeof l->detail,
             "port %u is in use by another program: close it or choose another "
             "port in the redirect URI", (unsigned)port);
  return e;
}

uint16_t et_listener_port(const et_listener *l) {
  return l ? l->port : 0;
}

const char *et_listener_detail(const et_listener *l) {
  return l ? l->detail : "";
}

/* --- answers ----------------------------------------------------------- */

static void send_all(int fd, const char *p, size_t n) {
  uint64_t end = now_ms() + LISTENER_SEND_MS;
  while (n > 0 && now_ms() < end) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k > 0) {
      p += k;
      n -= (size_t)k;
    } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      struct pollfd pf = { fd, POLLOUT, 0 };
      poll(&pf, 1, LISTENER_SLICE_MS);
    } else {
      return;
    }
  }
}

/* Send a whole response and close. Unread bytes at close would make the
 * kernel send a reset, which browsers show instead of the page: finish
 * sending, half-close, drain what is there, then close. */
static void answer(int fd, const char *status, const char *extra_header, const char *body) {
  uint64_t end;
  char head[512];
  char sink[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %s\r\n"
                   "Content-Type: text/html; charset=utf-8\r\n"
                   "Content-Length: %zu\r\n"
                   "Cache-Control: no-store\r\n"
                   "Referrer-Policy: no-referrer\r\n"
                   "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n"
                   "X-Content-Type-Options: nosniff\r\n"
                   "%s"
                   "Connection: close\r\n\r\n",
                   status, strlen(body), extra_header);
  if (n > 0 && (size_t)n < sizeof head) {
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
  }
  shutdown(fd, SHUT_WR);
  end = now_ms() + LISTENER_DRAIN_MS;
  /* Bounded: a peer that keeps streaming gets a reset, not our time. */
  for (size_t drained = 0; drained < LISTENER_DRAIN_MAX && now_ms() < end;) {
    ssize_t k = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (k <= 0)
      break;
    drained += (size_t)k;
  }
  close(fd);
}

#define PAGE_HEAD                                                                      \
  "<!doctype html><html><head><meta charset=\"utf-8\"><title>edgetoken</title>"        \
  "<style>body{font-family:sans-serif;margin:3em}</style></head><body>"
#define PAGE_TAIL "</body></html>\n"

static void answer_simple(int fd, const char *status, const char *extra, const char *msg) {
  char body[512];
  snprintf(body, sizeof body, PAGE_HEAD "<h1>%s</h1>" PAGE_TAIL, msg);
  answer(fd, status, extra, body);
}

/* HTML-escape up to cap - 1 bytes of text into out. */
static void html_escape(char *out, size_t cap, const char *text) {
  size_t o = 0;
  for (; text && *text; text++) {
    char c = *text;
    const char *rep = c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;"
                    : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
    size_t k = rep ? strlen(rep) : 1;
    if ((unsigned char)c < 0x20 || c == 0x7f) {
      rep = "?";
      k = 1;
    }
    if (o + k >= cap)
      break;
    if (rep)
      memcpy(out + o, rep, k);
    else
      out[o] = c;
    o += k;
  }
  out[o] = '\0';
}

et_err et_listener_finish(et_listener *l, et_listener_page page, const char *detail) {
  char body[1536], esc[600];
  const char *status = "400 Bad Request", *title, *text;
  if (l == NULL || l->answer_fd < 0)
    return ET_E_ARG;
  switch (page) {
  case ET_PAGE_SIGNED_IN:
    status = "200 OK";
    title = "Signed in.";
    text = "You can close this window and return to the terminal.";
    break;
  case ET_PAGE_STATE_MISMATCH:
    title = "Sign-in refused.";
    text = "This answer does not belong to the sign-in edgetoken started "
           "(state mismatch): it may come from another site. Nothing was "
           "signed in. Run <code>edgetoken login</code> again.";
    break;
  default:
    title = "Sign-in failed.";
    text = "See the terminal for what to do next.";
    break;
  }
  html_escape(esc, sizeof esc, detail);
  snprintf(body, sizeof body, PAGE_HEAD "<h1>%s</h1><p>%s</p>%s%s%s" PAGE_TAIL, title, text,
           esc[0] ? "<p><code>" : "", esc, esc[0] ? "</code></p>" : "");
  answer(l->answer_fd, status, "", body);
  l->answer_fd = -1;
  return ET_OK;
}

/* --- waiting ----------------------------------------------------------- */

static void drop(et_listener_conn *c) {
  close_fd(&c->fd);
  et_wipe(c->req, c->len);
  c->len = 0;
}

static void accept_one(et_listener *l, int lfd) {
  et_listener_conn *slot = &l->conns[0];
  int fd = accept(lfd, NULL, NULL);
  if (fd < 0)
    return; /* gone already, or a signal: poll again */
  if (!nonblocking(fd)) {
    close(fd);
    return;
  }
  /* Browsers open spare connections they may never use: when all slots are
   * taken, the oldest goes. */
  for (size_t i = 0; i < ET_LISTENER_SLOTS; i++) {
    if (l->conns[i].fd < 0) {
      slot = &l->conns[i];
      break;
    }
    if (l->conns[i].since_ms < slot->since_ms)
      slot = &l->conns[i];
  }
  drop(slot);
  slot->fd = fd;
  slot->since_ms = now_ms();
}

/* A request is complete at the blank line after the headers, or when the
 * buffer is full and the request line is in it. */
static bool complete(const et_listener_conn *c) {
  return strstr(c->req, "\r\n\r\n") != NULL || strstr(c->req, "\n\n") != NULL ||
         (c->len == ET_LISTENER_REQ_MAX && memchr(c->req, '\n', c->len) != NULL);
}

px_request px_listener_request(const char *req, const char *path, et_str *query) {
  size_t line = strcspn(req, "\r\n");
  const char *sp1 = memchr(req, ' ', line), *sp2 = NULL, *target, *q;
  size_t plen;
  *query = ET_STR_NULL;
  if (sp1 != NULL)
    sp2 = memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - req));
  /* The version is in the line: "HTTP/1." holds no CR, LF or NUL. */
  if (sp1 == NULL || sp2 == NULL || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
    return PX_REQ_BAD;
  if (sp1 - req != 3 || memcmp(req, "GET", 3) != 0)
    return PX_REQ_METHOD;
  target = sp1 + 1;
  q = memchr(target, '?', (size_t)(sp2 - target));
  plen = q ? (size_t)(q - target) : (size_t)(sp2 - target);
  if (plen != strlen(path) || memcmp(target, path, plen) != 0)
    return PX_REQ_NOT_FOUND;
  q = q ? q + 1 : sp2;
  query->p = q;
  for (query->n = 0; q + query->n < sp2 && q[query->n] != '#'; query->n++)
    ;
  return PX_REQ_REDIRECT;
}

/* A complete request: ET_OK for the expected one (query copied, the
 * connection kept for the page); ET_E_CLOSED when it was answered and
 * dropped (keep waiting); ET_E_NOSPACE for a query longer than cap. */
static et_err handle(et_listener *l, et_listener_conn *c, char *out, size_t cap, size_t *len) {
  et_str q;
  switch (px_listener_request(c->req, l->path, &q)) {
  case PX_REQ_BAD:
    answer_simple(c->fd, "400 Bad Request", "", "Bad request.");
    break;
  case PX_REQ_METHOD:
    answer_simple(c->fd, "405 Method Not Allowed", "Allow: GET\r\n", "Method not allowed.");
    break;
  case PX_REQ_NOT_FOUND:
    answer_simple(c->fd, "404 Not Found", "", "Not found.");
    break;
  case PX_REQ_REDIRECT:
    if (q.n + 1 > cap) {
      answer_simple(c->fd, "414 URI Too Long", "", "The answer is too long.");
      c->fd = -1;
      drop(c);
      snprintf(l->detail, sizeof l->detail, "the redirect is longer than %zu bytes", cap - 1);
      return ET_E_NOSPACE;
    }
    memcpy(out, q.p, q.n);
    out[q.n] = '\0';
    *len = q.n;
    l->answer_fd = c->fd;
    c->fd = -1;
    drop(c);
    return ET_OK;
  }
  c->fd = -1; /* answer closed it */
  drop(c);
  return ET_E_CLOSED;
}

/* Read what is there; ET_OK when the expected request arrived. */
static et_err read_conn(et_listener *l, et_listener_conn *c, char *out, size_t cap,
                        size_t *len) {
  ssize_t k = recv(c->fd, c->req + c->len, ET_LISTENER_REQ_MAX - c->len, 0);
  if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return ET_E_TIMEOUT;
  if (k <= 0) {
    drop(c);
    return ET_E_CLOSED;
  }
  c->len += (size_t)k;
  c->req[c->len] = '\0';
  /* A NUL byte would hide the rest from the string functions: refuse. */
  if (memchr(c->req, '\0', c->len) != NULL) {
    answer_simple(c->fd, "400 Bad Request", "", "Bad request.");
    c->fd = -1;
    drop(c);
    return ET_E_CLOSED;
  }
  if (!complete(c)) {
    if (c->len == ET_LISTENER_REQ_MAX) {
      answer_simple(c->fd, "431 Request Header Fields Too Large", "", "Request too long.");
      c->fd = -1;
      drop(c);
      return ET_E_CLOSED;
    }
    return ET_E_TIMEOUT;
  }
  return handle(l, c, out, cap, len);
}

et_err et_listener_wait(et_listener *l, uint32_t timeout_ms, char *out, size_t cap,
                        size_t *len) {
  uint64_t end;
  if (l == NULL || out == NULL || cap == 0 || len == NULL || l->answer_fd >= 0 ||
      (l->lfd[0] < 0 && l->lfd[1] < 0))
    return ET_E_ARG;
  end = now_ms() + timeout_ms;
  for (;;) {
    struct pollfd pf[2 + ET_LISTENER_SLOTS];
    int who[2 + ET_LISTENER_SLOTS]; /* -1, -2: listeners; i: conns[i] */
    nfds_t n = 0;
    uint64_t now = now_ms();
    if (l->cancel && *l->cancel)
      return ET_E_CANCELLED;
    if (now >= end) {
      snprintf(l->detail, sizeof l->detail,
               "no answer from the browser on port %u", (unsigned)l->port);
      return ET_E_TIMEOUT;
    }
    for (int i = 0; i < 2; i++)
      if (l->lfd[i] >= 0) {
        pf[n] = (struct pollfd){ l->lfd[i], POLLIN, 0 };
        who[n++] = -1 - i;
      }
    for (int i = 0; i < ET_LISTENER_SLOTS; i++)
      if (l->conns[i].fd >= 0) {
        pf[n] = (struct pollfd){ l->conns[i].fd, POLLIN, 0 };
        who[n++] = i;
      }
    uint64_t left = end - now;
    int r = poll(pf, n, (int)(left < LISTENER_SLICE_MS ? left : LISTENER_SLICE_MS));
    if (r < 0 && errno != EINTR && errno != EAGAIN) /* both: try again (POSIX) */
      return failf(l, ET_E_IO, "poll");
    for (nfds_t i = 0; r > 0 && i < n; i++) {
      if (pf[i].revents == 0)
        continue;
      if (who[i] < 0) {
        accept_one(l, pf[i].fd);
        continue;
      }
      et_listener_conn *c = &l->conns[who[i]];
      if (c->fd != pf[i].fd)
        continue; /* slot reused by an accept in this round */
      et_err e = read_conn(l, c, out, cap, len);
      if (e == ET_OK || e == ET_E_NOSPACE)
        return e;
    }
  }
}

void et_listener_close(et_listener *l) {
  if (l == NULL)
    return;
  for (int i = 0; i < 2; i++)
    close_fd(&l->lfd[i]);
  close_fd(&l->answer_fd);
  for (size_t i = 0; i < ET_LISTENER_SLOTS; i++)
    close_fd(&l->conns[i].fd);
  et_wipe(l, sizeof *l);
  l->lfd[0] = l->lfd[1] = l->answer_fd = -1;
  for (size_t i = 0; i < ET_LISTENER_SLOTS; i++)
    l->conns[i].fd = -1;
}
