/* SPDX-License-Identifier: MIT */
/* The CLI's QR codes (examples/cli/cli_qr.c over libqrencode), checked
 * against tools that do not share its drawing code: qrencode's terminal
 * rendering byte for byte, and zbarimg reading every URI back from an
 * image of the modules. Both tools come from tools/setup.sh (qrencode,
 * zbar-tools); a missing one fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define DEVICELOGIN "https://microsoft.com/devicelogin"

/* Verification URIs as Entra's clouds and the emulator hand them out, and
 * longer ones (RFC 8628's verification_uri_complete carries the user code)
 * up to what level M and then level L hold at CLI_QR_MAX_VERSION. */
static const char *const uris[] = {
  "https://aka.ms/devlg",
  DEVICELOGIN,
  "https://microsoft.com/deviceloginus",
  "https://microsoft.com/deviceloginchina",
  "https://localhost:44321/devicelogin",
  "https://127.0.0.1:8443/contoso-tenant/oauth2/deviceauth",
  "https://login.microsoftonline.us/organizations/oauth2/deviceauth?user_code=GFP4D2W9S",
  "https://device.login.example.com/activate/emulator?user_code=WDJB-MJHT&tenant=contoso-tenant.example.onmicrosoft.com&lang=en-US&x=1234",
};

static void need(const char *tool) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
  if (system(cmd) != 0)
    fail_msg("%s is missing: tools/setup.sh installs it", tool);
}

/* "https://x.example/" followed by 'a's up to n bytes. */
static const char *uri_of(size_t n) {
  static char buf[CLI_QR_MAX_TEXT + 64];
  assert_true(n < sizeof buf);
  memcpy(buf, "https://x.example/", 18);
  memset(buf + 18, 'a', n - 18);
  buf[n] = '\0';
  return buf;
}

/* Level M while it fits version 10, then L; longer text is refused. */
static void test_levels_and_limits(void **state) {
  cli_qr qr;
  (void)state;
  assert_true(cli_qr_encode(&qr, DEVICELOGIN, strlen(DEVICELOGIN)));
  assert_false(qr.level_l);
  assert_int_equal(qr.size, 17 + 4 * qr.version);
  assert_int_equal(qr.version, 3); /* 33 bytes: version 3 at M */
  cli_qr_free(&qr);
  assert_true(cli_qr_encode(&qr, uri_of(213), 213)); /* the most M holds at 10 */
  assert_false(qr.level_l);
  assert_int_equal(qr.version, 10);
  cli_qr_free(&qr);
  assert_true(cli_qr_encode(&qr, uri_of(214), 214));
  assert_true(qr.level_l);
  cli_qr_free(&qr);
  assert_true(cli_qr_encode(&qr, uri_of(CLI_QR_MAX_TEXT), CLI_QR_MAX_TEXT));
  assert_int_equal(qr.version, CLI_QR_MAX_VERSION);
  cli_qr_free(&qr);
  assert_false(cli_qr_encode(&qr, uri_of(CLI_QR_MAX_TEXT + 1), CLI_QR_MAX_TEXT + 1));
  assert_null(qr.code);
  assert_false(cli_qr_encode(&qr, "", 0));
  /* Outside the symbol is the quiet zone: light. */
  assert_true(cli_qr_encode(&qr, DEVICELOGIN, strlen(DEVICELOGIN)));
  assert_true(cli_qr_dark(&qr, 0, 0)); /* a finder's corner */
  assert_false(cli_qr_dark(&qr, -1, 0));
  assert_false(cli_qr_dark(&qr, qr.size, 0));
  cli_qr_free(&qr);
}

/* The tool tests' scratch directory, removed even when a test fails. */
static int make_dir(void **state) {
  static char dir[128];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/et-qr-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL)
    return -1;
  *state = dir;
  return 0;
}

