/* The store directory and its keys, shared by login, authorize-url, redeem,
 * refresh and device-login. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

et_err cli_save_refresh(cli_client *c, const cli_opts *o, const char *key, et_str rt) {
  int fd;
  et_err e;
  (void)o; /* --timeout: counted in c since cli_client_open/cli_time_restart */
  e = et_posix_store_lock(&c->px, key, CLI_LOCK_MS(c), &fd);
  if (e != ET_OK)
    return e;
  e = et_refresh_token_save(&c->port, key, rt);
  et_posix_store_unlock(fd);
  return e;
}
