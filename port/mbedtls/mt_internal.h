/* SPDX-License-Identifier: MIT */
/* Private glue between the files of the mbedTLS port (prefix mt_). Not
 * installed; users include edgetoken/et_mbedtls.h. */
#ifndef EDGETOKEN_MT_INTERNAL_H
#define EDGETOKEN_MT_INTERNAL_H

#include "edgetoken/et_mbedtls.h"

#include <mbedtls/version.h>

#define MT_END ((const char *)NULL) /* ends et_diag_fail's pieces */

/* mbedtls_conn.c: the clock, and the transport under a connection. The
 * transport gets what is left of c->deadline_ms (in cancel slices): 0 once
 * it has passed, i.e. "try once". Both count the bytes moved and remember
 * the direction of a would-block in c->want_write. */
uint64_t mt_now(const et_mbedtls *mt);
et_err mt_net_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent);
et_err mt_net_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got);

/* mbedtls_tls.c: TLS on one connection. mt_tls_begin sets up c->ssl
 * (freed again on failure); the others make one attempt through the
 * transport (which may wait until c->deadline_ms): ET_E_TIMEOUT means
 * "would block", other errors carry a detail. */
et_err mt_tls_begin(et_conn *c);
et_err mt_tls_handshake(et_conn *c);
et_err mt_tls_write(et_conn *c, const uint8_t *p, size_t n, size_t *sent);
et_err mt_tls_read(et_conn *c, uint8_t *p, size_t cap, size_t *got);
void mt_tls_end(et_conn *c); /* best-effort close_notify, free c->ssl */
const char *mt_strerror(int ret, char *buf, size_t cap);
/* The trust anchors parsed (a lazy CA file or directory at the first TLS
 * open): ET_OK, or ET_E_TLS_CONFIG with a detail. */
et_err mt_ca_ready(et_mbedtls *mt);

/* mbedtls_session.c: which slot a connection to host:port takes (NULL:
 * all busy), the session to offer it, and the session's life: captured
 * from the connection, kept or dropped when it closes. */
et_conn *mt_slot_pick(et_mbedtls *mt, const char *host, uint16_t port);
const mbedtls_ssl_session *mt_session_offer(const et_conn *c);
void mt_session_capture(et_conn *c);
void mt_session_settle(et_conn *c);
void mt_session_drop(et_conn *c);

/* mbedtls_sign.c: whether pk can make alg (RSA for RS256/PS256, P-256 for
 * ES256). */
bool mt_key_fits(const mbedtls_pk_context *pk, et_sig_alg alg);

#endif
