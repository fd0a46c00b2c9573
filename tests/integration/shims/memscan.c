/* SPDX-License-Identifier: MIT */
/* LD_PRELOAD shim: looks for secrets in the process's own writable memory.
 *
 *   ET_MEMSCAN_EXIT=hex,hex,...    byte strings that must be gone at exit
 *   ET_MEMSCAN_STDERR=hex,...      ... and whenever the program writes to
 *                                  stderr (after a call returned, before the
 *                                  caller wipes its own buffers; the
 *                                  stack is read at exit only)
 *   ET_MEMSCAN_LOG=path            one line per find: "<when> <needle#> <map>"
 *
 * The needles are given in hex so the environment does not hold them; the
 * shim's own copies and the value of EDGETOKEN_CLIENT_SECRET (the
 * environment is the caller's) are skipped. Only writable mappings are
 * read: secrets live there. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NEEDLES 16
#define NEEDLE_MAX 4096

typedef struct {
  size_t n[MAX_NEEDLES];
  int count;
  unsigned char b[MAX_NEEDLES][NEEDLE_MAX];
} needles;

static needles at_exit_n, at_stderr_n;
static char maps[1 << 20];
static int scanning;

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void parse(const char *env, needles *nd) {
  const char *s = getenv(env);
  nd->count = 0;
  while (s && *s && nd->count < MAX_NEEDLES) {
    size_t k = 0;
    while (s[0] && s[0] != ',' && s[1] && k < NEEDLE_MAX) {
      int hi = hexval(s[0]), lo = hexval(s[1]);
      if (hi < 0 || lo < 0)
        break;
      nd->b[nd->count][k++] = (unsigned char)(hi << 4 | lo);
      s += 2;
    }
    if (k)
      nd->n[nd->count++] = k;
    while (*s && *s != ',')
      s++;
    if (*s == ',')
      s++;
  }
}

static void report(const char *when, int i, const char *mapline, const void *at) {
  const char *log = getenv("ET_MEMSCAN_LOG");
  char line[600];
  int n, fd;
  if (log == NULL)
    return;
  n = snprintf(line, sizeof line, "%s %d %p %.480s\n", when, i, at, mapline);
  fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || n <= 0)
    return;
  if (write(fd, line, (size_t)n) < 0) { /* nothing to do */ }
  close(fd);
}

static int skipped(const unsigned char *p, size_t n) {
  const char *env = getenv("EDGETOKEN_CLIENT_SECRET");
  const unsigned char *own = (const unsigned char *)&at_exit_n;
  const unsigned char *own2 = (const unsigned char *)&at_stderr_n;
  if (p >= own && p < own + sizeof at_exit_n) return 1;
  if (p >= own2 && p < own2 + sizeof at_stderr_n) return 1;
  if (env && p >= (const unsigned char *)env && p < (const unsigned char *)env + strlen(env) + 1)
    return 1;
  (void)n;
  return 0;
}

static void scan(const char *when, const needles *nd) {
  int fd;
  size_t len = 0;
  ssize_t r;
  char *line, *next;
  if (nd->count == 0 || scanning)
    return;
  scanning = 1;
  fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    scanning = 0;
    return;
  }
  while (len < sizeof maps - 1 && (r = read(fd, maps + len, sizeof maps - 1 - len)) > 0)
    len += (size_t)r;
  close(fd);
  maps[len] = '\0';
  for (line = maps; line && *line; line = next) {
    uintptr_t lo, hi;
    char perms[8];
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
        perms[1] != 'w' || strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
      continue;
    /* Mid-run, the stack below the caller holds stale frames of libraries
     * (TLS records, libc): only the exit scan reads it. */
    if (nd == &at_stderr_n && strstr(line, "[stack]"))
      continue;
    for (int i = 0; i < nd->count; i++) {
      const unsigned char *p = (const unsigned char *)lo, *end = (const unsigned char *)hi;
      while (p < end) {
        const unsigned char *hit = memmem(p, (size_t)(end - p), nd->b[i], nd->n[i]);
        if (hit == NULL)
          break;
        if (!skipped(hit, nd->n[i])) {
          report(when, i, line, hit);
          break;
        }
        p = hit + 1;
      }
    }
  }
  scanning = 0;
}

__attribute__((constructor)) static void start(void) {
  parse("ET_MEMSCAN_EXIT", &at_exit_n);
  parse("ET_MEMSCAN_STDERR", &at_stderr_n);
}

__attribute__((destructor)) static void stop(void) {
  scan("exit", &at_exit_n);
}

static void on_stderr(FILE *f) {
  if (f == stderr)
    scan("stderr", &at_stderr_n);
}

int fputs(const char *s, FILE *f) {
  static int (*real)(const char *, FILE *);
  if (real == NULL)
    real = (int (*)(const char *, FILE *))dlsym(RTLD_NEXT, "fputs");
  on_stderr(f);
  return real(s, f);
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
  static size_t (*real)(const void *, size_t, size_t, FILE *);
  if (real == NULL)
    real = (size_t (*)(const void *, size_t, size_t, FILE *))dlsym(RTLD_NEXT, "fwrite");
  on_stderr(f);
  return real(p, size, n, f);
}

int fputc(int c, FILE *f) {
  static int (*real)(int, FILE *);
  if (real == NULL)
    real = (int (*)(int, FILE *))dlsym(RTLD_NEXT, "fputc");
  on_stderr(f);
  return real(c, f);
}

int vfprintf(FILE *f, const char *fmt, va_list ap) {
  static int (*real)(FILE *, const char *, va_list);
  if (real == NULL)
    real = (int (*)(FILE *, const char *, va_list))dlsym(RTLD_NEXT, "vfprintf");
  on_stderr(f);
  return real(f, fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...) {
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = vfprintf(f, fmt, ap);
  va_end(ap);
  return r;
}
