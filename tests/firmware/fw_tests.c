/* SPDX-License-Identifier: MIT */
/* The on-target test runner: TAP on the semihosting console. */
#include "fw.h"

void fw_check(fw_tests *t, int ok, const char *what, int line) {
  if (ok)
    return;
  t->checks_failed++;
  fw_puts("# check failed at line ");
  fw_put_uint((uint32_t)line);
  fw_puts(": ");
  fw_puts(what);
  fw_puts("\n");
}

void fw_test_end(fw_tests *t, const char *name) {
  t->n++;
  if (t->checks_failed != 0) {
    t->failed_tests++;
    fw_puts("not ");
  }
  fw_puts("ok ");
  fw_put_uint(t->n);
  fw_puts(" - ");
  fw_puts(name);
  fw_puts("\n");
  t->checks_failed = 0;
}

int fw_tests_done(fw_tests *t) {
  fw_puts("1..");
  fw_put_uint(t->n);
  fw_puts("\n");
  return t->failed_tests == 0 && t->n > 0 ? 0 : 1;
}
