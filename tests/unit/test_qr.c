/* SPDX-License-Identifier: MIT */
/* The CLI's QR codes (examples/cli/cli_qr.c), checked against things it
 * does not compute itself: the standard's capacity and format-information
 * tables, penalties worked out by hand, qrencode's output byte for byte
 * (symbol and terminal rendering), and zbarimg reading back every URI and
 * mask from an image. The last two skip when the tools are missing
 * (tools/setup.sh installs them). */
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
 * others up to the 134 bytes version 6-L holds (RFC 8628's
 * verification_uri_complete carries the user code). */
static const char *const uris[] = {
  "https://aka.ms/devlg", /* 20 bytes */
  DEVICELOGIN,
  "https://microsoft.com/deviceloginus",
  "https://microsoft.com/deviceloginchina",
  "https://localhost:44321/devicelogin",
  "https://127.0.0.1:8443/contoso-tenant/oauth2/deviceauth",
  "https://login.microsoftonline.us/organizations/oauth2/deviceauth?user_code=GFP4D2W9S",
  "https://device.login.example.com/activate?user_code=WDJB-MJHT&client_id=0c1f2d3e-4a5b",
  /* 106 bytes: the most level M holds at version 6 */
  "https://device.login.example.com/activate/emulator?user_code=WDJB-MJHT&tenant=contoso-tenant.example.onmic",
  /* 134 bytes: level L only */
  "https://device.login.example.com/activate/emulator?user_code=WDJB-MJHT&tenant=contoso-tenant.example.onmicrosoft.com&lang=en-US&x=1234",
};

static bool have(const char *tool) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
  return system(cmd) == 0;
}

/* The CLI's choice: level M, else L for longer URIs. */
static bool encode_like_cli(cli_qr *qr, const char *text, int mask) {
  size_t n = strlen(text);
  return cli_qr_encode(qr, text, n, CLI_QR_ECC_M, mask) ||
         cli_qr_encode(qr, text, n, CLI_QR_ECC_L, mask);
}

/* ISO/IEC 18004 table 7: the largest byte-mode text per version. */
static void test_smallest_version_that_holds_the_text(void **state) {
  static const struct {
    cli_qr_ecc ecc;
    size_t cap[CLI_QR_MAX_VERSION];
  } t[] = {
    { CLI_QR_ECC_L, { 17, 32, 53, 78, 106, 134 } },
    { CLI_QR_ECC_M, { 14, 26, 42, 62, 84, 106 } },
  };
  static char text[200];
  cli_qr qr;
  (void)state;
  memset(text, 'a', sizeof text);
  for (size_t i = 0; i < 2; i++) {
    for (int v = 1; v <= CLI_QR_MAX_VERSION; v++) {
      size_t cap = t[i].cap[v - 1];
      assert_true(cli_qr_encode(&qr, text, cap, t[i].ecc, -1));
      assert_int_equal(qr.version, v);
      assert_int_equal(qr.size, 17 + 4 * v);
      if (v < CLI_QR_MAX_VERSION) {
        assert_true(cli_qr_encode(&qr, text, cap + 1, t[i].ecc, -1));
        assert_int_equal(qr.version, v + 1);
      } else {
        assert_false(cli_qr_encode(&qr, text, cap + 1, t[i].ecc, -1));
      }
    }
  }
  assert_true(cli_qr_encode(&qr, "", 0, CLI_QR_ECC_M, -1));
  assert_int_equal(qr.version, 1);
  assert_false(cli_qr_encode(&qr, "x", 1, CLI_QR_ECC_M, 8));
}

static void assert_finder(const cli_qr *qr, int x0, int y0) {
  /* 7x7: dark ring, light ring, dark 3x3; then the light separator. */
  for (int dy = -1; dy <= 7; dy++)
    for (int dx = -1; dx <= 7; dx++) {
      int x = x0 + dx, y = y0 + dy, ring;
      if (x < 0 || y < 0 || x >= qr->size || y >= qr->size)
        continue;
      ring = abs(2 * dx - 6) > abs(2 * dy - 6) ? abs(2 * dx - 6) : abs(2 * dy - 6);
      assert_int_equal(qr->dark[y][x], ring == 6 || ring <= 2);
    }
}

