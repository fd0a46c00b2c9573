/* SPDX-License-Identifier: MIT */
/* Compile-time limits and features. Each CONFIG_ET_* may come from Kconfig
 * (make menuconfig writes build/et_autoconf.h and defines ET_HAVE_AUTOCONF),
 * from the compiler command line, or from the defaults below. */
#ifndef EDGETOKEN_ET_CONFIG_H
#define EDGETOKEN_ET_CONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

#ifdef ET_HAVE_AUTOCONF
#include "et_autoconf.h"
/* Kconfig writes nothing for a bool that is off. */
#ifndef CONFIG_ET_FLOW_CLIENT_CREDENTIALS
#define CONFIG_ET_FLOW_CLIENT_CREDENTIALS 0
#endif
#ifndef CONFIG_ET_FLOW_DEVICE_CODE
#define CONFIG_ET_FLOW_DEVICE_CODE 0
#endif
#ifndef CONFIG_ET_FLOW_AUTH_CODE
#define CONFIG_ET_FLOW_AUTH_CODE 0
#endif
#ifndef CONFIG_ET_CRED_CERTIFICATE
#define CONFIG_ET_CRED_CERTIFICATE 0
#endif
#ifndef CONFIG_ET_ERROR_TEXT
#define CONFIG_ET_ERROR_TEXT 0
#endif
#ifndef CONFIG_ET_CRED_SECRET_BASIC
#define CONFIG_ET_CRED_SECRET_BASIC 0
#endif
#ifndef CONFIG_ET_FIXED_AUTHORITY
#define CONFIG_ET_FIXED_AUTHORITY 0
#endif
#ifndef CONFIG_ET_RETRY_AFTER_DATE
#define CONFIG_ET_RETRY_AFTER_DATE 0
#endif
#endif

/* Workspace buffer the examples allocate: request, then response. */
#ifndef CONFIG_ET_WORK_BUF_SIZE
#define CONFIG_ET_WORK_BUF_SIZE 8192
#endif

/* jsmn tokens the examples allocate; a token response needs about 25. */
#ifndef CONFIG_ET_JSON_TOKENS
#define CONFIG_ET_JSON_TOKENS 64
#endif

/* Upper bound on all response header bytes (status line included). */
#ifndef CONFIG_ET_HTTP_MAX_HEADER_BYTES
#define CONFIG_ET_HTTP_MAX_HEADER_BYTES 8192
#endif

/* Upper bound on the number of response header lines. */
#ifndef CONFIG_ET_HTTP_MAX_HEADERS
#define CONFIG_ET_HTTP_MAX_HEADERS 64
#endif

/* AADSTS codes kept from an error response's "error_codes" array. */
#ifndef CONFIG_ET_MAX_ERROR_CODES
#define CONFIG_ET_MAX_ERROR_CODES 4
#endif

/* Network time of one attempt: connect, TLS, send and receive together. */
#ifndef CONFIG_ET_TIMEOUT_MS
#define CONFIG_ET_TIMEOUT_MS 15000
#endif

/* A kept connection (et_link) idle longer than this is closed and
 * replaced rather than reused: servers drop idle connections (Entra and
 * most load balancers after a minute or more). */
#ifndef CONFIG_ET_KEEPALIVE_IDLE_MS
#define CONFIG_ET_KEEPALIVE_IDLE_MS 30000
#endif

/* Attempts of one token request on 429, 5xx or a transport failure. */
#ifndef CONFIG_ET_RETRY_ATTEMPTS
#define CONFIG_ET_RETRY_ATTEMPTS 3
#endif

/* Longest Retry-After we wait out inside a call; longer ones are returned
 * to the caller as ET_E_THROTTLED with the server's delay. */
#ifndef CONFIG_ET_RETRY_MAX_WAIT_MS
#define CONFIG_ET_RETRY_MAX_WAIT_MS 5000
#endif

