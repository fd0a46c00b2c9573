/* Private glue between the files of the POSIX + mbedTLS port. Not installed;
 * applications include edgetoken/et_posix.h only. */
#ifndef EDGETOKEN_POSIX_INTERNAL_H
#define EDGETOKEN_POSIX_INTERNAL_H

#include "edgetoken/et_posix.h"

#if defined(__GNUC__) || defined(__clang__)
#define PX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PX_PRINTF(f, a)
#endif

/* posix_log.c: record a failure detail (also logged at debug) and return e. */
et_err px_fail(et_posix *px, et_err e, const char *fmt, ...) PX_PRINTF(3, 4);
void px_logf(et_posix *px, et_level lvl, const char *fmt, ...) PX_PRINTF(3, 4);
void px_log(void *ctx, et_level lvl, const char *msg, size_t n);
bool px_cancelled(void *ctx);
const char *px_detail(void *ctx); /* port->detail: et_posix_detail */

/* posix_clock.c */
uint64_t px_mono_ms(void *ctx);
int64_t px_unix_s(void *ctx);
void px_sleep_ms(void *ctx, uint32_t ms);

/* posix_random.c: getrandom(2), whole buffer or ET_E_RANDOM. */
et_err px_random(void *ctx, uint8_t *p, size_t n);

/* The socket layer under the connection slot and TLS: posix_net.c on BSD
 * sockets, or port/lwip/lwip_net.c on lwIP's; a program links exactly one.
 * Nothing here blocks. px_sock_send/px_sock_recv return the bytes moved
 * (> 0), 0 for end of stream (recv only), or a PX_IO_* code; failures keep
 * their errno value in c->sys_errno. */
enum { PX_IO_AGAIN = -1, PX_IO_RESET = -2, PX_IO_ERROR = -3 };
long px_sock_send(et_conn *c, const uint8_t *p, size_t n);
long px_sock_recv(et_conn *c, uint8_t *p, size_t n);
/* Wait up to ms for c->fd to be writable (for_write) or readable: ET_OK,
 * ET_E_TIMEOUT (also when interrupted), ET_E_IO. */
et_err px_sock_poll(et_conn *c, bool for_write, uint32_t ms);
/* Resolve c->host, connect c->fd to c->port before deadline_ms. ET_E_DNS,
 * ET_E_CONNECT, ET_E_TIMEOUT, ET_E_CANCELLED, ET_E_IO, with a detail. */
et_err px_sock_connect(et_conn *c, uint64_t deadline_ms, uint32_t timeout_ms);
void px_sock_close(et_conn *c); /* and c->fd = -1 */

/* posix_conn.c: the connection slot (et_port's open/send/recv/close) over
 * the socket layer. px_wait_conn polls until ready or the monotonic
 * deadline: ET_OK, ET_E_TIMEOUT, ET_E_CANCELLED, ET_E_IO. */
et_err px_wait_conn(et_conn *c, bool for_write, uint64_t deadline_ms);
const char *px_peer_name(const et_conn *c, char *buf, size_t cap); /* host:port */
/* A send/recv result r (>= 0 bytes, < 0 failed with errno err) as
 * px_sock_send/px_sock_recv return it; the errno values are the C
 * library's (lwIP: LWIP_ERRNO_STDINCLUDE). */
long px_io_result(et_conn *c, long r, int err);
et_err px_open(void *ctx, et_str host, uint16_t port, bool tls,
               uint32_t timeout_ms, et_conn **out);
et_err px_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
               uint32_t timeout_ms);
et_err px_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
               uint32_t timeout_ms);
void px_close(et_conn *c);
/* Clear *port and fill the hooks the POSIX and lwIP ports share: ctx, open,
 * send, recv, close, sha256, log, cancelled, detail. */
void px_port_fill(et_port *port, void *ctx);

/* mbedtls_tls.c: config for all connections, and per-connection TLS. The
 * trust anchors come from ca (PEM with its NUL, or DER) when not NULL, else
 * from ca_file (needs MBEDTLS_FS_IO). */
et_err px_tls_init(et_posix *px, const char *ca_file, const unsigned char *ca,
                   size_t ca_len);
void px_tls_free(et_posix *px);
et_err px_tls_handshake(et_conn *c, uint64_t deadline_ms);
et_err px_tls_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                   uint64_t deadline_ms);
et_err px_tls_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                   uint64_t deadline_ms);
void px_tls_close(et_conn *c);

/* posix_store.c: et_posix_store in px->store_dir. */
et_err px_store(void *ctx, et_store_op op, const char *key, uint8_t *buf,
                size_t cap, size_t *len);

/* posix_arena.c: zero-heap builds give mbedTLS a static arena (once per
 * process) and log its high-water mark at debug level on et_posix_free. */
#if defined(ET_ZERO_HEAP)
void px_arena_init(void);
void px_arena_report(et_posix *px);
#else
#define px_arena_init() ((void)0)
#define px_arena_report(px) ((void)(px))
#endif

/* mbedtls_sha256.c */
et_err px_sha256(void *ctx, const uint8_t *p, size_t n, uint8_t out[32]);

/* mbedtls_sign.c: load the client key and certificate (px->sign_ready on
 * success and failure alike), sign digests, free and wipe the key. */
et_err px_sign_init(et_posix *px, const char *cert_file, const char *key_file);
et_err px_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
               size_t cap, size_t *sig_len);
void px_sign_free(et_posix *px);

#endif
