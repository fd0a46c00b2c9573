/* POST to a token-style endpoint of the authority and sort the answer into
 * success, Entra's OAuth error, or an HTTP failure. */
#include "edgetoken/et_client.h"

#include "edgetoken/et_form.h"

#include <string.h>

/* "{prefix}/{tenant}{endpoint_path}": prefix and tenant are checked, so the
 * longest path is bounded by these limits. */
#define ET_PATH_MAX 320

static void fill_status(et_oauth_error *err, const et_response *rs) {
  if (err == NULL)
    return;
  err->http_status = rs->status;
  err->retry_after_s = rs->has_retry_after ? rs->retry_after_s : 0;
}

et_err et_authority_post(const et_port *port, const et_app *app,
                         const char *endpoint_path, et_body_fn body,
                         const void *body_arg, bool replayable, et_work *w,
                         et_response *rs, et_oauth_error *err) {
  char path[ET_PATH_MAX];
  et_authority to;
  et_request rq;
  et_buf pb;
  et_err e;

  if (err != NULL)
    memset(err, 0, sizeof *err);
  if (port == NULL || app == NULL || w == NULL || rs == NULL)
    return ET_E_ARG;
  w->why = NULL;
  if (et_authority_parse(app->authority, &to) != ET_OK) {
    w->why = ET_TEXT("authority must be https://host[:port][/path]");
    return ET_E_URL;
  }
  if (et_tenant_check(app->tenant) != ET_OK) {
    w->why = ET_TEXT("tenant must be a GUID, a domain name or common/organizations/consumers");
    return ET_E_ARG;
  }
  if (app->client_id.n == 0) {
    w->why = ET_TEXT("client id is empty");
    return ET_E_ARG;
  }
  et_buf_init(&pb, path, sizeof path);
  et_buf_put_str(&pb, to.prefix);
  et_buf_put_char(&pb, '/');
  et_buf_put_str(&pb, app->tenant);
  et_buf_put_cstr(&pb, endpoint_path);
  if (pb.overflow)
    return ET_E_ARG;

  memset(&rq, 0, sizeof rq);
  rq.method = ET_STR("POST");
  rq.to = &to;
  rq.path = (et_str){ path, pb.len };
  rq.content_type = ET_STR("application/x-www-form-urlencoded");
  rq.body = body;
  rq.body_arg = body_arg;
  rq.replayable = replayable;

  e = et_exchange(port, &rq, app->timeout_ms ? app->timeout_ms : CONFIG_ET_TIMEOUT_MS, w, rs);
  if (e == ET_E_THROTTLED)
    fill_status(err, rs);
  if (e != ET_OK)
    return e;
  if (rs->status >= 200 && rs->status < 300)
    return ET_OK;

  /* Entra's errors are JSON with an "error" member; anything else (a proxy
   * page, "Too Many Requests" in plain text) is reported by status. */
  if (err != NULL) {
    const char *why = NULL;
    e = et_oauth_error_decode((char *)w->buf, rs->body.n, w->tok, w->ntok, err, &why);
    fill_status(err, rs);
    if (e == ET_OK) {
      w->why = ET_TEXT("see the OAuth error");
      return ET_E_OAUTH;
    }
  }
  w->why = ET_TEXT("the server answered an unexpected HTTP status");
  return ET_E_HTTP_STATUS;
}

typedef struct grant_ctx {
  const et_port *port;
  const et_app *app;
  const et_grant *g;
  const char *path;
} grant_ctx;

static et_err grant_body(const void *arg, et_buf *b) {
  const grant_ctx *c = (const grant_ctx *)arg;
  et_err e;
  et_form_append(b, "grant_type", et_str_from_cstr(c->g->type));
  et_form_append(b, "client_id", c->app->client_id);
  e = c->g->fields(c->g->arg, b);
  if (e != ET_OK)
    return e;
  return et_cred_append(b, c->port, c->app, c->path, c->g->cred_required);
}

et_err et_token_request(const et_port *port, const et_app *app,
                        const et_grant *g, et_work *w, et_token *tok,
                        et_oauth_error *err) {
  grant_ctx c = { port, app, g, NULL };
  et_response rs;
  et_err e;
  if (tok == NULL || g == NULL)
    return ET_E_ARG;
  memset(tok, 0, sizeof *tok);
  c.path = g->ep == ET_ENDPOINT_V1 ? "/oauth2/token" : "/oauth2/v2.0/token";
  e = et_authority_post(port, app, c.path, grant_body, &c, g->replayable, w, &rs, err);
  if (e != ET_OK)
    return e;
  e = et_token_decode((char *)w->buf, rs.body.n, w->tok, w->ntok, tok, &w->why);
  if (e != ET_OK)
    et_wipe(w->buf, w->cap); /* a half-decoded token is still a secret */
  return e;
}
