/* SPDX-License-Identifier: MIT */
/* The self-test image: core's codecs, and whole exchanges over recorded
 * emulator answers (client credentials with a secret and with certificate
 * assertions signed by the mbedTLS port, device code, refresh), on the
 * Cortex-M4 under QEMU. Exit status 0 when every test passed. */
#include "fw.h"

int main(void) {
  fw_tests t = { 0, 0, 0 };
  fw_puts("# edgetoken on-target tests (Cortex-M4, mps2-an386)\n");
  fw_suite_codecs(&t);
  fw_suite_recorded_exchange(&t);
  fw_suite_recorded_flows(&t);
  fw_suite_cert_assertion(&t);
  return fw_tests_done(&t);
}
