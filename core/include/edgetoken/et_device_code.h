/* SPDX-License-Identifier: MIT */
/* Device authorization grant (RFC 8628) on Entra ID: a device without a
 * browser shows a short user code, a person enters it on a phone or PC, and
 * the device polls the token endpoint until the sign-in is done.
 *
 *   et_device_login            the whole flow: request, prompt, poll, store
 *   et_device_code_request     step 1: POST .../devicecode, decode the answer
 *   et_device_code_poll        step 2: poll the token endpoint
 *   et_device_code_decode      the devicecode response codec (v1 and v2.0)
 *
 * Memory: like every flow, only the caller's et_work. The device code must
 * survive all polls while w->buf is reused for each request and response,
 * so et_device_login copies it into a caller buffer (code_buf) and wipes
 * that buffer before it returns. Entra's device codes are a few hundred
 * characters; ET_DEVICE_CODE_BUF_SIZE is a safe size. */
#ifndef EDGETOKEN_ET_DEVICE_CODE_H
#define EDGETOKEN_ET_DEVICE_CODE_H

#include "et_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A size for et_device_login_cfg.code_buf that fits Entra's device codes
 * (observed ~100-400 characters) with room to spare. */
#define ET_DEVICE_CODE_BUF_SIZE 512

/* Interval when the server gives none (RFC 8628 section 3.2). */
#define ET_DEVICE_DEFAULT_INTERVAL_S 5u
/* RFC 8628 section 3.5: slow_down adds 5 s to every later interval. */
#define ET_DEVICE_SLOW_DOWN_S 5u
/* Accepted ranges; anything outside is a malformed response. */
#define ET_DEVICE_MAX_INTERVAL_S 3600u
#define ET_DEVICE_MAX_EXPIRES_S 86400u

typedef struct et_device_code {
  et_str device_code;      /* secret: never shown, logged or stored */
  et_str user_code;        /* what the person types in */
  et_str verification_uri; /* v2.0 "verification_uri", v1 "verification_url" */
  et_str message;          /* ready-made text for the person; may be empty */
  uint32_t expires_in;     /* seconds the codes stay valid (1..86400) */
  uint32_t interval;       /* seconds between polls (1..3600; 5 if absent) */
  uint64_t issued_ms;      /* port->mono_ms() just before the request: the
                              poll deadline is issued_ms + expires_in s */
} et_device_code;

/* Decode a devicecode response in place (strings are unescaped inside
 * body). Accepts both shapes: v2.0 with JSON numbers and verification_uri,
 * v1 with digit strings ("900") and verification_url. Required: device_code,
 * user_code and one of verification_uri/verification_url (non-empty
 * strings), expires_in (1..86400). Optional: interval (1..3600, default 5),
 * message (string). issued_ms is set to 0. *why (may be NULL) names the
 * offending field. Errors: ET_E_JSON_SYNTAX, ET_E_JSON_TOKENS,
 * ET_E_JSON_FIELD, ET_E_ARG. */
ET_NODISCARD et_err et_device_code_decode(char *body, size_t len, jsmntok_t *tok,
                                          size_t ntok, et_device_code *out,
                                          const char **why);

/* POST client_id and scope (v2.0: {authority}/{tenant}/oauth2/v2.0/devicecode)
 * or resource (v1: /oauth2/devicecode) and decode the answer into *dc,
 * whose spans point into w->buf (valid until the next call with w).
 * No client credential is sent: the devicecode endpoint takes none.
 * Errors: as et_client_credentials (ET_E_OAUTH, e.g. invalid_scope),
 * the decode errors above, ET_E_DISABLED when compiled out. */
ET_NODISCARD et_err et_device_code_request(const et_port *port, const et_app *app,
                                           et_endpoint ep, et_str scope_or_resource,
                                           et_work *w, et_device_code *dc,
                                           et_result *res);

/* Poll the token endpoint (v2.0 /oauth2/v2.0/token, v1 /oauth2/token) with
 * grant_type=urn:ietf:params:oauth:grant-type:device_code, client_id,
 * device_code and the app's credential if it has one (confidential
 * clients). Reads dc->device_code, interval, expires_in and issued_ms only;
 * dc->device_code must NOT point into w->buf (every poll reuses it).
 *
 * Schedule, on port->mono_ms and port->sleep_ms: the first poll one
 * interval after this call, each next one an interval after the previous
 * answer arrived (never sooner). authorization_pending: keep polling.
 * slow_down: the interval grows by 5 s for this and every later poll.
 * Network failures, 5xx answers and throttling are retried at the next
 * poll (after Retry-After if longer) until the deadline. Sleeps are cut
 * into slices of at most 1 s so that port->cancelled is seen promptly.
 *
 * Results: ET_OK with *tok (spans into w->buf). ET_E_DECLINED
 * (authorization_declined), ET_E_EXPIRED (expired_token, or the deadline
 * issued_ms + expires_in passed, or falls before the next allowed poll),
 * ET_E_CANCELLED; res->oauth holds the server's error when there was one.
 * bad_verification_code, and any other OAuth error, is ET_E_OAUTH with
 * res->oauth ("bad_verification_code", AADSTS70018): it means this device code
 * is not one the server issued, so there is nothing to retry.
 * Other errors (TLS verification, malformed answers...) end the poll.
 * Needs port->mono_ms and port->sleep_ms (ET_E_ARG otherwise). */
ET_NODISCARD et_err et_device_code_poll(const et_port *port, const et_app *app,
                                        et_endpoint ep, const et_device_code *dc,
                                        et_work *w, et_token *tok, et_result *res);

/* Shows the codes to the person (e.g. prints dc->message). dc->device_code
 * is empty here: the callback never sees the secret. Spans are valid only
 * during the call. */
typedef void (*et_device_prompt_fn)(void *ctx, const et_device_code *dc);

typedef struct et_device_login_cfg {
  et_endpoint ep;
  et_str scope_or_resource;   /* v2.0 scope, e.g. "<api>/.default openid
                                 profile offline_access"; v1 resource */
  et_device_prompt_fn prompt; /* required */
  void *prompt_ctx;
  char *code_buf;             /* holds the device code between polls; */
  size_t code_cap;            /* ET_DEVICE_CODE_BUF_SIZE is enough */
  const char *store_key;      /* NULL: "refresh_token" */
} et_device_login_cfg;

/* The whole flow: et_device_code_request, cfg->prompt, copy the device code
 * to cfg->code_buf, et_device_code_poll, wipe cfg->code_buf. On success,
 * when the answer has a refresh token and port->store is set, it is saved
 * under cfg->store_key (the store makes the write crash-safe).
 * Errors: those of the two steps; ET_E_NOSPACE (res->why says so) when the
 * device code does not fit code_buf; ET_E_STORE when saving failed, and
 * ET_E_NOSPACE when the refresh token is longer than
 * ET_REFRESH_TOKEN_MAX(w->cap) (et_refresh_stored could not load it back):
 * in both cases *tok is still valid: the access token can be used, only
 * the refresh token was not kept. */
ET_NODISCARD et_err et_device_login(const et_port *port, const et_app *app,
                                    const et_device_login_cfg *cfg, et_work *w,
                                    et_token *tok, et_result *res);

#ifdef __cplusplus
}
#endif

#endif
