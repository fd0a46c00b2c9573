/* The sign hook on mbedTLS: a client certificate and its private key from
 * files (PEM or DER), checked against each other once at load, and digests
 * signed as RS256, PS256 or ES256. The key lives in px->sign_key until
 * et_posix_free, which frees and wipes it. */
#include "../posix/posix_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/error.h>
#include <mbedtls/rsa.h>
#include <mbedtls/version.h>
#if defined(MBEDTLS_SHA1_C)
#include <mbedtls/sha1.h>
#endif

/* RSA bounds: under 2048 bits Entra refuses the key; over 4096 the
 * signature would not fit core's ET_ASSERTION_SIG_MAX (512 bytes). */
#define PX_RSA_MIN_BITS 2048
#define PX_RSA_MAX_BITS 4096

static const char *pk_strerror(int ret, char *buf, size_t cap) {
  mbedtls_strerror(ret, buf, cap);
  return buf;
}

static et_err check_readable(et_posix *px, const char *what, const char *path) {
  FILE *f = fopen(path, "rb"); /* for a precise reason; mbedTLS only says "failed" */
  if (f == NULL)
    return px_fail(px, ET_E_IO, "%s '%s': %s", what, path, strerror(errno));
  fclose(f);
  return ET_OK;
}

static et_err thumbprints(et_posix *px, const mbedtls_x509_crt *crt) {
  if (px_sha256(px, crt->raw.p, crt->raw.len, px->x5t_s256) != ET_OK)
    return px_fail(px, ET_E_CRYPTO, "SHA-256 of the certificate failed");
#if defined(MBEDTLS_SHA1_C)
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  int ret = mbedtls_sha1(crt->raw.p, crt->raw.len, px->x5t_sha1);
#else
  int ret = mbedtls_sha1_ret(crt->raw.p, crt->raw.len, px->x5t_sha1);
#endif
  if (ret != 0)
    return px_fail(px, ET_E_CRYPTO, "SHA-1 of the certificate failed");
  px->has_sha1 = true;
#endif
  return ET_OK;
}

static bool is_p256(const mbedtls_pk_context *pk) {
  if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
    return false;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_pk_ec(*pk)->MBEDTLS_PRIVATE(grp).id == MBEDTLS_ECP_DP_SECP256R1;
#else
  return mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
#endif
}

static et_err check_key(et_posix *px, const char *key_file) {
  const mbedtls_pk_context *k = &px->sign_key;
  size_t bits = mbedtls_pk_get_bitlen(k);
  if (mbedtls_pk_get_type(k) == MBEDTLS_PK_RSA) {
    if (bits < PX_RSA_MIN_BITS || bits > PX_RSA_MAX_BITS)
      return px_fail(px, ET_E_CRYPTO, "private key '%s': RSA key of %u bits; %u to %u needed",
                     key_file, (unsigned)bits, PX_RSA_MIN_BITS, PX_RSA_MAX_BITS);
    return ET_OK;
  }
  if (is_p256(k))
    return ET_OK;
  return px_fail(px, ET_E_CRYPTO, "private key '%s': not an RSA or EC P-256 key", key_file);
}

et_err px_sign_init(et_posix *px, const char *cert_file, const char *key_file) {
  mbedtls_x509_crt crt;
  char msg[128];
  et_err e;
  int ret;

  mbedtls_pk_init(&px->sign_key);
  px->sign_ready = true;
  if (cert_file == NULL || key_file == NULL)
    return px_fail(px, ET_E_ARG, "a certificate needs its private key and the other way round");
  e = check_readable(px, "certificate", cert_file);
  if (e == ET_OK)
    e = check_readable(px, "private key", key_file);
  if (e != ET_OK)
    return e;

  mbedtls_x509_crt_init(&crt);
  ret = mbedtls_x509_crt_parse_file(&crt, cert_file);
  if (ret != 0) {
    e = px_fail(px, ET_E_CRYPTO, "certificate '%s': %s", cert_file,
                pk_strerror(ret, msg, sizeof msg));
    goto out;
  }
  e = thumbprints(px, &crt);
  if (e != ET_OK)
    goto out;
  /* mbedTLS wipes its copy of the file after parsing. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  ret = mbedtls_pk_parse_keyfile(&px->sign_key, key_file, NULL, mbedtls_ctr_drbg_random,
                                 &px->drbg);
#else
  ret = mbedtls_pk_parse_keyfile(&px->sign_key, key_file, NULL);
#endif
  if (ret != 0) {
    e = px_fail(px, ET_E_CRYPTO, "private key '%s': %s", key_file,
                pk_strerror(ret, msg, sizeof msg));
    goto out;
  }
  e = check_key(px, key_file);
  if (e != ET_OK)
    goto out;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  ret = mbedtls_pk_check_pair(&crt.pk, &px->sign_key, mbedtls_ctr_drbg_random, &px->drbg);
#else
  ret = mbedtls_pk_check_pair(&crt.pk, &px->sign_key);
#endif
  if (ret != 0)
    e = px_fail(px, ET_E_CRYPTO, "private key '%s' does not belong to certificate '%s'",
                key_file, cert_file);
out:
  mbedtls_x509_crt_free(&crt);
  return e;
}

void px_sign_free(et_posix *px) {
  if (!px->sign_ready)
    return;
  mbedtls_pk_free(&px->sign_key); /* zeroizes the key's numbers */
  et_wipe(&px->sign_key, sizeof px->sign_key);
  px->sign_ready = false;
}

