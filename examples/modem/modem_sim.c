/* SPDX-License-Identifier: MIT */
/* A simulated cellular modem: the firmware side of the AT link in
 * modem_at.h, run in a process of its own as a module is a chip of its
 * own. Its TCP/IP and TLS stack is edgetoken's POSIX port, used the way a
 * module's firmware uses its own: connect, TLS with the CA certificates
 * provisioned into it, send the request it was given, read the answer until
 * the server closes, hand the whole of it back.
 *
 * The HTTP it knows is the little a module's HTTP service needs to accept a
 * request that the host wrote itself: it checks that the bytes are one
 * whole HTTP/1.1 request (head, then exactly Content-Length bytes of body)
 * asking for Connection: close, since it reads each answer to the end of
 * the stream. A request that is not whole is refused (+HTTPERROR: 741) and
 * logged as such; tests/integration/test_examples.py counts those lines. */
#include "modem_at.h"

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The AT link, read through a small buffer as a UART driver would. */
typedef struct uart {
  int fd;
  uint8_t buf[512];
  size_t off, len;
} uart;

/* Bytes into u->buf; false at end of stream or on an error. */
static bool uart_fill(uart *u) {
  for (;;) {
    ssize_t r = read(u->fd, u->buf, sizeof u->buf);
    if (r > 0) {
      u->off = 0;
      u->len = (size_t)r;
      return true;
    }
    if (r < 0 && errno == EINTR)
      continue;
    return false;
  }
}

/* One line without its "\r\n"; false at end of stream or when too long. */
static bool uart_line(uart *u, char *line, size_t cap) {
  size_t n = 0;
  for (;;) {
    if (u->off == u->len && !uart_fill(u))
      return false;
    char c = (char)u->buf[u->off++];
    if (c == '\n') {
      if (n > 0 && line[n - 1] == '\r')
        n--;
      line[n] = '\0';
      return true;
    }
    if (n + 1 >= cap)
      return false;
    line[n++] = c;
  }
}

/* Exactly n bytes into p (p NULL: read and drop them). */
static bool uart_read(uart *u, uint8_t *p, size_t n) {
  while (n > 0) {
    if (u->off == u->len && !uart_fill(u))
      return false;
    size_t k = u->len - u->off < n ? u->len - u->off : n;
    if (p != NULL) {
      memcpy(p, u->buf + u->off, k);
      p += k;
    }
    u->off += k;
    n -= k;
  }
  return true;
}

static bool uart_write(const uart *u, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t r = send(u->fd, b, n, MSG_NOSIGNAL); /* a dead peer is an error, not SIGPIPE */
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    b += r;
    n -= (size_t)r;
  }
  return true;
}

static bool uart_puts(const uart *u, const char *s) {
  return uart_write(u, s, strlen(s));
}

/* Case-insensitive prefix match of an ASCII header name. */
static bool has_prefix_nocase(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  if (n < k)
    return false;
  for (size_t i = 0; i < k; i++)
    if (et_ascii_lower(s[i]) != et_ascii_lower(prefix[i]))
      return false;
  return true;
}

/* Is req[0..n) one whole HTTP/1.1 request with Connection: close? Writes
 * the request line (for the log) and the head's length. */
static bool whole_request(const uint8_t *req, size_t n, char *what, size_t cap,
                          size_t *head_len) {
  const char *p = (const char *)req;
  const char *end = NULL;
  for (size_t i = 0; i + 4 <= n; i++) {
    if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
      end = p + i;
      break;
    }
  }
  snprintf(what, cap, "no end of head");
  if (end == NULL)
    return false;
  const char *eol = memchr(p, '\r', (size_t)(end - p) + 1);
  size_t line_len = (size_t)(eol - p);
  /* The request line only: method and path, never a header or the body. */
  snprintf(what, cap, "%.*s", (int)(line_len < 120 ? line_len : 120), p);
  if (line_len < 14 || memcmp(eol - 9, " HTTP/1.1", 9) != 0)
    return false;
  uint64_t content_length = 0;
  bool close = false;
  for (const char *h = eol + 2; h < end;) {
    const char *next = memchr(h, '\r', (size_t)(end - h) + 1);
    size_t hl = (size_t)(next - h);
    if (has_prefix_nocase(h, hl, "content-length:")) {
      et_str v = { h + 15, hl - 15 };
      while (v.n > 0 && v.p[0] == ' ')
        v.p++, v.n--;
      if (et_str_to_u64(v, MODEM_REQ_MAX, &content_length) != ET_OK)
        return false;
    } else if (has_prefix_nocase(h, hl, "transfer-encoding:")) {
      return false; /* a module's HTTP service wants the length up front */
    } else if (has_prefix_nocase(h, hl, "connection:")) {
      close = hl == 17 && has_prefix_nocase(h + 11, hl - 11, " close");
    }
    h = next + 2;
  }
  *head_len = (size_t)(end - p) + 4;
  return close && n - *head_len == content_length;
}

typedef struct modem {
  uart link;
  et_posix px;
  et_port port;
  uint8_t req[MODEM_REQ_MAX];
  uint8_t rsp[MODEM_RSP_MAX];
  unsigned requests;
} modem;

