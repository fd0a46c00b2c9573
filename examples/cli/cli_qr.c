/* SPDX-License-Identifier: MIT */
/* A QR code (ISO/IEC 18004) of the device-login URI, for the terminal: byte
 * mode, levels L and M, versions 1..CLI_QR_MAX_VERSION (no version
 * information block below 7), fixed-size arrays. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef unsigned char qr_grid[CLI_QR_MAX_SIZE][CLI_QR_MAX_SIZE];

/* Error correction blocks per version and level (ISO/IEC 18004 table 9):
 * at L and M up to version 6, all blocks of a symbol have the same size. */
static const struct {
  uint8_t blocks, data, ecc; /* codewords per block */
} block_table[CLI_QR_MAX_VERSION][2] = {
  /* L            M */
  { { 1, 19, 7 }, { 1, 16, 10 } },
  { { 1, 34, 10 }, { 1, 28, 16 } },
  { { 1, 55, 15 }, { 1, 44, 26 } },
  { { 1, 80, 20 }, { 2, 32, 18 } },
  { { 1, 108, 26 }, { 2, 43, 24 } },
  { { 2, 68, 18 }, { 4, 27, 16 } },
};
#define QR_MAX_CODEWORDS 172 /* version 6 */
#define QR_MAX_ECC 26

/* GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1. */
static uint8_t gf_mul(uint8_t a, uint8_t b) {
  unsigned r = 0;
  for (int i = 7; i >= 0; i--) {
    r = (r << 1) ^ ((r >> 7) * 0x11d);
    r ^= ((b >> i) & 1u) * a;
  }
  return (uint8_t)r;
}

/* The Reed-Solomon remainder of data (n codewords) by the generator with
 * roots 2^0 .. 2^(ecc_n-1), into ecc. */
static void rs_ecc(const uint8_t *data, int n, int ecc_n, uint8_t *ecc) {
  uint8_t gen[QR_MAX_ECC];
  uint8_t root = 1;

  /* gen: coefficients below the leading 1, highest degree first. */
  memset(gen, 0, sizeof gen);
  gen[ecc_n - 1] = 1;
  for (int i = 0; i < ecc_n; i++) {
    for (int j = 0; j < ecc_n; j++) {
      gen[j] = gf_mul(gen[j], root);
      if (j + 1 < ecc_n)
        gen[j] ^= gen[j + 1];
    }
    root = gf_mul(root, 2);
  }
  memset(ecc, 0, (size_t)ecc_n);
  for (int i = 0; i < n; i++) {
    uint8_t factor = data[i] ^ ecc[0];
    memmove(ecc, ecc + 1, (size_t)ecc_n - 1);
    ecc[ecc_n - 1] = 0;
    for (int j = 0; j < ecc_n; j++)
      ecc[j] ^= gf_mul(gen[j], factor);
  }
}

static void put_bits(uint8_t *buf, int *len, unsigned v, int n) {
  for (int i = n - 1; i >= 0; i--, (*len)++)
    if ((v >> i) & 1u)
      buf[*len >> 3] |= (uint8_t)(0x80 >> (*len & 7));
}

/* Mode, count, text, terminator and pad codewords, then each block's ECC,
 * interleaved as the symbol carries them. Returns the codeword count. */
static int codewords(const char *text, size_t n, int version, cli_qr_ecc ecc,
                     uint8_t out[QR_MAX_CODEWORDS]) {
  uint8_t data[QR_MAX_CODEWORDS], blk_ecc[4][QR_MAX_ECC];
  int blocks = block_table[version - 1][ecc].blocks;
  int per = block_table[version - 1][ecc].data, ecc_n = block_table[version - 1][ecc].ecc;
  int cap = blocks * per, len = 0, k = 0;

  memset(data, 0, sizeof data);
  put_bits(data, &len, 4, 4); /* byte mode */
  put_bits(data, &len, (unsigned)n, 8);
  for (size_t i = 0; i < n; i++)
    put_bits(data, &len, (unsigned char)text[i], 8);
  len += cap * 8 - len < 4 ? cap * 8 - len : 4; /* terminator: zero bits */
  for (int i = (len + 7) / 8; i < cap; i++)
    data[i] = (i - (len + 7) / 8) % 2 ? 0x11 : 0xec;
  for (int b = 0; b < blocks; b++)
    rs_ecc(data + b * per, per, ecc_n, blk_ecc[b]);
  for (int i = 0; i < per; i++)
    for (int b = 0; b < blocks; b++)
      out[k++] = data[b * per + i];
  for (int i = 0; i < ecc_n; i++)
    for (int b = 0; b < blocks; b++)
      out[k++] = blk_ecc[b][i];
  return k;
}

