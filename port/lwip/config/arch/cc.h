/* SPDX-License-Identifier: MIT */
/* lwIP's compiler and C library glue for arm-none-eabi-gcc with newlib
 * (the lwIP port's Cortex-M compile check; a firmware tree has its own). */
#ifndef EDGETOKEN_LWIP_ARCH_CC_H
#define EDGETOKEN_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h> /* struct timeval: LWIP_TIMEVAL_PRIVATE 0 */

#define BYTE_ORDER LITTLE_ENDIAN

/* lwIP's own randomness (DNS ids, initial ports): the board's TRNG. */
uint32_t et_board_random32(void);
#define LWIP_RAND() et_board_random32()

#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) abort()

#endif
