/* SPDX-License-Identifier: MIT */
/* Command-line parsing for edgetoken, getopt_long's habits: --opt=value and
 * --opt value, -x short options, "--" ends the options, operands anywhere.
 * One table of options is the source of --help, the man page and the shell
 * completions (cli_dump_options -> tools/cli-docs.py), so they cannot
 * drift. Secrets are refused on argv: other users can read a process's
 * arguments. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The commands, in the order of their CLI_FOR_* bits. */
static const struct {
  const char *name;
  const char *usage; /* after "edgetoken NAME " */
  const char *help;  /* lines split by \n */
} commands[] = {
  { "token", "--tenant T --client-id C [options]",
    "an app's own token (client credentials)" },
  { "login", "--tenant T --client-id C [options]",
    "a user signs in with a browser (authorization code + PKCE)" },
  { "authorize-url", "--tenant T --client-id C [options]",
    "the browser sign-in in two steps: print the address to open" },
  { "redeem", "--tenant T --client-id C --redirect -|URL [options]",
    "the second step: the browser's final address in, the token out" },
  { "refresh", "--tenant T --client-id C [options]",
    "a new token from the stored refresh token, no browser" },
  { "device-login", "--tenant T --client-id C [options]",
    "a user signs a device in from another screen (device code)" },
  { "logout", "--tenant T --client-id C [options]",
    "remove the stored sign-in (refresh token, pending state)" },
  { "get", "--tenant T --client-id C [--scope S] [options]",
    "a valid token from the cache in the store directory,\n"
    "refreshed ahead of expiry (the stored sign-in if there is\n"
    "one, else the app's own); --force-refresh, --json" },
  { "call", "METHOD PATH --url URL --data-partition-id P\n"
            "--tenant T --client-id C [--scope S] [--data JSON|@F|-]",
    "an ADME (OSDU) API call with that token: the answer's body\n"
    "on stdout; exit 40..49 for HTTP 400..409 (49: other 4xx),\n"
    "50..59 for 500..509 (59: other 5xx)" },
  { "config", "set KEY VALUE | unset KEY | show [--profile NAME]",
    "set, remove or show a profile's settings (tenant, client-id,\n"
    "authority, scope, url, ...; never secrets) in the config file" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

#define STR(f) offsetof(cli_opts, f)
#define NONE CLI_FIELD_NONE
enum {
  TOKEN = CLI_FOR_TOKEN, LOGIN = CLI_FOR_LOGIN, AUTHZ = CLI_FOR_AUTHORIZE_URL,
  REDEEM = CLI_FOR_REDEEM, REFRESH = CLI_FOR_REFRESH, DEVICE = CLI_FOR_DEVICE_LOGIN,
  LOGOUT = CLI_FOR_LOGOUT, GET = CLI_FOR_GET, CALL = CLI_FOR_CALL, CONFIG = CLI_FOR_CONFIG,
  NET = CLI_FOR_NET, EVERY = CLI_FOR_NET | CLI_FOR_CONFIG,
  STORE = NET & ~TOKEN, /* commands with a store directory */
  P = CLI_OPT_PROFILE, IN = CLI_OPT_STDIN, IN_COPY = CLI_OPT_STDIN | CLI_OPT_STDIN_COPY
};

/* Options that belong to some commands only are refused elsewhere: they
 * would be silently ignored. */
const cli_option cli_options[] = {
  { "tenant", 0, "T", NET, P, NULL, STR(tenant), "tenant GUID or domain" },
  { "client-id", 0, "C", NET, P, NULL, STR(client_id), "application (client) id" },
  { "endpoint", 0, "V", TOKEN | DEVICE | GET | CALL, P, "v1 v2 v2.0", NONE,
    "token endpoint version (default v2)" },
  { "scope", 0, "S", NET, P, NULL, STR(scope),
    "v2 scope (token: <client-id>/.default; user\n"
    "commands: that + openid profile offline_access)" },
  { "resource", 0, "R", TOKEN | DEVICE | GET | CALL, P, NULL, STR(resource),
    "v1 resource (default <client-id>)" },
  { "authority", 0, "URL", NET, P, NULL, STR(authority),
    "default https://login.microsoftonline.com" },
  { "issuer", 0, "URL", NET, P, NULL, STR(issuer),
    "any OpenID Connect provider: its endpoints and\n"
    "methods from URL/.well-known/openid-configuration\n"
    "(cached for a day in the store directory); no --tenant" },
  { "token-endpoint", 0, "URL", NET, P, NULL, STR(token_endpoint),
    "a provider's token endpoint given explicitly\n"
    "(overrides discovery); default: Entra's layout under --tenant" },
  { "authorize-endpoint", 0, "URL", LOGIN | AUTHZ, P, NULL, STR(authorize_endpoint),
    "its authorization endpoint, likewise" },
  { "device-endpoint", 0, "URL", DEVICE, P, NULL, STR(device_endpoint),
    "its device authorization endpoint, likewise" },
  { "client-auth", 0, "M", NET, P, "post basic jwt", STR(client_auth),
    "how the app proves itself: secret in the form,\n"
    "HTTP Basic, or a certificate's assertion (default: the\n"
    "first the provider supports, post first)" },
  { "assertion-aud", 0, "A", NET, P, "token issuer", STR(assertion_aud),
    "the assertion's audience (default token)" },
  { "ca-file", 0, "FILE", NET, P | IN_COPY, NULL, STR(ca_file),
    "trusted CA bundle (default: system bundle; - reads stdin)" },
  { "client-secret-file", 0, "FILE", NET, P | IN, NULL, STR(secret_file),
    "read the secret from FILE (first line; - reads stdin)" },
  { "certificate", 0, "FILE", NET, P | IN_COPY, NULL, STR(certificate),
    "prove the app with a certificate instead of a\n"
    "secret (PEM or DER; - reads stdin), in every command\nthat sends a credential" },
  { "private-key", 0, "FILE", NET, P, NULL, STR(private_key),
    "the certificate's private key file (a path: never\ncopied from stdin to a temporary file)" },
  { "assertion-alg", 0, "A", NET, P, "PS256 RS256 ES256", STR(assertion_alg),
    "PS256 (default) or RS256 (x5t SHA-1); Entra ID takes\n"
    "RSA certificates only (ES256 is refused)" },
  { "timeout", 0, "SECONDS", NET, P, NULL, NONE,
    "seconds for the whole command's network part:\n"
    "connect, TLS, send, receive, every retry and the\n"
    "wait for another edgetoken's lock on the stored\n"
    "sign-in (default 15; device-login: per request)" },
  { "store-dir", 0, "DIR", STORE, P, NULL, STR(store_dir),
    "sign-in state and refresh tokens (default\n"
    "$EDGETOKEN_STORE_DIR, $XDG_STATE_HOME/edgetoken\n"
    "or ~/.local/state/edgetoken)" },
  { "redirect-uri", 0, "URL", LOGIN | AUTHZ, P, NULL, STR(redirect_uri),
    "default http://localhost:8080" },
  { "redirect", 0, "URL", REDEEM, IN, NULL, STR(redirect),
    "the browser's final address (- reads stdin)" },
  { "code", 0, "CODE", REDEEM, IN, NULL, STR(code), "only the code (- reads stdin)" },
  { "login-hint", 0, "USER", LOGIN | AUTHZ, P, NULL, STR(login_hint),
    "the user's name, passed to the provider" },
  { "prompt", 0, "P", LOGIN | AUTHZ, CLI_OPT_LIST, "login none consent select_account create",
    STR(prompt), "what the sign-in page asks (OpenID Connect prompt)" },
  { "wait", 0, "SECONDS", LOGIN, P, NULL, NONE,
    "seconds to wait for the browser (default 300)" },
  { "no-browser", 0, NULL, LOGIN, 0, NULL, STR(no_browser), "print the URL, do not open a browser" },
  { "qr", 0, NULL, DEVICE, 0, NULL, NONE,
    "show the address as a QR code, or not\n(default: when stderr is a terminal)" },
  { "no-qr", 0, NULL, DEVICE, 0, NULL, NONE, NULL },
  { "json", 0, NULL, NET, 0, NULL, STR(json), "print a JSON object instead of the token" },
  { "force-refresh", 0, NULL, GET | CALL, 0, NULL, STR(force_refresh),
    "a new token even if the cached one is valid" },
  { "url", 0, "URL", CALL, P, NULL, STR(url), "the ADME instance, https://<name>.energy.azure.com" },
  { "data-partition-id", 0, "P", CALL, P, NULL, STR(partition),
    "the data partition (<name>-<partition>)" },
  { "data", 0, "JSON", CALL, IN, NULL, STR(data), "the JSON body, @FILE or - (stdin)" },
  { "proxy", 0, "URL", NET, P, NULL, STR(proxy),
    "HTTP proxy, http://host[:port] (default: https_proxy\n"
    "or HTTPS_PROXY; no_proxy/NO_PROXY list hosts to reach\n"
    "direct); credentials only from the environment's URL\n"
    "or --proxy-credentials-file" },
  { "no-proxy", 0, NULL, NET, 0, NULL, STR(no_proxy),
    "connect direct, whatever the environment says" },
  { "proxy-credentials-file", 0, "FILE", NET, P | IN, NULL, STR(proxy_credentials_file),
    "the proxy's user:password (first line of a regular file; - reads stdin)" },
  { "profile", 0, "NAME", EVERY, 0, NULL, STR(profile),
    "settings from this profile of the config file\n"
    "(default $EDGETOKEN_PROFILE, else [default])" },
  { "verbose", 'v', NULL, EVERY, 0, NULL, STR(verbose), "log what is sent (secrets shown as ***)" },
  { "help", 'h', NULL, EVERY, 0, NULL, NONE, "this help; with a command: its options only" },
  { "version", 'V', NULL, EVERY, 0, NULL, NONE, "print the version" },
};
const size_t cli_n_options = sizeof cli_options / sizeof cli_options[0];
#define N_OPTIONS (sizeof cli_options / sizeof cli_options[0])

static int command_index(const char *name) {
  for (size_t i = 0; name && i < N_COMMANDS; i++)
    if (!strcmp(name, commands[i].name))
      return (int)i;
  return -1;
}

static unsigned command_bit(const char *name) {
  int i = command_index(name);
  return i < 0 ? 0 : 1u << i;
}

const cli_option *cli_option_named(const char *name, size_t len) {
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strlen(cli_options[i].name) == len && !memcmp(cli_options[i].name, name, len))
      return &cli_options[i];
  return NULL;
}

/* Optimal string alignment distance (a swap of two neighbours counts one),
 * capped: names are short. */
#define DIST_MAX 40
static size_t distance(const char *a, size_t n, const char *b, size_t m) {
  size_t d[DIST_MAX + 1][DIST_MAX + 1];
  if (n > DIST_MAX || m > DIST_MAX)
    return DIST_MAX;
  for (size_t i = 0; i <= n; i++)
    d[i][0] = i;
  for (size_t j = 0; j <= m; j++)
    d[0][j] = j;
  for (size_t i = 1; i <= n; i++) {
    for (size_t j = 1; j <= m; j++) {
      size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[n][m];
}

/* Of names (stride bytes apart), the one closest to typed: within 1 edit
 * for short words, 2 for longer ones; else the only one typed begins,
 * give or take one edit (--client-secrt: --client-secret-file). */
static const char *suggest(const char *typed, size_t n, const char *const *names, size_t count,
                           size_t stride) {
  const char *best = NULL, *prefix = NULL;
  size_t best_d = n <= 4 ? 2 : 3, prefixes = 0;
  for (size_t i = 0; i < count; i++) {
    const char *name = *(const char *const *)(const void *)((const char *)names + i * stride);
    size_t d = distance(typed, n, name, strlen(name));
    if (d < best_d) {
      best_d = d;
      best = name;
    }
    if ((n >= 3 && !strncmp(name, typed, n)) ||
        (n >= 6 && strlen(name) > n && distance(typed, n, name, n) <= 1)) {
      prefix = name;
      prefixes++;
    }
  }
  return best ? best : prefixes == 1 ? prefix : NULL;
}

const char *cli_option_suggest(const char *name, size_t len) {
  return suggest(name, len, &cli_options[0].name, N_OPTIONS, sizeof cli_options[0]);
}

static const char *command_suggest(const char *name) {
  return suggest(name, strlen(name), &commands[0].name, N_COMMANDS, sizeof commands[0]);
}

static bool is_choice(const char *choices, const char *v, size_t n) {
  for (const char *c = choices; *c;) {
    size_t len = strcspn(c, " ");
    if (len == n && !memcmp(c, v, n))
      return true;
    c += len + (c[len] == ' ');
  }
  return false;
}

static void put_choices(FILE *f, const char *choices) {
  size_t n = 1;
  for (const char *c = choices; *c; c++)
    n += *c == ' ';
  for (size_t i = 0; *choices; i++) {
    size_t len = strcspn(choices, " ");
    fprintf(f, "%s%.*s", i == 0 ? "" : i + 1 == n ? " or " : ", ", (int)len, choices);
    choices += len + (choices[len] == ' ');
  }
}

bool cli_option_value_ok(const cli_option *opt, const char *value, const char *where) {
  const char *v = value;
  size_t words = 0;
  bool none = false;
  if (opt->choices == NULL)
    return true;
  do {
    size_t n = strcspn(v, " ");
    if (!is_choice(opt->choices, v, n) || (words > 0 && !(opt->flags & CLI_OPT_LIST)))
      goto bad;
    none |= n == 4 && !memcmp(v, "none", 4);
    words++;
    v += n;
    while (*v == ' ')
      v++;
  } while (*v);
  if (none && words > 1) { /* OpenID Connect: none goes alone */
    fprintf(stderr, "edgetoken: %s none goes alone, not with other values\n", where);
    return false;
  }
  return true;
bad:
  fprintf(stderr, "edgetoken: %s must be %s", where,
          opt->flags & CLI_OPT_LIST ? "one or more of " : "");
  put_choices(stderr, opt->choices);
  fputs(", not '", stderr);
  cli_put_text(stderr, et_str_from_cstr(value));
  fputs("'\n", stderr);
  return false;
}

/* --- help ------------------------------------------------------------------- */

static void put_lines(FILE *f, const char *text, int col, int indent) {
  /* text's first line at col (after what is printed), the others at indent */
  while (*text) {
    size_t n = strcspn(text, "\n");
    fprintf(f, "%*s%.*s\n", col, "", (int)n, text);
    text += n + (text[n] == '\n');
    col = indent;
  }
}

static int put_option_name(FILE *f, const cli_option *opt) {
  int n = 0;
  if (opt->short_name)
    n += fprintf(f, "-%c, ", opt->short_name);
  n += fprintf(f, "--%s", opt->name);
  if (opt->arg && opt->choices && !(opt->flags & CLI_OPT_LIST)) {
    const char *c = opt->choices;
    n += fprintf(f, " ");
    for (; *c; c++, n++)
      fputc(*c == ' ' ? '|' : *c, f);
  } else if (opt->arg) {
    n += fprintf(f, " %s", opt->arg);
  }
  return n;
}

#define HELP_COL 26
static void put_options(FILE *f, unsigned bit) {
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const cli_option *opt = &cli_options[i];
    int col = 2;
    if (!opt->help || !(opt->commands & bit))
      continue;
    fputs("  ", f);
    col += put_option_name(f, opt);
    /* options listed on this one's line (help NULL) */
    for (size_t j = i + 1; j < N_OPTIONS && !cli_options[j].help; j++) {
      col += fprintf(f, ", ");
      col += put_option_name(f, &cli_options[j]);
    }
    if (col + 2 > HELP_COL) {
      fputc('\n', f);
      col = 0;
    }
    put_lines(f, opt->help, col < HELP_COL ? HELP_COL - col : 2, HELP_COL);
    if (opt->choices && (opt->flags & CLI_OPT_LIST)) {
      fprintf(f, "%*s", HELP_COL, "");
      put_choices(f, opt->choices);
      fputc('\n', f);
    }
  }
}

static const char exit_codes[] =
    "exit codes: 0 ok, 2 usage, 3 refused by Entra ID (OAuth error),\n"
    "4 network (unknown host, refused, lost once), 5 TLS, 6 unexpected or\n"
    "malformed response, 7 throttled, 8 sign in again, 9 gave up after\n"
    "transient failures (5xx, lost connections) on every attempt,\n"
    "10 refused by the HTTP proxy (407, tunnel refused), 130 cancelled (Ctrl-C), 1 other\n";

void cli_usage(FILE *f, const char *command) {
  int c = command_index(command);
  if (c >= 0) {
    fprintf(f, "usage: edgetoken %s ", commands[c].name);
    put_lines(f, commands[c].usage, 0, 18 + (int)strlen(commands[c].name));
    fputc('\n', f);
    put_lines(f, commands[c].help, 0, 0);
    fputs("\noptions:\n", f);
    put_options(f, 1u << c);
    fprintf(f, "\n%s", exit_codes);
    return;
  }
  for (size_t i = 0; i < N_COMMANDS; i++) {
    fprintf(f, "%s edgetoken %s ", i == 0 ? "usage:" : "      ", commands[i].name);
    put_lines(f, commands[i].usage, 0, 18 + (int)strlen(commands[i].name));
  }
  fputs("       edgetoken COMMAND --help | --version | version\n"
        "\nGets an Entra ID (or OpenID Connect) access token and prints it:\n", f);
  for (size_t i = 0; i < N_COMMANDS; i++) {
    int n = fprintf(f, "  %s", commands[i].name);
    put_lines(f, commands[i].help, n < 16 ? 16 - n : 1, 16);
  }
  fputs("The client secret comes from EDGETOKEN_CLIENT_SECRET or\n"
        "--client-secret-file, never from the command line. Settings used on\n"
        "every run go in a profile: edgetoken config set tenant T [--profile N].\n"
        "\noptions (--opt value or --opt=value; -- ends them):\n",
        f);
  put_options(f, ~0u);
  fprintf(f, "\n%s", exit_codes);
}

/* Tab-separated, one line per command and option, for tools/cli-docs.py:
 *   version VERSION
 *   exit EXIT-CODES-TEXT
 *   command NAME USAGE HELP
 *   option NAME SHORT ARG COMMANDS FLAGS CHOICES HELP
 * "-" for none; line breaks as "\n"; an option whose help is "+" shares the
 * previous one's. */
static void dump_field(FILE *f, const char *s) {
  fputc('\t', f);
  if (s == NULL || !*s) {
    fputc('-', f);
    return;
  }
  for (; *s; s++) {
    if (*s == '\n')
      fputs("\\n", f);
    else
      fputc(*s == '\t' ? ' ' : *s, f);
  }
}

void cli_dump_options(FILE *f) {
  fprintf(f, "version\t%s\n", ET_VERSION);
  fputs("exit", f);
  dump_field(f, exit_codes);
  fputc('\n', f);
  for (size_t i = 0; i < N_COMMANDS; i++) {
    fputs("command", f);
    dump_field(f, commands[i].name);
    dump_field(f, commands[i].usage);
    dump_field(f, commands[i].help);
    fputc('\n', f);
  }
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const cli_option *opt = &cli_options[i];
    char s[2] = { opt->short_name, 0 };
    fputs("option", f);
    dump_field(f, opt->name);
    dump_field(f, s);
    dump_field(f, opt->arg);
    fputc('\t', f);
    for (size_t c = 0, first = 1; c < N_COMMANDS; c++)
      if (opt->commands & (1u << c)) {
        fprintf(f, "%s%s", first ? "" : ",", commands[c].name);
        first = 0;
      }
    fprintf(f, "\t%s%s%s%s", opt->flags & CLI_OPT_PROFILE ? "profile" : "",
            opt->flags & CLI_OPT_STDIN ? ",stdin" : "", opt->flags & CLI_OPT_LIST ? ",list" : "",
            opt->flags ? "" : "-");
    dump_field(f, opt->choices);
    dump_field(f, opt->help ? opt->help : "+");
    fputc('\n', f);
  }
}

/* --- parsing ---------------------------------------------------------------- */

int cli_early(int argc, char **argv) {
  const char *first = NULL, *second = NULL, *command = NULL;
  bool help = false, version = false, value = false;
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *a = argv[i];
    bool was_value = value;
    const cli_option *opt = a[0] == '-' && a[1] == '-' && !strchr(a, '=')
                                ? cli_option_named(a + 2, strlen(a + 2)) : NULL;
    /* --help even where a value was due: `token --tenant --help` */
    help |= !strcmp(a, "--help") || !strcmp(a, "-h");
    version |= !strcmp(a, "--version") || !strcmp(a, "-V");
    if (!strcmp(a, "--dump-options")) {
      cli_dump_options(stdout);
      return CLI_EXIT_OK;
    }
    value = opt && opt->arg; /* the next word is its value, no command */
    if (was_value || a[0] == '-')
      continue;
    if (!first)
      first = a;
    else if (!second)
      second = a;
    if (!command && command_index(a) >= 0)
      command = a;
  }
  if (first && !strcmp(first, "help")) {
    if (second && command_index(second) < 0) {
      fputs("edgetoken: no command '", stderr);
      cli_put_text(stderr, et_str_from_cstr(second));
      fputs("' (see edgetoken --help)\n", stderr);
      return CLI_EXIT_USAGE;
    }
    cli_usage(stdout, second);
    return CLI_EXIT_OK;
  }
  if (help) {
    cli_usage(stdout, command);
    return CLI_EXIT_OK;
  }
  if (version || (first && !strcmp(first, "version"))) {
    printf("edgetoken %s\n", ET_VERSION);
    return CLI_EXIT_OK;
  }
  return -1;
}

