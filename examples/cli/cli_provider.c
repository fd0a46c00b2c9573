/* SPDX-License-Identifier: MIT */
/* Any OAuth 2.0 / OpenID Connect provider: --issuer (discovery, cached),
 * --token-endpoint/--authorize-endpoint/--device-endpoint, --client-auth
 * and --assertion-aud. Entra's layout under --tenant stays the default. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#include <mbedtls/version.h>

/* A cached discovery document is used for this long, then fetched again. */
#define CLI_DISCOVERY_MAX_AGE_S (24 * 3600)
#define CLI_DISCOVERY_TOKENS 1024

bool cli_has_provider(const cli_opts *o) {
  return o->issuer != NULL || o->token_endpoint != NULL;
}

bool cli_es256_allowed(const cli_opts *o) {
  return o->issuer != NULL; /* and its document must list ES256: checked below */
}

static const char *provider_name(const cli_opts *o) {
  return o->issuer ? o->issuer : o->token_endpoint;
}

/* "<dir>/oidc-<hash>.json" for the issuer; false when there is no store
 * directory or hashing fails. */
static bool cache_path(cli_client *c, const cli_opts *o, char *path, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  char dirbuf[512], h[2 * CLI_KEY_HASH_BYTES + 1];
  uint8_t d[32];
  const char *dir = cli_store_dir(o, dirbuf, sizeof dirbuf);
  int n;
  if (dir == NULL || c->port.sha256 == NULL ||
      c->port.sha256(c->port.ctx, (const uint8_t *)o->issuer, strlen(o->issuer), d) != ET_OK)
    return false;
  for (size_t i = 0; i < CLI_KEY_HASH_BYTES; i++) {
    h[2 * i] = hex[d[i] >> 4];
    h[2 * i + 1] = hex[d[i] & 15];
  }
  h[2 * CLI_KEY_HASH_BYTES] = '\0';
  n = snprintf(path, cap, "%s/oidc-%s.json", dir, h);
  return n > 0 && (size_t)n < cap;
}

static bool decode_doc(cli_client *c, const cli_opts *o, size_t len, const char **why) {
  static jsmntok_t tok[CLI_DISCOVERY_TOKENS];
  return et_discovery_decode(c->doc, len, tok, CLI_DISCOVERY_TOKENS, et_str_from_cstr(o->issuer),
                             &c->provider, why) == ET_OK;
}

/* The cached document, when fresh and still for this issuer. */
static bool load_cache(cli_client *c, const cli_opts *o, const char *path) {
  struct stat st;
  ssize_t n;
  const char *why;
  int fd = open(path, O_RDONLY | O_NOFOLLOW);
  if (fd < 0)
    return false;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
      (size_t)st.st_size >= sizeof c->doc || time(NULL) - st.st_mtime > CLI_DISCOVERY_MAX_AGE_S ||
      time(NULL) < st.st_mtime) {
    close(fd);
    return false;
  }
  n = read(fd, c->doc, (size_t)st.st_size);
  close(fd);
  if (n != st.st_size)
    return false;
  if (!decode_doc(c, o, (size_t)n, &why)) {
    if (o->verbose)
      fprintf(stderr, "edgetoken: cached discovery document %s not used: %s\n", path,
              why ? why : "unreadable");
    memset(&c->provider, 0, sizeof c->provider);
    return false;
  }
  return true;
}

/* Write temp, fsync, rename: a reader sees the old document or the new. */
static void save_cache(const char *path, const char *doc, size_t len) {
  char tmp[600], dir[600];
  char *slash;
  int fd;
  if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp ||
      snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
    return;
  slash = strrchr(dir, '/');
  if (slash != NULL) {
    *slash = '\0';
    (void)mkdir(dir, 0700); /* the store's directory, as the port makes it */
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd < 0)
    return;
  if (write(fd, doc, len) != (ssize_t)len || fsync(fd) != 0) {
    close(fd);
    unlink(tmp);
    return;
  }
  close(fd);
  if (rename(tmp, path) != 0)
    unlink(tmp);
}

