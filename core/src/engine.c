/* SPDX-License-Identifier: MIT */
/* The engine every flow shares: one HTTPS request with the retry policy
 * around it, as a state machine that never calls the port (et_engine.h).
 *
 * Layout of w->buf while a request is built: the form body first, then
 * (with a client assertion) the signature at the very end while it is
 * encoded; then the head is measured and the body moved up behind it, so
 * no second buffer is needed. Once sent, the request is wiped and the
 * answer is parsed in place into the same buffer. */
#include "flow.h"
#include "url_origin.h"

#include "edgetoken/et_assertion.h"
#include "edgetoken/et_b64url.h"
#include "edgetoken/et_form.h"

#include <string.h>

/* Retry-After is capped like the response parser caps delta-seconds. */
#define RETRY_AFTER_CAP_S 86400u

enum {
  S_BUILD = 0, /* make the request of the next attempt */
  S_SIGN,      /* waiting for the assertion's signature */
  S_SEND,
  S_RECV,
  S_JUDGE,     /* the attempt ended: ask the policy, then the flow */
  S_WAIT,      /* until until_ms, then S_BUILD */
  S_DONE,
  S_FAIL
};

/* xorshift128+: retry jitter and assertion ids need to differ between
 * devices and attempts, not to be secret; the seed is a CSPRNG's. */
static uint64_t rnd(et_engine *e) {
  uint64_t x = e->rng[0], y = e->rng[1];
  e->rng[0] = y;
  x ^= x << 23;
  e->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
  return e->rng[1] + y;
}

/* What both setups share: e failing with ET_E_ARG until set up, the
 * caller's inputs taken. false when w or in is unusable. */
static bool init(et_engine *e, et_work *w, const et_engine_in *in, et_answer_fn answer) {
  memset(e, 0, sizeof *e);
  e->state = S_FAIL;
  e->res.err = ET_E_ARG;
  if (w == NULL || w->buf == NULL || w->cap == 0 || in == NULL)
    return false;
  e->w = w;
  e->answer = answer;
  e->req.keep_alive = in->keep_alive;
  e->begin_ms = in->now_ms;
  e->begin_unix_s = in->unix_s;
  for (size_t i = 0; i < sizeof in->seed; i++) /* big-endian, 8 bytes a word */
    e->rng[i >> 3] = e->rng[i >> 3] << 8 | in->seed[i];
  e->rng[0] |= 1u; /* never the all-zero state */
  return true;
}

/* The peer into the request and the URL's host, port and prefix into
 * e->res (so a failure can name the URL, et_result_url); the caller adds
 * the pieces after the prefix. The request path is all the pieces joined
 * (ready). */
static et_str *name_url(et_engine *e, const et_authority *to) {
  e->req.host = to->host;
  e->req.port = to->port;
  e->res.url_host = to->host;
  e->res.url_port = to->port;
  e->res.url_path[0] = to->prefix;
  return e->res.url_path;
}

/* Ready for the first step once the path fits. */
static et_err ready(et_engine *e) {
  et_buf pb;
  et_buf_init(&pb, e->path, sizeof e->path);
  for (size_t i = 0; i < 4; i++)
    et_buf_put_str(&pb, e->res.url_path[i]);
  if (pb.overflow)
    return et_engine_refuse(e, ET_E_ARG, ET_TEXT("request path too long"));
  e->req.tls = true;
  e->req.path = (et_str){ e->path, pb.len };
  e->state = S_BUILD;
  e->res.err = ET_OK;
  return ET_OK;
}

/* Where the request goes: the app's explicit URL of this kind, parsed
 * like an authority (its path is the whole request path), or Entra's
 * {authority}/{tenant}{endpoint}. */
