/* SPDX-License-Identifier: MIT */
/* edgetoken get: a valid access token, served from a cache kept in the
 * store directory across runs and refreshed ahead of expiry by core's
 * et_cache, like `az account get-access-token`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_record.h"
#include "cli_tokens.h"

/* One cached token per run: the cache holds the token it serves. */
static uint8_t g_slot_mem[CLI_WORK_BUF_SIZE];
static et_cache_slot g_slot;
static et_cache g_cache;

/* The record in the store (cli_record.h): times on CLOCK_MONOTONIC, which
 * runs from boot and is shared by every process: a record from another
 * boot is not trusted (the wall clock, which may jump, never decides). */
static char g_record[CLI_WORK_BUF_SIZE + 256];

static bool boot_id(char out[40]) {
  FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
  size_t n;
  if (f == NULL)
    return false;
  n = fread(out, 1, 39, f);
  fclose(f);
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
    n--;
  out[n] = '\0';
  return n >= 8 && strchr(out, ' ') == NULL;
}

static bool has_signin(cli_tokens *t) {
  static uint8_t rt[CLI_REFRESH_TOKEN_MAX];
  size_t n = 0;
  et_err e = et_refresh_token_load(&t->c->port, t->rt_key, rt, sizeof rt, &n);
  et_wipe(rt, sizeof rt);
  return e == ET_OK || e == ET_E_NOSPACE;
}

int cli_tokens_open(cli_tokens *t, cli_client *c, const cli_opts *o, et_work *w) {
  char id[2048];
  const char *authority = o->authority ? o->authority : ET_DEFAULT_AUTHORITY;
  int rc, n;
  memset(t, 0, sizeof *t);
  t->c = c;
  t->o = o;
  t->w = w;
  if (!o->tenant || !o->client_id) {
    fprintf(stderr, "edgetoken: %s needs --tenant and --client-id\n", o->command);
    return CLI_EXIT_USAGE;
  }
  t->sdir = cli_store_dir(o, t->dir, sizeof t->dir);
  rc = cli_client_open(c, o, t->sdir, false);
  if (rc != CLI_EXIT_OK)
    return rc;
  if (!cli_store_key(&c->port, o, CLI_KEY_REFRESH, t->rt_key)) {
    cli_client_close(c);
    fputs("edgetoken: --tenant or --client-id is too long\n", stderr);
    return CLI_EXIT_USAGE;
  }
  t->signin = c->port.store != NULL && has_signin(t);
  t->ep = o->endpoint;
  if (t->signin) {
    /* The stored sign-in's flow and scope (--scope narrows it). */
    et_endpoint ep = ET_ENDPOINT_V2;
    et_buf b;
    et_buf_init(&b, t->target, sizeof t->target - 1);
    if (o->scope)
      et_buf_put_cstr(&b, o->scope);
    else if (cli_signin_scope(c, o, &ep, t->target, sizeof t->target - 1) &&
             ep == ET_ENDPOINT_V2)
      b.len = strlen(t->target);
    else if (et_signin_scope(&b, c->app.client_id) != ET_OK)
      b.overflow = true;
    if (b.overflow) {
      cli_client_close(c);
      fputs("edgetoken: --scope is too long\n", stderr);
      return CLI_EXIT_USAGE;
    }
    t->target[b.len] = '\0';
    t->ep = ET_ENDPOINT_V2;
  } else {
    if (c->app.cred.kind == ET_CRED_NONE) {
      cli_client_close(c);
      fprintf(stderr, "edgetoken: %s needs a sign-in (edgetoken login or device-login, with "
              "the same --store-dir) or the app's secret (EDGETOKEN_CLIENT_SECRET, "
              "--client-secret-file) or certificate\n", o->command);
      return CLI_EXIT_USAGE;
    }
    if (o->endpoint == ET_ENDPOINT_V1)
      n = snprintf(t->target, sizeof t->target, "%s", o->resource ? o->resource : o->client_id);
    else if (o->scope)
      n = snprintf(t->target, sizeof t->target, "%s", o->scope);
    else
      n = snprintf(t->target, sizeof t->target, "%s/.default", o->client_id);
    if (n <= 0 || (size_t)n >= sizeof t->target) {
      cli_client_close(c);
      fputs("edgetoken: --scope, --resource or --client-id is too long\n", stderr);
      return CLI_EXIT_USAGE;
    }
  }
  /* The sign-in (authority, tenant, client) is in the key's first hash. */
  n = snprintf(id, sizeof id, "%d\n%d\n%s",
               t->signin ? ET_CACHE_FLOW_REFRESH : ET_CACHE_FLOW_CLIENT_CREDENTIALS, (int)t->ep,
               t->target);
  if (n <= 0 || (size_t)n >= sizeof id || !cli_access_key(&c->port, o, id, (size_t)n, t->at_key)) {
    cli_client_close(c);
    fputs("edgetoken: the options are too long to name the cache\n", stderr);
    return CLI_EXIT_USAGE;
  }
  t->key.authority = et_str_from_cstr(authority);
  t->key.tenant = et_str_from_cstr(o->tenant);
  t->key.client_id = et_str_from_cstr(o->client_id);
  t->key.flow = t->signin ? ET_CACHE_FLOW_REFRESH : ET_CACHE_FLOW_CLIENT_CREDENTIALS;
  t->key.target = et_str_from_cstr(t->target);
  {
    uint8_t seed[16];
    g_slot.buf = g_slot_mem;
    g_slot.cap = sizeof g_slot_mem;
    if (c->port.random(c->port.ctx, seed, sizeof seed) != ET_OK ||
        et_cache_init(&g_cache, &g_slot, 1, NULL, seed) != ET_OK) {
      cli_client_close(c);
      fputs("edgetoken: no random numbers\n", stderr);
      return CLI_EXIT_INTERNAL;
    }
  }
  return CLI_EXIT_OK;
}