typedef struct parse {
  const char *value[N_OPTIONS]; /* "" for a flag; NULL: not given */
  const char *given[N_OPTIONS]; /* how argv named it (for messages); NULL: profile */
  int at[N_OPTIONS];            /* argv index: the later of --qr/--no-qr wins */
  const char *command;
} parse;

static size_t index_of(const char *name) {
  return (size_t)(cli_option_named(name, strlen(name)) - cli_options);
}

/* The argv text an option was named by, without a value after "=". */
static void put_given(FILE *f, const char *given) {
  fprintf(f, "%.*s", (int)strcspn(given, "="), given);
}

static bool set_value(parse *ps, const cli_option *opt, const char *given, const char *value,
                      int at) {
  size_t i = (size_t)(opt - cli_options);
  if (opt->arg && (value == NULL || value[0] == '\0')) {
    fprintf(stderr, "edgetoken: --%s needs a value\n", opt->name);
    return false;
  }
  if (!opt->arg && value != NULL) {
    fprintf(stderr, "edgetoken: --%s takes no value\n", opt->name);
    return false;
  }
  ps->value[i] = opt->arg ? value : "";
  ps->given[i] = given;
  ps->at[i] = at;
  return true;
}

static bool unknown_option(const char *a) {
  size_t n = strcspn(a + 2, "=");
  const char *s = a[1] == '-' ? cli_option_suggest(a + 2, n) : NULL;
  if (!strncmp(a, "--client-secret", 15) && (a[15] == '\0' || a[15] == '=')) {
    fputs("edgetoken: --client-secret is not accepted: arguments are visible to\n"
          "other users (ps). Use EDGETOKEN_CLIENT_SECRET or --client-secret-file.\n",
          stderr);
    return false;
  }
  fputs("edgetoken: unknown option '", stderr);
  put_given(stderr, a);
  if (s)
    fprintf(stderr, "'; did you mean --%s?\n", s);
  else
    fputs("' (see --help)\n", stderr);
  return false;
}

