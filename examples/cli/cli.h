/* SPDX-License-Identifier: MIT */
/* edgetoken CLI: shared declarations between its files. */
#ifndef EDGETOKEN_CLI_H
#define EDGETOKEN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"

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
  CLI_EXIT_SIGNIN = 8,    /* sign in again: no or dead refresh token, expired
                             code, state mismatch, no answer from the browser */
  CLI_EXIT_GAVE_UP = 9,   /* transient failures on every attempt (5xx, lost
                             or timed-out connections): gave up */
  CLI_EXIT_CANCELLED = 130 /* Ctrl-C: the shell's convention for SIGINT */
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
  const char *certificate; /* client certificate (PEM or DER) */
  const char *private_key; /* its private key file (path only) */
  const char *assertion_alg; /* PS256 (default for RSA), RS256, ES256 */
  const char *store_dir;   /* where refresh tokens and sign-in state go */
  const char *redirect_uri;/* login, authorize-url: default http://localhost:8080 */
  const char *redirect;    /* redeem: the pasted redirect URL, or "-" (stdin) */
  const char *code;        /* redeem: the bare code, or "-" (stdin) */
  const char *login_hint;  /* login, authorize-url */
  const char *prompt;      /* login, authorize-url: login, consent, select_account */
  unsigned wait_s;         /* login: seconds to wait for the browser */
  bool no_browser;         /* login: print the URL only */
  enum { CLI_QR_AUTO, CLI_QR_ON, CLI_QR_OFF } qr; /* device-login: the URI as a
                              QR code; AUTO: when stderr is a terminal */
  /* Other providers (cli_provider.c): OIDC discovery, or explicit URLs
   * that override the discovered ones; --tenant fills in Entra's layout
   * when none is given. */
  const char *issuer;
  const char *token_endpoint;
  const char *authorize_endpoint;
  const char *device_endpoint;
  const char *client_auth;   /* post, basic, jwt; default: from discovery */
  const char *assertion_aud; /* token (default) or issuer */
  /* get, call (cli_get.c, cli_call.c) */
  bool force_refresh;      /* get, call: ignore the cached access token */
  const char *url;         /* call: https://<instance>.energy.azure.com */
  const char *partition;   /* call: data-partition-id */
  const char *data;        /* call: JSON body, @file or - (stdin) */
  const char *method;      /* call: GET, POST... */
  const char *path;        /* call: /api/... */
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
int cli_cmd_logout(const cli_opts *o);          /* cli_login.c */
int cli_cmd_get(const cli_opts *o);            /* cli_get.c */
int cli_cmd_call(const cli_opts *o);           /* cli_call.c */

/* Parse argv; on error prints a message to stderr and returns false. */
bool cli_parse_args(int argc, char **argv, cli_opts *o);
void cli_usage(FILE *f);

/* Read the client secret from EDGETOKEN_CLIENT_SECRET or the file, into
 * buf. Returns its length, or -1 after printing why. */
long cli_read_secret(const cli_opts *o, char *buf, size_t cap);
/* main(), first thing: copy EDGETOKEN_CLIENT_SECRET out of the environment,
 * wipe it there and unsetenv it, so no child (the browser) inherits it. */
void cli_take_env_secret(void);
bool cli_have_env_secret(void);
void cli_wipe_env_secret(void);

/* cli_client.c: what every command talking to Entra ID sets up. */
typedef struct cli_client {
  et_posix px;
  et_port port;
  et_app app;
  /* One kept connection for the whole run: a refresh and the requests
   * after it, the device code request and all its polls, share it. */
  et_link link;
  char secret[1024];
  /* The discovery document (cached or fetched); c->app's endpoints point
   * into it or into argv. */
  char doc[16 * 1024];
  et_provider provider;
  uint64_t start_ms;        /* cli_client_open: where --timeout began */
} cli_client;

/* Open the POSIX port (store_dir NULL: no store) and fill c->app with the
 * options and the app's credential: --certificate/--private-key
 * [--assertion-alg] (a client assertion, in every grant that takes a
 * credential), else the client secret (cli_read_secret). need_cred: the
 * command cannot go without one (token); otherwise a secret is read only
 * when one is given, and a public client sends none.
 * CLI_EXIT_OK, or an exit code after printing why (nothing to close). */
int cli_client_open(cli_client *c, const cli_opts *o, const char *store_dir, bool need_cred);
/* The command's last flow that may send the client secret is over (its
 * retries included): wipe the secret now, before the token is printed,
 * stored or used, instead of at close. A later flow goes without it. */
void cli_client_forget_secret(cli_client *c);

/* Close the kept connection, wipe the secret and free the port. */
void cli_client_close(cli_client *c);
/* What is left of --timeout (ms, at least 1): for a lock wait and the call
 * after it, so that together they never outlive it. */
uint32_t cli_time_left(const cli_client *c);
void cli_time_restart(cli_client *c);

/* cli_provider.c: any OAuth 2.0 / OIDC provider. */

/* True when the options name a provider other than Entra's layout
 * (--issuer or --token-endpoint): --tenant is then not needed. */
