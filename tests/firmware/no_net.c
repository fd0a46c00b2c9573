/* SPDX-License-Identifier: MIT */
/* A transport that connects nowhere (no_net.h). */
#include "no_net.h"

#include <string.h>

static et_err no_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms,
                         int *sock) {
  (void)ctx, (void)host, (void)port, (void)timeout_ms, (void)sock;
  return ET_E_CONNECT;
}

static et_err no_send(void *ctx, int sock, const uint8_t *p, size_t n, size_t *sent,
                      uint32_t timeout_ms) {
  (void)ctx, (void)sock, (void)p, (void)n, (void)sent, (void)timeout_ms;
  return ET_E_IO;
}

static et_err no_recv(void *ctx, int sock, uint8_t *p, size_t n, size_t *got,
                      uint32_t timeout_ms) {
  (void)ctx, (void)sock, (void)p, (void)n, (void)got, (void)timeout_ms;
  return ET_E_IO;
}

static void no_close(void *ctx, int sock) {
  (void)ctx, (void)sock;
}

static uint64_t no_clock(void *ctx) {
  (void)ctx;
  return 0;
}

void fw_no_net_config(et_mbedtls_config *cfg, const unsigned char *ca, size_t ca_len) {
  memset(cfg, 0, sizeof *cfg);
  cfg->transport.connect = no_connect;
  cfg->transport.send = no_send;
  cfg->transport.recv = no_recv;
  cfg->transport.close = no_close;
  cfg->clock.mono_ms = no_clock;
  cfg->ca = ca;
  cfg->ca_len = ca_len;
}
