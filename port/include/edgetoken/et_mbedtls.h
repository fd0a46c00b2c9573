/* SPDX-License-Identifier: MIT */
/* The mbedTLS port: TLS over any et_transport, SHA-256, and signing with
 * the client's private key, on mbedTLS 3.6 LTS or 2.28 LTS. Hosts (the
 * POSIX port), lwIP devices and bare-metal images all use this one; they
 * differ only in the transport, the clock and where the key lives.
 *
 * One TLS policy, with no switch to relax it: TLS 1.2 at least (1.3 where
 * mbedTLS has it), the certificate chain verified against the trust
 * anchors, the host name always set (SNI and the certificate check), and a
 * deadline and the cancel check in every handshake, read and write loop.
 * mbedTLS 2.28 matches DNS names only, never IP-address SANs: connect to a
 * TLS host by name ("localhost", not "127.0.0.1").
 *
 * Connections live in ET_PORT_CONNS slots. A slot keeps the TLS session of
 * its last connection (TLS 1.2 session ticket or ID, TLS 1.3 ticket) for
 * that host:port, and the next connection to the same host:port offers it:
 * a resumed handshake skips the certificate chain and the key exchange's
 * signature. A server that declines gets a full handshake, no error. A
 * connection that ended in a TLS error leaves no session behind.
 *
 * Memory: mbedTLS allocates through mbedtls_calloc (a static arena on
 * devices: call mbedtls_memory_buffer_alloc_init(arena, size) once before
 * et_mbedtls_init). Not thread-safe: one et_mbedtls per thread. */
#ifndef EDGETOKEN_ET_MBEDTLS_H
#define EDGETOKEN_ET_MBEDTLS_H

#include "edgetoken/et_client.h"
#include "edgetoken/et_diag.h"
#include "edgetoken/et_port.h"
#include "edgetoken/et_transport.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_mbedtls_config {
  et_transport transport; /* copied */
  et_clock clock;         /* copied; mono_ms is required */
  et_diag *diag;          /* optional: failure details and log (borrowed) */
  /* Trust anchors: PEM (its length counts the terminating NUL) or DER in
   * memory, borrowed during et_mbedtls_init only; or a PEM file when ca is
   * NULL (needs MBEDTLS_FS_IO). */
  const unsigned char *ca;
  size_t ca_len;
  const char *ca_file;
  /* Or, when ca and ca_file are NULL: a directory of PEM or DER
   * certificates, one or more per file, hashed names or not (like
   * /etc/ssl/certs or $SSL_CERT_DIR); files that are not certificates are
   * skipped. Needs MBEDTLS_FS_IO. */
  const char *ca_path;
  /* true: ca_file or ca_path is parsed at the first TLS connection rather
   * than in et_mbedtls_init, so a run that never connects (a token served
   * from a cache) never parses a bundle; the string must then stay valid
   * until et_mbedtls_free, and a bad file fails that first open (with the
   * same error and detail) instead of init. An in-memory ca is always
   * parsed in init. */
  bool ca_lazy;
  /* Optional: called when a closing connection left a new session to
   * resume (e.g. to persist them with et_mbedtls_sessions_save). */
  void (*sessions_changed)(void *ctx);
  void *sessions_ctx;
} et_mbedtls_config;

/* Counters since et_mbedtls_init (tests and benchmarks read them). */
typedef struct et_conn_stats {
  uint32_t opened;             /* connections opened (TLS or plain) */
  uint32_t full_handshakes;    /* TLS handshakes that verified a certificate chain */
  uint32_t resumed_handshakes; /* TLS handshakes that resumed a kept session */
  uint64_t bytes_sent;         /* bytes handed to the transport (TLS records) */
  uint64_t bytes_received;     /* bytes the transport delivered */
} et_conn_stats;

/* A connection slot. Fields are the port's; use the functions below. */
struct et_conn {
  struct et_mbedtls *mt;
  int sock;               /* transport handle; -1: slot free */
  bool tls;
  bool handshaking;       /* opened, handshake not finished yet */
  bool full;              /* the handshake verified a chain (was not resumed) */
  bool want_write;        /* the last "would block" waits to write, not read */
  bool peer_closed;       /* end of stream or close_notify seen */
  bool failed;            /* a TLS error ended it: keep no session */
  bool new_session;       /* session came from this connection */
  bool has_session;       /* session is kept for host:port */
  et_err net_err;         /* the transport's error under a TLS failure */
  uint32_t last_used;     /* opening order, to pick a slot to reuse */
  uint64_t deadline_ms;   /* of the running call (then: try once) */
  uint16_t port;
  char host[ET_PORT_HOST_MAX]; /* also the kept session's host */
  mbedtls_ssl_context ssl;
  mbedtls_ssl_session session;
};

