/* SPDX-License-Identifier: MIT */
/* The live image: client-credentials tokens from a real server over real
 * TLS (mbedTLS 3.6, TLS 1.3 or 1.2), the bytes going out of the board's
 * UART through the modem transport (et_uart_modem.h) to the host's modem
 * bridge (tools/modem-bridge.py), measured on the target.
 *
 * make firmware-live builds it with the app's settings in live_config.h
 * (tools/fw-live-config.py: authority, tenant, client id, scope, the
 * trust anchors, and the client secret or the client key, compiled in from
 * files) and runs it under QEMU with the bridge. It gets LIVE_TOKENS
 * tokens one after the other (the second on a resumed TLS session) and
 * prints per token its length and expiry, the TLS version and whether the
 * handshake was resumed, the mbedTLS arena high-water and the painted
 * stack peak during the handshake and over the whole flow, and the virtual
 * time spent (under -icount shift=0: instructions). Exit status: 0, or the
 * et_err of the failure (semihosting carries it to QEMU's exit code). */
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>
#include <mbedtls/ssl.h>

#include "bsp_live.h"
#include "edgetoken/edgetoken.h"
#include "edgetoken/et_mbedtls.h"
#include "edgetoken/et_uart_modem.h"
#include "fw.h"
#include "live_config.h"

#ifndef FW_ARENA
#define FW_ARENA 49152
#endif
#ifndef LIVE_TOKENS
#define LIVE_TOKENS 2
#endif

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

static unsigned char arena[FW_ARENA];
static uint8_t work_buf[CONFIG_ET_WORK_BUF_SIZE];
static jsmntok_t work_tok[CONFIG_ET_JSON_TOKENS];
static et_mbedtls mp;
static et_uart_modem modem;
static et_diag diag;

/* The handshake's figures, taken around the port's open. */
static et_err (*port_open)(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                           et_conn **out);
static struct {
  size_t arena_peak, arena_before; /* before: the flow's peak up to the open */
  size_t arena_blocks;
  uint32_t stack_peak, stack_before;
  uint64_t ticks, idle;
  const char *version;
  bool resumed;
  unsigned opens;
} hs;

static void put_u64(uint64_t v) {
  char buf[21];
  size_t i = sizeof buf - 1;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + (unsigned)(v % 10u));
    v /= 10u;
  } while (v != 0 && i > 0);
  fw_puts(buf + i);
}

static void put_kv(const char *k, uint64_t v) {
  fw_puts(k);
  put_u64(v);
}

static void put_span(et_str s) {
  char chunk[65];
  size_t n = s.n;
  const char *p = s.p;
  while (n > 0) {
    size_t k = n < sizeof chunk - 1 ? n : sizeof chunk - 1;
    memcpy(chunk, p, k);
    chunk[k] = '\0';
    fw_puts(chunk);
    p += k;
    n -= k;
  }
}

static et_err measured_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                            et_conn **out) {
  size_t before, blocks;
  uint64_t t0 = bsp_ticks(), i0 = bsp_idle_ticks();
  /* Repainting and resetting here would hide what the flow used before
   * the open (a client assertion's signature): keep it. */
  mbedtls_memory_buffer_alloc_max_get(&before, &blocks);
  if (before > hs.arena_before)
    hs.arena_before = before;
  if (fw_stack_peak() > hs.stack_before)
    hs.stack_before = fw_stack_peak();
  mbedtls_memory_buffer_alloc_max_reset();
  fw_stack_paint();
  et_err e = port_open(ctx, host, port, tls, timeout_ms, out);
  hs.stack_peak = fw_stack_peak();
  mbedtls_memory_buffer_alloc_max_get(&hs.arena_peak, &hs.arena_blocks);
  hs.ticks = bsp_ticks() - t0;
  hs.idle = bsp_idle_ticks() - i0;
  hs.opens++;
  if (e == ET_OK && *out != NULL && (*out)->tls) {
    hs.version = mbedtls_ssl_get_version(&(*out)->ssl);
    hs.resumed = !(*out)->full;
  }
  return e;
}

static void log_sink(void *ctx, et_level lvl, const char *msg, size_t n) {
  (void)ctx, (void)lvl;
  fw_puts("# log: ");
  put_span((et_str){ msg, n });
  fw_puts("\n");
}

