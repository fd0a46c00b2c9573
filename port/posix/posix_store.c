/* SPDX-License-Identifier: MIT */
/* The store hook on files: one file per key, replaced atomically.
 *
 * SAVE never writes into the live file. It writes a temp file next to it
 * (same directory, so same file system), fsyncs it, renames it over the key
 * (rename is atomic: readers see the old or the new inode) and fsyncs the
 * directory so the rename itself survives a power cut. A crash leaves at
 * worst a stale temp file, which LOAD never reads and a later SAVE (or the
 * next holder of the key's lock) removes.
 *
 * Nothing in the directory is trusted blindly: it must be ours (owner =
 * euid) and writable by nobody else, else another user could swap in their
 * own refresh token or a symlink; every file is opened with O_NOFOLLOW and
 * checked after open (regular, ours, not group/other-writable). */
#include "px_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_PATH_MAX 1024
/* Temp files older than this belong to a writer that died. */
#define STORE_STALE_S 60

typedef struct why {
  char *p;
  size_t cap;
} why;

static et_err fail(why *w, et_err e, const char *what, const char *path) {
  if (w->p && w->cap)
    snprintf(w->p, w->cap, "%s %s: %s", what, path, strerror(errno));
  return e;
}

static bool key_ok(const char *key) {
  size_t n = 0;
  if (key == NULL || key[0] == '.' || key[0] == '\0')
    return false;
  for (; key[n]; n++) {
    char c = key[n];
    if (n >= ET_POSIX_STORE_KEY_MAX ||
        !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

/* "<dir>/<name>" into out; false if it does not fit. */
static bool join(char *out, const char *dir, const char *prefix, const char *name,
                 const char *suffix) {
  int n = snprintf(out, STORE_PATH_MAX, "%s/%s%s%s", dir, prefix, name, suffix);
  return n > 0 && n < STORE_PATH_MAX;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static et_err refuse(why *w, const char *fmt, ...) {
  va_list ap;
  if (w->p && w->cap) {
    va_start(ap, fmt);
    vsnprintf(w->p, w->cap, fmt, ap);
    va_end(ap);
  }
  return ET_E_STORE;
}

/* POSIX lets open, fsync and fchmod fail with EINTR when a signal arrives
 * (SIGWINCH, SIGCHLD, ...): that is not a storage error, so try again. */
static int open_again(const char *path, int flags, mode_t mode) {
  int fd;
  do
    fd = open(path, flags, mode);
  while (fd < 0 && errno == EINTR);
  return fd;
}

static int fsync_again(int fd) {
  int r;
  do
    r = fsync(fd);
  while (r != 0 && errno == EINTR);
  return r;
}

static int fchmod_again(int fd, mode_t mode) {
  int r;
  do
    r = fchmod(fd, mode);
  while (r != 0 && errno == EINTR);
  return r;
}

/* close after fsync: EINTR is no failure (Linux has closed the descriptor,
 * so it must not be closed again, and fsync already made the data durable). */
static int close_synced(int fd) {
  return close(fd) != 0 && errno != EINTR ? -1 : 0;
}

/* The store directory: a directory owned by us that no one else can write
 * (a symlink to one is fine if the link is ours or root's). ET_E_NOT_FOUND
 * when it does not exist. */
static et_err check_dir(const char *dir, why *w) {
  struct stat st;
  uid_t me = geteuid();
  if (lstat(dir, &st) != 0)
    return errno == ENOENT ? ET_E_NOT_FOUND : fail(w, ET_E_STORE, "cannot stat", dir);
  if (S_ISLNK(st.st_mode) && st.st_uid != me && st.st_uid != 0)
    return refuse(w, "store directory %s is a symlink of another user (uid %u, we are %u): "
                  "refused", dir, (unsigned)st.st_uid, (unsigned)me);
  if (stat(dir, &st) != 0)
    return errno == ENOENT ? ET_E_NOT_FOUND : fail(w, ET_E_STORE, "cannot stat", dir);
  if (!S_ISDIR(st.st_mode))
    return refuse(w, "store directory %s is not a directory", dir);
  if (st.st_uid != me)
    return refuse(w, "store directory %s belongs to another user (uid %u, we are %u): "
                  "refused", dir, (unsigned)st.st_uid, (unsigned)me);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return refuse(w, "store directory %s is writable by other users (mode %03o): "
                  "refused; chmod 700 it", dir, (unsigned)(st.st_mode & 0777));
  return ET_OK;
}

/* A file of the store just opened (O_NOFOLLOW): regular, ours, not
 * writable by others. */
static et_err check_file(int fd, const char *path, why *w) {
  struct stat st;
  uid_t me = geteuid();
  if (fstat(fd, &st) != 0)
    return fail(w, ET_E_STORE, "cannot stat", path);
  if (!S_ISREG(st.st_mode))
    return refuse(w, "not a regular file: %s", path);
  if (st.st_uid != me)
    return refuse(w, "%s belongs to another user (uid %u, we are %u): refused", path,
                  (unsigned)st.st_uid, (unsigned)me);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return refuse(w, "%s is writable by other users (mode %03o): refused", path,
                  (unsigned)(st.st_mode & 0777));
  return ET_OK;
}

/* mkdir -p with mode 0700 for the components it creates; then check_dir.
 * An existing directory is only checked: no mkdir walk on every save. */
static et_err make_dirs(const char *dir, why *w) {
  char p[STORE_PATH_MAX];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof p)
    return ET_E_ARG;
  et_err e = check_dir(dir, w);
  if (e != ET_E_NOT_FOUND)
    return e;
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != '\0')
      continue;
    char c = p[i];
    p[i] = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
      return fail(w, ET_E_STORE, "cannot create directory", p);
    p[i] = c;
  }
  e = check_dir(dir, w);
  return e == ET_E_NOT_FOUND ? fail(w, ET_E_STORE, "cannot create directory", dir) : e;
}

static et_err sync_dir(const char *dir, why *w) {
  int fd = open_again(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0)
    return fail(w, ET_E_STORE, "cannot open directory", dir);
  /* Some file systems refuse fsync on a directory; the rename still holds. */
  if (fsync_again(fd) != 0 && errno != EINVAL && errno != EROFS) {
    int saved = errno;
    close(fd);
    errno = saved;
    return fail(w, ET_E_STORE, "cannot sync directory", dir);
  }
  close(fd);
  return ET_OK;
}

/* Remove ".<key>.tmp.*" files (key NULL: every key's) left by writers that
 * died (they may hold a token), older than min_age_s: young ones may belong
 * to a writer still running, unless the caller holds the key's lock. */
static void remove_temps(const char *dir, const char *key, long min_age_s) {
  char prefix[sizeof "." ".tmp." + ET_POSIX_STORE_KEY_MAX]; /* ".<key>.tmp." */
  char path[STORE_PATH_MAX];
  struct dirent *de;
  struct stat st;
  time_t now = time(NULL);
  DIR *d = opendir(dir);
  if (d == NULL)
    return;
  snprintf(prefix, sizeof prefix, ".%s.tmp.", key ? key : "");
  while ((de = readdir(d)) != NULL) {
    if (key ? strncmp(de->d_name, prefix, strlen(prefix)) != 0
            : de->d_name[0] != '.' || strstr(de->d_name, ".tmp.") == NULL)
      continue;
    if (!join(path, dir, "", de->d_name, ""))
      continue;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime >= min_age_s)
      unlink(path);
  }
  closedir(d);
}

