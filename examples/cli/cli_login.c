/* SPDX-License-Identifier: MIT */
/* edgetoken login, authorize-url, redeem, refresh: a user signs in with the
 * authorization code grant + PKCE; the refresh token is kept in the store
 * directory (keys: cli_store_key, cli.h) and refreshed later without a
 * browser. */
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_record.h"
#include "edgetoken/et_posix_listener.h"

#define DEFAULT_REDIRECT_URI "http://localhost:8080"

extern char **environ;

typedef struct session {
  cli_client c;
  et_work w;
  et_token t;
  et_result res;          /* the last flow's outcome, or the redirect's error */
  char dir[1024];
  const char *sdir;       /* NULL: no store */
  char rt_key[CLI_STORE_KEY_SIZE];
  char pending_key[CLI_STORE_KEY_SIZE];
  char scope[600];
} session;

/* Workspace, redirect scratch, the browser's query, id_token claims: static
 * like the rest of the CLI, wiped after use. */
static uint8_t g_buf[CLI_WORK_BUF_SIZE];
static jsmntok_t g_tok[CLI_JSON_TOKENS];
static char g_scratch[CLI_WORK_BUF_SIZE];
static char g_input[ET_LISTENER_REQ_MAX + 1];
static session g_s;

static void close_session(session *s) {
  et_wipe(g_buf, sizeof g_buf);
  et_wipe(g_scratch, sizeof g_scratch);
  et_wipe(g_input, sizeof g_input);
  cli_client_close(&s->c);
  et_wipe(s, sizeof *s);
}

/* The stored sign-in's v2 scope into s->scope (refresh without --scope:
 * after `device-login --scope "<app>/.default offline_access"`, the
 * default scope would be refused, AADSTS500011). */
static bool cli_remembered_scope(session *s, const cli_opts *o) {
  et_endpoint ep;
  return cli_signin_scope(&s->c, o, &ep, s->scope, sizeof s->scope - 1) &&
         ep == ET_ENDPOINT_V2;
}

/* Options, credential, port, app, keys and scope for every command here.
 * CLI_EXIT_OK to go on; otherwise the exit code (nothing to close). */
static int open_session(session *s, const cli_opts *o, const char *cmd, bool need_store) {
  et_buf sb;
  et_err se = ET_OK;
  int rc;
  memset(s, 0, sizeof *s);
  s->w = (et_work){ g_buf, sizeof g_buf, g_tok, CLI_JSON_TOKENS, NULL };
  if ((!o->tenant && !cli_has_provider(o)) || !o->client_id) {
    fprintf(stderr, "edgetoken: %s needs --client-id and --tenant (or --issuer, "
            "--token-endpoint)\n", cmd);
    return CLI_EXIT_USAGE;
  }
  if (o->endpoint != ET_ENDPOINT_V2) {
    fprintf(stderr, "edgetoken: %s uses the v2.0 endpoints only\n", cmd);
    return CLI_EXIT_USAGE;
  }
  s->sdir = cli_store_dir(o, s->dir, sizeof s->dir);
  if (need_store && s->sdir == NULL) {
    fprintf(stderr, "edgetoken: %s needs a store directory: set EDGETOKEN_STORE_DIR or "
            "--store-dir\n", cmd);
    return CLI_EXIT_USAGE;
  }
  /* A Web app (ADME's default) proves itself with its secret or
   * certificate; a public client sends nothing. */
  rc = cli_client_open(&s->c, o, s->sdir, false);
  if (rc != CLI_EXIT_OK)
    return rc;
  s->w.link = &s->c.link;

  et_buf_init(&sb, s->scope, sizeof s->scope - 1);
  if (o->scope)
    et_buf_put_cstr(&sb, o->scope);
  else if (!strcmp(cmd, "refresh") && cli_remembered_scope(s, o))
    sb.len = strlen(s->scope); /* the stored sign-in's own scope */
  else if (cli_has_provider(o))
    et_buf_put_cstr(&sb, CLI_OIDC_DEFAULT_SCOPE);
  else
    se = et_signin_scope(&sb, s->c.app.client_id);
  if (se == ET_OK)
    se = et_buf_status(&sb);
  if (!cli_store_key(&s->c.port, o, CLI_KEY_REFRESH, s->rt_key) ||
      !cli_store_key(&s->c.port, o, CLI_KEY_PENDING, s->pending_key) || se != ET_OK) {
    fputs("edgetoken: --tenant, --client-id or --scope is too long\n", stderr);
    close_session(s);
    return CLI_EXIT_USAGE;
  }
  s->scope[sb.len] = '\0';
  return CLI_EXIT_OK;
}