static et_err setup_url(et_engine *e, const et_app *app, et_url_kind kind,
                        const char *endpoint) {
  et_str url = kind == ET_URL_DEVICE ? app->device_endpoint : app->token_endpoint;
  et_authority to;
  et_str *piece;
  et_err err;
  if (kind == ET_URL_DISCOVERY && url.n == 0)
    return et_engine_refuse(e, ET_E_ARG, ET_TEXT("issuer is empty"));
  err = et_app_authority(app, url, &to);
  if (err == ET_E_DISABLED)
    return et_engine_refuse(e, err,
                            ET_TEXT("URLs are fixed at build time (CONFIG_ET_FIXED_AUTHORITY): "
                                    "leave authority and endpoints empty"));
  if (err != ET_OK)
    return et_engine_refuse(e, ET_E_URL,
                            url.n == 0 ? ET_TEXT("authority must be https://host[:port][/path]")
                            : kind == ET_URL_DISCOVERY
                                ? ET_TEXT("issuer must be https://host[:port][/path]")
                                : ET_TEXT("endpoint URL must be https://host[:port][/path] "
                                          "(no query, no fragment)"));
  piece = name_url(e, &to);
  /* A fixed authority took no URL (et_app_authority): Entra's layout,
   * known at build time. */
  if (CONFIG_ET_FIXED_AUTHORITY || url.n == 0) {
    piece[1] = ET_STR("/");
    piece[2] = app->tenant;
    piece[3] = et_str_from_cstr(endpoint);
    if (et_tenant_check(app->tenant) != ET_OK)
      return et_engine_refuse(e, ET_E_ARG, ET_TEXT("tenant must be a GUID, a domain name or "
                                                   "common/organizations/consumers"));
  } else if (kind == ET_URL_DISCOVERY) {
    piece[1] = et_str_from_cstr(endpoint);
  } else if (to.prefix.n == 0) {
    piece[1] = ET_STR("/");
  }
  return ET_OK;
}

et_err et_engine_setup(et_engine *e, const et_app *app, et_work *w,
                       const et_engine_in *in, et_url_kind kind, const char *endpoint,
                       et_answer_fn answer) {
  et_err err;
  if (!init(e, w, in, answer) || app == NULL || endpoint == NULL)
    return ET_E_ARG;
  e->app = app;
  e->req.method = ET_STR("POST");
  e->req.content_type = ET_STR("application/x-www-form-urlencoded");
  err = setup_url(e, app, kind, endpoint);
  if (err != ET_OK)
    return err;
  if (kind != ET_URL_DISCOVERY && (app->client_id.n == 0 || app->client_id.p == NULL))
    return et_engine_refuse(e, ET_E_ARG, ET_TEXT("client id is empty"));
  if (!CONFIG_ET_CRED_SECRET_BASIC && app->cred.kind == ET_CRED_SECRET &&
      app->client_auth == ET_AUTH_BASIC)
    return et_engine_refuse(e, ET_E_DISABLED,
                            ET_TEXT("client_secret_basic is compiled out "
                                    "(CONFIG_ET_CRED_SECRET_BASIC)"));
  if (kind == ET_URL_DISCOVERY) {
    e->req.method = ET_STR("GET");
    e->req.content_type = ET_STR_NULL;
    e->no_form = true;
  }
  return ready(e);
}

void et_result_url(const et_result *r, et_buf *out) {
  if (r == NULL || out == NULL || r->url_host.n == 0)
    return;
  et_url_origin(out, r->url_host, r->url_port);
  for (size_t i = 0; i < 4; i++)
    et_buf_put_str(out, r->url_path[i]);
}

et_err et_engine_setup_raw(et_engine *e, et_work *w, const et_engine_in *in,
                           et_str base_url, et_str path, et_answer_fn answer) {
  et_authority to;
  if (!init(e, w, in, answer))
    return ET_E_ARG;
  e->raw = true;
  e->req.method = ET_STR("GET");
  if (base_url.n == 0 || et_authority_parse(base_url, &to) != ET_OK)
    return et_engine_refuse(e, ET_E_URL, ET_TEXT("URL must be https://host[:port][/path]"));
  if (path.n == 0 || path.p == NULL || path.p[0] != '/')
    return et_engine_refuse(e, ET_E_ARG, ET_TEXT("request path must start with '/'"));
  name_url(e, &to)[1] = path;
  return ready(e);
}

