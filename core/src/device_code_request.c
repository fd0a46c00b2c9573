/* Device code flow, step 1: ask for a device code and decode the answer
 * (v2.0 and v1 shapes). */
#include "edgetoken/et_device_code.h"

#include "edgetoken/et_form.h"

#include <stddef.h>
#include <string.h>

static et_err fail(et_err e, const char **why, const char *text) {
  if (why != NULL)
    *why = text;
  return e;
}

/* One text per member, whatever is wrong with it. */
#define REQUIRED(key, member)                                                  \
  { key, offsetof(et_device_code, member), true                               \
    ET_TEXTS(key ": missing, empty or not a string",                          \
             key ": missing, empty or not a string",                          \
             key ": missing, empty or not a string") }
#define OPTIONAL(key, member)                                                  \
  { key, offsetof(et_device_code, member), false                              \
    ET_TEXTS(NULL, key ": not a string", key ": not a string") }

static const et_json_str_field str_fields[] = {
  REQUIRED("device_code", device_code),
  REQUIRED("user_code", user_code),
  OPTIONAL("verification_uri", verification_uri),
  OPTIONAL("message", message),
};

static const et_json_plan plan = {
  str_fields, sizeof str_fields / sizeof str_fields[0]
  ET_TEXTS("devicecode response: not a JSON object",
           "devicecode response: more JSON tokens than the workspace has")
};

/* A number or digit string in 1..max; absent: dflt (0 = required). */
static et_err get_seconds(const et_json *j, const char *key, uint32_t max, uint32_t dflt,
                          uint32_t *out, const char **why, const char *why_bad) {
  int idx = et_json_get(j, 0, key);
  uint64_t v;
  if (idx < 0) {
    *out = dflt;
    return dflt ? ET_OK : fail(ET_E_JSON_FIELD, why, why_bad);
  }
  if (et_json_uint(j, idx, max, &v) != ET_OK || v == 0)
    return fail(ET_E_JSON_FIELD, why, why_bad);
  *out = (uint32_t)v;
  return ET_OK;
}

et_err et_device_code_decode(char *body, size_t len, jsmntok_t *tok,
                             size_t ntok, et_device_code *out,
                             const char **why) {
  et_json j;
  et_err e;

  if (why != NULL)
    *why = NULL;
  if (out == NULL)
    return ET_E_ARG;
  memset(out, 0, sizeof *out);
  e = et_json_decode(&j, body, len, tok, ntok, &plan, out, why);
  /* v2.0 says verification_uri (RFC 8628), v1 verification_url. */
  if (e == ET_OK && out->verification_uri.n == 0) {
    e = et_json_member_string(&j, 0, "verification_url", &out->verification_uri);
    if (e != ET_OK || out->verification_uri.n == 0)
      e = fail(e == ET_E_JSON_SYNTAX ? e : ET_E_JSON_FIELD, why,
               ET_TEXT("verification_uri/verification_url: missing, empty or not a string"));
  }
  if (e == ET_OK)
    e = get_seconds(&j, "expires_in", ET_DEVICE_MAX_EXPIRES_S, 0, &out->expires_in, why,
                    ET_TEXT("expires_in: missing, or not 1..86400 seconds"));
  if (e == ET_OK)
    e = get_seconds(&j, "interval", ET_DEVICE_MAX_INTERVAL_S, ET_DEVICE_DEFAULT_INTERVAL_S,
                    &out->interval, why, ET_TEXT("interval: not 1..3600 seconds"));
  if (e != ET_OK) {
    et_wipe(body, len); /* may hold the device code */
    memset(out, 0, sizeof *out);
  }
  return e;
}

#if CONFIG_ET_FLOW_DEVICE_CODE

typedef struct dc_args {
  const et_app *app;
  et_endpoint ep;
  et_str target;
} dc_args;

static et_err dc_body(const void *arg, et_buf *b) {
  const dc_args *a = (const dc_args *)arg;
  et_form_append(b, "client_id", a->app->client_id);
  et_form_append(b, a->ep == ET_ENDPOINT_V1 ? "resource" : "scope", a->target);
  return ET_OK;
}

et_err et_device_code_request(const et_port *port, const et_app *app,
                              et_endpoint ep, et_str scope_or_resource,
                              et_work *w, et_device_code *dc,
                              et_oauth_error *err) {
  et_response rs;
  dc_args a;
  uint64_t issued;
  et_err e;

  if (dc != NULL)
    memset(dc, 0, sizeof *dc);
  if (port == NULL || app == NULL || w == NULL || dc == NULL || port->mono_ms == NULL ||
      scope_or_resource.n == 0 || (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return ET_E_ARG;
  a.app = app;
  a.ep = ep;
  a.target = scope_or_resource;
  /* Before sending: the server's clock for expires_in starts no earlier. */
  issued = port->mono_ms(port->ctx);
  /* Asking again only yields another code: safe to resend. */
  e = et_authority_post(port, app,
                        ep == ET_ENDPOINT_V1 ? "/oauth2/devicecode" : "/oauth2/v2.0/devicecode",
                        dc_body, &a, true, w, &rs, err);
  if (e != ET_OK)
    return e;
  e = et_device_code_decode((char *)w->buf, rs.body.n, w->tok, w->ntok, dc, &w->why);
  if (e == ET_OK)
    dc->issued_ms = issued;
  return e;
}

#else

et_err et_device_code_request(const et_port *port, const et_app *app,
                              et_endpoint ep, et_str scope_or_resource,
                              et_work *w, et_device_code *dc,
                              et_oauth_error *err) {
  (void)port, (void)app, (void)ep, (void)scope_or_resource, (void)dc, (void)err;
  if (w != NULL)
    w->why = ET_TEXT("the device code flow is disabled (CONFIG_ET_FLOW_DEVICE_CODE)");
  return ET_E_DISABLED;
}

#endif
