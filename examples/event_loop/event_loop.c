/* SPDX-License-Identifier: MIT */
/* Two flows at once in one thread on poll(): a client-credentials token and
 * a device code sign-in, each an engine (et_engine.h) with a connection of
 * its own. Nothing blocks: connect and TLS are started and stepped, send
 * and recv are called with timeout 0 (would-block is ET_E_TIMEOUT, and the
 * loop polls the descriptor), and an engine's WAIT (a poll interval,
 * Retry-After, back-off) becomes the poll() timeout. The same shape fits a
 * superloop on a device or an lwIP raw-API callback.
 *
 *   EDGETOKEN_CLIENT_SECRET=... event_loop --authority https://localhost:8443
 *     --tenant T --ca-file ca.pem [--client-id ID [--scope S]]
 *     [--device-client-id ID [--device-scope S]] [--verbose]
 *
 * Prints a time-stamped line per event (requests, waits, the sign-in
 * prompt, tokens as length and lifetime, never the token) and a summary of
 * connections and poll() calls. Exit 0 when every flow got its token, 1
 * usage, 2 a failure, 3 an OAuth error (refused, declined, expired).
 *
 * Each flow keeps its connection between its requests (the device code
 * request and all its polls) while the server allows it; CONFIG_ET_KEEPALIVE_IDLE_MS
 * bounds how long an idle one is trusted. The network is loop_net.h, the
 * POSIX port's non-blocking API behind a small adapter (whose interim open,
 * until that API is in this tree, still connects in one blocking call). */
#include "loop_net.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t g_t0;

#if defined(__GNUC__) || defined(__clang__)
#define SAY_FORMAT __attribute__((format(printf, 2, 3)))
#else
#define SAY_FORMAT
#endif