/* Failures of the sign-in commands, in words that say what to do next. */
static int report(session *s, et_err e, const char *cmd) {
  const et_oauth_error *err = &s->res.oauth;
  switch (e) {
  case ET_E_STATE_MISMATCH:
    fputs("edgetoken: the answer's state does not match this sign-in: it may come from\n"
          "  another site (CSRF) or an older attempt. Nothing was signed in.\n"
          "  what to do: run `edgetoken login` (or authorize-url + redeem) again\n", stderr);
    return CLI_EXIT_SIGNIN;
  case ET_E_DECLINED:
    cli_report_error(ET_E_OAUTH, &s->res);
    fputs("edgetoken: the sign-in was declined (access_denied).\n"
          "  what to do: run `edgetoken login` again and accept, or ask an admin to "
          "consent for the tenant\n", stderr);
    return CLI_EXIT_OAUTH;
  case ET_E_EXPIRED:
    cli_report_error(ET_E_OAUTH, &s->res);
    fputs("edgetoken: the authorization code expired (they live about 10 minutes).\n"
          "  what to do: run `edgetoken login` again\n", stderr);
    return CLI_EXIT_SIGNIN;
  case ET_E_NOT_FOUND:
    fprintf(stderr, "edgetoken: %s\n  what to do: run `edgetoken %s` with the same "
            "--tenant and --client-id\n",
            !strcmp(cmd, "redeem") ? "no sign-in in progress for this tenant and client"
                                   : "no stored sign-in for this tenant and client",
            !strcmp(cmd, "redeem") ? "authorize-url" : "login");
    return CLI_EXIT_SIGNIN;
  case ET_E_SIGNIN_REQUIRED:
    cli_report_error(ET_E_OAUTH, &s->res);
    if (cli_has_code(err, 700082))
      fputs("edgetoken: the refresh token expired after 90 days of inactivity: run "
            "`edgetoken login`\n", stderr);
    else if (cli_has_code(err, 50173))
      fputs("edgetoken: the refresh token was revoked (password change, sign-out, or an\n"
            "  older copy of a rotated token): run `edgetoken login`\n", stderr);
    else if (cli_has_code(err, 70008))
      fputs("edgetoken: the refresh token expired: run `edgetoken login`\n", stderr);
    else
      fputs("edgetoken: the stored sign-in no longer works: run `edgetoken login`\n",
            stderr);
    return CLI_EXIT_SIGNIN;
  case ET_E_OAUTH: {
    int rc = cli_report_error(e, &s->res);
    if (cli_has_code(err, 54005))
      fputs("  what to do: a code works once; run `edgetoken login` again\n", stderr);
    else if (cli_has_code(err, 501481))
      fputs("  what to do: the code belongs to another sign-in (PKCE verifier); run\n"
            "  `edgetoken authorize-url` and redeem the code it leads to\n", stderr);
    else if (cli_has_code(err, 50011))
      fputs("  what to do: use the same --redirect-uri for the URL and the redemption,\n"
            "  registered in the app's Authentication page\n", stderr);
    else if (cli_has_code(err, 700025))
      fputs("  what to do: this is a public client: unset EDGETOKEN_CLIENT_SECRET and\n"
            "  give no --certificate\n", stderr);
    return rc;
  }
  default:
    return cli_report_error(e, &s->res);
  }
}

