/* The POSIX port: BSD sockets, CLOCK_MONOTONIC, getrandom(2), and TLS plus
 * SHA-256 from mbedTLS (2.28 LTS; 3.6 compiles too). Unlike core it may
 * allocate (mbedTLS does) and call the OS.
 *
 * One et_posix holds one connection slot: open while a connection is open
 * fails with ET_E_NOSPACE. Not thread-safe; use one et_posix per thread.
 *
 * TLS always verifies the chain against the CA file and the host name
 * (SNI + name check); there is no switch to turn that off. mbedTLS 2.28 does
 * not match IP-address SANs, so a TLS host must be a DNS name (use
 * "localhost", not "127.0.0.1", for a local server). Plain TCP (tls=false)
 * is allowed here; core decides when it may be used.
 *
 * Timeouts: open spends at most timeout_ms on connect and handshake together
 * (name resolution is getaddrinfo's own, unbounded by it); send and recv
 * wait at most timeout_ms each. */
#ifndef EDGETOKEN_ET_POSIX_H
#define EDGETOKEN_ET_POSIX_H

#include "edgetoken/et_client.h"
#include "edgetoken/et_port.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_posix_config {
  const char *ca_file;  /* PEM bundle; NULL: /etc/ssl/certs/ca-certificates.crt */
  et_level log_level;   /* 0 = silent; messages with level <= this are logged */
  /* NULL: stderr, "edgetoken: <level>: msg\n" (control bytes shown as '?'). */
  void (*log_sink)(void *sink_ctx, et_level lvl, const char *msg, size_t n);
  void *sink_ctx;
  volatile int *cancel; /* optional: non-zero asks the running call to stop
                           (a SIGINT handler sets it) */
  const char *store_dir; /* optional: directory of the store hook (refresh
                            tokens), borrowed; NULL leaves port->store NULL */
  /* optional, together: the client certificate and its private key (PEM
   * or DER; RSA 2048..4096 bits or EC P-256, unencrypted) for certificate
   * credentials; NULL leaves port->sign NULL. See et_posix_cert_cred. */
  const char *cert_file;
  const char *key_file;
} et_posix_config;

struct et_posix;

/* The connection slot. Fields are the port's; callers use et_port hooks. */
struct et_conn {
  struct et_posix *px;
  int fd;              /* -1 when the slot is free */
  bool tls;
  bool peer_closed;    /* EOF or close_notify seen: skip our close_notify */
  int sys_errno;       /* errno of the last failed socket call, for details */
  char host[256];      /* NUL-terminated copy, for SNI and details */
  uint16_t port;
  mbedtls_ssl_context ssl;
};

typedef struct et_posix {
  et_level log_level;
  void (*log_sink)(void *sink_ctx, et_level lvl, const char *msg, size_t n);
  void *sink_ctx;
  volatile int *cancel;
  const char *store_dir; /* borrowed from et_posix_config */
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_ssl_config conf;
  bool tls_ready;      /* entropy, drbg, ca and conf are initialised */
  mbedtls_pk_context sign_key; /* mbedtls_sign.c: the client key */
  bool sign_ready;     /* sign_key is initialised (freed and wiped at free) */
  bool has_sha1;       /* x5t_sha1 computed (needs MBEDTLS_SHA1_C) */
  uint8_t x5t_s256[32];/* SHA-256 and SHA-1 of the certificate's DER */
  uint8_t x5t_sha1[20];
  et_conn conn;
  char detail[256];    /* last failure for humans; "" if none */
} et_posix;

/* Initialise px and fill every hook of *port this port implements (open,
 * send, recv, close, mono_ms, unix_s, random, sleep_ms, sha256, log,
 * cancelled, detail; store when cfg->store_dir is set; sign when cfg->cert_file
 * and cfg->key_file are set). cfg may be NULL (defaults).
 * Errors: ET_E_ARG (px or port NULL), ET_E_TLS_CONFIG (CA file unreadable
 * or without certificates; see et_posix_detail), ET_E_RANDOM (DRBG seed),
 * ET_E_IO (certificate or key file unreadable), ET_E_CRYPTO (not a
 * certificate or key, RSA under 2048 bits, a curve other than P-256, or
 * the key does not belong to the certificate).
 * On failure px needs no et_posix_free, but calling it is harmless. */
ET_NODISCARD et_err et_posix_init(et_posix *px, const et_posix_config *cfg, et_port *port);

/* After et_posix_init with cert_file and key_file: make *cred a
 * certificate credential for this key (kind, thumbprints, alg). alg NULL
 * picks PS256 for an RSA key and ES256 for a P-256 key. ET_E_ARG when no
 * key is loaded or alg does not fit the key (RS256/PS256 need RSA, ES256
 * needs P-256); ET_E_DISABLED for RS256 without SHA-1 in mbedTLS. */
ET_NODISCARD et_err et_posix_cert_cred(const et_posix *px, const et_sig_alg *alg, et_cred *cred);

/* Close any open connection, free the mbedTLS state and wipe px. */
void et_posix_free(et_posix *px);

/* Human-readable detail of the last failure ("" if none), e.g.
 * "connect to localhost:8443: Connection refused". Valid until the next
 * call on px. */
const char *et_posix_detail(const et_posix *px);

/* Longest key the file store takes, in characters (its NUL not counted). */
#define ET_POSIX_STORE_KEY_MAX 63

/* The store hook on files (posix_store.c): key -> "<dir>/<key>", keys of
 * 1..ET_POSIX_STORE_KEY_MAX characters of [A-Za-z0-9._-] not starting with
 * '.'. Files are 0600, a
 * directory it creates 0700. SAVE writes a temp file in dir, fsyncs it,
 * renames it over the key and fsyncs dir: after a crash or power cut the
 * key holds the old or the new value, never a torn one. LOAD: ET_OK with
 * *len bytes in buf; ET_E_NOT_FOUND when absent; ET_E_NOSPACE (and *len =
 * the size) when larger than cap. DELETE: ET_OK also when absent. Other
 * failures: ET_E_ARG (bad key or dir), ET_E_STORE. */
ET_NODISCARD et_err et_posix_store(const char *dir, et_store_op op, const char *key,
                                   uint8_t *buf, size_t cap, size_t *len);

/* Serialise a load -> refresh -> save of one key across processes (two
 * refreshes of one rotating refresh token would otherwise send the same
 * token, and the slower one be refused). The store hook cannot do it: core
 * calls LOAD and SAVE separately, and only the caller knows where the
 * sequence ends; so the caller brackets it with these.
 * An advisory write lock (fcntl) on "<store_dir>/.<key>.lock", created 0600
 * and empty (it holds nothing), never deleted; the kernel drops the lock
 * when the holder exits or dies. Waits up to timeout_ms, polling, and stops
 * early when cfg->cancel is set. ET_OK with *fd to give to
 * et_posix_store_unlock; else *fd = -1 and ET_E_TIMEOUT (held by another
 * process all along), ET_E_CANCELLED, ET_E_ARG (no store_dir, bad key),
 * ET_E_STORE, each with et_posix_detail. Not for two et_posix in one
 * process: fcntl locks belong to the process. */
ET_NODISCARD et_err et_posix_store_lock(et_posix *px, const char *key, uint32_t timeout_ms,
                                       int *fd);
/* Release the lock (fd < 0: nothing). */
void et_posix_store_unlock(int fd);

#ifdef __cplusplus
}
#endif

#endif