/* Messages at or below this level reach the port's log hook:
 * 0 off, 1 error, 2 warning, 3 info, 4 debug. */
#ifndef CONFIG_ET_LOG_LEVEL
#define CONFIG_ET_LOG_LEVEL 3
#endif

/* Human-readable error texts: et_strerror's sentences and the detail texts
 * left in et_work.why. Without them et_strerror gives the code's number
 * ("E13") and why stays NULL; the et_err codes are the same either way.
 * Default: on in hosted builds (the CLI, tests), off in freestanding ones
 * (-ffreestanding), where they cost 3-4 KB of flash on a Cortex-M4.
 * Kconfig's default (off) applies to every build once there is a .config. */
#ifndef CONFIG_ET_ERROR_TEXT
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#define CONFIG_ET_ERROR_TEXT 1
#else
#define CONFIG_ET_ERROR_TEXT 0
#endif
#endif

/* Flows compiled in (0 makes their entry points return ET_E_DISABLED). */
#ifndef CONFIG_ET_FLOW_CLIENT_CREDENTIALS
#define CONFIG_ET_FLOW_CLIENT_CREDENTIALS 1
#endif
#ifndef CONFIG_ET_FLOW_DEVICE_CODE
#define CONFIG_ET_FLOW_DEVICE_CODE 1
#endif
#ifndef CONFIG_ET_FLOW_AUTH_CODE
#define CONFIG_ET_FLOW_AUTH_CODE 1
#endif

/* Certificate credentials: client assertions signed by the port's sign
 * hook (0 makes them ET_E_DISABLED). */
#ifndef CONFIG_ET_CRED_CERTIFICATE
#define CONFIG_ET_CRED_CERTIFICATE 1
#endif

/* Retry-After as an HTTP date (RFC 9110 10.2.3), turned into a delay
 * against the answer's Date header (et_http_date.h). 0 leaves out the
 * date parser (about 1 KB on a Cortex-M4): a date is then ignored and
 * the usual back-off applies; delta-seconds work either way. */
#ifndef CONFIG_ET_RETRY_AFTER_DATE
#define CONFIG_ET_RETRY_AFTER_DATE 1
#endif

/* client_secret_basic (et_client_auth ET_AUTH_BASIC): the secret in an
 * "Authorization: Basic" header. 0 leaves out the header's base64 writer;
 * secrets then travel in the form only (client_secret_post, Entra's usual
 * way) and ET_AUTH_BASIC is refused with ET_E_DISABLED. */
#ifndef CONFIG_ET_CRED_SECRET_BASIC
#define CONFIG_ET_CRED_SECRET_BASIC 1
#endif

/* A device that only ever asks one authority can have it pre-parsed at
 * compile time: 1 takes host, port and path prefix from the three values
 * below and links no authority URL parser for the token flows. et_app's
 * authority, token_endpoint and device_endpoint must then be empty (else
 * ET_E_DISABLED), and OpenID discovery, which needs a URL, is refused the
 * same way. The tenant stays a run-time value. HOST is a bare DNS name or
 * IP literal (no brackets); PREFIX is "" or starts with '/' and has no
 * trailing '/'. ADME calls (et_adme.h) still take their instance's URL. */
#ifndef CONFIG_ET_FIXED_AUTHORITY
#define CONFIG_ET_FIXED_AUTHORITY 0
#endif
#ifndef CONFIG_ET_FIXED_AUTHORITY_HOST
#define CONFIG_ET_FIXED_AUTHORITY_HOST "login.microsoftonline.com"
#endif
#ifndef CONFIG_ET_FIXED_AUTHORITY_PORT
#define CONFIG_ET_FIXED_AUTHORITY_PORT 443
#endif
#ifndef CONFIG_ET_FIXED_AUTHORITY_PREFIX
#define CONFIG_ET_FIXED_AUTHORITY_PREFIX ""
#endif

#ifdef __cplusplus
}
#endif

#endif
