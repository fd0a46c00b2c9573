/* SPDX-License-Identifier: MIT */
/* Private to core: the base64url alphabet, shared by the codec (b64url.c)
 * and the random text of state and PKCE (pkce.c) so flash holds it once. */
#ifndef EDGETOKEN_B64URL_ALPHABET_H
#define EDGETOKEN_B64URL_ALPHABET_H

/* The 64 characters in value order, then a NUL. */
extern const char et_b64url_alphabet[65];

#endif
