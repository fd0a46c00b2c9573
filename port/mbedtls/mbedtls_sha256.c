/* SPDX-License-Identifier: MIT */
/* SHA-256 for core (PKCE challenges, client assertions, thumbprints). */
#include "mt_internal.h"

#include <mbedtls/sha256.h>

et_err et_mbedtls_sha256(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]) {
  static const uint8_t empty = 0;
  (void)ctx;
  if ((p == NULL && n != 0) || out == NULL)
    return ET_E_ARG;
  if (p == NULL)
    p = &empty; /* mbedTLS wants a pointer even for no bytes */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  int ret = mbedtls_sha256(p, n, out, 0);
#else
  int ret = mbedtls_sha256_ret(p, n, out, 0);
#endif
  return ret == 0 ? ET_OK : ET_E_CRYPTO;
}
