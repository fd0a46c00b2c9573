/* SPDX-License-Identifier: MIT */
/* edgetoken on a device whose only network is a cellular modem's HTTP(S)
 * service: the device never sees a socket or a TLS record. It drives the
 * flows' engines (et_engine.h) itself: each SEND step is one whole request,
 * which goes to the modem in one AT command; the modem connects, does TLS,
 * and hands back the whole response, which the device feeds to the engine
 * with et_engine_feed. WAIT steps (retry back-off, device code polls) are
 * the device's to sleep through. Here a client-credentials token, then a
 * device code sign-in (the request, the prompt, the polls).
 *
 *   EDGETOKEN_CLIENT_SECRET=... modem_token --authority https://localhost:8443
 *     --tenant T --client-id ID --ca-file ca.pem [--scope S]
 *     [--device-client-id ID [--device-scope S]] [--verbose]
 *
 * The modem is simulated (modem_sim.c) in a child process on a socketpair,
 * speaking the AT dialect of modem_at.h; --ca-file is provisioned into the
 * modem, not read by the device. Prints one line per token (its length and
 * lifetime, never the token) and the sign-in prompt; the modem logs its
 * side on stderr. Exit 0, 1 usage, 2 failure, 3 an OAuth error.
 *
 * On a real module
 * - Quectel (EC2x/EG9x/BG9x HTTP(S) AT manual): AT+QHTTPCFG="requestheader",1
 *   and "responseheader",1 let the host write the whole request and read
 *   the whole response with its head, which is this example's shape:
 *   AT+QHTTPURL="https://<host>:<port>/" (the URL only picks the server),
 *   AT+QHTTPPOST=<len>,<input_time>,<rsptime>, CONNECT, the request bytes,
 *   then +QHTTPPOST: 0,<status> and AT+QHTTPREAD=<wait_time> gives the
 *   response bytes; feed them as they arrive over the UART. TLS is set up
 *   with AT+QHTTPCFG="sslctxid",<n> and AT+QSSLCFG on that context.
 * - SIMCom (A76xx/SIM7600 HTTP(S) AT manual): the module writes the request
 *   head itself, so the port parses the engine's request (method, path,
 *   Content-Type, body) into AT+HTTPPARA="URL"/"CONTENT" and AT+HTTPDATA,
 *   runs AT+HTTPACTION=1, and rebuilds "HTTP/1.1 <status>\r\n" + AT+HTTPHEAD
 *   + AT+HTTPREAD into the bytes it feeds. Secrets stay in the body either
 *   way, never in the URL.
 * - +HTTPERROR codes map to the port's error kinds (modem_err_of) so the
 *   engine's retry policy still tells a flaky link (retried) from a
 *   rejected certificate (not retried).
 * - One request per connection (Connection: close): modules' HTTP
 *   services rarely keep a connection between actions, so keep_alive is
 *   off and the engine never asks to reuse one.
 *
 * What stays with the device
 * - Time: a monotonic millisecond clock for every et_engine_step (attempt
 *   deadlines, back-off, poll intervals), from the MCU's timer, not the
 *   modem. The wall clock (et_engine_in.unix_s) is needed only for
 *   certificate credentials' client assertions: an RTC set from AT+CCLK?
 *   (network time, NITZ) or SNTP.
 * - Randomness: et_engine_in.seed (retry jitter, assertion ids) from the
 *   MCU's TRNG or a secure element; a modem offers none reliably.
 * - Signing: with a certificate credential, SIGN steps go to the device's
 *   key (secure element, TPM): the modem never holds the client's key.
 * - Memory: the workspace, the JSON tokens and the device code buffer.
 * What moves into the modem
 * - The trust anchors: the CA certificates are uploaded to the module's
 *   file system (AT+QFUPL / AT+CCERTDOWN) and bound to its TLS context
 *   (AT+QSSLCFG="cacert" / AT+CSSLCFG="cacert"), with server verification
 *   on (Quectel seclevel 1 or 2, SIMCom authmode 1 or 2) and SNI and the
 *   host name check enabled where the module offers them. The device must
 *   trust the module's TLS: choose a module that checks the host name. */
#include "modem_at.h"

#include "edgetoken/edgetoken.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long past an attempt's deadline the device waits for the modem's
 * own timeout report before it declares the modem wedged. */
#define MODEM_GRACE_MS 5000u

/* ---- the board: clock, randomness ------------------------------------ */

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_until(uint64_t until_ms) {
  uint64_t now = mono_ms();
  if (until_ms <= now)
    return;
  uint64_t ms = until_ms - now;
  struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };
  nanosleep(&ts, NULL); /* a device would enter low power here */
}

