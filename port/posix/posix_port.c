/* SPDX-License-Identifier: MIT */
/* et_posix lifecycle: the diagnostics, the socket transport and the
 * mbedTLS port over it, composed; the port struct; the non-blocking open
 * for event loops. Details and logging: posix_log.c. */
#include "px_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PX_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

static et_err px_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                      et_conn **out) {
  et_posix *px = ctx;
  return et_mbedtls_open(px ? &px->tls : NULL, host, port, tls, timeout_ms, out);
}

static et_err px_sign(void *ctx, et_sig_alg alg, const uint8_t digest[32], uint8_t *sig,
                      size_t cap, size_t *sig_len) {
  et_posix *px = ctx;
  return et_mbedtls_sign(px ? &px->tls : NULL, alg, digest, sig, cap, sig_len);
}

static void px_fill(et_posix *px, et_port *port) {
  memset(port, 0, sizeof *port);
  et_mbedtls_conn_hooks(port);
  port->ctx = px;
  port->open = px_open;
  port->mono_ms = px_mono_ms;
  port->unix_s = px_unix_s;
  port->random = px_random;
  port->sleep_ms = px_sleep_ms;
  port->log = px_log;
  port->cancelled = px_cancelled;
  port->detail = px_detail;
  if (px->store_dir)
    port->store = px_store;
  if (px->tls.key_parsed)
    port->sign = px_sign;
}

/* mbedTLS only says "failed" for a file it cannot read: say why. */
static et_err px_ca_readable(et_posix *px, const char *ca_file) {
  FILE *f = fopen(ca_file, "rb");
  if (f == NULL)
    return px_fail(px, ET_E_TLS_CONFIG, "CA file '%s': %s", ca_file, strerror(errno));
  fclose(f);
  return ET_OK;
}

/* A CA directory: mbedTLS's parse_path says only "failed" either. */
static et_err px_ca_dir_readable(et_posix *px, const char *ca_path) {
  DIR *d = opendir(ca_path);
  if (d == NULL)
    return px_fail(px, ET_E_TLS_CONFIG, "CA directory '%s': %s", ca_path, strerror(errno));
  closedir(d);
  return ET_OK;
}

static et_err px_layers(et_posix *px, const et_posix_config *cfg) {
  const char *ca_path = cfg && !cfg->ca_file ? cfg->ca_path : NULL;
  const char *ca_file = ca_path ? NULL : cfg && cfg->ca_file ? cfg->ca_file : PX_DEFAULT_CA_FILE;
  et_err e = ca_path ? px_ca_dir_readable(px, ca_path) : px_ca_readable(px, ca_file);
  if (e != ET_OK)
    return e;
  et_clock clock = { px_mono_ms, px_cancelled, px };
  et_mbedtls_config mc;
  memset(&mc, 0, sizeof mc);
  et_sockets_init(&px->net, &px_socket_api, NULL, &clock, &px->diag, &mc.transport);
  if (cfg && cfg->proxy && cfg->proxy->host && cfg->proxy->host[0]) {
    et_transport sockets = mc.transport;
    et_proxy_tunnel_init(&px->tunnel, &sockets, cfg->proxy, &clock, &px->diag, &mc.transport);
  }
  mc.clock = clock;
  mc.diag = &px->diag;
  /* Parsed at the first TLS open: a cached token needs no bundle. */
  size_t n = strlen(ca_path ? ca_path : ca_file);
  if (n >= sizeof px->ca_name)
    return px_fail(px, ET_E_TLS_CONFIG, "CA %s name too long", ca_path ? "directory" : "file");
  memcpy(px->ca_name, ca_path ? ca_path : ca_file, n + 1);
  mc.ca_file = ca_path ? NULL : px->ca_name;
  mc.ca_path = ca_path ? px->ca_name : NULL;
  mc.ca_lazy = true;
  if (px->session_key) {
    mc.sessions_changed = px_sessions_changed;
    mc.sessions_ctx = px;
  }
  e = et_mbedtls_init(&px->tls, &mc, NULL);
  if (e == ET_OK && cfg && (cfg->cert_file || cfg->key_file))
    e = et_mbedtls_load_cert_files(&px->tls, cfg->cert_file, cfg->key_file);
  if (e == ET_OK && px->session_key)
    e = px_sessions_load(px);
  return e;
}

et_err et_posix_init(et_posix *px, const et_posix_config *cfg, et_port *port) {
  if (px == NULL || port == NULL)
    return ET_E_ARG;
  memset(px, 0, sizeof *px);
  px_arena_init();
  px->diag.sink = et_diag_stderr;
  if (cfg) {
    px->diag.level = cfg->log_level;
    if (cfg->log_sink) {
      px->diag.sink = cfg->log_sink;
      px->diag.sink_ctx = cfg->sink_ctx;
    }
    px->cancel = cfg->cancel;
    px->store_dir = cfg->store_dir;
    px->session_key = cfg->session_key;
  }
  if (px->session_key && px->store_dir == NULL)
    return px_fail(px, ET_E_ARG, "session_key needs store_dir");
  et_err e = px_layers(px, cfg);
  if (e != ET_OK) {
    et_mbedtls_free(&px->tls);
    et_sockets_free(&px->net);
    return e;
  }
  px_fill(px, port);
  px_store_startup(px);
  px_arena_hold();
  return ET_OK;
}

et_err et_posix_cert_cred(const et_posix *px, const et_sig_alg *alg, et_cred *cred) {
  return et_mbedtls_cert_cred(px ? &px->tls : NULL, alg, cred);
}

void et_posix_free(et_posix *px) {
  if (px == NULL)
    return;
  bool held = px->tls.ready; /* a successful init, not yet freed */
  et_mbedtls_free(&px->tls);
  et_sockets_free(&px->net);
  px_arena_report(px, held);
  et_wipe(px, sizeof *px);
}

void et_posix_stats(const et_posix *px, et_conn_stats *st) {
  et_mbedtls_stats(px ? &px->tls : NULL, st);
}

et_err et_posix_open_start(et_posix *px, et_str host, uint16_t port, bool tls, et_conn **out) {
  return et_mbedtls_open_start(px ? &px->tls : NULL, host, port, tls, out);
}

et_err et_posix_open_step(et_conn *c) {
  return et_mbedtls_open_step(c);
}

/* The transport under an et_posix's connections is its et_sockets (a
 * tunnel keeps their handles). */
int et_posix_conn_fd(const et_conn *c) {
  int sock = et_mbedtls_conn_sock(c);
  const et_posix *px;
  if (sock < 0)
    return -1;
  px = (const et_posix *)(const void *)((const char *)c->mt - offsetof(et_posix, tls));
  return et_sockets_fd(&px->net, sock);
}

bool et_posix_conn_wants_write(const et_conn *c) {
  return et_mbedtls_wants_write(c);
}
