/* SPDX-License-Identifier: MIT */
/* The POSIX file store: round trips, modes, bad keys, sizes, stale temp
 * files, the port hook, and the crash test: a writer killed with SIGKILL at
 * random instants never leaves an empty or torn token behind. (SIGKILL
 * tests the process-crash half of the guarantee; the power-cut half rests on
 * the fsync of the file and of the directory, which a test cannot cut.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "edgetoken/et_posix.h"

#define KILL_ROUNDS 250
#define TOKEN_LEN 1800 /* about a real refresh token */

typedef struct fixture {
  char dir[64];
  char sub[128];
} fixture;

static void rm_tree(const char *dir) {
  char path[512];
  struct dirent *de;
  DIR *d = opendir(dir);
  if (d == NULL)
    return;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (unlink(path) != 0)
      rm_tree(path);
  }
  closedir(d);
  rmdir(dir);
}

static int setup(void **state) {
  static fixture f;
  const char *tmp = getenv("TMPDIR");
  snprintf(f.dir, sizeof f.dir, "%s/et-store-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (mkdtemp(f.dir) == NULL)
    return -1;
  snprintf(f.sub, sizeof f.sub, "%s/state/edgetoken", f.dir);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  rm_tree(f->dir);
  return 0;
}

static et_err save_cstr(const char *dir, const char *key, const char *v) {
  size_t n = strlen(v);
  return et_posix_store(dir, ET_STORE_SAVE, key, (uint8_t *)(uintptr_t)v, n, &n);
}

static size_t count_entries(const char *dir) {
  size_t n = 0;
  struct dirent *de;
  DIR *d = opendir(dir);
  assert_non_null(d);
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

static void test_round_trip_creates_private_dir_and_file(void **state) {
  fixture *f = *state;
  uint8_t buf[64];
  size_t len = 0;
  struct stat st;
  char path[256];

  assert_int_equal(et_posix_store(f->sub, ET_STORE_LOAD, "rt", buf, sizeof buf, &len),
                   ET_E_NOT_FOUND);
  assert_int_equal(save_cstr(f->sub, "rt", "first-token"), ET_OK);
  assert_int_equal(save_cstr(f->sub, "rt", "second"), ET_OK);
  assert_int_equal(et_posix_store(f->sub, ET_STORE_LOAD, "rt", buf, sizeof buf, &len), ET_OK);
  assert_int_equal(len, 6);
  assert_memory_equal(buf, "second", 6);

  assert_int_equal(stat(f->sub, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  snprintf(path, sizeof path, "%s/rt", f->sub);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(st.st_size, 6);
  assert_int_equal(count_entries(f->sub), 1); /* no temp file left */

  assert_int_equal(et_posix_store(f->sub, ET_STORE_DELETE, "rt", NULL, 0, &len), ET_OK);
  assert_int_equal(et_posix_store(f->sub, ET_STORE_LOAD, "rt", buf, sizeof buf, &len),
                   ET_E_NOT_FOUND);
  assert_int_equal(et_posix_store(f->sub, ET_STORE_DELETE, "rt", NULL, 0, &len), ET_OK);
}

static void test_keys_outside_the_alphabet_are_refused(void **state) {
  fixture *f = *state;
  static const char *bad[] = {
    "", ".", "..", ".hidden", "a/b", "../x", "a b", "a\nb", "tok\\en", "t%2e",
    "0123456789012345678901234567890123456789012345678901234567890123456789",
  };
  uint8_t buf[8] = "x";
  size_t len = 1;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(et_posix_store(f->dir, ET_STORE_SAVE, bad[i], buf, 1, &len), ET_E_ARG);
    assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, bad[i], buf, 8, &len), ET_E_ARG);
    assert_int_equal(et_posix_store(f->dir, ET_STORE_DELETE, bad[i], buf, 8, &len), ET_E_ARG);
  }
  assert_int_equal(et_posix_store(f->dir, ET_STORE_SAVE, NULL, buf, 1, &len), ET_E_ARG);
  assert_int_equal(et_posix_store(NULL, ET_STORE_SAVE, "k", buf, 1, &len), ET_E_ARG);
  assert_int_equal(et_posix_store("", ET_STORE_SAVE, "k", buf, 1, &len), ET_E_ARG);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_SAVE, "k", buf, 1, NULL), ET_E_ARG);
  assert_int_equal(et_posix_store(f->dir, (et_store_op)7, "k", buf, 1, &len), ET_E_ARG);
  assert_int_equal(count_entries(f->dir), 0);
  /* The whole alphabet is fine. */
  assert_int_equal(save_cstr(f->dir, "Az09._-x", "v"), ET_OK);
}

