/* SPDX-License-Identifier: MIT */
/* The device-login URI as a QR code for the terminal: encoded by Debian's
 * libqrencode (byte mode), drawn here with half blocks two rows a line. */
#include <qrencode.h>
#include <string.h>

#include "cli.h"

#define QR_QUIET 4 /* the standard's quiet zone, in modules */
#define QR_FULL_BLOCK "\xe2\x96\x88"

bool cli_qr_encode(cli_qr *qr, const char *text, size_t n) {
  static const QRecLevel levels[] = { QR_ECLEVEL_M, QR_ECLEVEL_L };
  memset(qr, 0, sizeof *qr);
  if (n == 0 || n > CLI_QR_MAX_TEXT)
    return false;
  /* Level M, else L for text M cannot hold within CLI_QR_MAX_VERSION. */
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
    QRcode *c = QRcode_encodeData((int)n, (const unsigned char *)text, 0, levels[i]);
    if (c != NULL && c->version <= CLI_QR_MAX_VERSION) {
      qr->code = c;
      qr->size = c->width;
      qr->version = c->version;
      qr->level_l = levels[i] == QR_ECLEVEL_L;
      return true;
    }
    QRcode_free(c); /* NULL (too long, no memory) is fine */
  }
  return false;
}

bool cli_qr_dark(const cli_qr *qr, int x, int y) {
  const QRcode *c = qr->code;
  return x >= 0 && y >= 0 && x < qr->size && y < qr->size && (c->data[y * qr->size + x] & 1);
}

void cli_qr_free(cli_qr *qr) {
  QRcode_free(qr->code);
  memset(qr, 0, sizeof *qr);
}

static void full_blocks(FILE *f, int n) {
  for (int i = 0; i < n; i++)
    fputs(QR_FULL_BLOCK, f);
}

/* Light modules drawn (a terminal's text is light on dark), as
 * `qrencode -t UTF8` does. */
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
    for (int x = 0; x < qr->size; x++)
      fputs(glyph[cli_qr_dark(qr, x, y) << 1 | cli_qr_dark(qr, x, y + 1)], f);
    full_blocks(f, QR_QUIET);
    fputc('\n', f);
  }
  for (int i = 0; i < QR_QUIET / 2; i++) {
    full_blocks(f, w);
    fputc('\n', f);
  }
}
