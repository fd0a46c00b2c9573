/* SPDX-License-Identifier: MIT */
/* Failure texts and log lines from string pieces (et_diag.h). */
#include "edgetoken/et_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest log line built from pieces; longer ones are cut. */
#define DG_LINE_MAX 320

/* Append the pieces after first (up to NULL) to buf[0..cap), cut to fit;
 * returns the length. */
static size_t dg_join(char *buf, size_t cap, const char *first, va_list ap) {
  size_t len = 0;
  for (const char *s = first; s != NULL; s = va_arg(ap, const char *)) {
    size_t n = strlen(s);
    if (n > cap - 1 - len)
      n = cap - 1 - len;
    memcpy(buf + len, s, n);
    len += n;
  }
  buf[len] = '\0';
  return len;
}

void et_diag_clear(et_diag *d) {
  if (d != NULL)
    d->text[0] = '\0';
}

static bool dg_logs(const et_diag *d, et_level lvl) {
  return d != NULL && d->sink != NULL && d->level != 0 && lvl <= d->level;
}

void et_diag_write(et_diag *d, et_level lvl, const char *msg, size_t n) {
  if (msg != NULL && dg_logs(d, lvl))
    d->sink(d->sink_ctx, lvl, msg, n);
}

et_err et_diag_fail(et_diag *d, et_err e, const char *piece, ...) {
  if (d == NULL)
    return e;
  va_list ap;
  va_start(ap, piece);
  dg_join(d->text, sizeof d->text, piece, ap);
  va_end(ap);
  et_diag_log(d, ET_LOG_DEBUG, et_strerror(e), ": ", d->text, (const char *)NULL);
  return e;
}

void et_diag_log(et_diag *d, et_level lvl, const char *piece, ...) {
  if (!dg_logs(d, lvl))
    return;
  char line[DG_LINE_MAX];
  va_list ap;
  va_start(ap, piece);
  size_t n = dg_join(line, sizeof line, piece, ap);
  va_end(ap);
  d->sink(d->sink_ctx, lvl, line, n);
}

const char *et_diag_uint(char buf[ET_DIAG_NUM_MAX], uint32_t v) {
  char tmp[ET_DIAG_NUM_MAX];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0);
  for (size_t i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return buf;
}

const char *et_diag_hex(char buf[ET_DIAG_NUM_MAX], uint32_t v) {
  static const char digits[] = "0123456789abcdef";
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < 8; i++)
    buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xfu];
  buf[10] = '\0';
  return buf;
}

static const char *dg_level_name(et_level lvl) {
  switch (lvl) {
  case ET_LOG_ERROR: return "error";
  case ET_LOG_WARN: return "warning";
  case ET_LOG_INFO: return "info";
  case ET_LOG_DEBUG: return "debug";
  }
  return "log";
}

void et_diag_stderr(void *sink_ctx, et_level lvl, const char *msg, size_t n) {
  char line[512];
  size_t len = 0;
  (void)sink_ctx;
  fputs("edgetoken: ", stderr);
  fputs(dg_level_name(lvl), stderr);
  fputs(": ", stderr);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)msg[i];
    line[len++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    if (len == sizeof line) {
      fwrite(line, 1, len, stderr);
      len = 0;
    }
  }
  line[len++] = '\n';
  fwrite(line, 1, len, stderr);
}
