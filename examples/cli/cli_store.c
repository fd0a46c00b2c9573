/* SPDX-License-Identifier: MIT */
/* The store directory and its keys, shared by login, authorize-url, redeem,
 * refresh and device-login. */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cli_tokens.h"
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

/* The URL as a key sees it: scheme and host lower-cased, the scheme's
 * default port and trailing slashes dropped; the path as given (paths are
 * case-sensitive). Length into out (NUL-terminated), 0 when it does not fit. */
static size_t norm_url(const char *url, char *out, size_t cap) {
  const char *host, *end, *port;
  size_t n = 0, len = strlen(url);
  bool https;
  const char *sep = strstr(url, "://");
  if (len >= cap)
    return 0;
  if (sep == NULL) { /* not a URL: the flow refuses it; the key takes it as is */
    memcpy(out, url, len + 1);
    return len;
  }
  for (const char *p = url; p < sep; p++)
    out[n++] = (char)tolower((unsigned char)*p);
  https = n == 5 && !memcmp(out, "https", 5);
  memcpy(out + n, "://", 3);
  n += 3;
  host = sep + 3;
  end = host + strcspn(host, "/?#");
  /* [v6]:port or host:port: the port is after the last ':' past any ']'. */
  port = memchr(host, ']', (size_t)(end - host));
  port = port ? port : host;
  port = memchr(port, ':', (size_t)(end - port));
  for (const char *p = host; p < (port ? port : end); p++)
    out[n++] = (char)tolower((unsigned char)*p);
  if (port && !(https && end - port == 4 && !memcmp(port, ":443", 4)) &&
      !(!https && end - port == 3 && !memcmp(port, ":80", 3)) && end - port > 1) {
    memcpy(out + n, port, (size_t)(end - port));
    n += (size_t)(end - port);
  }
  len = strlen(end);
  while (len > 0 && end[len - 1] == '/')
    len--;
  memcpy(out + n, end, len);
  n += len;
  out[n] = '\0';
  return n;
}

/* "<authority>\n<tenant>\n<client-id>" (another provider: its issuer or
 * token endpoint stands for the pair), normalised unless legacy (the keys
 * before normalisation: the options exactly as typed). Length or 0. */
