/* SPDX-License-Identifier: MIT */
/* Which HTTP proxy this run goes through, as curl picks it: the options,
 * then https_proxy / HTTPS_PROXY and no_proxy / NO_PROXY. Credentials come
 * from a file or the environment's URL, never from argv (other users can
 * read a process's arguments). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Lowercase first, as curl reads them; an empty value counts as unset. */
static const char *env_pair(const char *lower, const char *upper, const char **name) {
  const char *v = getenv(lower);
  *name = lower;
  if (v == NULL || v[0] == '\0') {
    v = getenv(upper);
    *name = upper;
  }
  return v != NULL && v[0] != '\0' ? v : NULL;
}

static bool copy_cstr(char *dst, size_t cap, et_str s) {
  if (s.n >= cap)
    return false;
  memcpy(dst, s.p, s.n);
  dst[s.n] = '\0';
  return true;
}

/* "http://host:port" (IPv6 bracketed), for the environment. */
static void show(char *out, size_t cap, et_str host, uint16_t port) {
  bool v6 = memchr(host.p, ':', host.n) != NULL;
  snprintf(out, cap, "http://%s%.*s%s:%u", v6 ? "[" : "", (int)host.n, host.p, v6 ? "]" : "",
           (unsigned)port);
}

static bool decode(const char *what, et_str s, char *out, size_t cap, size_t *n) {
  et_err e = et_proxy_pct_decode(s, out, cap, n);
  if (e != ET_OK)
    fprintf(stderr, "edgetoken: the proxy %s in the environment's URL is %s\n", what,
            e == ET_E_NOSPACE ? "too long" : "not validly percent-encoded");
  return e == ET_OK;
}

/* user:password from the first line of the file. */
static bool read_credentials(cli_proxy *p, const char *path) {
  char line[sizeof p->user + sizeof p->pass];
  /* A regular file (cli_client.c checks) or "-", stdin. */
  long n = cli_read_file_secret(path, line, sizeof line);
  if (n < 0)
    return false;
  char *colon = memchr(line, ':', (size_t)n);
  size_t un = colon ? (size_t)(colon - line) : 0, pn = colon ? (size_t)n - un - 1 : 0;
  bool ok = colon != NULL && un > 0 && un < sizeof p->user && pn < sizeof p->pass;
  if (ok) {
    memcpy(p->user, line, un);
    memcpy(p->pass, colon + 1, pn);
    p->cfg.user = (et_str){ p->user, un };
    p->cfg.pass = (et_str){ p->pass, pn };
  } else {
    fprintf(stderr, "edgetoken: --proxy-credentials-file %s: the first line must be "
            "user:password (user not empty, each under %zu bytes)\n", path, sizeof p->user);
  }
  et_wipe(line, sizeof line);
  return ok;
}

/* A proxy variable holding a password: /proc/PID/environ shows the
 * original string, and every child inherits it. Wipe it there and set the
 * variable again without the credentials: children (a browser) still get
 * the proxy. Both spellings, whichever was used. */
static void env_without_credentials(const char *name) {
  char *v = getenv(name);
  char shown[ET_PORT_HOST_MAX + 16];
  et_proxy_url u;
  if (v == NULL || et_proxy_url_parse(et_str_from_cstr(v), &u) != ET_OK || !u.has_userinfo)
    return;
  show(shown, sizeof shown, u.host, u.port);
  et_wipe(v, strlen(v));
  setenv(name, shown, 1);
}

static int fail(cli_proxy *p) {
  et_wipe(p, sizeof *p);
  return CLI_EXIT_USAGE;
}

static int pick(cli_proxy *p, const cli_opts *o) {
  const char *name = "--proxy", *no_name = NULL;
  const char *url = o->proxy;
  et_proxy_url u;
  size_t n = 0;
  memset(p, 0, sizeof *p);
  if (o->no_proxy && o->proxy) {
    fputs("edgetoken: give --proxy or --no-proxy, not both\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (o->no_proxy)
    return CLI_EXIT_OK;
  if (url == NULL)
    url = env_pair("https_proxy", "HTTPS_PROXY", &name);
  if (url == NULL) {
    if (o->proxy_credentials_file)
      fputs("edgetoken: --proxy-credentials-file needs a proxy (--proxy or https_proxy)\n",
            stderr);
    return o->proxy_credentials_file ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  if (et_proxy_url_parse(et_str_from_cstr(url), &u) != ET_OK ||
      !copy_cstr(p->host, sizeof p->host, u.host)) {
    /* The value may hold a password: name the variable, not its value. */
    fprintf(stderr, "edgetoken: %s is not an http:// proxy URL "
            "(http://[user:password@]host[:port]; https:// and socks proxies are not spoken)\n",
            name);
    return fail(p);
  }
  if (u.has_userinfo && url == o->proxy) {
    fputs("edgetoken: --proxy takes no credentials: arguments are visible to other users\n"
          "(ps). Use --proxy-credentials-file (user:password) or https_proxy.\n", stderr);
    return fail(p);
  }
  p->cfg.host = p->host;
  p->cfg.port = u.port;
  if (o->proxy_credentials_file) {
    if (!read_credentials(p, o->proxy_credentials_file))
      return fail(p);
  } else if (u.user.n > 0) {
    if (!decode("user", u.user, p->user, sizeof p->user, &n))
      return fail(p);
    p->cfg.user = (et_str){ p->user, n };
    if (!decode("password", u.pass, p->pass, sizeof p->pass, &n))
      return fail(p);
    p->cfg.pass = (et_str){ p->pass, n };
  }
  p->cfg.no_proxy = env_pair("no_proxy", "NO_PROXY", &no_name);
  return CLI_EXIT_OK;
}

int cli_proxy_setup(cli_proxy *p, const cli_opts *o) {
  int rc = pick(p, o); /* the credentials decoded out of the URL first */
  env_without_credentials("https_proxy");
  env_without_credentials("HTTPS_PROXY");
  return rc;
}
