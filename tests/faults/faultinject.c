/* SPDX-License-Identifier: MIT */
/* Fault injection by LD_PRELOAD (tests/faults/sweep.py drives it).
 *
 *   FI_CALL=write FI_N=7 FI_MODE=ENOSPC   the 7th write fails with ENOSPC
 *   FI_MODE: ENOSPC, EIO, EINTR, EAGAIN, ECONNRESET, EACCES, SHORT (a byte
 *            call moves half its bytes, at least 1)
 *   FI_REPORT=file   at exit: "<call> <count>" for every call made, and
 *                    "injected <call> <n> <mode>" when the fault fired
 *
 * Only the program's own calls through the PLT are seen (libc's internal
 * ones, e.g. fwrite's write, are not): the calls the CLI and its port
 * make. One fault per run, so a retry after EINTR succeeds. The shim takes
 * itself out of LD_PRELOAD at start so that children (a browser) run
 * without it. Under ASan the sanitizer's interceptors come first and reach
 * these through dlsym(RTLD_NEXT). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <poll.h>
#include <unistd.h>

#define FI_CALLS(X)                                                                      \
  X(open) X(openat) X(read) X(write) X(writev) X(fsync) X(fdatasync) X(rename) X(renameat) \
  X(send) X(sendto) X(recv) X(recvfrom) X(connect) X(poll) X(accept) X(mkstemp) X(mkdir)  \
  X(fchmod) X(fcntl) X(unlink) X(close) X(fopen) X(getrandom)

enum {
#define FI_ENUM(n) FI_##n,
  FI_CALLS(FI_ENUM)
#undef FI_ENUM
  FI_NCALLS
};
static const char *const fi_names[FI_NCALLS] = {
#define FI_NAME(n) #n,
  FI_CALLS(FI_NAME)
#undef FI_NAME
};

static unsigned long fi_count[FI_NCALLS];
static int fi_call = -1;
static unsigned long fi_n;
static int fi_errno = EIO;
static int fi_short;
static int fi_fired;
static char fi_report[4096];
static int fi_active;

static void fi_write_report(void) {
  if (fi_report[0] == '\0')
    return;
  fi_active = 0; /* the report's own calls are not the program's */
  FILE *f = fopen(fi_report, "a");
  if (f == NULL)
    return;
  for (int i = 0; i < FI_NCALLS; i++)
    if (fi_count[i] > 0)
      fprintf(f, "%s %lu\n", fi_names[i], fi_count[i]);
  if (fi_fired)
    fprintf(f, "injected %s %lu %s\n", fi_names[fi_call], fi_n, fi_short ? "SHORT" : strerror(fi_errno));
  fclose(f);
}

