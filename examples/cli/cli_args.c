/* SPDX-License-Identifier: MIT */
/* Command-line parsing for edgetoken. Secrets are refused on argv: other
 * users can read a process's arguments. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *f) {
  fputs(
      "usage: edgetoken token --tenant T --client-id C [options]\n"
      "       edgetoken device-login --tenant T --client-id C [options]\n"
      "       edgetoken login|authorize-url|refresh|logout --tenant T --client-id C [options]\n"
      "       edgetoken redeem --tenant T --client-id C --redirect -|URL [options]\n"
      "       edgetoken get --tenant T --client-id C [--scope S] [options]\n"
      "       edgetoken call METHOD PATH --url URL --data-partition-id P\n"
      "                 --tenant T --client-id C [--scope S] [--data JSON|@F|-]\n"
      "\n"
      "Gets an Entra ID access token and prints it:\n"
      "  token          an app's own token (client credentials)\n"
      "  login          a user signs in with a browser (authorization code + PKCE)\n"
      "  authorize-url, redeem  the same in two steps, pasting the browser's address\n"
      "  device-login   a user signs a device in from another screen (device code)\n"
      "  refresh        a new token from the stored refresh token, no browser\n"
      "  logout         remove the stored sign-in (refresh token, pending state)\n"
      "  get            a valid token from the cache in the store directory,\n"
      "                 refreshed ahead of expiry (the stored sign-in if there is\n"
      "                 one, else the app's own); --force-refresh, --json\n"
      "  call           an ADME (OSDU) API call with that token: the answer's body\n"
      "                 on stdout; exit 40..49 for HTTP 400..409 (49: other 4xx),\n"
      "                 50..59 for 500..509 (59: other 5xx)\n"
      "The client secret comes from EDGETOKEN_CLIENT_SECRET or\n"
      "--client-secret-file, never from the command line.\n"
      "\n"
      "options:\n"
      "  --tenant T              tenant GUID or domain\n"
      "  --client-id C           application (client) id\n"
      "  --endpoint v1|v2        token endpoint version (default v2)\n"
      "  --scope S               v2 scope (token: <client-id>/.default; user\n"
      "                          commands: that + openid profile offline_access)\n"
      "  --resource R            v1 resource (default <client-id>)\n"
      "  --authority URL         default https://login.microsoftonline.com\n"
      "  --issuer URL            any OpenID Connect provider: its endpoints and\n"
      "                          methods from URL/.well-known/openid-configuration\n"
      "                          (cached for a day in the store directory); no --tenant\n"
      "  --token-endpoint URL, --authorize-endpoint URL, --device-endpoint URL\n"
      "                          a provider's endpoints given explicitly (override\n"
      "                          discovery); default: Entra's layout under --tenant\n"
      "  --client-auth post|basic|jwt  how the app proves itself: secret in the form,\n"
      "                          HTTP Basic, or a certificate's assertion (default: the\n"
      "                          first the provider supports, post first)\n"
      "  --assertion-aud token|issuer  the assertion's audience (default token)\n"
      "  --ca-file F             trusted CA bundle (default: system bundle)\n"
      "  --client-secret-file F  read the secret from F (first line)\n"
      "  --certificate F --private-key K  prove the app with a certificate instead\n"
      "                          of a secret (PEM or DER files), in every command\n"
      "                          that sends a credential\n"
      "  --assertion-alg A       PS256 (default) or RS256 (x5t SHA-1); Entra ID takes\n"
      "                          RSA certificates only (ES256 is refused)\n"
      "  --timeout S             seconds for the whole command's network part:\n"
      "                          connect, TLS, send, receive, every retry and the\n"
      "                          wait for another edgetoken's lock on the stored\n"
      "                          sign-in (default 15; device-login: per request)\n"
      "  --store-dir D           sign-in state and refresh tokens (default\n"
      "                          $EDGETOKEN_STORE_DIR, $XDG_STATE_HOME/edgetoken\n"
      "                          or ~/.local/state/edgetoken)\n"
      "  --redirect-uri U        login, authorize-url: default http://localhost:8080\n"
      "  --redirect -|URL        redeem: the browser's final address (- reads stdin)\n"
      "  --code -|CODE           redeem: only the code (- reads stdin)\n"
      "  --login-hint U, --prompt P  login, authorize-url: passed to Entra ID\n"
      "  --wait S                login: seconds to wait for the browser (default 300)\n"
      "  --no-browser            login: print the URL, do not open a browser\n"
      "  --qr, --no-qr           device-login: show the address as a QR code, or\n"
      "                          not (default: when stderr is a terminal)\n"
      "  --json                  print a JSON object instead of the token\n"
      "  --force-refresh         get, call: a new token even if the cached one is valid\n"
      "  --url URL               call: the ADME instance, https://<name>.energy.azure.com\n"
      "  --data-partition-id P   call: the data partition (<name>-<partition>)\n"
      "  --data JSON|@FILE|-     call: the JSON body (- reads stdin)\n"
      "  --verbose               log what is sent (secrets shown as ***)\n"
      "  --help, --version\n"
      "\n"
      "exit codes: 0 ok, 2 usage, 3 refused by Entra ID (OAuth error),\n"
      "4 network (unknown host, refused, lost once), 5 TLS, 6 unexpected or\n"
      "malformed response, 7 throttled, 8 sign in again, 9 gave up after\n"
      "transient failures (5xx, lost connections) on every attempt,\n"
      "130 cancelled (Ctrl-C), 1 other\n",
      f);
}

static bool take(int argc, char **argv, int *i, const char **out) {
  if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
    fprintf(stderr, "edgetoken: %s needs a value\n", argv[*i]);
    return false;
  }
  *out = argv[++*i];
  return true;
}

/* Options that belong to some commands only: elsewhere they would be
 * silently ignored, so they are refused. Options not listed apply to all. */
