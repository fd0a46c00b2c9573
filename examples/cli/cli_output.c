/* SPDX-License-Identifier: MIT */
/* What the CLI prints: the token on stdout, failures in words on stderr. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static char g_trust[1200]; /* what cli_client_open chose */

const char *cli_trust_source(void) { return g_trust; }

void cli_set_trust_source(const char *kind, const char *name, const char *from) {
  snprintf(g_trust, sizeof g_trust, "CA %s %s (%s)", kind, name, from);
}

static void json_string(FILE *f, et_str s) {
  fputc('"', f);
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_str_field(FILE *f, const char *key, et_str v, bool *first) {
  if (v.n == 0)
    return;
  fprintf(f, "%s\n  \"%s\": ", *first ? "" : ",", key);
  json_string(f, v);
  *first = false;
}

static void json_num_field(FILE *f, const char *key, int64_t v, bool *first) {
  if (v == ET_ABSENT)
    return;
  fprintf(f, "%s\n  \"%s\": %" PRId64, *first ? "" : ",", key, v);
  *first = false;
}

/* RFC 6750 2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"=". What goes to stdout, into $(...) and an Authorization header
 * is checked to be that: no control bytes, spaces or quotes. */
static bool b64token(et_str s) {
  size_t i = 0;
  for (; i < s.n; i++) {
    char c = s.p[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
      break;
  }
  if (i == 0)
    return false;
  while (i < s.n && s.p[i] == '=')
    i++;
  return i == s.n;
}

int cli_print_token(const et_token *t, bool json) {
  bool first = true;
  if (!b64token(t->access_token)) {
    fputs("edgetoken: unexpected response: the access token is not an RFC 6750 b64token "
          "(control bytes, spaces or other characters): refused, not printed\n", stderr);
    return CLI_EXIT_RESPONSE;
  }
  if (!json) {
    fwrite(t->access_token.p, 1, t->access_token.n, stdout);
    fputc('\n', stdout);
    return CLI_EXIT_OK;
  }
  fputc('{', stdout);
  json_str_field(stdout, "token_type", t->token_type, &first);
  json_num_field(stdout, "expires_in", t->expires_in, &first);
  json_num_field(stdout, "ext_expires_in", t->ext_expires_in, &first);
  json_num_field(stdout, "expires_on", t->expires_on, &first);
  json_num_field(stdout, "not_before", t->not_before, &first);
  json_num_field(stdout, "refresh_in", t->refresh_in, &first);
  json_str_field(stdout, "resource", t->resource, &first);
  json_str_field(stdout, "scope", t->scope, &first);
  json_str_field(stdout, "access_token", t->access_token, &first);
  json_str_field(stdout, "refresh_token", t->refresh_token, &first);
  json_str_field(stdout, "id_token", t->id_token, &first);
  fputs("\n}\n", stdout);
  return CLI_EXIT_OK;
}

/* Text from the server (or an id_token) as it may reach a terminal:
 * control bytes, which could retitle the window, clear the screen or fake
 * a prompt, become '?'. */
void cli_put_text(FILE *f, et_str s) {
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
  }
}

static void print_span(const char *label, et_str v) {
  if (v.n) {
    fprintf(stderr, "  %s: ", label);
    cli_put_text(stderr, v);
    fputc('\n', stderr);
  }
}

bool cli_has_code(const et_oauth_error *err, uint32_t code) {
  for (size_t i = 0; i < err->n_error_codes; i++)
    if (err->error_codes[i] == code)
      return true;
  return false;
}

/* What to do next for the AADSTS codes people meet most. */
static const struct {
  uint32_t code;
  const char *what_to_do;
} hints[] = {
  { 7000215, "the client secret is wrong: use the secret's value, not its ID" },
  { 7000222, "the client secret has expired: create a new one in the app registration" },
  { 7000218, "no credential was sent: set EDGETOKEN_CLIENT_SECRET or --client-secret-file, "
             "or give --certificate and --private-key" },
  { 700027, "the client assertion's signature was not accepted: upload this certificate's "
            "public key in the app registration (Certificates & secrets), and check that "
            "--private-key belongs to --certificate" },
  { 700024, "the client assertion is expired or not yet valid: check the device clock "
            "(date, NTP)" },
  { 90002, "the tenant does not exist: check --tenant (GUID or domain)" },
  { 700016, "the application is not registered in this tenant: check --client-id and --tenant" },
  { 70011, "the scope is not valid: for client credentials use <client-id>/.default" },
  { 90014, "a required field is missing from the request" },
};

static const char *hint(const et_oauth_error *err) {
  for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
    if (cli_has_code(err, hints[i].code))
      return hints[i].what_to_do;
  return NULL;
}

/* The server's error body: codes, description, ids, what to do. */
static void print_oauth_details(const et_oauth_error *err) {
  const char *h = hint(err);
  if (err->n_error_codes) {
    fputs("  AADSTS codes:", stderr);
    for (size_t i = 0; i < err->n_error_codes; i++)
      fprintf(stderr, " AADSTS%" PRIu32, err->error_codes[i]);
    fputc('\n', stderr);
  }
  if (err->error_description.n) {
    /* Entra puts trace lines after CR LF; print the first line only here,
     * the ids follow on their own lines. */
    size_t n = 0;
    while (n < err->error_description.n && err->error_description.p[n] != '\r' &&
           err->error_description.p[n] != '\n')
      n++;
    print_span("description", (et_str){ err->error_description.p, n });
  }
  print_span("suberror", err->suberror);
  print_span("trace id", err->trace_id);
  print_span("correlation id", err->correlation_id);
  print_span("timestamp", err->timestamp);
  if (h)
    fprintf(stderr, "  what to do: %s\n", h);
}

/* The URL of the request the failure concerns, after prefix; nothing
 * when none is known. */
static void put_url(const char *prefix, const et_result *res) {
  char url[1024];
  et_buf b;
  if (res->url_host.n == 0)
    return;
  et_buf_init(&b, url, sizeof url - 1);
  et_result_url(res, &b);
  if (b.overflow)
    return;
  fputs(prefix, stderr);
  cli_put_text(stderr, (et_str){ url, b.len });
}

static void print_url(const et_result *res) {
  put_url("  URL: ", res);
  if (res->url_host.n != 0)
    fputc('\n', stderr);
}

/* Transient failures through every attempt the retry policy allowed (a
 * request that may not be sent twice has one): the server's 5xx, or a
 * connection lost, timed out or cut more than once. An unknown host or a
 * refused connection is not retried and stays a network failure; TLS
 * failures keep their own code. */
static bool gave_up(et_err e, const et_result *res) {
  return e == ET_E_SERVER || (et_err_is_transient(e) && e != ET_E_THROTTLED && e != ET_E_TLS &&
                              res->tries > 1);
}

/* "gave up after 3 attempts; last: HTTP 503 from https://.../token" */
static int report_gave_up(et_err e, const et_result *res) {
  uint32_t n = res->tries ? res->tries : 1;
  fprintf(stderr, "edgetoken: gave up after %" PRIu32 " attempt%s; last: ", n, n == 1 ? "" : "s");
  if (e == ET_E_SERVER && res->http_status)
    fprintf(stderr, "HTTP %d", res->http_status);
  else
    fputs(et_strerror(e), stderr);
  if (res->port_detail && res->port_detail[0])
    fprintf(stderr, " (%s)", res->port_detail);
  put_url(" from ", res);
  fputc('\n', stderr);
  if (n == 1)
    fputs("  not retried: this request may not be sent twice\n", stderr);
  if (res->oauth.error.n) {
    print_span("error", res->oauth.error);
    print_oauth_details(&res->oauth);
  }
  return CLI_EXIT_GAVE_UP;
}

int cli_report_error(et_err e, const et_result *res) {
  static const et_result none;
  const et_oauth_error *err;
  if (res == NULL)
    res = &none;
  err = &res->oauth;
  if (e == ET_E_OAUTH) {
    /* No status: the error came in a redirect, not an HTTP answer. */
    fputs("edgetoken: the server refused the request: ", stderr); /* Entra or another provider */
    cli_put_text(stderr, err->error);
    if (res->http_status)
      fprintf(stderr, " (HTTP %d)", res->http_status);
    fputc('\n', stderr);
    print_url(res);
    print_oauth_details(err);
    return CLI_EXIT_OAUTH;
  }
  if (e == ET_E_CANCELLED) {
    fputs("edgetoken: cancelled\n", stderr);
    return CLI_EXIT_CANCELLED;
  }
  if (gave_up(e, res))
    return report_gave_up(e, res);
  fprintf(stderr, "edgetoken: %s", et_strerror(e));
  if (res->port_detail && res->port_detail[0])
    fprintf(stderr, ": %s", res->port_detail);
  else if (res->why)
    fprintf(stderr, ": %s", res->why);
  fputc('\n', stderr);
  print_url(res);
  switch (e) {
  case ET_E_THROTTLED:
    if (res->retry_after_s)
      fprintf(stderr, "  retry after %" PRIu32 " s%s\n", res->retry_after_s,
              res->http_status ? "" : " (remembered: nothing was sent)");
    return CLI_EXIT_THROTTLED;
  case ET_E_HTTP_STATUS:
    fprintf(stderr, "  HTTP status %d\n", res->http_status);
    return CLI_EXIT_RESPONSE;
  case ET_E_RESPONSE_TOO_LARGE:
    fprintf(stderr, "  the workspace holds %d bytes; a larger response needs a bigger buffer\n",
            CLI_WORK_BUF_SIZE);
    return CLI_EXIT_RESPONSE;
  case ET_E_TLS_VERIFY:
    if (cli_trust_source()[0])
      fprintf(stderr, "  trusted: %s\n", cli_trust_source());
    return CLI_EXIT_TLS;
  case ET_E_TLS: case ET_E_TLS_CONFIG:
    return CLI_EXIT_TLS;
  case ET_E_HTTP_SYNTAX: case ET_E_HTTP_TOO_LARGE: case ET_E_HTTP_UNSUPPORTED:
  case ET_E_JSON_SYNTAX: case ET_E_JSON_TOKENS: case ET_E_JSON_FIELD:
    return CLI_EXIT_RESPONSE;
  case ET_E_ARG: case ET_E_URL: case ET_E_INPUT:
    return CLI_EXIT_USAGE;
  case ET_E_PROXY_AUTH:
    fputs("  what to do: give the proxy's user and password in https_proxy\n"
          "  (http://user:password@host:port) or in --proxy-credentials-file (user:password)\n",
          stderr);
    return CLI_EXIT_PROXY;
  case ET_E_PROXY_REFUSED:
    return CLI_EXIT_PROXY;
  case ET_E_PROXY_PROTOCOL:
    return CLI_EXIT_RESPONSE;
  default:
    /* What is left of the transient failures is the network's. */
    return et_err_is_transient(e) ? CLI_EXIT_NETWORK : CLI_EXIT_INTERNAL;
  }
}

int cli_report_port_error(et_err e, const et_posix *px) {
  et_result res;
  memset(&res, 0, sizeof res);
  res.err = e;
  res.port_detail = et_posix_detail(px);
  return cli_report_error(e, &res);
}
