/* et_posix lifecycle, the port struct, failure details and logging. */
#include "posix_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PX_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

et_err et_posix_init(et_posix *px, const et_posix_config *cfg, et_port *port) {
  if (px == NULL || port == NULL)
    return ET_E_ARG;
  memset(px, 0, sizeof *px);
  px_arena_init();
  px->conn.fd = -1;
  px->conn.px = px;
  if (cfg) {
    px->log_level = cfg->log_level;
    px->log_sink = cfg->log_sink;
    px->sink_ctx = cfg->sink_ctx;
    px->cancel = cfg->cancel;
    px->store_dir = cfg->store_dir;
  }
  et_err e = px_tls_init(px, cfg && cfg->ca_file ? cfg->ca_file : PX_DEFAULT_CA_FILE);
  if (e != ET_OK)
    return e; /* px_tls_init already released what it set up */

  memset(port, 0, sizeof *port);
  port->ctx = px;
  port->open = px_open;
  port->send = px_send;
  port->recv = px_recv;
  port->close = px_close;
  port->mono_ms = px_mono_ms;
  port->unix_s = px_unix_s;
  port->random = px_random;
  port->sleep_ms = px_sleep_ms;
  port->sha256 = px_sha256;
  port->log = px_log;
  port->cancelled = px_cancelled;
  if (px->store_dir)
    port->store = px_store;
  if (cfg && (cfg->cert_file || cfg->key_file)) {
    e = px_sign_init(px, cfg->cert_file, cfg->key_file);
    if (e != ET_OK) {
      px_sign_free(px);
      px_tls_free(px);
      return e;
    }
    port->sign = px_sign;
  }
  return ET_OK;
}

void et_posix_free(et_posix *px) {
  if (px == NULL)
    return;
  if (px->conn.fd >= 0)
    px_close(&px->conn);
  px_sign_free(px);
  px_tls_free(px);
  px_arena_report(px);
  et_wipe(px, sizeof *px);
  px->conn.fd = -1;
}

const char *et_posix_detail(const et_posix *px) {
  return px ? px->detail : "";
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
