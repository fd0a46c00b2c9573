/* SPDX-License-Identifier: MIT */
/* et_mbedtls lifecycle: the DRBG, the trust anchors and the one TLS
 * configuration every connection uses (the policy in et_mbedtls.h). */
#include "mt_internal.h"

#include <string.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

static const char mt_drbg_pers[] = "edgetoken";

/* The trust anchors: ca in memory, else mt->ca_file or mt->ca_path. A
 * failure leaves mt->ca empty again, so a later try starts clean. */
static et_err mt_ca_load(et_mbedtls *mt, const unsigned char *ca, size_t ca_len) {
  char msg[128];
  int ret;
  const char *what = ca != NULL ? "<in memory>" : mt->ca_file ? mt->ca_file : mt->ca_path;
  const char *kind = ca == NULL && mt->ca_file == NULL ? "CA directory '" : "CA file '";
  et_err e = ET_OK;
  if (ca != NULL) {
    ret = mbedtls_x509_crt_parse(&mt->ca, ca, ca_len);
  } else {
#if defined(MBEDTLS_FS_IO)
    ret = mt->ca_file ? mbedtls_x509_crt_parse_file(&mt->ca, mt->ca_file)
                      : mbedtls_x509_crt_parse_path(&mt->ca, mt->ca_path);
#else
    return et_diag_fail(mt->diag, ET_E_TLS_CONFIG, "CA file '", what,
                        "': mbedTLS has no file system (MBEDTLS_FS_IO); give the CA in memory",
                        MT_END);
#endif
  }
  /* A positive result counts certificates mbedTLS could not parse; system
   * bundles may hold a few, so only an empty chain is fatal. */
  if (ret < 0)
    e = et_diag_fail(mt->diag, ET_E_TLS_CONFIG, kind, what, "': ",
                     mt_strerror(ret, msg, sizeof msg), MT_END);
  else if (mt->ca.raw.len == 0)
    e = et_diag_fail(mt->diag, ET_E_TLS_CONFIG, kind, what,
                     "' holds no usable certificates", MT_END);
  if (e != ET_OK) {
    mbedtls_x509_crt_free(&mt->ca);
    mbedtls_x509_crt_init(&mt->ca);
  }
  mt->ca_loaded = e == ET_OK;
  return e;
}

et_err mt_ca_ready(et_mbedtls *mt) {
  return mt->ca_loaded ? ET_OK : mt_ca_load(mt, NULL, 0);
}

/* The policy: there is deliberately no way to relax any of it. */
static et_err mt_conf_policy(et_mbedtls *mt) {
  char msg[128];
  int ret = mbedtls_ssl_config_defaults(&mt->conf, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_TLS_CONFIG, "TLS config: ",
                        mt_strerror(ret, msg, sizeof msg), MT_END);
  mbedtls_ssl_conf_authmode(&mt->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&mt->conf, &mt->ca, NULL);
  mbedtls_ssl_conf_rng(&mt->conf, mbedtls_ctr_drbg_random, &mt->drbg);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  mbedtls_ssl_conf_min_tls_version(&mt->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
  mbedtls_ssl_conf_min_version(&mt->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED) && \
    defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_PROTO_TLS1_3)
  /* A TLS 1.3 ticket arrives after the handshake: have reads say so, so
   * the slot can keep it (mbedtls_tls.c). */
  mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
      &mt->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
  return ET_OK;
}

static et_err mt_setup(et_mbedtls *mt, const et_mbedtls_config *cfg) {
  char msg[128];
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  if (psa_crypto_init() != PSA_SUCCESS)
    return et_diag_fail(mt->diag, ET_E_TLS_CONFIG, "psa_crypto_init failed", MT_END);
#endif
  int ret = mbedtls_ctr_drbg_seed(&mt->drbg, mbedtls_entropy_func, &mt->entropy,
                                  (const unsigned char *)mt_drbg_pers, sizeof mt_drbg_pers - 1);
  if (ret != 0)
    return et_diag_fail(mt->diag, ET_E_RANDOM, "seeding the TLS DRBG: ",
                        mt_strerror(ret, msg, sizeof msg), MT_END);
  et_err e = ET_OK;
  mt->ca_file = cfg->ca_file;
  mt->ca_path = cfg->ca_path;
  if (cfg->ca != NULL || !cfg->ca_lazy)
    e = mt_ca_load(mt, cfg->ca, cfg->ca_len);
  return e != ET_OK ? e : mt_conf_policy(mt);
}