static et_err build_url(session *s, const cli_opts *o, const char *redirect_uri,
                        const et_signin *si, char *out, size_t cap) {
  et_authorize_params ap;
  et_buf b;
  et_err e;
  memset(&ap, 0, sizeof ap);
  ap.redirect_uri = et_str_from_cstr(redirect_uri);
  ap.scope = et_str_from_cstr(s->scope);
  ap.state = et_signin_state(si);
  ap.code_challenge = et_signin_challenge(si);
  ap.login_hint = et_str_from_cstr(o->login_hint);
  ap.prompt = et_str_from_cstr(o->prompt);
  et_buf_init(&b, out, cap - 1);
  e = et_authorize_url(&s->c.app, &ap, &b);
  out[e == ET_OK ? b.len : 0] = '\0';
  return e;
}

/* Show who signed in (from the id_token; not signature-checked, which is
 * fine for a name shown after a TLS answer from the authority). */
static void show_user(const et_token *t) {
  static char scratch[8192];
  jsmntok_t tok[64];
  et_id_claims c;
  if (t->id_token.n == 0 ||
      et_id_token_claims(t->id_token, scratch, sizeof scratch, tok, 64, &c) != ET_OK)
    return;
  /* The name, with the account in brackets; without a name the account
   * (preferred_username, upn, email), else the object id; nothing at all
   * prints no line. */
  et_str user = et_id_claims_user(&c);
  if (user.n == 0)
    user = c.oid;
  if (c.name.n && user.n == c.name.n && !memcmp(user.p, c.name.p, user.n))
    user = ET_STR_NULL; /* et_id_claims_user fell back to the name */
  if (c.name.n || user.n) {
    fputs("edgetoken: signed in as ", stderr);
    cli_put_text(stderr, c.name.n ? c.name : user);
    if (c.name.n && user.n) {
      fputs(" (", stderr);
      cli_put_text(stderr, user);
      fputc(')', stderr);
    }
    fputc('\n', stderr);
  }
  et_wipe(scratch, sizeof scratch);
}

/* After tokens arrived: keep the refresh token, print the access token. */
static int deliver(session *s, const cli_opts *o) {
  et_token shown = s->t;
  et_err e = ET_E_DISABLED;
  show_user(&s->t);
  if (s->t.refresh_token.n && s->c.port.store)
    e = cli_save_refresh(&s->c, o, s->rt_key, s->t.refresh_token);
  if (e == ET_OK)
    shown.refresh_token = ET_STR_NULL; /* kept in the store, not echoed */
  int rc = cli_print_token(&shown, o->json);
  fflush(stdout);
  if (e == ET_OK)
    fprintf(stderr, "edgetoken: refresh token saved in %s (%s)\n", s->sdir, s->rt_key);
  else if (s->t.refresh_token.n == 0)
    fputs("edgetoken: warning: no refresh token came back: add offline_access to "
          "--scope\n", stderr);
  else
    fprintf(stderr, "edgetoken: warning: the refresh token was not saved: %s %s\n",
            et_strerror(e), et_posix_detail(&s->c.px));
  return rc;
}

static et_err redeem(session *s, et_str code, const char *redirect_uri, et_str verifier) {
  cli_time_restart(&s->c); /* --timeout starts after the browser or the paste */
  et_code_grant g = { code, et_str_from_cstr(redirect_uri), verifier,
                      et_str_from_cstr(s->scope) };
  et_err e = et_redeem_code(&s->c.port, &s->c.app, &g, &s->w, &s->t, &s->res);
  cli_client_forget_secret(&s->c);
  return e;
}

/* Open the URL in the desktop's browser, only when there is a desktop. */
/* The browser gets the authorize URL (state, PKCE challenge) through a
 * private path, never argv (every local user can read /proc/PID/cmdline):
 * a 0600 page that redirects, in a fresh 0700 directory under
 * $XDG_RUNTIME_DIR (else $TMPDIR, else /tmp), removed when login ends. */
typedef struct browser_page {
  char dir[512];
  char file[560];
} browser_page;

