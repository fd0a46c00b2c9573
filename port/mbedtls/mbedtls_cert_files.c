/* SPDX-License-Identifier: MIT */
/* A host's client certificate and private key from files: the key parsed
 * once and checked against the certificate, the certificate's thumbprints
 * for the client assertion's header. Needs MBEDTLS_FS_IO (not on devices,
 * whose key stays in flash: et_mbedtls_set_key). */
#include "mt_internal.h"

#if defined(MBEDTLS_FS_IO)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#if defined(MBEDTLS_SHA1_C)
#include <mbedtls/sha1.h>
#endif

/* RSA bounds: under 2048 bits Entra refuses the key; over 4096 the
 * signature would not fit core's ET_ASSERTION_SIG_MAX (512 bytes). */
#define MT_RSA_MIN_BITS 2048
#define MT_RSA_MAX_BITS 4096

static et_err mt_check_readable(et_mbedtls *mt, const char *what, const char *path) {
  FILE *f = fopen(path, "rb"); /* for a precise reason; mbedTLS only says "failed" */
  if (f == NULL)
    return et_diag_fail(mt->diag, ET_E_IO, what, " '", path, "': ", strerror(errno), MT_END);
  fclose(f);
  return ET_OK;
}

static et_err mt_thumbprints(et_mbedtls *mt, const mbedtls_x509_crt *crt) {
  if (et_mbedtls_sha256(NULL, crt->raw.p, crt->raw.len, mt->x5t_s256) != ET_OK)
    return et_diag_fail(mt->diag, ET_E_CRYPTO, "SHA-256 of the certificate failed", MT_END);
#if defined(MBEDTLS_SHA1_C)
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  int ret = mbedtls_sha1(crt->raw.p, crt->raw.len, mt->x5t_sha1);
#else
  int ret = mbedtls_sha1_ret(crt->raw.p, crt->raw.len, mt->x5t_sha1);
#endif
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_CRYPTO, "SHA-1 of the certificate failed", MT_END);
  mt->has_sha1 = true;
#endif
  return ET_OK;
}

static et_err mt_check_key(et_mbedtls *mt, const char *key_file) {
  char bits_s[ET_DIAG_NUM_MAX];
  size_t bits = mbedtls_pk_get_bitlen(&mt->key);
  if (mbedtls_pk_get_type(&mt->key) == MBEDTLS_PK_RSA) {
    if (bits < MT_RSA_MIN_BITS || bits > MT_RSA_MAX_BITS)
      return et_diag_fail(mt->diag, ET_E_CRYPTO, "private key '", key_file, "': RSA key of ",
                          et_diag_uint(bits_s, (uint32_t)bits),
                          " bits; 2048 to 4096 needed", MT_END);
    return ET_OK;
  }
  if (mt_key_fits(&mt->key, ET_SIG_ES256))
    return ET_OK;
  return et_diag_fail(mt->diag, ET_E_CRYPTO, "private key '", key_file,
                      "': not an RSA or EC P-256 key", MT_END);
}

static et_err mt_load(et_mbedtls *mt, mbedtls_x509_crt *crt, const char *cert_file,
                      const char *key_file) {
  char msg[128];
  et_err e = mt_check_readable(mt, "certificate", cert_file);
  if (e == ET_OK)
    e = mt_check_readable(mt, "private key", key_file);
  if (e != ET_OK)
    return e;
  int ret = mbedtls_x509_crt_parse_file(crt, cert_file);
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_CRYPTO, "certificate '", cert_file, "': ",
                        mt_strerror(ret, msg, sizeof msg), MT_END);
  e = mt_thumbprints(mt, crt);
  if (e != ET_OK)
    return e;
  /* mbedTLS wipes its copy of the file after parsing. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  ret = mbedtls_pk_parse_keyfile(&mt->key, key_file, NULL, mbedtls_ctr_drbg_random, &mt->drbg);
#else
  ret = mbedtls_pk_parse_keyfile(&mt->key, key_file, NULL);
#endif
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_CRYPTO, "private key '", key_file, "': ",
                        mt_strerror(ret, msg, sizeof msg), MT_END);
  e = mt_check_key(mt, key_file);
  if (e != ET_OK)
    return e;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  ret = mbedtls_pk_check_pair(&crt->pk, &mt->key, mbedtls_ctr_drbg_random, &mt->drbg);
#else
  ret = mbedtls_pk_check_pair(&crt->pk, &mt->key);
#endif
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_CRYPTO, "private key '", key_file,
                        "' does not belong to certificate '", cert_file, "'", MT_END);
  return ET_OK;
}

et_err et_mbedtls_load_cert_files(et_mbedtls *mt, const char *cert_file, const char *key_file) {
  if (mt == NULL || !mt->ready)
    return ET_E_ARG;
  if (cert_file == NULL || key_file == NULL)
    return et_diag_fail(mt->diag, ET_E_ARG,
                        "a certificate needs its private key and the other way round", MT_END);
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  et_mbedtls_set_key(mt, NULL, 0, NULL); /* drops a key loaded before */
  et_err e = mt_load(mt, &crt, cert_file, key_file);
  mbedtls_x509_crt_free(&crt);
  if (e != ET_OK) {
    et_mbedtls_set_key(mt, NULL, 0, NULL); /* frees and zeroizes what was parsed */
    return e;
  }
  mt->key_parsed = true;
  return ET_OK;
}
#else
typedef int mt_no_cert_files; /* ISO C wants something in a file */
#endif
