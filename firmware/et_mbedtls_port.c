/* The bare-metal port's TLS, SHA-256 and signing on mbedTLS (see
 * et_mbedtls_port.h). Verification is always required: chain and host name. */
#include "et_mbedtls_port.h"

#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MP_EC(pk, field) (mbedtls_pk_ec(pk)->MBEDTLS_PRIVATE(field))
#else
#define MP_EC(pk, field) (mbedtls_pk_ec(pk)->field)
#endif

static const char drbg_pers[] = "edgetoken-device";

static int bio_send(void *ctx, const unsigned char *p, size_t n) {
  et_conn *c = ctx;
  int r = c->mp->net.send(c->mp->net.ctx, p, n, c->timeout_ms);
  return r > 0 ? r : r == 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_SSL_CONN_EOF;
}

static int bio_recv(void *ctx, unsigned char *p, size_t n) {
  et_conn *c = ctx;
  int r = c->mp->net.recv(c->mp->net.ctx, p, n, c->timeout_ms);
  return r > 0 ? r : r == 0 ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_CONN_EOF;
}

static et_err mp_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                      et_conn **out) {
  et_mbedtls_port *mp = ctx;
  et_conn *c = &mp->conn;
  if (!tls)
    return ET_E_CONNECT; /* this port speaks TLS only */
  if (mp->busy)
    return ET_E_NOSPACE;
  if (host.n == 0 || host.n >= sizeof c->host)
    return ET_E_ARG;
  memcpy(c->host, host.p, host.n);
  c->host[host.n] = '\0';
  c->mp = mp;
  c->timeout_ms = timeout_ms;
  if (mp->net.connect(mp->net.ctx, c->host, port, timeout_ms) != 0)
    return ET_E_CONNECT;
  mbedtls_ssl_init(&c->ssl);
  et_err e = ET_OK;
  int ret;
  if (mbedtls_ssl_setup(&c->ssl, &mp->conf) != 0 ||
      mbedtls_ssl_set_hostname(&c->ssl, c->host) != 0) {
    e = ET_E_TLS_CONFIG;
    goto fail;
  }
  mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
  while ((ret = mbedtls_ssl_handshake(&c->ssl)) != 0) {
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
      continue; /* the transport waited up to timeout_ms already */
    e = mbedtls_ssl_get_verify_result(&c->ssl) != 0 ? ET_E_TLS_VERIFY : ET_E_TLS;
    goto fail;
  }
  mp->busy = true;
  *out = c;
  return ET_OK;
fail:
  mbedtls_ssl_free(&c->ssl);
  mp->net.close(mp->net.ctx);
  return e;
}

static et_err mp_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent, uint32_t timeout_ms) {
  c->timeout_ms = timeout_ms;
  int ret = mbedtls_ssl_write(&c->ssl, p, n);
  if (ret > 0) {
    *sent = (size_t)ret;
    return ET_OK;
  }
  return ret == MBEDTLS_ERR_SSL_WANT_WRITE ? ET_E_TIMEOUT : ET_E_TLS;
}

static et_err mp_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got, uint32_t timeout_ms) {
  c->timeout_ms = timeout_ms;
  int ret = mbedtls_ssl_read(&c->ssl, p, cap);
  if (ret > 0) {
    *got = (size_t)ret;
    return ET_OK;
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ)
    return ET_E_TIMEOUT;
  if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF)
    return ET_E_CLOSED;
  return ET_E_TLS;
}

static void mp_close(et_conn *c) {
  (void)mbedtls_ssl_close_notify(&c->ssl);
  mbedtls_ssl_free(&c->ssl);
  c->mp->net.close(c->mp->net.ctx);
  c->mp->busy = false;
}

static et_err mp_sha256(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]) {
  (void)ctx;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_sha256(p, n, out, 0) == 0 ? ET_OK : ET_E_CRYPTO;
#else
  return mbedtls_sha256_ret(p, n, out, 0) == 0 ? ET_OK : ET_E_CRYPTO;
#endif
}

/* JWS (RFC 7518 §3.4) wants r || s, 32 bytes each, not mbedTLS's DER. */
static int sign_es256(et_mbedtls_port *mp, mbedtls_pk_context *pk, const uint8_t digest[32],
                      uint8_t sig[64]) {
  mbedtls_mpi r, s;
  int ret;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  ret = mbedtls_ecdsa_sign(&MP_EC(*pk, grp), &r, &s, &MP_EC(*pk, d), digest, 32,
                           mbedtls_ctr_drbg_random, &mp->drbg);
  if (ret == 0)
    ret = mbedtls_mpi_write_binary(&r, sig, 32);
  if (ret == 0)
    ret = mbedtls_mpi_write_binary(&s, sig + 32, 32);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return ret;
}