static void core_log(void *ctx, et_level lvl, const char *msg, size_t n) {
  log_sink(ctx, lvl, msg, n);
}

static et_err drbg_random(void *ctx, uint8_t *p, size_t n) {
  (void)ctx;
  return mbedtls_ctr_drbg_random(&mp.drbg, p, n) == 0 ? ET_OK : ET_E_RANDOM;
}

static void put_instr(const char *what, uint64_t ticks, uint64_t idle) {
  fw_puts(what);
  put_kv(" virtual ns (instructions under -icount shift=0) ", ticks * BSP_NS_PER_TICK);
  put_kv(", of which waiting on the UART ", idle * BSP_NS_PER_TICK);
  put_kv(", working ", (ticks - idle) * BSP_NS_PER_TICK);
  fw_puts("\n");
}

static int fail(const char *what, et_err e, const et_result *res) {
  fw_puts("error: ");
  fw_puts(what);
  fw_puts(": ");
  fw_puts(et_strerror(e));
  put_kv(" (et_err ", (uint64_t)e);
  fw_puts(")");
  if (res != NULL) {
    if (res->http_status != 0)
      put_kv(" http ", (uint64_t)res->http_status);
    if (res->oauth.error.n > 0) {
      fw_puts(" oauth ");
      put_span(res->oauth.error);
    }
    if (res->port_detail != NULL && res->port_detail[0] != '\0') {
      fw_puts(": ");
      fw_puts(res->port_detail);
    }
  } else if (diag.text[0] != '\0') {
    fw_puts(": ");
    fw_puts(diag.text);
  }
  fw_puts("\n");
  return (int)e;
}

