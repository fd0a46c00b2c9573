/* SPDX-License-Identifier: MIT */
/* TLS session resumption: which slot a connection takes, the session it
 * offers, the session it leaves, and the kept sessions as bytes.
 *
 * A slot's session belongs to its host:port (the slot's host and port stay
 * after a close). A connection captures a new session when it has one
 * (TLS 1.2: after the handshake; TLS 1.3: when a ticket arrives) and the
 * slot keeps it when the connection closes without a TLS error. */
#include "mt_internal.h"

#include <string.h>

static bool mt_holds(const et_conn *c, const char *host, uint16_t port) {
  size_t n = strlen(host);
  return c->has_session && c->port == port && memcmp(c->host, host, n + 1) == 0;
}

void mt_session_drop(et_conn *c) {
  mbedtls_ssl_session_free(&c->session); /* zeroizes the master secret */
  mbedtls_ssl_session_init(&c->session);
  c->has_session = false;
  c->new_session = false;
}

/* Best first: a free slot that holds a session for host:port, then one
 * with none, then the free slot used longest ago (its session goes). */
et_conn *mt_slot_pick(et_mbedtls *mt, const char *host, uint16_t port) {
  et_conn *pick = NULL;
  int pick_rank = 0;
  for (int i = 0; i < ET_PORT_CONNS; i++) {
    et_conn *c = &mt->conns[i];
    if (c->sock >= 0)
      continue;
    int rank = mt_holds(c, host, port) ? 3 : !c->has_session ? 2 : 1;
    if (rank > pick_rank || (rank == pick_rank && c->last_used < pick->last_used)) {
      pick = c;
      pick_rank = rank;
    }
  }
  if (pick != NULL && pick_rank != 3) {
    mt_session_drop(pick);
    memcpy(pick->host, host, strlen(host) + 1); /* host fits: mt_begin checked */
    pick->port = port;
  }
  return pick;
}

/* c's own session, else one another slot keeps for the same host:port. */
const mbedtls_ssl_session *mt_session_offer(const et_conn *c) {
  const et_mbedtls *mt = c->mt;
  if (c->has_session)
    return &c->session;
  for (int i = 0; i < ET_PORT_CONNS; i++)
    if (mt_holds(&mt->conns[i], c->host, c->port))
      return &mt->conns[i].session;
  return NULL;
}

void mt_session_capture(et_conn *c) {
  mt_session_drop(c); /* mbedtls_ssl_get_session wants a fresh one */
  if (mbedtls_ssl_get_session(&c->ssl, &c->session) == 0)
    c->new_session = true;
  else
    mt_session_drop(c);
}

void mt_session_settle(et_conn *c) {
  et_mbedtls *mt = c->mt;
  if (c->failed) {
    mt_session_drop(c);
    return;
  }
  if (!c->new_session)
    return;
  c->new_session = false;
  c->has_session = true;
  if (mt->sessions_changed != NULL)
    mt->sessions_changed(mt->sessions_ctx);
}

/* The bytes: "ETS1", the number of entries, three zero bytes; then per
 * entry the host's length (1 byte), the port and the session's length
 * (2 bytes each, big-endian), the host, mbedtls_ssl_session_save's bytes. */
static const uint8_t mt_magic[4] = { 'E', 'T', 'S', '1' };
#define MT_HEAD 8u
#define MT_ENTRY_HEAD 5u

et_err et_mbedtls_sessions_save(const et_mbedtls *mt, uint8_t *buf, size_t cap, size_t *len) {
  if (len != NULL)
    *len = 0;
  if (mt == NULL || buf == NULL || len == NULL)
    return ET_E_ARG;
  if (cap < MT_HEAD)
    return ET_E_NOSPACE;
  size_t at = MT_HEAD;
  uint8_t count = 0;
  for (int i = 0; i < ET_PORT_CONNS; i++) {
    const et_conn *c = &mt->conns[i];
    size_t host_n = strlen(c->host), n = 0;
    if (!c->has_session)
      continue;
    if (cap - at < MT_ENTRY_HEAD + host_n)
      return ET_E_NOSPACE;
    uint8_t *blob = buf + at + MT_ENTRY_HEAD + host_n;
    int ret = mbedtls_ssl_session_save(&c->session, blob, cap - at - MT_ENTRY_HEAD - host_n, &n);
    if (ret == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL)
      return ET_E_NOSPACE;
    if (ret != 0 || n > UINT16_MAX)
      continue; /* not serialisable: it just is not persisted */
    buf[at] = (uint8_t)host_n;
    buf[at + 1] = (uint8_t)(c->port >> 8);
    buf[at + 2] = (uint8_t)c->port;
    buf[at + 3] = (uint8_t)(n >> 8);
    buf[at + 4] = (uint8_t)n;
    memcpy(buf + at + MT_ENTRY_HEAD, c->host, host_n);
    at += MT_ENTRY_HEAD + host_n + n;
    count++;
  }
  memcpy(buf, mt_magic, sizeof mt_magic);
  buf[4] = count;
  buf[5] = buf[6] = buf[7] = 0;
  *len = at;
  return ET_OK;
}

/* The next free slot without a session, or NULL. */
static et_conn *mt_empty_slot(et_mbedtls *mt) {
  for (int i = 0; i < ET_PORT_CONNS; i++)
    if (mt->conns[i].sock < 0 && !mt->conns[i].has_session)
      return &mt->conns[i];
  return NULL;
}

et_err et_mbedtls_sessions_load(et_mbedtls *mt, const uint8_t *buf, size_t len) {
  if (mt == NULL || buf == NULL || len < MT_HEAD || memcmp(buf, mt_magic, sizeof mt_magic) != 0)
    return ET_E_ARG;
  size_t at = MT_HEAD;
  for (unsigned i = 0; i < buf[4]; i++) {
    if (len - at < MT_ENTRY_HEAD)
      return ET_E_ARG;
    size_t host_n = buf[at];
    uint16_t port = (uint16_t)(buf[at + 1] << 8 | buf[at + 2]);
    size_t n = (size_t)buf[at + 3] << 8 | buf[at + 4];
    const uint8_t *host = buf + at + MT_ENTRY_HEAD;
    if (host_n == 0 || port == 0 || len - at - MT_ENTRY_HEAD < host_n + n ||
        memchr(host, '\0', host_n) != NULL)
      return ET_E_ARG;
    at += MT_ENTRY_HEAD + host_n + n;
    et_conn *c = mt_empty_slot(mt);
    if (c == NULL)
      break;
    /* Another mbedTLS version or configuration: mbedTLS refuses it. */
    if (mbedtls_ssl_session_load(&c->session, host + host_n, n) != 0) {
      mt_session_drop(c);
      continue;
    }
    memcpy(c->host, host, host_n);
    c->host[host_n] = '\0';
    c->port = port;
    c->has_session = true;
  }
  return ET_OK;
}
