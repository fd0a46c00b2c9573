/* SPDX-License-Identifier: MIT */
/* CONNECT tunnels on any byte transport (et_proxy_transport.h): connect
 * opens the tunnel; send, recv and close are the inner transport's. */
#include "edgetoken/et_proxy_transport.h"

#include <string.h>

#define PT_END ((const char *)NULL)
/* The CONNECT request: two host:port, the fixed headers and the Basic
 * credentials (4/3 of up to 2 x 256 bytes). */
#define PT_REQUEST_MAX (2 * ET_PORT_HOST_MAX + 1024)

/* "proxy host:port" ("[v6]" bracketed) for details: never credentials. */
typedef struct pt_name {
  char s[sizeof "proxy []:" + ET_PORT_HOST_MAX + ET_DIAG_NUM_MAX];
} pt_name;

static const char *pt_peer(const char *prefix, const char *host, uint16_t port, pt_name *out) {
  char num[ET_DIAG_NUM_MAX];
  bool v6 = strchr(host, ':') != NULL;
  et_buf b;
  et_buf_init(&b, out->s, sizeof out->s - 1);
  et_buf_put_cstr(&b, prefix);
  et_buf_put_cstr(&b, v6 ? "[" : "");
  et_buf_put_cstr(&b, host);
  et_buf_put_cstr(&b, v6 ? "]:" : ":");
  et_buf_put_cstr(&b, et_diag_uint(num, port));
  out->s[b.overflow ? 0 : b.len] = '\0';
  return out->s;
}

static uint16_t pt_proxy_port(const et_proxy_tunnel *t) {
  return t->cfg.port != 0 ? t->cfg.port : ET_PROXY_DEFAULT_PORT;
}

static uint32_t pt_left(const et_proxy_tunnel *t, uint64_t deadline_ms) {
  uint64_t now = t->clock.mono_ms(t->clock.ctx);
  uint64_t left = now >= deadline_ms ? 0 : deadline_ms - now;
  return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

/* The proxy could not be reached: the inner detail, prefixed with whose. */
static et_err pt_unreachable(et_proxy_tunnel *t, const pt_name *proxy) {
  char inner[ET_DIAG_TEXT_MAX] = "";
  if (t->diag != NULL)
    memcpy(inner, t->diag->text, sizeof inner);
  return et_diag_fail(t->diag, ET_E_PROXY_CONNECT, proxy->s, " unreachable: ",
                      inner[0] ? inner : "no connection", PT_END);
}

static et_err pt_send_all(et_proxy_tunnel *t, int sock, const char *p, size_t n,
                          uint64_t deadline_ms) {
  while (n > 0) {
    size_t sent = 0;
    et_err e = t->inner.send(t->inner.ctx, sock, (const uint8_t *)p, n, &sent,
                             pt_left(t, deadline_ms));
    if (e == ET_E_TIMEOUT && pt_left(t, deadline_ms) > 0)
      continue;
    if (e != ET_OK)
      return e;
    p += sent;
    n -= sent;
  }
  return ET_OK;
}

/* Read the answer's head; ET_OK with a->done, or the first failure. */
static et_err pt_read_answer(et_proxy_tunnel *t, int sock, et_proxy_answer *a,
                             uint64_t deadline_ms, bool *extra) {
  uint8_t in[256];
  *extra = false;
  while (!a->done) {
    size_t got = 0, used = 0;
    et_err e = t->inner.recv(t->inner.ctx, sock, in, sizeof in, &got, pt_left(t, deadline_ms));
    if (e == ET_E_TIMEOUT && pt_left(t, deadline_ms) > 0)
      continue;
    if (e != ET_OK)
      return e;
    e = et_proxy_answer_parse(a, in, got, &used);
    if (e != ET_OK)
      return e;
    *extra = used < got;
  }
  return ET_OK;
}

/* The answer's status as an error with its detail. */
static et_err pt_status(et_proxy_tunnel *t, const et_proxy_answer *a, const pt_name *proxy,
                        const pt_name *origin, bool extra) {
  char num[ET_DIAG_NUM_MAX];
  const char *status = et_diag_uint(num, (uint32_t)a->status);
  if (a->status >= 200 && a->status < 300 && extra)
    return et_diag_fail(t->diag, ET_E_PROXY_PROTOCOL, proxy->s, " sent bytes after its HTTP ",
                        status, " to CONNECT, before the tunnel was used", PT_END);
  if (a->status >= 200 && a->status < 300) {
    et_diag_log(t->diag, ET_LOG_DEBUG, proxy->s, ": HTTP ", status, ", tunnel ", origin->s,
                " open", PT_END);
    return ET_OK;
  }
  /* 407, or 401 as some proxies (tinyproxy) answer wrong credentials: no
   * origin has spoken yet, so either is about the proxy's credentials. */
  if (a->status == 407 || a->status == 401)
    return et_diag_fail(t->diag, ET_E_PROXY_AUTH, proxy->s,
                        t->cfg.user.n > 0 ? " refused the credentials (HTTP "
                                          : " wants credentials (HTTP ",
                        status, t->cfg.user.n > 0 ? ")" : ") and none were given", PT_END);
  return et_diag_fail(t->diag, ET_E_PROXY_REFUSED, proxy->s, " refused the tunnel ", origin->s,
                      ": HTTP ", status, PT_END);
}

/* The request (redacted), a log line per header line. */
static void pt_log_head(et_proxy_tunnel *t, const char *p, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i + 1 < n; i++) {
    if (p[i] == '\r' && p[i + 1] == '\n') {
      if (i > start)
        et_diag_write(t->diag, ET_LOG_DEBUG, p + start, i - start);
      start = i + 2;
    }
  }
}

