/* SPDX-License-Identifier: MIT */
/* et_strerror: one sentence per error, for logs and the CLI, or only the
 * error's number when the texts are configured out. */
#include "edgetoken/et_err.h"

#if CONFIG_ET_ERROR_TEXT
const char *et_strerror(et_err e) {
  switch (e) {
  case ET_OK: return "success";
  case ET_E_ARG: return "invalid argument";
  case ET_E_NOSPACE: return "buffer too small";
  case ET_E_DISABLED: return "feature not enabled in this build or port";
  case ET_E_URL: return "malformed URL";
  case ET_E_HTTP_SYNTAX: return "malformed HTTP response";
  case ET_E_HTTP_TOO_LARGE: return "HTTP response headers exceed limits";
  case ET_E_HTTP_UNSUPPORTED: return "unsupported HTTP feature in response";
  case ET_E_HTTP_STATUS: return "unexpected HTTP status";
  case ET_E_RESPONSE_TOO_LARGE: return "response larger than the workspace buffer";
  case ET_E_TRUNCATED: return "connection closed before the response was complete";
  case ET_E_JSON_SYNTAX: return "malformed JSON";
  case ET_E_JSON_TOKENS: return "JSON needs more tokens than configured";
  case ET_E_JSON_FIELD: return "JSON field missing or of the wrong type";
  case ET_E_OAUTH: return "the authority returned an OAuth error";
  case ET_E_THROTTLED: return "throttled by the server; retry later";
  case ET_E_DNS: return "host name did not resolve";
  case ET_E_CONNECT: return "could not connect";
  case ET_E_TIMEOUT: return "timed out";
  case ET_E_CLOSED: return "connection closed by peer";
  case ET_E_IO: return "I/O error";
  case ET_E_TLS: return "TLS failure";
  case ET_E_TLS_VERIFY: return "server certificate rejected";
  case ET_E_TLS_CONFIG: return "TLS configuration error (CA file?)";
  case ET_E_RANDOM: return "random number generator failed";
  case ET_E_CRYPTO: return "cryptographic operation failed";
  case ET_E_CANCELLED: return "cancelled";
  case ET_E_STATE_MISMATCH: return "state mismatch in the redirect (possible CSRF)";
  case ET_E_SIGNIN_REQUIRED: return "sign-in required again";
  case ET_E_DECLINED: return "the user declined the sign-in";
  case ET_E_EXPIRED: return "the code expired";
  case ET_E_NOT_FOUND: return "nothing stored";
  case ET_E_STORE: return "storage failed";
  case ET_E_INPUT: return "malformed input (a redirect or a stored record)";
  case ET_E_SERVER: return "the server kept failing (HTTP 5xx)";
  case ET_E_ABI: return "application and library built with different settings (et_abi.h)";
  case ET_E_PROXY_CONNECT: return "could not connect to the HTTP proxy";
  case ET_E_PROXY_AUTH: return "the HTTP proxy wants credentials or refused them (407)";
  case ET_E_PROXY_REFUSED: return "the HTTP proxy refused the tunnel";
  case ET_E_PROXY_PROTOCOL: return "malformed answer from the HTTP proxy";
  case ET_E__COUNT: break;
  }
  return "unknown error";
}
#else
/* In et_err.h's order; the check below fails when a code is added. */
static const char numbers[][4] = {
  "E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10",
  "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E18", "E19", "E20", "E21",
  "E22", "E23", "E24", "E25", "E26", "E27", "E28", "E29", "E30", "E31", "E32",
  "E33", "E34", "E35", "E36", "E37", "E38", "E39",
};
typedef char numbers_cover_every_code[sizeof numbers / sizeof numbers[0] == ET_E__COUNT ? 1 : -1];

const char *et_strerror(et_err e) {
  return (unsigned)e < ET_E__COUNT ? numbers[e] : "E?";
}
#endif

bool et_err_is_transient(et_err e) {
  switch (e) {
  case ET_E_DNS: case ET_E_CONNECT: case ET_E_TIMEOUT: case ET_E_CLOSED:
  case ET_E_TRUNCATED: case ET_E_IO: case ET_E_TLS: case ET_E_THROTTLED:
  case ET_E_SERVER: case ET_E_PROXY_CONNECT:
    return true;
  default:
    return false;
  }
}