static void test_too_small_buffer_reports_size(void **state) {
  fixture *f = *state;
  uint8_t buf[4];
  size_t len = 0;
  assert_int_equal(save_cstr(f->dir, "big", "0123456789"), ET_OK);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "big", buf, sizeof buf, &len),
                   ET_E_NOSPACE);
  assert_int_equal(len, 10);
  /* Exactly fitting is fine; empty values round-trip too. */
  uint8_t exact[10];
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "big", exact, sizeof exact, &len),
                   ET_OK);
  assert_int_equal(len, 10);
  assert_int_equal(save_cstr(f->dir, "empty", ""), ET_OK);
  len = 99;
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "empty", buf, sizeof buf, &len),
                   ET_OK);
  assert_int_equal(len, 0);
}

static void test_symlink_and_directory_are_not_read(void **state) {
  fixture *f = *state;
  char path[256], target[256];
  uint8_t buf[16];
  size_t len = 0;
  snprintf(target, sizeof target, "%s/target", f->dir);
  snprintf(path, sizeof path, "%s/link", f->dir);
  assert_int_equal(save_cstr(f->dir, "target", "secret"), ET_OK);
  assert_int_equal(symlink(target, path), 0);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "link", buf, sizeof buf, &len),
                   ET_E_STORE);
  snprintf(path, sizeof path, "%s/adir", f->dir);
  assert_int_equal(mkdir(path, 0700), 0);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "adir", buf, sizeof buf, &len),
                   ET_E_STORE);
  /* SAVE replaces the link itself, not its target. */
  assert_int_equal(save_cstr(f->dir, "link", "new"), ET_OK);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "target", buf, sizeof buf, &len),
                   ET_OK);
  assert_memory_equal(buf, "secret", 6);
}

static void test_unwritable_dir_is_a_store_error(void **state) {
  fixture *f = *state;
  char path[256];
  snprintf(path, sizeof path, "%s/file", f->dir);
  assert_int_equal(save_cstr(f->dir, "file", "x"), ET_OK);
  /* A path component that is a file. */
  assert_int_equal(save_cstr(path, "k", "x"), ET_E_STORE);
}

static void test_stale_temp_files_are_removed_young_ones_kept(void **state) {
  fixture *f = *state;
  char stale[256], young[256], other[256];
  struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
  snprintf(stale, sizeof stale, "%s/.rt.tmp.AAAAAA", f->dir);
  snprintf(young, sizeof young, "%s/.rt.tmp.BBBBBB", f->dir);
  snprintf(other, sizeof other, "%s/.rt2.tmp.CCCCCC", f->dir);
  const char *paths[] = { stale, young, other };
  for (size_t i = 0; i < 3; i++) {
    int fd = open(paths[i], O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "torn", 4), 4);
    if (i != 1)
      assert_int_equal(futimens(fd, old), 0);
    close(fd);
  }
  assert_int_equal(save_cstr(f->dir, "rt", "token"), ET_OK);
  assert_int_equal(access(stale, F_OK), -1);
  assert_int_equal(access(young, F_OK), 0);  /* maybe a live writer's */
  assert_int_equal(access(other, F_OK), 0);  /* another key's */
}

static void test_port_hook_uses_store_dir(void **state) {
  fixture *f = *state;
  const char *certs = getenv("ET_TEST_CERTS");
  char ca[512];
  et_posix px;
  et_port port;
  et_posix_config pc;
  uint8_t buf[32];
  size_t len = 5;
  memset(&pc, 0, sizeof pc);
  if (certs) {
    snprintf(ca, sizeof ca, "%s/ca.pem", certs);
    pc.ca_file = ca;
  }
  /* Without store_dir there is no hook. */
  if (et_posix_init(&px, &pc, &port) != ET_OK)
    skip(); /* no CA bundle here: covered by the direct calls above */
  assert_null(port.store);
  et_posix_free(&px);

  pc.store_dir = f->sub;
  assert_int_equal(et_posix_init(&px, &pc, &port), ET_OK);
  assert_non_null(port.store);
  assert_int_equal(port.store(port.ctx, ET_STORE_SAVE, "hook", (uint8_t *)"hello", 5, &len),
                   ET_OK);
  assert_int_equal(port.store(port.ctx, ET_STORE_LOAD, "hook", buf, sizeof buf, &len), ET_OK);
  assert_int_equal(len, 5);
  assert_memory_equal(buf, "hello", 5);
  assert_int_equal(port.store(port.ctx, ET_STORE_LOAD, "nope", buf, sizeof buf, &len),
                   ET_E_NOT_FOUND);
  et_posix_free(&px);
}

/* --- the crash test ---------------------------------------------------- */

/* A self-checking token: "<gen 8 hex>:" + body + ":<sum 8 hex>", TOKEN_LEN
 * bytes in all. The body's bytes depend on the generation, so a mix of two
 * generations fails the sum. */