static int discover(cli_client *c, const cli_opts *o) {
  static uint8_t buf[sizeof c->doc + 1024];
  static jsmntok_t tok[CLI_DISCOVERY_TOKENS];
  et_work w = { buf, sizeof buf, tok, CLI_DISCOVERY_TOKENS, &c->link };
  char path[600];
  bool cache = cache_path(c, o, path, sizeof path);
  et_provider p;
  et_result res;
  size_t raw_len = 0;
  const char *why = NULL;
  et_err e;

  if (cache && load_cache(c, o, path)) {
    if (o->verbose)
      fprintf(stderr, "edgetoken: discovery document of %s from %s\n", o->issuer, path);
    return CLI_EXIT_OK;
  }
  e = et_discover(&c->port, et_str_from_cstr(o->issuer), o->timeout_s * 1000u, &w, &p, c->doc,
                  sizeof c->doc - 1, &raw_len, &res);
  if (e != ET_OK) {
    int rc;
    fputs("edgetoken: OpenID Connect discovery failed\n", stderr);
    rc = cli_report_error(e, &res); /* res.oauth points into buf */
    et_wipe(buf, sizeof buf);
    return rc;
  }
  et_wipe(buf, sizeof buf);
  if (raw_len == 0) {
    fprintf(stderr, "edgetoken: the discovery document of %s does not fit (%zu bytes)\n",
            o->issuer, sizeof c->doc - 1);
    return CLI_EXIT_RESPONSE;
  }
  /* As it came (et_discover decoded a copy of it): decoding unescapes in
   * place. */
  if (cache)
    save_cache(path, c->doc, raw_len);
  if (!decode_doc(c, o, raw_len, &why)) {
    fprintf(stderr, "edgetoken: the discovery document of %s: %s\n", o->issuer,
            why ? why : "unreadable");
    return CLI_EXIT_RESPONSE;
  }
  return CLI_EXIT_OK;
}

static int refuse(const cli_opts *o, const char *what, const char *member) {
  fprintf(stderr, "edgetoken: %s does not support %s", provider_name(o), what);
  if (member)
    fprintf(stderr, " (its discovery document's %s does not list it)", member);
  fputc('\n', stderr);
  return CLI_EXIT_USAGE;
}

/* An IP-address host: mbedTLS 2.28 cannot match it against a certificate
 * (it verifies DNS names only; 3.x checks IPAddress SANs). */
static bool ip_host(const char *url) {
  const char *h = strstr(url, "://");
  bool digits_dots = true;
  if (h == NULL)
    return false;
  h += 3;
  if (*h == '[')
    return true;
  for (; *h && *h != '/' && *h != ':'; h++)
    digits_dots &= (*h >= '0' && *h <= '9') || *h == '.';
  return digits_dots;
}

static int check_ip_hosts(const cli_opts *o) {
#if MBEDTLS_VERSION_MAJOR < 3
  const char *urls[] = { o->issuer, o->token_endpoint, o->authorize_endpoint,
                         o->device_endpoint, o->authority };
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
    if (urls[i] && ip_host(urls[i])) {
      fprintf(stderr, "edgetoken: %s: this build's mbedTLS (" MBEDTLS_VERSION_STRING ") cannot "
              "verify a certificate for an IP address; use the server's DNS name (e.g. "
              "https://localhost:PORT) with a certificate for that name, or a build with "
              "mbedTLS 3.6\n", urls[i]);
      return CLI_EXIT_USAGE;
    }
  }
#else
  (void)o;
  (void)ip_host;
#endif
  return CLI_EXIT_OK;
}

static bool is(const char *a, const char *b) { return a && !strcmp(a, b); }

/* The grant this command uses, and PKCE for the browser flows. */
static int check_grants(const cli_opts *o, const et_provider *p) {
  const char *cmd = o->command;
  if (is(cmd, "token") && !et_provider_allows(p->grant_types, ET_GRANT_CC))
    return refuse(o, "the client_credentials grant", "grant_types_supported");
  if ((is(cmd, "login") || is(cmd, "authorize-url") || is(cmd, "redeem")) &&
      !et_provider_allows(p->grant_types, ET_GRANT_CODE))
    return refuse(o, "the authorization_code grant", "grant_types_supported");
  if ((is(cmd, "login") || is(cmd, "authorize-url")) &&
      !et_provider_allows(p->pkce_methods, ET_PKCEM_S256))
    return refuse(o, "PKCE with S256, which edgetoken always sends",
                  "code_challenge_methods_supported");
  if (is(cmd, "refresh") && !et_provider_allows(p->grant_types, ET_GRANT_REFRESH))
    return refuse(o, "the refresh_token grant", "grant_types_supported");
  if (is(cmd, "device-login") && !et_provider_allows(p->grant_types, ET_GRANT_DEVICE))
    return refuse(o, "the device code grant (RFC 8628)", "grant_types_supported");
  return CLI_EXIT_OK;
}

/* --client-auth, or the first method the provider lists for this kind
 * of credential: post, then basic, for a secret; jwt for a certificate. */