static bool write_page(browser_page *pg, const char *url) {
  const char *base = getenv("XDG_RUNTIME_DIR");
  FILE *f;
  int fd;
  if (base == NULL || base[0] != '/')
    base = getenv("TMPDIR");
  if (base == NULL || base[0] != '/')
    base = "/tmp";
  pg->file[0] = '\0';
  if (snprintf(pg->dir, sizeof pg->dir, "%s/edgetoken-XXXXXX", base) >= (int)sizeof pg->dir ||
      mkdtemp(pg->dir) == NULL) {
    pg->dir[0] = '\0';
    return false;
  }
  snprintf(pg->file, sizeof pg->file, "%s/sign-in.html", pg->dir);
  fd = open(pg->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL) {
    if (fd >= 0)
      close(fd);
    return false;
  }
  fputs("<!doctype html><meta charset=\"utf-8\"><title>edgetoken sign-in</title>"
        "<meta http-equiv=\"refresh\" content=\"0;url=", f);
  for (const char *p = url; *p; p++) {
    if (*p == '&') fputs("&amp;", f);
    else if (*p == '"') fputs("&quot;", f);
    else if (*p == '<') fputs("&lt;", f);
    else if (*p == '>') fputs("&gt;", f);
    else fputc(*p, f);
  }
  fputs("\"><p>Taking you to the sign-in page&hellip;</p>\n", f);
  return fclose(f) == 0;
}

static void remove_page(browser_page *pg) {
  if (pg->file[0])
    unlink(pg->file);
  if (pg->dir[0])
    rmdir(pg->dir);
  pg->file[0] = pg->dir[0] = '\0';
}

/* The browser's environment: ours without anything of edgetoken's
 * (EDGETOKEN_* may hold a secret; main() already removed the client
 * secret) and without LD_PRELOAD/LD_AUDIT. */
static bool scrub_env_var(const char *v) {
  return !strncmp(v, "EDGETOKEN_", 10) || !strncmp(v, "LD_PRELOAD=", 11) ||
         !strncmp(v, "LD_AUDIT=", 9);
}

#ifndef __APPLE__
/* A desktop: DISPLAY or WAYLAND_DISPLAY set to something (set but empty,
 * as `DISPLAY= cmd` leaves it, is no display). */
static bool has_desktop(void) {
  const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
  return (x != NULL && x[0] != '\0') || (w != NULL && w[0] != '\0');
}
#endif

static void open_browser(const char *url, browser_page *pg) {
  static char *envp[512];
  size_t ne = 0;
  posix_spawn_file_actions_t fa;
  pid_t pid;
#ifdef __APPLE__
  char *argv[] = { "open", NULL, NULL };
#else
  char *argv[] = { "xdg-open", NULL, NULL };
  if (!has_desktop())
    return;
#endif
  if (!write_page(pg, url)) {
    remove_page(pg);
    fprintf(stderr, "edgetoken: could not write the sign-in page; open the URL yourself\n");
    return;
  }
  argv[1] = pg->file;
  for (char **e = environ; e && *e && ne + 1 < sizeof envp / sizeof envp[0]; e++)
    if (!scrub_env_var(*e))
      envp[ne++] = *e;
  envp[ne] = NULL;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  /* Not waited for: xdg-open may run the browser in the foreground. */
  if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp) != 0)
    fprintf(stderr, "edgetoken: could not start %s; open the URL yourself\n", argv[0]);
  posix_spawn_file_actions_destroy(&fa);
}

/* With port 0 in the redirect URI the listener picked a free port: the URI
 * sent to Entra ID (which accepts any port on a loopback redirect) must
 * name it, or the browser would be sent to port 0. */
static const char *bound_uri(const char *uri, uint16_t port, char *buf, size_t cap) {
  const char *host = strstr(uri, "://");
  const char *p;
  int n;
  if (host == NULL)
    return uri;
  host += 3;
  p = host[0] == '[' ? strchr(host, ']') : host;
  p = p ? p + strcspn(p, ":/") : NULL;
  if (p == NULL || p[0] != ':' || p[1] != '0' || (p[2] != '/' && p[2] != '\0'))
    return uri;
  n = snprintf(buf, cap, "%.*s:%u%s", (int)(p - uri), uri, (unsigned)port, p + 2);
  return n > 0 && (size_t)n < cap ? buf : uri;
}