/* What every engine takes at begin: now, the wall clock, fresh seed bytes. */
static bool engine_in(et_engine_in *in) {
  memset(in, 0, sizeof *in);
  in->now_ms = mono_ms();
  in->unix_s = (int64_t)time(NULL);
  in->keep_alive = false; /* the modem's HTTP service closes after each answer */
  return getrandom(in->seed, sizeof in->seed, 0) == (ssize_t)sizeof in->seed;
}

/* ---- the AT link, device side ------------------------------------------ */

typedef struct modem {
  int fd;
  bool wedged;          /* a reply never came: the link is out of step */
  uint8_t rx[512];      /* the UART receive buffer */
  size_t off, len;
  unsigned exchanges;
} modem;

/* Bytes into m->rx before deadline_ms: ET_OK, ET_E_TIMEOUT, ET_E_IO. */
static et_err uart_fill(modem *m, uint64_t deadline_ms) {
  for (;;) {
    uint64_t now = mono_ms();
    if (now >= deadline_ms)
      return ET_E_TIMEOUT;
    struct pollfd pfd = { m->fd, POLLIN, 0 };
    uint64_t left = deadline_ms - now;
    int r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
    if (r < 0 && errno != EINTR)
      return ET_E_IO;
    if (r <= 0)
      continue;
    ssize_t k = read(m->fd, m->rx, sizeof m->rx);
    if (k > 0) {
      m->off = 0;
      m->len = (size_t)k;
      return ET_OK;
    }
    if (k == 0 || errno != EINTR)
      return ET_E_IO; /* the modem is gone */
  }
}

static et_err uart_line(modem *m, char *line, size_t cap, uint64_t deadline_ms) {
  size_t n = 0;
  for (;;) {
    if (m->off == m->len) {
      et_err e = uart_fill(m, deadline_ms);
      if (e != ET_OK)
        return e;
    }
    char c = (char)m->rx[m->off++];
    if (c == '\n') {
      line[n > 0 && line[n - 1] == '\r' ? n - 1 : n] = '\0';
      return ET_OK;
    }
    if (n + 1 >= cap)
      return ET_E_IO;
    line[n++] = c;
  }
}

static et_err uart_write(modem *m, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t r = send(m->fd, b, n, MSG_NOSIGNAL); /* a dead peer is an error, not SIGPIPE */
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return ET_E_IO;
    b += r;
    n -= (size_t)r;
  }
  return ET_OK;
}

/* A command that the modem answers with OK. */
static et_err modem_cmd(modem *m, const char *cmd) {
  char line[MODEM_LINE_MAX] = "";
  et_err e = uart_write(m, cmd, strlen(cmd));
  if (e == ET_OK)
    e = uart_line(m, line, sizeof line, mono_ms() + 2000u);
  return e == ET_OK && strcmp(line, "OK") != 0 ? ET_E_IO : e;
}

/* One SEND step: the whole request out, the whole response into the
 * engine. Every outcome is reported to the engine. */
static void modem_exchange(modem *m, et_engine *e, const et_step *s) {
  char line[MODEM_LINE_MAX];
  uint64_t now = mono_ms();
  size_t len = 0;
  int code = 0;
  et_err err;
  if (m->wedged) {
    et_engine_failed(e, ET_E_IO, false);
    return;
  }
  /* rsptime: what is left of the attempt, rounded up to whole seconds. */
  uint64_t left = s->until_ms > now ? s->until_ms - now : 1;
  snprintf(line, sizeof line, "AT+HTTPSEND=\"%.*s\",%u,%zu,%u\r\n", (int)s->host.n,
           s->host.p, (unsigned)s->port, s->n, (unsigned)((left + 999u) / 1000u));
  m->exchanges++;
  err = uart_write(m, line, strlen(line));
  if (err == ET_OK)
    err = uart_write(m, s->data, s->n);
  if (err != ET_OK) {
    m->wedged = true;
    et_engine_failed(e, err, false);
    return;
  }
  /* The engine wipes its copy of the request once it is all sent. */
  et_engine_sent(e, s->n);

  err = uart_line(m, line, sizeof line, s->until_ms + MODEM_GRACE_MS);
  if (err == ET_OK && sscanf(line, "+HTTPERROR: %d", &code) == 1) {
    et_engine_failed(e, modem_err_of(code), false);
    return;
  }
  if (err == ET_OK && sscanf(line, "+HTTPRECV: %zu", &len) != 1)
    err = ET_E_IO;
  if (err != ET_OK) {
    m->wedged = true; /* a real device would reset the module here */
    et_engine_failed(e, err, false);
    return;
  }
  /* The response as the UART delivers it: each piece goes to the engine,
   * which parses it into its workspace; no second response buffer. Bytes
   * past the end of the HTTP answer (used < k) belong to nothing. */
  while (len > 0) {
    if (m->off == m->len && (err = uart_fill(m, s->until_ms + MODEM_GRACE_MS)) != ET_OK) {
      m->wedged = true;
      et_engine_failed(e, err, false);
      return;
    }
    size_t k = m->len - m->off < len ? m->len - m->off : len;
    size_t used = 0;
    et_engine_feed(e, m->rx + m->off, k, &used);
    m->off += k;
    len -= k;
  }
  et_wipe(m->rx, sizeof m->rx); /* it held pieces of a token */
}

