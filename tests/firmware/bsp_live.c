/* SPDX-License-Identifier: MIT */
/* Board support for the live image (live_main.c) on QEMU's mps2-an386:
 * the CMSDK APB UART0 (QEMU's first -serial) as the modem's byte hooks,
 * CMSDK APB timer 0 (25 MHz) as the clock, and what our mbedTLS config
 * asks of a board (entropy, wall-clock time, gmtime_r).
 *
 * ENTROPY: QEMU's mps2 has no TRNG. The seed here is handed over by the
 * host's modem bridge at start-up; it is only as secret as the serial
 * line. A real device MUST feed its TRNG to mbedtls_hardware_poll. */
#include "bsp_live.h"

#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#define REG(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART0. */
#define UART0 0x40004000u
#define UART_DATA REG(UART0 + 0x00u)
#define UART_STATE REG(UART0 + 0x04u)
#define UART_CTRL REG(UART0 + 0x08u)
#define UART_BAUDDIV REG(UART0 + 0x10u)
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u
#define UART_CTRL_TXEN 1u
#define UART_CTRL_RXEN 2u

/* CMSDK APB timer 0, counting down from 2^32 - 1 at the 25 MHz PCLK. */
#define TIMER0 0x40000000u
#define TIMER_CTRL REG(TIMER0 + 0x00u)
#define TIMER_VALUE REG(TIMER0 + 0x04u)
#define TIMER_RELOAD REG(TIMER0 + 0x08u)

static uint32_t timer_last;
static uint64_t timer_ticks;
static uint64_t idle_since, idle_ticks;
static int64_t wall_base;
static uint64_t wall_base_ms;
static uint8_t seed[64];
static size_t seed_len;
static uint32_t seed_counter;

void bsp_live_init(void) {
  UART_BAUDDIV = 16u;
  UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN;
  TIMER_CTRL = 0;
  TIMER_RELOAD = 0xffffffffu;
  TIMER_VALUE = 0xffffffffu;
  TIMER_CTRL = 1u;
  timer_last = 0xffffffffu;
}

uint64_t bsp_ticks(void) {
  uint32_t v = TIMER_VALUE;
  timer_ticks += (uint32_t)(timer_last - v);
  timer_last = v;
  return timer_ticks;
}

uint64_t bsp_idle_ticks(void) {
  return idle_ticks;
}

uint64_t bsp_mono_ms(void *ctx) {
  (void)ctx;
  return bsp_ticks() / BSP_TICKS_PER_MS;
}

void bsp_sleep_ms(void *ctx, uint32_t ms) {
  uint64_t end = bsp_mono_ms(ctx) + ms;
  while (bsp_mono_ms(ctx) < end) {
  }
}

bool bsp_uart_put(void *ctx, uint8_t b) {
  (void)ctx;
  if (UART_STATE & UART_STATE_TXFULL)
    return false;
  UART_DATA = b;
  return true;
}

int bsp_uart_get(void *ctx) {
  (void)ctx;
  if (!(UART_STATE & UART_STATE_RXFULL))
    return -1;
  return (int)(UART_DATA & 0xffu);
}

void bsp_uart_idle(void *ctx, bool idle) {
  (void)ctx;
  uint64_t now = bsp_ticks();
  if (idle)
    idle_since = now;
  else
    idle_ticks += now - idle_since;
}

void bsp_set_wall_clock(int64_t unix_s) {
  wall_base = unix_s;
  wall_base_ms = bsp_mono_ms(NULL);
}

int64_t bsp_unix_s(void *ctx) {
  (void)ctx;
  return wall_base + (int64_t)((bsp_mono_ms(NULL) - wall_base_ms) / 1000u);
}

void bsp_set_seed(const uint8_t *p, size_t n) {
  seed_len = n < sizeof seed ? n : sizeof seed;
  memcpy(seed, p, seed_len);
  seed_counter = 0;
}

/* mbedtls_hardware_poll: SHA-256(seed || counter) blocks. Fails (no
 * entropy) until the bridge's seed has arrived. */
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen) {
  (void)data;
  *olen = 0;
  if (seed_len < 32)
    return -1;
  while (*olen < len) {
    unsigned char block[sizeof seed + 4], h[32];
    memcpy(block, seed, seed_len);
    block[seed_len] = (unsigned char)(seed_counter >> 24);
    block[seed_len + 1] = (unsigned char)(seed_counter >> 16);
    block[seed_len + 2] = (unsigned char)(seed_counter >> 8);
    block[seed_len + 3] = (unsigned char)seed_counter;
    seed_counter++;
    if (mbedtls_sha256(block, seed_len + 4, h, 0) != 0)
      return -1;
    size_t k = len - *olen < sizeof h ? len - *olen : sizeof h;
    memcpy(out + *olen, h, k);
    *olen += k;
    mbedtls_platform_zeroize(block, sizeof block);
    mbedtls_platform_zeroize(h, sizeof h);
  }
  return 0;
}

time_t et_device_time(time_t *t);
time_t et_device_time(time_t *t) {
  time_t now = (time_t)bsp_unix_s(NULL);
  if (t)
    *t = now;
  return now;
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf) {
  return gmtime_r(tt, tm_buf);
}
