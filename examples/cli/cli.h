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
  CLI_EXIT_PROXY = 10,    /* the HTTP proxy refused: credentials (407) or the
                             tunnel (403...); an unreachable proxy is 4, a
                             malformed proxy answer 6 */
  CLI_EXIT_CANCELLED = 130 /* Ctrl-C: the shell's convention for SIGINT */
};

/* The CLI's workspace: generous for a desktop, still static. Devices size
 * theirs with CONFIG_ET_WORK_BUF_SIZE. */
#define CLI_WORK_BUF_SIZE (64 * 1024)
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
  const char *profile;     /* --profile or EDGETOKEN_PROFILE; NULL: default */
  const char *args[3];     /* the command's operands: call METHOD PATH, */
  unsigned nargs;          /* config set KEY VALUE, help COMMAND */
  et_endpoint endpoint;
  /* HTTP proxy (cli_proxy.c): --proxy URL (no credentials on argv),
   * --no-proxy (ignore https_proxy), --proxy-credentials-file F */
  const char *proxy;
  bool no_proxy;
  const char *proxy_credentials_file;
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

int cli_cmd_config(const cli_opts *o);         /* cli_profile.c */

/* cli_args.c: the option table, the one source of --help, the man page and
 * the shell completions (`edgetoken --dump-options`, tools/cli-docs.py). */

/* The commands, in the order of their CLI_FOR_* bits. */
enum {
  CLI_FOR_TOKEN = 1, CLI_FOR_LOGIN = 2, CLI_FOR_AUTHORIZE_URL = 4, CLI_FOR_REDEEM = 8,
  CLI_FOR_REFRESH = 16, CLI_FOR_DEVICE_LOGIN = 32, CLI_FOR_LOGOUT = 64, CLI_FOR_GET = 128,
  CLI_FOR_CALL = 256, CLI_FOR_CONFIG = 512
};
#define CLI_FOR_NET 511u /* every command that talks to the provider */

enum {
  CLI_OPT_PROFILE = 1, /* may be set in a profile (never a secret) */
  CLI_OPT_STDIN = 2,   /* "-" reads it from stdin */
  CLI_OPT_LIST = 4,    /* space-separated choices (--prompt "login consent") */
  CLI_OPT_STDIN_COPY = 8 /* "-": stdin, through a temporary file (cli_stdin_file) */
};

typedef struct cli_option {
  const char *name;    /* long name without "--"; the profile key too */
  char short_name;     /* -x, or 0 */
  const char *arg;     /* the value's name in help (FILE, DIR, URL...); NULL: a flag */
  unsigned commands;   /* CLI_FOR_* bits of the commands it applies to */
  unsigned flags;      /* CLI_OPT_* */
  const char *choices; /* the values it takes, space-separated; NULL: any */
  size_t field;        /* offsetof(cli_opts, ...); CLI_FIELD_NONE: read by name */
  const char *help;    /* lines split by \n; NULL: on the previous option's line */
} cli_option;
#define CLI_FIELD_NONE ((size_t)-1)

extern const cli_option cli_options[];
extern const size_t cli_n_options;

/* The option named name (len bytes, no "--"), or NULL. */
const cli_option *cli_option_named(const char *name, size_t len);
/* The closest long option name to name (len bytes) within a small edit
 * distance, or NULL: for "did you mean --tenant?". */
const char *cli_option_suggest(const char *name, size_t len);
/* value against opt's choices; false after printing why (where: "--prompt"
 * or "config:3: prompt"). */
bool cli_option_value_ok(const cli_option *opt, const char *value, const char *where);

/* Parse argv (options, profile, checks) into o; on error prints a message
 * to stderr and returns false (exit CLI_EXIT_USAGE). */
bool cli_parse_args(int argc, char **argv, cli_opts *o);
/* --help: every command (command NULL or unknown), or one command's usage
 * and its options only. */
void cli_usage(FILE *f, const char *command);
/* --help, -h, help [COMMAND]; --version, -V, version; --dump-options:
 * printed, and the exit code; -1 for anything else. */