et_err et_engine_refuse(et_engine *e, et_err err, const char *why) {
  e->state = S_FAIL;
  e->res.err = err;
  e->res.why = why;
  return err;
}

void et_engine_wait_first(et_engine *e, uint64_t until_ms) {
  if (e->state != S_BUILD)
    return;
  e->state = S_WAIT;
  e->until_ms = until_ms;
  e->wait_err = ET_OK;
  e->wait_why = NULL;
}

et_str et_engine_body(const et_engine *e) {
  return (et_str){ (const char *)e->w->buf, e->body_len };
}

const et_result *et_engine_result(const et_engine *e) {
  return &e->res;
}

static void stop(et_engine *e, et_err err, const char *why) {
  e->state = S_FAIL;
  e->close_pending = true;
  e->res.err = err;
  if (why != NULL || e->res.why == NULL)
    e->res.why = why;
}

/* The next request waits until until_ms, in a wiped workspace: res.oauth's
 * spans point into it, and a stale one would keep judge from wiping a
 * later answer. */
static void wait_until(et_engine *e, uint64_t until_ms) {
  et_wipe(e->w->buf, e->w->cap);
  memset(&e->res.oauth, 0, sizeof e->res.oauth);
  memset(&e->res.osdu, 0, sizeof e->res.osdu);
  e->state = S_WAIT;
  e->until_ms = until_ms;
}

static void fail(et_engine *e, et_err err, const char *why) {
  et_wipe(e->w->buf, e->w->cap); /* half a request or token is still a secret */
  stop(e, err, why);
}

/* client_secret_basic: the secret goes in the request head. */
static bool basic_auth(const et_engine *e) {
  return CONFIG_ET_CRED_SECRET_BASIC && e->send_cred && e->app->cred.kind == ET_CRED_SECRET &&
         e->app->client_auth == ET_AUTH_BASIC;
}

/* The wall clock at now_ms: begin_unix_s plus the whole seconds since
 * begin_ms (without a wall clock at begin, only those seconds). */
static int64_t wall_s(const et_engine *e, uint64_t now_ms) {
  return e->begin_unix_s + (int64_t)((uint32_t)(now_ms - e->begin_ms) / 1000u);
}

/* v's 8 bytes, least significant first (shifts by 8 only: no 64-bit
 * shift by a variable on 32-bit targets). */
static void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++, v >>= 8)
    p[i] = (uint8_t)v;
}

/* The client assertion, signed later (the SIGN step): a fresh jti from
 * r[0..2) and the time of this attempt, so a resent assertion is a new
 * one, never a replay. */
static et_err put_assertion(const et_engine *e, et_buf *b, const uint64_t r[2], uint64_t now_ms,
                            size_t *sign_start) {
  const et_app *app = e->app;
  et_authority to = { e->req.host, e->req.port, e->res.url_path[0] }; /* aud's pieces */
  uint8_t jti[16];
  int64_t now_s = b->redact ? 0 : wall_s(e, now_ms);
  put_le64(jti, r[0]);
  put_le64(jti + 8, r[1]);
  /* iat/exp from a clock that never got set would be refused anyway. */
  if (now_s <= 0 && !b->redact)
    return ET_E_DISABLED;
  if (app->assertion_aud.n > 0)
    return et_assertion_begin_aud(b, &app->cred, app->client_id, app->assertion_aud, now_s, jti,
                                  sign_start);
  return et_assertion_begin(b, &app->cred, app->client_id, &to, e->req.path, now_s, jti,
                            sign_start);
}

