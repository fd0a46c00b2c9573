/* Failure details, logging and the cancel flag of an et_posix. Plain C
 * (stdio only): shared by the POSIX port and the lwIP port. */
#include "posix_internal.h"

#include <stdarg.h>
#include <stdio.h>

const char *et_posix_detail(const et_posix *px) {
  return px ? px->detail : "";
}

const char *px_detail(void *ctx) {
  return et_posix_detail(ctx);
}

bool px_cancelled(void *ctx) {
  const et_posix *px = ctx;
  return px && px->cancel && *px->cancel != 0;
}

static const char *level_name(et_level lvl) {
  switch (lvl) {
  case ET_LOG_ERROR: return "error";
  case ET_LOG_WARN: return "warning";
  case ET_LOG_INFO: return "info";
  case ET_LOG_DEBUG: return "debug";
  }
  return "log";
}

void px_log(void *ctx, et_level lvl, const char *msg, size_t n) {
  et_posix *px = ctx;
  if (px == NULL || msg == NULL || px->log_level == 0 || lvl > px->log_level)
    return;
  if (px->log_sink) {
    px->log_sink(px->sink_ctx, lvl, msg, n);
    return;
  }
  /* Messages may quote server text: keep escape sequences off the terminal. */
  char line[512];
  size_t len = 0;
  fprintf(stderr, "edgetoken: %s: ", level_name(lvl));
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

static void vlog(et_posix *px, et_level lvl, const char *fmt, va_list ap) PX_PRINTF(3, 0);
static void vlog(et_posix *px, et_level lvl, const char *fmt, va_list ap) {
  char msg[320];
  int r = vsnprintf(msg, sizeof msg, fmt, ap);
  if (r < 0)
    return;
  px_log(px, lvl, msg, (size_t)r < sizeof msg ? (size_t)r : sizeof msg - 1);
}

void px_logf(et_posix *px, et_level lvl, const char *fmt, ...) {
  if (px == NULL || px->log_level == 0 || lvl > px->log_level)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog(px, lvl, fmt, ap);
  va_end(ap);
}

et_err px_fail(et_posix *px, et_err e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  /* A detail longer than the buffer is cut; it is text for humans only. */
  if (vsnprintf(px->detail, sizeof px->detail, fmt, ap) < 0)
    px->detail[0] = '\0';
  va_end(ap);
  px_logf(px, ET_LOG_DEBUG, "%s: %s", et_strerror(e), px->detail);
  return e;
}