static int remove_dir(void **state) {
  static const char *const files[] = { "in.txt", "out.txt", "qr.pbm" };
  char path[160];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", (const char *)*state, files[i]);
    remove(path);
  }
  return rmdir(*state);
}

/* qrencode's UTF8 rendering of text in byte mode at level L or M, into out
 * (the text goes through a file: no shell quoting). */
static void qrencode_utf8(const char *dir, const char *text, bool level_l, char *out,
                          size_t cap) {
  char in_path[160], out_path[160], cmd[512];
  FILE *f;
  size_t n;
  snprintf(in_path, sizeof in_path, "%s/in.txt", dir);
  snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
  f = fopen(in_path, "wb");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
  snprintf(cmd, sizeof cmd, "qrencode -8 -l %c -t UTF8 -r %s -o %s", level_l ? 'L' : 'M',
           in_path, out_path);
  assert_int_equal(system(cmd), 0);
  f = fopen(out_path, "rb");
  assert_non_null(f);
  n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
  fclose(f);
}

static void render(const cli_qr *qr, char *out, size_t cap) {
  FILE *f = tmpfile();
  size_t n;
  assert_non_null(f);
  cli_qr_print(f, qr);
  rewind(f);
  n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
  fclose(f);
}

/* The terminal drawing is qrencode's, byte for byte: same symbol, same
 * half blocks, same quiet zone. */
static void test_same_drawing_as_qrencode(void **state) {
  static char ref[32768], ours[32768];
  need("qrencode");
  for (size_t u = 0; u < sizeof uris / sizeof uris[0]; u++) {
    cli_qr qr;
    assert_true(cli_qr_encode(&qr, uris[u], strlen(uris[u])));
    qrencode_utf8(*state, uris[u], qr.level_l, ref, sizeof ref);
    render(&qr, ours, sizeof ours);
    if (strcmp(ours, ref) != 0)
      fail_msg("%s: not qrencode's drawing", uris[u]);
    cli_qr_free(&qr);
  }
}

/* A PBM image of qr, 4 pixels a module, quiet zone 4. */
static void write_pbm(const char *path, const cli_qr *qr) {
  enum { SCALE = 4, QUIET = 4 };
  int w = (qr->size + 2 * QUIET) * SCALE;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fprintf(f, "P1\n%d %d\n", w, w);
  for (int py = 0; py < w; py++) {
    for (int px = 0; px < w; px++)
      fputs(cli_qr_dark(qr, px / SCALE - QUIET, py / SCALE - QUIET) ? "1 " : "0 ", f);
    fputc('\n', f);
  }
  assert_int_equal(fclose(f), 0);
}

static void test_zbarimg_reads_every_uri(void **state) {
  const char *dir = *state;
  need("zbarimg");
  for (size_t u = 0; u < sizeof uris / sizeof uris[0] + 1; u++) {
    const char *text = u < sizeof uris / sizeof uris[0] ? uris[u] : uri_of(CLI_QR_MAX_TEXT);
    char pbm[160], cmd[256], got[512];
    cli_qr qr;
    FILE *p;
    size_t n;
    assert_true(cli_qr_encode(&qr, text, strlen(text)));
    snprintf(pbm, sizeof pbm, "%s/qr.pbm", dir);
    write_pbm(pbm, &qr);
    snprintf(cmd, sizeof cmd, "zbarimg --raw -q --nodbus %s 2>/dev/null", pbm);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(got, 1, sizeof got - 1, p);
    got[n] = '\0';
    pclose(p);
    if (n == 0 || got[n - 1] != '\n' || n - 1 != strlen(text) || memcmp(got, text, n - 1) != 0)
      fail_msg("zbarimg read \"%s\" from version %d-%c of \"%s\"", got, qr.version,
               qr.level_l ? 'L' : 'M', text);
    cli_qr_free(&qr);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_levels_and_limits),
    cmocka_unit_test_setup_teardown(test_same_drawing_as_qrencode, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_zbarimg_reads_every_uri, make_dir, remove_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