/* The form: grant_type, client_id, the flow's fields, the credential.
 * *sign_start is where an assertion's signing input begins (SIZE_MAX when
 * there is nothing to sign). r and now_ms: the assertion's jti and time,
 * when there is one. */
static et_err put_form(const et_engine *e, et_buf *b, const uint64_t r[2], uint64_t now_ms,
                       size_t *sign_start) {
  const et_app *app = e->app;
  et_err err;
  *sign_start = SIZE_MAX;
  if (e->no_form)
    return ET_OK;
  if (e->raw)
    return e->body != NULL ? e->body(e->body_arg, b) : ET_OK;
  if (e->grant != NULL)
    et_form_append(b, "grant_type", et_str_from_cstr(e->grant));
  /* With client_secret_basic the id travels in the Authorization header
   * only: some servers refuse a request authenticated two ways. */
  if (!basic_auth(e))
    et_form_append(b, "client_id", app->client_id);
  err = e->body(e->body_arg, b);
  if (err != ET_OK || !e->send_cred)
    return err;
  switch (app->cred.kind) {
  case ET_CRED_SECRET:
    if (app->client_auth == ET_AUTH_POST)
      et_form_append_secret(b, "client_secret", app->cred.secret);
    return ET_OK;
  case ET_CRED_CERTIFICATE:
    /* Without certificates: no assertion code at all. */
    return CONFIG_ET_CRED_CERTIFICATE ? put_assertion(e, b, r, now_ms, sign_start)
                                      : ET_E_DISABLED;
  case ET_CRED_NONE:
    return ET_OK;
  }
  return ET_E_ARG;
}

static uint32_t attempt_timeout(const et_engine *e) {
  if (e->app != NULL && e->app->timeout_ms)
    return e->app->timeout_ms;
  return e->timeout_ms ? e->timeout_ms : CONFIG_ET_TIMEOUT_MS;
}

/* Head in front of the body at w->buf[0..blen): measured, then written
 * after the body moved up by its size. */
static et_err put_head(et_engine *e, size_t blen) {
  et_work *w = e->w;
  et_http_request *hr = &e->req;
  et_buf head;
  et_err err;
  hr->body_len = blen;
  if (basic_auth(e)) {
    hr->basic_user = e->app->client_id;
    hr->basic_pass = e->app->cred.secret;
  }
  et_buf_init(&head, NULL, 0);
  err = et_http_request_write(&head, hr);
  if (err != ET_OK)
    return err;
  if (head.len > w->cap - blen)
    return ET_E_NOSPACE;
  memmove(w->buf + head.len, w->buf, blen);
  et_buf_init(&head, (char *)w->buf, head.len);
  err = et_http_request_write(&head, hr);
  e->req_len = head.len + blen;
  e->req_sent = 0;
  return err;
}

static void start_send(et_engine *e) {
  e->state = S_SEND;
  e->body_len = 0;
  e->any_response = false;
  et_http_response_init(&e->hp);
}

static void build(et_engine *e, uint64_t now_ms) {
  et_work *w = e->w;
  et_buf b;
  et_err err;
  uint64_t r[2];
  r[0] = rnd(e);
  r[1] = rnd(e);
  e->attempt++;
  e->attempt_ms = now_ms;
  e->until_ms = now_ms + attempt_timeout(e); /* the deadline */
  et_buf_init(&b, (char *)w->buf, w->cap);
  err = put_form(e, &b, r, now_ms, &e->sign_start);
  if (err == ET_OK)
    err = et_buf_status(&b);
  if (err != ET_OK) {
    fail(e, err, err == ET_E_NOSPACE   ? ET_TEXT("request body does not fit the workspace buffer")
                 : err == ET_E_DISABLED ? ET_TEXT("a client assertion needs the wall clock (unix_s)")
                                        : ET_TEXT("the request could not be built"));
    return;
  }
  e->req_len = b.len; /* the body so far */
  if (CONFIG_ET_CRED_CERTIFICATE && e->sign_start < b.len) { /* an assertion to sign */
    if (w->cap - b.len < ET_ASSERTION_SIG_MAX + ET_B64URL_LEN(ET_ASSERTION_SIG_MAX) + 1) {
      fail(e, ET_E_NOSPACE, ET_TEXT("request body does not fit the workspace buffer"));
      return;
    }
    e->state = S_SIGN;
    return;
  }
  err = put_head(e, b.len);
  if (err != ET_OK) {
    fail(e, err, err == ET_E_NOSPACE ? ET_TEXT("request does not fit the workspace buffer")
                                     : ET_TEXT("request header field contains forbidden characters"));
    return;
  }
  start_send(e);
}