int main(void) {
  et_uart_io io = { NULL, bsp_uart_put, bsp_uart_get, bsp_uart_idle };
  et_clock clock = { bsp_mono_ms, NULL, NULL };
  et_mbedtls_config cfg;
  et_port port;
  et_app app;
  et_err e;
  size_t cur, blocks;

  bsp_live_init();
  et_uart_modem_init(&modem, &io, &clock);
  fw_puts("# live image: mps2-an386 (Cortex-M4), modem on UART0, mbedTLS " MBEDTLS_VERSION_STRING
          "\n");
  e = et_uart_modem_hello(&modem, 20000);
  if (e != ET_OK)
    return fail("no setup from the modem bridge on UART0", e, NULL);
  bsp_set_wall_clock(modem.unix_s);
  bsp_set_seed(modem.seed, modem.seed_len);
  memset(modem.seed, 0, sizeof modem.seed);
  fw_puts("# WARNING: entropy is a seed the host's modem bridge handed over (QEMU's mps2 has no "
          "TRNG).\n# WARNING: a real device MUST feed its TRNG to mbedtls_hardware_poll.\n");
  put_kv("# wall clock from the bridge: unix ", (uint64_t)modem.unix_s);
  fw_puts("\n");

  mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
  memset(&cfg, 0, sizeof cfg);
  memset(&port, 0, sizeof port);
  diag.level = LIVE_LOG_LEVEL;
  diag.sink = log_sink;
  cfg.transport = et_uart_modem_transport(&modem);
  cfg.clock = clock;
  cfg.diag = &diag;
  cfg.ca = live_ca;
  cfg.ca_len = sizeof live_ca;
  e = et_mbedtls_init(&mp, &cfg, &port);
  if (e != ET_OK)
    return fail("mbedTLS port", e, NULL);
  port.mono_ms = bsp_mono_ms;
  port.unix_s = bsp_unix_s;
  port.random = drbg_random;
  port.sleep_ms = bsp_sleep_ms;
  port.log = core_log;
  port_open = port.open;
  port.open = measured_open;

  memset(&app, 0, sizeof app);
  app.authority = ET_STR(LIVE_AUTHORITY);
  app.tenant = ET_STR(LIVE_TENANT);
  app.client_id = ET_STR(LIVE_CLIENT_ID);
#if LIVE_CERT
  et_mbedtls_set_key(&mp, live_key, sizeof live_key, &port);
  app.cred.kind = ET_CRED_CERTIFICATE;
  app.cred.alg = LIVE_ALG;
  memcpy(app.cred.x5t_s256, live_x5t_s256, sizeof app.cred.x5t_s256);
  fw_puts("# credential: certificate, assertion signed on the target (" LIVE_ALG_NAME ")\n");
#else
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = (et_str){ live_secret, sizeof live_secret - 1 };
  fw_puts("# credential: client secret (compiled in from SECRET_FILE)\n");
#endif
  mbedtls_memory_buffer_alloc_cur_get(&cur, &blocks);
  put_kv("# arena: ", (uint64_t)sizeof arena);
  put_kv(" bytes, ", (uint64_t)cur);
  fw_puts(" in use after the trust anchors\n");

  for (int i = 1; i <= LIVE_TOKENS; i++) {
    et_work w = { work_buf, sizeof work_buf, work_tok, CONFIG_ET_JSON_TOKENS, NULL };
    et_token tk;
    et_result res;
    size_t flow_peak;
    memset(&hs, 0, sizeof hs);
    uint64_t t0 = bsp_ticks(), i0 = bsp_idle_ticks();
    mbedtls_memory_buffer_alloc_max_reset();
    fw_stack_paint();
    e = et_client_credentials(&port, &app, ET_ENDPOINT_V2, ET_STR(LIVE_SCOPE), &w, &tk, &res);
    uint32_t flow_stack = fw_stack_peak();
    mbedtls_memory_buffer_alloc_max_get(&flow_peak, &blocks);
    if (hs.arena_blocks > blocks)
      blocks = hs.arena_blocks;
    uint64_t ticks = bsp_ticks() - t0, idle = bsp_idle_ticks() - i0;
    if (hs.arena_before > flow_peak)
      flow_peak = hs.arena_before;
    if (hs.stack_before > flow_stack)
      flow_stack = hs.stack_before;
    if (e != ET_OK)
      return fail(i == 1 ? "token 1" : "token 2", e, &res);
    put_kv("token ", (uint64_t)i);
    put_kv(": length ", (uint64_t)tk.access_token.n);
    put_kv(", expires_in ", (uint64_t)tk.expires_in);
    put_kv(" s (unix ", (uint64_t)(bsp_unix_s(NULL) + tk.expires_in));
    fw_puts("), ");
    fw_puts(hs.version != NULL ? hs.version : "?");
    fw_puts(hs.resumed ? ", resumed" : ", full handshake");
    put_kv(", connections ", (uint64_t)hs.opens);
    fw_puts("\n");
    put_kv("figures token ", (uint64_t)i);
    put_kv(": arena high-water handshake ", (uint64_t)hs.arena_peak);
    put_kv(" flow ", (uint64_t)flow_peak);
    put_kv(" bytes; stack peak handshake ", (uint64_t)hs.stack_peak);
    put_kv(" flow ", (uint64_t)flow_stack);
    put_kv(" bytes; arena blocks at most ", (uint64_t)blocks);
    put_kv(" (headers of ", (uint64_t)(blocks * 32u));
    fw_puts(" bytes more)\n");
    put_kv("instructions token ", (uint64_t)i);
    put_instr(": handshake", hs.ticks, hs.idle);
    put_kv("instructions token ", (uint64_t)i);
    put_instr(": flow", ticks, idle);
  }
  {
    uintptr_t data = (uintptr_t)__data_end - (uintptr_t)__data_start;
    uintptr_t flash = (uintptr_t)__data_load + data;
    uintptr_t ram = (uintptr_t)__bss_end - (uintptr_t)__data_start;
    put_kv("image: flash ", (uint64_t)flash);
    put_kv(" bytes, RAM ", (uint64_t)ram);
    put_kv(" bytes static (arena ", (uint64_t)sizeof arena);
    put_kv(", modem ", (uint64_t)sizeof modem);
    put_kv(") + stack region ", (uint64_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit));
    fw_puts("\n");
  }
  et_conn_stats st;
  et_mbedtls_stats(&mp, &st);
  put_kv("# port: connections ", st.opened);
  put_kv(", full handshakes ", st.full_handshakes);
  put_kv(", resumed ", st.resumed_handshakes);
  put_kv(", wire bytes sent ", st.bytes_sent);
  put_kv(" received ", st.bytes_received);
  put_kv("; modem frames out ", modem.frames_out);
  put_kv(" in ", modem.frames_in);
  put_kv(" dropped ", modem.dropped);
  fw_puts("\n");
  et_mbedtls_free(&mp);
  return 0;
}
