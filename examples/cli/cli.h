/* edgetoken CLI: shared declarations between its files. */
#ifndef EDGETOKEN_CLI_H
#define EDGETOKEN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "edgetoken/edgetoken.h"

/* Exit codes (documented in README.md and --help). */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_INTERNAL = 1,
  CLI_EXIT_USAGE = 2,
  CLI_EXIT_OAUTH = 3,     /* the authority refused: see AADSTS code */
  CLI_EXIT_NETWORK = 4,   /* DNS, connect, timeout, connection lost */
  CLI_EXIT_TLS = 5,       /* certificate rejected, handshake failed, CA file */
  CLI_EXIT_RESPONSE = 6,  /* unexpected HTTP status, malformed or too large */
  CLI_EXIT_THROTTLED = 7, /* asked to retry later */
  CLI_EXIT_SIGNIN = 8     /* sign in again: no or dead refresh token, expired
                             code, state mismatch, no answer from the browser */
};

/* The CLI's workspace: generous for a desktop, still static. Devices size
 * theirs with CONFIG_ET_WORK_BUF_SIZE. */
#define CLI_WORK_BUF_SIZE (16 * 1024)
#define CLI_JSON_TOKENS 128

typedef struct cli_opts {
  const char *command;
  const char *tenant;
  const char *client_id;
  const char *resource;
  const char *scope;
  const char *authority;
  const char *ca_file;
  const char *secret_file;
  const char *certificate; /* token: client certificate (PEM or DER) */
  const char *private_key; /* token: its private key file (path only) */
  const char *assertion_alg; /* token: PS256 (default for RSA), RS256, ES256 */
  const char *store_dir;   /* device-login: where the refresh token goes */
  const char *redirect_uri;/* login, authorize-url: default http://localhost:8080 */
  const char *redirect;    /* redeem: the pasted redirect URL, or "-" (stdin) */
  const char *code;        /* redeem: the bare code, or "-" (stdin) */
  const char *login_hint;  /* login, authorize-url */
  const char *prompt;      /* login, authorize-url: login, consent, select_account */
  unsigned wait_s;         /* login: seconds to wait for the browser */
  bool no_browser;         /* login: print the URL only */
  et_endpoint endpoint;
  unsigned timeout_s;
  bool json;
  bool verbose;
} cli_opts;

/* Set by SIGINT/SIGTERM; handed to the port as its cancel flag. */
extern volatile int g_cli_cancel;

/* Commands. */
int cli_cmd_token(const cli_opts *o);
int cli_cmd_device_login(const cli_opts *o);
int cli_cmd_login(const cli_opts *o);          /* cli_login.c */
int cli_cmd_authorize_url(const cli_opts *o);
int cli_cmd_redeem(const cli_opts *o);
int cli_cmd_refresh(const cli_opts *o);

/* True for errors whose detail the port knows (network, TLS). */
bool cli_transport_error(et_err e);

/* Parse argv; on error prints a message to stderr and returns false. */
bool cli_parse_args(int argc, char **argv, cli_opts *o);
void cli_usage(FILE *f);

/* Read the client secret from EDGETOKEN_CLIENT_SECRET or the file, into
 * buf. Returns its length, or -1 after printing why. */
long cli_read_secret(const cli_opts *o, char *buf, size_t cap);

/* Print the token (plain or --json) to stdout. */
void cli_print_token(const et_token *t, bool json);

/* Print a failure to stderr in words and map it to an exit code. */
int cli_report_error(et_err e, const et_work *w, const et_oauth_error *err,
                     const char *port_detail);

#endif
