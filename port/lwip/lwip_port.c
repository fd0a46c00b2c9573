/* et_lwip lifecycle, the port struct, and the clock from lwIP's sys layer.
 * Connections: posix_conn.c over lwip_net.c; TLS: mbedtls_tls.c. */
#include "../posix/posix_internal.h"
#include "edgetoken/et_lwip.h"

#include <string.h>

#include "lwip/sys.h"

/* The shared code calls these with the et_posix at the start of et_lwip. */
uint64_t px_mono_ms(void *ctx) {
  et_lwip *lw = ctx;
  uint32_t now = sys_now();
  if (now < lw->now_last)
    lw->now_high += UINT64_C(1) << 32;
  lw->now_last = now;
  return lw->now_high | now;
}

void px_sleep_ms(void *ctx, uint32_t ms) {
  (void)ctx;
  sys_msleep(ms);
}

et_err et_lwip_init(et_lwip *lw, const et_lwip_config *cfg, et_port *port) {
  if (lw == NULL || port == NULL || cfg == NULL || (cfg->ca == NULL && cfg->ca_file == NULL))
    return ET_E_ARG;
  memset(lw, 0, sizeof *lw);
  et_posix *px = &lw->px;
  px_arena_init();
  px->conn.fd = -1;
  px->conn.px = px;
  px->log_level = cfg->log_level;
  px->log_sink = cfg->log_sink;
  px->sink_ctx = cfg->sink_ctx;
  px->cancel = cfg->cancel;
  lw->resolve = cfg->resolve;
  lw->resolve_ctx = cfg->resolve_ctx;
  lw->now_last = sys_now();
  et_err e = px_tls_init(px, cfg->ca_file, cfg->ca, cfg->ca_len);
  if (e != ET_OK)
    return e; /* px_tls_init already released what it set up */

  px_port_fill(port, lw);
  port->mono_ms = px_mono_ms;
  port->sleep_ms = px_sleep_ms;
  return ET_OK;
}

void et_lwip_free(et_lwip *lw) {
  if (lw == NULL)
    return;
  if (lw->px.conn.fd >= 0)
    px_close(&lw->px.conn);
  px_tls_free(&lw->px);
  px_arena_report(&lw->px);
  et_wipe(lw, sizeof *lw);
  lw->px.conn.fd = -1;
}

const char *et_lwip_detail(const et_lwip *lw) {
  return lw ? et_posix_detail(&lw->px) : "";
}
