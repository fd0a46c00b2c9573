/* SPDX-License-Identifier: MIT */
/* Board support of the live image (bsp_live.c): QEMU mps2-an386's UART0
 * and timer 0, the bridge's wall clock and entropy seed. */
#ifndef EDGETOKEN_BSP_LIVE_H
#define EDGETOKEN_BSP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Timer 0 runs at the board's 25 MHz PCLK. Under QEMU -icount shift=0
 * (one instruction per virtual nanosecond) a tick is 40 instructions. */
#define BSP_TICKS_PER_MS 25000u
#define BSP_NS_PER_TICK 40u

void bsp_live_init(void);
uint64_t bsp_ticks(void);
uint64_t bsp_idle_ticks(void); /* ticks spent waiting on the UART */
uint64_t bsp_mono_ms(void *ctx);
void bsp_sleep_ms(void *ctx, uint32_t ms);
int64_t bsp_unix_s(void *ctx);
bool bsp_uart_put(void *ctx, uint8_t b);
int bsp_uart_get(void *ctx);
void bsp_uart_idle(void *ctx, bool idle);
void bsp_set_wall_clock(int64_t unix_s);
void bsp_set_seed(const uint8_t *p, size_t n);

#endif