int cli_cmd_login(const cli_opts *o) {
  static char url[4096];
  static char bound[512];
  const char *uri = o->redirect_uri ? o->redirect_uri : DEFAULT_REDIRECT_URI;
  session *s = &g_s;
  browser_page page = { "", "" };
  uint64_t wait_end;
  bool foreign = false; /* a request without our state came (and was refused) */
  et_listener l;
  et_signin si;
  et_redirect r;
  size_t qn = 0;
  et_err e;
  int rc = open_session(s, o, "login", false);
  if (rc != CLI_EXIT_OK)
    return rc;
  e = et_listener_open(&l, uri, &g_cli_cancel);
  if (e != ET_OK) {
    fprintf(stderr, "edgetoken: cannot listen for the browser: %s\n", et_listener_detail(&l));
    if (e == ET_E_URL)
      fputs("  login needs an http://localhost:PORT redirect URI; for another one use\n"
            "  `edgetoken authorize-url` and `edgetoken redeem`\n", stderr);
    et_listener_close(&l);
    close_session(s);
    return e == ET_E_URL ? CLI_EXIT_USAGE : CLI_EXIT_NETWORK;
  }
  uri = bound_uri(uri, et_listener_port(&l), bound, sizeof bound);
  e = et_signin_begin(&s->c.port, 0, &si);
  if (e == ET_OK)
    e = build_url(s, o, uri, &si, url, sizeof url);
  if (e != ET_OK) {
    rc = report(s, e, "login");
    goto out;
  }
  fprintf(stderr, "edgetoken: sign in with a browser at:\n\n%s\n\n"
          "edgetoken: waiting up to %u s for the browser on %s\n", url, o->wait_s, uri);
  fflush(stderr);
  if (!o->no_browser)
    open_browser(url, &page);

  /* Only an answer with this sign-in's state ends the wait: anything else
   * (a stale tab, a bare GET /, a page or local process guessing the port,
   * a wrong, missing or repeated state) gets an error page, and the wait
   * goes on until --wait is over. */
  wait_end = s->c.port.mono_ms(s->c.port.ctx) + o->wait_s * 1000u;
  for (;;) {
    uint64_t now = s->c.port.mono_ms(s->c.port.ctx);
    e = now < wait_end ? et_listener_wait(&l, (uint32_t)(wait_end - now), g_input,
                                          sizeof g_input, &qn)
                       : ET_E_TIMEOUT;
    if (e == ET_E_TIMEOUT || e == ET_E_NOSPACE || e == ET_E_IO) {
      fprintf(stderr, "edgetoken: %s: %s\n  what to do: run `edgetoken login` again (or "
              "authorize-url + redeem to paste the address)\n", et_strerror(e),
              e == ET_E_TIMEOUT && foreign ? "no answer with this sign-in's state"
                                           : et_listener_detail(&l));
      rc = CLI_EXIT_SIGNIN;
      goto out;
    }
    if (e != ET_OK) {
      rc = report(s, e, "login");
      goto out;
    }
    e = et_redirect_parse((et_str){ g_input, qn }, g_scratch, sizeof g_scratch,
                          et_str_from_cstr(uri), &r);
    if (e == ET_OK)
      e = et_redirect_check(&r, et_signin_state(&si), &s->res.oauth);
    else
      e = ET_E_STATE_MISMATCH; /* unparsable: not shown to be ours */
    if (e != ET_E_STATE_MISMATCH)
      break;
    et_listener_finish(&l, ET_PAGE_STATE_MISMATCH, NULL);
    et_wipe(g_input, sizeof g_input);
    memset(&s->res.oauth, 0, sizeof s->res.oauth);
    if (!foreign)
      fputs("edgetoken: ignored a request to the redirect URI that is not this sign-in's\n"
            "  (wrong or missing state); still waiting for the browser\n", stderr);
    foreign = true;
  }
  if (e == ET_E_INPUT) {
    et_listener_finish(&l, ET_PAGE_ERROR, "The answer has no code.");
    fputs("edgetoken: the browser's answer has no usable code or error\n", stderr);
    rc = CLI_EXIT_RESPONSE;
    goto out;
  }
  if (e != ET_OK) {
    char what[64];
    snprintf(what, sizeof what, "%.*s", (int)s->res.oauth.error.n,
             s->res.oauth.error.n ? s->res.oauth.error.p : "");
    et_listener_finish(&l, ET_PAGE_ERROR, what);
    rc = report(s, e, "login");
    goto out;
  }
  e = redeem(s, r.code, uri, et_signin_verifier(&si));
  et_listener_finish(&l, e == ET_OK ? ET_PAGE_SIGNED_IN : ET_PAGE_ERROR, NULL);
  rc = e == ET_OK ? deliver(s, o) : report(s, e, "login");
out:
  remove_page(&page);
  et_wipe(&si, sizeof si);
  et_wipe(url, sizeof url);
  et_listener_close(&l);
  close_session(s);
  return rc;
}