__attribute__((constructor)) static void fi_init(void) {
  /* Only in the program under test (FI_PROGRAM, default edgetoken): not in
   * a launcher before it (valgrind) nor in a child it spawns. */
  const char *prog = getenv("FI_PROGRAM");
  if (strcmp(program_invocation_short_name, prog != NULL ? prog : "edgetoken") != 0)
    return;
  fi_active = 1;
  const char *call = getenv("FI_CALL"), *n = getenv("FI_N"), *mode = getenv("FI_MODE");
  const char *rep = getenv("FI_REPORT");
  if (rep != NULL && strlen(rep) < sizeof fi_report)
    strcpy(fi_report, rep);
  int bad = 0;
  if (call != NULL) {
    for (int i = 0; i < FI_NCALLS; i++)
      if (strcmp(call, fi_names[i]) == 0)
        fi_call = i;
    fi_n = n != NULL ? strtoul(n, NULL, 10) : 0;
    bad = fi_call < 0 || fi_n == 0;
  }
  if (mode != NULL) {
    static const struct { const char *name; int err; } modes[] = {
      { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EINTR", EINTR }, { "EAGAIN", EAGAIN },
      { "ECONNRESET", ECONNRESET }, { "EACCES", EACCES }, { "SHORT", 0 },
    };
    bad |= 1;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
      if (strcmp(mode, modes[i].name) == 0) {
        fi_errno = modes[i].err;
        fi_short = modes[i].err == 0;
        bad &= ~1;
      }
  }
  if (bad) {
    fprintf(stderr, "faultinject: unknown FI_CALL, FI_N or FI_MODE\n");
    _exit(125);
  }
  unsetenv("LD_PRELOAD");
  unsetenv("FI_CALL");
  unsetenv("FI_N");
  unsetenv("FI_MODE");
  unsetenv("FI_REPORT");
  atexit(fi_write_report);
}

/* Counts the call; 1 when this one is to fail (errno set unless SHORT). */
static int fi_hit(int call) {
  if (!fi_active)
    return 0;
  unsigned long k = ++fi_count[call];
  if (call != fi_call || k != fi_n)
    return 0;
  fi_fired = 1;
  if (!fi_short)
    errno = fi_errno;
  return 1;
}

/* A SHORT fault on a call without a byte count fails with EIO instead. */
static int fi_fails(int call) {
  if (!fi_hit(call))
    return 0;
  if (fi_short)
    errno = EIO;
  return 1;
}

/* The count a byte call passes on: n, or half of it (at least 1) on a
 * SHORT fault; false when the call is to fail instead. */
static int fi_bytes(int call, size_t *n) {
  if (!fi_hit(call))
    return 1;
  if (*n > 1)
    *n /= 2;
  return fi_short;
}

/* open and openat take a mode only with O_CREAT or O_TMPFILE. */
#define FI_OPEN_MODE(flags, last)                 \
  mode_t mode = 0;                                \
  if ((flags) & (O_CREAT | O_TMPFILE)) {          \
    va_list ap;                                   \
    va_start(ap, last);                           \
    mode = (mode_t)va_arg(ap, int);               \
    va_end(ap);                                   \
  }

#define REAL(name) \
  static __typeof__(&name) real_##name; \
  if (real_##name == NULL) \
    *(void **)&real_##name = dlsym(RTLD_NEXT, #name)

int open(const char *path, int flags, ...) {
  FI_OPEN_MODE(flags, flags)
  REAL(open);
  if (fi_fails(FI_open))
    return -1;
  return real_open(path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...) {
  FI_OPEN_MODE(flags, flags)
  REAL(openat);
  if (fi_fails(FI_openat))
    return -1;
  return real_openat(dir, path, flags, mode);
}

ssize_t read(int fd, void *buf, size_t n) {
  REAL(read);
  if (!fi_bytes(FI_read, &n))
    return -1;
  return real_read(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n) {
  REAL(write);
  if (!fi_bytes(FI_write, &n))
    return -1;
  return real_write(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  REAL(writev);
  if (fi_fails(FI_writev)) /* SHORT: EIO */
    return -1;
  return real_writev(fd, iov, cnt);
}

int fsync(int fd) {
  REAL(fsync);
  if (fi_fails(FI_fsync))
    return -1;
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  if (fi_fails(FI_fdatasync))
    return -1;
  return real_fdatasync(fd);
}

int rename(const char *from, const char *to) {
  REAL(rename);
  if (fi_fails(FI_rename))
    return -1;
  return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to) {
  REAL(renameat);
  if (fi_fails(FI_renameat))
    return -1;
  return real_renameat(fd1, from, fd2, to);
}

ssize_t send(int fd, const void *buf, size_t n, int flags) {
  REAL(send);
  if (!fi_bytes(FI_send, &n))
    return -1;
  return real_send(fd, buf, n, flags);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
               socklen_t len) {
  REAL(sendto);
  if (!fi_bytes(FI_sendto, &n))
    return -1;
  return real_sendto(fd, buf, n, flags, to, len);
}

ssize_t recv(int fd, void *buf, size_t n, int flags) {
  REAL(recv);
  if (!fi_bytes(FI_recv, &n))
    return -1;
  return real_recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                 socklen_t *len) {
  REAL(recvfrom);
  if (!fi_bytes(FI_recvfrom, &n))
    return -1;
  return real_recvfrom(fd, buf, n, flags, from, len);
}

int connect(int fd, const struct sockaddr *a, socklen_t len) {
  REAL(connect);
  if (fi_fails(FI_connect))
    return -1;
  return real_connect(fd, a, len);
}

int poll(struct pollfd *p, nfds_t n, int ms) {
  REAL(poll);
  if (fi_fails(FI_poll))
    return -1;
  return real_poll(p, n, ms);
}

int accept(int fd, struct sockaddr *a, socklen_t *len) {
  REAL(accept);
  if (fi_fails(FI_accept))
    return -1;
  return real_accept(fd, a, len);
}

int mkstemp(char *tmpl) {
  REAL(mkstemp);
  if (fi_fails(FI_mkstemp))
    return -1;
  return real_mkstemp(tmpl);
}

int mkdir(const char *path, mode_t mode) {
  REAL(mkdir);
  if (fi_fails(FI_mkdir))
    return -1;
  return real_mkdir(path, mode);
}

int fchmod(int fd, mode_t mode) {
  REAL(fchmod);
  if (fi_fails(FI_fchmod))
    return -1;
  return real_fchmod(fd, mode);
}

/* Only the lock requests: F_SETLK/F_SETLKW (EINTR is what a signal does to
 * a waiting F_SETLKW). */
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  REAL(fcntl);
  if ((cmd == F_SETLK || cmd == F_SETLKW) && fi_fails(FI_fcntl))
    return -1;
  return real_fcntl(fd, cmd, arg);
}

int unlink(const char *path) {
  REAL(unlink);
  if (fi_fails(FI_unlink))
    return -1;
  return real_unlink(path);
}

/* close fails after closing, as Linux does on EIO (the fd is gone). */
int close(int fd) {
  REAL(close);
  if (fi_fails(FI_close)) {
    int e = errno;
    real_close(fd);
    errno = e;
    return -1;
  }
  return real_close(fd);
}

FILE *fopen(const char *path, const char *mode) {
  REAL(fopen);
  if (fi_fails(FI_fopen))
    return NULL;
  return real_fopen(path, mode);
}

ssize_t getrandom(void *buf, size_t n, unsigned flags) {
  REAL(getrandom);
  if (!fi_bytes(FI_getrandom, &n))
    return -1;
  return real_getrandom(buf, n, flags);
}
