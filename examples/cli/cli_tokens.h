/* SPDX-License-Identifier: MIT */
/* edgetoken get and call: access tokens through core's cache (et_cache),
 * kept across runs in the store directory (one 0600 file per key, replaced
 * atomically), refreshed ahead of expiry. */
#ifndef EDGETOKEN_CLI_TOKENS_H
#define EDGETOKEN_CLI_TOKENS_H

#include "cli.h"

typedef struct cli_tokens {
  cli_client *c;
  const cli_opts *o;
  et_work *w;
  char dir[1024];
  const char *sdir;       /* NULL: no store, nothing kept across runs */
  bool signin;            /* a stored sign-in (refresh token), else the app's own */
  et_endpoint ep;
  char target[600];       /* scope or resource */
  char rt_key[CLI_STORE_KEY_SIZE];
  char at_key[CLI_STORE_KEY_SIZE];
  et_cache_key key;
  bool fetched;           /* the last get asked Entra ID */
  bool stale;             /* ...which failed; the cached token was served on */
  et_result res;
} cli_tokens;

/* Open the port (c) and choose the flow: the stored sign-in when there is
 * one (its remembered scope unless --scope), else client credentials.
 * CLI_EXIT_OK or an exit code after printing why (c is then closed). */
int cli_tokens_open(cli_tokens *t, cli_client *c, const cli_opts *o, et_work *w);

/* A valid token into *out (spans into the cache): cached, or fetched and
 * cached (renew: fetched whatever the cache holds). ET_OK or the error
 * (t->res has the details). */
et_err cli_tokens_get(cli_tokens *t, bool renew, et_cached *out);

/* et_token_source_fn over a cli_tokens (ctx), for et_adme_call. */
et_err cli_tokens_source(void *ctx, bool renew, et_str *token, et_result *res);

/* Print a failure of cli_tokens_get in words; the exit code. */
int cli_tokens_report(const cli_tokens *t, et_err e);

#endif