int cli_cmd_authorize_url(const cli_opts *o) {
  static char url[4096];
  static char pending[1024];
  const char *uri = o->redirect_uri ? o->redirect_uri : DEFAULT_REDIRECT_URI;
  session *s = &g_s;
  et_signin si;
  size_t n;
  et_err e;
  int rc = open_session(s, o, "authorize-url", true);
  if (rc != CLI_EXIT_OK)
    return rc;
  e = et_signin_begin(&s->c.port, 0, &si);
  if (e == ET_OK)
    e = build_url(s, o, uri, &si, url, sizeof url);
  if (e == ET_OK) {
    /* What redeem needs, in a 0600 file: never in the URL or on argv. */
    n = cli_pending_format(pending, sizeof pending, si.state, si.verifier, uri);
    e = n ? s->c.port.store(s->c.port.ctx, ET_STORE_SAVE, s->pending_key, (uint8_t *)pending,
                          sizeof pending, &n)
          : ET_E_ARG;
  }
  if (e == ET_OK) {
    printf("%s\n", url);
    fflush(stdout);
    fputs("edgetoken: open the URL and sign in. The browser then shows an error page\n"
          "  (nothing listens on the redirect URI): copy the whole address from the\n"
          "  address bar and run\n"
          "    edgetoken redeem --redirect - ...same options...\n"
          "  then paste it and press Enter, within 10 minutes.\n", stderr);
    rc = CLI_EXIT_OK;
  } else {
    if (e == ET_E_STORE || e == ET_E_ARG)
      fprintf(stderr, "edgetoken: cannot keep the sign-in state: %s\n", et_posix_detail(&s->c.px));
    rc = e == ET_E_STORE || e == ET_E_ARG ? CLI_EXIT_INTERNAL : report(s, e, "authorize-url");
  }
  et_wipe(&si, sizeof si);
  et_wipe(pending, sizeof pending);
  close_session(s);
  return rc;
}

/* The value of --redirect/--code, or one line of stdin for "-", trimmed,
 * in g_input. False after saying why. */
static bool read_input(const char *arg, const char *what) {
  size_t n;
  if (strcmp(arg, "-") != 0) {
    fprintf(stderr, "edgetoken: note: other users can read command lines; prefer "
            "`%s -` and paste on stdin\n", what);
    n = strlen(arg);
    if (n >= sizeof g_input) {
      fprintf(stderr, "edgetoken: %s is too long\n", what);
      return false;
    }
    memcpy(g_input, arg, n + 1);
  } else {
    if (isatty(0))
      fputs("edgetoken: paste the address and press Enter:\n", stderr);
    if (fgets(g_input, sizeof g_input, stdin) == NULL) {
      fprintf(stderr, "edgetoken: nothing on stdin for %s\n", what);
      return false;
    }
    n = strlen(g_input);
    if (n == sizeof g_input - 1 && g_input[n - 1] != '\n') {
      fprintf(stderr, "edgetoken: the pasted text is longer than %zu bytes\n", n);
      return false;
    }
  }
  return true;
}