int cli_early(int argc, char **argv);
/* The hidden --dump-options: the tables as tab-separated lines. */
void cli_dump_options(FILE *f);

/* cli_stdin.c: stdin copied to a private temporary file (removed at exit)
 * for an option loaded by path (--ca-file -); its path, or NULL after
 * printing why. Public data only: never for a key. */
const char *cli_stdin_file(const char *option);

/* cli_profile.c: profiles in $XDG_CONFIG_HOME/edgetoken/config (default
 * ~/.config/edgetoken/config): INI sections [default], [profile NAME] or
 * [NAME], keys named like the long options that take a value and may be
 * kept in a profile (CLI_OPT_PROFILE: never a secret, only *-file paths). */

/* The config file's path into buf; false when no HOME names one. */
bool cli_config_path(char *buf, size_t cap);
/* Called for each key of the selected profile; false stops with usage error. */
typedef bool (*cli_profile_fn)(void *ctx, const cli_option *opt, const char *value);
/* Read the config file and hand profile name's values to fn (they live
 * until exit). named: the user chose the profile (--profile or
 * EDGETOKEN_PROFILE), so a missing one is an error; the default profile
 * and the file itself may be missing. CLI_EXIT_OK or CLI_EXIT_USAGE after
 * printing why (path:line for a bad file). */
int cli_profile_load(const char *name, bool named, cli_profile_fn fn, void *ctx);

/* Read the client secret from EDGETOKEN_CLIENT_SECRET or the file, into
 * buf. Returns its length, or -1 after printing why. */
long cli_read_secret(const cli_opts *o, char *buf, size_t cap);
/* main(), first thing: copy EDGETOKEN_CLIENT_SECRET out of the environment,
 * wipe it there and unsetenv it, so no child (the browser) inherits it. */
void cli_take_env_secret(void);
bool cli_have_env_secret(void);
void cli_wipe_env_secret(void);

/* cli_proxy.c: the proxy of this run and its credentials (messages name
 * it as the port does, "proxy host:port", never with them). */
typedef struct cli_proxy {
  et_proxy_config cfg;      /* cfg.host NULL: direct connections */
  char host[ET_PORT_HOST_MAX];
  char user[256];
  char pass[256];
} cli_proxy;

/* From the options and the environment (README, Proxy): --no-proxy, else
 * --proxy, else https_proxy, else HTTPS_PROXY; no_proxy, else NO_PROXY;
 * credentials from --proxy-credentials-file (user:password, first line)
 * or the environment URL's userinfo (percent-decoded). Either proxy
 * variable holding a password is rewritten without it, used or not, so
 * no child inherits the password.
 * CLI_EXIT_OK, or CLI_EXIT_USAGE after printing why (p wiped). */
int cli_proxy_setup(cli_proxy *p, const cli_opts *o);

/* A secret from the first line of a file at path into buf: its length,
 * or -1 after printing why (buf wiped). */
long cli_read_file_secret(const char *path, char *buf, size_t cap);

/* cli_client.c: what every command talking to Entra ID sets up. */
typedef struct cli_client {
  et_posix px;
  et_port port;
  et_app app;
  /* One kept connection for the whole run: a refresh and the requests
   * after it, the device code request and all its polls, share it. */
  et_link link;
  char secret[1024];
  cli_proxy proxy;
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
/* The trust anchors cli_client_open chose ("CA file F (SSL_CERT_FILE)"),
 * "" before: verify errors name them (kept in cli_output.c, which prints
 * them; kind is "file" or "directory"). */
const char *cli_trust_source(void);
void cli_set_trust_source(const char *kind, const char *name, const char *from);
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
 * token), CLI_KEY_SCOPE (its endpoint and scope) or CLI_KEY_PENDING (state,
 * PKCE verifier and redirect URI between authorize-url and redeem); <h> is
 * the first CLI_KEY_HASH_BYTES bytes, in hex, of
 * SHA-256("<authority>\n<tenant>\n<client-id>"), so apps and tenants do not
 * overwrite each other's tokens, and login, device-login and refresh agree
 * on the key. The authority is normalised (scheme and host lower-cased,
 * default port and trailing slashes dropped) and so is the tenant (lower
 * case: domain names and GUIDs are case-insensitive), so that
 * `--authority https://Host:443/ --tenant Contoso` finds the sign-in made
 * with `--authority https://host --tenant contoso`. Keys of the options as
 * typed (before normalisation) are moved to the new key by
 * cli_store_migrate. */
