/* SPDX-License-Identifier: MIT */
/* lwIP's OS glue types, as an RTOS port declares them (FreeRTOS's in lwIP's
 * contrib tree, for one). Opaque here: enough to compile the lwIP port,
 * which only calls lwIP; the firmware links its RTOS's sys_arch. */
#ifndef EDGETOKEN_LWIP_ARCH_SYS_ARCH_H
#define EDGETOKEN_LWIP_ARCH_SYS_ARCH_H

#include <stdint.h>

typedef struct et_rtos_sem *sys_sem_t;
typedef struct et_rtos_mutex *sys_mutex_t;
typedef struct et_rtos_mbox *sys_mbox_t;
typedef struct et_rtos_thread *sys_thread_t;
typedef uint32_t sys_prot_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#endif
