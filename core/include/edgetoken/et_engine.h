/* SPDX-License-Identifier: MIT */
/* Flows as engines: state machines that never call the port. An engine
 * writes its next request into the caller's workspace and says what it
 * needs next; the caller moves the bytes, signs, waits, and feeds the
 * answer back. A superloop, an event loop on poll(), an lwIP raw-API
 * stack or a modem with its own HTTP stack can all drive one, several at
 * once. et_drive is the short blocking driver over et_port that the
 * blocking calls (et_client_credentials, et_refresh, ...) use.
 *
 *   et_token_engine e;
 *   et_engine_in in = { now_ms, unix_s, {16 bytes from a CSPRNG}, true };
 *   if (et_cc_begin(&e, &app, ET_ENDPOINT_V2, scope, &w, &in) != ET_OK) ...
 *   for (;;) {
 *     et_step s = et_engine_step(&e.base, mono_ms());
 *     if (s.close) close the connection (it cannot carry another request);
 *     switch (s.kind) {
 *     case ET_STEP_SEND: write s.data[0..s.n) to s.host:s.port (open, or
 *                        reuse one when s.reuse); et_engine_sent(&e.base, k)
 *     case ET_STEP_RECV: read up to s.cap bytes into s.buf;
 *                        et_engine_received(&e.base, k), or
 *                        et_engine_closed(&e.base, reused) at EOF
 *     case ET_STEP_SIGN: sign SHA-256(s.data[0..s.n)) with s.alg into
 *                        s.buf; et_engine_signed(&e.base, err, len)
 *     case ET_STEP_WAIT: come back at s.until_ms
 *     case ET_STEP_DONE: e.token is the token (spans into w.buf)
 *     case ET_STEP_FAIL: et_engine_result(&e.base) says why
 *     }
 *     a failed connect/send/recv: et_engine_failed(&e.base, err, reused)
 *     (reused: the request went on a connection kept from an earlier one)
 *   }
 *
 * Time is the caller's monotonic clock in milliseconds, passed to every
 * step; randomness (retry jitter, the client assertion's jti) comes from
 * the seed given at begin. An engine borrows the app, the work area and
 * every span given to begin until it is done. */
#ifndef EDGETOKEN_ET_ENGINE_H
#define EDGETOKEN_ET_ENGINE_H

#include "et_client.h"
#include "et_device_code.h"
#include "et_http.h"
#include "et_result.h"
#include "et_retry.h"
#include "et_signin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest request path: "{prefix}/{tenant}{endpoint}" with the prefix and
 * tenant limits of et_url.h. */
#define ET_PATH_MAX 320

/* Receives go straight into the workspace; only when fewer than this many
 * bytes are left do they pass through a small buffer in the engine, so
 * that framing after a body that exactly fills the workspace can be read. */
#define ET_RECV_SPILL 64

typedef enum et_step_kind {
  ET_STEP_SEND = 1, /* send data[0..n) on a connection to host:port */
  ET_STEP_RECV = 2, /* receive up to cap bytes into buf */
  ET_STEP_SIGN = 3, /* sign SHA-256(data[0..n)) with alg into buf[0..cap) */
  ET_STEP_WAIT = 4, /* nothing to do before until_ms */
  ET_STEP_DONE = 5, /* finished: the flow's output is ready */
  ET_STEP_FAIL = 6  /* finished: err (et_engine_result has the rest) */
} et_step_kind;

typedef struct et_step {
  et_step_kind kind;
  /* Close the connection used so far before acting on this step: the last
   * answer asked for it, its framing leaves nothing to reuse, or it failed.
   * Also set on DONE/FAIL when the connection must not be kept. */
  bool close;
  /* SEND: a connection to host:port that is already open may carry this
   * request. False for requests that must not be replayed (a code
   * redemption): open a fresh one, so a connection the server closed while
   * idle cannot swallow it. */
  bool reuse;
  et_str host;              /* SEND, RECV: the peer (spans into app) */
  uint16_t port;
  const uint8_t *data;      /* SEND: bytes not sent yet; SIGN: signing input */
  size_t n;
  uint8_t *buf;             /* RECV: where received bytes go; SIGN: where
                               the signature goes */
  size_t cap;
  et_sig_alg alg;           /* SIGN */
  /* WAIT: when to call et_engine_step again. SEND, RECV: the deadline of
   * this attempt (connect, TLS, send and receive together); past it the
   * engine fails the attempt as ET_E_TIMEOUT by itself. */
  uint64_t until_ms;
  /* FAIL: the error. WAIT: the failure being retried (ET_OK for a planned
   * wait such as a device code poll interval). */
  et_err err;
  const char *why;          /* WAIT, FAIL: short static reason, or NULL */
} et_step;

