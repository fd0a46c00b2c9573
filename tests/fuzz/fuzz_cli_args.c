/* SPDX-License-Identifier: MIT */
/* libFuzzer: the CLI's argument parser through its public entry,
 * cli_parse_args (cli.h), with no profile file and no EDGETOKEN_*
 * variables. The input split on NUL bytes is argv[1..] (argv[0]
 * "edgetoken"); inputs that give "-" (stdin) as a value are skipped: the
 * parser would copy stdin to a temporary file. Invariants: a refusal is a
 * clean false; an accepted command line gives the command named in the
 * arguments, every string option NULL or inside one of the arguments
 * (never a copy, never an empty value),
 * timeouts in 1..3600 s, a v1 or v2 endpoint and none of the combinations
 * the parser refuses; parsing twice gives the same options. Thin on
 * purpose: only the entry point and cli_opts are assumed. */
#include "cli.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cli_output.c (the parser's message printer) also reports the POSIX
 * port's failures, which parsing never reaches: no port is linked. */
const char *et_posix_detail(const et_posix *px) {
  (void)px;
  return "";
}
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  /* The parser explains every refusal on stderr: keep the fuzzer's own
   * output readable (libFuzzer and the sanitizers write to fd 2 directly). */
  FILE *null = fopen("/dev/null", "w");
  if (null != NULL)
    stderr = null;
  setenv("XDG_CONFIG_HOME", "/nonexistent/edgetoken-fuzz", 1);
  unsetenv("EDGETOKEN_PROFILE");
  unsetenv("EDGETOKEN_CLIENT_SECRET");
  unsetenv("EDGETOKEN_STORE_DIR");
  return 0;
}

/* "-" as a value, on its own or after '=': stdin. */
static bool names_stdin(const char *a) {
  size_t n = strlen(a);
  return !strcmp(a, "-") || (n >= 2 && a[n - 2] == '=' && a[n - 1] == '-');
}

/* p points into one of the arguments (a value may follow "--opt="). */
static bool is_arg(char **argv, int argc, const char *p, bool nonempty) {
  for (int i = 1; i < argc; i++)
    if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
      return !nonempty || p[0] != '\0';
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *argv[MAX_ARGS + 1];
  char *buf;
  int argc = 1;
  cli_opts o, o2;
  bool ok;
  if (size > 8192)
    return 0;
  buf = fuzz_cstr(data, size);
  argv[0] = "edgetoken";
  for (size_t i = 0; i <= size && argc < MAX_ARGS;) {
    argv[argc++] = buf + i;
    i += strlen(buf + i) + 1;
  }
  argv[argc] = NULL;
  for (int i = 1; i < argc; i++)
    if (names_stdin(argv[i])) {
      free(buf);
      return 0;
    }

  ok = cli_parse_args(argc, argv, &o);
  CHECK(cli_parse_args(argc, argv, &o2) == ok);
  if (ok) {
    const char *const str[] = { o.tenant, o.client_id, o.resource, o.scope, o.authority,
                                o.ca_file, o.secret_file, o.certificate, o.private_key,
                                o.store_dir, o.redirect_uri, o.redirect, o.code,
                                o.login_hint, o.prompt, o.issuer, o.token_endpoint,
                                o.authorize_endpoint, o.device_endpoint, o.url,
                                o.partition, o.data };
    CHECK(memcmp(&o, &o2, sizeof o) == 0);
    CHECK(argc >= 2 && o.command != NULL && is_arg(argv, argc, o.command, true));
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
      CHECK(str[i] == NULL || is_arg(argv, argc, str[i], true));
    CHECK(o.method == NULL || is_arg(argv, argc, o.method, false));
    CHECK(o.path == NULL || (o.method != NULL && is_arg(argv, argc, o.path, false)));
    CHECK(o.timeout_s >= 1 && o.timeout_s <= 3600 && o.wait_s >= 1 && o.wait_s <= 3600);
    CHECK(o.endpoint == ET_ENDPOINT_V1 || o.endpoint == ET_ENDPOINT_V2);
    CHECK(!(o.resource && o.scope));
    CHECK(!o.resource || o.endpoint == ET_ENDPOINT_V1);
    CHECK(!o.scope || o.endpoint == ET_ENDPOINT_V2);
    CHECK(!(o.issuer || o.token_endpoint) || o.endpoint == ET_ENDPOINT_V2);
  }
  free(buf);
  return 0;
}
