/* SPDX-License-Identifier: MIT */
/* Board support for the QEMU images (mps2-an386, Cortex-M4): semihosting
 * output and exit status, stack painting, and a tiny test runner that
 * prints TAP. Not a port: a firmware's own et_port lives with its network
 * stack (see docs/devices.md). */
#ifndef EDGETOKEN_FW_H
#define EDGETOKEN_FW_H

#include <stddef.h>
#include <stdint.h>

/* Semihosting (QEMU -semihosting-config enable=on): text to the host's
 * stdout, and the image's exit status. */
void fw_puts(const char *s);
void fw_put_uint(uint32_t v);
void fw_exit(int status) __attribute__((noreturn));

/* Stack painting: fill the unused stack below the caller's frame with a
 * pattern; fw_stack_peak() is how deep it has been used since. */
void fw_stack_paint(void);
uint32_t fw_stack_peak(void);

/* Test runner: FW_CHECK counts a failed check against the current test
 * and prints where; fw_test_end prints "ok N - name" or "not ok N - name". */
typedef struct fw_tests {
  unsigned n, failed_tests;
  unsigned checks_failed; /* in the current test */
} fw_tests;
void fw_check(fw_tests *t, int ok, const char *what, int line);
void fw_test_end(fw_tests *t, const char *name);
int fw_tests_done(fw_tests *t); /* prints the plan; exit status */
#define FW_CHECK(t, cond) fw_check((t), (cond) ? 1 : 0, #cond, __LINE__)

/* The suites (tests/firmware/test_*.c). */
void fw_suite_codecs(fw_tests *t);
void fw_suite_recorded_exchange(fw_tests *t);
void fw_suite_recorded_flows(fw_tests *t);
void fw_suite_cert_assertion(fw_tests *t);

#endif