static void set_fn(cli_qr *qr, qr_grid fn, int x, int y, bool dark) {
  qr->dark[y][x] = dark;
  fn[y][x] = 1;
}

/* A finder centred on (cx, cy) with its light separator, clipped. */
static void draw_finder(cli_qr *qr, qr_grid fn, int cx, int cy) {
  for (int dy = -4; dy <= 4; dy++)
    for (int dx = -4; dx <= 4; dx++) {
      int x = cx + dx, y = cy + dy, d = abs(dx) > abs(dy) ? abs(dx) : abs(dy);
      if (x >= 0 && x < qr->size && y >= 0 && y < qr->size)
        set_fn(qr, fn, x, y, d != 2 && d != 4);
    }
}

/* The 15 format bits (level, mask, BCH code, XOR mask) in both places;
 * also reserves them, and the dark module, as function modules. */
static void draw_format(cli_qr *qr, qr_grid fn, int mask) {
  unsigned data = (qr->ecc == CLI_QR_ECC_L ? 1u : 0u) << 3 | (unsigned)mask, rem = data;
  unsigned bits;
  int s = qr->size;

  for (int i = 0; i < 10; i++)
    rem = (rem << 1) ^ ((rem >> 9) * 0x537);
  bits = ((data << 10) | rem) ^ 0x5412;
  for (int i = 0; i <= 5; i++)
    set_fn(qr, fn, 8, i, (bits >> i) & 1);
  set_fn(qr, fn, 8, 7, (bits >> 6) & 1);
  set_fn(qr, fn, 8, 8, (bits >> 7) & 1);
  set_fn(qr, fn, 7, 8, (bits >> 8) & 1);
  for (int i = 9; i < 15; i++)
    set_fn(qr, fn, 14 - i, 8, (bits >> i) & 1);
  for (int i = 0; i < 8; i++)
    set_fn(qr, fn, s - 1 - i, 8, (bits >> i) & 1);
  for (int i = 8; i < 15; i++)
    set_fn(qr, fn, 8, s - 15 + i, (bits >> i) & 1);
  set_fn(qr, fn, 8, s - 8, true);
}

static void draw_function_patterns(cli_qr *qr, qr_grid fn) {
  int s = qr->size;
  for (int i = 0; i < s; i++) {
    set_fn(qr, fn, 6, i, i % 2 == 0);
    set_fn(qr, fn, i, 6, i % 2 == 0);
  }
  draw_finder(qr, fn, 3, 3);
  draw_finder(qr, fn, s - 4, 3);
  draw_finder(qr, fn, 3, s - 4);
  /* Versions 2..6 have one alignment pattern; the others in its row and
   * column would overlap finders. */
  if (qr->version > 1)
    for (int dy = -2; dy <= 2; dy++)
      for (int dx = -2; dx <= 2; dx++)
        set_fn(qr, fn, s - 7 + dx, s - 7 + dy,
               abs(dx) == 2 || abs(dy) == 2 || (dx == 0 && dy == 0));
  draw_format(qr, fn, 0);
}

/* Two-module columns from the bottom right, up then down, skipping the
 * vertical timing pattern; what is left over are the remainder bits (0). */
static void place_data(cli_qr *qr, const qr_grid fn, const uint8_t *cw, int n) {
  int i = 0;
  for (int right = qr->size - 1; right >= 1; right -= 2) {
    if (right == 6)
      right = 5;
    for (int vert = 0; vert < qr->size; vert++)
      for (int j = 0; j < 2; j++) {
        int x = right - j;
        int y = ((right + 1) & 2) == 0 ? qr->size - 1 - vert : vert;
        if (!fn[y][x] && i < n * 8) {
          qr->dark[y][x] = (cw[i >> 3] >> (7 - (i & 7))) & 1;
          i++;
        }
      }
  }
}

static bool mask_bit(int mask, int x, int y) {
  switch (mask) {
  case 0: return (x + y) % 2 == 0;
  case 1: return y % 2 == 0;
  case 2: return x % 3 == 0;
  case 3: return (x + y) % 3 == 0;
  case 4: return (x / 3 + y / 2) % 2 == 0;
  case 5: return x * y % 2 + x * y % 3 == 0;
  case 6: return (x * y % 2 + x * y % 3) % 2 == 0;
  default: return ((x + y) % 2 + x * y % 3) % 2 == 0;
  }
}

/* XOR: applying a mask twice removes it. */
static void apply_mask(cli_qr *qr, const qr_grid fn, int mask) {
  for (int y = 0; y < qr->size; y++)
    for (int x = 0; x < qr->size; x++)
      if (!fn[y][x] && mask_bit(mask, x, y))
        qr->dark[y][x] ^= 1;
}

/* Module at (x, y) of row/column line: transposed for columns. Outside the
 * symbol is the light quiet zone. */
