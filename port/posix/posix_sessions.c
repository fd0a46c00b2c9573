/* SPDX-License-Identifier: MIT */
/* TLS sessions kept across runs: the mbedTLS port's sessions as one value
 * of the file store (posix_store.c: 0600, replaced atomically), under
 * et_posix_config.session_key. Best effort: a file that is missing,
 * unreadable or from another mbedTLS build means full handshakes, never a
 * failure. The bytes hold master secrets and are wiped after use. */
#include "px_internal.h"

/* Room for the sessions of every slot (a TLS 1.2 session may carry the
 * peer's certificate, a few KB). */
#define PX_SESSIONS_MAX (ET_PORT_CONNS * 8192u)

et_err px_sessions_load(et_posix *px) {
  uint8_t buf[PX_SESSIONS_MAX];
  size_t n = 0;
  et_err e = et_posix_store(px->store_dir, ET_STORE_LOAD, px->session_key, buf, sizeof buf, &n);
  if (e == ET_E_ARG)
    return px_fail(px, e, "session_key '%s' is not a valid store key", px->session_key);
  if (e == ET_OK && et_mbedtls_sessions_load(&px->tls, buf, n) != ET_OK)
    e = ET_E_STORE;
  if (e != ET_OK && e != ET_E_NOT_FOUND)
    px_logf(px, ET_LOG_DEBUG, "TLS sessions in '%s/%s' not used (%s)", px->store_dir,
            px->session_key, et_strerror(e));
  et_wipe(buf, sizeof buf);
  return ET_OK;
}

void px_sessions_changed(void *ctx) {
  et_posix *px = ctx;
  uint8_t buf[PX_SESSIONS_MAX];
  size_t n = 0;
  et_err e = et_mbedtls_sessions_save(&px->tls, buf, sizeof buf, &n);
  if (e == ET_OK)
    e = et_posix_store(px->store_dir, ET_STORE_SAVE, px->session_key, buf, sizeof buf, &n);
  if (e != ET_OK)
    px_logf(px, ET_LOG_WARN, "cannot keep the TLS sessions in '%s/%s': %s", px->store_dir,
            px->session_key, et_strerror(e));
  et_wipe(buf, sizeof buf);
}