void et_engine_signed(et_engine *e, et_err err, size_t sig_len) {
  et_work *w = e->w;
  uint8_t *sig = w->buf + w->cap - ET_ASSERTION_SIG_MAX;
  et_buf b;
  /* Constant without certificates: no SIGN step, no assertion code. */
  if (!CONFIG_ET_CRED_CERTIFICATE || e->state != S_SIGN)
    return;
  et_buf_init(&b, (char *)w->buf, w->cap - ET_ASSERTION_SIG_MAX);
  b.len = e->req_len;
  if (err == ET_OK)
    err = et_assertion_finish(&b, sig, sig_len);
  et_wipe(sig, ET_ASSERTION_SIG_MAX);
  if (err == ET_OK)
    err = put_head(e, b.len);
  if (err != ET_OK) {
    fail(e, err, ET_TEXT("the client assertion could not be signed"));
    return;
  }
  start_send(e);
}

void et_engine_sent(et_engine *e, size_t n) {
  if (e->state != S_SEND || n == 0 || n > e->req_len - e->req_sent)
    return;
  e->req_sent += n;
  e->res.attempts += e->req_sent == n; /* the first bytes of this attempt */
  if (e->req_sent < e->req_len)
    return;
  et_wipe(e->w->buf, e->req_len); /* secrets leave the workspace once sent */
  e->state = S_RECV;
}

static void end_attempt(et_engine *e, et_err err) {
  e->state = S_JUDGE;
  e->wait_err = err;
  if (err != ET_OK)
    e->close_pending = true;
}

/* Feed the answer bytes at in[0..n) (in the workspace or the spill);
 * returns how many of them belong to the answer. */
static size_t parse(et_engine *e, const uint8_t *in, size_t n) {
  et_work *w = e->w;
  size_t used = 0;
  et_err err;
  e->any_response = true;
  err = et_http_response_parse(&e->hp, in, n, &used, w->buf, w->cap, &e->body_len);
  if (err != ET_OK) {
    end_attempt(e, err);
    return used;
  }
  if (!e->hp.done)
    return used;
  /* Bytes after the answer belong to no request: the connection cannot
   * carry another one. */
  if (used < n || e->hp.close || !e->req.keep_alive)
    e->close_pending = true;
  end_attempt(e, ET_OK);
  return used;
}

static uint8_t *recv_window(et_engine *e, size_t *cap) {
  et_work *w = e->w;
  size_t room = w->cap - e->body_len;
  if (room < ET_RECV_SPILL) {
    *cap = sizeof e->spill;
    return e->spill;
  }
  *cap = room;
  return w->buf + e->body_len;
}

void et_engine_received(et_engine *e, size_t n) {
  size_t cap;
  uint8_t *dst;
  if (e->state != S_RECV || n == 0)
    return;
  dst = recv_window(e, &cap);
  if (n > cap)
    n = cap;
  (void)parse(e, dst, n);
}

void et_engine_feed(et_engine *e, const uint8_t *p, size_t n, size_t *used) {
  size_t taken = 0;
  while (taken < n && e->state == S_RECV) {
    size_t cap, k;
    uint8_t *dst = recv_window(e, &cap);
    k = n - taken < cap ? n - taken : cap;
    memmove(dst, p + taken, k);
    taken += parse(e, dst, k); /* bytes after the answer are not taken */
  }
  if (used != NULL)
    *used = taken;
}