static et_err write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return ET_E_STORE;
    p += k;
    n -= (size_t)k;
  }
  return ET_OK;
}

static et_err save(const char *dir, const char *key, const uint8_t *buf, size_t n, why *w) {
  char path[STORE_PATH_MAX], tmp[STORE_PATH_MAX];
  et_err e = make_dirs(dir, w);
  if (e != ET_OK)
    return e;
  if (!join(path, dir, "", key, "") || !join(tmp, dir, ".", key, ".tmp.XXXXXX"))
    return ET_E_ARG;
  remove_temps(dir, key, STORE_STALE_S + 1);
  int fd = mkstemp(tmp); /* 0600, O_EXCL */
  if (fd < 0)
    return fail(w, ET_E_STORE, "cannot create", tmp);
  if (fchmod_again(fd, 0600) != 0 || write_all(fd, buf, n) != ET_OK || fsync_again(fd) != 0) {
    int saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    return fail(w, ET_E_STORE, "cannot write", tmp);
  }
  if (close_synced(fd) != 0 || rename(tmp, path) != 0) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return fail(w, ET_E_STORE, "cannot replace", path);
  }
  return sync_dir(dir, w);
}

static et_err load(const char *dir, const char *key, uint8_t *buf, size_t cap, size_t *len,
                   why *w) {
  char path[STORE_PATH_MAX];
  struct stat st;
  size_t got = 0;
  et_err e;
  if (!join(path, dir, "", key, ""))
    return ET_E_ARG;
  e = check_dir(dir, w);
  if (e != ET_OK)
    return e;
  /* O_NOFOLLOW: a symlink planted in place of the token is not followed;
   * O_NONBLOCK: nor does a FIFO hold us (regular files ignore it). */
  int fd = open_again(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == ENOENT)
      return ET_E_NOT_FOUND;
    return fail(w, ET_E_STORE, "cannot open", path);
  }
  e = check_file(fd, path, w);
  if (e != ET_OK || fstat(fd, &st) != 0) {
    close(fd);
    return e != ET_OK ? e : fail(w, ET_E_STORE, "cannot stat", path);
  }
  if ((uintmax_t)st.st_size > cap) {
    close(fd);
    *len = (size_t)st.st_size;
    return ET_E_NOSPACE;
  }
  while (got < cap) {
    ssize_t k = read(fd, buf + got, cap - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0) {
      int saved = errno;
      close(fd);
      et_wipe(buf, cap);
      errno = saved;
      return fail(w, ET_E_STORE, "cannot read", path);
    }
    if (k == 0)
      break;
    got += (size_t)k;
  }
  /* Files are only ever replaced, never grown in place; still, a file that
   * grew since fstat is refused rather than cut. */
  if (got == cap && (uintmax_t)st.st_size < cap) {
    close(fd);
    et_wipe(buf, cap);
    return ET_E_STORE;
  }
  close(fd);
  *len = got;
  return ET_OK;
}