bool cli_has_provider(const cli_opts *o);
/* The user commands' default scope at such a provider. */
#define CLI_OIDC_DEFAULT_SCOPE "openid profile offline_access"
/* After the credential is loaded: discovery (cached next to the store,
 * 0600, for a day), explicit endpoints, the client authentication method,
 * and a plain refusal of what the provider does not support for o->command.
 * CLI_EXIT_OK, or an exit code after printing why. */
int cli_provider_apply(cli_client *c, const cli_opts *o);
/* ES256 is for providers whose discovery lists it (cli_provider_apply
 * checks); Entra refuses it. */
bool cli_es256_allowed(const cli_opts *o);

/* cli_store.c: where the sign-in commands keep their state. */

/* --store-dir, else $EDGETOKEN_STORE_DIR, else $XDG_STATE_HOME/edgetoken,
 * else ~/.local/state/edgetoken (in buf); NULL when none can be named. */
const char *cli_store_dir(const cli_opts *o, char *buf, size_t cap);

/* Store keys: "<prefix><h>" with prefix CLI_KEY_REFRESH (the refresh
 * token) or CLI_KEY_PENDING (state, PKCE verifier and redirect URI between
 * authorize-url and redeem); <h> is the first CLI_KEY_HASH_BYTES bytes, in
 * hex, of SHA-256("<authority>\n<tenant>\n<client-id>"), so apps and
 * tenants do not overwrite each other's tokens, and login, device-login
 * and refresh agree on the key. */
#define CLI_KEY_REFRESH "rt-"
#define CLI_KEY_SCOPE "sc-"    /* the stored sign-in's endpoint and scope */
#define CLI_KEY_PENDING "pending-"
#define CLI_KEY_HASH_BYTES 16
#define CLI_STORE_KEY_SIZE (sizeof CLI_KEY_PENDING + 2 * CLI_KEY_HASH_BYTES)

/* The key for prefix (one of the above) into key; false when hashing
 * fails or the options are too long to hash. */
bool cli_store_key(const et_port *port, const cli_opts *o, const char *prefix,
                   char key[CLI_STORE_KEY_SIZE]);

/* How long refresh, login, redeem and device-login wait for another
 * edgetoken's lock on the refresh token (et_posix_store_lock): --timeout. */
#define CLI_LOCK_MS(c) cli_time_left(c)

/* Save rt under key, holding the key's lock so that it does not land in
 * the middle of another process's refresh (which would then overwrite it
 * with the older sign-in's rotated token). ET_OK or the lock's or the
 * store's error (detail: et_posix_detail). */
et_err cli_save_refresh(cli_client *c, const cli_opts *o, const char *key, et_str rt);

/* The endpoint and scope (or resource) of the sign-in stored under the
 * options' key into scope (C string); false when none was remembered.
 * Saved by cli_save_refresh: refresh, get and call use it when no --scope
 * is given, so a sign-in with a custom scope refreshes with that scope. */
bool cli_signin_scope(cli_client *c, const cli_opts *o, et_endpoint *ep, char *scope,
                      size_t cap);

/* Print the token (plain or --json) to stdout. */
/* CLI_EXIT_OK, or CLI_EXIT_RESPONSE (nothing printed) when the access
 * token is not an RFC 6750 b64token. */
int cli_print_token(const et_token *t, bool json);
/* s on f, control bytes shown as '?' (server text on a terminal). */
void cli_put_text(FILE *f, et_str s);

/* True when Entra's answer lists AADSTS code. */
bool cli_has_code(const et_oauth_error *err, uint32_t code);

/* Print a failure to stderr in words and map it to an exit code: e, with
 * what res (may be NULL) holds about it: the reason, the port's detail,
 * the OAuth error, the HTTP status and Retry-After. */
int cli_report_error(et_err e, const et_result *res);
/* cli_report_error for a port call outside the flows (store, lock): the
 * port's detail is all there is to say. */
int cli_report_port_error(et_err e, const et_posix *px);

/* cli_qr.c: the verification URI as a QR code (byte mode). Versions 1..6
 * hold 134 bytes at level L, 106 at M. */
#define CLI_QR_MAX_VERSION 6
#define CLI_QR_MAX_SIZE (17 + 4 * CLI_QR_MAX_VERSION)
typedef enum { CLI_QR_ECC_L, CLI_QR_ECC_M } cli_qr_ecc;
typedef struct cli_qr {
  int version, size; /* size: 17 + 4 * version modules a side */
  cli_qr_ecc ecc;
  int mask;          /* 0..7 */
  unsigned char dark[CLI_QR_MAX_SIZE][CLI_QR_MAX_SIZE]; /* [y][x]: 1 dark */
} cli_qr;

/* text (n bytes) at the smallest version that holds it at level ecc, with
 * mask 0..7, or -1: the mask of lowest penalty. False when too long. */
bool cli_qr_encode(cli_qr *qr, const char *text, size_t n, cli_qr_ecc ecc, int mask);
/* The standard mask penalty (N1..N4) of the symbol as it is. */
int cli_qr_penalty(const cli_qr *qr);
/* Half blocks, light modules drawn (qrencode -t UTF8), quiet zone 4. */
void cli_qr_print(FILE *f, const cli_qr *qr);

#endif