/* Connect, TLS, send the request, read the answer until the server closes. */
static et_err http_exchange(modem *m, const char *host, uint16_t port, size_t n,
                            uint32_t rsptime_s, size_t *got) {
  const et_port *pt = &m->port;
  uint64_t deadline = pt->mono_ms(pt->ctx) + (uint64_t)rsptime_s * 1000u;
  et_conn *c = NULL;
  et_err e;
  *got = 0;
  e = pt->open(pt->ctx, et_str_from_cstr(host), port, true, rsptime_s * 1000u, &c);
  for (size_t sent = 0; e == ET_OK && sent < n;) {
    uint64_t now = pt->mono_ms(pt->ctx);
    size_t k = 0;
    e = now >= deadline ? ET_E_TIMEOUT
                        : pt->send(c, m->req + sent, n - sent, &k, (uint32_t)(deadline - now));
    sent += k;
  }
  while (e == ET_OK) {
    uint64_t now = pt->mono_ms(pt->ctx);
    size_t k = 0;
    if (*got == sizeof m->rsp) {
      e = ET_E_RESPONSE_TOO_LARGE;
      break;
    }
    e = now >= deadline ? ET_E_TIMEOUT
                        : pt->recv(c, m->rsp + *got, sizeof m->rsp - *got, &k,
                                   (uint32_t)(deadline - now));
    *got += k;
  }
  if (c != NULL)
    pt->close(c);
  if (e == ET_E_CLOSED && *got > 0)
    return ET_OK; /* the end of the answer */
  return e;
}

static void http_send(modem *m, const char *line) {
  char host[256], what[128], reply[64];
  unsigned port = 0, rsptime = 0;
  size_t n = 0, head_len = 0, got = 0;
  int code = 0;
  if (sscanf(line, "AT+HTTPSEND=\"%255[^\"]\",%u,%zu,%u", host, &port, &n, &rsptime) != 4 ||
      port == 0 || port > 65535 || rsptime == 0 || rsptime > 600) {
    fprintf(stderr, "modem: bad command\n");
    uart_puts(&m->link, "ERROR\r\n");
    return;
  }
  m->requests++;
  if (n == 0 || n > sizeof m->req) {
    if (!uart_read(&m->link, NULL, n))
      return;
    fprintf(stderr, "modem: request %u to %s:%u, %zu bytes: not whole (larger than the "
            "modem's buffer)\n", m->requests, host, port, n);
    code = MODEM_E_REQUEST;
  } else if (!uart_read(&m->link, m->req, n)) {
    return;
  } else if (!whole_request(m->req, n, what, sizeof what, &head_len)) {
    fprintf(stderr, "modem: request %u to %s:%u, %zu bytes: not whole (%s)\n", m->requests,
            host, port, n, what);
    code = MODEM_E_REQUEST;
  } else {
    fprintf(stderr, "modem: request %u to %s:%u, %zu bytes: whole request, %s (head %zu "
            "+ body %zu)\n", m->requests, host, port, n, what, head_len, n - head_len);
    et_err e = http_exchange(m, host, (uint16_t)port, n, rsptime, &got);
    if (e != ET_OK) {
      code = modem_code_of(e);
      fprintf(stderr, "modem: request %u failed: %s: %s\n", m->requests, et_strerror(e),
              et_posix_detail(&m->px));
    }
  }
  et_wipe(m->req, sizeof m->req); /* it held the client secret */
  if (code != 0) {
    snprintf(reply, sizeof reply, "+HTTPERROR: %d\r\n", code);
    uart_puts(&m->link, reply);
    return;
  }
  const uint8_t *eol = memchr(m->rsp, '\r', got);
  fprintf(stderr, "modem: response %u: %zu bytes, %.*s\n", m->requests, got,
          eol != NULL && eol - m->rsp < 60 ? (int)(eol - m->rsp) : 0, (const char *)m->rsp);
  snprintf(reply, sizeof reply, "+HTTPRECV: %zu\r\n", got);
  if (uart_puts(&m->link, reply))
    uart_write(&m->link, m->rsp, got);
  et_wipe(m->rsp, got); /* it held a token */
}

int modem_main(int fd, const char *ca_file, bool verbose) {
  static modem m; /* the module's RAM */
  char line[MODEM_LINE_MAX];
  et_posix_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.ca_file = ca_file;
  cfg.log_level = verbose ? ET_LOG_DEBUG : 0; /* failures go out as +HTTPERROR */
  m.link.fd = fd;
  et_err e = et_posix_init(&m.px, &cfg, &m.port);
  if (e != ET_OK) {
    fprintf(stderr, "modem: TLS stack: %s: %s\n", et_strerror(e), et_posix_detail(&m.px));
    et_posix_free(&m.px);
    return 2;
  }
  int status = 0;
  for (;;) {
    if (!uart_line(&m.link, line, sizeof line)) {
      status = 2; /* the host went away without powering us down */
      break;
    }
    if (strcmp(line, "AT") == 0) {
      uart_puts(&m.link, "OK\r\n");
    } else if (strncmp(line, "AT+HTTPSEND=", 12) == 0) {
      http_send(&m, line);
    } else if (strcmp(line, "AT+QPOWD") == 0) {
      uart_puts(&m.link, "OK\r\n");
      break;
    } else {
      uart_puts(&m.link, "ERROR\r\n");
    }
  }
  fprintf(stderr, "modem: powered down after %u request(s)\n", m.requests);
  et_posix_free(&m.px);
  return status;
}
