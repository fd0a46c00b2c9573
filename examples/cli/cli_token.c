/* SPDX-License-Identifier: MIT */
/* edgetoken token: the client credentials grant. */
#include <string.h>

#include "cli.h"

int cli_cmd_token(const cli_opts *o) {
  static uint8_t buf[CLI_WORK_BUF_SIZE];
  static jsmntok_t tok[CLI_JSON_TOKENS];
  static char target[512];
  static cli_client c;
  et_work w = { buf, sizeof buf, tok, CLI_JSON_TOKENS, NULL };
  et_token t;
  et_result res;
  et_str what;
  et_err e;
  int rc;

  if ((!o->tenant && !cli_has_provider(o)) || !o->client_id) {
    fputs("edgetoken: token needs --client-id and --tenant (or --issuer, --token-endpoint)\n",
          stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_has_provider(o) && !o->scope) {
    fputs("edgetoken: token needs --scope at a provider other than Entra ID\n", stderr);
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

  rc = cli_client_open(&c, o, NULL, true);
  if (rc != CLI_EXIT_OK)
    return rc;
  w.link = &c.link;
  e = et_client_credentials(&c.port, &c.app, o->endpoint, what, &w, &t, &res);
  cli_client_forget_secret(&c);
  if (e == ET_OK) {
    rc = cli_print_token(&t, o->json);
  } else {
    rc = cli_report_error(e, &res);
  }
  et_wipe(buf, sizeof buf);
  cli_client_close(&c);
  return rc;
}