enum {
  FOR_TOKEN = 1, FOR_LOGIN = 2, FOR_AUTHORIZE_URL = 4, FOR_REDEEM = 8, FOR_REFRESH = 16,
  FOR_DEVICE_LOGIN = 32, FOR_LOGOUT = 64, FOR_GET = 128, FOR_CALL = 256
};
static const struct {
  const char *option;
  unsigned commands;
} scoped_options[] = {
  { "--resource", FOR_TOKEN | FOR_DEVICE_LOGIN | FOR_GET | FOR_CALL },
  { "--endpoint", FOR_TOKEN | FOR_DEVICE_LOGIN | FOR_GET | FOR_CALL },
  { "--authorize-endpoint", FOR_LOGIN | FOR_AUTHORIZE_URL },
  { "--device-endpoint", FOR_DEVICE_LOGIN },
  { "--store-dir", FOR_LOGIN | FOR_AUTHORIZE_URL | FOR_REDEEM | FOR_REFRESH | FOR_DEVICE_LOGIN |
                   FOR_LOGOUT | FOR_GET | FOR_CALL },
  { "--force-refresh", FOR_GET | FOR_CALL },
  { "--url", FOR_CALL },
  { "--data-partition-id", FOR_CALL },
  { "--data", FOR_CALL },
  { "--redirect-uri", FOR_LOGIN | FOR_AUTHORIZE_URL },
  { "--login-hint", FOR_LOGIN | FOR_AUTHORIZE_URL },
  { "--prompt", FOR_LOGIN | FOR_AUTHORIZE_URL },
  { "--redirect", FOR_REDEEM },
  { "--code", FOR_REDEEM },
  { "--wait", FOR_LOGIN },
  { "--no-browser", FOR_LOGIN },
  { "--qr", FOR_DEVICE_LOGIN },
  { "--no-qr", FOR_DEVICE_LOGIN },
};

static unsigned command_bit(const char *command) {
  static const char *const names[] = { "token", "login", "authorize-url", "redeem", "refresh",
                                       "device-login", "logout", "get", "call" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(command, names[i]))
      return 1u << i;
  return 0; /* an unknown command: main says so */
}

static bool option_applies(const char *command, const char *option) {
  unsigned bit = command_bit(command);
  for (size_t i = 0; bit && i < sizeof scoped_options / sizeof scoped_options[0]; i++) {
    if (!strcmp(option, scoped_options[i].option) && !(scoped_options[i].commands & bit)) {
      fprintf(stderr, "edgetoken: %s does not apply to `edgetoken %s` (see --help)\n", option,
              command);
      return false;
    }
  }
  return true;
}