/* Trim ASCII whitespace around s in place; its length. */
static size_t trim(char *s) {
  size_t a = 0, n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    n--;
  while (a < n && (s[a] == ' ' || s[a] == '\t'))
    a++;
  memmove(s, s + a, n - a);
  s[n - a] = '\0';
  return n - a;
}

int cli_cmd_redeem(const cli_opts *o) {
  static char pending[1024];
  char *state, *verifier, *uri;
  cli_pending pend;
  session *s = &g_s;
  et_redirect r;
  et_str code;
  size_t n = 0;
  et_err e;
  int rc;
  if ((o->redirect == NULL) == (o->code == NULL)) {
    fputs("edgetoken: redeem needs --redirect - (or URL), or --code - (or CODE)\n", stderr);
    return CLI_EXIT_USAGE;
  }
  rc = open_session(s, o, "redeem", true);
  if (rc != CLI_EXIT_OK)
    return rc;
  e = s->c.port.store(s->c.port.ctx, ET_STORE_LOAD, s->pending_key, (uint8_t *)pending,
                    sizeof pending - 1, &n);
  if (e != ET_OK) {
    rc = e == ET_E_NOT_FOUND ? report(s, e, "redeem") : cli_report_port_error(e, &s->c.px);
    goto out;
  }
  pending[n] = '\0';
  if (!cli_pending_parse(pending, &pend)) {
    fprintf(stderr, "edgetoken: the sign-in state in %s is damaged: run "
            "`edgetoken authorize-url` again\n", s->sdir);
    rc = CLI_EXIT_SIGNIN;
    goto out;
  }
  state = pend.state;
  verifier = pend.verifier;
  uri = pend.uri;

  if (!read_input(o->redirect ? o->redirect : o->code, o->redirect ? "--redirect" : "--code")) {
    rc = CLI_EXIT_USAGE;
    goto out;
  }
  n = trim(g_input);
  if (o->redirect) {
    e = et_redirect_parse((et_str){ g_input, n }, g_scratch, sizeof g_scratch,
                          et_str_from_cstr(uri), &r);
    if (e != ET_OK) {
      fprintf(stderr, "edgetoken: %s: not the redirect of this sign-in (expected %s?code=...)\n",
              et_strerror(e), uri);
      rc = CLI_EXIT_USAGE;
      goto out;
    }
    e = et_redirect_check(&r, et_str_from_cstr(state), &s->res.oauth);
    code = r.code;
  } else {
    /* The paste path of Microsoft's page: the text between code= and &state.
     * No state to check, so no CSRF check: --redirect is the better paste. */
    code = (et_str){ g_input, n };
    e = n && strcspn(g_input, " \t&=?#") == n ? ET_OK : ET_E_ARG;
    if (e != ET_OK) {
      fputs("edgetoken: --code wants only the code (the text between code= and &state)\n",
            stderr);
      rc = CLI_EXIT_USAGE;
      goto out;
    }
  }
  if (e == ET_OK)
    e = redeem(s, code, uri, et_str_from_cstr(verifier));
  if (e == ET_OK || e == ET_E_EXPIRED)
    (void)s->c.port.store(s->c.port.ctx, ET_STORE_DELETE, s->pending_key, NULL, 0, &n);
  rc = e == ET_OK ? deliver(s, o) : report(s, e, "redeem");
out:
  et_wipe(pending, sizeof pending);
  close_session(s);
  return rc;
}