/* A kept connection the server closed while idle fails before any answer
 * arrives: resend once on a fresh one, if the request may be replayed. */
static bool stale(et_engine *e, bool reused) {
  if (!reused || e->any_response || e->stale_retried || !e->replayable)
    return false;
  e->stale_retried = true;
  e->attempt--; /* not a retry: the same attempt again */
  if (e->req_sent > 0)
    e->res.attempts--;
  e->close_pending = true;
  e->state = S_BUILD;
  return true;
}

void et_engine_closed(et_engine *e, bool reused) {
  /* The end of the stream completes an answer delimited by it; else it is
   * a failed connection (a kept one may have gone stale). */
  et_err err = e->state == S_RECV ? et_http_response_eof(&e->hp) : ET_E_CLOSED;
  if (err != ET_OK) {
    et_engine_failed(e, err, reused);
    return;
  }
  e->close_pending = true;
  end_attempt(e, ET_OK);
}

void et_engine_failed(et_engine *e, et_err err, bool reused) {
  if (e->state != S_SEND && e->state != S_RECV)
    return;
  if ((err == ET_E_CLOSED || err == ET_E_IO || err == ET_E_TRUNCATED) && stale(e, reused))
    return;
  end_attempt(e, err == ET_OK ? ET_E_IO : err);
}

void et_engine_abort(et_engine *e, et_err err) {
  if (e->state == S_DONE || e->state == S_FAIL)
    return;
  fail(e, err, NULL);
}

/* The answer's Retry-After in seconds: delta-seconds as sent, an
 * HTTP-date against the answer's own Date, else against the wall clock
 * the call started with (no clock, no Date: none). Capped at a day. */
static bool retry_after(const et_engine *e, uint64_t now_ms, uint32_t *s) {
  const et_http_response *hp = &e->hp;
  int64_t now_s = 0;
  *s = hp->retry_after_s;
  if (!CONFIG_ET_RETRY_AFTER_DATE || hp->has_retry_after || !hp->has_retry_at)
    return hp->has_retry_after;
  if (e->begin_unix_s > 0)
    now_s = wall_s(e, now_ms);
  return et_http_date_delay(hp->retry_at_s, hp->has_date, hp->date_s, now_s,
                            RETRY_AFTER_CAP_S, s);
}

/* The attempt ended (wait_err, or an answer): retry, or let the flow
 * judge. */
static void judge(et_engine *e, uint64_t now_ms) {
  et_attempt a;
  uint32_t delay = 0;
  uint64_t again = 0;
  et_retry r;
  et_err err = e->wait_err;

  memset(&a, 0, sizeof a);
  a.n = e->attempt;
  e->res.tries = e->attempt;
  a.err = err;
  a.sent = e->req_sent > 0;
  a.replayable = e->replayable;
  if (err == ET_OK) {
    e->res.http_status = e->hp.status;
    a.status = e->hp.status;
    a.has_retry_after = retry_after(e, now_ms, &a.retry_after_s);
    e->res.retry_after_s = a.retry_after_s;
  }
  a.jitter = (uint16_t)rnd(e);
  r = et_retry_decide(&a, &delay);
  if (r == ET_RETRY_AFTER) {
    wait_until(e, now_ms + delay);
    e->wait_err = err != ET_OK ? err
                  : e->hp.status == 429 || a.has_retry_after ? ET_E_THROTTLED
                                                                 : ET_E_SERVER;
    e->wait_why = err != ET_OK ? ET_TEXT("the connection failed; retrying")
                               : ET_TEXT("the server is busy; retrying");
    return;
  }
  if (r == ET_RETRY_THROTTLED) {
    err = ET_E_THROTTLED;
    e->res.why = ET_TEXT("the server asks to retry later (Retry-After)");
  }
  e->wait_why = NULL;
  err = e->answer(e, err, now_ms, &again);
  if (err == ET_OK && again != 0) {
    wait_until(e, again);
    e->attempt = 0;
    e->stale_retried = false;
    e->res.why = NULL;
    return;
  }
  if (err != ET_OK) {
    /* The server's OAuth error (res.oauth) points into its answer: keep
     * that for the caller; anything else (half a token) is wiped. */
    if (e->keep_answer && e->wait_err == ET_OK) {
      /* A refused call (401, 404...) on a connection that may carry the
       * next one: keep both the answer and the connection. */
      bool close = e->close_pending;
      stop(e, err, NULL);
      e->close_pending = close;
    } else if (e->res.oauth.error.p != NULL)
      stop(e, err, NULL);
    else
      fail(e, err, NULL);
    return;
  }
  e->state = S_DONE;
  e->res.err = ET_OK;
  e->res.why = NULL;
  memset(&e->res.oauth, 0, sizeof e->res.oauth);
  memset(&e->res.osdu, 0, sizeof e->res.osdu);
}