/* One event line, with the milliseconds since start. */
static void say(const char *who, const char *fmt, ...) SAY_FORMAT;
static void say(const char *who, const char *fmt, ...) {
  va_list ap;
  printf("[%6llu ms] %s: ", (unsigned long long)(mono_ms() - g_t0), who);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

typedef struct flow flow;

#define MAX_FLOWS 2

struct flow {
  const char *name;
  et_app app;
  et_engine *e;            /* the engine running now */
  /* The flow's next move when e is DONE: begin another engine (true) or
   * report the result (false: the flow is over). */
  bool (*done)(flow *f, uint64_t now);

  /* The connection, kept between the flow's requests. */
  et_conn *conn;
  bool opening;            /* open_start done, connect/handshake under way */
  bool active;             /* a request is under way on conn */
  bool reused;             /* ... on a connection kept from an earlier one */
  et_str host;             /* conn's peer (spans into app) */
  uint16_t port;
  uint64_t idle_since;     /* when conn's last answer ended */

  /* What the loop waits for before stepping the flow again. */
  int fd;                  /* -1: only the time */
  short events;
  uint64_t wake_ms;
  bool due;                /* step at the next turn (fd ready, or new) */
  uint64_t logged_wait;

  bool over;
  int rc;
  unsigned requests, opened;

  /* Memory: the workspace, and the engines of the flow's steps. */
  et_work w;
  uint8_t buf[16 * 1024];
  jsmntok_t tok[128];
  et_str scope;
  union {
    et_token_engine cc;
    struct {
      et_device_code_engine req;
      et_device_poll_engine poll;
      char code[ET_DEVICE_CODE_BUF_SIZE];
    } dev;
  } u;
};

static loop_net g_net;
static et_port g_port;

static bool engine_in(et_engine_in *in, uint64_t now) {
  memset(in, 0, sizeof *in);
  in->now_ms = now;
  in->unix_s = (int64_t)time(NULL);
  in->keep_alive = true;
  return getrandom(in->seed, sizeof in->seed, 0) == (ssize_t)sizeof in->seed;
}

/* Close the flow's connection: an open one, or one still opening (the
 * port abandons the open). */
static void drop(flow *f) {
  if (f->conn != NULL)
    g_port.close(f->conn);
  f->conn = NULL;
  f->opening = false;
  f->active = false;
}

static void finish(flow *f, int rc) {
  drop(f);
  et_wipe(f->buf, sizeof f->buf); /* tokens, answers: gone */
  f->over = true;
  f->rc = rc;
}

static int failure(flow *f) {
  const et_result *r = et_engine_result(f->e);
  char extra[160] = "", status[24] = "";
  if (r->oauth.error.n > 0)
    snprintf(extra, sizeof extra, "; server: %.*s AADSTS%lu", (int)r->oauth.error.n,
             r->oauth.error.p,
             (unsigned long)(r->oauth.n_error_codes > 0 ? r->oauth.error_codes[0] : 0));
  else if (r->http_status == 0 && loop_net_detail(&g_net)[0] != '\0')
    snprintf(extra, sizeof extra, "; port: %s", loop_net_detail(&g_net));
  if (r->http_status != 0)
    snprintf(status, sizeof status, " (HTTP %d)", r->http_status);
  say(f->name, "failed: %s%s%s%s%s", et_strerror(r->err), r->why ? ": " : "",
      r->why ? r->why : "", status, extra);
  return r->err == ET_E_OAUTH || r->err == ET_E_DECLINED || r->err == ET_E_EXPIRED ? 3 : 2;
}

static void token_line(flow *f, const et_token *t) {
  say(f->name, "token %zu bytes, expires in %lld s, refresh token %zu bytes", t->access_token.n,
      (long long)t->expires_in, t->refresh_token.n);
}

/* ---- the flows' steps ------------------------------------------------- */

static bool cc_done(flow *f, uint64_t now) {
  (void)now;
  token_line(f, &f->u.cc.token);
  finish(f, 0);
  return false;
}

static bool dev_polled(flow *f, uint64_t now) {
  (void)now;
  token_line(f, &f->u.dev.poll.tok.token);
  et_wipe(f->u.dev.code, sizeof f->u.dev.code);
  finish(f, 0);
  return false;
}

/* The code arrived: show the prompt, then poll on the same connection. */
static bool dev_requested(flow *f, uint64_t now) {
  et_device_code dc = f->u.dev.req.dc;
  et_engine_in in;
  if (dc.device_code.n > sizeof f->u.dev.code || !engine_in(&in, now)) {
    say(f->name, "failed: the device code does not fit, or no random bytes");
    finish(f, 2);
    return false;
  }
  /* Every poll reuses the workspace: the device code moves out of it. */
  memcpy(f->u.dev.code, dc.device_code.p, dc.device_code.n);
  et_wipe((void *)dc.device_code.p, dc.device_code.n);
  dc.device_code = (et_str){ f->u.dev.code, dc.device_code.n };
  say(f->name, "%.*s", (int)dc.message.n, dc.message.p);
  f->done = dev_polled;
  f->e = &f->u.dev.poll.tok.base;
  if (et_device_poll_begin(&f->u.dev.poll, &f->app, ET_ENDPOINT_V2, &dc, &f->w, &in) != ET_OK)
    return true; /* the engine fails at its first step, with the reason */
  say(f->name, "polling every %u s", (unsigned)dc.interval);
  return true;
}

/* ---- pumping one flow until it would block ------------------------------ */

/* Wait for the connection to be ready the way it asks, or the deadline. */
static void block_on(flow *f, uint64_t until_ms) {
  f->fd = loop_net_fd(f->conn);
  f->events = loop_net_wants_write(&g_net, f->conn) ? POLLOUT : POLLIN;
  f->wake_ms = until_ms;
}

/* The connection failed: tell the engine (it decides about retries). */
static void conn_failed(flow *f, et_err err, bool eof) {
  bool reused = f->reused;
  drop(f);
  if (eof)
    et_engine_closed(f->e, reused);
  else
    et_engine_failed(f->e, err, reused);
}

/* A SEND step with no request under way: the connection for it. false
 * when it failed (the engine has been told). */
static bool pick_conn(flow *f, const et_step *s, uint64_t now) {
  if (f->conn != NULL &&
      (!s->reuse || f->port != s->port || !et_str_eq(f->host, s->host) ||
       now - f->idle_since > CONFIG_ET_KEEPALIVE_IDLE_MS))
    drop(f);
  f->requests++;
  if (f->conn != NULL) {
    f->reused = true;
    say(f->name, "request %u on its kept connection", f->requests);
    return true;
  }
  f->reused = false;
  et_err err = loop_net_open_start(&g_net, s->host, s->port, true, &f->conn);
  if (err != ET_OK) {
    f->conn = NULL;
    et_engine_failed(f->e, err, false);
    return false;
  }
  f->opening = true;
  f->host = s->host;
  f->port = s->port;
  f->opened++;
  say(f->name, "request %u on a new connection", f->requests);
  return true;
}

static void sign(flow *f, const et_step *s) {
  uint8_t digest[32];
  size_t n = 0;
  et_err err = ET_E_DISABLED;
  if (g_port.sha256 != NULL && g_port.sign != NULL) {
    err = g_port.sha256(g_port.ctx, s->data, s->n, digest);
    if (err == ET_OK)
      err = g_port.sign(g_port.ctx, s->alg, digest, s->buf, s->cap, &n);
  }
  et_engine_signed(f->e, err, n);
}

/* Step f's engine and act on each step until it has to wait (for its
 * descriptor or the time) or the flow is over. */
static void pump(flow *f, uint64_t now) {
  f->due = false;
  f->fd = -1;
  f->wake_ms = UINT64_MAX;
  for (;;) {
    et_step s = et_engine_step(f->e, now);
    size_t n = 0;
    et_err err;
    if (s.close)
      drop(f);
    if (s.kind != ET_STEP_SEND && s.kind != ET_STEP_RECV && f->active) {
      f->active = false; /* the answer is in: the next SEND is a new request */
      f->idle_since = now;
    }
    switch (s.kind) {
    case ET_STEP_SEND:
      if (!f->active) {
        if (!pick_conn(f, &s, now))
          continue;
        f->active = true;
      }
      if (f->opening) {
        err = loop_net_open_step(f->conn);
        if (err == ET_E_TIMEOUT) {
          block_on(f, s.until_ms);
          return;
        }
        if (err != ET_OK) {
          f->conn = NULL; /* the port freed the slot */
          f->opening = false;
          f->active = false;
          et_engine_failed(f->e, err, false);
          continue;
        }
        f->opening = false;
      }
      err = g_port.send(f->conn, s.data, s.n, &n, 0);
      if (err == ET_E_TIMEOUT) {
        block_on(f, s.until_ms);
        return;
      }
      if (err != ET_OK)
        conn_failed(f, err, false);
      else
        et_engine_sent(f->e, n);
      continue;
    case ET_STEP_RECV:
      err = g_port.recv(f->conn, s.buf, s.cap, &n, 0);
      if (err == ET_E_TIMEOUT) {
        block_on(f, s.until_ms);
        return;
      }
      if (err != ET_OK)
        conn_failed(f, err, err == ET_E_CLOSED);
      else
        et_engine_received(f->e, n);
      continue;
    case ET_STEP_SIGN:
      sign(f, &s);
      continue;
    case ET_STEP_WAIT:
      if (s.until_ms != f->logged_wait) {
        f->logged_wait = s.until_ms;
        if (s.err != ET_OK)
          say(f->name, "%s (%s); next try in %llu ms", s.why ? s.why : "retrying",
              et_strerror(s.err), (unsigned long long)(s.until_ms - now));
        else
          say(f->name, "waiting %llu ms", (unsigned long long)(s.until_ms - now));
      }
      f->wake_ms = s.until_ms;
      return;
    case ET_STEP_DONE:
      if (f->done(f, now))
        continue;
      return;
    case ET_STEP_FAIL:
      finish(f, failure(f));
      return;
    }
  }
}

/* ---- the loop -------------------------------------------------------------- */

static int run(flow *flows, size_t nflows) {
  struct pollfd pfd[MAX_FLOWS];
  flow *owner[MAX_FLOWS];
  unsigned polls = 0;
  int rc = 0;
  for (;;) {
    uint64_t now = mono_ms();
    uint64_t wake = UINT64_MAX;
    nfds_t npfd = 0;
    bool live = false;
    for (size_t i = 0; i < nflows; i++) {
      flow *f = &flows[i];
      if (!f->over && (f->due || now >= f->wake_ms))
        pump(f, now);
      if (f->over)
        continue;
      live = true;
      if (f->wake_ms < wake)
        wake = f->wake_ms;
      if (f->fd >= 0 && npfd < sizeof pfd / sizeof pfd[0]) {
        pfd[npfd] = (struct pollfd){ f->fd, f->events, 0 };
        owner[npfd++] = f;
      }
    }
    if (!live)
      break;
    now = mono_ms();
    uint64_t left = wake > now ? wake - now : 0;
    int r = poll(pfd, npfd, left > 60000 ? 60000 : (int)left);
    polls++;
    if (r < 0 && errno != EINTR) {
      perror("event_loop: poll");
      return 2;
    }
    for (nfds_t i = 0; r > 0 && i < npfd; i++)
      if (pfd[i].revents != 0)
        owner[i]->due = true;
  }
  for (size_t i = 0; i < nflows; i++) {
    say(flows[i].name, "%u request(s) on %u connection(s)", flows[i].requests,
        flows[i].opened);
    if (rc == 0)
      rc = flows[i].rc;
  }
  say("loop", "%u poll() calls for %zu flows in one thread", polls, nflows);
  return rc;
}

/* ---- set-up --------------------------------------------------------------- */

typedef struct args {
  const char *authority, *tenant, *ca_file, *client_id, *scope;
  const char *device_client_id, *device_scope;
  bool verbose;
} args;

static bool parse_args(int argc, char **argv, args *a) {
  const struct {
    const char *flag;
    const char **dst;
  } opts[] = { { "--authority", &a->authority }, { "--tenant", &a->tenant },
               { "--ca-file", &a->ca_file }, { "--client-id", &a->client_id },
               { "--scope", &a->scope }, { "--device-client-id", &a->device_client_id },
               { "--device-scope", &a->device_scope } };
  memset(a, 0, sizeof *a);
  for (int i = 1; i < argc; i++) {
    size_t j = 0;
    if (strcmp(argv[i], "--verbose") == 0) {
      a->verbose = true;
      continue;
    }
    while (j < sizeof opts / sizeof opts[0] && strcmp(argv[i], opts[j].flag) != 0)
      j++;
    if (j == sizeof opts / sizeof opts[0] || i + 1 == argc) {
      fprintf(stderr, "event_loop: bad argument '%s'\n", argv[i]);
      return false;
    }
    *opts[j].dst = argv[++i];
  }
  return a->authority && a->tenant && a->ca_file && (a->client_id || a->device_client_id);
}

static void flow_init(flow *f, const char *name, const args *a, const char *client_id) {
  memset(f, 0, sizeof *f);
  f->name = name;
  f->app.authority = et_str_from_cstr(a->authority);
  f->app.tenant = et_str_from_cstr(a->tenant);
  f->app.client_id = et_str_from_cstr(client_id);
  f->w = (et_work){ f->buf, sizeof f->buf, f->tok, sizeof f->tok / sizeof f->tok[0], NULL };
  f->fd = -1;
  f->due = true;
}

int main(int argc, char **argv) {
  static flow flows[MAX_FLOWS];
  static char cc_scope[300];
  size_t nflows = 0;
  et_engine_in in;
  args a;
  if (!parse_args(argc, argv, &a)) {
    fputs("usage: EDGETOKEN_CLIENT_SECRET=... event_loop --authority URL --tenant T "
          "--ca-file F [--client-id ID [--scope S]] [--device-client-id ID "
          "[--device-scope S]] [--verbose]\n", stderr);
    return 1;
  }
  const char *secret = getenv("EDGETOKEN_CLIENT_SECRET");
  if (a.client_id != NULL && (secret == NULL || secret[0] == '\0')) {
    fputs("event_loop: --client-id needs EDGETOKEN_CLIENT_SECRET\n", stderr);
    return 1;
  }
  et_posix_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.ca_file = a.ca_file;
  cfg.log_level = a.verbose ? ET_LOG_DEBUG : ET_LOG_WARN;
  et_err err = loop_net_init(&g_net, &cfg, &g_port);
  if (err != ET_OK) {
    fprintf(stderr, "event_loop: %s: %s\n", et_strerror(err), loop_net_detail(&g_net));
    loop_net_free(&g_net);
    return 2;
  }
  g_t0 = mono_ms();

  if (a.client_id != NULL) {
    flow *f = &flows[nflows++];
    flow_init(f, "cc", &a, a.client_id);
    f->app.cred.kind = ET_CRED_SECRET;
    f->app.cred.secret = et_str_from_cstr(secret);
    snprintf(cc_scope, sizeof cc_scope, "%s/.default", a.client_id);
    f->scope = et_str_from_cstr(a.scope ? a.scope : cc_scope);
    f->e = &f->u.cc.base;
    f->done = cc_done;
    if (!engine_in(&in, g_t0))
      finish(f, 2);
    else if (et_cc_begin(&f->u.cc, &f->app, ET_ENDPOINT_V2, f->scope, &f->w, &in) != ET_OK)
      finish(f, failure(f)); /* the engine's result says why */
  }
  if (a.device_client_id != NULL) {
    flow *f = &flows[nflows++];
    flow_init(f, "device", &a, a.device_client_id);
    f->scope = et_str_from_cstr(a.device_scope ? a.device_scope
                                               : "openid profile offline_access");
    f->e = &f->u.dev.req.base;
    f->done = dev_requested;
    if (!engine_in(&in, g_t0))
      finish(f, 2);
    else if (et_device_code_begin(&f->u.dev.req, &f->app, ET_ENDPOINT_V2, f->scope, &f->w,
                                  &in) != ET_OK)
      finish(f, failure(f));
  }

  int rc = run(flows, nflows);
  loop_net_free(&g_net);
  return rc;
}
