/* SPDX-License-Identifier: MIT */
/* The one error type of edgetoken. 0 is success; every other value names one
 * failure a caller can act on. Append new codes at the end only. */
#ifndef EDGETOKEN_ET_ERR_H
#define EDGETOKEN_ET_ERR_H

#include <stdbool.h>
#include <stddef.h>

#include "et_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results a caller must look at: a compile warning when one is dropped
 * (GCC warns even through a (void) cast: test the result instead). Every
 * public function whose et_err must be checked has it; the et_buf-style
 * appenders (et_form_*, et_buf_put*, et_b64url_encode) return nothing:
 * their errors stick in the buffer for one et_buf_status at the end. */
#if defined(__GNUC__) || defined(__clang__)
#define ET_NODISCARD __attribute__((warn_unused_result))
#else
#define ET_NODISCARD
#endif

typedef enum et_err {
  ET_OK = 0,
  ET_E_ARG,             /* programmer's mistake: an argument is NULL, empty,
                           malformed or of a bad size (see ET_E_INPUT) */
  ET_E_NOSPACE,         /* a caller-provided buffer is too small */
  ET_E_DISABLED,        /* feature compiled out by Kconfig */
  ET_E_URL,             /* malformed URL or authority */
  ET_E_HTTP_SYNTAX,     /* response is not valid HTTP/1.1 */
  ET_E_HTTP_TOO_LARGE,  /* headers, a header line or a number exceed limits */
  ET_E_HTTP_UNSUPPORTED,/* valid HTTP we do not speak (e.g. gzip transfer coding) */
  ET_E_HTTP_STATUS,     /* unexpected HTTP status without an OAuth error body */
  ET_E_RESPONSE_TOO_LARGE, /* response body does not fit the workspace */
  ET_E_TRUNCATED,       /* connection closed before the response was complete */
  ET_E_JSON_SYNTAX,     /* body is not valid JSON */
  ET_E_JSON_TOKENS,     /* body needs more JSON tokens than the workspace has */
  ET_E_JSON_FIELD,      /* a required field is missing or has the wrong type */
  ET_E_OAUTH,           /* the server answered an OAuth error (see et_oauth_error) */
  ET_E_THROTTLED,       /* 429/503 with a Retry-After longer than we wait */
  ET_E_DNS,             /* host name did not resolve */
  ET_E_CONNECT,         /* TCP connection refused or unreachable */
  ET_E_TIMEOUT,         /* connect, send or receive timed out */
  ET_E_CLOSED,          /* peer closed the connection */
  ET_E_IO,              /* other socket or file error */
  ET_E_TLS,             /* TLS handshake or record failure */
  ET_E_TLS_VERIFY,      /* server certificate chain or host name rejected */
  ET_E_TLS_CONFIG,      /* CA file or TLS setup unusable */
  ET_E_RANDOM,          /* CSPRNG failed */
  ET_E_CRYPTO,          /* hashing or signing failed */
  ET_E_CANCELLED,       /* the caller cancelled */
  ET_E_STATE_MISMATCH,  /* redirect's state is not ours: possible CSRF */
  ET_E_SIGNIN_REQUIRED, /* refresh token expired, revoked or absent: sign in */
  ET_E_DECLINED,        /* the user declined (access_denied, authorization_declined) */
  ET_E_EXPIRED,         /* a code or device code expired before use */
  ET_E_NOT_FOUND,       /* nothing stored under that key */
  ET_E_STORE,           /* storage failed to read or write */
  ET_E_INPUT,           /* malformed input from outside the program: a
                           redirect without a code, a corrupt stored record */
  ET_E_SERVER,          /* the server kept failing (5xx) through every retry */
  ET_E_ABI,             /* the application and the library were built with
                           different settings or headers (et_abi.h) */
  ET_E_PROXY_CONNECT,   /* the HTTP proxy did not resolve, refused or did
                           not accept the connection in time */
  ET_E_PROXY_AUTH,      /* the proxy wants credentials or refused them (407) */
  ET_E_PROXY_REFUSED,   /* the proxy refused the tunnel (another non-2xx) */
  ET_E_PROXY_PROTOCOL,  /* the proxy's answer to CONNECT is not HTTP */
  ET_E__COUNT
} et_err;

/* A short, static, human-readable description; never NULL. Without
 * CONFIG_ET_ERROR_TEXT, the code's number: "E13" for ET_E_JSON_FIELD. */
const char *et_strerror(et_err e);

/* True for failures that may pass if the same request is tried again
 * later: the network (connect, timeout, reset, truncation, TLS records),
 * DNS, throttling and server failures (ET_E_SERVER). False for everything a
 * retry cannot fix: refusals (ET_E_OAUTH, ET_E_SIGNIN_REQUIRED...),
 * malformed answers, configuration and programming errors. The one
 * classifier the retry policy, the device code poll and callers share. */
bool et_err_is_transient(et_err e);

/* A static detail text for et_result.why and decoders' *why: the text, or
 * NULL without CONFIG_ET_ERROR_TEXT (the argument is then dropped unseen,
 * so it may name a text member that exists only with the texts). ET_TEXTS
 * adds texts as the last initializers of a table entry with such members. */
#if CONFIG_ET_ERROR_TEXT
#define ET_TEXT(s) (s)
#define ET_TEXTS(...) , __VA_ARGS__
#else
#define ET_TEXT(s) NULL
#define ET_TEXTS(...)
#endif

#ifdef __cplusplus
}
#endif

#endif