/* CONNECT on an open connection to the proxy. */
static et_err pt_tunnel(et_proxy_tunnel *t, int sock, const char *host, uint16_t port,
                        const pt_name *proxy, uint32_t budget_ms) {
  char req[PT_REQUEST_MAX];
  char num[ET_DIAG_NUM_MAX];
  pt_name origin;
  et_buf b;
  et_proxy_answer a;
  bool extra = false;
  et_str h = et_str_from_cstr(host);
  uint64_t deadline_ms = t->clock.mono_ms(t->clock.ctx) + budget_ms;
  pt_peer("to ", host, port, &origin);
  et_buf_init(&b, req, sizeof req);
  b.redact = true;
  if (et_proxy_connect_write(&b, h, port, t->cfg.user, t->cfg.pass) == ET_OK)
    pt_log_head(t, req, b.len);
  et_buf_init(&b, req, sizeof req);
  et_err e = et_proxy_connect_write(&b, h, port, t->cfg.user, t->cfg.pass);
  if (e != ET_OK) {
    et_wipe(req, sizeof req);
    return et_diag_fail(t->diag, e, "CONNECT ", origin.s, " via ", proxy->s,
                        e == ET_E_NOSPACE ? ": credentials too long"
                                          : ": host name or credentials not allowed",
                        PT_END);
  }
  e = pt_send_all(t, sock, req, b.len, deadline_ms);
  et_wipe(req, sizeof req);
  et_proxy_answer_init(&a);
  if (e == ET_OK)
    e = pt_read_answer(t, sock, &a, deadline_ms, &extra);
  switch (e) {
  case ET_OK:
    return pt_status(t, &a, proxy, &origin, extra);
  case ET_E_HTTP_SYNTAX: case ET_E_HTTP_TOO_LARGE:
    return et_diag_fail(t->diag, ET_E_PROXY_PROTOCOL, proxy->s,
                        " answered CONNECT with something other than an HTTP/1.x head",
                        e == ET_E_HTTP_TOO_LARGE ? " (head too large)" : "", PT_END);
  case ET_E_CLOSED:
    return et_diag_fail(t->diag, ET_E_PROXY_PROTOCOL, proxy->s,
                        " closed the connection before answering CONNECT", PT_END);
  case ET_E_TIMEOUT:
    return et_diag_fail(t->diag, e, "no answer from ", proxy->s, " to CONNECT ", origin.s,
                        " within ", et_diag_uint(num, budget_ms), " ms", PT_END);
  default:
    return e; /* cancelled, I/O: the inner transport's detail stands */
  }
}

static et_err pt_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms,
                         int *sock) {
  et_proxy_tunnel *t = ctx;
  pt_name proxy;
  if (t == NULL || host == NULL || sock == NULL)
    return ET_E_ARG;
  if (t->cfg.host == NULL || t->cfg.host[0] == '\0' ||
      et_proxy_bypass(et_str_from_cstr(t->cfg.no_proxy), et_str_from_cstr(host), port))
    return t->inner.connect(t->inner.ctx, host, port, timeout_ms, sock);
  uint32_t budget = timeout_ms != 0 ? timeout_ms : CONFIG_ET_TIMEOUT_MS;
  uint64_t start = t->clock.mono_ms(t->clock.ctx);
  int s = -1;
  pt_peer("proxy ", t->cfg.host, pt_proxy_port(t), &proxy);
  et_err e = t->inner.connect(t->inner.ctx, t->cfg.host, pt_proxy_port(t), budget, &s);
  if (e == ET_E_DNS || e == ET_E_CONNECT || e == ET_E_TIMEOUT)
    return pt_unreachable(t, &proxy);
  if (e != ET_OK)
    return e;
  uint32_t spent = (uint32_t)(t->clock.mono_ms(t->clock.ctx) - start);
  e = pt_tunnel(t, s, host, port, &proxy, spent >= budget ? 1 : budget - spent);
  if (e != ET_OK) {
    t->inner.close(t->inner.ctx, s);
    return e;
  }
  *sock = s;
  return ET_OK;
}

static et_err pt_send(void *ctx, int sock, const uint8_t *p, size_t n, size_t *sent,
                      uint32_t timeout_ms) {
  et_proxy_tunnel *t = ctx;
  return t->inner.send(t->inner.ctx, sock, p, n, sent, timeout_ms);
}

static et_err pt_recv(void *ctx, int sock, uint8_t *p, size_t cap, size_t *got,
                      uint32_t timeout_ms) {
  et_proxy_tunnel *t = ctx;
  return t->inner.recv(t->inner.ctx, sock, p, cap, got, timeout_ms);
}

static void pt_close(void *ctx, int sock) {
  et_proxy_tunnel *t = ctx;
  t->inner.close(t->inner.ctx, sock);
}

void et_proxy_tunnel_init(et_proxy_tunnel *t, const et_transport *inner,
                          const et_proxy_config *cfg, const et_clock *clock, et_diag *diag,
                          et_transport *out) {
  memset(t, 0, sizeof *t);
  t->inner = *inner;
  t->clock = *clock;
  t->diag = diag;
  if (cfg != NULL)
    t->cfg = *cfg;
  out->ctx = t;
  out->connect = pt_connect;
  out->send = pt_send;
  out->recv = pt_recv;
  out->close = pt_close;
}
