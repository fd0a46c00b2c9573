/* SPDX-License-Identifier: MIT */
/* base64url without padding (RFC 4648 §5): JWTs, PKCE challenges. */
#ifndef EDGETOKEN_ET_B64URL_H
#define EDGETOKEN_ET_B64URL_H

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Characters et_b64url_encode writes for n input bytes. */
#define ET_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Append the encoding of p[0..n) to b (sticky overflow, as every et_buf). */
void et_b64url_encode(et_buf *b, const uint8_t *p, size_t n);

/* Decode src (no padding; '=' padding is tolerated at the end) into dst.
 * dst may equal src: the output is never longer than the input. ET_E_ARG
 * for characters outside the alphabet, a length of 4k+1, or non-zero
 * trailing bits; ET_E_NOSPACE when cap is too small. */
ET_NODISCARD et_err et_b64url_decode(et_str src, uint8_t *dst, size_t cap, size_t *n_out);

#ifdef __cplusplus
}
#endif

#endif
