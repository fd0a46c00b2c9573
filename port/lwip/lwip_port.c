/* SPDX-License-Identifier: MIT */
/* et_lwip lifecycle: lwIP's sockets as the transport, the mbedTLS port
 * over them, the clock from lwIP's sys layer, and the port struct. */
#include "lw_internal.h"

#include <string.h>

#include "lwip/sys.h"

static uint64_t lw_mono_ms(void *ctx) {
  et_lwip *lw = ctx;
  uint32_t now = sys_now();
  if (now < lw->now_last)
    lw->now_high += UINT64_C(1) << 32;
  lw->now_last = now;
  return lw->now_high | now;
}

static void lw_sleep_ms(void *ctx, uint32_t ms) {
  (void)ctx;
  sys_msleep(ms);
}

static bool lw_cancelled(void *ctx) {
  const et_lwip *lw = ctx;
  return lw && lw->cancel && *lw->cancel != 0;
}

static void lw_log(void *ctx, et_level lvl, const char *msg, size_t n) {
  et_lwip *lw = ctx;
  if (lw != NULL)
    et_diag_write(&lw->diag, lvl, msg, n);
}

static const char *lw_detail(void *ctx) {
  return et_lwip_detail(ctx);
}

static et_err lw_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                      et_conn **out) {
  et_lwip *lw = ctx;
  return et_mbedtls_open(lw ? &lw->tls : NULL, host, port, tls, timeout_ms, out);
}

et_err et_lwip_init(et_lwip *lw, const et_lwip_config *cfg, et_port *port) {
  if (lw == NULL || port == NULL || cfg == NULL || (cfg->ca == NULL && cfg->ca_file == NULL))
    return ET_E_ARG;
  memset(lw, 0, sizeof *lw);
  lw->diag.level = cfg->log_level;
  lw->diag.sink = cfg->log_sink ? cfg->log_sink : et_diag_stderr;
  lw->diag.sink_ctx = cfg->log_sink ? cfg->sink_ctx : NULL;
  lw->cancel = cfg->cancel;
  lw->resolve = cfg->resolve;
  lw->resolve_ctx = cfg->resolve_ctx;
  lw->now_last = sys_now();
  et_clock clock = { lw_mono_ms, lw_cancelled, lw };
  et_mbedtls_config mc;
  memset(&mc, 0, sizeof mc);
  et_sockets_init(&lw->net, &lw_socket_api, lw, &clock, &lw->diag, &mc.transport);
  if (cfg->proxy && cfg->proxy->host && cfg->proxy->host[0]) {
    et_transport sockets = mc.transport;
    et_proxy_tunnel_init(&lw->tunnel, &sockets, cfg->proxy, &clock, &lw->diag, &mc.transport);
  }
  mc.clock = clock;
  mc.diag = &lw->diag;
  mc.ca = cfg->ca;
  mc.ca_len = cfg->ca_len;
  mc.ca_file = cfg->ca_file;
  et_err e = et_mbedtls_init(&lw->tls, &mc, NULL);
  if (e != ET_OK)
    return e; /* et_mbedtls_init released what it set up */

  memset(port, 0, sizeof *port);
  et_mbedtls_conn_hooks(port);
  port->ctx = lw;
  port->open = lw_open;
  port->mono_ms = lw_mono_ms;
  port->sleep_ms = lw_sleep_ms;
  port->log = lw_log;
  port->cancelled = lw_cancelled;
  port->detail = lw_detail;
  return ET_OK;
}

void et_lwip_free(et_lwip *lw) {
  if (lw == NULL)
    return;
  et_mbedtls_free(&lw->tls);
  et_sockets_free(&lw->net);
  et_wipe(lw, sizeof *lw);
}

const char *et_lwip_detail(const et_lwip *lw) {
  return lw ? lw->diag.text : "";
}
