/* SPDX-License-Identifier: MIT */
/* The blocking driver: pumps an engine through the port, keeping the
 * connection in an et_link between requests. The only core code that
 * calls the port's connection, clock and crypto hooks for the flows. */
#include "flow.h"

#include <string.h>

/* Longest single sleep: a port whose sleep_ms ignores cancellation still
 * sees port->cancelled at least this often. */
#define ET_SLEEP_SLICE_MS 1000u

static bool cancelled(const et_port *port) {
  return port->cancelled != NULL && port->cancelled(port->ctx);
}

et_err et_engine_in_from_port(const et_port *port, bool keep_alive, et_engine_in *in) {
  if (port == NULL || in == NULL || port->mono_ms == NULL || port->random == NULL)
    return ET_E_ARG;
  memset(in, 0, sizeof *in);
  in->now_ms = port->mono_ms(port->ctx);
  in->unix_s = port->unix_s != NULL ? port->unix_s(port->ctx) : 0;
  in->keep_alive = keep_alive;
  return port->random(port->ctx, in->seed, sizeof in->seed);
}

void et_link_close(const et_port *port, et_link *l) {
  if (l == NULL || l->conn == NULL)
    return;
  if (port != NULL && port->close != NULL)
    port->close(l->conn);
  l->conn = NULL;
}

