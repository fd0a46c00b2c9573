/* The size image: core with the flows of one Kconfig flavour, the
 * bare-metal mbedTLS port and mbedTLS itself (our config, static arena),
 * linked with --gc-sections so only what the flavour uses is counted
 * (tools/size-table.py reads the map). Not run: the transport is a stub. */
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>
#if CONFIG_ET_CRED_CERTIFICATE
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/version.h>
#endif

#include "edgetoken/edgetoken.h"
#include "et_mbedtls_port.h"
#include "fw.h"

#ifndef FW_ARENA
#define FW_ARENA 30720
#endif

static unsigned char arena[FW_ARENA];
static uint8_t work_buf[CONFIG_ET_WORK_BUF_SIZE];
static jsmntok_t work_tok[CONFIG_ET_JSON_TOKENS];
static et_mbedtls_port mp;
static const unsigned char ca_pem[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";

static int no_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms) {
  (void)ctx, (void)host, (void)port, (void)timeout_ms;
  return -1;
}
static int no_send(void *ctx, const uint8_t *p, size_t n, uint32_t timeout_ms) {
  (void)ctx, (void)p, (void)n, (void)timeout_ms;
  return -1;
}
static int no_recv(void *ctx, uint8_t *p, size_t n, uint32_t timeout_ms) {
  (void)ctx, (void)p, (void)n, (void)timeout_ms;
  return -1;
}
static void no_close(void *ctx) {
  (void)ctx;
}

#if CONFIG_ET_CRED_CERTIFICATE
/* What a device with certificate credentials adds to its port: the client
 * key parsed from flash and signing through mbedTLS (RSA PKCS#1 v1.5 and
 * PSS, ECDSA). The thumbprints come ready-made with the certificate (see
 * et_mbedtls_config.h on SHA-1). A key in a secure element would replace
 * most of this. Stubs: the image is not run. */
static const unsigned char client_key[] = "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n";
static const uint8_t x5t_s256[32] = { 0 };
static mbedtls_pk_context client_pk;

static et_err fw_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                      size_t cap, size_t *sig_len) {
  (void)ctx, (void)cap;
  if (alg != ET_SIG_ES256)
    (void)mbedtls_rsa_set_padding(mbedtls_pk_rsa(client_pk),
                                  alg == ET_SIG_PS256 ? MBEDTLS_RSA_PKCS_V21 : MBEDTLS_RSA_PKCS_V15,
                                  MBEDTLS_MD_SHA256);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_pk_sign(&client_pk, MBEDTLS_MD_SHA256, digest, 32, sig, cap, sig_len,
                         mbedtls_ctr_drbg_random, &mp.drbg) == 0 ? ET_OK : ET_E_CRYPTO;
#else
  return mbedtls_pk_sign(&client_pk, MBEDTLS_MD_SHA256, digest, 32, sig, sig_len,
                         mbedtls_ctr_drbg_random, &mp.drbg) == 0 ? ET_OK : ET_E_CRYPTO;
#endif
}

static et_err fw_cert_cred(et_cred *cred) {
  int ret;
  mbedtls_pk_init(&client_pk);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  ret = mbedtls_pk_parse_key(&client_pk, client_key, sizeof client_key, NULL, 0,
                             mbedtls_ctr_drbg_random, &mp.drbg);
#else
  ret = mbedtls_pk_parse_key(&client_pk, client_key, sizeof client_key, NULL, 0);
#endif
  cred->kind = ET_CRED_CERTIFICATE;
  cred->alg = ET_SIG_PS256;
  memcpy(cred->x5t_s256, x5t_s256, sizeof x5t_s256);
  return ret == 0 ? ET_OK : ET_E_CRYPTO;
}
#endif

typedef void (*entry)(void);
/* The public entry points of the flavour's flows, kept alive by address. */
static const volatile entry flows[] = {
#if CONFIG_ET_FLOW_CLIENT_CREDENTIALS
  (entry)et_client_credentials,
#endif
#if CONFIG_ET_FLOW_AUTH_CODE
  (entry)et_signin_begin, (entry)et_authorize_url, (entry)et_redeem_code, (entry)et_refresh,
#endif
#if CONFIG_ET_FLOW_DEVICE_CODE
  (entry)et_device_login,
#endif
  (entry)0,
};

int main(void) {
  static const et_transport net = { NULL, no_connect, no_send, no_recv, no_close };
  et_port port;
  et_app app;
  et_work w = { work_buf, sizeof work_buf, work_tok, CONFIG_ET_JSON_TOKENS, NULL, 0 };
  et_token tk;
  et_oauth_error oe;
  memset(&port, 0, sizeof port);
  memset(&app, 0, sizeof app);
  mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
  if (et_mbedtls_port_init(&mp, &net, ca_pem, sizeof ca_pem, &port) != ET_OK)
    return 1;
  int n = 0;
  for (size_t i = 0; flows[i] != 0; i++)
    n++;
#if CONFIG_ET_CRED_CERTIFICATE
  port.sign = fw_sign;
  (void)fw_cert_cred(&app.cred);
#endif
#if CONFIG_ET_FLOW_CLIENT_CREDENTIALS
  (void)et_client_credentials(&port, &app, ET_ENDPOINT_V2, ET_STR("x/.default"), &w, &tk, &oe);
#endif
  (void)w, (void)tk, (void)oe;
  et_mbedtls_port_free(&mp);
  return n;
}