/* Pump one engine to DONE or FAIL over the modem. */
static et_err run(modem *m, et_engine *e, const char *name) {
  uint64_t logged_until = 0;
  for (;;) {
    et_step s = et_engine_step(e, mono_ms());
    /* s.close needs nothing: the modem closes after every answer. */
    switch (s.kind) {
    case ET_STEP_SEND:
      /* Nothing of a request is ever sent before its SEND step, so this
       * step holds all of it: exactly what the modem takes. */
      modem_exchange(m, e, &s);
      break;
    case ET_STEP_RECV:
      /* The modem gave the whole response and the engine wants more: the
       * answer ended early, as if the server had closed. */
      et_engine_closed(e, false);
      break;
    case ET_STEP_SIGN:
      et_engine_signed(e, ET_E_DISABLED, 0); /* no device key in this example */
      break;
    case ET_STEP_WAIT:
      if (s.until_ms != logged_until) {
        logged_until = s.until_ms;
        if (s.err != ET_OK)
          printf("%s: %s (%s); next try in %llu ms\n", name, s.why ? s.why : "retrying",
                 et_strerror(s.err), (unsigned long long)(s.until_ms - mono_ms()));
        fflush(stdout);
      }
      sleep_until(s.until_ms);
      break;
    case ET_STEP_DONE:
      return ET_OK;
    case ET_STEP_FAIL:
      return s.err;
    }
  }
}

/* ---- reporting ----------------------------------------------------------- */

static int report_failure(const char *name, const et_engine *e) {
  const et_result *r = et_engine_result(e);
  fprintf(stderr, "%s: failed: %s", name, et_strerror(r->err));
  if (r->why != NULL)
    fprintf(stderr, ": %s", r->why);
  if (r->http_status != 0)
    fprintf(stderr, " (HTTP %d)", r->http_status);
  if (r->oauth.error.n > 0) {
    fprintf(stderr, "; server: %.*s", (int)r->oauth.error.n, r->oauth.error.p);
    if (r->oauth.n_error_codes > 0)
      fprintf(stderr, " AADSTS%lu", (unsigned long)r->oauth.error_codes[0]);
  }
  fputc('\n', stderr);
  return r->err == ET_E_OAUTH || r->err == ET_E_DECLINED || r->err == ET_E_EXPIRED ? 3 : 2;
}

static void report_token(const char *name, const et_token *t, const et_engine *e) {
  printf("%s: token %zu bytes, expires in %lld s, refresh token %zu bytes, %lu request(s)\n",
         name, t->access_token.n, (long long)t->expires_in, t->refresh_token.n,
         (unsigned long)et_engine_result(e)->attempts);
  fflush(stdout);
}

/* ---- the application ------------------------------------------------------ */

typedef struct args {
  const char *authority, *tenant, *client_id, *ca_file, *scope;
  const char *device_client_id, *device_scope;
  bool verbose;
} args;

static bool parse_args(int argc, char **argv, args *a) {
  const struct {
    const char *flag;
    const char **dst;
  } opts[] = { { "--authority", &a->authority }, { "--tenant", &a->tenant },
               { "--client-id", &a->client_id }, { "--ca-file", &a->ca_file },
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
      fprintf(stderr, "modem_token: bad argument '%s'\n", argv[i]);
      return false;
    }
    *opts[j].dst = argv[++i];
  }
  return a->authority && a->tenant && a->client_id && a->ca_file;
}

static void app_init(et_app *app, const args *a, const char *client_id, const char *secret) {
  memset(app, 0, sizeof *app);
  app->authority = et_str_from_cstr(a->authority);
  app->tenant = et_str_from_cstr(a->tenant);
  app->client_id = et_str_from_cstr(client_id);
  if (secret != NULL) {
    app->cred.kind = ET_CRED_SECRET;
    app->cred.secret = et_str_from_cstr(secret);
  }
}

/* The device's memory for one flow at a time (static: no heap, no big
 * stack frames). */
static uint8_t g_buf[16 * 1024];
static jsmntok_t g_tok[128];
static char g_device_code[ET_DEVICE_CODE_BUF_SIZE];

