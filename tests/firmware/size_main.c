/* SPDX-License-Identifier: MIT */
/* The size image: core with the flows of one Kconfig flavour, the
 * bare-metal mbedTLS port and mbedTLS itself (our config, static arena),
 * linked with --gc-sections so only what the flavour uses is counted
 * (tools/size-table.py reads the map). Not run: the transport is a stub. */
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_mbedtls.h"
#include "fw.h"
#include "no_net.h"

#ifndef FW_ARENA
#define FW_ARENA 30720
#endif

static unsigned char arena[FW_ARENA];
static uint8_t work_buf[CONFIG_ET_WORK_BUF_SIZE];
static jsmntok_t work_tok[CONFIG_ET_JSON_TOKENS];
static et_mbedtls mp;
static const unsigned char ca_pem[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";

#if CONFIG_ET_CRED_CERTIFICATE
/* A device with certificate credentials keeps its client key in flash and
 * signs through the port's hook (et_mbedtls_set_key: RSA PKCS#1 v1.5
 * and PSS, ECDSA P-256); the thumbprints come ready-made with the
 * certificate (see et_mbedtls_config.h on SHA-1). Stubs: the image is not
 * run. */
static const unsigned char client_key[] = "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n";
static const uint8_t x5t_s256[32] = { 0 };
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
  et_mbedtls_config cfg;
  et_port port;
  et_app app;
  et_work w = { work_buf, sizeof work_buf, work_tok, CONFIG_ET_JSON_TOKENS, NULL };
  et_token tk;
  et_result res;
  memset(&port, 0, sizeof port);
  memset(&app, 0, sizeof app);
  mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
  fw_no_net_config(&cfg, ca_pem, sizeof ca_pem);
  if (et_mbedtls_init(&mp, &cfg, &port) != ET_OK)
    return 1;
  int n = 0;
  for (size_t i = 0; flows[i] != 0; i++)
    n++;
#if CONFIG_ET_CRED_CERTIFICATE
  et_mbedtls_set_key(&mp, client_key, sizeof client_key, &port);
  app.cred.kind = ET_CRED_CERTIFICATE;
  app.cred.alg = ET_SIG_PS256;
  memcpy(app.cred.x5t_s256, x5t_s256, sizeof x5t_s256);
#endif
#if CONFIG_ET_FLOW_CLIENT_CREDENTIALS
  /* Never succeeds (the transport is a stub): only linked. */
  et_err e = et_client_credentials(&port, &app, ET_ENDPOINT_V2, ET_STR("x/.default"), &w, &tk,
                                   &res);
  (void)e;
#endif
  (void)w, (void)tk, (void)res;
  et_mbedtls_free(&mp);
  return n;
}