static int at(const cli_qr *qr, bool column, int line, int i) {
  if (i < 0 || i >= qr->size)
    return 0;
  return column ? qr->dark[i][line] : qr->dark[line][i];
}

int cli_qr_penalty(const cli_qr *qr) {
  static const unsigned char finder[7] = { 1, 0, 1, 1, 1, 0, 1 };
  int s = qr->size, score = 0, dark = 0;

  for (int pass = 0; pass < 2; pass++) {
    bool column = pass == 1;
    for (int line = 0; line < s; line++) {
      /* N1: 3 for a run of five of one colour, 1 more per extra module. */
      for (int i = 0, run = 1; i < s; i++, run++)
        if (i + 1 == s || at(qr, column, line, i + 1) != at(qr, column, line, i)) {
          if (run >= 5)
            score += run - 2;
          run = 0;
        }
      /* N3: 40 for 1:1:3:1:1 with four light modules on a side. */
      for (int i = 0; i + 7 <= s; i++) {
        bool core = true, before = true, after = true;
        for (int k = 0; k < 7; k++)
          core = core && at(qr, column, line, i + k) == finder[k];
        for (int k = 1; k <= 4; k++) {
          before = before && !at(qr, column, line, i - k);
          after = after && !at(qr, column, line, i + 6 + k);
        }
        if (core)
          score += 40 * (before + after);
      }
    }
  }
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++) {
      int c = qr->dark[y][x];
      dark += c;
      /* N2: 3 per 2x2 block of one colour. */
      if (x + 1 < s && y + 1 < s && qr->dark[y][x + 1] == c && qr->dark[y + 1][x] == c &&
          qr->dark[y + 1][x + 1] == c)
        score += 3;
    }
  /* N4: 10 per full 5% the dark share is off 50%. */
  return score + 10 * (abs(dark * 20 - s * s * 10) / (s * s));
}

bool cli_qr_encode(cli_qr *qr, const char *text, size_t n, cli_qr_ecc ecc, int mask) {
  qr_grid fn;
  uint8_t cw[QR_MAX_CODEWORDS];
  int version = 1, ncw;

  while (version <= CLI_QR_MAX_VERSION &&
         4 + 8 + 8 * n > (size_t)block_table[version - 1][ecc].blocks *
                             block_table[version - 1][ecc].data * 8)
    version++;
  if (version > CLI_QR_MAX_VERSION || mask < -1 || mask > 7)
    return false;
  memset(qr, 0, sizeof *qr);
  memset(fn, 0, sizeof fn);
  qr->version = version;
  qr->size = 17 + 4 * version;
  qr->ecc = ecc;
  ncw = codewords(text, n, version, ecc, cw);
  draw_function_patterns(qr, fn);
  place_data(qr, fn, cw, ncw);
  if (mask < 0) {
    int best = -1;
    for (int m = 0; m < 8; m++) {
      int p;
      apply_mask(qr, fn, m);
      draw_format(qr, fn, m);
      p = cli_qr_penalty(qr);
      if (best < 0 || p < best) {
        best = p;
        mask = m;
      }
      apply_mask(qr, fn, m);
    }
  }
  qr->mask = mask;
  apply_mask(qr, fn, mask);
  draw_format(qr, fn, mask);
  return true;
}

#define QR_FULL_BLOCK "\xe2\x96\x88"
#define QR_QUIET 4

static void full_blocks(FILE *f, int n) {
  while (n-- > 0)
    fputs(QR_FULL_BLOCK, f);
}

/* As qrencode -t UTF8 draws it: two modules per character, light ones as
 * the block (the terminal's foreground), dark ones as its background, for
 * the usual light-on-dark terminal; a quiet zone of 4 modules. */
void cli_qr_print(FILE *f, const cli_qr *qr) {
  static const char *const glyph[4] = {
    QR_FULL_BLOCK, "\xe2\x96\x80" /* bottom dark: upper half */,
    "\xe2\x96\x84" /* top dark: lower half */, " " /* both dark */
  };
  int w = qr->size + 2 * QR_QUIET;

  for (int i = 0; i < QR_QUIET / 2; i++) {
    full_blocks(f, w);
    fputc('\n', f);
  }
  /* An odd last row pairs with the quiet zone below. */
  for (int y = 0; y < qr->size; y += 2) {
    full_blocks(f, QR_QUIET);
    for (int x = 0; x < qr->size; x++) {
      int top = qr->dark[y][x], bottom = y + 1 < qr->size && qr->dark[y + 1][x];
      fputs(glyph[top << 1 | bottom], f);
    }
    full_blocks(f, QR_QUIET);
    fputc('\n', f);
  }
  for (int i = 0; i < QR_QUIET / 2; i++) {
    full_blocks(f, w);
    fputc('\n', f);
  }
}
