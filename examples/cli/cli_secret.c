/* SPDX-License-Identifier: MIT */
/* Where the client secret comes from: the environment or a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* path "-": stdin (a pipe from a secret manager). */
long cli_read_file_secret(const char *path, char *buf, size_t cap) {
  struct stat st;
  size_t n;
  bool in = !strcmp(path, "-");
  FILE *f = in ? stdin : fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "edgetoken: cannot read secret file %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (in)
    path = "stdin";
  else if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
    fprintf(stderr, "edgetoken: warning: %s is readable by other users; chmod 600 it\n", path);
  n = fread(buf, 1, cap, f);
  if (n == cap && fgetc(f) != EOF) {
    if (!in)
      fclose(f);
    et_wipe(buf, cap);
    fprintf(stderr, "edgetoken: secret file %s is larger than %zu bytes\n", path, cap - 1);
    return -1;
  }
  if (!in)
    fclose(f);
  /* The secret is the first line; editors add a newline. */
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '\n' || buf[i] == '\r') {
      et_wipe(buf + i, n - i);
      n = i;
      break;
    }
  return (long)n;
}

/* EDGETOKEN_CLIENT_SECRET, taken out of the environment at start-up
 * (cli_take_env_secret): every process we start (the browser) inherits
 * environ, and /proc/PID/environ shows the original strings, so the value
 * is copied here and wiped where it was. */
static char g_env_secret[sizeof ((cli_client *)0)->secret];
static size_t g_env_len;
static bool g_env_set;

void cli_take_env_secret(void) {
  char *env = getenv("EDGETOKEN_CLIENT_SECRET");
  size_t len;
  if (env == NULL)
    return;
  len = strlen(env);
  g_env_set = true;
  g_env_len = len;
  if (len < sizeof g_env_secret)
    memcpy(g_env_secret, env, len);
  et_wipe(env, len);
  unsetenv("EDGETOKEN_CLIENT_SECRET");
}

bool cli_have_env_secret(void) {
  return g_env_set;
}

void cli_wipe_env_secret(void) {
  et_wipe(g_env_secret, sizeof g_env_secret);
  g_env_len = 0;
}

long cli_read_secret(const cli_opts *o, char *buf, size_t cap) {
  long n;
  if (o->secret_file != NULL) {
    n = cli_read_file_secret(o->secret_file, buf, cap);
  } else if (g_env_set) {
    if (g_env_len >= cap || g_env_len >= sizeof g_env_secret) {
      fprintf(stderr, "edgetoken: EDGETOKEN_CLIENT_SECRET is longer than %zu bytes\n",
              (cap < sizeof g_env_secret ? cap : sizeof g_env_secret) - 1);
      return -1;
    }
    memcpy(buf, g_env_secret, g_env_len);
    n = (long)g_env_len;
    cli_wipe_env_secret();
  } else {
    fputs("edgetoken: no client secret: set EDGETOKEN_CLIENT_SECRET or use "
          "--client-secret-file\n", stderr);
    return -1;
  }
  if (n == 0) {
    fputs("edgetoken: the client secret is empty\n", stderr);
    return -1;
  }
  return n;
}
