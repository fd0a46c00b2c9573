/* SPDX-License-Identifier: MIT */
/* The port: everything edgetoken needs from a platform, as one struct of
 * function pointers filled once. Core calls nothing else. Hooks marked
 * optional may be NULL; the features that need them then fail with
 * ET_E_DISABLED. */
#ifndef EDGETOKEN_ET_PORT_H
#define EDGETOKEN_ET_PORT_H

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A connection, defined by each port. */
typedef struct et_conn et_conn;

typedef enum et_level {
  ET_LOG_ERROR = 1,
  ET_LOG_WARN = 2,
  ET_LOG_INFO = 3,
  ET_LOG_DEBUG = 4
} et_level;

typedef enum et_sig_alg {
  ET_SIG_RS256 = 0, /* RSASSA-PKCS1-v1_5 with SHA-256 */
  ET_SIG_PS256 = 1, /* RSASSA-PSS with SHA-256, salt length 32 */
  ET_SIG_ES256 = 2  /* ECDSA P-256, raw r||s (64 bytes) */
} et_sig_alg;

/* What the store hook does with the value under key:
 *   LOAD    read it into buf[0..cap), *len = its size. Nothing stored under
 *           key: ET_E_NOT_FOUND (et_refresh_stored reports "sign in
 *           first"; any other error is a failing store). Larger than cap:
 *           ET_E_NOSPACE.
 *   SAVE    replace it with buf[0..*len), atomically (see the hook below).
 *   DELETE  remove it; nothing stored is ET_OK. */
typedef enum et_store_op {
  ET_STORE_LOAD = 0,
  ET_STORE_SAVE = 1,
  ET_STORE_DELETE = 2
} et_store_op;

typedef struct et_port {
  void *ctx;

  /* Connect to host:port and, when tls, complete a handshake that verifies
   * the certificate chain and the host name (always; there is no switch).
   * Errors: ET_E_DNS, ET_E_CONNECT, ET_E_TIMEOUT, ET_E_TLS, ET_E_TLS_VERIFY,
   * ET_E_TLS_CONFIG, ET_E_NOSPACE (no free connection slot). */
  et_err (*open)(void *ctx, et_str host, uint16_t port, bool tls,
                 uint32_t timeout_ms, et_conn **out);
  /* Send up to n bytes; *sent > 0 on ET_OK. ET_E_TIMEOUT (nothing could be
   * sent in timeout_ms; 0 = would block), ET_E_CLOSED, ET_E_IO, ET_E_TLS. */
  et_err (*send)(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                 uint32_t timeout_ms);
  /* Receive up to cap bytes. Exactly one of: ET_OK with *got > 0 (bytes),
   * ET_E_TIMEOUT (nothing arrived in timeout_ms; 0 = would block),
   * ET_E_CLOSED (orderly close by the peer), or a hard error. */
  et_err (*recv)(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                 uint32_t timeout_ms);
  /* Close c and free its slot. A port may keep the TLS session (per host)
   * to resume the next connection to the same host: that is invisible here. */
  void (*close)(et_conn *c);

  uint64_t (*mono_ms)(void *ctx);   /* monotonic milliseconds */
  int64_t (*unix_s)(void *ctx);     /* wall clock, seconds since 1970 */
  et_err (*random)(void *ctx, uint8_t *p, size_t n); /* CSPRNG only */
  void (*sleep_ms)(void *ctx, uint32_t ms);

  /* Optional: SHA-256 (PKCE, client assertions). */
  et_err (*sha256)(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]);
  /* Optional: sign a SHA-256 digest with the device's private key (client
   * assertions); the key may live in a secure element. */
  et_err (*sign)(void *ctx, et_sig_alg alg, const uint8_t digest[32],
                 uint8_t *sig, size_t cap, size_t *sig_len);
  /* Optional: persistent storage (refresh tokens), ops as et_store_op
   * says; SAVE must leave either the old or the new value after a crash at
   * any instant. Which keys are valid is the port's business. Other
   * failures: ET_E_STORE (ET_E_ARG for a key the port refuses). */
  et_err (*store)(void *ctx, et_store_op op, const char *key, uint8_t *buf,
                  size_t cap, size_t *len);
  /* Optional: messages for humans. Core never passes secrets here. */
  void (*log)(void *ctx, et_level lvl, const char *msg, size_t n);
  /* Optional: true when the caller wants the running call to stop. */
  bool (*cancelled)(void *ctx);
  /* Optional: the port's own words on its last failure, for humans
   * ("connect to host:443: Connection refused"), or "" / NULL. Valid until
   * the next call into the port. Never holds secrets. */
  const char *(*detail)(void *ctx);
} et_port;

#ifdef __cplusplus
}
#endif

#endif