static int client_credentials(modem *m, const args *a, const char *secret) {
  static char scope[300];
  et_token_engine e;
  et_engine_in in;
  et_work w = { g_buf, sizeof g_buf, g_tok, sizeof g_tok / sizeof g_tok[0], NULL };
  et_app app;
  int rc = 0;
  app_init(&app, a, a->client_id, secret);
  if (a->scope == NULL)
    snprintf(scope, sizeof scope, "%s/.default", a->client_id);
  if (!engine_in(&in))
    return 2;
  if (et_cc_begin(&e, &app, ET_ENDPOINT_V2, et_str_from_cstr(a->scope ? a->scope : scope), &w,
                  &in) != ET_OK || run(m, &e.base, "cc") != ET_OK)
    rc = report_failure("cc", &e.base);
  else
    report_token("cc", &e.token, &e.base);
  et_wipe(g_buf, sizeof g_buf); /* the token: used, now gone */
  return rc;
}

static int device_sign_in(modem *m, const args *a) {
  et_device_code_engine dce;
  et_device_poll_engine pe;
  et_device_code dc;
  et_engine_in in;
  et_work w = { g_buf, sizeof g_buf, g_tok, sizeof g_tok / sizeof g_tok[0], NULL };
  et_app app;
  int rc = 0;
  app_init(&app, a, a->device_client_id, NULL);
  et_str scope = et_str_from_cstr(a->device_scope ? a->device_scope
                                                  : "openid profile offline_access");
  if (!engine_in(&in))
    return 2;
  if (et_device_code_begin(&dce, &app, ET_ENDPOINT_V2, scope, &w, &in) != ET_OK ||
      run(m, &dce.base, "device") != ET_OK)
    return report_failure("device", &dce.base);
  /* Every poll reuses the workspace: the device code moves out of it. */
  dc = dce.dc;
  if (dc.device_code.n > sizeof g_device_code) {
    et_wipe(g_buf, sizeof g_buf);
    fputs("device: the device code does not fit\n", stderr);
    return 2;
  }
  memcpy(g_device_code, dc.device_code.p, dc.device_code.n);
  et_wipe((void *)dc.device_code.p, dc.device_code.n);
  dc.device_code = (et_str){ g_device_code, dc.device_code.n };
  printf("device: %.*s\n", (int)dc.message.n, dc.message.p);
  fflush(stdout);

  if (!engine_in(&in))
    rc = 2;
  else if (et_device_poll_begin(&pe, &app, ET_ENDPOINT_V2, &dc, &w, &in) != ET_OK ||
           run(m, &pe.tok.base, "device") != ET_OK)
    rc = report_failure("device", &pe.tok.base);
  else
    report_token("device", &pe.tok.token, &pe.tok.base);
  et_wipe(g_device_code, sizeof g_device_code);
  et_wipe(g_buf, sizeof g_buf);
  return rc;
}

int main(int argc, char **argv) {
  args a;
  int sv[2], rc, status = 0;
  if (!parse_args(argc, argv, &a)) {
    fputs("usage: EDGETOKEN_CLIENT_SECRET=... modem_token --authority URL --tenant T "
          "--client-id ID --ca-file F [--scope S] [--device-client-id ID [--device-scope S]] "
          "[--verbose]\n", stderr);
    return 1;
  }
  const char *secret = getenv("EDGETOKEN_CLIENT_SECRET");
  if (secret == NULL || secret[0] == '\0') {
    fputs("modem_token: set EDGETOKEN_CLIENT_SECRET\n", stderr);
    return 1;
  }
  /* Power the modem up: a child process on the other end of a "UART". */
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    perror("modem_token: socketpair");
    return 2;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("modem_token: fork");
    return 2;
  }
  if (pid == 0) {
    close(sv[0]);
    exit(modem_main(sv[1], a.ca_file, a.verbose)); /* exit, not _exit: sanitizers report */
  }
  close(sv[1]);
  modem m;
  memset(&m, 0, sizeof m);
  m.fd = sv[0];

  if (modem_cmd(&m, "AT\r\n") != ET_OK) {
    fputs("modem_token: the modem does not answer\n", stderr);
    rc = 2;
  } else {
    rc = client_credentials(&m, &a, secret);
    if (a.device_client_id != NULL) {
      int drc = device_sign_in(&m, &a);
      rc = rc != 0 ? rc : drc;
    }
  }
  if (!m.wedged && modem_cmd(&m, "AT+QPOWD\r\n") != ET_OK)
    fputs("modem_token: the modem did not power down cleanly\n", stderr);
  close(m.fd);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fputs("modem_token: the modem exited abnormally\n", stderr);
    rc = rc != 0 ? rc : 2;
  }
  printf("modem: %u exchange(s)\n", m.exchanges);
  return rc;
}