/* -abc: flags, or one option taking the rest (-xVALUE) or the next word. */
static bool short_options(parse *ps, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  for (size_t k = 1; a[k]; k++) {
    const cli_option *opt = NULL;
    for (size_t j = 0; j < N_OPTIONS && !opt; j++)
      if (cli_options[j].short_name == a[k])
        opt = &cli_options[j];
    if (opt == NULL) {
      fprintf(stderr, "edgetoken: unknown option '-%c' (see --help)\n", a[k]);
      return false;
    }
    if (opt->arg) {
      const char *v = a[k + 1] ? a + k + 1 : *i + 1 < argc ? argv[++*i] : NULL;
      return set_value(ps, opt, a, v, *i);
    }
    if (!set_value(ps, opt, a, NULL, *i))
      return false;
  }
  return true;
}

static bool operand(parse *ps, cli_opts *o, const char *a) {
  if (ps->command == NULL) {
    ps->command = a;
    return true;
  }
  if (o->nargs < sizeof o->args / sizeof o->args[0]) {
    o->args[o->nargs++] = a;
    return true;
  }
  fprintf(stderr, "edgetoken: too many arguments for `edgetoken %s`\n", ps->command);
  return false;
}

static bool parse_argv(parse *ps, cli_opts *o, int argc, char **argv) {
  bool options = true;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (options && !strcmp(a, "--")) {
      options = false;
    } else if (options && a[0] == '-' && a[1] == '-') {
      size_t n = strcspn(a + 2, "=");
      const cli_option *opt = cli_option_named(a + 2, n);
      const char *v = a[2 + n] == '=' ? a + 3 + n : NULL;
      if (opt == NULL)
        return unknown_option(a);
      if (opt->arg && v == NULL && i + 1 < argc)
        v = argv[++i];
      if (!set_value(ps, opt, a, v, i))
        return false;
    } else if (options && a[0] == '-' && a[1] != '\0') {
      if (!short_options(ps, argc, argv, &i))
        return false;
    } else if (!operand(ps, o, a)) {
      return false;
    }
  }
  return true;
}

