/* edgetoken device-login: the device code flow. The person signs in on
 * another device; this one prints the access token and keeps the refresh
 * token in the store directory. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgetoken/et_posix.h"

/* Ctrl-C: the shell convention for "ended by SIGINT". */
#define CLI_EXIT_CANCELLED 130
#define KEY_HASH_BYTES 16

/* --store-dir, else $EDGETOKEN_STORE_DIR, else $XDG_STATE_HOME/edgetoken,
 * else ~/.local/state/edgetoken; NULL when none can be named. */
static const char *store_dir(const cli_opts *o, char *buf, size_t cap) {
  const char *env = getenv("EDGETOKEN_STORE_DIR"), *base;
  int n;
  if (o->store_dir)
    return o->store_dir;
  if (env && env[0])
    return env;
  if ((base = getenv("XDG_STATE_HOME")) != NULL && base[0] == '/')
    n = snprintf(buf, cap, "%s/edgetoken", base);
  else if ((base = getenv("HOME")) != NULL && base[0] == '/')
    n = snprintf(buf, cap, "%s/.local/state/edgetoken", base);
  else
    return NULL;
  return n > 0 && (size_t)n < cap ? buf : NULL;
}

/* The key edgetoken login/refresh use (cli_login.c): "rt-" + hex of the
 * first 16 bytes of SHA-256("<authority>\n<tenant>\n<client-id>"), so a
 * device-login token is the one a later "edgetoken refresh" finds. */
static bool store_key(const et_port *port, const cli_opts *o, char *key, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  char id[1024];
  uint8_t d[32];
  int n = snprintf(id, sizeof id, "%s\n%s\n%s",
                   o->authority ? o->authority : ET_DEFAULT_AUTHORITY, o->tenant, o->client_id);
  if (n <= 0 || (size_t)n >= sizeof id || cap < 4 + 2 * KEY_HASH_BYTES ||
      port->sha256 == NULL || port->sha256(port->ctx, (const uint8_t *)id, (size_t)n, d) != ET_OK)
    return false;
  memcpy(key, "rt-", 3);
  for (size_t i = 0; i < KEY_HASH_BYTES; i++) {
    key[3 + 2 * i] = hex[d[i] >> 4];
    key[4 + 2 * i] = hex[d[i] & 15];
  }
  key[3 + 2 * KEY_HASH_BYTES] = '\0';
  return true;
}

static void prompt(void *ctx, const et_device_code *dc) {
  (void)ctx;
  if (dc->message.n)
    fprintf(stderr, "%.*s\n", (int)dc->message.n, dc->message.p);
  else
    fprintf(stderr, "To sign in, open %.*s and enter the code %.*s\n",
            (int)dc->verification_uri.n, dc->verification_uri.p, (int)dc->user_code.n,
            dc->user_code.p);
  fflush(stderr);
}

/* The default v2.0 scope: the app's own API plus a refresh token and the
 * user's identity. */
static bool default_scope(const cli_opts *o, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "%s/.default openid profile offline_access", o->client_id);
  return n > 0 && (size_t)n < cap;
}

static int report(et_err e, const et_work *w, const et_oauth_error *err, et_posix *px) {
  switch (e) {
  case ET_E_CANCELLED:
    fputs("edgetoken: cancelled\n", stderr);
    return CLI_EXIT_CANCELLED;
  case ET_E_DECLINED:
  case ET_E_EXPIRED:
    fprintf(stderr, "edgetoken: %s\n", w->why ? w->why : et_strerror(e));
    if (err->error.n)
      (void)cli_report_error(ET_E_OAUTH, w, err, NULL);
    return CLI_EXIT_OAUTH;
  case ET_E_OAUTH:
    if (err->n_error_codes && err->error_codes[0] == 7000218)
      fputs("edgetoken: this app is confidential: allow public client flows in its\n"
            "  registration (Authentication), or give its secret\n", stderr);
    return cli_report_error(e, w, err, NULL);
  default:
    return cli_report_error(e, w, err, cli_transport_error(e) ? et_posix_detail(px) : NULL);
  }
}

