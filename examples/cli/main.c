/* SPDX-License-Identifier: MIT */
/* edgetoken: get an Entra ID token from the command line. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
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
  { "logout", cli_cmd_logout },
  { "get", cli_cmd_get },
  { "call", cli_cmd_call },
  { "config", cli_cmd_config },
};

static void on_signal(int sig) {
  (void)sig;
  g_cli_cancel = 1;
}

static int run_command(int argc, char **argv) {
  cli_opts o;
  struct sigaction sa;
  /* --help anywhere: `edgetoken token --help` is what users type. */
  int rc = cli_early(argc, argv);
  if (rc >= 0)
    return rc;
  if (!cli_parse_args(argc, argv, &o))
    return CLI_EXIT_USAGE;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(o.command, commands[i].name))
      return commands[i].run(&o);
  return CLI_EXIT_INTERNAL; /* cli_parse_args knows every command */
}

/* Secrets (the client secret, refresh and access tokens, codes) are held
 * from the start: no core dump may copy them to disk, and no other process
 * of this user may read our memory (/proc/PID/mem, ptrace). */
static void no_core_dumps(void) {
  struct rlimit rl = { 0, 0 };
  setrlimit(RLIMIT_CORE, &rl);
#ifdef __linux__
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

int main(int argc, char **argv) {
  int rc;
  no_core_dumps();
  /* Headers and library from one build: else no edgetoken call is safe. */
  if (ET_ABI_CHECK() != ET_OK) {
    fprintf(stderr, "edgetoken: built against other edgetoken settings than the library's: %s\n",
            et_abi_settings());
    return CLI_EXIT_INTERNAL;
  }
  cli_take_env_secret();
  rc = run_command(argc, argv);
  cli_wipe_env_secret();
  /* The token goes to stdout, often a file: a write that failed (disk full)
   * must not pass for success. */
  int werr = fflush(stdout) != 0 ? errno : 0;
  if ((werr != 0 || ferror(stdout)) && rc == CLI_EXIT_OK) {
    fprintf(stderr, "edgetoken: cannot write to standard output: %s\n",
            werr != 0 ? strerror(werr) : "write error");
    rc = CLI_EXIT_INTERNAL;
  }
  return rc;
}