/* What a command takes besides options. */
static bool check_operands(const cli_opts *o) {
  unsigned most = !strcmp(o->command, "call") ? 2 : !strcmp(o->command, "config") ? 3 : 0;
  if (o->nargs > most) {
    fputs("edgetoken: unexpected argument '", stderr);
    cli_put_text(stderr, et_str_from_cstr(o->args[most]));
    fprintf(stderr, "' for `edgetoken %s` (see edgetoken %s --help)\n", o->command, o->command);
    return false;
  }
  return true;
}

/* Profile values fill what argv did not give: argv wins, then the
 * environment (EDGETOKEN_CLIENT_SECRET, EDGETOKEN_STORE_DIR), then the
 * profile. Options of other commands are skipped, not refused: a profile
 * serves every command. */
static bool from_profile(void *ctx, const cli_option *opt, const char *value) {
  parse *ps = ctx;
  size_t i = (size_t)(opt - cli_options);
  bool v_given = ps->given[index_of("endpoint")] || ps->given[index_of("scope")] ||
                 ps->given[index_of("resource")];
  if (ps->given[i] || !(opt->commands & command_bit(ps->command)))
    return true;
  if (!strcmp(opt->name, "client-secret-file") &&
      (cli_have_env_secret() || ps->given[index_of("certificate")]))
    return true;
  if (!strcmp(opt->name, "store-dir") && getenv("EDGETOKEN_STORE_DIR"))
    return true;
  /* endpoint, scope and resource go together: v1 or v2 from one place */
  if (v_given && (!strcmp(opt->name, "endpoint") || !strcmp(opt->name, "scope") ||
                  !strcmp(opt->name, "resource")))
    return true;
  if (ps->given[index_of("certificate")] && !strcmp(opt->name, "private-key"))
    return true;
  ps->value[i] = value;
  ps->at[i] = 0;
  return true;
}

