/* SPDX-License-Identifier: MIT */
/* Device code flow, step 1: ask for a device code and decode the answer
 * (v2.0 and v1 shapes). */
#include "flow.h"

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
  { key, offsetof(et_device_code, member), ET_JSON_STR_REQ, 0                 \
    ET_TEXTS(key ": missing, empty or not a string",                          \
             key ": missing, empty or not a string",                          \
             key ": missing, empty or not a string") }
#define OPTIONAL(key, member)                                                  \
  { key, offsetof(et_device_code, member), ET_JSON_STR, 0                     \
    ET_TEXTS(NULL, key ": not a string", key ": not a string") }

#define NO_URI "verification_uri/verification_url: missing, empty or not a string"

static const et_json_field str_fields[] = {
  REQUIRED("device_code", device_code),
  REQUIRED("user_code", user_code),
  OPTIONAL("verification_uri", verification_uri),
  OPTIONAL("message", message),
  /* v2.0 says verification_uri (RFC 8628), v1 verification_url. */
  { "verification_url", offsetof(et_device_code, verification_uri), ET_JSON_STR_ALT, 0
    ET_TEXTS(NO_URI, NO_URI, NO_URI) },
};

static const et_json_plan plan = {
  str_fields, sizeof str_fields / sizeof str_fields[0]
  ET_TEXTS("devicecode response: not a JSON object",
           "devicecode response: more JSON tokens than the workspace has")
};

/* The durations: a number or digit string in 1..max; absent: dflt (0 =
 * required). */
typedef struct seconds_field {
  const char *key;
  uint32_t max;
  uint8_t dflt;
  uint8_t off; /* of the uint32_t in et_device_code */
#if CONFIG_ET_ERROR_TEXT
  const char *why_bad;
#endif
} seconds_field;

static const seconds_field seconds[] = {
  { "expires_in", ET_DEVICE_MAX_EXPIRES_S, 0, offsetof(et_device_code, expires_in)
    ET_TEXTS("expires_in: missing, or not 1..86400 seconds") },
  { "interval", ET_DEVICE_MAX_INTERVAL_S, ET_DEVICE_DEFAULT_INTERVAL_S,
    offsetof(et_device_code, interval) ET_TEXTS("interval: not 1..3600 seconds") },
};

static et_err get_seconds(const et_json *j, const seconds_field *f, et_device_code *out,
                          const char **why) {
  uint32_t *to = (uint32_t *)(void *)((char *)out + f->off);
  int idx = et_json_get(j, 0, f->key);
  uint64_t v;
  if (idx < 0) {
    *to = f->dflt;
    return f->dflt ? ET_OK : fail(ET_E_JSON_FIELD, why, ET_TEXT(f->why_bad));
  }
  if (et_json_uint(j, idx, f->max, &v) != ET_OK || v == 0)
    return fail(ET_E_JSON_FIELD, why, ET_TEXT(f->why_bad));
  *to = (uint32_t)v;
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
  for (size_t k = 0; e == ET_OK && k < sizeof seconds / sizeof seconds[0]; k++)
    e = get_seconds(&j, &seconds[k], out, why);
  if (e != ET_OK) {
    et_wipe(body, len); /* may hold the device code */
    memset(out, 0, sizeof *out);
  }
  return e;
}

#if CONFIG_ET_FLOW_DEVICE_CODE

static et_err dc_fields(const void *arg, et_buf *b) {
  const et_device_code_engine *d = (const et_device_code_engine *)arg;
  et_form_append(b, d->ep == ET_ENDPOINT_V1 ? "resource" : "scope", d->target);
  return ET_OK;
}

static et_err dc_answer(et_engine *e, et_err err, uint64_t now_ms, uint64_t *again_ms) {
  et_device_code_engine *d = (et_device_code_engine *)e;
  (void)now_ms, (void)again_ms;
  if (err == ET_OK)
    err = et_answer_classify(e);
  if (err != ET_OK)
    return err;
  err = et_device_code_decode((char *)e->w->buf, e->body_len, e->w->tok, e->w->ntok, &d->dc,
                              &e->res.why);
  /* The attempt was built before it was sent: the server's clock for
   * expires_in starts no earlier. */
  if (err == ET_OK)
    d->dc.issued_ms = e->attempt_ms;
  return err;
}

et_err et_device_code_begin(et_device_code_engine *e, const et_app *app, et_endpoint ep,
                            et_str scope_or_resource, et_work *w, const et_engine_in *in) {
  et_err err;
  if (e == NULL)
    return ET_E_ARG;
  err = et_engine_setup(&e->base, app, w, in, ET_URL_DEVICE,
                        ep == ET_ENDPOINT_V1 ? "/oauth2/devicecode" : "/oauth2/v2.0/devicecode",
                        dc_answer);
  memset(&e->dc, 0, sizeof e->dc);
  e->ep = ep;
  e->target = scope_or_resource;
  if (err != ET_OK)
    return err;
  /* client_id and the scope only: the devicecode endpoint takes no
   * credential. Asking again only yields another code: safe to resend. */
  e->base.body = dc_fields;
  e->base.body_arg = e;
  e->base.replayable = true;
  if (scope_or_resource.n == 0 || (ep != ET_ENDPOINT_V1 && ep != ET_ENDPOINT_V2))
    return et_engine_refuse(&e->base, ET_E_ARG, ET_TEXT("scope or resource is empty"));
  return ET_OK;
}

et_err et_device_code_request(const et_port *port, const et_app *app, et_endpoint ep,
                              et_str scope_or_resource, et_work *w, et_device_code *dc,
                              et_result *res) {
  et_device_code_engine e;
  et_engine_in in;
  et_err err = et_flow_in(port, w, dc, false, &in);
  if (dc != NULL)
    memset(dc, 0, sizeof *dc);
  memset(&e, 0, sizeof e);
  if (err == ET_OK)
    err = et_device_code_begin(&e, app, ep, scope_or_resource, w, &in);
  err = et_flow_run(port, &e.base, err, w, res);
  /* dc != NULL: et_flow_in refused NULL; said again for the static
   * analyzers, which do not follow et_flow_run into drive.c. */
  if (err == ET_OK && dc != NULL)
    *dc = e.dc;
  return err;
}

#else

et_err et_device_code_begin(et_device_code_engine *e, const et_app *app, et_endpoint ep,
                            et_str scope_or_resource, et_work *w, const et_engine_in *in) {
  (void)app, (void)ep, (void)scope_or_resource, (void)w, (void)in;
  if (e == NULL)
    return ET_E_ARG;
  memset(e, 0, sizeof *e);
  return et_engine_refuse(&e->base, ET_E_DISABLED,
                          ET_TEXT("the device code flow is disabled (CONFIG_ET_FLOW_DEVICE_CODE)"));
}

et_err et_device_code_request(const et_port *port, const et_app *app, et_endpoint ep,
                              et_str scope_or_resource, et_work *w, et_device_code *dc,
                              et_result *res) {
  et_device_code_engine e;
  et_err err = et_device_code_begin(&e, app, ep, scope_or_resource, w, NULL); /* ET_E_DISABLED */
  if (dc != NULL)
    memset(dc, 0, sizeof *dc);
  return et_flow_run(port, &e.base, err, NULL, res);
}

#endif