/* mbedTLS writes ECDSA signatures as DER SEQUENCE { r, s }; JWS (RFC 7518
 * §3.4) wants r and s as two 32-byte big-endian numbers. */
static int der_to_raw(const uint8_t *der, size_t n, uint8_t raw[64]) {
  unsigned char *p = (unsigned char *)der;
  const unsigned char *end = der + n;
  mbedtls_mpi r, s;
  size_t len;
  int ret;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  ret = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
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

static int sign_es256(et_posix *px, const uint8_t digest[32], uint8_t *sig) {
  uint8_t der[MBEDTLS_ECDSA_MAX_LEN];
  size_t n = 0;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  int ret = mbedtls_pk_sign(&px->sign_key, MBEDTLS_MD_SHA256, digest, 32, der, sizeof der, &n,
                            mbedtls_ctr_drbg_random, &px->drbg);
#else
  int ret = mbedtls_pk_sign(&px->sign_key, MBEDTLS_MD_SHA256, digest, 32, der, &n,
                            mbedtls_ctr_drbg_random, &px->drbg);
#endif
  if (ret == 0)
    ret = der_to_raw(der, n, sig);
  return ret;
}

static int sign_rsa(et_posix *px, bool pss, const uint8_t digest[32], uint8_t *sig) {
  mbedtls_rsa_context *rsa = mbedtls_pk_rsa(px->sign_key);
  if (pss) {
    /* RFC 7518 §3.5: MGF1 with SHA-256, salt as long as the hash. */
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    return mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &px->drbg,
                                           MBEDTLS_MD_SHA256, 32, digest, 32, sig);
  }
  mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &px->drbg,
                                           MBEDTLS_MD_SHA256, 32, digest, sig);
#else
  return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &px->drbg,
                                           MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256, 32,
                                           digest, sig);
#endif
}

et_err px_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
               size_t cap, size_t *sig_len) {
  et_posix *px = ctx;
  bool rsa;
  size_t need;
  char msg[128];
  int ret;

  if (px == NULL || digest == NULL || sig == NULL || sig_len == NULL || !px->sign_ready)
    return ET_E_ARG;
  *sig_len = 0;
  rsa = mbedtls_pk_get_type(&px->sign_key) == MBEDTLS_PK_RSA;
  if (alg == ET_SIG_ES256 ? !is_p256(&px->sign_key)
                          : (!rsa || (alg != ET_SIG_RS256 && alg != ET_SIG_PS256)))
    return px_fail(px, ET_E_ARG, "the private key cannot sign this algorithm");
  need = alg == ET_SIG_ES256 ? 64 : mbedtls_pk_get_len(&px->sign_key);
  if (cap < need)
    return px_fail(px, ET_E_NOSPACE, "signature buffer of %u bytes; %u needed",
                   (unsigned)cap, (unsigned)need);
  ret = alg == ET_SIG_ES256 ? sign_es256(px, digest, sig)
                            : sign_rsa(px, alg == ET_SIG_PS256, digest, sig);
  if (ret != 0)
    return px_fail(px, ET_E_CRYPTO, "signing failed: %s", pk_strerror(ret, msg, sizeof msg));
  *sig_len = need;
  return ET_OK;
}

et_err et_posix_cert_cred(const et_posix *px, const et_sig_alg *alg, et_cred *cred) {
  et_sig_alg a;
  bool rsa;
  if (px == NULL || cred == NULL || !px->sign_ready)
    return ET_E_ARG;
  rsa = mbedtls_pk_get_type(&px->sign_key) == MBEDTLS_PK_RSA;
  a = alg != NULL ? *alg : rsa ? ET_SIG_PS256 : ET_SIG_ES256;
  if (a == ET_SIG_ES256 ? !is_p256(&px->sign_key)
                        : (!rsa || (a != ET_SIG_RS256 && a != ET_SIG_PS256)))
    return ET_E_ARG;
  if (a == ET_SIG_RS256 && !px->has_sha1)
    return ET_E_DISABLED;
  cred->kind = ET_CRED_CERTIFICATE;
  cred->alg = a;
  memcpy(cred->x5t_s256, px->x5t_s256, sizeof cred->x5t_s256);
  memcpy(cred->x5t_sha1, px->x5t_sha1, sizeof cred->x5t_sha1);
  return ET_OK;
}
