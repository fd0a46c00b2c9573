/* SPDX-License-Identifier: MIT */
/* Refresh tokens kept across runs and power cuts, over the port's optional
 * store hook (port->store; on POSIX a 0600 file replaced atomically).
 *
 * A key names one stored token (e.g. one per tenant + client + user); which
 * keys are valid is the port's business (POSIX: 1..ET_POSIX_STORE_KEY_MAX,
 * 63, of [A-Za-z0-9._-], not starting with '.'). A stored token is its bytes, nothing else. */
#ifndef EDGETOKEN_ET_STORE_H
#define EDGETOKEN_ET_STORE_H

#include "et_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Load the token stored under key into buf[0..cap); *len = its length.
 * Trailing whitespace (a hand-written file's newline) is dropped. A token
 * must be printable ASCII without spaces (0x21..0x7e).
 * Errors: ET_E_DISABLED (port->store NULL), ET_E_NOT_FOUND (nothing stored,
 * or an empty value), ET_E_NOSPACE (cap too small), ET_E_STORE (the store
 * failed), ET_E_INPUT (the value is not a token: buf is wiped), ET_E_ARG
 * (NULL, empty key). */
ET_NODISCARD et_err et_refresh_token_load(const et_port *port, const char *key,
                                          uint8_t *buf, size_t cap, size_t *len);

/* Replace the token under key with token (the port's SAVE leaves the old or
 * the new value after a crash, never a torn one).
 * Errors: ET_E_DISABLED, ET_E_ARG (empty token or key, bytes outside
 * 0x21..0x7e), the port's error (ET_E_STORE...). */
ET_NODISCARD et_err et_refresh_token_save(const et_port *port, const char *key,
                                          et_str token);

/* Forget the token under key (sign-out). Nothing stored is not an error.
 * Errors: ET_E_DISABLED, ET_E_ARG, the port's error. */
ET_NODISCARD et_err et_refresh_token_delete(const et_port *port, const char *key);

/* The longest refresh token et_refresh_stored takes with a workspace of
 * cap bytes: loaded, sent in the request (which holds it once more) and
 * replaced by a rotated one of up to the same size. */
#define ET_REFRESH_TOKEN_MAX(cap) ((cap) / 4)

/* Load the refresh token under key, refresh (et_refresh, et_signin.h), and
 * on success save the rotated token from the response (when the response
 * has none, the stored one is kept).
 *
 * Memory: the stored token is loaded into the back half of w->buf (then
 * slid to its tail) and the request/response use the rest, so w->cap must
 * hold the whole response plus the refresh token (16 KB is comfortable
 * for Entra's user tokens; a token with many group claims needs more).
 * One limit for save and load: a stored token may be up to
 * ET_REFRESH_TOKEN_MAX(w->cap) bytes (longer: ET_E_NOSPACE, nothing sent),
 * and a rotated token longer than that is not saved (ET_E_NOSPACE below),
 * so every token saved here loads back with the same w->cap.
 * The tail copy is wiped before returning.
 *
 * A response too large for the workspace (ET_E_RESPONSE_TOO_LARGE) leaves
 * the stored token as it was. Entra ID does not revoke a refresh token when
 * it is used (its rotation hands out a new one and the old one stays valid
 * until it expires), so the kept token still works there; a provider that
 * revokes on use has then already revoked it, and that response is lost:
 * size w->cap for the largest response the provider sends.
 *
 * Results: *tok points into w->buf as for et_refresh. The stored token is
 * replaced only after a successful response; every failure leaves it
 * untouched, ET_E_SIGNIN_REQUIRED included: the caller decides whether to
 * delete it (et_refresh_token_delete) or keep it for a later look.
 * Errors: those of et_refresh_token_load (ET_E_NOT_FOUND: never signed
 * in), those of et_refresh (ET_E_SIGNIN_REQUIRED with res->oauth filled,
 * transient network/5xx errors as they are), and the save's error (e.g.
 * ET_E_STORE) after a successful refresh: *tok is then still filled and
 * usable, but the new refresh token could not be kept (warn the user; the
 * old one may already be invalid); likewise ET_E_NOSPACE with *tok filled
 * when the rotated token is longer than ET_REFRESH_TOKEN_MAX(w->cap) (the
 * old one is kept). */
ET_NODISCARD et_err et_refresh_stored(const et_port *port, const et_app *app,
                                      const char *key, et_str scope, et_work *w,
                                      et_token *tok, et_result *res);

#ifdef __cplusplus
}
#endif

#endif