static bool seconds(const char *name, const char *v, unsigned *out) {
  char *end;
  unsigned long t;
  if (v == NULL)
    return true;
  t = strtoul(v, &end, 10);
  if (*end != '\0' || t == 0 || t > 3600 || v[0] < '0' || v[0] > '9') {
    fprintf(stderr, "edgetoken: --%s must be 1..3600 seconds\n", name);
    return false;
  }
  *out = (unsigned)t;
  return true;
}

/* The table's values into o, each checked against its choices. */
static bool apply(const parse *ps, cli_opts *o) {
  const char *stdin_user = NULL, *path;
  const cli_option *copy = NULL;
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const cli_option *opt = &cli_options[i];
    const char *v = ps->value[i];
    char where[64];
    if (v == NULL)
      continue;
    snprintf(where, sizeof where, "--%s", opt->name);
    if (opt->arg && !cli_option_value_ok(opt, v, where))
      return false;
    if (opt->arg && !strcmp(v, "-")) {
      if (!(opt->flags & CLI_OPT_STDIN)) {
        fprintf(stderr, "edgetoken: --%s takes a file name, not '-' (stdin)\n", opt->name);
        return false;
      }
      if (stdin_user) {
        fprintf(stderr, "edgetoken: --%s and --%s both read stdin; give one a file\n",
                stdin_user, opt->name);
        return false;
      }
      stdin_user = opt->name;
      if (opt->flags & CLI_OPT_STDIN_COPY)
        copy = opt; /* once no other option wants stdin */
    }
    if (opt->field == CLI_FIELD_NONE)
      continue;
    if (opt->arg)
      *(const char **)(void *)((char *)o + opt->field) = v;
    else
      *(bool *)(void *)((char *)o + opt->field) = true;
  }
  if (copy) {
    if ((path = cli_stdin_file(copy->name)) == NULL)
      return false;
    *(const char **)(void *)((char *)o + copy->field) = path;
  }
  if (ps->value[index_of("qr")] || ps->value[index_of("no-qr")])
    o->qr = ps->at[index_of("qr")] > ps->at[index_of("no-qr")] ||
                    !ps->value[index_of("no-qr")] ? CLI_QR_ON : CLI_QR_OFF;
  o->wait_s = 300;
  return seconds("timeout", ps->value[index_of("timeout")], &o->timeout_s) &&
         seconds("wait", ps->value[index_of("wait")], &o->wait_s);
}

