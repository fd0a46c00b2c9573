/* Where the client secret comes from: the environment or a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static long read_file_secret(const char *path, char *buf, size_t cap) {
  struct stat st;
  size_t n;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "edgetoken: cannot read secret file %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
    fprintf(stderr, "edgetoken: warning: %s is readable by other users; chmod 600 it\n", path);
  n = fread(buf, 1, cap, f);
  if (n == cap && fgetc(f) != EOF) {
    fclose(f);
    et_wipe(buf, cap);
    fprintf(stderr, "edgetoken: secret file %s is larger than %zu bytes\n", path, cap - 1);
    return -1;
  }
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

long cli_read_secret(const cli_opts *o, char *buf, size_t cap) {
  const char *env = getenv("EDGETOKEN_CLIENT_SECRET");
  long n;
  if (o->secret_file != NULL) {
    n = read_file_secret(o->secret_file, buf, cap);
  } else if (env != NULL) {
    size_t len = strlen(env);
    if (len >= cap) {
      fprintf(stderr, "edgetoken: EDGETOKEN_CLIENT_SECRET is longer than %zu bytes\n", cap - 1);
      return -1;
    }
    memcpy(buf, env, len);
    n = (long)len;
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