static void test_finders_timing_alignment_dark_module(void **state) {
  static char text[200];
  static const size_t lens[CLI_QR_MAX_VERSION] = { 10, 20, 40, 60, 80, 100 };
  cli_qr qr;
  (void)state;
  memset(text, 'Z', sizeof text);
  for (int v = 1; v <= CLI_QR_MAX_VERSION; v++)
    for (int mask = 0; mask < 8; mask++) {
      int s;
      assert_true(cli_qr_encode(&qr, text, lens[v - 1], CLI_QR_ECC_M, mask));
      assert_int_equal(qr.version, v);
      s = qr.size;
      assert_finder(&qr, 0, 0);
      assert_finder(&qr, s - 7, 0);
      assert_finder(&qr, 0, s - 7);
      for (int i = 8; i < s - 8; i++) {
        assert_int_equal(qr.dark[6][i], i % 2 == 0);
        assert_int_equal(qr.dark[i][6], i % 2 == 0);
      }
      assert_int_equal(qr.dark[s - 8][8], 1);
      if (v > 1) /* centred on (4v + 10, 4v + 10) */
        for (int dy = -2; dy <= 2; dy++)
          for (int dx = -2; dx <= 2; dx++)
            assert_int_equal(qr.dark[4 * v + 10 + dy][4 * v + 10 + dx],
                             abs(dx) == 2 || abs(dy) == 2 || (dx == 0 && dy == 0));
    }
}

/* Both copies of the format information, most significant bit first, read
 * in the order the standard numbers them (bit 14 down to 0). */
static void read_format(const cli_qr *qr, char a[16], char b[16]) {
  static const int row8[] = { 0, 1, 2, 3, 4, 5, 7, 8 };
  int s = qr->size, k = 0;
  for (int i = 0; i < 8; i++)
    a[k++] = (char)('0' + qr->dark[8][row8[i]]);
  for (int y = 7; y >= 0; y--)
    if (y != 6)
      a[k++] = (char)('0' + qr->dark[y][8]);
  a[k] = '\0';
  k = 0;
  for (int y = s - 1; y >= s - 7; y--)
    b[k++] = (char)('0' + qr->dark[y][8]);
  for (int x = s - 8; x < s; x++)
    b[k++] = (char)('0' + qr->dark[8][x]);
  b[k] = '\0';
}

static void test_format_bits_match_the_standard_table(void **state) {
  /* ISO/IEC 18004 annex C: level and mask, BCH(15,5), XOR 101010000010010. */
  static const char *const want[2][8] = {
    { "111011111000100", "111001011110011", "111110110101010", "111100010011101",
      "110011000101111", "110001100011000", "110110001000001", "110100101110110" },
    { "101010000010010", "101000100100101", "101111001111100", "101101101001011",
      "100010111111001", "100000011001110", "100111110010111", "100101010100000" },
  };
  cli_qr qr;
  char a[16], b[16];
  (void)state;
  for (int ecc = 0; ecc < 2; ecc++)
    for (int mask = 0; mask < 8; mask++) {
      assert_true(cli_qr_encode(&qr, DEVICELOGIN, strlen(DEVICELOGIN), (cli_qr_ecc)ecc, mask));
      assert_int_equal(qr.mask, mask);
      read_format(&qr, a, b);
      assert_string_equal(a, want[ecc][mask]);
      assert_string_equal(b, want[ecc][mask]);
    }
}