int cli_cmd_refresh(const cli_opts *o) {
  session *s = &g_s;
  int lock;
  et_err e;
  int rc = open_session(s, o, "refresh", true);
  if (rc != CLI_EXIT_OK)
    return rc;
  /* Load, refresh and save under the key's lock: a second edgetoken
   * refreshing at once would send the same refresh token, which rotation
   * has just revoked. It waits, then loads the token this one saved. */
  e = et_posix_store_lock(&s->c.px, s->rt_key, CLI_LOCK_MS(&s->c), &lock);
  if (e != ET_OK) {
    rc = cli_report_port_error(e, &s->c.px);
    if (e == ET_E_TIMEOUT)
      fputs("  another edgetoken is refreshing or saving this sign-in; the stored token is\n"
            "  untouched: retry, or give it longer with --timeout\n", stderr);
    close_session(s);
    return rc;
  }
  s->c.app.deadline_ms = cli_time_left(&s->c); /* the lock wait came out of it */
  e = et_refresh_stored(&s->c.port, &s->c.app, s->rt_key, et_str_from_cstr(s->scope), &s->w,
                        &s->t, &s->res);
  cli_client_forget_secret(&s->c);
  et_posix_store_unlock(lock);
  /* ET_E_STORE or ET_E_NOSPACE with a token: refreshed, only the rotated
   * token was not kept. Without one the store failed before anything was
   * sent. */
  if (e == ET_OK || ((e == ET_E_STORE || e == ET_E_NOSPACE) && s->t.access_token.n > 0)) {
    et_token shown = s->t;
    shown.refresh_token = ET_STR_NULL;
    rc = cli_print_token(&shown, o->json);
    if (e == ET_E_STORE)
      fprintf(stderr, "edgetoken: warning: the new refresh token was not saved (%s); the "
              "next refresh may need `edgetoken login`\n", et_posix_detail(&s->c.px));
    else if (e == ET_E_NOSPACE)
      fprintf(stderr, "edgetoken: warning: the new refresh token is %zu bytes, longer than "
              "the %u the store takes: not saved, the old one is kept\n",
              s->t.refresh_token.n, (unsigned)CLI_REFRESH_TOKEN_MAX);
  } else if (e == ET_E_INPUT) {
    fprintf(stderr, "edgetoken: the stored sign-in in %s is damaged (not a refresh token)\n"
            "  what to do: run `edgetoken login`\n", s->sdir);
    rc = CLI_EXIT_SIGNIN;
  } else if (e == ET_E_STORE) {
    /* The store refused before anything was sent: say why. */
    rc = cli_report_port_error(e, &s->c.px);
  } else {
    rc = report(s, e, "refresh");
  }
  close_session(s);
  return rc;
}

/* Remove everything of a sign-in: the refresh token, the pending
 * authorize-url state, the remembered scope and the cached access tokens,
 * each of the first three under its key's lock (which also removes any
 * temp file a dead writer left). The empty lock files stay: deleting one
 * another process waits on would let two hold "the" lock. */
int cli_cmd_logout(const cli_opts *o) {
  session *s = &g_s;
  char scope_key[CLI_STORE_KEY_SIZE];
  const char *keys[3];
  int rc = open_session(s, o, "logout", true);
  if (rc != CLI_EXIT_OK)
    return rc;
  keys[0] = s->rt_key;
  keys[1] = s->pending_key;
  /* The scope `refresh`, `get` and `call` remember for this sign-in. */
  keys[2] = cli_store_key(&s->c.port, o, CLI_KEY_SCOPE, scope_key) ? scope_key : NULL;
  for (size_t i = 0; i < 3 && keys[i] != NULL && rc == CLI_EXIT_OK; i++) {
    int lock;
    size_t n = 0;
    et_err e = et_posix_store_lock(&s->c.px, keys[i], CLI_LOCK_MS(&s->c), &lock);
    if (e == ET_OK) {
      e = s->c.port.store(s->c.port.ctx, ET_STORE_DELETE, keys[i], NULL, 0, &n);
      et_posix_store_unlock(lock);
    }
    if (e != ET_OK)
      rc = cli_report_port_error(e, &s->c.px);
  }
  /* And the access tokens `get` and `call` cached for it. */
  if (rc == CLI_EXIT_OK && !cli_forget_access_tokens(&s->c, o, s->sdir))
    rc = cli_report_port_error(ET_E_STORE, &s->c.px);
  if (rc == CLI_EXIT_OK)
    fprintf(stderr, "edgetoken: signed out: nothing of this sign-in is left in %s\n", s->sdir);
  close_session(s);
  return rc;
}
