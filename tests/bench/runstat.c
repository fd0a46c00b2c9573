/* SPDX-License-Identifier: MIT */
/* runstat: runs a command and writes what it cost, for make bench
 * (tools/bench.py):
 *
 *   runstat OUT_FILE COMMAND [ARG...]
 *
 * OUT_FILE gets one line: "wall_us user_us sys_us maxrss_kib status"
 * (monotonic wall time from fork to reap; the child's rusage from wait4;
 * status: the exit code, or 128 + the signal). The command's stdin, stdout
 * and stderr are runstat's. runstat exits with the command's status.
 *
 * Why not Python or GNU time: a child forked from Python inherits Python's
 * pages, and Linux keeps the pre-exec high-water mark in ru_maxrss, so the
 * RSS would be Python's; GNU time prints CPU times in 10 ms steps, more
 * than a whole run here. A small C parent has a small high-water mark and
 * wait4 gives microseconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv) {
  return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: runstat OUT_FILE COMMAND [ARG...]\n");
    return 2;
  }
  long long t0 = now_us();
  pid_t pid = fork();
  if (pid < 0) {
    perror("runstat: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror("runstat: exec");
    _exit(127);
  }
  int st = 0;
  struct rusage ru;
  while (wait4(pid, &st, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("runstat: wait4");
      return 2;
    }
  }
  long long wall = now_us() - t0;
  int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  FILE *f = fopen(argv[1], "w");
  if (f == NULL) {
    perror("runstat: output file");
    return 2;
  }
  fprintf(f, "%lld %lld %lld %ld %d\n", wall, tv_us(ru.ru_utime), tv_us(ru.ru_stime),
          ru.ru_maxrss, status);
  if (fclose(f) != 0) {
    perror("runstat: output file");
    return 2;
  }
  return status;
}