#define CLI_KEY_REFRESH "rt-"
#define CLI_KEY_SCOPE "sc-"    /* the stored sign-in's endpoint and scope */
#define CLI_KEY_PENDING "pending-"
/* Access tokens cached by get and call: "at-<h>-<c>", <c> the first
 * CLI_KEY_ACCESS_HASH_BYTES of SHA-256 of the cache key (flow, endpoint,
 * scope), so logout finds every one of a sign-in by its <h>. */
#define CLI_KEY_ACCESS "at-"
#define CLI_KEY_HASH_BYTES 16
#define CLI_KEY_ACCESS_HASH_BYTES 8
#define CLI_STORE_KEY_SIZE \
  (sizeof CLI_KEY_ACCESS + 2 * CLI_KEY_HASH_BYTES + 1 + 2 * CLI_KEY_ACCESS_HASH_BYTES)

/* The key for prefix (one of the above) into key; false when hashing
 * fails or the options are too long to hash. */
bool cli_store_key(const et_port *port, const cli_opts *o, const char *prefix,
                   char key[CLI_STORE_KEY_SIZE]);
/* The "at-" key of the access token cached under cache_id (n bytes). */
bool cli_access_key(const et_port *port, const cli_opts *o, const char *cache_id, size_t n,
                    char key[CLI_STORE_KEY_SIZE]);

/* One limit for saving and loading a refresh token: cli_save_refresh
 * refuses a longer one (any stored one is kept), and every loader takes
 * this many bytes: et_refresh_stored's limit for the CLI's workspace, which
 * it also keeps for the rotated token. */
#define CLI_REFRESH_TOKEN_MAX ET_REFRESH_TOKEN_MAX(CLI_WORK_BUF_SIZE)

/* cli_client_open, with a store: move what is stored under the keys of
 * the options as typed (the scheme before normalisation) to the new keys,
 * under the refresh token's lock, when the new keys hold nothing yet. */
void cli_store_migrate(cli_client *c, const cli_opts *o);
/* logout: delete every access token get and call cached for this sign-in
 * (the "at-<h>-" files in dir). False when one could not be deleted. */
bool cli_forget_access_tokens(cli_client *c, const cli_opts *o, const char *dir);

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

/* cli_qr.c: the verification URI as a QR code (byte mode), encoded by
 * libqrencode at level M, or L when M would need more than
 * CLI_QR_MAX_VERSION (57 modules a side: 65 columns with the quiet zone,
 * for an 80-column terminal; 213 bytes at M, 271 at L). */
#define CLI_QR_MAX_VERSION 10
#define CLI_QR_MAX_TEXT 271
typedef struct cli_qr {
  int size;      /* modules a side: 17 + 4 * version */
  int version;
  bool level_l;  /* level L (else M) */
  void *code;    /* libqrencode's QRcode (owned) */
} cli_qr;

/* Encode text (n bytes) into qr; false when it is empty, too long or
 * memory ran out (qr then needs no cli_qr_free). */
bool cli_qr_encode(cli_qr *qr, const char *text, size_t n);
/* The module at (x, y): true when dark; outside the symbol: light. */
bool cli_qr_dark(const cli_qr *qr, int x, int y);
/* Half blocks, light modules drawn (qrencode -t UTF8), quiet zone 4. */
void cli_qr_print(FILE *f, const cli_qr *qr);
void cli_qr_free(cli_qr *qr);

#endif
