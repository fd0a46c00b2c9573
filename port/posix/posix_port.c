/* et_posix lifecycle and the port struct. Details and logging: posix_log.c. */
#include "posix_internal.h"

#include <string.h>

#define PX_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

et_err et_posix_init(et_posix *px, const et_posix_config *cfg, et_port *port) {
  if (px == NULL || port == NULL)
    return ET_E_ARG;
  memset(px, 0, sizeof *px);
  px_arena_init();
  px->conn.fd = -1;
  px->conn.px = px;
  if (cfg) {
    px->log_level = cfg->log_level;
    px->log_sink = cfg->log_sink;
    px->sink_ctx = cfg->sink_ctx;
    px->cancel = cfg->cancel;
    px->store_dir = cfg->store_dir;
  }
  et_err e = px_tls_init(px, cfg && cfg->ca_file ? cfg->ca_file : PX_DEFAULT_CA_FILE,
                         NULL, 0);
  if (e != ET_OK)
    return e; /* px_tls_init already released what it set up */

  px_port_fill(port, px);
  port->mono_ms = px_mono_ms;
  port->unix_s = px_unix_s;
  port->random = px_random;
  port->sleep_ms = px_sleep_ms;
  if (px->store_dir)
    port->store = px_store;
  if (cfg && (cfg->cert_file || cfg->key_file)) {
    e = px_sign_init(px, cfg->cert_file, cfg->key_file);
    if (e != ET_OK) {
      px_sign_free(px);
      px_tls_free(px);
      return e;
    }
    port->sign = px_sign;
  }
  return ET_OK;
}

void et_posix_free(et_posix *px) {
  if (px == NULL)
    return;
  if (px->conn.fd >= 0)
    px_close(&px->conn);
  px_sign_free(px);
  px_tls_free(px);
  px_arena_report(px);
  et_wipe(px, sizeof *px);
  px->conn.fd = -1;
}