static void test_penalty_of_hand_worked_grids(void **state) {
  static cli_qr qr;
  (void)state;
  memset(&qr, 0, sizeof qr);
  qr.size = 21;
  /* All light. N1: 42 lines, one run of 21 each: 42 * (3 + 16) = 798.
   * N2: 20 * 20 blocks * 3 = 1200. N3: none. N4: 0% dark, 10 steps: 100. */
  assert_int_equal(cli_qr_penalty(&qr), 798 + 1200 + 100);

  /* A checkerboard: no runs, blocks or finder-like patterns; 221 of 441
   * dark is under 5% off half. */
  for (int y = 0; y < 21; y++)
    for (int x = 0; x < 21; x++)
      qr.dark[y][x] = (x + y) % 2 == 0;
  assert_int_equal(cli_qr_penalty(&qr), 0);

  /* Light, with 1011101 in row 10 at columns 7..13.
   * N1: row 10 has two light runs of 7 (5 each) = 10; the other 20 rows
   * 19 each = 380; the 5 columns crossing a dark module two runs of 10
   * (8 each) = 80; the other 16 columns 19 each = 304. Sum 774.
   * N2: 360 blocks away from row 10, plus 2 * 12 next to the light pairs
   * of row 10 (columns 0..6 and 14..20 give 6 + 6 pairs): 384 * 3 = 1152.
   * N3: the pattern has 7 light modules on either side: 2 * 40 = 80.
   * N4: 5 dark of 441 is 48.9% off half: 9 steps, 90. */
  memset(qr.dark, 0, sizeof qr.dark);
  for (int x = 7; x <= 13; x++)
    qr.dark[10][x] = x != 8 && x != 12;
  assert_int_equal(cli_qr_penalty(&qr), 774 + 1152 + 80 + 90);

  /* The same pattern at the left edge: the quiet zone counts as light, so
   * both sides still qualify; N1 and N2 change with the layout. Move it
   * and check only that N3's 80 is still there: the columns crossing it
   * and the row are the same, the light pairs are now 0 on the left and
   * 13 pairs (columns 7..20) on the right, so N2 = (360 + 26) * 3 and the
   * one light run of 14 in row 10 is 12. */
  memset(qr.dark, 0, sizeof qr.dark);
  for (int x = 0; x <= 6; x++)
    qr.dark[10][x] = x != 1 && x != 5;
  assert_int_equal(cli_qr_penalty(&qr), (12 + 380 + 80 + 304) + (360 + 26) * 3 + 80 + 90);
}

/* qrencode's UTF8 rendering of text in byte mode at level ecc, into out
 * (the text goes through a file: no shell quoting). */
