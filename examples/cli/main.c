/* edgetoken: get an Entra ID token from the command line. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

volatile int g_cli_cancel; /* set by SIGINT/SIGTERM; the port polls it */

/* One row per command; each lives in its own cli_<name>.c. */
static const struct {
  const char *name;
  int (*run)(const cli_opts *o);
} commands[] = {
  { "token", cli_cmd_token },
  { "device-login", cli_cmd_device_login },
  { "login", cli_cmd_login },
  { "authorize-url", cli_cmd_authorize_url },
  { "redeem", cli_cmd_redeem },
  { "refresh", cli_cmd_refresh },
  { "get", cli_cmd_get },
  { "call", cli_cmd_call },
};

static void on_signal(int sig) {
  (void)sig;
  g_cli_cancel = 1;
}

int main(int argc, char **argv) {
  cli_opts o;
  struct sigaction sa;

  /* --help anywhere: `edgetoken token --help` is what users type. */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
        (i == 1 && !strcmp(argv[i], "help"))) {
      cli_usage(stdout);
      return CLI_EXIT_OK;
    }
  }
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    puts("edgetoken " ET_VERSION);
    return CLI_EXIT_OK;
  }
  if (!cli_parse_args(argc, argv, &o))
    return CLI_EXIT_USAGE;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(o.command, commands[i].name))
      return commands[i].run(&o);
  fprintf(stderr, "edgetoken: unknown command '%s' (see --help)\n", o.command);
  return CLI_EXIT_USAGE;
}
