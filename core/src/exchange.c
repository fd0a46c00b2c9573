/* One HTTP exchange in the caller's workspace, and the retry policy around
 * it. Layout of w->buf while sending: [request head][body]; the body is
 * built first, then moved up by the size of the head (measured with a
 * counting et_buf), so no second buffer is needed. */
#include "edgetoken/et_exchange.h"

#include <string.h>

/* Receives go straight into the workspace; only when fewer than this many
 * bytes are left do they pass through a small stack buffer, so that framing
 * after a body that exactly fills the workspace can still be read. */
#define ET_RECV_SPILL 64

static bool cancelled(const et_port *port) {
  return port->cancelled != NULL && port->cancelled(port->ctx);
}

static et_err build_request(const et_request *rq, et_work *w, size_t *total) {
  et_buf b;
  et_buf head;
  et_err e;
  et_http_request hr;

  et_buf_init(&b, (char *)w->buf, w->cap);
  if (rq->body != NULL) {
    e = rq->body(rq->body_arg, &b);
    if (e == ET_OK)
      e = et_buf_status(&b);
    if (e != ET_OK) {
      w->why = ET_TEXT("request body does not fit the workspace buffer");
      return e;
    }
  }
  memset(&hr, 0, sizeof hr);
  hr.method = rq->method;
  hr.host = rq->to->host;
  hr.port = rq->to->port;
  hr.tls = true;
  hr.path = rq->path;
  hr.content_type = rq->body != NULL ? rq->content_type : ET_STR_NULL;
  hr.authorization = rq->authorization;
  hr.extra = rq->extra;
  hr.n_extra = rq->n_extra;
  hr.body_len = b.len;

  et_buf_init(&head, NULL, 0);
  e = et_http_request_write(&head, &hr);
  if (e != ET_OK) {
    w->why = ET_TEXT("request header field contains forbidden characters");
    return e;
  }
  if (head.len > w->cap - b.len) {
    w->why = ET_TEXT("request does not fit the workspace buffer");
    et_wipe(w->buf, b.len);
    return ET_E_NOSPACE;
  }
  memmove(w->buf + head.len, w->buf, b.len);
  et_buf_init(&head, (char *)w->buf, head.len);
  e = et_http_request_write(&head, &hr);
  *total = head.len + b.len;
  return e;
}

/* At debug level, show the request line, then the body with secrets as
 * "***": each built in the free tail of the workspace, after the request. */
static void log_request(const et_port *port, const et_request *rq, et_work *w,
                        size_t used) {
  et_buf b;
  if (CONFIG_ET_LOG_LEVEL < ET_LOG_DEBUG || port->log == NULL)
    return;
  et_buf_init(&b, (char *)w->buf + used, w->cap - used);
  et_buf_put_cstr(&b, "> ");
  et_buf_put_str(&b, rq->method);
  et_buf_put_cstr(&b, " https://");
  et_buf_put_str(&b, rq->to->host);
  et_buf_put_char(&b, ':');
  et_buf_put_u64(&b, rq->to->port);
  et_buf_put_str(&b, rq->path);
  if (!b.overflow)
    port->log(port->ctx, ET_LOG_DEBUG, b.p, b.len);
  if (rq->body == NULL)
    return;
  et_buf_init(&b, (char *)w->buf + used, w->cap - used);
  b.redact = true;
  (void)rq->body(rq->body_arg, &b);
  if (b.overflow)
    et_log(port, ET_LOG_DEBUG, "> (request body too long to show)", ET_STR_NULL);
  else
    port->log(port->ctx, ET_LOG_DEBUG, b.p, b.len);
}

static void log_response(const et_port *port, int status, size_t body_len) {
  char line[48];
  et_buf b;
  if (CONFIG_ET_LOG_LEVEL < ET_LOG_DEBUG) /* et_log would drop it: no code */
    return;
  et_buf_init(&b, line, sizeof line);
  et_buf_put_u64(&b, (uint64_t)status);
  et_buf_put_cstr(&b, ", body ");
  et_buf_put_u64(&b, body_len);
  et_buf_put_cstr(&b, " bytes");
  et_log(port, ET_LOG_DEBUG, "< HTTP ", (et_str){ line, b.len });
}

static et_err send_all(const et_port *port, et_conn *c, const uint8_t *p,
                       size_t n, uint32_t timeout_ms) {
  while (n > 0) {
    size_t sent = 0;
    et_err e;
    if (cancelled(port))
      return ET_E_CANCELLED;
    e = port->send(c, p, n, &sent, timeout_ms);
    if (e != ET_OK)
      return e;
    if (sent == 0 || sent > n)
      return ET_E_IO;
    p += sent;
    n -= sent;
  }
  return ET_OK;
}

static et_err receive_response(const et_port *port, et_conn *c,
                               uint32_t timeout_ms, et_work *w,
                               et_http_response *hp, size_t *body_len) {
  uint8_t spill[ET_RECV_SPILL];
  et_http_response_init(hp);
  *body_len = 0;
  for (;;) {
    uint8_t *dst = w->buf + *body_len;
    size_t room = w->cap - *body_len, got = 0, used = 0;
    et_err e;
    if (room < sizeof spill) {
      dst = spill;
      room = sizeof spill;
    }
    if (cancelled(port))
      return ET_E_CANCELLED;
    e = port->recv(c, dst, room, &got, timeout_ms);
    if (e == ET_E_CLOSED)
      return et_http_response_eof(hp);
    if (e != ET_OK)
      return e;
    e = et_http_response_parse(hp, dst, got, &used, w->buf, w->cap, body_len);
    if (e != ET_OK || hp->done)
      return e;
  }
}

