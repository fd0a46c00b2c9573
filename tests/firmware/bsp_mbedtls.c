/* SPDX-License-Identifier: MIT */
/* What our mbedTLS config (ET_MBEDTLS_DEVICE) asks of a board: entropy,
 * wall-clock time, gmtime_r. These are the QEMU board's stand-ins: a real
 * board reads its TRNG and its RTC (or SNTP) here. */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen);
time_t et_device_time(time_t *t);

/* NOT random: QEMU's mps2 has no TRNG. Never ship this. */
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen) {
  static const unsigned char pattern[] = "qemu-mps2-not-random";
  (void)data;
  for (size_t i = 0; i < len; i++)
    out[i] = pattern[i % (sizeof pattern - 1)];
  *olen = len;
  return 0;
}

time_t et_device_time(time_t *t) {
  time_t now = 1795639972; /* an RTC would be read here */
  if (t)
    *t = now;
  return now;
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf) {
  return gmtime_r(tt, tm_buf);
}
