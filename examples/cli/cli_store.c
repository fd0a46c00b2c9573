/* SPDX-License-Identifier: MIT */
/* The store directory and its keys, shared by login, authorize-url, redeem,
 * refresh and device-login. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_record.h"

/* Every key the CLI makes fits the file store. */
typedef char cli_keys_fit_the_store[CLI_STORE_KEY_SIZE - 1 <= ET_POSIX_STORE_KEY_MAX ? 1 : -1];

const char *cli_store_dir(const cli_opts *o, char *buf, size_t cap) {
  const char *env = getenv("EDGETOKEN_STORE_DIR"), *base;
  int n;
  if (o->store_dir)
    return o->store_dir;
  if (env && env[0])
    return env;
  if ((base = getenv("XDG_STATE_HOME")) != NULL && base[0] == '/')
    n = snprintf(buf, cap, "%s/edgetoken", base);
  else if ((base = getenv("HOME")) != NULL && base[0] == '/')
    n = snprintf(buf, cap, "%s/.local/state/edgetoken", base);
  else
    return NULL;
  return n > 0 && (size_t)n < cap ? buf : NULL;
}

bool cli_store_key(const et_port *port, const cli_opts *o, const char *prefix,
                   char key[CLI_STORE_KEY_SIZE]) {
  static const char hex[] = "0123456789abcdef";
  char id[1024];
  uint8_t d[32];
  size_t k = strlen(prefix);
  /* Another provider: its issuer or token endpoint stands for the pair. */
  int n = cli_has_provider(o)
              ? snprintf(id, sizeof id, "%s\n%s", o->issuer ? o->issuer : o->token_endpoint,
                         o->client_id)
              : snprintf(id, sizeof id, "%s\n%s\n%s",
                         o->authority ? o->authority : ET_DEFAULT_AUTHORITY, o->tenant,
                         o->client_id);
  if (n <= 0 || (size_t)n >= sizeof id || k + 2 * CLI_KEY_HASH_BYTES >= CLI_STORE_KEY_SIZE ||
      port->sha256 == NULL || port->sha256(port->ctx, (const uint8_t *)id, (size_t)n, d) != ET_OK)
    return false;
  memcpy(key, prefix, k);
  for (size_t i = 0; i < CLI_KEY_HASH_BYTES; i++) {
    key[k++] = hex[d[i] >> 4];
    key[k++] = hex[d[i] & 15];
  }
  key[k] = '\0';
  return true;
}

/* What a sign-in with these options asked for: "v2\n<scope>" or
 * "v1\n<resource>", as device-login, login and redeem choose it. */
static size_t signin_record(const cli_opts *o, char *out, size_t cap) {
  et_buf b;
  et_buf_init(&b, out, cap);
  if (o->endpoint == ET_ENDPOINT_V1) {
    et_buf_put_cstr(&b, "v1\n");
    et_buf_put_cstr(&b, o->resource ? o->resource : o->client_id);
  } else {
    et_buf_put_cstr(&b, "v2\n");
    if (o->scope)
      et_buf_put_cstr(&b, o->scope);
    else if (cli_has_provider(o)) /* what the sign-in asked another provider for */
      et_buf_put_cstr(&b, CLI_OIDC_DEFAULT_SCOPE);
    else if (et_signin_scope(&b, et_str_from_cstr(o->client_id)) != ET_OK)
      return 0;
  }
  return et_buf_status(&b) == ET_OK ? b.len : 0;
}

et_err cli_save_refresh(cli_client *c, const cli_opts *o, const char *key, et_str rt) {
  char rec[600], skey[CLI_STORE_KEY_SIZE];
  size_t n;
  int fd;
  et_err e;
  (void)o; /* --timeout: counted in c since cli_client_open/cli_time_restart */
  e = et_posix_store_lock(&c->px, key, CLI_LOCK_MS(c), &fd);
  if (e != ET_OK)
    return e;
  e = et_refresh_token_save(&c->port, key, rt);
  /* Remember the scope, so that refresh, get and call ask for it again. */
  if (e == ET_OK && (n = signin_record(o, rec, sizeof rec)) > 0 &&
      cli_store_key(&c->port, o, CLI_KEY_SCOPE, skey) &&
      c->port.store(c->port.ctx, ET_STORE_SAVE, skey, (uint8_t *)rec, n, &n) != ET_OK)
    fprintf(stderr, "edgetoken: warning: the sign-in's scope was not saved: %s\n",
            et_posix_detail(&c->px));
  et_posix_store_unlock(fd);
  return e;
}

bool cli_signin_scope(cli_client *c, const cli_opts *o, et_endpoint *ep, char *scope,
                      size_t cap) {
  char skey[CLI_STORE_KEY_SIZE], rec[600];
  size_t n = 0;
  if (c->port.store == NULL || !cli_store_key(&c->port, o, CLI_KEY_SCOPE, skey) ||
      c->port.store(c->port.ctx, ET_STORE_LOAD, skey, (uint8_t *)rec, sizeof rec - 1, &n) !=
          ET_OK)
    return false;
  return cli_scope_record_parse(rec, n, ep, scope, cap);
}
