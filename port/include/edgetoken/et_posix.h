/* SPDX-License-Identifier: MIT */
/* The POSIX port: BSD sockets (the et_sockets transport over the C
 * library's sockets), CLOCK_MONOTONIC, getrandom(2), files, and TLS,
 * SHA-256 and signing from the mbedTLS port (et_mbedtls.h: its TLS policy,
 * connection slots and session resumption apply). Unlike core it may
 * allocate (mbedTLS does, unless built zero-heap) and call the OS.
 *
 * Composition: an et_posix holds an et_sockets (the transport) and an
 * et_mbedtls (TLS over it) that share one et_diag, so et_posix_detail
 * shows the last failure whichever layer it came from.
 *
 * Connections: ET_PORT_CONNS at once (et_transport.h); open with every slot
 * busy fails with ET_E_NOSPACE. Not thread-safe: one et_posix per thread.
 * Plain TCP (tls=false) is allowed here; core decides when it may be used.
 *
 * Timeouts: open spends at most timeout_ms on connect and handshake
 * together (name resolution is getaddrinfo's own, unbounded by it); send
 * and recv wait at most timeout_ms each, 0 meaning "would block" =
 * ET_E_TIMEOUT. A cancel flag (et_posix_config.cancel) ends any of them
 * within ET_CANCEL_SLICE_MS with ET_E_CANCELLED. */
#ifndef EDGETOKEN_ET_POSIX_H
#define EDGETOKEN_ET_POSIX_H

#include "edgetoken/et_client.h"
#include "edgetoken/et_diag.h"
#include "edgetoken/et_mbedtls.h"
#include "edgetoken/et_port.h"
#include "edgetoken/et_proxy_transport.h"
#include "edgetoken/et_sockets.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_posix_config {
  const char *ca_file;  /* PEM bundle; NULL: ca_path, else
                           /etc/ssl/certs/ca-certificates.crt */
  const char *ca_path;  /* a directory of CA certificates (et_mbedtls_config),
                           used when ca_file is NULL */
  /* Either is checked readable in et_posix_init (and its name copied) and
   * parsed at the first TLS connection (ca_lazy): a run that never
   * connects parses no bundle, and a file without certificates fails that
   * first open rather than init. */
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
  /* optional (needs store_dir): a store key under which the TLS sessions
   * are kept across runs, e.g. "tls-sessions": a 0600 file in store_dir,
   * written like the store's (temp file, fsync, rename) whenever a
   * connection leaves a new session, and loaded by et_posix_init. It holds
   * the sessions' master secrets: guard it like the refresh tokens beside
   * it. NULL: sessions last as long as the et_posix. */
  const char *session_key;
  /* optional: an HTTP proxy every connection tunnels through (CONNECT),
   * but those its no_proxy list sends direct (et_proxy_transport.h). The
   * struct is copied, its strings borrowed until et_posix_free. NULL or
   * no host: direct connections. */
  const et_proxy_config *proxy;
} et_posix_config;

typedef struct et_posix {
  et_diag diag;          /* details and log, shared by the layers below */
  volatile int *cancel;  /* borrowed from et_posix_config */
  const char *store_dir; /* borrowed from et_posix_config */
  const char *session_key;
  char ca_name[4096];    /* the CA file or directory, read at the first
                            TLS open */
  et_sockets net;        /* the transport: BSD sockets */
  et_proxy_tunnel tunnel;/* over net, when a proxy is configured */
  et_mbedtls tls;        /* TLS, SHA-256, signing, sessions over net or tunnel */
} et_posix;

