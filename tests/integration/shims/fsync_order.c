/* SPDX-License-Identifier: MIT */
/* LD_PRELOAD shim: records the order of write, fsync, rename and directory
 * fsync on files under $ET_SHIM_DIR, one line each in $ET_SHIM_LOG:
 *   write <path> | fsync <path> | fsyncdir <path> | rename <from> <to>
 * so a test can check that a store save is write -> fsync(file) -> rename ->
 * fsync(dir). Only calls through the PLT are seen (the CLI's own). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void record(const char *op, const char *a, const char *b) {
  static ssize_t (*real_write)(int, const void *, size_t);
  const char *dir = getenv("ET_SHIM_DIR"), *log = getenv("ET_SHIM_LOG");
  char line[3 * PATH_MAX];
  int n, fd;
  if (dir == NULL || log == NULL || a == NULL || strncmp(a, dir, strlen(dir)) != 0)
    return;
  if (real_write == NULL)
    real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
  n = snprintf(line, sizeof line, "%s %s%s%s\n", op, a, b ? " " : "", b ? b : "");
  if (n <= 0 || (size_t)n >= sizeof line)
    return;
  fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  (void)real_write(fd, line, (size_t)n);
  close(fd);
}

/* The path fd refers to, or NULL. */
static const char *fd_path(int fd, char *buf, size_t cap) {
  char link[64];
  ssize_t n;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink(link, buf, cap - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  return buf;
}

ssize_t write(int fd, const void *p, size_t n) {
  static ssize_t (*real)(int, const void *, size_t);
  char path[PATH_MAX];
  if (real == NULL)
    real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
  if (fd > 2)
    record("write", fd_path(fd, path, sizeof path), NULL);
  return real(fd, p, n);
}

static void record_sync(int fd) {
  char path[PATH_MAX];
  struct stat st;
  const char *p = fd_path(fd, path, sizeof path);
  if (p != NULL && fstat(fd, &st) == 0)
    record(S_ISDIR(st.st_mode) ? "fsyncdir" : "fsync", p, NULL);
}

int fsync(int fd) {
  static int (*real)(int);
  if (real == NULL)
    real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  int rc = real(fd);
  if (rc == 0)
    record_sync(fd);
  return rc;
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (real == NULL)
    real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  int rc = real(fd);
  if (rc == 0)
    record_sync(fd);
  return rc;
}

int rename(const char *from, const char *to) {
  static int (*real)(const char *, const char *);
  if (real == NULL)
    real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
  int rc = real(from, to);
  if (rc == 0)
    record("rename", from, to);
  return rc;
}