et_step et_engine_step(et_engine *e, uint64_t now_ms) {
  et_step s;
  memset(&s, 0, sizeof s);
  while (s.kind == 0) { /* until a state asks something of the caller */
    switch (e->state) {
    case S_BUILD:
      build(e, now_ms);
      break;
#if CONFIG_ET_CRED_CERTIFICATE /* else build never signs: no SIGN code */
    case S_SIGN:
      s.kind = ET_STEP_SIGN;
      s.data = e->w->buf + e->sign_start;
      s.n = e->req_len - e->sign_start;
      s.buf = e->w->buf + e->w->cap - ET_ASSERTION_SIG_MAX;
      s.cap = ET_ASSERTION_SIG_MAX;
      s.alg = e->app->cred.alg;
      break;
#endif
    case S_SEND:
    case S_RECV:
      if (now_ms >= e->until_ms) {
        end_attempt(e, ET_E_TIMEOUT);
      } else if (e->state == S_SEND) {
        s.kind = ET_STEP_SEND;
        s.reuse = e->replayable && !e->stale_retried;
        s.data = e->w->buf + e->req_sent;
        s.n = e->req_len - e->req_sent;
      } else {
        s.kind = ET_STEP_RECV;
        s.buf = recv_window(e, &s.cap);
      }
      break;
    case S_JUDGE:
      judge(e, now_ms);
      break;
    case S_WAIT:
      if (now_ms >= e->until_ms) {
        e->state = S_BUILD;
        break;
      }
      s.kind = ET_STEP_WAIT;
      s.err = e->wait_err;
      s.why = e->wait_why;
      break;
    case S_DONE:
      s.kind = ET_STEP_DONE;
      break;
    default:
      s.kind = ET_STEP_FAIL;
      s.err = e->res.err;
      s.why = e->res.why;
      break;
    }
  }
  s.close = e->close_pending;
  if (s.kind != ET_STEP_DONE && s.kind != ET_STEP_FAIL)
    e->close_pending = false; /* said once; DONE and FAIL repeat it */
  s.host = e->req.host;
  s.port = e->req.port;
  s.until_ms = e->until_ms;
  return s;
}

void et_engine_describe(const et_engine *e, et_buf *b, bool body) {
  static const uint64_t unused_jti[2];
  size_t ignored;
  if (!body) {
    et_buf_put_str(b, e->req.method);
    et_buf_put_cstr(b, " https://");
    et_buf_put_str(b, e->req.host);
    et_buf_put_char(b, ':');
    et_buf_put_u64(b, e->req.port);
    et_buf_put_str(b, e->req.path);
    return;
  }
  b->redact = true;
  if (put_form(e, b, unused_jti, 0, &ignored) != ET_OK)
    b->overflow = true;
}
