/* SPDX-License-Identifier: MIT */
/* Signing with the client's private key: one path for every key source.
 * The key is either parsed once and kept (a host's key file, see
 * mbedtls_cert_files.c) or parsed from flash for each signature and freed
 * right after (a device). */
#include "mt_internal.h"

#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/rsa.h>

static bool mt_is_p256(const mbedtls_pk_context *pk) {
  if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
    return false;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk)) == MBEDTLS_ECP_DP_SECP256R1;
#else
  return mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
#endif
}

bool mt_key_fits(const mbedtls_pk_context *pk, et_sig_alg alg) {
  if (alg == ET_SIG_ES256)
    return mt_is_p256(pk);
  return mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA &&
         (alg == ET_SIG_RS256 || alg == ET_SIG_PS256);
}

/* mbedTLS writes ECDSA signatures as DER SEQUENCE { r, s }; JWS (RFC 7518
 * §3.4) wants r and s as two 32-byte big-endian numbers. */
static int mt_der_to_raw(const uint8_t *der, size_t n, uint8_t raw[64]) {
  unsigned char *p = (unsigned char *)der;
  const unsigned char *end = der + n;
  mbedtls_mpi r, s;
  size_t len;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  int ret = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
  if (ret == 0)
    ret = mbedtls_asn1_get_mpi(&p, end, &r);
  if (ret == 0)
    ret = mbedtls_asn1_get_mpi(&p, end, &s);
  if (ret == 0)
    ret = mbedtls_mpi_write_binary(&r, raw, 32);
  if (ret == 0)
    ret = mbedtls_mpi_write_binary(&s, raw + 32, 32);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return ret;
}

static int mt_sign_es256(et_mbedtls *mt, mbedtls_pk_context *pk, const uint8_t digest[32],
                         uint8_t *sig) {
  uint8_t der[MBEDTLS_ECDSA_MAX_LEN];
  size_t n = 0;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  int ret = mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, digest, 32, der, sizeof der, &n,
                            mbedtls_ctr_drbg_random, &mt->drbg);
#else
  int ret = mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, digest, 32, der, &n,
                            mbedtls_ctr_drbg_random, &mt->drbg);
#endif
  if (ret == 0)
    ret = mt_der_to_raw(der, n, sig);
  return ret;
}

static int mt_sign_rsa(et_mbedtls *mt, mbedtls_pk_context *pk, bool pss, const uint8_t digest[32],
                       uint8_t *sig) {
  mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
  if (pss) {
    /* RFC 7518 §3.5: MGF1 with SHA-256, a salt as long as the hash. */
    (void)mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    return mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &mt->drbg,
                                           MBEDTLS_MD_SHA256, 32, digest, 32, sig);
  }
  (void)mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &mt->drbg,
                                           MBEDTLS_MD_SHA256, 32, digest, sig);
#else
  return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &mt->drbg,
                                           MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256, 32, digest,
                                           sig);
#endif
}

static et_err mt_sign_with(et_mbedtls *mt, mbedtls_pk_context *pk, et_sig_alg alg,
                           const uint8_t digest[32], uint8_t *sig, size_t cap, size_t *sig_len) {
  char msg[128], have[ET_DIAG_NUM_MAX], need_s[ET_DIAG_NUM_MAX];
  if (!mt_key_fits(pk, alg))
    return et_diag_fail(mt->diag, ET_E_ARG, "the private key cannot sign this algorithm", MT_END);
  size_t need = alg == ET_SIG_ES256 ? 64 : mbedtls_pk_get_len(pk);
  if (cap < need)
    return et_diag_fail(mt->diag, ET_E_NOSPACE, "signature buffer of ",
                        et_diag_uint(have, (uint32_t)cap), " bytes; ",
                        et_diag_uint(need_s, (uint32_t)need), " needed", MT_END);
  int ret = alg == ET_SIG_ES256 ? mt_sign_es256(mt, pk, digest, sig)
                                : mt_sign_rsa(mt, pk, alg == ET_SIG_PS256, digest, sig);
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_CRYPTO, "signing failed: ",
                        mt_strerror(ret, msg, sizeof msg), MT_END);
  *sig_len = need;
  return ET_OK;
}

et_err et_mbedtls_sign(et_mbedtls *mt, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                       size_t cap, size_t *sig_len) {
  if (sig_len != NULL)
    *sig_len = 0;
  if (mt == NULL || !mt->ready || digest == NULL || sig == NULL || sig_len == NULL ||
      (!mt->key_parsed && mt->key_src == NULL))
    return ET_E_ARG;
  if (mt->key_parsed)
    return mt_sign_with(mt, &mt->key, alg, digest, sig, cap, sig_len);
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  int ret = mbedtls_pk_parse_key(&pk, mt->key_src, mt->key_src_len, NULL, 0,
                                 mbedtls_ctr_drbg_random, &mt->drbg);
#else
  int ret = mbedtls_pk_parse_key(&pk, mt->key_src, mt->key_src_len, NULL, 0);
#endif
  et_err e = ret != 0 ? et_diag_fail(mt->diag, ET_E_CRYPTO, "the private key does not parse",
                                     MT_END)
                      : mt_sign_with(mt, &pk, alg, digest, sig, cap, sig_len);
  mbedtls_pk_free(&pk); /* zeroizes the key's numbers, then the context */
  return e;
}

static et_err mt_sign_hook(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                           size_t cap, size_t *sig_len) {
  return et_mbedtls_sign(ctx, alg, digest, sig, cap, sig_len);
}

void et_mbedtls_set_key(et_mbedtls *mt, const unsigned char *key, size_t key_len,
                        et_port *port) {
  if (mt == NULL)
    return;
  mbedtls_pk_free(&mt->key);
  mbedtls_pk_init(&mt->key);
  mt->key_parsed = false;
  mt->key_src = key;
  mt->key_src_len = key_len;
  if (port != NULL)
    port->sign = mt_sign_hook;
}

et_err et_mbedtls_cert_cred(const et_mbedtls *mt, const et_sig_alg *alg, et_cred *cred) {
  if (mt == NULL || cred == NULL || !mt->key_parsed)
    return ET_E_ARG;
  et_sig_alg a = alg != NULL ? *alg
                 : mbedtls_pk_get_type(&mt->key) == MBEDTLS_PK_RSA ? ET_SIG_PS256
                                                                   : ET_SIG_ES256;
  if (!mt_key_fits(&mt->key, a))
    return ET_E_ARG;
  if (a == ET_SIG_RS256 && !mt->has_sha1)
    return ET_E_DISABLED;
  cred->kind = ET_CRED_CERTIFICATE;
  cred->alg = a;
  memcpy(cred->x5t_s256, mt->x5t_s256, sizeof cred->x5t_s256);
  memcpy(cred->x5t_sha1, mt->x5t_sha1, sizeof cred->x5t_sha1);
  return ET_OK;
}