/* Initialise px and fill every hook of *port this port implements (open,
 * send, recv, close, mono_ms, unix_s, random, sleep_ms, sha256, log,
 * cancelled, detail; store when cfg->store_dir is set; sign when
 * cfg->cert_file and cfg->key_file are set); port->ctx = px. cfg may be
 * NULL (defaults). Kept TLS sessions are loaded from cfg->session_key when
 * set (a missing, unreadable or stale file just means full handshakes).
 * Errors: ET_E_ARG (px or port NULL; only one of cert_file and key_file;
 * session_key without store_dir or not a valid store key), ET_E_TLS_CONFIG
 * (CA file or directory unreadable or its name too long; see
 * et_posix_detail; one without certificates fails the first TLS open),
 * ET_E_RANDOM (DRBG seed), ET_E_IO (certificate or key file unreadable),
 * ET_E_CRYPTO (not a certificate or key, RSA under 2048 bits, a curve other
 * than P-256, or the key does not belong to the certificate).
 * On failure px needs no et_posix_free, but calling it is harmless. */
ET_NODISCARD et_err et_posix_init(et_posix *px, const et_posix_config *cfg, et_port *port);

/* After et_posix_init with cert_file and key_file: make *cred a
 * certificate credential for this key (kind, thumbprints, alg). alg NULL
 * picks PS256 for an RSA key and ES256 for a P-256 key. ET_E_ARG when no
 * key is loaded or alg does not fit the key (RS256/PS256 need RSA, ES256
 * needs P-256); ET_E_DISABLED for RS256 without SHA-1 in mbedTLS. */
ET_NODISCARD et_err et_posix_cert_cred(const et_posix *px, const et_sig_alg *alg, et_cred *cred);

/* Close any open connection, free the mbedTLS state and wipe px (keys and
 * sessions included). */
void et_posix_free(et_posix *px);

/* Human-readable detail of the last failure ("" if none), e.g.
 * "connect to localhost:8443: Connection refused". Valid until the next
 * call on px. Also port->detail. */
const char *et_posix_detail(const et_posix *px);

/* Connection counters (opened, full and resumed handshakes, wire bytes)
 * since et_posix_init; see et_conn_stats. */
void et_posix_stats(const et_posix *px, et_conn_stats *st);

/* Non-blocking use from an event loop (poll(2) on many descriptors):
 *
 *   et_conn *c;
 *   e = et_posix_open_start(px, ET_STR("login.microsoftonline.com"), 443, true, &c);
 *   while (e == ET_OK && (e = et_posix_open_step(c)) == ET_E_TIMEOUT) {
 *     struct pollfd p = { et_posix_conn_fd(c),
 *                         et_posix_conn_wants_write(c) ? POLLOUT : POLLIN, 0 };
 *     poll(&p, 1, ms_left);      (a real loop polls its other work too)
 *   }
 *   then port->send / port->recv with timeout_ms 0: ET_E_TIMEOUT means
 *   "would block": poll as above and call again (send: with the same
 *   bytes); port->close(c) when done, or to give up.
 *
 * open_start: resolves host (getaddrinfo blocks; use an IP literal or a
 * resolver of your own where that matters), takes a slot and starts a
 * non-blocking connect; ET_OK with *out, or open's errors. open_step:
 * advances the connect (trying the name's next address if one is refused)
 * and the TLS handshake without waiting: ET_OK open; ET_E_TIMEOUT wait for
 * the descriptor; any other error is open's, and the slot is free again
 * (do not close c). The deadline is the caller's. */
ET_NODISCARD et_err et_posix_open_start(et_posix *px, et_str host, uint16_t port, bool tls, et_conn **out);
ET_NODISCARD et_err et_posix_open_step(et_conn *c);
/* The descriptor to poll for c (-1 if c is not open). It can change during
 * open_step (the next address): read it after every step. */
int et_posix_conn_fd(const et_conn *c);
/* After ET_E_TIMEOUT: poll for POLLOUT when true, POLLIN when false. */
bool et_posix_conn_wants_write(const et_conn *c);

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
ET_NODISCARD et_err et_posix_store_lock(et_posix *px, const char *key, uint32_t timeout_ms, int *fd);
/* Release the lock (fd < 0: nothing). */
void et_posix_store_unlock(int fd);

#ifdef __cplusplus
}
#endif

#endif
