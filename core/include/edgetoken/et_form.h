/* SPDX-License-Identifier: MIT */
/* application/x-www-form-urlencoded bodies and URL query strings. */
#ifndef EDGETOKEN_ET_FORM_H
#define EDGETOKEN_ET_FORM_H

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Append value percent-encoded for a form body or query component:
 * unreserved bytes [A-Za-z0-9-._~] pass, every other byte becomes %XX
 * (space too: %20 is valid in both bodies and queries, '+' is not). */
void et_form_encode(et_buf *b, et_str value);

/* Append "key=value", preceded by '&' unless the buffer is empty.
 * Errors stick in the buffer: check et_buf_status() once at the end. */
void et_form_append(et_buf *b, const char *key, et_str value);

/* Like et_form_append for secrets (client_secret, refresh_token, code...):
 * a buffer in redact mode receives "***" instead of the value. */
void et_form_append_secret(et_buf *b, const char *key, et_str value);

/* Same, but the separator is only written when b->len > start: for a query
 * that follows a fixed prefix (e.g. "...authorize?") in the same buffer. */
void et_form_append_from(et_buf *b, size_t start, const char *key, et_str value);

#ifdef __cplusplus
}
#endif

#endif