et_err et_exchange_once(const et_port *port, const et_request *rq,
                        uint32_t timeout_ms, et_work *w, et_response *rs) {
  et_conn *c = NULL;
  et_http_response hp;
  size_t total = 0, body_len = 0;
  et_err e;

  if (rs != NULL)
    memset(rs, 0, sizeof *rs);
  if (port == NULL || rq == NULL || rq->to == NULL || w == NULL ||
      w->buf == NULL || rs == NULL || port->open == NULL)
    return ET_E_ARG;
  w->why = NULL;
  w->http_status = 0;

  e = build_request(rq, w, &total);
  if (e != ET_OK)
    return e;
  log_request(port, rq, w, total);

  e = port->open(port->ctx, rq->to->host, rq->to->port, true, timeout_ms, &c);
  if (e == ET_OK) {
    rs->request_sent = true; /* from here the server may have seen it */
    e = send_all(port, c, w->buf, total, timeout_ms);
  }
  et_wipe(w->buf, total);
  if (e == ET_OK)
    e = receive_response(port, c, timeout_ms, w, &hp, &body_len);
  if (c != NULL)
    port->close(c);
  if (e != ET_OK) {
    et_wipe(w->buf, w->cap);
    return e;
  }
  rs->status = hp.status;
  rs->body = (et_str){ (const char *)w->buf, body_len };
  rs->json = hp.json;
  rs->has_retry_after = hp.has_retry_after;
  rs->retry_after_s = hp.retry_after_s;
  w->http_status = hp.status;
  log_response(port, hp.status, body_len);
  return ET_OK;
}

static bool transient(et_err e) {
  return e == ET_E_DNS || e == ET_E_CONNECT || e == ET_E_TIMEOUT ||
         e == ET_E_CLOSED || e == ET_E_TRUNCATED || e == ET_E_IO ||
         e == ET_E_TLS;
}

/* 1 s, 2 s, 4 s ... plus up to a quarter more, so devices that lost the
 * network together do not come back in lockstep. */
static uint32_t backoff_ms(const et_port *port, unsigned attempt) {
  uint32_t base = 1000u << (attempt > 10 ? 10 : attempt - 1);
  uint8_t r[2] = { 0, 0 };
  if (port->random != NULL && port->random(port->ctx, r, sizeof r) != ET_OK)
    r[0] = r[1] = 0;
  return base + (uint32_t)(((uint32_t)r[0] << 8 | r[1]) % (base / 4 + 1));
}

static void log_status(const et_port *port, const char *text, int status) {
  char digits[8];
  et_buf b;
  et_buf_init(&b, digits, sizeof digits);
  et_buf_put_u64(&b, (uint64_t)status);
  et_log(port, ET_LOG_WARN, text, (et_str){ digits, b.len });
}

static et_err wait_ms(const et_port *port, uint32_t ms) {
  if (port->sleep_ms != NULL)
    port->sleep_ms(port->ctx, ms);
  return cancelled(port) ? ET_E_CANCELLED : ET_OK;
}

et_err et_exchange(const et_port *port, const et_request *rq,
                   uint32_t timeout_ms, et_work *w, et_response *rs) {
  for (unsigned attempt = 1;; attempt++) {
    bool last = attempt >= CONFIG_ET_RETRY_ATTEMPTS;
    uint32_t delay;
    et_err e = et_exchange_once(port, rq, timeout_ms, w, rs);

    /* Once bytes may have reached the server, only a replayable request
     * goes again: whatever came back (or did not) is the answer. */
    if (rs->request_sent && !rq->replayable)
      last = true;
    if (e != ET_OK) {
      if (last || !transient(e))
        return e;
      et_log_error(port, ET_LOG_WARN, "retrying after: ", e);
      e = wait_ms(port, backoff_ms(port, attempt));
      if (e != ET_OK)
        return e;
      continue;
    }
    if (rs->status != 429 && rs->status < 500)
      return ET_OK;
    if (rs->has_retry_after) {
      delay = rs->retry_after_s > CONFIG_ET_RETRY_MAX_WAIT_MS / 1000
                  ? CONFIG_ET_RETRY_MAX_WAIT_MS + 1
                  : rs->retry_after_s * 1000;
    } else {
      delay = backoff_ms(port, attempt);
    }
    if (delay > CONFIG_ET_RETRY_MAX_WAIT_MS || last) {
      if (rs->status == 429 || rs->has_retry_after) {
        w->why = ET_TEXT("the server asks to retry later (Retry-After)");
        return ET_E_THROTTLED;
      }
      return ET_OK; /* the caller reports the 5xx */
    }
    log_status(port, "server busy, retrying after HTTP ", rs->status);
    e = wait_ms(port, delay);
    if (e != ET_OK)
      return e;
  }
}