static int sign_rsa(et_mbedtls_port *mp, mbedtls_rsa_context *rsa, bool pss,
                    const uint8_t digest[32], uint8_t *sig) {
  if (pss) {
    /* RFC 7518 §3.5: MGF1 with SHA-256, a salt as long as the hash. */
    (void)mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    return mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &mp->drbg,
                                           MBEDTLS_MD_SHA256, 32, digest, 32, sig);
  }
  (void)mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &mp->drbg,
                                           MBEDTLS_MD_SHA256, 32, digest, sig);
#else
  return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &mp->drbg,
                                           MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_SHA256, 32, digest,
                                           sig);
#endif
}

/* port->sign in software, the key read from flash for this one signature.
 * A real device would route this hook to a secure element instead, which
 * signs the digest without ever letting the key out. */
static et_err mp_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                      size_t cap, size_t *sig_len) {
  et_mbedtls_port *mp = ctx;
  mbedtls_pk_context pk;
  bool rsa, fits;
  size_t need;
  et_err e = ET_E_CRYPTO;
  int ret;

  mbedtls_pk_init(&pk);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  ret = mbedtls_pk_parse_key(&pk, mp->key, mp->key_len, NULL, 0, mbedtls_ctr_drbg_random,
                             &mp->drbg);
#else
  ret = mbedtls_pk_parse_key(&pk, mp->key, mp->key_len, NULL, 0);
#endif
  if (ret != 0)
    goto out;
  rsa = mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA;
  fits = alg == ET_SIG_ES256 ? mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
                                   MP_EC(pk, grp).id == MBEDTLS_ECP_DP_SECP256R1
                             : rsa && (alg == ET_SIG_RS256 || alg == ET_SIG_PS256);
  if (!fits) {
    e = ET_E_ARG;
    goto out;
  }
  need = rsa ? mbedtls_pk_get_len(&pk) : 64;
  if (cap < need) {
    e = ET_E_NOSPACE;
    goto out;
  }
  ret = rsa ? sign_rsa(mp, mbedtls_pk_rsa(pk), alg == ET_SIG_PS256, digest, sig)
            : sign_es256(mp, &pk, digest, sig);
  if (ret == 0) {
    *sig_len = need;
    e = ET_OK;
  }
out:
  mbedtls_pk_free(&pk); /* zeroizes the key's numbers, then the context */
  return e;
}

void et_mbedtls_port_set_key(et_mbedtls_port *mp, const unsigned char *key, size_t key_len,
                             et_port *port) {
  mp->key = key;
  mp->key_len = key_len;
  port->sign = mp_sign;
}

et_err et_mbedtls_port_init(et_mbedtls_port *mp, const et_transport *net,
                            const unsigned char *ca, size_t ca_len, et_port *port) {
  memset(mp, 0, sizeof *mp);
  mp->net = *net;
  mbedtls_entropy_init(&mp->entropy);
  mbedtls_ctr_drbg_init(&mp->drbg);
  mbedtls_x509_crt_init(&mp->ca);
  mbedtls_ssl_config_init(&mp->conf);
  if (mbedtls_ctr_drbg_seed(&mp->drbg, mbedtls_entropy_func, &mp->entropy,
                            (const unsigned char *)drbg_pers, sizeof drbg_pers - 1) != 0) {
    et_mbedtls_port_free(mp);
    return ET_E_RANDOM;
  }
  if (mbedtls_x509_crt_parse(&mp->ca, ca, ca_len) < 0 ||
      mbedtls_ssl_config_defaults(&mp->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
    et_mbedtls_port_free(mp);
    return ET_E_TLS_CONFIG;
  }
  mbedtls_ssl_conf_authmode(&mp->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&mp->conf, &mp->ca, NULL);
  mbedtls_ssl_conf_rng(&mp->conf, mbedtls_ctr_drbg_random, &mp->drbg);
  port->ctx = mp;
  port->open = mp_open;
  port->send = mp_send;
  port->recv = mp_recv;
  port->close = mp_close;
  port->sha256 = mp_sha256;
  return ET_OK;
}

void et_mbedtls_port_free(et_mbedtls_port *mp) {
  mbedtls_ssl_config_free(&mp->conf);
  mbedtls_x509_crt_free(&mp->ca);
  mbedtls_ctr_drbg_free(&mp->drbg);
  mbedtls_entropy_free(&mp->entropy);
}