static et_err mt_open_hook(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                           et_conn **out) {
  return et_mbedtls_open(ctx, host, port, tls, timeout_ms, out);
}

static const char *mt_detail_hook(void *ctx) {
  const et_mbedtls *mt = ctx;
  return mt != NULL && mt->diag != NULL ? mt->diag->text : "";
}

et_err et_mbedtls_init(et_mbedtls *mt, const et_mbedtls_config *cfg, et_port *port) {
  if (mt == NULL)
    return ET_E_ARG;
  memset(mt, 0, sizeof *mt);
  if (cfg == NULL || cfg->clock.mono_ms == NULL || cfg->transport.connect == NULL ||
      cfg->transport.send == NULL || cfg->transport.recv == NULL ||
      cfg->transport.close == NULL ||
      (cfg->ca == NULL && cfg->ca_file == NULL && cfg->ca_path == NULL))
    return et_diag_fail(cfg ? cfg->diag : NULL, ET_E_ARG,
                        "the mbedTLS port needs a transport, a clock and trust anchors", MT_END);
  mt->net = cfg->transport;
  mt->clock = cfg->clock;
  mt->diag = cfg->diag;
  mt->sessions_changed = cfg->sessions_changed;
  mt->sessions_ctx = cfg->sessions_ctx;
  for (int i = 0; i < ET_PORT_CONNS; i++) {
    mt->conns[i].mt = mt;
    mt->conns[i].sock = -1;
    mbedtls_ssl_session_init(&mt->conns[i].session);
  }
  mbedtls_entropy_init(&mt->entropy);
  mbedtls_ctr_drbg_init(&mt->drbg);
  mbedtls_x509_crt_init(&mt->ca);
  mbedtls_ssl_config_init(&mt->conf);
  mbedtls_pk_init(&mt->key);
  mt->ready = true; /* from here on et_mbedtls_free is needed */
  et_err e = mt_setup(mt, cfg);
  if (e != ET_OK) {
    et_mbedtls_free(mt);
    return e;
  }
  if (port != NULL) {
    port->ctx = mt;
    port->open = mt_open_hook;
    port->detail = mt_detail_hook;
    et_mbedtls_conn_hooks(port);
  }
  return ET_OK;
}

void et_mbedtls_conn_hooks(et_port *port) {
  port->send = et_mbedtls_send;
  port->recv = et_mbedtls_recv;
  port->close = et_mbedtls_close;
  port->sha256 = et_mbedtls_sha256;
}

void et_mbedtls_free(et_mbedtls *mt) {
  if (mt == NULL || !mt->ready)
    return;
  mt->sessions_changed = NULL; /* the owner is going away too */
  for (int i = 0; i < ET_PORT_CONNS; i++) {
    et_mbedtls_close(&mt->conns[i]);
    mt_session_drop(&mt->conns[i]);
  }
  mbedtls_pk_free(&mt->key); /* zeroizes the key's numbers */
  mbedtls_ssl_config_free(&mt->conf);
  mbedtls_x509_crt_free(&mt->ca);
  mbedtls_ctr_drbg_free(&mt->drbg);
  mbedtls_entropy_free(&mt->entropy);
  et_wipe(mt, sizeof *mt);
}

void et_mbedtls_stats(const et_mbedtls *mt, et_conn_stats *st) {
  if (st == NULL)
    return;
  memset(st, 0, sizeof *st);
  if (mt != NULL)
    *st = mt->stats;
}