static int pick_auth(cli_client *c, const cli_opts *o, uint16_t methods) {
  et_cred_kind kind = c->app.cred.kind;
  const char *want = o->client_auth;
  if (want && !is(want, "post") && !is(want, "basic") && !is(want, "jwt")) {
    fprintf(stderr, "edgetoken: --client-auth must be post, basic or jwt, not '%s'\n", want);
    return CLI_EXIT_USAGE;
  }
  if (is(want, "jwt") && kind != ET_CRED_CERTIFICATE) {
    fputs("edgetoken: --client-auth jwt needs --certificate and --private-key\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if ((is(want, "post") || is(want, "basic")) && kind == ET_CRED_CERTIFICATE) {
    fprintf(stderr, "edgetoken: --client-auth %s sends a client secret; with --certificate it is "
            "jwt\n", want);
    return CLI_EXIT_USAGE;
  }
  if (kind == ET_CRED_CERTIFICATE) {
    if (!et_provider_allows(methods, ET_AUTHM_JWT))
      return refuse(o, "private_key_jwt client authentication",
                    "token_endpoint_auth_methods_supported");
    return CLI_EXIT_OK;
  }
  if (kind != ET_CRED_SECRET)
    return CLI_EXIT_OK; /* a public client */
  if (want == NULL)
    want = et_provider_allows(methods, ET_AUTHM_POST)    ? "post"
           : et_provider_allows(methods, ET_AUTHM_BASIC) ? "basic"
                                                         : NULL;
  if (want == NULL)
    return refuse(o, "client secrets (client_secret_post or client_secret_basic)",
                  "token_endpoint_auth_methods_supported");
  if (is(want, "basic")) {
    if (!et_provider_allows(methods, ET_AUTHM_BASIC))
      return refuse(o, "client_secret_basic", "token_endpoint_auth_methods_supported");
    c->app.client_auth = ET_AUTH_BASIC;
  } else if (!et_provider_allows(methods, ET_AUTHM_POST)) {
    return refuse(o, "client_secret_post", "token_endpoint_auth_methods_supported");
  }
  return CLI_EXIT_OK;
}

/* The assertion's algorithm against the provider's list: ES256 only where
 * listed; PS256 (the default for RSA) falls back to RS256 when only that
 * is listed. */
static int check_alg(cli_client *c, const cli_opts *o, uint16_t algs) {
  et_cred *cred = &c->app.cred;
  if (cred->kind != ET_CRED_CERTIFICATE)
    return CLI_EXIT_OK;
  if (cred->alg == ET_SIG_ES256 && !(algs & ET_META_LISTED && algs & ET_ALG_ES256))
    return refuse(o, "ES256 client assertions",
                  "token_endpoint_auth_signing_alg_values_supported");
  if (cred->alg == ET_SIG_PS256 && !et_provider_allows(algs, ET_ALG_PS256)) {
    if (o->assertion_alg || !(algs & ET_ALG_RS256))
      return refuse(o, "PS256 client assertions",
                    "token_endpoint_auth_signing_alg_values_supported");
    cred->alg = ET_SIG_RS256;
  }
  if (cred->alg == ET_SIG_RS256 && !et_provider_allows(algs, ET_ALG_RS256))
    return refuse(o, "RS256 client assertions", "token_endpoint_auth_signing_alg_values_supported");
  return CLI_EXIT_OK;
}

int cli_provider_apply(cli_client *c, const cli_opts *o) {
  et_provider *p = &c->provider;
  int rc = check_ip_hosts(o);
  if (rc != CLI_EXIT_OK)
    return rc;
  memset(p, 0, sizeof *p);
  if (o->assertion_aud && !is(o->assertion_aud, "token") && !is(o->assertion_aud, "issuer")) {
    fprintf(stderr, "edgetoken: --assertion-aud must be token or issuer, not '%s'\n",
            o->assertion_aud);
    return CLI_EXIT_USAGE;
  }
  if (is(o->assertion_aud, "issuer") && !o->issuer) {
    fputs("edgetoken: --assertion-aud issuer needs --issuer\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (o->issuer) {
    rc = discover(c, o);
    if (rc != CLI_EXIT_OK)
      return rc;
    c->app.token_endpoint = p->token_endpoint;
    c->app.authorize_endpoint = p->authorization_endpoint;
    c->app.device_endpoint = p->device_authorization_endpoint;
  }
  if (o->token_endpoint)
    c->app.token_endpoint = et_str_from_cstr(o->token_endpoint);
  if (o->authorize_endpoint)
    c->app.authorize_endpoint = et_str_from_cstr(o->authorize_endpoint);
  if (o->device_endpoint)
    c->app.device_endpoint = et_str_from_cstr(o->device_endpoint);
  if (!cli_has_provider(o) && (o->authorize_endpoint || o->device_endpoint)) {
    fputs("edgetoken: --authorize-endpoint and --device-endpoint go with --issuer or "
          "--token-endpoint\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_has_provider(o)) {
    if ((is(o->command, "login") || is(o->command, "authorize-url")) &&
        c->app.authorize_endpoint.n == 0) {
      fputs("edgetoken: this provider needs --authorize-endpoint (or --issuer)\n", stderr);
      return CLI_EXIT_USAGE;
    }
    if (is(o->command, "device-login") && c->app.device_endpoint.n == 0)
      return refuse(o, "the device code flow: it has no device_authorization_endpoint "
                       "(give --device-endpoint if it does)", NULL);
  }
  if (is(o->assertion_aud, "issuer"))
    c->app.assertion_aud = et_str_from_cstr(o->issuer);
  rc = check_grants(o, p);
  if (rc == CLI_EXIT_OK)
    rc = pick_auth(c, o, p->auth_methods);
  if (rc == CLI_EXIT_OK)
    rc = check_alg(c, o, p->auth_algs);
  return rc;
}