int cli_cmd_device_login(const cli_opts *o) {
  static uint8_t buf[CLI_WORK_BUF_SIZE];
  static jsmntok_t tok[CLI_JSON_TOKENS];
  static char secret[1024];
  static char code[ET_DEVICE_CODE_BUF_SIZE];
  char target[512], dir[1024], key[4 + 2 * KEY_HASH_BYTES];
  et_posix px;
  et_posix_config pc;
  et_port port;
  et_app app;
  et_device_login_cfg cfg;
  et_work w = { buf, sizeof buf, tok, CLI_JSON_TOKENS, NULL, 0 };
  et_token t;
  et_oauth_error err;
  const char *sdir;
  long slen = 0;
  et_err e;
  int rc;

  memset(&err, 0, sizeof err);
  if (!o->tenant || !o->client_id) {
    fputs("edgetoken: device-login needs --tenant and --client-id\n", stderr);
    return CLI_EXIT_USAGE;
  }
  memset(&cfg, 0, sizeof cfg);
  cfg.ep = o->endpoint;
  if (o->endpoint == ET_ENDPOINT_V1) {
    cfg.scope_or_resource = et_str_from_cstr(o->resource ? o->resource : o->client_id);
  } else if (o->scope) {
    cfg.scope_or_resource = et_str_from_cstr(o->scope);
  } else if (default_scope(o, target, sizeof target)) {
    cfg.scope_or_resource = et_str_from_cstr(target);
  } else {
    fputs("edgetoken: --client-id is too long\n", stderr);
    return CLI_EXIT_USAGE;
  }
  /* A public client sends no secret; a confidential one may give it. */
  if (o->secret_file || getenv("EDGETOKEN_CLIENT_SECRET")) {
    slen = cli_read_secret(o, secret, sizeof secret);
    if (slen < 0)
      return CLI_EXIT_USAGE;
  }
  sdir = store_dir(o, dir, sizeof dir);

  memset(&pc, 0, sizeof pc);
  pc.ca_file = o->ca_file;
  pc.log_level = o->verbose ? ET_LOG_DEBUG : ET_LOG_WARN;
  pc.cancel = &g_cli_cancel;
  pc.store_dir = sdir;
  e = et_posix_init(&px, &pc, &port);
  if (e != ET_OK) {
    et_wipe(secret, sizeof secret);
    return cli_report_error(e, &w, &err, et_posix_detail(&px));
  }

  memset(&app, 0, sizeof app);
  app.authority = et_str_from_cstr(o->authority);
  app.tenant = et_str_from_cstr(o->tenant);
  app.client_id = et_str_from_cstr(o->client_id);
  app.cred.kind = slen > 0 ? ET_CRED_SECRET : ET_CRED_NONE;
  app.cred.secret = (et_str){ secret, (size_t)slen };
  app.timeout_ms = o->timeout_s * 1000u;
  cfg.prompt = prompt;
  cfg.code_buf = code;
  cfg.code_cap = sizeof code;
  if (!store_key(&port, o, key, sizeof key)) {
    et_posix_free(&px);
    et_wipe(secret, sizeof secret);
    fputs("edgetoken: cannot name the store key (arguments too long?)\n", stderr);
    return CLI_EXIT_USAGE;
  }
  cfg.store_key = key;

  e = et_device_login(&port, &app, &cfg, &w, &t, &err);
  et_wipe(secret, sizeof secret);
  if (e == ET_OK || e == ET_E_STORE) {
    et_token shown = t;
    /* Kept in the store: not echoed to stdout as well. */
    if (e == ET_OK && port.store != NULL)
      shown.refresh_token = ET_STR_NULL;
    cli_print_token(&shown, o->json);
    if (e == ET_E_STORE)
      fprintf(stderr, "edgetoken: warning: the refresh token was not saved: %s\n",
              et_posix_detail(&px)[0] ? et_posix_detail(&px) : w.why);
    else if (t.refresh_token.n && sdir)
      fprintf(stderr, "edgetoken: refresh token saved to %s/%s\n", sdir, key);
    else if (t.refresh_token.n)
      fputs("edgetoken: no store directory (set EDGETOKEN_STORE_DIR): refresh token "
            "not saved\n", stderr);
    rc = CLI_EXIT_OK;
  } else {
    rc = report(e, &w, &err, &px);
  }
  et_wipe(buf, sizeof buf);
  et_posix_free(&px);
  return rc;
}
