/* SPDX-License-Identifier: MIT */
/* state and PKCE (RFC 7636): random text from the port's CSPRNG and the
 * S256 challenge through the port's SHA-256. */
#include "edgetoken/et_signin.h"

#include "edgetoken/et_b64url.h"

#include "b64url_alphabet.h"

et_err et_random_text(const et_port *port, char *out, size_t n) {
  et_err e;
  if (port == NULL || port->random == NULL || out == NULL)
    return ET_E_ARG;
  /* Draw into out itself, then map each byte's low 6 bits to the
   * base64url alphabet: 256 is a multiple of 64, so every character is
   * equally likely. */
  e = port->random(port->ctx, (uint8_t *)out, n);
  if (e != ET_OK) {
    et_wipe(out, n);
    out[0] = '\0';
    return e;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = et_b64url_alphabet[(unsigned char)out[i] & 63];
  out[n] = '\0';
  return ET_OK;
}

/* A verifier of len (already defaulted) characters into out. */
static et_err verifier(const et_port *port, size_t len, char *out) {
  if (len < ET_PKCE_VERIFIER_MIN || len > ET_PKCE_VERIFIER_MAX)
    return ET_E_ARG;
  return et_random_text(port, out, len);
}

et_err et_pkce_verifier(const et_port *port, size_t len, char *out) {
  return verifier(port, len ? len : ET_PKCE_VERIFIER_DEFAULT, out);
}

static bool verifier_ok(et_str v) {
  if (v.p == NULL || v.n < ET_PKCE_VERIFIER_MIN || v.n > ET_PKCE_VERIFIER_MAX)
    return false;
  for (size_t i = 0; i < v.n; i++)
    if (!et_char_in(v.p[i], ET_CHARS_UNRESERVED))
      return false;
  return true;
}

/* The challenge of a verifier known to be good (et_signin_begin made it). */
static et_err challenge(const et_port *port, et_str verifier, char out[ET_PKCE_CHALLENGE_LEN + 1]) {
  uint8_t digest[32];
  et_buf b;
  et_err e;
  if (port->sha256 == NULL)
    return ET_E_DISABLED;
  e = port->sha256(port->ctx, (const uint8_t *)verifier.p, verifier.n, digest);
  if (e == ET_OK) {
    et_buf_init(&b, out, ET_PKCE_CHALLENGE_LEN);
    et_b64url_encode(&b, digest, sizeof digest);
    out[b.len] = '\0';
    e = et_buf_status(&b);
  }
  et_wipe(digest, sizeof digest);
  return e;
}

et_err et_pkce_challenge(const et_port *port, et_str verifier,
                         char out[ET_PKCE_CHALLENGE_LEN + 1]) {
  if (port == NULL || out == NULL || !verifier_ok(verifier))
    return ET_E_ARG;
  return challenge(port, verifier, out);
}

#if CONFIG_ET_FLOW_AUTH_CODE
et_err et_signin_begin(const et_port *port, size_t verifier_len, et_signin *s) {
  et_err e;
  if (s == NULL)
    return ET_E_ARG;
  if (verifier_len == 0)
    verifier_len = ET_PKCE_VERIFIER_DEFAULT;
  s->verifier_len = 0;
  e = et_random_text(port, s->state, ET_STATE_LEN);
  if (e == ET_OK)
    e = verifier(port, verifier_len, s->verifier);
  if (e == ET_OK)
    e = challenge(port, (et_str){ s->verifier, verifier_len }, s->challenge);
  if (e != ET_OK) {
    et_wipe(s, sizeof *s);
    return e;
  }
  s->verifier_len = verifier_len;
  return ET_OK;
}
#else
et_err et_signin_begin(const et_port *port, size_t verifier_len, et_signin *s) {
  (void)port, (void)verifier_len;
  if (s != NULL)
    et_wipe(s, sizeof *s);
  return ET_E_DISABLED;
}
#endif

et_str et_signin_state(const et_signin *s) {
  return et_str_from_cstr(s->state);
}

et_str et_signin_verifier(const et_signin *s) {
  return (et_str){ s->verifier, s->verifier_len };
}

et_str et_signin_challenge(const et_signin *s) {
  return et_str_from_cstr(s->challenge);
}
