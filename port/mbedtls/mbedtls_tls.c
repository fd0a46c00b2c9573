/* SPDX-License-Identifier: MIT */
/* TLS on one connection: set-up (host name, kept session, bio callbacks on
 * the transport), one attempt at a handshake, read or write, and the
 * failure texts. The loops around these are mbedtls_conn.c's. */
#include "mt_internal.h"

#include <limits.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h> /* MBEDTLS_ERR_NET_* codes only */

const char *mt_strerror(int ret, char *buf, size_t cap) {
  mbedtls_strerror(ret, buf, cap);
  return buf;
}

/* Bio callbacks: the transport's "would block" becomes WANT_WRITE /
 * WANT_READ; its other errors are kept in c->net_err. */
static int mt_bio_send(void *ctx, const unsigned char *p, size_t n) {
  et_conn *c = ctx;
  size_t sent = 0;
  et_err e = mt_net_send(c, p, n > INT_MAX ? INT_MAX : n, &sent);
  if (e == ET_OK)
    return (int)sent;
  if (e == ET_E_TIMEOUT)
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  c->net_err = e;
  return e == ET_E_CLOSED ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int mt_bio_recv(void *ctx, unsigned char *p, size_t n) {
  et_conn *c = ctx;
  size_t got = 0;
  et_err e = mt_net_recv(c, p, n > INT_MAX ? INT_MAX : n, &got);
  if (e == ET_OK)
    return (int)got;
  if (e == ET_E_TIMEOUT)
    return MBEDTLS_ERR_SSL_WANT_READ;
  c->net_err = e;
  return e == ET_E_CLOSED ? 0 /* end of stream */ : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* Called for each certificate of the chain: only full handshakes have one. */
static int mt_saw_chain(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  et_conn *c = ctx;
  (void)crt, (void)depth, (void)flags;
  c->full = true;
  return 0; /* mbedTLS's own verdict stands */
}

et_err mt_tls_begin(et_conn *c) {
  et_mbedtls *mt = c->mt;
  char msg[128];
  mbedtls_ssl_init(&c->ssl);
  int ret = mbedtls_ssl_setup(&c->ssl, &mt->conf);
  /* Always: SNI, and the name the certificate must carry. */
  if (ret == 0)
    ret = mbedtls_ssl_set_hostname(&c->ssl, c->host);
  if (ret != 0) {
    mbedtls_ssl_free(&c->ssl);
    return et_diag_fail(mt->diag, ET_E_TLS_CONFIG, "TLS setup for '", c->host, "': ",
                        mt_strerror(ret, msg, sizeof msg), MT_END);
  }
  mbedtls_ssl_set_bio(&c->ssl, c, mt_bio_send, mt_bio_recv, NULL);
  mbedtls_ssl_set_verify(&c->ssl, mt_saw_chain, c);
  const mbedtls_ssl_session *s = mt_session_offer(c);
  /* A session mbedTLS will not take just means a full handshake. */
  if (s != NULL)
    (void)mbedtls_ssl_set_session(&c->ssl, s);
  return ET_OK;
}

static bool mt_want_io(et_conn *c, int ret) {
  if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
    return false;
  c->want_write = ret == MBEDTLS_ERR_SSL_WANT_WRITE;
  return true;
}

/* A TLS 1.3 ticket (NewSessionTicket after the handshake): keep it. */
static bool mt_got_ticket(et_conn *c, int ret) {
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
  if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
    mt_session_capture(c);
    return true;
  }
#else
  (void)c, (void)ret;
#endif
  return false;
}

/* A failure the transport reported (its detail stands), or a TLS one. */
static et_err mt_io_error(et_conn *c, int ret, const char *what) {
  char msg[128];
  if (c->net_err != ET_OK && (ret == MBEDTLS_ERR_NET_SEND_FAILED ||
                              ret == MBEDTLS_ERR_NET_RECV_FAILED ||
                              ret == MBEDTLS_ERR_NET_CONN_RESET))
    return c->net_err;
  c->failed = true;
  return et_diag_fail(c->mt->diag, ET_E_TLS, what, c->host, "': ",
                      mt_strerror(ret, msg, sizeof msg), MT_END);
}

/* "The certificate is X\nThe certificate Y\n" -> "the certificate is X;
 * the certificate Y"; the flags in hex where mbedTLS has no texts (small
 * device builds define MBEDTLS_X509_REMOVE_INFO). */
static void mt_verify_text(uint32_t flags, char *out, size_t cap) {
  size_t len = 0;
#if !defined(MBEDTLS_X509_REMOVE_INFO)
  char info[512];
  int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
  bool line_start = true;
  for (int i = 0; n > 0 && i < n && info[i] != '\0' && len + 3 < cap; i++) {
    char ch = info[i];
    if (ch == '\n') {
      line_start = true;
      continue;
    }
    if (line_start && len > 0) {
      out[len++] = ';';
      out[len++] = ' ';
    }
    if (line_start && ch >= 'A' && ch <= 'Z')
      ch = (char)(ch - 'A' + 'a');
    line_start = false;
    out[len++] = ch;
  }
#endif
  out[len] = '\0';
  if (len == 0 && cap > 30) {
    static const char what[] = "verification flags ";
    char hex[ET_DIAG_NUM_MAX];
    memcpy(out, what, sizeof what - 1);
    memcpy(out + sizeof what - 1, et_diag_hex(hex, flags), 11); /* 0x%08x and its NUL */
  }
}

/* IPv6 literals hold ':', IPv4 ones only digits and dots (a hint for the
 * message below, not a parser). */
static bool mt_is_ip_literal(const char *host) {
  bool v4 = host[0] != '\0';
  for (; *host != '\0'; host++) {
    if (*host == ':')
      return true;
    v4 = v4 && ((*host >= '0' && *host <= '9') || *host == '.');
  }
  return v4;
}

static et_err mt_handshake_error(et_conn *c, int ret) {
  et_diag *d = c->mt->diag;
  char why[200];
  uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
  if (flags != 0 && flags != (uint32_t)-1) {
    c->failed = true;
    mt_verify_text(flags, why, sizeof why);
    /* mbedTLS 2.28 matches DNS names only, never IP-address SANs. */
    bool ip = (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && mt_is_ip_literal(c->host);
    return et_diag_fail(d, ET_E_TLS_VERIFY, "certificate verification failed for host '",
                        c->host, "': ", why,
                        ip ? " (connect by DNS name: IP addresses are not matched)" : "",
                        MT_END);
  }
  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    c->failed = true;
    return et_diag_fail(d, ET_E_TLS_VERIFY, "certificate verification failed for host '",
                        c->host, "'", MT_END);
  }
  if (ret == MBEDTLS_ERR_SSL_CONN_EOF)
    return et_diag_fail(d, ET_E_TLS, "TLS handshake with '", c->host,
                        "': peer closed the connection", MT_END);
  return mt_io_error(c, ret, "TLS handshake with '");
}

/* Log how the handshake went; a TLS 1.2 session is complete now (a 1.3
 * ticket comes later, through mt_got_ticket). */
static void mt_handshake_done(et_conn *c) {
  et_mbedtls *mt = c->mt;
  if (c->full)
    mt->stats.full_handshakes++;
  else
    mt->stats.resumed_handshakes++;
  et_diag_log(mt->diag, ET_LOG_DEBUG, c->full ? "full handshake with '" : "TLS resumed with '",
              c->host, "' (", mbedtls_ssl_get_version(&c->ssl), ")", MT_END);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
  if (mbedtls_ssl_get_version_number(&c->ssl) == MBEDTLS_SSL_VERSION_TLS1_3)
    return;
#endif
  mt_session_capture(c);
}

et_err mt_tls_handshake(et_conn *c) {
  int ret;
  do
    ret = mbedtls_ssl_handshake(&c->ssl);
  while (mt_got_ticket(c, ret));
  if (ret == 0) {
    mt_handshake_done(c);
    return ET_OK;
  }
  if (mt_want_io(c, ret))
    return ET_E_TIMEOUT;
  return mt_handshake_error(c, ret);
}

et_err mt_tls_write(et_conn *c, const uint8_t *p, size_t n, size_t *sent) {
  int ret;
  do
    ret = mbedtls_ssl_write(&c->ssl, p, n);
  while (mt_got_ticket(c, ret));
  if (ret > 0) {
    *sent = (size_t)ret;
    return ET_OK;
  }
  if (mt_want_io(c, ret))
    return ET_E_TIMEOUT;
  return mt_io_error(c, ret, "TLS send to '");
}

/* A peer that closes without close_notify after sending data is reported
 * as ET_E_CLOSED too: servers often do, and close-delimited HTTP bodies
 * end that way. Such a cut is indistinguishable from truncation by an
 * attacker, so core relies on Content-Length or chunked framing. */
et_err mt_tls_read(et_conn *c, uint8_t *p, size_t cap, size_t *got) {
  int ret;
  do
    ret = mbedtls_ssl_read(&c->ssl, p, cap);
  while (mt_got_ticket(c, ret));
  if (ret > 0) {
    *got = (size_t)ret;
    return ET_OK;
  }
  if (mt_want_io(c, ret))
    return ET_E_TIMEOUT;
  if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
    c->peer_closed = true;
    /* The transport's own end (a reset, a close): a lost connection, and
     * its detail ("recv from ...: Connection reset by peer") stands. */
    if (c->net_err == ET_E_CLOSED)
      return ET_E_CLOSED;
    return et_diag_fail(c->mt->diag, ET_E_CLOSED, "'", c->host, "' closed the connection",
                        ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? "" : " (no close_notify)",
                        MT_END);
  }
  return mt_io_error(c, ret, "TLS recv from '");
}

void mt_tls_end(et_conn *c) {
  /* Best effort and without waiting: a peer that is gone needs no goodbye. */
  if (!c->peer_closed && !c->failed && !c->handshaking)
    (void)mbedtls_ssl_close_notify(&c->ssl);
  mbedtls_ssl_free(&c->ssl);
}
