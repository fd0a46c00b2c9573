/* SPDX-License-Identifier: MIT */
/* Platform functions that et_mbedtls_config.h tells mbedTLS to take from
 * outside and that a device build cannot get from its C library. Compiled
 * into the mbedTLS library itself (tools/mbedtls-build.sh), so every image
 * that links mbedTLS has them. */
#include <mbedtls/version.h> /* reads the config (and in 3.x, build_info) */

#if defined(ET_MBEDTLS_DEVICE) && defined(MBEDTLS_PLATFORM_MS_TIME_ALT)
#include <mbedtls/platform_time.h>

/* Only differences matter (TLS 1.3 ticket ages), so the wall clock in whole
 * seconds will do. */
mbedtls_ms_time_t mbedtls_ms_time(void) {
  return (mbedtls_ms_time_t)et_device_time(NULL) * 1000;
}
#else
typedef int et_mbedtls_alt_empty; /* ISO C wants something in a file */
#endif