static void make_token(uint8_t *t, uint32_t gen) {
  uint32_t sum = 0;
  snprintf((char *)t, 10, "%08x:", gen);
  for (size_t i = 9; i < TOKEN_LEN - 9; i++)
    t[i] = (uint8_t)('a' + (gen * 7u + i * 13u) % 26u);
  for (size_t i = 0; i < TOKEN_LEN - 9; i++)
    sum = sum * 31u + t[i];
  snprintf((char *)t + TOKEN_LEN - 9, 10, ":%08x", sum);
}

static bool token_valid(const uint8_t *t, size_t n, uint32_t *gen) {
  uint8_t want[TOKEN_LEN + 1];
  char head[9];
  if (n != TOKEN_LEN)
    return false;
  memcpy(head, t, 8);
  head[8] = '\0';
  *gen = (uint32_t)strtoul(head, NULL, 16);
  make_token(want, *gen);
  return memcmp(want, t, TOKEN_LEN) == 0;
}

static void writer(const char *dir) {
  uint8_t t[TOKEN_LEN + 1];
  for (uint32_t gen = 1;; gen++) {
    size_t n = TOKEN_LEN;
    make_token(t, gen);
    if (et_posix_store(dir, ET_STORE_SAVE, "rt", t, n, &n) != ET_OK)
      _exit(3);
  }
}

static void test_sigkill_never_leaves_a_torn_token(void **state) {
  fixture *f = *state;
  uint8_t t[TOKEN_LEN + 1], got[TOKEN_LEN * 2];
  uint32_t gen = 0, last = 0;
  unsigned changes = 0, mid_write = 0;
  size_t entries = 1;
  long window_us = 3000; /* kill within this; adapts to the writer's speed */
  size_t len = TOKEN_LEN;
  time_t start = time(NULL);

  srand((unsigned)getpid());
  make_token(t, 0);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_SAVE, "rt", t, len, &len), ET_OK);

  for (int round = 0; round < KILL_ROUNDS; round++) {
    int status;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
      writer(f->dir);
    /* Lands before the first save, mid-write, mid-rename, ... The window
     * grows while kills come too early (a slow writer, e.g. valgrind). */
    struct timespec d = { 0, (rand() % window_us) * 1000L };
    nanosleep(&d, NULL);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status)); /* not exit 3: every save worked */
    assert_int_equal(WTERMSIG(status), SIGKILL);

    len = 0;
    assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, "rt", got, sizeof got, &len), ET_OK);
    if (!token_valid(got, len, &gen))
      fail_msg("round %d: torn or empty token (%zu bytes)", round, len);
    if (gen != last)
      changes++;
    else if (window_us < 200000)
      window_us *= 2;
    if (gen != last && window_us > 3000)
      window_us /= 2;
    last = gen;
    if (count_entries(f->dir) > entries)
      mid_write++; /* killed between mkstemp and rename: a new temp file */
    entries = count_entries(f->dir);
    assert_true(time(NULL) - start < 120); /* bounded even under valgrind */
  }
  /* The test means something only if the writer got to write. */
  assert_true(changes > KILL_ROUNDS / 10);
  print_message("# %u of %d kills changed the token, %u left a temp file\n", changes,
                KILL_ROUNDS, mid_write);
}

/* ET_POSIX_STORE_KEY_MAX characters work end to end; one more is refused. */
static void test_longest_key_is_the_constant(void **state) {
  fixture *f = *state;
  char key[ET_POSIX_STORE_KEY_MAX + 2];
  uint8_t buf[8];
  size_t len = 3;
  memset(key, 'k', ET_POSIX_STORE_KEY_MAX);
  key[ET_POSIX_STORE_KEY_MAX] = '\0';
  assert_int_equal(et_posix_store(f->dir, ET_STORE_SAVE, key, (uint8_t *)"abc", 3, &len), ET_OK);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, key, buf, sizeof buf, &len), ET_OK);
  assert_int_equal(len, 3);
  assert_memory_equal(buf, "abc", 3);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_DELETE, key, NULL, 0, &len), ET_OK);
  key[ET_POSIX_STORE_KEY_MAX] = 'k';
  key[ET_POSIX_STORE_KEY_MAX + 1] = '\0';
  len = 3;
  assert_int_equal(et_posix_store(f->dir, ET_STORE_SAVE, key, (uint8_t *)"abc", 3, &len),
                   ET_E_ARG);
  assert_int_equal(et_posix_store(f->dir, ET_STORE_LOAD, key, buf, sizeof buf, &len), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_round_trip_creates_private_dir_and_file, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_keys_outside_the_alphabet_are_refused, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_too_small_buffer_reports_size, setup, teardown),
    cmocka_unit_test_setup_teardown(test_symlink_and_directory_are_not_read, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unwritable_dir_is_a_store_error, setup, teardown),
    cmocka_unit_test_setup_teardown(test_stale_temp_files_are_removed_young_ones_kept, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_port_hook_uses_store_dir, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sigkill_never_leaves_a_torn_token, setup, teardown),
    cmocka_unit_test_setup_teardown(test_longest_key_is_the_constant, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
