/* SPDX-License-Identifier: MIT */
/* Reset and fault handlers, vector table, semihosting, stack painting for
 * the QEMU mps2-an386 board (Cortex-M4). The linker script mps2.ld places
 * .vectors at address 0, where QEMU reads the initial SP and PC. */
#include "fw.h"

#include <string.h>

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);
void fw_reset(void) __attribute__((noreturn));
void fw_fault(void) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));
void _exit(int status) __attribute__((noreturn));

#define SH_SYS_WRITE0 0x04
#define SH_SYS_EXIT 0x18
#define SH_SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u

static uint32_t semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void fw_puts(const char *s) {
  semihost(SH_SYS_WRITE0, s);
}

void fw_put_uint(uint32_t v) {
  char buf[11];
  size_t i = sizeof buf - 1;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0 && i > 0);
  fw_puts(buf + i);
}

void fw_exit(int status) {
  /* SYS_EXIT_EXTENDED carries the status to QEMU's exit code; plain
   * SYS_EXIT only tells success from failure. */
  uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status };
  semihost(SH_SYS_EXIT_EXTENDED, block);
  semihost(SH_SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                              : ADP_STOPPED_RUNTIME_ERROR));
  for (;;) {
  }
}

/* The heap trap (heap_trap.c) and newlib's assert end here. */
void abort(void) {
  fw_puts("abort\n");
  fw_exit(134);
}

/* newlib's exit(), which mbedTLS's arena calls on detected corruption. */
void _exit(int status) {
  fw_exit(status);
}

void fw_fault(void) {
  fw_puts("fault\n");
  fw_exit(135);
}

#define STACK_PAINT 0xa5a5a5a5u

void fw_stack_paint(void) {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  /* Leave this frame and a margin alone. */
  uint32_t *end = (uint32_t *)(sp - 64u);
  for (uintptr_t a = (uintptr_t)__stack_limit; a < (uintptr_t)end; a += sizeof(uint32_t))
    *(uint32_t *)a = STACK_PAINT;
}

uint32_t fw_stack_peak(void) {
  /* Linker symbols: compared as addresses, they bound one region. */
  uintptr_t a = (uintptr_t)__stack_limit, top = (uintptr_t)__stack_top;
  while (a < top && *(const uint32_t *)a == STACK_PAINT)
    a += sizeof(uint32_t);
  return (uint32_t)(top - a);
}

void fw_reset(void) {
  memcpy(__data_start, __data_load, (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
  memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));
  fw_exit(main());
}

typedef void (*fw_vector)(void);
__attribute__((section(".vectors"), used)) static const fw_vector fw_vectors[16] = {
  (fw_vector)(uintptr_t)__stack_top, fw_reset, fw_fault, fw_fault, fw_fault, fw_fault,
  fw_fault, 0, 0, 0, 0, fw_fault, fw_fault, 0, fw_fault, fw_fault,
};
