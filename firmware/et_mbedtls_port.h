/* A bare-metal port: TLS from mbedTLS (static arena, our config) over any
 * byte transport the firmware has (lwIP sockets, a modem's AT socket, an
 * RTOS TCP API). The firmware gives the transport and the trust anchors and
 * fills et_port's clock, random and sleep hooks from its BSP. */
#ifndef EDGETOKEN_ET_MBEDTLS_PORT_H
#define EDGETOKEN_ET_MBEDTLS_PORT_H

#include "edgetoken/et_port.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

/* The firmware's TCP: return bytes moved (> 0), 0 for "would block",
 * negative for a hard error or close. */
typedef struct et_transport {
  void *ctx;
  int (*connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);
  int (*send)(void *ctx, const uint8_t *p, size_t n, uint32_t timeout_ms);
  int (*recv)(void *ctx, uint8_t *p, size_t n, uint32_t timeout_ms);
  void (*close)(void *ctx);
} et_transport;

struct et_conn {
  struct et_mbedtls_port *mp;
  uint32_t timeout_ms;
  char host[128];
  mbedtls_ssl_context ssl;
};

typedef struct et_mbedtls_port {
  et_transport net;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_ssl_config conf;
  et_conn conn;
  bool busy;
  const unsigned char *key; /* client key in flash, for sign */
  size_t key_len;
} et_mbedtls_port;

/* Parse the trust anchors (PEM with its NUL, or DER) and fill port->open/
 * send/recv/close/sha256. The arena is the firmware's: call
 * mbedtls_memory_buffer_alloc_init(arena, size) once before this (mbedTLS
 * allows one arena per image, which other users of mbedTLS share).
 * ET_E_TLS_CONFIG, ET_E_RANDOM. */
et_err et_mbedtls_port_init(et_mbedtls_port *mp, const et_transport *net,
                            const unsigned char *ca, size_t ca_len, et_port *port);
void et_mbedtls_port_free(et_mbedtls_port *mp);

/* Certificate credentials (et_assertion.h): fill port->sign with a signer
 * for the client's private key in flash: PEM (with its NUL) or DER, RSA
 * (RS256, PS256) or EC P-256 (ES256). The key is parsed into the arena for
 * each signature and freed right after (mbedTLS zeroizes it), so it never
 * stays in RAM. The certificate's thumbprints go into et_cred ready-made.
 * port->sign returns ET_E_ARG when the key cannot make alg, ET_E_NOSPACE
 * when the signature does not fit, ET_E_CRYPTO when the key does not parse
 * or signing fails. */
void et_mbedtls_port_set_key(et_mbedtls_port *mp, const unsigned char *key, size_t key_len,
                             et_port *port);

#endif