typedef struct et_mbedtls {
  et_transport net;
  et_clock clock;
  et_diag *diag;
  void (*sessions_changed)(void *ctx);
  void *sessions_ctx;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  const char *ca_file;        /* with ca_lazy: parsed into ca at the first */
  const char *ca_path;        /* TLS open (ca_loaded) */
  bool ca_loaded;
  mbedtls_ssl_config conf;
  bool ready;                 /* the contexts above are initialised */
  /* The client key for signing: parsed once and kept (key_parsed), or
   * parsed from key_src for each signature (a key in flash). */
  mbedtls_pk_context key;
  bool key_parsed;
  const unsigned char *key_src;
  size_t key_src_len;
  bool has_sha1;              /* x5t_sha1 computed (needs MBEDTLS_SHA1_C) */
  uint8_t x5t_s256[32];       /* thumbprints of a certificate file's DER */
  uint8_t x5t_sha1[20];
  uint32_t opens;             /* counts opens, for et_conn.last_used */
  et_conn_stats stats;
  et_conn conns[ET_PORT_CONNS];
} et_mbedtls;

/* Initialise mt: DRBG (seeded from mbedTLS's entropy sources; TLS 1.3
 * also starts PSA), trust anchors, the TLS configuration. With port (may
 * be NULL) it fills port->ctx = mt, open, send, recv, close, sha256 and
 * detail, and leaves the other hooks as they are: a device then adds its
 * clock, random and sleep. Errors: ET_E_ARG (NULL, no mono_ms or no
 * transport hooks, no trust anchors), ET_E_RANDOM (seeding failed: no
 * entropy source), ET_E_TLS_CONFIG (trust anchors unreadable or empty, TLS
 * setup), each with a detail. On failure mt needs no et_mbedtls_free, but
 * calling it is harmless. */
ET_NODISCARD et_err et_mbedtls_init(et_mbedtls *mt, const et_mbedtls_config *cfg, et_port *port);

/* Close every connection, free mbedTLS's state and the kept sessions, and
 * wipe mt (keys and session secrets included). PSA (mbedTLS 3.x) stays
 * initialised: it is process-wide and may have other users; call
 * mbedtls_psa_crypto_free() once nothing uses it. */
void et_mbedtls_free(et_mbedtls *mt);

/* et_port's open/send/recv/close (et_port.h), for a port that embeds an
 * et_mbedtls and fills its own et_port. open takes a free slot, connects
 * the transport and, when tls, completes a handshake (resuming a kept
 * session when it can), all within timeout_ms. host may be "[v6]". Slot
 * errors: ET_E_NOSPACE (every slot busy), ET_E_ARG (host empty, too long
 * or holding NUL; port 0). Send with ET_E_TIMEOUT on a TLS connection
 * must be repeated with the same bytes (mbedTLS has the record). */
ET_NODISCARD et_err et_mbedtls_open(et_mbedtls *mt, et_str host, uint16_t port, bool tls,
                       uint32_t timeout_ms, et_conn **out);
et_err et_mbedtls_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                       uint32_t timeout_ms);
et_err et_mbedtls_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                       uint32_t timeout_ms);
void et_mbedtls_close(et_conn *c);
/* et_port's sha256 hook (ctx is not used). */
et_err et_mbedtls_sha256(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]);
/* Set port's send, recv, close and sha256 to the four above (the hooks
 * that need no ctx), for a port that embeds an et_mbedtls. */
void et_mbedtls_conn_hooks(et_port *port);

