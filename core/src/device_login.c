/* SPDX-License-Identifier: MIT */
/* The device code flow end to end: request, show, poll, keep the refresh
 * token. All on one connection when the server keeps it open. */
#include "flow.h"

#include "edgetoken/et_store.h"

#include <string.h>

#if CONFIG_ET_FLOW_DEVICE_CODE

static et_err fail(et_result *res, et_err err, const char *why) {
  if (res != NULL) {
    res->err = err;
    res->why = why;
  }
  return err;
}

et_err et_device_login(const et_port *port, const et_app *app,
                       const et_device_login_cfg *cfg, et_work *w,
                       et_token *tok, et_result *res) {
  union {
    et_device_code_engine req;
    et_device_poll_engine poll;
  } u;
  et_engine_in in;
  et_link own;
  et_work pw;
  et_device_code dc;
  size_t off, n;
  bool usable = port != NULL && cfg != NULL && cfg->prompt != NULL && cfg->code_buf != NULL &&
                w != NULL && w->buf != NULL && tok != NULL;
  et_err e;

  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  if (res != NULL)
    memset(res, 0, sizeof *res);
  if (!usable)
    return fail(res, ET_E_ARG, NULL);
  /* A link of our own when the caller keeps none: request and polls share
   * one connection, closed before we return. */
  memset(&own, 0, sizeof own);
  pw = *w;
  if (pw.link == NULL)
    pw.link = &own;
  /* The request's and the poll's engines, one after the other, driven
   * here rather than through et_device_code_request and
   * et_device_code_poll: an image with only this call carries neither. */
  memset(&u, 0, sizeof u);
  e = et_flow_in(port, &pw, &u.req.dc, true, &in);
  if (e == ET_OK)
    e = et_device_code_begin(&u.req, app, cfg->ep, cfg->scope_or_resource, &pw, &in);
  e = et_flow_run(port, &u.req.base, e, &pw, res);
  if (e != ET_OK)
    goto out;
  dc = u.req.dc;

  /* Every poll reuses w->buf: the device code moves to the caller's buffer
   * and leaves no copy behind in the workspace. */
  off = (size_t)(dc.device_code.p - (const char *)w->buf);
  if (dc.device_code.n > cfg->code_cap) {
    et_wipe(w->buf, w->cap);
    e = fail(res, ET_E_NOSPACE, ET_TEXT("the device code is longer than code_buf"));
    goto out;
  }
  n = dc.device_code.n;
  memcpy(cfg->code_buf, dc.device_code.p, n);
  et_wipe(w->buf + off, n);
  /* The prompt never sees the secret. */
  dc.device_code = ET_STR_NULL;
  cfg->prompt(cfg->prompt_ctx, &dc);
  dc.device_code = (et_str){ cfg->code_buf, n };

  memset(&u, 0, sizeof u);
  e = et_flow_in(port, &pw, tok, true, &in);
  if (e == ET_OK)
    e = et_device_poll_begin(&u.poll, app, cfg->ep, &dc, &pw, &in);
  e = et_flow_run(port, &u.poll.tok.base, e, &pw, res);
  if (e == ET_OK)
    *tok = u.poll.tok.token;
  et_wipe(cfg->code_buf, cfg->code_cap);
  if (e != ET_OK || tok->refresh_token.n == 0 || port->store == NULL)
    goto out;
  /* et_refresh_stored with this workspace could not load a longer one. */
  if (tok->refresh_token.n > ET_REFRESH_TOKEN_MAX(w->cap)) {
    e = fail(res, ET_E_NOSPACE, ET_TEXT("signed in, but the refresh token is longer than "
                                        "ET_REFRESH_TOKEN_MAX(workspace): not stored"));
    goto out;
  }
  e = et_refresh_token_save(port, cfg->store_key ? cfg->store_key : "refresh_token",
                            tok->refresh_token);
  if (e != ET_OK)
    e = fail(res, e == ET_E_ARG ? ET_E_STORE : e,
             ET_TEXT("signed in, but the refresh token could not be stored"));
out:
  if (pw.link == &own)
    et_link_close(port, &own);
  return e;
}

#else

et_err et_device_login(const et_port *port, const et_app *app,
                       const et_device_login_cfg *cfg, et_work *w,
                       et_token *tok, et_result *res) {
  (void)port, (void)app, (void)cfg, (void)w;
  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  if (res != NULL) {
    memset(res, 0, sizeof *res);
    res->err = ET_E_DISABLED;
    res->why = ET_TEXT("the device code flow is disabled (CONFIG_ET_FLOW_DEVICE_CODE)");
  }
  return ET_E_DISABLED;
}

#endif
