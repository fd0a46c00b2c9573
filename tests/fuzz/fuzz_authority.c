/* SPDX-License-Identifier: MIT */
/* libFuzzer: authority URLs and tenant names (core/src/authority.c), what
 * --authority, --tenant, --token-endpoint and discovered endpoints go
 * through. Input: URL NUL tenant. Invariants: a parsed authority's host
 * and prefix are spans of the URL made of host (or IPv6) and path
 * characters, the port is 1..65535, the prefix is "" or "/..." without a
 * trailing or doubled '/'; written back as https://host[:port]prefix it
 * parses to the same; a tenant passes only as 1..128 bytes of
 * [A-Za-z0-9._-] not starting with '.'; et_authorize_url (the writer that
 * uses both) succeeds exactly when both pass, and its URL starts with the
 * written-back authority, then "/<tenant>/oauth2/v2.0/authorize?". */
#include <stdio.h>

#include "edgetoken/et_signin.h"
#include "edgetoken/et_url.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool in_set(char c, const char *extra) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr(extra, c) != NULL);
}

/* "https://host[:port]prefix" into out; its length. */
static size_t write_back(const et_authority *a, char *out, size_t cap) {
  bool v6 = memchr(a->host.p, ':', a->host.n) != NULL;
  int n = snprintf(out, cap, "https://%s%.*s%s", v6 ? "[" : "", (int)a->host.n, a->host.p,
                   v6 ? "]" : "");
  CHECK(n > 0 && (size_t)n < cap);
  if (a->port != 443)
    n += snprintf(out + n, cap - (size_t)n, ":%u", (unsigned)a->port);
  n += snprintf(out + n, cap - (size_t)n, "%.*s", (int)a->prefix.n, a->prefix.p);
  CHECK((size_t)n < cap);
  return (size_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char back[4096], url_out[8192];
  char *buf = fuzz_copy(data, size);
  const char *nul = memchr(buf, '\0', size);
  et_str url = { buf, nul ? (size_t)(nul - buf) : size };
  et_str tenant = nul ? (et_str){ nul + 1, size - url.n - 1 } : ET_STR("common");
  et_authority a, a2;
  et_err ea = et_authority_parse(url, &a), et = et_tenant_check(tenant);
  size_t blen = 0;

  CHECK(ea == ET_OK || ea == ET_E_URL);
  if (ea == ET_OK) {
    if (url.n > 0) {
      check_span(url.p, url.n, a.host);
      CHECK(a.prefix.p != NULL && a.prefix.p >= url.p && a.prefix.p + a.prefix.n <= url.p + url.n);
    } else { /* the default, from core's own constant */
      CHECK(et_str_eq(a.host, ET_STR("login.microsoftonline.com")) && a.prefix.n == 0 &&
            a.port == 443);
    }
    CHECK(a.host.n >= 1 && a.host.n <= 253 && a.port >= 1);
    bool v6 = memchr(a.host.p, ':', a.host.n) != NULL;
    for (size_t i = 0; i < a.host.n; i++)
      CHECK(v6 ? strchr("0123456789ABCDEFabcdef:.", a.host.p[i]) != NULL
               : in_set(a.host.p[i], "-."));
    CHECK(a.prefix.n == 0 || (a.prefix.p[0] == '/' && a.prefix.p[a.prefix.n - 1] != '/'));
    for (size_t i = 0; i < a.prefix.n; i++) {
      CHECK(in_set(a.prefix.p[i], "-._~/"));
      CHECK(i == 0 || a.prefix.p[i] != '/' || a.prefix.p[i - 1] != '/');
    }
    blen = write_back(&a, back, sizeof back);
    CHECK(et_authority_parse((et_str){ back, blen }, &a2) == ET_OK);
    CHECK(et_str_eq(a.host, a2.host) && a.port == a2.port && et_str_eq(a.prefix, a2.prefix));
  }

  CHECK(et == ET_OK || et == ET_E_ARG);
  if (et == ET_OK) {
    CHECK(tenant.n >= 1 && tenant.n <= 128 && tenant.p[0] != '.');
    for (size_t i = 0; i < tenant.n; i++)
      CHECK(in_set(tenant.p[i], "-._"));
  }

  /* The writer: Entra's layout from both. */
  {
    et_app app = { 0 };
    et_authorize_params p = { 0 };
    et_buf b;
    et_err ew;
    char head[512];
    app.authority = url;
    app.tenant = tenant;
    app.client_id = ET_STR("client");
    p.redirect_uri = ET_STR("http://localhost:8080");
    p.scope = ET_STR("openid");
    p.state = ET_STR("state");
    et_buf_init(&b, url_out, sizeof url_out);
    ew = et_authorize_url(&app, &p, &b);
    CHECK((ew == ET_OK) == (ea == ET_OK && et == ET_OK));
    if (ew == ET_OK) {
      int hn = snprintf(head, sizeof head, "/%.*s/oauth2/v2.0/authorize?", (int)tenant.n,
                        tenant.p);
      CHECK(hn > 0 && (size_t)hn < sizeof head);
      CHECK(b.len > blen + (size_t)hn && memcmp(url_out, back, blen) == 0 &&
            memcmp(url_out + blen, head, (size_t)hn) == 0);
    }
  }
  free(buf);
  return 0;
}