bool cli_parse_args(int argc, char **argv, cli_opts *o) {
  const char *endpoint = "v2", *timeout = NULL, *wait = NULL;
  memset(o, 0, sizeof *o);
  o->timeout_s = CONFIG_ET_TIMEOUT_MS / 1000;
  if (argc < 2) {
    cli_usage(stderr);
    return false;
  }
  o->command = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    bool ok = option_applies(o->command, a);
    if (!ok)
      return false;
    if (!strcmp(a, "--tenant")) ok = take(argc, argv, &i, &o->tenant);
    else if (!strcmp(a, "--client-id")) ok = take(argc, argv, &i, &o->client_id);
    else if (!strcmp(a, "--resource")) ok = take(argc, argv, &i, &o->resource);
    else if (!strcmp(a, "--scope")) ok = take(argc, argv, &i, &o->scope);
    else if (!strcmp(a, "--authority")) ok = take(argc, argv, &i, &o->authority);
    else if (!strcmp(a, "--ca-file")) ok = take(argc, argv, &i, &o->ca_file);
    else if (!strcmp(a, "--client-secret-file")) ok = take(argc, argv, &i, &o->secret_file);
    else if (!strcmp(a, "--certificate")) ok = take(argc, argv, &i, &o->certificate);
    else if (!strcmp(a, "--private-key")) ok = take(argc, argv, &i, &o->private_key);
    else if (!strcmp(a, "--assertion-alg")) ok = take(argc, argv, &i, &o->assertion_alg);
    else if (!strcmp(a, "--store-dir")) ok = take(argc, argv, &i, &o->store_dir);
    else if (!strcmp(a, "--redirect-uri")) ok = take(argc, argv, &i, &o->redirect_uri);
    else if (!strcmp(a, "--redirect")) ok = take(argc, argv, &i, &o->redirect);
    else if (!strcmp(a, "--code")) ok = take(argc, argv, &i, &o->code);
    else if (!strcmp(a, "--login-hint")) ok = take(argc, argv, &i, &o->login_hint);
    else if (!strcmp(a, "--prompt")) ok = take(argc, argv, &i, &o->prompt);
    else if (!strcmp(a, "--wait")) ok = take(argc, argv, &i, &wait);
    else if (!strcmp(a, "--no-browser")) o->no_browser = true;
    else if (!strcmp(a, "--qr")) o->qr = CLI_QR_ON;
    else if (!strcmp(a, "--no-qr")) o->qr = CLI_QR_OFF;
    else if (!strcmp(a, "--endpoint")) ok = take(argc, argv, &i, &endpoint);
    else if (!strcmp(a, "--issuer")) ok = take(argc, argv, &i, &o->issuer);
    else if (!strcmp(a, "--token-endpoint")) ok = take(argc, argv, &i, &o->token_endpoint);
    else if (!strcmp(a, "--authorize-endpoint")) ok = take(argc, argv, &i, &o->authorize_endpoint);
    else if (!strcmp(a, "--device-endpoint")) ok = take(argc, argv, &i, &o->device_endpoint);
    else if (!strcmp(a, "--client-auth")) ok = take(argc, argv, &i, &o->client_auth);
    else if (!strcmp(a, "--assertion-aud")) ok = take(argc, argv, &i, &o->assertion_aud);
    else if (!strcmp(a, "--timeout")) ok = take(argc, argv, &i, &timeout);
    else if (!strcmp(a, "--json")) o->json = true;
    else if (!strcmp(a, "--force-refresh")) o->force_refresh = true;
    else if (!strcmp(a, "--url")) ok = take(argc, argv, &i, &o->url);
    else if (!strcmp(a, "--data-partition-id")) ok = take(argc, argv, &i, &o->partition);
    else if (!strcmp(a, "--data")) ok = take(argc, argv, &i, &o->data);
    else if (!strcmp(o->command, "call") && a[0] != '-' && !o->path) {
      if (!o->method) o->method = a; else o->path = a; /* call METHOD PATH */
    }
    else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) o->verbose = true;
    else if (!strcmp(a, "--client-secret")) {
      fputs("edgetoken: --client-secret is not accepted: arguments are visible to\n"
            "other users (ps). Use EDGETOKEN_CLIENT_SECRET or --client-secret-file.\n",
            stderr);
      return false;
    } else {
      fprintf(stderr, "edgetoken: unknown option '%s' (see --help)\n", a);
      return false;
    }
    if (!ok)
      return false;
  }
  if (!strcmp(endpoint, "v1")) o->endpoint = ET_ENDPOINT_V1;
  else if (!strcmp(endpoint, "v2") || !strcmp(endpoint, "v2.0")) o->endpoint = ET_ENDPOINT_V2;
  else {
    fprintf(stderr, "edgetoken: --endpoint must be v1 or v2, not '%s'\n", endpoint);
    return false;
  }
  if (timeout != NULL) {
    char *end;
    unsigned long t = strtoul(timeout, &end, 10);
    if (*end != '\0' || t == 0 || t > 3600) {
      fprintf(stderr, "edgetoken: --timeout must be 1..3600 seconds\n");
      return false;
    }
    o->timeout_s = (unsigned)t;
  }
  o->wait_s = 300;
  if (wait != NULL) {
    char *end;
    unsigned long t = strtoul(wait, &end, 10);
    if (*end != '\0' || t == 0 || t > 3600) {
      fprintf(stderr, "edgetoken: --wait must be 1..3600 seconds\n");
      return false;
    }
    o->wait_s = (unsigned)t;
  }
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
