/* SPDX-License-Identifier: MIT */
/* The ABI check: a library and an application built with different
 * settings (CONFIG_ET_MAX_ERROR_CODES=16 against the default 4, error texts
 * on against off, ...) would disagree on the layout of the structs they
 * share and silently corrupt each other's memory. Both sides compute the
 * same fingerprint of their build configuration: the library when it was
 * compiled (core/src/abi.c), the application from the headers it sees.
 * Call once at start-up, before anything else:
 *
 *   if (ET_ABI_CHECK() != ET_OK) {   // et_abi_check(ET_ABI_FINGERPRINT)
 *     printf("edgetoken: built with  %s\n", ET_ABI_SETTINGS);
 *     printf("edgetoken: library has %s\n", et_abi_settings());
 *     abort();
 *   }
 *
 * The fingerprint covers ET_ABI_VERSION, the major and minor version, the
 * CONFIG_ET_* values that change a struct, a table or a buffer the caller
 * and the library share (CONFIG_ET_MAX_ERROR_CODES, CONFIG_ET_ERROR_TEXT,
 * CONFIG_ET_JSON_TOKENS, the HTTP header limits, the flows and certificate
 * credentials, ET_PORT_CONNS) and the sizes of the public structs (so a
 * header from another release, -fshort-enums or a packing pragma on one
 * side is caught too). Not covered, because each side may differ safely:
 * CONFIG_ET_LOG_LEVEL (tested at each call site), the timeouts, retries and
 * CONFIG_ET_WORK_BUF_SIZE (the caller's own buffer).
 *
 * ET_PORT_CONNS belongs to the ports (et_transport.h, default 2): the
 * library records the value its objects were compiled with, so build core
 * and the port with the same flags (the Makefile and CMake do). */
#ifndef EDGETOKEN_ET_ABI_H
#define EDGETOKEN_ET_ABI_H

#include <stdint.h>

#include "et_config.h"
#include "et_err.h"
#include "et_json.h"
#include "et_http.h"
#include "et_token.h"
#include "et_port.h"
#include "et_work.h"
#include "et_result.h"
#include "et_client.h"
#include "et_signin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when the fingerprint's recipe changes. */
#define ET_ABI_VERSION 1

/* The number of connection slots of the ports' structs; et_transport.h's
 * default when it is not set (tests/packaging/abi.c checks they agree). */
#ifdef ET_PORT_CONNS
#define ET_ABI_PORT_CONNS ET_PORT_CONNS
#else
#define ET_ABI_PORT_CONNS 2
#endif

/* FNV-1a over 32-bit words, as a constant expression. */
#define ET_ABI_MIX(h, v) ((uint32_t)(((uint32_t)(h) ^ (uint32_t)(v)) * 16777619u))

/* The fingerprint of the configuration this translation unit sees (a
 * uint32_t constant). Versions come from edgetoken.h: use it after
 * including edgetoken.h. */
#define ET_ABI_FINGERPRINT                                                     \
  ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(           \
  ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(           \
  ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(           \
  ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(ET_ABI_MIX(2166136261u,          \
    ET_ABI_VERSION), ET_VERSION_MAJOR), ET_VERSION_MINOR),                     \
    CONFIG_ET_MAX_ERROR_CODES), CONFIG_ET_ERROR_TEXT), CONFIG_ET_JSON_TOKENS),  \
    CONFIG_ET_HTTP_MAX_HEADER_BYTES), CONFIG_ET_HTTP_MAX_HEADERS),             \
    CONFIG_ET_FLOW_CLIENT_CREDENTIALS), CONFIG_ET_FLOW_DEVICE_CODE),           \
    CONFIG_ET_FLOW_AUTH_CODE), CONFIG_ET_CRED_CERTIFICATE), ET_ABI_PORT_CONNS), \
    sizeof(et_oauth_error)), sizeof(et_token)), sizeof(et_result)),            \
    sizeof(et_work)), sizeof(et_link)), sizeof(et_port)), sizeof(et_app)),     \
    sizeof(et_json_plan)), sizeof(et_http_response)), sizeof(et_signin))

/* The same values as text, for the message when the fingerprints differ. */
#define ET_ABI_STR_(x) #x
#define ET_ABI_STR(x) ET_ABI_STR_(x)
#define ET_ABI_SETTINGS                                                        \
  "abi " ET_ABI_STR(ET_ABI_VERSION)                                            \
  " version " ET_ABI_STR(ET_VERSION_MAJOR) "." ET_ABI_STR(ET_VERSION_MINOR)    \
  " CONFIG_ET_MAX_ERROR_CODES=" ET_ABI_STR(CONFIG_ET_MAX_ERROR_CODES)          \
  " CONFIG_ET_ERROR_TEXT=" ET_ABI_STR(CONFIG_ET_ERROR_TEXT)                    \
  " CONFIG_ET_JSON_TOKENS=" ET_ABI_STR(CONFIG_ET_JSON_TOKENS)                  \
  " CONFIG_ET_HTTP_MAX_HEADER_BYTES=" ET_ABI_STR(CONFIG_ET_HTTP_MAX_HEADER_BYTES) \
  " CONFIG_ET_HTTP_MAX_HEADERS=" ET_ABI_STR(CONFIG_ET_HTTP_MAX_HEADERS)        \
  " CONFIG_ET_FLOW_CLIENT_CREDENTIALS=" ET_ABI_STR(CONFIG_ET_FLOW_CLIENT_CREDENTIALS) \
  " CONFIG_ET_FLOW_DEVICE_CODE=" ET_ABI_STR(CONFIG_ET_FLOW_DEVICE_CODE)        \
  " CONFIG_ET_FLOW_AUTH_CODE=" ET_ABI_STR(CONFIG_ET_FLOW_AUTH_CODE)            \
  " CONFIG_ET_CRED_CERTIFICATE=" ET_ABI_STR(CONFIG_ET_CRED_CERTIFICATE)        \
  " ET_PORT_CONNS=" ET_ABI_STR(ET_ABI_PORT_CONNS)

/* The library's fingerprint and settings (ET_ABI_FINGERPRINT and
 * ET_ABI_SETTINGS as core was compiled). */
uint32_t et_abi_fingerprint(void);
const char *et_abi_settings(void);

/* Compare the caller's ET_ABI_FINGERPRINT with the library's.
 * Errors: ET_E_ABI when they differ: the application and the library were
 * built with different settings or headers (compare ET_ABI_SETTINGS with
 * et_abi_settings()); no other edgetoken call is then safe. */
ET_NODISCARD et_err et_abi_check(uint32_t caller_fingerprint);

/* The check an application makes once at start-up. */
#define ET_ABI_CHECK() et_abi_check(ET_ABI_FINGERPRINT)

#ifdef __cplusplus
}
#endif

#endif
