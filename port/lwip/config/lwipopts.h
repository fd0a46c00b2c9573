/* SPDX-License-Identifier: MIT */
/* A small lwipopts.h for the lwIP port on a Cortex-M RTOS (newlib): what
 * edgetoken needs and little else. make lwip-check compiles the port with
 * it; a firmware tree usually has its own and must keep the options marked
 * "needed". IPv4 only; lwIP's defaults for the rest. */
#ifndef EDGETOKEN_LWIPOPTS_H
#define EDGETOKEN_LWIPOPTS_H

#define NO_SYS 0                  /* needed: sockets need the tcpip thread */
#define LWIP_SOCKET 1             /* needed */
#define LWIP_NETCONN 1            /* needed by LWIP_SOCKET */
#define LWIP_SOCKET_POLL 1        /* needed: timeouts wait with lwip_poll */
#define LWIP_SOCKET_SELECT 0
#define LWIP_COMPAT_SOCKETS 0     /* keep lwip_ names off the libc's */
#define LWIP_TCP 1                /* needed */
#define LWIP_UDP 1                /* DNS */
#define LWIP_DNS 1                /* host names (else: the resolve hook) */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ERRNO_STDINCLUDE 1   /* needed: errno values are newlib's */
#define LWIP_TIMEVAL_PRIVATE 0    /* newlib's struct timeval */
#define LWIP_TCPIP_CORE_LOCKING 1
#define SYS_LIGHTWEIGHT_PROT 1

/* Memory: one TLS connection with 16 KB records in flight. */
#define MEM_ALIGNMENT 4
#define MEM_SIZE (16 * 1024)
#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define MEMP_NUM_NETCONN 4
#define MEMP_NUM_TCP_PCB 4

#endif
