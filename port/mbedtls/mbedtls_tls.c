/* TLS over the port's non-blocking sockets with mbedTLS: one client config
 * (CA chain, DRBG, TLS 1.2 minimum, verification required) shared by the
 * connections, our own bio callbacks on the socket layer (px_sock_*, BSD or
 * lwIP), and deadlines enforced by polling it. */
#include "../posix/posix_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h> /* MBEDTLS_ERR_NET_* codes only */
#include <mbedtls/version.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

static const char px_drbg_pers[] = "edgetoken-posix";

static const char *tls_strerror(int ret, char *buf, size_t cap) {
  mbedtls_strerror(ret, buf, cap);
  return buf;
}

et_err px_tls_init(et_posix *px, const char *ca_file, const unsigned char *ca,
                   size_t ca_len) {
  char msg[128];
  mbedtls_entropy_init(&px->entropy);
  mbedtls_ctr_drbg_init(&px->drbg);
  mbedtls_x509_crt_init(&px->ca);
  mbedtls_ssl_config_init(&px->conf);
  px->tls_ready = true; /* from here on px_tls_free is needed */

  et_err e = ET_OK;
  int ret;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  if (psa_crypto_init() != PSA_SUCCESS) {
    e = px_fail(px, ET_E_TLS_CONFIG, "psa_crypto_init failed");
    goto out;
  }
#endif
  ret = mbedtls_ctr_drbg_seed(&px->drbg, mbedtls_entropy_func, &px->entropy,
                              (const unsigned char *)px_drbg_pers,
                              sizeof px_drbg_pers - 1);
  if (ret != 0) {
    e = px_fail(px, ET_E_RANDOM, "seeding the TLS DRBG: %s",
                tls_strerror(ret, msg, sizeof msg));
    goto out;
  }
  if (ca != NULL) {
    ca_file = "<in memory>"; /* for the messages below */
    ret = mbedtls_x509_crt_parse(&px->ca, ca, ca_len);
  } else {
#if defined(MBEDTLS_FS_IO)
    FILE *f = fopen(ca_file, "rb"); /* for a precise reason; mbedTLS only says "failed" */
    if (f == NULL) {
      e = px_fail(px, ET_E_TLS_CONFIG, "CA file '%s': %s", ca_file, strerror(errno));
      goto out;
    }
    fclose(f);
    ret = mbedtls_x509_crt_parse_file(&px->ca, ca_file);
#else
    e = px_fail(px, ET_E_TLS_CONFIG, "CA file '%s': mbedTLS has no file system "
                "(MBEDTLS_FS_IO); give the CA in memory", ca_file);
    goto out;
#endif
  }
  /* A positive result counts certificates mbedTLS could not parse; system
   * bundles may hold a few, so only an empty chain is fatal. */
  if (ret < 0) {
    e = px_fail(px, ET_E_TLS_CONFIG, "CA file '%s': %s", ca_file,
                tls_strerror(ret, msg, sizeof msg));
    goto out;
  }
  if (px->ca.raw.len == 0) {
    e = px_fail(px, ET_E_TLS_CONFIG, "CA file '%s' holds no usable certificates",
                ca_file);
    goto out;
  }
  ret = mbedtls_ssl_config_defaults(&px->conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) {
    e = px_fail(px, ET_E_TLS_CONFIG, "TLS config: %s",
                tls_strerror(ret, msg, sizeof msg));
    goto out;
  }
  /* Verification is not optional: there is deliberately no way to relax it. */
  mbedtls_ssl_conf_authmode(&px->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&px->conf, &px->ca, NULL);
  mbedtls_ssl_conf_rng(&px->conf, mbedtls_ctr_drbg_random, &px->drbg);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  mbedtls_ssl_conf_min_tls_version(&px->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
  mbedtls_ssl_conf_min_version(&px->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
#endif
out:
  if (e != ET_OK)
    px_tls_free(px);
  return e;
}

void px_tls_free(et_posix *px) {
  if (!px->tls_ready)
    return;
  mbedtls_ssl_config_free(&px->conf);
  mbedtls_x509_crt_free(&px->ca);
  mbedtls_ctr_drbg_free(&px->drbg);
  mbedtls_entropy_free(&px->entropy);
  px->tls_ready = false;
}

/* Bio callbacks: never block; "not now" becomes WANT_READ/WANT_WRITE and the
 * loops below poll the socket until the deadline. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  et_conn *c = ctx;
  long r = px_sock_send(c, buf, len > INT_MAX ? INT_MAX : len);
  if (r >= 0)
    return (int)r;
  if (r == PX_IO_AGAIN)
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  return r == PX_IO_RESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  et_conn *c = ctx;
  long r = px_sock_recv(c, buf, len > INT_MAX ? INT_MAX : len);
  if (r >= 0)
    return (int)r; /* 0: EOF, which mbedTLS reports as end of stream */
  if (r == PX_IO_AGAIN)
    return MBEDTLS_ERR_SSL_WANT_READ;
  return r == PX_IO_RESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

static bool want_io(int ret) {
  return ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Wait for the direction mbedTLS asked for. */
static et_err wait_io(et_conn *c, int ret, uint64_t deadline_ms) {
  return px_wait_conn(c, ret == MBEDTLS_ERR_SSL_WANT_WRITE, deadline_ms);
}

/* Why a record-layer call failed, for humans: errno from the bio when it has
 * one, mbedTLS's text otherwise. */
static const char *io_reason(const et_conn *c, int ret, char *buf, size_t cap) {
  if (c->sys_errno != 0 &&
      (ret == MBEDTLS_ERR_NET_SEND_FAILED || ret == MBEDTLS_ERR_NET_RECV_FAILED ||
       ret == MBEDTLS_ERR_NET_CONN_RESET))
    return strerror(c->sys_errno);
  return tls_strerror(ret, buf, cap);
}

#if defined(MBEDTLS_X509_REMOVE_INFO) /* small device builds drop the texts */
static void verify_text(uint32_t flags, char *out, size_t cap) {
  snprintf(out, cap, "verification flags 0x%08lx", (unsigned long)flags);
}
#else
/* "The certificate is X\nThe certificate Y\n" -> "the certificate is X; the
 * certificate Y". */
static void verify_text(uint32_t flags, char *out, size_t cap) {
  char info[512];
  int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
  size_t len = 0;
  bool line_start = true;
  out[0] = '\0';
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
  out[len] = '\0';
  if (len == 0)
    snprintf(out, cap, "verification flags 0x%08lx", (unsigned long)flags);
}
#endif

/* IPv6 literals hold ':', IPv4 ones only digits and dots (a hint for the
 * message below, not a parser). */
static bool is_ip_literal(const char *host) {
  size_t n = strlen(host);
  return strchr(host, ':') != NULL ||
         (n > 0 && strspn(host, "0123456789.") == n);
}

static et_err handshake_error(et_conn *c, int ret) {
  et_posix *px = c->px;
  char why[200];
  uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
  if (flags != 0 && flags != (uint32_t)-1) {
    verify_text(flags, why, sizeof why);
    /* mbedTLS 2.28 matches DNS names only, never IP-address SANs. */
    bool ip = (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) && is_ip_literal(c->host);
    return px_fail(px, ET_E_TLS_VERIFY,
                   "certificate verification failed for host '%s': %s%s", c->host, why,
                   ip ? " (connect by DNS name: IP addresses are not matched)" : "");
  }
  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    return px_fail(px, ET_E_TLS_VERIFY, "certificate verification failed for host '%s'",
                   c->host);
  if (ret == MBEDTLS_ERR_SSL_CONN_EOF)
    return px_fail(px, ET_E_TLS, "TLS handshake with '%s': peer closed the connection",
                   c->host);
  return px_fail(px, ET_E_TLS, "TLS handshake with '%s': %s (-0x%04x)", c->host,
                 io_reason(c, ret, why, sizeof why), (unsigned)-ret);
}

et_err px_tls_handshake(et_conn *c, uint64_t deadline_ms) {
  et_posix *px = c->px;
  char msg[128];
  mbedtls_ssl_init(&c->ssl);
  c->sys_errno = 0;
  int ret = mbedtls_ssl_setup(&c->ssl, &px->conf);
  if (ret != 0) {
    mbedtls_ssl_free(&c->ssl);
    return px_fail(px, ET_E_TLS_CONFIG, "TLS setup: %s", tls_strerror(ret, msg, sizeof msg));
  }
  /* Always: SNI, and the name the certificate must carry. */
  ret = mbedtls_ssl_set_hostname(&c->ssl, c->host);
  if (ret != 0) {
    mbedtls_ssl_free(&c->ssl);
    return px_fail(px, ET_E_TLS_CONFIG, "TLS host name '%s': %s", c->host,
                   tls_strerror(ret, msg, sizeof msg));
  }
  mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);

  et_err e = ET_OK;
  while ((ret = mbedtls_ssl_handshake(&c->ssl)) != 0) {
    if (!want_io(ret)) {
      e = handshake_error(c, ret);
      break;
    }
    e = wait_io(c, ret, deadline_ms);
    if (e == ET_E_TIMEOUT)
      e = px_fail(px, e, "TLS handshake with '%s' timed out", c->host);
    if (e != ET_OK)
      break;
  }
  if (e != ET_OK)
    mbedtls_ssl_free(&c->ssl);
  return e;
}

et_err px_tls_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                   uint64_t deadline_ms) {
  et_posix *px = c->px;
  char msg[128];
  for (;;) {
    int ret = mbedtls_ssl_write(&c->ssl, p, n);
    if (ret > 0) {
      *sent = (size_t)ret;
      return ET_OK;
    }
    if (want_io(ret)) {
      et_err e = wait_io(c, ret, deadline_ms);
      if (e == ET_E_TIMEOUT)
        return px_fail(px, e, "TLS send to '%s' timed out", c->host);
      if (e != ET_OK)
        return e;
      continue;
    }
    if (ret == MBEDTLS_ERR_NET_CONN_RESET)
      return px_fail(px, ET_E_CLOSED, "TLS send to '%s': %s", c->host,
                     io_reason(c, ret, msg, sizeof msg));
    return px_fail(px, ET_E_TLS, "TLS send to '%s': %s", c->host,
                   io_reason(c, ret, msg, sizeof msg));
  }
}

/* A peer that closes without close_notify after sending data is reported as
 * ET_E_CLOSED too: servers often do, and close-delimited HTTP bodies end
 * that way. Such a cut is indistinguishable from truncation by an attacker,
 * so core must rely on Content-Length or chunked framing where it can. */
et_err px_tls_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                   uint64_t deadline_ms) {
  et_posix *px = c->px;
  char msg[128];
  for (;;) {
    int ret = mbedtls_ssl_read(&c->ssl, p, cap);
    if (ret > 0) {
      *got = (size_t)ret;
      return ET_OK;
    }
    if (want_io(ret)) {
      et_err e = wait_io(c, ret, deadline_ms);
      if (e == ET_E_TIMEOUT)
        return px_fail(px, e, "no data from '%s' within the timeout", c->host);
      if (e != ET_OK)
        return e;
      continue;
    }
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
      continue; /* TLS 1.3 housekeeping, not data */
#endif
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
        ret == MBEDTLS_ERR_SSL_CONN_EOF) {
      c->peer_closed = true;
      return px_fail(px, ET_E_CLOSED, "'%s' closed the connection%s", c->host,
                     ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? "" : " (no close_notify)");
    }
    return px_fail(px, ET_E_TLS, "TLS recv from '%s': %s", c->host,
                   io_reason(c, ret, msg, sizeof msg));
  }
}

void px_tls_close(et_conn *c) {
  /* Best effort and non-blocking: a peer that is gone needs no goodbye. */
  if (!c->peer_closed)
    (void)mbedtls_ssl_close_notify(&c->ssl);
  mbedtls_ssl_free(&c->ssl);
}