static uint32_t ms_left(uint64_t until_ms, uint64_t now_ms) {
  uint64_t left = until_ms > now_ms ? until_ms - now_ms : 0;
  return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

/* Whether the link remembers host:port as p (the kept connection's peer,
 * or the held-back one). */
static bool is_peer(const et_link_peer *p, et_str host, uint16_t port) {
  return p->port == port && p->host_len == host.n && memcmp(p->host, host.p, host.n) == 0;
}

/* Remember host:port as p (host.n <= ET_HOST_MAX, checked by the caller). */
static void set_peer(et_link_peer *p, et_str host, uint16_t port) {
  memcpy(p->host, host.p, host.n);
  p->host_len = (uint16_t)host.n;
  p->port = port;
}

/* The connection for a SEND: the kept one when it goes to the same peer,
 * is fresh enough and the request may use it; else a new one. left: the
 * step's time left. */
static et_err link_open(const et_port *port, et_link *l, const et_step *s, uint64_t now_ms,
                        uint32_t left, bool *reused) {
  uint32_t idle = l->idle_max_ms ? l->idle_max_ms : CONFIG_ET_KEEPALIVE_IDLE_MS;
  et_err e;
  *reused = false;
  if (s->reuse && l->conn != NULL && is_peer(&l->peer, s->host, s->port) &&
      now_ms - l->last_ms <= idle) {
    *reused = true;
    l->reused++;
    return ET_OK;
  }
  et_link_close(port, l);
  if (s->host.n > sizeof l->peer.host)
    return ET_E_ARG;
  e = port->open(port->ctx, s->host, s->port, true, left, &l->conn);
  if (e != ET_OK) {
    l->conn = NULL;
    return e;
  }
  set_peer(&l->peer, s->host, s->port);
  l->opened++;
  l->last_ms = now_ms;
  return ET_OK;
}

/* At debug level: the request line, then the body with secrets as "***",
 * each built in the free tail of the workspace, after the request. */
static void log_request(const et_port *port, const et_engine *e) {
  et_buf b;
  if (CONFIG_ET_LOG_LEVEL < ET_LOG_DEBUG || port->log == NULL)
    return;
  for (int body = 0; body <= 1; body++) {
    et_buf_init(&b, (char *)e->w->buf + e->req_len, e->w->cap - e->req_len);
    et_buf_put_cstr(&b, "> ");
    et_engine_describe(e, &b, body != 0);
    if (b.overflow)
      et_log(port, ET_LOG_DEBUG, "> (request too long to show)", ET_STR_NULL);
    else
      port->log(port->ctx, ET_LOG_DEBUG, b.p, b.len);
  }
}

static void log_answer(const et_port *port, const et_engine *e) {
  char line[48];
  et_buf b;
  if (CONFIG_ET_LOG_LEVEL < ET_LOG_DEBUG) /* et_log would drop it: no code */
    return;
  et_buf_init(&b, line, sizeof line);
  et_buf_put_u64(&b, (uint64_t)e->hp.status);
  et_buf_put_cstr(&b, ", body ");
  et_buf_put_u64(&b, e->body_len);
  et_buf_put_cstr(&b, " bytes");
  et_log(port, ET_LOG_DEBUG, "< HTTP ", (et_str){ line, b.len });
}

/* "<why>: HTTP 503" after an answer, "<why>: <et_strerror>" after a
 * failure; a planned wait (a poll's slow_down) at info level. */
static void log_wait(const et_port *port, const et_engine *e, const et_step *s) {
  char detail[80];
  et_buf b;
  if (s->err == ET_OK) {
    if (s->why != NULL)
      et_log(port, ET_LOG_INFO, s->why, ET_STR_NULL);
    return;
  }
  if (CONFIG_ET_LOG_LEVEL < ET_LOG_WARN)
    return;
  et_buf_init(&b, detail, sizeof detail);
  if ((s->err == ET_E_SERVER || s->err == ET_E_THROTTLED) && e->hp.status != 0) {
    et_buf_put_cstr(&b, ": HTTP ");
    et_buf_put_u64(&b, (uint64_t)e->hp.status);
  } else {
    et_buf_put_cstr(&b, ": ");
    et_buf_put_cstr(&b, et_strerror(s->err));
  }
  et_log(port, ET_LOG_WARN, s->why != NULL ? s->why : "retrying", (et_str){ detail, b.len });
}

static et_err sign(const et_port *port, const et_step *s, size_t *n) {
  uint8_t digest[32];
  et_err e;
  *n = 0;
  if (port->sha256 == NULL || port->sign == NULL)
    return ET_E_DISABLED;
  e = port->sha256(port->ctx, s->data, s->n, digest);
  if (e == ET_OK)
    e = port->sign(port->ctx, s->alg, digest, s->buf, s->cap, n);
  return e;
}

/* A SEND's or RECV's bytes over c: ET_OK when 0 < *n <= what the step
 * allows (a port saying otherwise is broken: ET_E_IO). */
static et_err transfer(const et_port *port, et_conn *c, const et_step *s, uint32_t left,
                       size_t *n) {
  bool send = s->kind == ET_STEP_SEND;
  et_err err = send ? port->send(c, s->data, s->n, n, left) : port->recv(c, s->buf, s->cap, n, left);
  if (err == ET_OK && (*n == 0 || *n > (send ? s->n : s->cap)))
    err = ET_E_IO;
  return err;
}

/* The connection failed: drop it and tell the engine. The end of the
 * stream may complete an answer delimited by it (et_engine_closed; while
 * sending, it is ET_E_CLOSED as reported). */
static void conn_failed(const et_port *port, et_engine *e, et_link *l, et_err err,
                        bool reused) {
  et_link_close(port, l);
  if (err == ET_E_CLOSED)
    et_engine_closed(e, reused);
  else
    et_engine_failed(e, err, reused);
}

/* The engine's host is the one the link holds back (here), and the time
 * has not come: fail it as throttled, nothing sent. */
static bool held_back(et_engine *e, const et_link *l, bool here, uint64_t now) {
  uint32_t ms = here ? ms_left(l->hold_until_ms, now) : 0;
  if (ms == 0)
    return false;
  et_engine_abort(e, ET_E_THROTTLED);
  e->res.retry_after_s = ms / 1000u + (ms % 1000u != 0); /* rounded up */
  e->res.why = ET_TEXT("not sent: the server asked to wait and that time has not passed");
  return true;
}

/* After a call: hold its host back when the server throttled it (429, or
 * Retry-After on a failure: the seconds it asked for, else the back-off
 * of the attempts made); a success there lifts the hold. A call held back
 * got no answer (http_status 0): it changes nothing. */
static void remember(et_link *l, const et_engine *e, bool here, uint64_t now) {
  const et_result *r = &e->res;
  et_str h = e->req.host;
  uint32_t s;
  if (r->err == ET_OK) {
    if (here)
      l->hold_until_ms = 0;
    return;
  }
  if (r->http_status == 0 || (r->http_status != 429 && r->retry_after_s == 0) ||
      h.n > sizeof l->hold.host)
    return;
  s = r->retry_after_s ? r->retry_after_s : et_backoff_ms(r->tries, 0) / 1000u;
  set_peer(&l->hold, h, e->req.port);
  l->hold_until_ms = now + (uint64_t)s * 1000u;
}

static bool port_ok(const et_port *port) {
  return port != NULL && port->open != NULL && port->send != NULL && port->recv != NULL &&
         port->close != NULL && port->mono_ms != NULL && port->sleep_ms != NULL;
}

et_err et_drive(const et_port *port, et_engine *e, et_link *link) {
  et_link own;
  bool active = false, reused = false, port_failed = false, hold_here;
  /* The call's end (et_app.deadline_ms); never without a deadline. */
  uint64_t logged_until = 0, end = UINT64_MAX;
  if (e == NULL)
    return ET_E_ARG;
  if (!port_ok(port)) {
    et_engine_abort(e, ET_E_ARG);
    return ET_E_ARG;
  }
  if (e->app != NULL && e->app->deadline_ms != 0)
    end = port->mono_ms(port->ctx) + e->app->deadline_ms;
  if (link == NULL) {
    memset(&own, 0, sizeof own);
    link = &own;
  }
  /* Only remember changes the hold, at the end. */
  hold_here = is_peer(&link->hold, e->req.host, e->req.port);
  for (;;) {
    uint64_t now = port->mono_ms(port->ctx);
    et_step s;
    et_err err = ET_OK;
    uint32_t left;
    size_t n = 0;
    if (cancelled(port))
      et_engine_abort(e, ET_E_CANCELLED);
    if (now >= end)
      et_engine_abort(e, ET_E_TIMEOUT);
    s = et_engine_step(e, now);
    if (end < s.until_ms) /* the step's own deadline, or the call's if sooner */
      s.until_ms = end;
    left = ms_left(s.until_ms, now);
    if (s.close)
      et_link_close(port, link);
    if (s.close || (s.kind != ET_STEP_SEND && s.kind != ET_STEP_RECV))
      active = false; /* the next SEND starts a request */
    switch (s.kind) {
    case ET_STEP_SEND:
    case ET_STEP_RECV:
      if (s.kind == ET_STEP_SEND && !active) {
        if (held_back(e, link, hold_here, now))
          break;
        err = link_open(port, link, &s, now, left, &reused);
        active = err == ET_OK;
        if (active)
          log_request(port, e);
      }
      if (err == ET_OK)
        err = transfer(port, link->conn, &s, left, &n);
      if (err != ET_OK) { /* opening, sending or receiving failed */
        port_failed = true;
        active = false;
        conn_failed(port, e, link, err, reused);
        break;
      }
      if (s.kind == ET_STEP_SEND) {
        et_engine_sent(e, n);
        break;
      }
      et_engine_received(e, n);
      if (e->hp.done) {
        port_failed = false;
        /* Idle from here: the next request of this drive (a retry, the
         * next poll) may reuse the connection within the idle limit. */
        link->last_ms = now;
        log_answer(port, e);
      }
      break;
    case ET_STEP_SIGN: /* only with CONFIG_ET_CRED_CERTIFICATE */
      err = CONFIG_ET_CRED_CERTIFICATE ? sign(port, &s, &n) : ET_E_DISABLED;
      et_engine_signed(e, err, n);
      break;
    case ET_STEP_WAIT:
      if (s.until_ms != logged_until) {
        log_wait(port, e, &s);
        logged_until = s.until_ms;
      }
      port->sleep_ms(port->ctx, left > ET_SLEEP_SLICE_MS ? ET_SLEEP_SLICE_MS : left);
      break;
    case ET_STEP_DONE:
    case ET_STEP_FAIL:
      if (s.kind == ET_STEP_FAIL && port_failed && port->detail != NULL) {
        const char *d = port->detail(port->ctx);
        e->res.port_detail = d != NULL && d[0] != '\0' ? d : NULL;
      }
      /* s.close closed the connection above: a failed request closes it
       * unless the engine says it ended on a complete answer that leaves
       * it usable (ADME calls). A connection of our own goes anyway. */
      if (link == &own)
        et_link_close(port, link);
      else
        link->last_ms = now;
      remember(link, e, hold_here, now);
      return s.err; /* ET_OK on DONE */
    }
  }
}

et_err et_flow_in(const et_port *port, const et_work *w, const void *out, bool keep_alive,
                  et_engine_in *in) {
  if (port == NULL || w == NULL || out == NULL)
    return ET_E_ARG;
  return et_engine_in_from_port(port, keep_alive || w->link != NULL, in);
}

et_err et_flow_run(const et_port *port, et_engine *e, et_err begin_err, const et_work *w,
                   et_result *res) {
  et_err err = begin_err;
  if (err == ET_OK)
    err = et_drive(port, e, w != NULL ? w->link : NULL);
  e->res.err = err;
  if (res != NULL)
    *res = e->res;
  return err;
}