/* What an engine needs from outside at begin. */
typedef struct et_engine_in {
  uint64_t now_ms;          /* the caller's monotonic clock */
  int64_t unix_s;           /* wall clock (client assertions' iat/nbf/exp) */
  uint8_t seed[16];         /* fresh bytes from a CSPRNG: retry jitter and
                               assertion ids are drawn from them */
  bool keep_alive;          /* ask the server to keep the connection open
                               (Connection: keep-alive), else "close" */
} et_engine_in;

typedef struct et_engine et_engine;

/* A flow's judgement when an attempt series ends: err is ET_OK with the
 * answer in the workspace (res.http_status, body at w->buf[0..body_len)),
 * or the failure the retry policy gave up on. Returns ET_OK (done), an
 * error (fail with it), or sets *again_ms to start the same request anew
 * at that time (device code polls). */
typedef et_err (*et_answer_fn)(et_engine *e, et_err err, uint64_t now_ms,
                               uint64_t *again_ms);

/* The engine common to every flow: one HTTPS request with the retry
 * policy around it. Fields are private; read results through
 * et_engine_result and the flow engines' outputs. */
struct et_engine {
  /* Fields the state machine touches on every step come first: near the
   * start of the struct, a 32-bit target reaches them with short loads. */
  uint8_t state;
  bool close_pending;       /* next step carries close */
  bool stale_retried;       /* this attempt was already resent once */
  bool any_response;        /* a byte of the answer arrived */
  bool send_cred;           /* append the app's credential to the form */
  bool replayable;          /* see et_retry_decide */
  bool no_form;             /* a GET without a body (discovery) */
  /* Requests other than a token endpoint's form (et_adme_begin): the body
   * is body's alone (no grant, client id or credential), the head carries
   * req.bearer and req.extra, and a refused answer stays in the workspace
   * for the caller (keep_answer). */
  bool raw;
  bool keep_answer;
  et_err wait_err;          /* the failure a WAIT is about */
  const et_app *app;
  et_work *w;
  et_answer_fn answer;
  et_body_fn body;          /* the flow's own form fields */
  const void *body_arg;
  const char *grant;        /* grant_type, or NULL (device code request) */
  const char *wait_why;
  uint32_t timeout_ms;      /* per attempt when app is NULL (0: default) */
  uint32_t attempt;         /* attempts in the current series */
  size_t req_len;           /* request bytes in w->buf */
  size_t req_sent;
  size_t sign_start;        /* signing input at w->buf[sign_start..req_len) */
  size_t body_len;          /* response body bytes in w->buf */
  uint64_t rng[2];
  uint64_t begin_ms;
  int64_t begin_unix_s;
  uint64_t attempt_ms;      /* when the current attempt was built */
  uint64_t until_ms;         /* WAIT: its end; else the attempt's deadline */
  et_http_response hp;
  et_result res;
  /* The request's head: method, content_type, bearer, extra and
   * keep_alive from setup and the flow; the peer (host, port), path, body
   * length and client_secret_basic's user and password filled in by the
   * engine. The URL's prefix is res.url_path[0]. */
  et_http_request req;
  char path[ET_PATH_MAX];    /* req.path's bytes */
  uint8_t spill[ET_RECV_SPILL];
};

/* What to do next; call again after acting on it, at the latest at
 * until_ms. DONE and FAIL repeat once reached. */
et_step et_engine_step(et_engine *e, uint64_t now_ms);

/* n bytes of a SEND step were sent (0 < n <= step.n). */
void et_engine_sent(et_engine *e, size_t n);

/* n bytes were written into a RECV step's buf (0 < n <= step.cap). */
void et_engine_received(et_engine *e, size_t n);

/* Bytes that arrived elsewhere (a modem's buffer): as many RECV steps as
 * they fill, copying. *used says how many were taken; fewer than n when
 * the answer ended before them (they belong to no response). */
void et_engine_feed(et_engine *e, const uint8_t *p, size_t n, size_t *used);

/* The peer closed the connection (end of stream) during RECV. reused: as
 * for et_engine_failed. */
void et_engine_closed(et_engine *e, bool reused);

/* The connection failed while opening, sending or receiving (the port's
 * error: ET_E_DNS, ET_E_CONNECT, ET_E_TLS, ET_E_TIMEOUT, ET_E_CLOSED...).
 * reused: the request went on a connection that carried an earlier one;
 * when such a connection turns out to be closed before any answer came,
 * a replayable request is resent once on a fresh connection (the server
 * had closed it while idle) without counting as a retry. */
