/* The device code flow end to end: request, show, poll, keep the refresh
 * token. */
#include "edgetoken/et_device_code.h"

#include "edgetoken/et_store.h"

#include <string.h>

#if CONFIG_ET_FLOW_DEVICE_CODE

et_err et_device_login(const et_port *port, const et_app *app,
                       const et_device_login_cfg *cfg, et_work *w,
                       et_token *tok, et_oauth_error *err) {
  et_device_code dc, shown;
  size_t off;
  et_err e;

  if (tok != NULL)
    memset(tok, 0, sizeof *tok);
  if (port == NULL || cfg == NULL || cfg->prompt == NULL || cfg->code_buf == NULL ||
      w == NULL || w->buf == NULL || tok == NULL)
    return ET_E_ARG;
  e = et_device_code_request(port, app, cfg->ep, cfg->scope_or_resource, w, &dc, err);
  if (e != ET_OK)
    return e;

  /* Every poll reuses w->buf: the device code moves to the caller's buffer
   * and leaves no copy behind in the workspace. */
  off = (size_t)(dc.device_code.p - (const char *)w->buf);
  if (dc.device_code.n > cfg->code_cap) {
    et_wipe(w->buf, w->cap);
    w->why = ET_TEXT("the device code is longer than code_buf");
    return ET_E_NOSPACE;
  }
  memcpy(cfg->code_buf, dc.device_code.p, dc.device_code.n);
  et_wipe(w->buf + off, dc.device_code.n);
  dc.device_code = (et_str){ cfg->code_buf, dc.device_code.n };

  shown = dc;
  shown.device_code = ET_STR_NULL;
  cfg->prompt(cfg->prompt_ctx, &shown);

  e = et_device_code_poll(port, app, cfg->ep, &dc, w, tok, err);
  et_wipe(cfg->code_buf, cfg->code_cap);
  if (e != ET_OK || tok->refresh_token.n == 0 || port->store == NULL)
    return e;
  e = et_refresh_token_save(port, cfg->store_key ? cfg->store_key : "refresh_token",
                            tok->refresh_token);
  if (e != ET_OK) {
    w->why = ET_TEXT("signed in, but the refresh token could not be stored");
    return e == ET_E_ARG ? ET_E_STORE : e;
  }
  return ET_OK;
}

#else

et_err et_device_login(const et_port *port, const et_app *app,
                       const et_device_login_cfg *cfg, et_work *w,
                       et_token *tok, et_oauth_error *err) {
  (void)port, (void)app, (void)cfg, (void)tok, (void)err;
  if (w != NULL)
    w->why = ET_TEXT("the device code flow is disabled (CONFIG_ET_FLOW_DEVICE_CODE)");
  return ET_E_DISABLED;
}

#endif
