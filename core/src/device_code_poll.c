/* Device code flow, step 2: poll the token endpoint on the server's
 * schedule (RFC 8628 section 3.4/3.5) until the person signs in, declines,
 * or the code expires. */
#include "edgetoken/et_device_code.h"

#include "edgetoken/et_form.h"

#include <string.h>

#if CONFIG_ET_FLOW_DEVICE_CODE

/* Longest single sleep: a port whose sleep_ms ignores cancellation still
 * sees port->cancelled at least this often. */
#define ET_POLL_SLICE_MS 1000u

static et_err poll_fields(const void *arg, et_buf *b) {
  et_form_append_secret(b, "device_code", *(const et_str *)arg);
  return ET_OK;
}

static bool cancelled(const et_port *port) {
  return port->cancelled != NULL && port->cancelled(port->ctx);
}

/* Sleep until the monotonic clock reaches until. */
static et_err wait_until(const et_port *port, uint64_t until) {
  for (;;) {
    uint64_t now;
    if (cancelled(port))
      return ET_E_CANCELLED;
    now = port->mono_ms(port->ctx);
    if (now >= until)
      return ET_OK;
    port->sleep_ms(port->ctx,
                   until - now > ET_POLL_SLICE_MS ? ET_POLL_SLICE_MS : (uint32_t)(until - now));
  }
}

/* Failures that may pass before the code expires: the network, the server
 * being busy or overloaded. */
static bool transient(et_err e, const et_oauth_error *err) {
  switch (e) {
  case ET_E_DNS: case ET_E_CONNECT: case ET_E_TIMEOUT: case ET_E_CLOSED:
  case ET_E_TRUNCATED: case ET_E_IO: case ET_E_TLS: case ET_E_THROTTLED:
    return true;
  case ET_E_HTTP_STATUS: case ET_E_OAUTH:
    return err->http_status >= 500 || err->http_status == 429;
  default:
    return false;
  }
}

static bool overlaps(et_str s, const et_work *w) {
  const char *lo = (const char *)w->buf;
  return s.p + s.n > lo && s.p < lo + w->cap;
}

et_err et_device_code_poll(const et_port *port, const et_app *app,
                           et_endpoint ep, const et_device_code *dc,
                           et_work *w, et_token *tok, et_oauth_error *err) {
  /* Confidential clients prove themselves here too; public ones send none.
   * Polling has no effect until the person signs in: safe to resend. */
  et_grant g = { "urn:ietf:params:oauth:grant-type:device_code", ep, poll_fields, NULL, false,
                 true };
  et_oauth_error local;
  uint64_t interval_ms, deadline, next;
  bool last_failed = false;

  if (err == NULL)
    err = &local;
  memset(err, 0, sizeof *err);
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  if (port == NULL || app == NULL || dc == NULL || w == NULL || w->buf == NULL ||
      tok == NULL || port->mono_ms == NULL || port->sleep_ms == NULL ||
      dc->device_code.n == 0 || dc->expires_in == 0 ||
      (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return ET_E_ARG;
  w->why = NULL;
  if (overlaps(dc->device_code, w)) {
    w->why = ET_TEXT("the device code must be copied out of the workspace before polling");
    return ET_E_ARG;
  }
  g.arg = &dc->device_code;
  interval_ms = (uint64_t)(dc->interval ? dc->interval : ET_DEVICE_DEFAULT_INTERVAL_S) * 1000u;
  deadline = dc->issued_ms + (uint64_t)dc->expires_in * 1000u;
  /* From now, not from issued_ms: the devicecode answer arrived later than
   * that, and the server counts from its own reply. */
  next = port->mono_ms(port->ctx) + interval_ms;

  for (;;) {
    uint64_t now, wait_ms;
    et_err e;

    if (next >= deadline) {
      memset(err, 0, sizeof *err);
      w->why = last_failed ? ET_TEXT("the device code expired; the last poll failed on the network")
                           : ET_TEXT("the device code expired before the sign-in was completed");
      return ET_E_EXPIRED;
    }
    e = wait_until(port, next);
    if (e != ET_OK) {
      memset(err, 0, sizeof *err);
      return e;
    }
    e = et_token_request(port, app, &g, w, tok, err);
    now = port->mono_ms(port->ctx);
    if (e == ET_OK)
      return ET_OK;
    if (e == ET_E_CANCELLED)
      return e;
    wait_ms = interval_ms;
    last_failed = false;
    if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("authorization_pending"))) {
      next = now + wait_ms;
      continue;
    }
    if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("slow_down"))) {
      interval_ms += (uint64_t)ET_DEVICE_SLOW_DOWN_S * 1000u;
      et_log(port, ET_LOG_INFO, "device code: server asked to slow down; polling 5 s slower",
             ET_STR_NULL);
      next = now + interval_ms;
      continue;
    }
    if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("authorization_declined"))) {
      w->why = ET_TEXT("the user declined the sign-in");
      return ET_E_DECLINED;
    }
    if (e == ET_E_OAUTH && et_str_eq(err->error, ET_STR("expired_token"))) {
      w->why = ET_TEXT("the device code expired before the sign-in was completed");
      return ET_E_EXPIRED;
    }
    if (!transient(e, err))
      return e;
    et_log_error(port, ET_LOG_WARN, "device code: poll failed, retrying at the next interval: ",
                 e);
    if (err->retry_after_s > 0 && (uint64_t)err->retry_after_s * 1000u > wait_ms)
      wait_ms = (uint64_t)err->retry_after_s * 1000u;
    last_failed = true;
    next = now + wait_ms;
  }
}

#else

et_err et_device_code_poll(const et_port *port, const et_app *app,
                           et_endpoint ep, const et_device_code *dc,
                           et_work *w, et_token *tok, et_oauth_error *err) {
  (void)port, (void)app, (void)ep, (void)dc, (void)tok, (void)err;
  if (w != NULL)
    w->why = ET_TEXT("the device code flow is disabled (CONFIG_ET_FLOW_DEVICE_CODE)");
  return ET_E_DISABLED;
}

#endif
