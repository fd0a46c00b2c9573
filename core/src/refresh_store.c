/* SPDX-License-Identifier: MIT */
/* Refresh tokens in the port's store, and the refresh that keeps the
 * rotated token. */
#include "edgetoken/et_store.h"

#include "edgetoken/et_signin.h"

#include <string.h>

static bool token_byte(uint8_t c) { return c >= 0x21 && c <= 0x7e; }

static bool key_ok(const char *key) { return key != NULL && key[0] != '\0'; }

et_err et_refresh_token_load(const et_port *port, const char *key,
                             uint8_t *buf, size_t cap, size_t *len) {
  size_t n = 0;
  et_err e;
  if (port == NULL || buf == NULL || len == NULL || !key_ok(key))
    return ET_E_ARG;
  *len = 0;
  if (port->store == NULL)
    return ET_E_DISABLED;
  e = port->store(port->ctx, ET_STORE_LOAD, key, buf, cap, &n);
  if (e != ET_OK)
    return e;
  if (n > cap) { /* a port that overstates: never read past buf */
    et_wipe(buf, cap);
    return ET_E_STORE;
  }
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                   buf[n - 1] == '\t'))
    n--;
  if (n == 0)
    return ET_E_NOT_FOUND;
  for (size_t i = 0; i < n; i++) {
    if (!token_byte(buf[i])) { /* not a token: a corrupt or foreign record */
      et_wipe(buf, cap);
      return ET_E_INPUT;
    }
  }
  *len = n;
  return ET_OK;
}

et_err et_refresh_token_save(const et_port *port, const char *key,
                             et_str token) {
  size_t n = token.n;
  if (port == NULL || !key_ok(key) || token.p == NULL || token.n == 0)
    return ET_E_ARG;
  for (size_t i = 0; i < token.n; i++)
    if (!token_byte((uint8_t)token.p[i]))
      return ET_E_ARG;
  if (port->store == NULL)
    return ET_E_DISABLED;
  /* SAVE only reads buf; the hook's signature is shared with LOAD. */
  return port->store(port->ctx, ET_STORE_SAVE, key, (uint8_t *)(uintptr_t)token.p, n, &n);
}

et_err et_refresh_token_delete(const et_port *port, const char *key) {
  size_t n = 0;
  if (port == NULL || !key_ok(key))
    return ET_E_ARG;
  if (port->store == NULL)
    return ET_E_DISABLED;
  return port->store(port->ctx, ET_STORE_DELETE, key, NULL, 0, &n);
}

static et_err refuse(et_result *res, et_err err, const char *why) {
  if (res != NULL) {
    memset(res, 0, sizeof *res);
    res->err = err;
    res->why = why;
  }
  return err;
}

et_err et_refresh_stored(const et_port *port, const et_app *app,
                         const char *key, et_str scope, et_work *w,
                         et_token *tok, et_result *res) {
  et_work front;
  uint8_t *tail;
  size_t len = 0, half;
  et_err e;
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  if (port == NULL || app == NULL || w == NULL || w->buf == NULL || tok == NULL)
    return refuse(res, ET_E_ARG, NULL);
  /* Load into the back half, then slide the token to the very end so the
   * request and the response get all the rest. */
  half = w->cap / 2;
  e = et_refresh_token_load(port, key, w->buf + half, ET_REFRESH_TOKEN_MAX(w->cap), &len);
  if (e != ET_OK)
    return refuse(res, e, e == ET_E_NOT_FOUND ? ET_TEXT("no refresh token stored: sign in first")
                                              : NULL);
  tail = w->buf + w->cap - len;
  memmove(tail, w->buf + half, len);
  et_wipe(w->buf + half, (size_t)(tail - (w->buf + half)));

  front = *w;
  front.cap = w->cap - len;
  e = et_refresh(port, app, (et_str){ (const char *)tail, len }, scope, &front, tok, res);
  et_wipe(tail, len);
  if (e != ET_OK)
    return e;
  /* Rotation: the new token replaces the old one; none means keep it. One
   * that the next call could not load back is not saved: the old one
   * stays. */
  if (tok->refresh_token.n > ET_REFRESH_TOKEN_MAX(w->cap)) {
    if (res != NULL) {
      res->err = ET_E_NOSPACE;
      res->why = ET_TEXT("refreshed, but the new refresh token is longer than a quarter of "
                         "the workspace and could not be loaded back: the old one is kept");
    }
    return ET_E_NOSPACE;
  }
  if (tok->refresh_token.n > 0) {
    e = et_refresh_token_save(port, key, tok->refresh_token);
    if (e != ET_OK && res != NULL) {
      res->err = e;
      res->why = ET_TEXT("refreshed, but the new refresh token could not be stored");
    }
  }
  return e;
}