/* The token kept by an earlier run, into the cache. */
static void load_record(cli_tokens *t) {
  const et_port *p = &t->c->port;
  char boot[40];
  cli_at_record r;
  size_t n = 0;
  if (p->store == NULL || !boot_id(boot) ||
      p->store(p->ctx, ET_STORE_LOAD, t->at_key, (uint8_t *)g_record, sizeof g_record - 1, &n) !=
          ET_OK)
    return;
  g_record[n] = '\0';
  /* An expired or unusable record is simply not served. */
  if (cli_at_record_parse(g_record, &r) && strcmp(boot, r.boot) == 0 &&
      et_cache_restore(&g_cache, &t->key, r.token, p->mono_ms(p->ctx), r.expires_ms,
                       r.refresh_ms, r.expires_on) != ET_OK)
    et_cache_invalidate(&g_cache, &t->key);
  et_wipe(g_record, sizeof g_record);
  et_wipe(&r, sizeof r);
}

static void save_record(cli_tokens *t, const et_cached *got) {
  const et_port *p = &t->c->port;
  char boot[40];
  size_t len;
  if (p->store == NULL || !boot_id(boot))
    return;
  len = cli_at_record_format(g_record, sizeof g_record, boot, got->expires_ms, got->refresh_ms,
                             got->expires_on, got->access_token);
  if (len == 0)
    return;
  if (p->store(p->ctx, ET_STORE_SAVE, t->at_key, (uint8_t *)g_record, len, &len) != ET_OK)
    fprintf(stderr, "edgetoken: warning: the token was not cached: %s\n",
            et_posix_detail(&t->c->px));
  et_wipe(g_record, sizeof g_record);
}

