/* edgetoken token: the client credentials grant. */
#include <string.h>

#include "cli.h"
#include "edgetoken/et_posix.h"

bool cli_transport_error(et_err e) {
  return e == ET_E_DNS || e == ET_E_CONNECT || e == ET_E_TIMEOUT || e == ET_E_CLOSED ||
         e == ET_E_IO || e == ET_E_TLS || e == ET_E_TLS_VERIFY || e == ET_E_TLS_CONFIG;
}

/* --certificate/--private-key/--assertion-alg: both files or neither; the
 * key as a path, never its bytes (argv is visible to other users). */
static bool cert_args_ok(const cli_opts *o, et_sig_alg *alg, bool *has_alg) {
  *has_alg = o->assertion_alg != NULL;
  if (!o->certificate != !o->private_key) {
    fputs("edgetoken: --certificate and --private-key go together\n", stderr);
    return false;
  }
  if (o->private_key && strstr(o->private_key, "-----BEGIN")) {
    fputs("edgetoken: --private-key takes a file name, never the key itself\n", stderr);
    return false;
  }
  if (o->assertion_alg && !o->certificate) {
    fputs("edgetoken: --assertion-alg needs --certificate\n", stderr);
    return false;
  }
  if (!o->assertion_alg)
    return true;
  if (!strcmp(o->assertion_alg, "PS256")) *alg = ET_SIG_PS256;
  else if (!strcmp(o->assertion_alg, "RS256")) *alg = ET_SIG_RS256;
  else if (!strcmp(o->assertion_alg, "ES256")) *alg = ET_SIG_ES256;
  else {
    fprintf(stderr, "edgetoken: --assertion-alg must be PS256, RS256 or ES256, not '%s'\n",
            o->assertion_alg);
    return false;
  }
  return true;
}

int cli_cmd_token(const cli_opts *o) {
  static uint8_t buf[CLI_WORK_BUF_SIZE];
  static jsmntok_t tok[CLI_JSON_TOKENS];
  static char secret[1024];
  static char target[512];
  et_posix px;
  et_posix_config pc;
  et_port port;
  et_app app;
  et_work w = { buf, sizeof buf, tok, CLI_JSON_TOKENS, NULL, 0 };
  et_token t;
  et_oauth_error err;
  et_str what;
  et_sig_alg alg = ET_SIG_PS256;
  bool has_alg;
  long slen = 0;
  et_err e;
  int rc;

  if (!o->tenant || !o->client_id) {
    fputs("edgetoken: token needs --tenant and --client-id\n", stderr);
    return CLI_EXIT_USAGE;
  }
  /* Microsoft's defaults for a service principal calling its own API. */
  if (o->endpoint == ET_ENDPOINT_V1) {
    what = et_str_from_cstr(o->resource ? o->resource : o->client_id);
  } else if (o->scope) {
    what = et_str_from_cstr(o->scope);
  } else {
    size_t n = strlen(o->client_id);
    if (n + sizeof "/.default" > sizeof target) {
      fputs("edgetoken: --client-id is too long\n", stderr);
      return CLI_EXIT_USAGE;
    }
    memcpy(target, o->client_id, n);
    memcpy(target + n, "/.default", sizeof "/.default");
    what = et_str_from_cstr(target);
  }

  if (!cert_args_ok(o, &alg, &has_alg))
    return CLI_EXIT_USAGE;
  if (!o->certificate) {
    slen = cli_read_secret(o, secret, sizeof secret);
    if (slen < 0)
      return CLI_EXIT_USAGE;
  }

  memset(&pc, 0, sizeof pc);
  pc.ca_file = o->ca_file;
  pc.log_level = o->verbose ? ET_LOG_DEBUG : ET_LOG_WARN;
  pc.cancel = &g_cli_cancel;
  pc.cert_file = o->certificate;
  pc.key_file = o->private_key;
  e = et_posix_init(&px, &pc, &port);
  if (e != ET_OK) {
    et_wipe(secret, sizeof secret);
    if (o->certificate && (e == ET_E_IO || e == ET_E_CRYPTO || e == ET_E_ARG)) {
      fprintf(stderr, "edgetoken: %s\n", et_posix_detail(&px));
      return CLI_EXIT_USAGE;
    }
    return cli_report_error(e, &w, &err, et_posix_detail(&px));
  }

  memset(&app, 0, sizeof app);
  app.authority = et_str_from_cstr(o->authority);
  app.tenant = et_str_from_cstr(o->tenant);
  app.client_id = et_str_from_cstr(o->client_id);
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = (et_str){ secret, (size_t)slen };
  if (o->certificate) {
    e = et_posix_cert_cred(&px, has_alg ? &alg : NULL, &app.cred);
    if (e != ET_OK) {
      fprintf(stderr, "edgetoken: the key in '%s' cannot sign %s\n", o->private_key,
              o->assertion_alg ? o->assertion_alg : "PS256 or ES256");
      et_posix_free(&px);
      return CLI_EXIT_USAGE;
    }
  }
  app.timeout_ms = o->timeout_s * 1000u;

  e = et_client_credentials(&port, &app, o->endpoint, what, &w, &t, &err);
  et_wipe(secret, sizeof secret);
  if (e == ET_OK) {
    cli_print_token(&t, o->json);
    rc = CLI_EXIT_OK;
  } else {
    rc = cli_report_error(e, &w, &err, cli_transport_error(e) ? et_posix_detail(&px) : NULL);
  }
  et_wipe(buf, sizeof buf);
  et_posix_free(&px);
  return rc;
}