/* Opening without blocking, for event loops: start takes a slot and
 * starts the transport's connect without waiting (name resolution is the
 * transport's and may block); step advances the connect and the handshake
 * as far as it can without waiting. step: ET_OK (open: use et_port's
 * send/recv, with timeout 0 for "would block" = ET_E_TIMEOUT), ET_E_TIMEOUT
 * (wait until the transport's connection is writable when
 * et_mbedtls_wants_write(c), else readable, then step again), or an error
 * as et_port's open reports it, after which the slot is free again (do not
 * close c). start's errors are open's; it writes *out only on ET_OK. The
 * deadline is the caller's: et_mbedtls_close(c) abandons an open. */
ET_NODISCARD et_err et_mbedtls_open_start(et_mbedtls *mt, et_str host, uint16_t port, bool tls,
                             et_conn **out);
ET_NODISCARD et_err et_mbedtls_open_step(et_conn *c);
/* After ET_E_TIMEOUT from open_step, send or recv: true when c waits to
 * write (a connect under way, a TLS record not yet sent), false to read. */
bool et_mbedtls_wants_write(const et_conn *c);
/* c's transport handle (for et_sockets_fd), or -1. */
int et_mbedtls_conn_sock(const et_conn *c);

/* Copy the counters into *st. */
void et_mbedtls_stats(const et_mbedtls *mt, et_conn_stats *st);

/* The kept sessions as bytes, to resume after a restart: a secret (they
 * hold the sessions' master secrets): keep them like a refresh token and
 * wipe the buffer. ET_OK with *len bytes (8 when no session is kept);
 * ET_E_NOSPACE when cap is too small (*len = 0); ET_E_ARG for NULL. */
ET_NODISCARD et_err et_mbedtls_sessions_save(const et_mbedtls *mt, uint8_t *buf, size_t cap, size_t *len);
/* Keep the sessions of buf in free slots (before any connection is open).
 * Entries from another mbedTLS build or configuration are skipped.
 * ET_E_ARG when buf is not what et_mbedtls_sessions_save wrote. */
ET_NODISCARD et_err et_mbedtls_sessions_load(et_mbedtls *mt, const uint8_t *buf, size_t len);

/* Signing (et_port's sign hook, certificate credentials): one path for RS256
 * (PKCS#1 v1.5), PS256 (PSS, MGF1-SHA-256, salt 32) and ES256 (P-256, raw
 * r||s, 64 bytes). The key is RSA of 2048..4096 bits or EC P-256.
 * sig needs the RSA modulus size (256..512 bytes) or 64 for ES256.
 * Errors: ET_E_ARG (no key, NULL, the key cannot make alg), ET_E_NOSPACE
 * (cap too small), ET_E_CRYPTO (a key in flash does not parse, signing
 * failed). */
ET_NODISCARD et_err et_mbedtls_sign(et_mbedtls *mt, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                       size_t cap, size_t *sig_len);

/* A key in flash (PEM with its NUL, or DER; unencrypted), borrowed: it is
 * parsed into the arena for each signature and freed right after (mbedTLS
 * zeroizes it), so it never stays in RAM. With port (may be NULL) it sets
 * port->sign, which expects port->ctx == mt. */
void et_mbedtls_set_key(et_mbedtls *mt, const unsigned char *key, size_t key_len,
                        et_port *port);

#if defined(MBEDTLS_FS_IO)
/* A client certificate and its private key from files (PEM or DER), for
 * hosts: the key is parsed once, checked (size, curve, and that it belongs
 * to the certificate), and kept until et_mbedtls_free; the certificate's
 * thumbprints are kept for et_mbedtls_cert_cred. Errors, with a detail:
 * ET_E_IO (unreadable), ET_E_CRYPTO (not a certificate or key, RSA outside
 * 2048..4096 bits, a curve other than P-256, key and certificate apart). */
ET_NODISCARD et_err et_mbedtls_load_cert_files(et_mbedtls *mt, const char *cert_file,
                                  const char *key_file);
#endif

/* After et_mbedtls_load_cert_files: make *cred a certificate credential
 * (kind, thumbprints, alg). alg NULL picks PS256 for RSA, ES256 for P-256.
 * ET_E_ARG when no key is loaded or alg does not fit it; ET_E_DISABLED for
 * RS256 without SHA-1 in mbedTLS (its x5t is the SHA-1 thumbprint). */
ET_NODISCARD et_err et_mbedtls_cert_cred(const et_mbedtls *mt, const et_sig_alg *alg, et_cred *cred);

#ifdef __cplusplus
}
#endif

#endif
