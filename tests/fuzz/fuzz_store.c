/* SPDX-License-Identifier: MIT */
/* libFuzzer: the store's record readers on real files: the POSIX store's
 * LOAD (port/posix/posix_store.c) and core's refresh token reader on top
 * of it (et_refresh_token_load), plus the store's key check. First byte:
 * the reader's capacity (x 64), second: the mode; the rest is a file's
 * bytes or a key. Invariants: LOAD gives exactly the file (ET_OK, *len =
 * size) or ET_E_NOSPACE with *len = size when it does not fit; the token
 * reader gives the file less trailing whitespace when that is 1..cap bytes
 * of 0x21..0x7e, ET_E_NOT_FOUND when nothing is left, ET_E_INPUT for any
 * other byte (buffer wiped), ET_E_NOSPACE when too large; a token read
 * saves and loads back unchanged; a key is refused (ET_E_ARG) exactly when
 * it is not 1..63 of [A-Za-z0-9._-] without a leading '.'. The files live
 * in a private directory on /dev/shm (or TMPDIR), removed at exit. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "edgetoken/et_posix.h"
#include "edgetoken/et_store.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define RECORD_KEY "rt-fuzz"
#define BIG_CAP (64 * 1024)

static char g_dir[256];

static void cleanup(void) {
  char p[300];
  snprintf(p, sizeof p, "%s/%s", g_dir, RECORD_KEY);
  unlink(p);
  rmdir(g_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
  (void)argc, (void)argv;
  snprintf(g_dir, sizeof g_dir, "%s/edgetoken-fuzz-store.XXXXXX", base ? base : "/tmp");
  CHECK(mkdtemp(g_dir) != NULL);
  atexit(cleanup);
  return 0;
}

static et_err store_hook(void *ctx, et_store_op op, const char *key, uint8_t *buf, size_t cap,
                         size_t *len) {
  (void)ctx;
  return et_posix_store(g_dir, op, key, buf, cap, len);
}

static bool key_valid(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > ET_POSIX_STORE_KEY_MAX || k[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
          (k[i] >= '0' && k[i] <= '9') || k[i] == '.' || k[i] == '_' || k[i] == '-'))
      return false;
  return true;
}

static void fuzz_key(const uint8_t *p, size_t n) {
  char key[128];
  uint8_t b[8];
  size_t len = 0;
  et_err e;
  if (n >= sizeof key)
    return;
  memcpy(key, p, n);
  key[n] = '\0';
  if (!strcmp(key, RECORD_KEY))
    return;
  e = et_posix_store(g_dir, ET_STORE_LOAD, key, b, sizeof b, &len);
  CHECK(key_valid(key) ? e == ET_E_NOT_FOUND : e == ET_E_ARG);
  e = et_posix_store(g_dir, ET_STORE_DELETE, key, NULL, 0, &len);
  CHECK(key_valid(key) ? e == ET_OK : e == ET_E_ARG);
}

static void write_file(const uint8_t *p, size_t n) {
  char path[300];
  int fd;
  snprintf(path, sizeof path, "%s/%s", g_dir, RECORD_KEY);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK(n == 0 || write(fd, p, n) == (ssize_t)n);
  CHECK(close(fd) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t buf[BIG_CAP], again[BIG_CAP];
  et_port port;
  size_t cap, len = 12345, n, want;
  bool token = true;
  et_err e;
  if (size < 2)
    return 0;
  cap = (size_t)data[0] * 64;
  if (data[1] & 1) {
    fuzz_key(data + 2, size - 2);
    return 0;
  }
  data += 2;
  size -= 2;
  write_file(data, size);

  /* The file store's LOAD: the file, whole, or its size. */
  e = et_posix_store(g_dir, ET_STORE_LOAD, RECORD_KEY, buf, cap, &len);
  if (size > cap) {
    CHECK(e == ET_E_NOSPACE && len == size);
  } else {
    CHECK(e == ET_OK && len == size && (size == 0 || memcmp(buf, data, size) == 0));
  }

  /* Core's refresh token reader through the hook. */
  memset(&port, 0, sizeof port);
  port.store = store_hook;
  memset(buf, 0xa5, cap);
  e = et_refresh_token_load(&port, RECORD_KEY, buf, cap, &len);
  for (want = size; want > 0 && strchr("\r\n \t", data[want - 1]) && data[want - 1]; want--)
    ;
  for (size_t i = 0; i < want; i++)
    token &= data[i] >= 0x21 && data[i] <= 0x7e;
  if (size > cap) {
    CHECK(e == ET_E_NOSPACE);
  } else if (want == 0) {
    CHECK(e == ET_E_NOT_FOUND && len == 0);
  } else if (!token) {
    CHECK(e == ET_E_INPUT && len == 0);
    for (size_t i = 0; i < cap; i++)
      CHECK(buf[i] == 0);
  } else {
    CHECK(e == ET_OK && len == want && memcmp(buf, data, want) == 0);
    /* Saved, it loads back the same. */
    if (data[-1] & 2) {
      CHECK(et_refresh_token_save(&port, RECORD_KEY, (et_str){ (const char *)buf, len }) ==
            ET_OK);
      CHECK(et_refresh_token_load(&port, RECORD_KEY, again, sizeof again, &n) == ET_OK);
      CHECK(n == len && memcmp(again, buf, n) == 0);
    }
  }
  return 0;
}