void et_engine_failed(et_engine *e, et_err err, bool reused);

/* The answer to a SIGN step: ET_OK and the signature's length in its buf,
 * or the signer's error. */
void et_engine_signed(et_engine *e, et_err err, size_t sig_len);

/* Stop now (the caller cancelled, or gave up): the engine fails with err,
 * and the workspace is wiped. */
void et_engine_abort(et_engine *e, et_err err);

/* The outcome so far: err is ET_OK until FAIL. */
const et_result *et_engine_result(const et_engine *e);

/* For a debug log: "POST https://host[:port]/path" (body false), or the
 * request body with every secret as "***" (body true). Errors stick in b. */
void et_engine_describe(const et_engine *e, et_buf *b, bool body);

/* ---- token flows --------------------------------------------------- */

/* One token request: the token (et_token, spans into w->buf) on DONE. */
typedef struct et_token_engine {
  et_engine base;           /* first, so &e->base is the engine */
  et_token token;
  uint8_t flow;
  et_endpoint ep;
  et_str target;            /* scope or resource */
  et_str secret;            /* refresh token or authorization code */
  et_str redirect_uri;
  et_str verifier;
  et_str device_code;
} et_token_engine;

/* Client credentials (see et_client_credentials for the request). */
ET_NODISCARD et_err et_cc_begin(et_token_engine *e, const et_app *app,
                                et_endpoint ep, et_str scope_or_resource,
                                et_work *w, const et_engine_in *in);

/* Refresh (see et_refresh). refresh_token must not point into w->buf. */
ET_NODISCARD et_err et_refresh_begin(et_token_engine *e, const et_app *app,
                                     et_str refresh_token, et_str scope,
                                     et_work *w, const et_engine_in *in);

/* Code redemption (see et_redeem_code): never replayed once sent. */
ET_NODISCARD et_err et_redeem_begin(et_token_engine *e, const et_app *app,
                                    const et_code_grant *g, et_work *w,
                                    const et_engine_in *in);

/* ---- device code flow ------------------------------------------------ */

/* The devicecode request: e->dc on DONE (spans into w->buf; copy the
 * device code out before polling, see et_device_poll_begin). */
typedef struct et_device_code_engine {
  et_engine base;
  et_device_code dc;
  et_endpoint ep;
  et_str target;
} et_device_code_engine;

ET_NODISCARD et_err et_device_code_begin(et_device_code_engine *e,
                                         const et_app *app, et_endpoint ep,
                                         et_str scope_or_resource, et_work *w,
                                         const et_engine_in *in);

/* Polling until the person signs in (see et_device_code_poll for the
 * schedule and the outcomes): WAIT steps between polls, the token on
 * DONE. dc->device_code must not point into w->buf. */
typedef struct et_device_poll_engine {
  et_token_engine tok;      /* first */
  uint64_t expires_ms;      /* no poll at or after this */
  uint32_t interval_ms;
  bool last_failed;         /* the last poll failed on the network */
} et_device_poll_engine;

ET_NODISCARD et_err et_device_poll_begin(et_device_poll_engine *e,
                                         const et_app *app, et_endpoint ep,
                                         const et_device_code *dc, et_work *w,
                                         const et_engine_in *in);

/* ---- blocking driver --------------------------------------------------- */

/* Fill in from the port: now_ms (mono_ms), unix_s (0 without the hook),
 * seed (random). Errors: ET_E_ARG (no mono_ms or random hook), the port's
 * random error. */
ET_NODISCARD et_err et_engine_in_from_port(const et_port *port,
                                           bool keep_alive, et_engine_in *in);

/* Pump e through the port until DONE or FAIL: open (or reuse link's
 * connection), send, receive with the step's deadline, sign with
 * port->sha256 and port->sign, sleep through WAIT in slices of at most a
 * second (port->sleep_ms) watching port->cancelled. link NULL: a
 * connection of its own, closed before returning; else the connection
 * stays open in link when the server allows it. Logs requests and answers
 * at debug level, retries at warning level. Returns the engine's final
 * error; et_engine_result(e) has the rest, port_detail included. */
ET_NODISCARD et_err et_drive(const et_port *port, et_engine *e, et_link *link);

/* Close link's connection, if any. */
void et_link_close(const et_port *port, et_link *link);

#ifdef __cplusplus
}
#endif

#endif
