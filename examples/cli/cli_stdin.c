/* SPDX-License-Identifier: MIT */
/* "-" for the options mbedTLS loads by path (--ca-file, --certificate):
 * stdin copied to a private temporary file (0600 in a 0700 directory),
 * removed at exit. Only public data goes this way: a private key would
 * land on disk, so --private-key takes a path only. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define STDIN_FILE_MAX (1024 * 1024) /* a CA bundle is about 200 KB */

static char g_dir[512], g_file[560];

static void remove_copy(void) {
  if (g_file[0])
    unlink(g_file);
  if (g_dir[0])
    rmdir(g_dir);
}

const char *cli_stdin_file(const char *option) {
  static char buf[64 * 1024];
  const char *tmp = getenv("TMPDIR");
  size_t total = 0;
  int fd;
  if (tmp == NULL || tmp[0] != '/')
    tmp = "/tmp";
  if ((size_t)snprintf(g_dir, sizeof g_dir, "%s/edgetoken-XXXXXX", tmp) >= sizeof g_dir ||
      mkdtemp(g_dir) == NULL) {
    fprintf(stderr, "edgetoken: --%s -: cannot make a temporary directory in %s: %s\n", option,
            tmp, strerror(errno));
    g_dir[0] = '\0';
    return NULL;
  }
  atexit(remove_copy);
  snprintf(g_file, sizeof g_file, "%s/stdin", g_dir);
  fd = open(g_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "edgetoken: --%s -: cannot write %s: %s\n", option, g_file, strerror(errno));
    g_file[0] = '\0';
    return NULL;
  }
  for (;;) {
    ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      break;
    if (r < 0 || (total += (size_t)r) > STDIN_FILE_MAX || write(fd, buf, (size_t)r) != r) {
      fprintf(stderr, r < 0 ? "edgetoken: --%s -: cannot read stdin\n"
                            : "edgetoken: --%s -: stdin is over %u bytes or cannot be copied\n",
              option, (unsigned)STDIN_FILE_MAX);
      close(fd);
      return NULL;
    }
  }
  if (close(fd) != 0 || total == 0) {
    fprintf(stderr, "edgetoken: --%s -: nothing on stdin\n", option);
    return NULL;
  }
  return g_file;
}