static et_err fetch(void *ctx, et_work *w, et_token *tok, et_result *res) {
  cli_tokens *t = ctx;
  et_err e;
  int lock;
  t->fetched = true;
  if (!t->signin)
    return et_client_credentials(&t->c->port, &t->c->app, t->ep, et_str_from_cstr(t->target), w,
                                 tok, res);
  /* Under the sign-in's lock, as `edgetoken refresh`: rotation. */
  e = et_posix_store_lock(&t->c->px, t->rt_key, CLI_LOCK_MS(t->c), &lock);
  if (e != ET_OK)
    return e;
  e = et_refresh_stored(&t->c->port, &t->c->app, t->rt_key, et_str_from_cstr(t->target), w, tok,
                        res);
  et_posix_store_unlock(lock);
  if ((e == ET_E_STORE || e == ET_E_NOSPACE) && tok->access_token.n > 0) {
    fprintf(stderr, "edgetoken: warning: the new refresh token was not saved (%s)\n",
            e == ET_E_NOSPACE ? "longer than the store takes; the old one is kept"
                              : et_posix_detail(&t->c->px));
    e = ET_OK;
  }
  return e;
}

et_err cli_tokens_get(cli_tokens *t, bool renew, et_cached *out) {
  et_err e;
  t->fetched = false;
  memset(&t->res, 0, sizeof t->res);
  if (!renew)
    load_record(t);
  e = et_cache_get(&t->c->port, &g_cache, &t->key, renew, fetch, t, t->w, out, &t->stale,
                   &t->res);
  if (e == ET_OK && t->fetched && !t->stale)
    save_record(t, out);
  if (e == ET_OK && t->stale)
    fprintf(stderr, "edgetoken: warning: refreshing the token failed (%s); the cached one is "
            "still valid and was used\n", et_strerror(t->res.err));
  return e;
}

et_err cli_tokens_source(void *ctx, bool renew, et_str *token, et_result *res) {
  cli_tokens *t = ctx;
  et_cached got;
  et_err e = cli_tokens_get(t, renew, &got);
  *token = got.access_token;
  if (res != NULL)
    *res = t->res;
  return e;
}

int cli_tokens_report(const cli_tokens *t, et_err e) {
  int rc = cli_report_error(e, &t->res);
  if (e == ET_E_SIGNIN_REQUIRED || (t->signin && e == ET_E_NOT_FOUND))
    fputs("  what to do: sign in again (edgetoken login or device-login)\n", stderr);
  return rc;
}

int cli_cmd_get(const cli_opts *o) {
  static uint8_t buf[CLI_WORK_BUF_SIZE];
  static jsmntok_t tok[CLI_JSON_TOKENS];
  static cli_client c;
  static cli_tokens t;
  et_work w = { buf, sizeof buf, tok, CLI_JSON_TOKENS, NULL };
  et_cached got;
  et_err e;
  int rc = cli_tokens_open(&t, &c, o, &w);
  if (rc != CLI_EXIT_OK)
    return rc;
  w.link = &c.link;
  e = cli_tokens_get(&t, o->force_refresh, &got);
  cli_client_forget_secret(&c);
  if (e == ET_OK) {
    uint64_t now = c.port.mono_ms(c.port.ctx);
    int64_t left = got.expires_ms > now ? (int64_t)((got.expires_ms - now) / 1000u) : 0;
    int64_t eon = got.expires_on ? got.expires_on : c.port.unix_s(c.port.ctx) + left;
    if (o->json) {
      fputs("{\"token_type\":\"Bearer\",\"access_token\":\"", stdout);
      fwrite(got.access_token.p, 1, got.access_token.n, stdout); /* base64url and dots */
      printf("\",\"expires_on\":%" PRId64 ",\"expires_in\":%" PRId64
             ",\"cached\":%s,\"flow\":\"%s\",\"scope\":\"",
             eon, left, t.fetched && !t.stale ? "false" : "true",
             t.signin ? "refresh_token" : "client_credentials");
      cli_put_text(stdout, et_str_from_cstr(t.target)); /* no quotes in scopes */
      fputs("\"}\n", stdout);
    } else {
      fwrite(got.access_token.p, 1, got.access_token.n, stdout);
      fputc('\n', stdout);
    }
    rc = CLI_EXIT_OK;
  } else {
    rc = cli_tokens_report(&t, e);
  }
  et_wipe(buf, sizeof buf);
  et_cache_clear(&g_cache);
  cli_client_close(&c);
  return rc;
}
