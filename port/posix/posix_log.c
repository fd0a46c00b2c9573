/* SPDX-License-Identifier: MIT */
/* Failure details and logging of an et_posix (into its et_diag, which the
 * transport and TLS layers share), and the cancel flag. */
#include "px_internal.h"

#include <stdarg.h>
#include <stdio.h>

const char *et_posix_detail(const et_posix *px) {
  return px ? px->diag.text : "";
}

const char *px_detail(void *ctx) {
  return et_posix_detail(ctx);
}

bool px_cancelled(void *ctx) {
  const et_posix *px = ctx;
  return px && px->cancel && *px->cancel != 0;
}

void px_log(void *ctx, et_level lvl, const char *msg, size_t n) {
  et_posix *px = ctx;
  if (px != NULL)
    et_diag_write(&px->diag, lvl, msg, n);
}

void px_logf(et_posix *px, et_level lvl, const char *fmt, ...) {
  char msg[320];
  if (px == NULL || px->diag.level == 0 || lvl > px->diag.level)
    return;
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (r >= 0)
    et_diag_write(&px->diag, lvl, msg, (size_t)r < sizeof msg ? (size_t)r : sizeof msg - 1);
}

et_err px_fail(et_posix *px, et_err e, const char *fmt, ...) {
  char msg[ET_DIAG_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  /* A detail longer than the buffer is cut; it is text for humans only. */
  if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
    msg[0] = '\0';
  va_end(ap);
  return et_diag_fail(&px->diag, e, msg, (const char *)NULL);
}