static void qrencode_utf8(const char *dir, const char *text, cli_qr_ecc ecc, char *out,
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
  snprintf(cmd, sizeof cmd, "qrencode -8 -l %c -t UTF8 -r %s -o %s",
           ecc == CLI_QR_ECC_L ? 'L' : 'M', in_path, out_path);
  assert_int_equal(system(cmd), 0);
  f = fopen(out_path, "rb");
  assert_non_null(f);
  n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
  fclose(f);
  remove(in_path);
  remove(out_path);
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

/* Our rendering of qr, as a string. */
static size_t render(const cli_qr *qr, char *out, size_t cap) {
  FILE *f = tmpfile();
  size_t n;
  assert_non_null(f);
  cli_qr_print(f, qr);
  rewind(f);
  n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
  fclose(f);
  return n;
}

/* qrencode -8 (byte mode) draws the same symbol when it picks the same
 * mask; its mask choice is its own, so exactly one of our 8 masks must give
 * its output, byte for byte: data, Reed-Solomon blocks, placement, format
 * bits and the half-block rendering. */
static void test_same_symbol_as_qrencode(void **state) {
  static char ref[16384], ours[16384];
  const char *dir = *state;
  int auto_same = 0, total = 0;
  if (!have("qrencode"))
    skip();
  for (int ecc = 0; ecc < 2; ecc++)
    for (size_t u = 0; u < sizeof uris / sizeof uris[0]; u++) {
      cli_qr qr;
      int matches = 0, matched = -1;
      if (!cli_qr_encode(&qr, uris[u], strlen(uris[u]), (cli_qr_ecc)ecc, -1))
        continue;
      qrencode_utf8(dir, uris[u], (cli_qr_ecc)ecc, ref, sizeof ref);
      for (int mask = 0; mask < 8; mask++) {
        assert_true(cli_qr_encode(&qr, uris[u], strlen(uris[u]), (cli_qr_ecc)ecc, mask));
        render(&qr, ours, sizeof ours);
        if (strcmp(ours, ref) == 0) {
          matches++;
          matched = mask;
        }
      }
      if (matches != 1)
        fail_msg("%s at level %c: %d of our masks give qrencode's symbol", uris[u],
                 ecc == CLI_QR_ECC_L ? 'L' : 'M', matches);
      assert_true(cli_qr_encode(&qr, uris[u], strlen(uris[u]), (cli_qr_ecc)ecc, -1));
      auto_same += qr.mask == matched;
      total++;
    }
  assert_int_equal(total, 19); /* the 134-byte URI has no level M */
  printf("# qrencode picked our mask for %d of %d symbols\n", auto_same, total);
}

/* A PBM image of qr, 4 pixels a module, quiet zone 4. */
static void write_pbm(const char *path, const cli_qr *qr) {
  enum { SCALE = 4, QUIET = 4 };
  int w = (qr->size + 2 * QUIET) * SCALE;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fprintf(f, "P1\n%d %d\n", w, w);
  for (int py = 0; py < w; py++) {
    for (int px = 0; px < w; px++) {
      int x = px / SCALE - QUIET, y = py / SCALE - QUIET;
      bool dark = x >= 0 && y >= 0 && x < qr->size && y < qr->size && qr->dark[y][x];
      fputs(dark ? "1 " : "0 ", f);
    }
    fputc('\n', f);
  }
  assert_int_equal(fclose(f), 0);
}

static void assert_zbar_reads(const char *dir, const cli_qr *qr, const char *text) {
  char pbm[160], cmd[256], got[512];
  FILE *p;
  size_t n;
  snprintf(pbm, sizeof pbm, "%s/qr.pbm", dir);
  write_pbm(pbm, qr);
  snprintf(cmd, sizeof cmd, "zbarimg --raw -q --nodbus %s 2>/dev/null", pbm);
  p = popen(cmd, "r");
  assert_non_null(p);
  n = fread(got, 1, sizeof got - 1, p);
  got[n] = '\0';
  pclose(p);
  remove(pbm);
  if (n == 0 || got[n - 1] != '\n' || n - 1 != strlen(text) || memcmp(got, text, n - 1) != 0)
    fail_msg("zbarimg read \"%s\" from version %d-%c mask %d of \"%s\"", got, qr->version,
             qr->ecc == CLI_QR_ECC_L ? 'L' : 'M', qr->mask, text);
}

static void test_zbarimg_reads_every_uri(void **state) {
  const char *dir = *state;
  cli_qr qr;
  if (!have("zbarimg"))
    skip();
  for (size_t u = 0; u < sizeof uris / sizeof uris[0]; u++) {
    assert_true(encode_like_cli(&qr, uris[u], -1));
    assert_zbar_reads(dir, &qr, uris[u]);
  }
}

/* A wrong mask pattern or format code would make a symbol unreadable. */
static void test_zbarimg_reads_every_mask_and_level(void **state) {
  static const char *const texts[] = { DEVICELOGIN, "https://aka.ms/devlg" };
  const char *dir = *state;
  cli_qr qr;
  if (!have("zbarimg"))
    skip();
  for (size_t t = 0; t < 2; t++)
    for (int ecc = 0; ecc < 2; ecc++)
      for (int mask = 0; mask < 8; mask++) {
        assert_true(cli_qr_encode(&qr, texts[t], strlen(texts[t]), (cli_qr_ecc)ecc, mask));
        assert_zbar_reads(dir, &qr, texts[t]);
      }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_smallest_version_that_holds_the_text),
    cmocka_unit_test(test_finders_timing_alignment_dark_module),
    cmocka_unit_test(test_format_bits_match_the_standard_table),
    cmocka_unit_test(test_penalty_of_hand_worked_grids),
    cmocka_unit_test_setup_teardown(test_same_symbol_as_qrencode, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_zbarimg_reads_every_uri, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_zbarimg_reads_every_mask_and_level, make_dir,
                                    remove_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
