/* SPDX-License-Identifier: MIT */
/* edgetoken call METHOD PATH --url URL --data-partition-id P: one ADME
 * (OSDU) API call with the cached token (core's et_adme_call: one renewal
 * after a 401, retries of 429/5xx), the answer's body on stdout, the HTTP
 * status in the exit code. */
#include <stdlib.h>
#include <string.h>

#include "cli_tokens.h"

#define CALL_BUF_SIZE (64 * 1024)  /* answers: search results can be large */
#define CALL_JSON_TOKENS 1024

static char g_data[CALL_BUF_SIZE];

/* --data: JSON, @file or - (stdin), into g_data; its length or -1. */
static long read_data(const char *arg) {
  FILE *f = NULL;
  size_t n;
  if (arg[0] != '@' && strcmp(arg, "-") != 0) {
    n = strlen(arg);
    if (n >= sizeof g_data)
      return -1;
    memcpy(g_data, arg, n);
    return (long)n;
  }
  f = arg[0] == '@' ? fopen(arg + 1, "rb") : stdin;
  if (f == NULL) {
    fprintf(stderr, "edgetoken: cannot read %s\n", arg + 1);
    return -1;
  }
  n = fread(g_data, 1, sizeof g_data, f);
  if (n == sizeof g_data || ferror(f)) {
    fprintf(stderr, "edgetoken: --data is larger than %u bytes or unreadable\n",
            (unsigned)sizeof g_data - 1);
    n = (size_t)-1;
  }
  if (f != stdin)
    fclose(f);
  return n == (size_t)-1 ? -1 : (long)n;
}

/* 2xx: 0; 400..409: 40..49 by the last digit, other 4xx 49; likewise 5xx. */
static int status_exit(int status) {
  if (status >= 200 && status <= 299)
    return CLI_EXIT_OK;
  if (status >= 400 && status <= 599) {
    int base = status / 100 * 10, d = status % 100;
    return base + (d <= 9 ? d : 9);
  }
  return CLI_EXIT_RESPONSE;
}

int cli_cmd_call(const cli_opts *o) {
  static uint8_t buf[CALL_BUF_SIZE];
  static jsmntok_t tok[CALL_JSON_TOKENS];
  static cli_client c;
  static cli_tokens t;
  et_work w = { buf, sizeof buf, tok, CALL_JSON_TOKENS, NULL };
  et_adme adme;
  et_adme_request rq;
  et_result res;
  et_str body;
  long dlen = 0;
  et_err e;
  int rc;

  if (!o->method || !o->path || !o->url || !o->partition) {
    fputs("edgetoken: call needs METHOD PATH --url URL --data-partition-id P\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (o->path[0] != '/') {
    fputs("edgetoken: the PATH of call starts with '/' (e.g. /api/entitlements/v2/groups)\n",
          stderr);
    return CLI_EXIT_USAGE;
  }
  if (o->data && (dlen = read_data(o->data)) < 0)
    return CLI_EXIT_USAGE;
  rc = cli_tokens_open(&t, &c, o, &w);
  if (rc != CLI_EXIT_OK)
    return rc;
  w.link = &c.link; /* Entra ID and ADME: each connection kept while used */
  memset(&adme, 0, sizeof adme);
  adme.url = et_str_from_cstr(o->url);
  adme.partition = et_str_from_cstr(o->partition);
  adme.timeout_ms = o->timeout_s * 1000u;
  memset(&rq, 0, sizeof rq);
  rq.method = et_str_from_cstr(o->method);
  rq.path = et_str_from_cstr(o->path);
  rq.body = (et_str){ g_data, (size_t)dlen };
  if (o->force_refresh) {
    et_cached got;
    e = cli_tokens_get(&t, true, &got);
    if (e != ET_OK) {
      rc = cli_tokens_report(&t, e);
      goto out;
    }
  }
  /* The token may be renewed inside the call (a 401): the secret is
   * wiped once the call is over. */
  e = et_adme_call(&c.port, &adme, &rq, cli_tokens_source, &t, &w, &body, &res);
  cli_client_forget_secret(&c);
  if (body.n > 0) {
    fwrite(body.p, 1, body.n, stdout);
    if (body.p[body.n - 1] != '\n')
      fputc('\n', stdout);
  }
  if (e == ET_OK) {
    rc = CLI_EXIT_OK;
  } else if (res.http_status >= 400 && (e == ET_E_HTTP_STATUS || e == ET_E_SERVER ||
                                        e == ET_E_THROTTLED)) {
    fprintf(stderr, "edgetoken: %s %s%s: HTTP %d", o->method, o->url, o->path,
            res.http_status);
    if (res.osdu.reason.n) {
      fputs(" ", stderr);
      cli_put_text(stderr, res.osdu.reason);
    }
    if (res.osdu.message.n) {
      fputs(": ", stderr);
      cli_put_text(stderr, res.osdu.message);
    }
    if (res.retry_after_s)
      fprintf(stderr, " (Retry-After %u s)", (unsigned)res.retry_after_s);
    if (res.tries > 1)
      fprintf(stderr, "; gave up after %u attempts", (unsigned)res.tries);
    fputc('\n', stderr);
    rc = status_exit(res.http_status);
  } else if (res.http_status == 0 && t.res.err != ET_OK && e == t.res.err) {
    rc = cli_tokens_report(&t, e); /* the token could not be had */
  } else {
    rc = cli_report_error(e, &res); /* names the URL */
  }
out:
  et_wipe(buf, sizeof buf);
  et_wipe(g_data, sizeof g_data);
  cli_client_close(&c);
  return rc;
}
