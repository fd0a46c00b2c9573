/* SPDX-License-Identifier: MIT */
/* What came back from a flow: one struct for every outcome, so a caller
 * reports any failure from it alone. */
#ifndef EDGETOKEN_ET_RESULT_H
#define EDGETOKEN_ET_RESULT_H

#include "et_token.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_result {
  et_err err;               /* the outcome; ET_OK on success */
  int http_status;          /* status of the last answer; 0 if none came */
  uint32_t retry_after_s;   /* the last answer's Retry-After; 0 if none */
  uint32_t attempts;        /* requests sent, retries and polls included */
  uint32_t tries;           /* attempts at the last request, its retries
                               included, connections that failed before
                               sending counted too: "gave up after tries" */
  const char *why;          /* short static reason, or NULL (always NULL
                               without CONFIG_ET_ERROR_TEXT) */
  const char *port_detail;  /* port->detail after a port failure, or NULL;
                               valid until the next call into the port */
  /* The server's OAuth error, when the answer carried one (ET_E_OAUTH,
   * ET_E_SIGNIN_REQUIRED, ET_E_EXPIRED, ET_E_DECLINED, and 5xx answers
   * with a JSON error body). Spans into the workspace. */
  et_oauth_error oauth;
  /* The URL the request went to, in pieces (spans into the app and static
   * text, valid while the app is): https://url_host[:url_port] followed by
   * url_path[0..3]. Empty host: no request was set up. et_result_url
   * writes it whole, so every message can name the URL it concerns. */
  et_str url_host;
  uint16_t url_port;
  et_str url_path[4];
  /* An OSDU service's error body ({"code":401,"reason":"Unauthorized",
   * "message":"..."}) after a refused ADME call (et_adme.h): raw JSON
   * string contents (escapes kept), spans into the workspace; code 0 and
   * empty spans when the answer had none. */
  struct {
    int code;
    et_str reason;
    et_str message;
  } osdu;
} et_result;

/* Append "https://host[:port]/path" of r (see url_host) to out; nothing
 * when r names no URL. Errors stick in out (ET_E_NOSPACE). */
void et_result_url(const et_result *r, et_buf *out);

#ifdef __cplusplus
}
#endif

#endif