static et_err store_op(const char *dir, et_store_op op, const char *key, uint8_t *buf,
                       size_t cap, size_t *len, why *w) {
  if (dir == NULL || dir[0] == '\0' || !key_ok(key) || len == NULL)
    return ET_E_ARG;
  switch (op) {
  case ET_STORE_LOAD:
    if (buf == NULL && cap > 0)
      return ET_E_ARG;
    return load(dir, key, buf, cap, len, w);
  case ET_STORE_SAVE:
    if (buf == NULL && *len > 0)
      return ET_E_ARG;
    return save(dir, key, buf, *len, w);
  case ET_STORE_DELETE: {
    char path[STORE_PATH_MAX];
    if (!join(path, dir, "", key, ""))
      return ET_E_ARG;
    if (unlink(path) != 0) {
      if (errno == ENOENT)
        return ET_OK;
      return fail(w, ET_E_STORE, "cannot delete", path);
    }
    return sync_dir(dir, w);
  }
  }
  return ET_E_ARG;
}

et_err et_posix_store(const char *dir, et_store_op op, const char *key, uint8_t *buf,
                      size_t cap, size_t *len) {
  why w = { NULL, 0 };
  return store_op(dir, op, key, buf, cap, len, &w);
}

et_err px_store(void *ctx, et_store_op op, const char *key, uint8_t *buf, size_t cap,
                size_t *len) {
  et_posix *px = ctx;
  char detail[sizeof px->diag.text];
  why w = { detail, sizeof detail };
  detail[0] = '\0';
  et_err e = store_op(px->store_dir, op, key, buf, cap, len, &w);
  if (e != ET_OK && e != ET_E_NOT_FOUND && detail[0])
    return px_fail(px, e, "%s", detail);
  return e;
}

/* The key's lock (et_posix_store_lock). fcntl record locks rather than
 * flock(2): POSIX (flock needs _DEFAULT_SOURCE), and like flock dropped by
 * the kernel when the holder dies, so a lock is never stale. Their one trap, that closing any descriptor of the file drops the
 * process's lock, cannot bite: nothing else here opens a lock file. The
 * file is never renamed or deleted, or two processes could hold locks on
 * different inodes of one name. Polled (F_SETLK) rather than blocking
 * (F_SETLKW) so the wait stays bounded and Ctrl-C is seen. */
#define LOCK_POLL_MS 20u

et_err et_posix_store_lock(et_posix *px, const char *key, uint32_t timeout_ms, int *fd) {
  char path[STORE_PATH_MAX], detail[sizeof px->diag.text];
  why w = { detail, sizeof detail };
  struct flock fl;
  uint64_t end;
  int lfd;
  if (px == NULL || fd == NULL)
    return ET_E_ARG;
  *fd = -1;
  /* ".<key>.lock": no key starts with '.', so no SAVE can replace it. */
  if (px->store_dir == NULL || !key_ok(key) || !join(path, px->store_dir, ".", key, ".lock"))
    return ET_E_ARG;
  detail[0] = '\0';
  if (make_dirs(px->store_dir, &w) != ET_OK)
    return px_fail(px, ET_E_STORE, "%s", detail);
  lfd = open_again(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (lfd < 0)
    return px_fail(px, ET_E_STORE, "cannot open %s: %s", path, strerror(errno));
  /* Another user's lock file (held open to block us) or a FIFO: refused. */
  if (check_file(lfd, path, &w) != ET_OK) {
    close(lfd);
    return px_fail(px, ET_E_STORE, "%s", detail);
  }
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file */
  end = px_mono_ms(px) + timeout_ms;
  while (fcntl(lfd, F_SETLK, &fl) != 0) {
    if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
      int saved = errno;
      close(lfd);
      return px_fail(px, ET_E_STORE, "cannot lock %s: %s", path, strerror(saved));
    }
    uint64_t now = px_mono_ms(px);
    if (px_cancelled(px) || now >= end) {
      close(lfd);
      if (px_cancelled(px))
        return px_fail(px, ET_E_CANCELLED, "waiting for %s", path);
      return px_fail(px, ET_E_TIMEOUT, "another process held %s for %u ms", path,
                     (unsigned)timeout_ms);
    }
    px_sleep_ms(px, end - now < LOCK_POLL_MS ? (uint32_t)(end - now) : LOCK_POLL_MS);
  }
  /* Every writer of this key saves under its lock: a temp file of the key
   * now is a leftover of one that died, whatever its age. */
  remove_temps(px->store_dir, key, 0);
  *fd = lfd;
  return ET_OK;
}

void et_posix_store_unlock(int fd) {
  if (fd >= 0)
    close(fd); /* drops the lock */
}

void px_store_startup(et_posix *px) {
  why w = { NULL, 0 };
  if (px->store_dir != NULL && px->store_dir[0] != '\0' && check_dir(px->store_dir, &w) == ET_OK)
    remove_temps(px->store_dir, NULL, STORE_STALE_S + 1);
}