bool cli_parse_args(int argc, char **argv, cli_opts *o) {
  static parse ps; /* large: off the stack */
  const char *endpoint;
  bool named;
  memset(&ps, 0, sizeof ps);
  memset(o, 0, sizeof *o);
  o->timeout_s = CONFIG_ET_TIMEOUT_MS / 1000;
  if (!parse_argv(&ps, o, argc, argv))
    return false;
  if (ps.command == NULL) {
    cli_usage(stderr, NULL);
    return false;
  }
  o->command = ps.command;
  if (command_index(o->command) < 0) {
    const char *s = command_suggest(o->command);
    fputs("edgetoken: unknown command '", stderr);
    cli_put_text(stderr, et_str_from_cstr(o->command));
    if (s)
      fprintf(stderr, "'; did you mean %s?\n", s);
    else
      fputs("' (see --help)\n", stderr);
    return false;
  }
  for (size_t i = 0; i < N_OPTIONS; i++) {
    if (ps.given[i] && !(cli_options[i].commands & command_bit(o->command))) {
      fputs("edgetoken: ", stderr);
      put_given(stderr, ps.given[i]);
      fprintf(stderr, " does not apply to `edgetoken %s` (see edgetoken %s --help)\n",
              o->command, o->command);
      return false;
    }
  }
  if (!check_operands(o))
    return false;
  o->method = o->nargs > 0 ? o->args[0] : NULL; /* call METHOD PATH */
  o->path = o->nargs > 1 ? o->args[1] : NULL;

  /* The profile: --profile, else EDGETOKEN_PROFILE, else [default]. */
  o->profile = ps.value[index_of("profile")];
  if (o->profile == NULL && getenv("EDGETOKEN_PROFILE") && *getenv("EDGETOKEN_PROFILE"))
    o->profile = getenv("EDGETOKEN_PROFILE");
  named = o->profile != NULL;
  if (strcmp(o->command, "config") != 0 &&
      cli_profile_load(named ? o->profile : "default", named, from_profile, &ps) != CLI_EXIT_OK)
    return false;
  if (!apply(&ps, o))
    return false;

  endpoint = ps.value[index_of("endpoint")];
  o->endpoint = endpoint && !strcmp(endpoint, "v1") ? ET_ENDPOINT_V1 : ET_ENDPOINT_V2;
  if ((o->issuer || o->token_endpoint) && o->endpoint != ET_ENDPOINT_V2) {
    fputs("edgetoken: --endpoint v1 is Entra's; --issuer and --token-endpoint take v2\n", stderr);
    return false;
  }
  if (o->resource && o->scope) {
    fputs("edgetoken: give --resource (v1) or --scope (v2), not both\n", stderr);
    return false;
  }
  if (o->resource && o->endpoint != ET_ENDPOINT_V1) {
    fputs("edgetoken: --resource belongs to --endpoint v1; v2 takes --scope\n", stderr);
    return false;
  }
  if (o->scope && o->endpoint != ET_ENDPOINT_V2) {
    fputs("edgetoken: --scope belongs to --endpoint v2; v1 takes --resource\n", stderr);
    return false;
  }
  return true;
}
