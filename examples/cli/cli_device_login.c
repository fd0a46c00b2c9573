/* SPDX-License-Identifier: MIT */
/* edgetoken device-login: the device code flow. The person signs in on
 * another device; this one prints the access token and keeps the refresh
 * token in the store directory. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The address as a QR code, for a phone; --qr says why one is missing. */
static void show_qr(et_str uri, bool asked) {
  cli_qr qr;
  if (cli_qr_encode(&qr, uri.p, uri.n)) {
    cli_qr_print(stderr, &qr);
    cli_qr_free(&qr);
  } else if (asked)
    fputs("edgetoken: the address is too long for a QR code\n", stderr);
}

/* ctx: the options (their --qr/--no-qr). */
static void prompt(void *ctx, const et_device_code *dc) {
  const cli_opts *o = ctx;
  if (dc->message.n) {
    cli_put_text(stderr, dc->message);
  } else {
    fputs("To sign in, open ", stderr);
    cli_put_text(stderr, dc->verification_uri);
    fputs(" and enter the code ", stderr);
    cli_put_text(stderr, dc->user_code);
  }
  fputc('\n', stderr);
  if (o->qr == CLI_QR_ON || (o->qr == CLI_QR_AUTO && isatty(STDERR_FILENO)))
    show_qr(dc->verification_uri, o->qr == CLI_QR_ON);
  fflush(stderr);
}

static int report(et_err e, const et_result *res) {
  if (e == ET_E_DECLINED || e == ET_E_EXPIRED) {
    fprintf(stderr, "edgetoken: %s\n", res->why ? res->why : et_strerror(e));
    if (res->oauth.error.n)
      (void)cli_report_error(ET_E_OAUTH, res);
    return CLI_EXIT_OAUTH;
  }
  if (e == ET_E_OAUTH && cli_has_code(&res->oauth, 7000218))
    fputs("edgetoken: this app is confidential: allow public client flows in its\n"
          "  registration (Authentication), or give its secret or certificate\n", stderr);
  return cli_report_error(e, res);
}

int cli_cmd_device_login(const cli_opts *o) {
  static uint8_t buf[CLI_WORK_BUF_SIZE];
  static jsmntok_t tok[CLI_JSON_TOKENS];
  static char code[ET_DEVICE_CODE_BUF_SIZE];
  static cli_client c;
  char target[512], dir[1024], key[CLI_STORE_KEY_SIZE];
  et_device_login_cfg cfg;
  et_port no_store;
  et_work w = { buf, sizeof buf, tok, CLI_JSON_TOKENS, NULL };
  et_token t;
  et_result res;
  const char *sdir;
  et_err e;
  int rc;

  if ((!o->tenant && !cli_has_provider(o)) || !o->client_id) {
    fputs("edgetoken: device-login needs --client-id and --tenant (or --issuer, "
          "--device-endpoint with --token-endpoint)\n", stderr);
    return CLI_EXIT_USAGE;
  }
  memset(&cfg, 0, sizeof cfg);
  cfg.ep = o->endpoint;
  if (o->endpoint == ET_ENDPOINT_V1) {
    cfg.scope_or_resource = et_str_from_cstr(o->resource ? o->resource : o->client_id);
  } else if (o->scope) {
    cfg.scope_or_resource = et_str_from_cstr(o->scope);
  } else if (cli_has_provider(o)) {
    cfg.scope_or_resource = ET_STR(CLI_OIDC_DEFAULT_SCOPE);
  } else {
    /* The app's own API plus a refresh token and the user's identity. */
    et_buf sb;
    et_buf_init(&sb, target, sizeof target);
    if (et_signin_scope(&sb, et_str_from_cstr(o->client_id)) != ET_OK) {
      fputs("edgetoken: --client-id is too long\n", stderr);
      return CLI_EXIT_USAGE;
    }
    cfg.scope_or_resource = (et_str){ target, sb.len };
  }
  sdir = cli_store_dir(o, dir, sizeof dir);
  /* A public client sends no credential; a confidential one its secret or
   * certificate. */
  rc = cli_client_open(&c, o, sdir, false);
  if (rc != CLI_EXIT_OK)
    return rc;
  if (!cli_store_key(&c.port, o, CLI_KEY_REFRESH, key)) {
    cli_client_close(&c);
    fputs("edgetoken: cannot name the store key (arguments too long?)\n", stderr);
    return CLI_EXIT_USAGE;
  }
  cfg.prompt = prompt;
  cfg.prompt_ctx = (void *)o; /* read only */
  cfg.code_buf = code;
  cfg.code_cap = sizeof code;

  /* The flow runs without the store: the token is saved here, under the
   * key's lock (cli_save_refresh), not for the minutes the person takes. */
  no_store = c.port;
  no_store.store = NULL;
  w.link = &c.link; /* the code request and every poll on one connection */
  /* The polls wait for a person: the code's lifetime bounds them, and
   * --timeout each request (et_app.timeout_ms), not the whole command. */
  c.app.deadline_ms = 0;
  e = et_device_login(&no_store, &c.app, &cfg, &w, &t, &res);
  cli_client_forget_secret(&c);
  if (e == ET_OK) {
    et_token shown = t;
    et_err se;
    cli_time_restart(&c); /* the lock wait: --timeout from here */
    se = t.refresh_token.n && c.port.store ? cli_save_refresh(&c, o, key, t.refresh_token)
                                                  : ET_E_DISABLED;
    /* Kept in the store: not echoed to stdout as well. */
    if (se == ET_OK)
      shown.refresh_token = ET_STR_NULL;
    rc = cli_print_token(&shown, o->json);
    if (se != ET_OK && t.refresh_token.n && sdir)
      fprintf(stderr, "edgetoken: warning: the refresh token was not saved: %s: %s\n",
              et_strerror(se), et_posix_detail(&c.px));
    else if (t.refresh_token.n && sdir)
      fprintf(stderr, "edgetoken: refresh token saved to %s/%s\n", sdir, key);
    else if (t.refresh_token.n)
      fputs("edgetoken: no store directory (set EDGETOKEN_STORE_DIR): refresh token "
            "not saved\n", stderr);
  } else {
    rc = report(e, &res);
  }
  et_wipe(buf, sizeof buf);
  cli_client_close(&c);
  return rc;
}