static size_t signin_id(const cli_opts *o, bool legacy, char *id, size_t cap) {
  const char *url = cli_has_provider(o) ? (o->issuer ? o->issuer : o->token_endpoint)
                                        : (o->authority ? o->authority : ET_DEFAULT_AUTHORITY);
  char u[512], t[256];
  size_t tn = 0;
  int n;
  if (o->client_id == NULL || (!cli_has_provider(o) && o->tenant == NULL))
    return 0;
  if (legacy) {
    n = cli_has_provider(o) ? snprintf(id, cap, "%s\n%s", url, o->client_id)
                            : snprintf(id, cap, "%s\n%s\n%s", url, o->tenant, o->client_id);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
  }
  if (norm_url(url, u, sizeof u) == 0)
    return 0;
  if (cli_has_provider(o)) {
    n = snprintf(id, cap, "%s\n%s", u, o->client_id);
  } else {
    /* Tenant names are domain names or GUIDs: both case-insensitive. */
    for (; o->tenant[tn] && tn + 1 < sizeof t; tn++)
      t[tn] = (char)tolower((unsigned char)o->tenant[tn]);
    if (o->tenant[tn])
      return 0;
    t[tn] = '\0';
    n = snprintf(id, cap, "%s\n%s\n%s", u, t, o->client_id);
  }
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* prefix and the first nbytes of SHA-256(data) in hex, appended to key
 * (which already holds *k characters). */
static bool put_hash(const et_port *port, const char *data, size_t n, size_t nbytes,
                     char *key, size_t *k) {
  static const char hex[] = "0123456789abcdef";
  uint8_t d[32];
  if (port->sha256 == NULL || nbytes > sizeof d ||
      port->sha256(port->ctx, (const uint8_t *)data, n, d) != ET_OK)
    return false;
  for (size_t i = 0; i < nbytes; i++) {
    key[(*k)++] = hex[d[i] >> 4];
    key[(*k)++] = hex[d[i] & 15];
  }
  key[*k] = '\0';
  return true;
}

static bool make_key(const et_port *port, const cli_opts *o, const char *prefix, bool legacy,
                     char key[CLI_STORE_KEY_SIZE]) {
  char id[1024];
  size_t k = strlen(prefix), n = signin_id(o, legacy, id, sizeof id);
  if (n == 0 || k + 2 * CLI_KEY_HASH_BYTES >= CLI_STORE_KEY_SIZE)
    return false;
  memcpy(key, prefix, k);
  return put_hash(port, id, n, CLI_KEY_HASH_BYTES, key, &k);
}

bool cli_store_key(const et_port *port, const cli_opts *o, const char *prefix,
                   char key[CLI_STORE_KEY_SIZE]) {
  return make_key(port, o, prefix, false, key);
}

bool cli_access_key(const et_port *port, const cli_opts *o, const char *cache_id, size_t n,
                    char key[CLI_STORE_KEY_SIZE]) {
  size_t k;
  if (!make_key(port, o, CLI_KEY_ACCESS, false, key))
    return false;
  k = strlen(key);
  key[k++] = '-';
  return put_hash(port, cache_id, n, CLI_KEY_ACCESS_HASH_BYTES, key, &k);
}

/* Keys made before normalisation: moved to the new key, under its lock,
 * when nothing is stored under the new key yet. */
void cli_store_migrate(cli_client *c, const cli_opts *o) {
  static const char *const prefixes[] = { CLI_KEY_REFRESH, CLI_KEY_SCOPE, CLI_KEY_PENDING };
  static uint8_t val[CLI_REFRESH_TOKEN_MAX + 1];
  char lock_key[CLI_STORE_KEY_SIZE], nkey[CLI_STORE_KEY_SIZE], okey[CLI_STORE_KEY_SIZE];
  int fd = -1;
  if (c->port.store == NULL || !make_key(&c->port, o, CLI_KEY_REFRESH, false, lock_key))
    return;
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
    size_t n = 0;
    if (!make_key(&c->port, o, prefixes[i], false, nkey) ||
        !make_key(&c->port, o, prefixes[i], true, okey) || !strcmp(nkey, okey) ||
        c->port.store(c->port.ctx, ET_STORE_LOAD, okey, val, 0, &n) == ET_E_NOT_FOUND)
      continue; /* nothing under the old key (a 0-byte load says NOSPACE if there is) */
    if (fd < 0 && et_posix_store_lock(&c->px, lock_key, CLI_LOCK_MS(c), &fd) != ET_OK)
      return; /* the old key is still read below: nothing is lost */
    n = 0;
    if (c->port.store(c->port.ctx, ET_STORE_LOAD, nkey, val, 0, &n) == ET_E_NOT_FOUND &&
        c->port.store(c->port.ctx, ET_STORE_LOAD, okey, val, sizeof val, &n) == ET_OK &&
        c->port.store(c->port.ctx, ET_STORE_SAVE, nkey, val, n, &n) == ET_OK)
      (void)c->port.store(c->port.ctx, ET_STORE_DELETE, okey, NULL, 0, &n);
    et_wipe(val, sizeof val);
  }
  et_posix_store_unlock(fd);
}

/* Every "at-<sign-in hash>-*" file: the access tokens `get` and `call`
 * cached for this sign-in, whatever their scope or flow. */
bool cli_forget_access_tokens(cli_client *c, const cli_opts *o, const char *dir) {
  char prefix[CLI_STORE_KEY_SIZE];
  struct dirent *de;
  bool ok = true;
  DIR *d;
  size_t k;
  if (!make_key(&c->port, o, CLI_KEY_ACCESS, false, prefix))
    return false;
  k = strlen(prefix);
  prefix[k++] = '-';
  prefix[k] = '\0';
  if ((d = opendir(dir)) == NULL)
    return true; /* no store: nothing cached */
  while ((de = readdir(d)) != NULL) {
    size_t n = 0;
    if (strncmp(de->d_name, prefix, k) == 0 &&
        c->port.store(c->port.ctx, ET_STORE_DELETE, de->d_name, NULL, 0, &n) != ET_OK)
      ok = false;
  }
  closedir(d);
  return ok;
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
  if (rt.n > CLI_REFRESH_TOKEN_MAX) {
    fprintf(stderr, "edgetoken: the refresh token is %zu bytes, longer than the %u the store "
            "takes: not saved (any stored one is kept)\n", rt.n,
            (unsigned)CLI_REFRESH_TOKEN_MAX);
    return ET_E_NOSPACE;
  }
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
