/* SPDX-License-Identifier: MIT */
/* Firmware-style ADME client: keeps an access token in core's cache
 * (et_cache, one static slot) and posts a search query to ADME in a loop,
 * with every buffer static and one kept connection (et_link). The token is
 * requested once and then served from the cache until refresh-ahead says
 * otherwise; a 401 renews it once (et_adme_call); 429/5xx are retried by
 * the engine's policy. On a device the POSIX port below is the device's
 * port (lwIP or a modem transport under port/mbedtls); the loop is the
 * same.
 *
 *   EDGETOKEN_CLIENT_SECRET=... adme_loop --authority URL --tenant T
 *     --client-id C --scope S --url https://<instance>.energy.azure.com
 *     --data-partition-id P [--ca-file F] [--count N] [--period-ms MS]
 *
 * One line per call ("call 3: HTTP 200, 118 bytes, token cached"), then a
 * summary of token requests and connections. Exit 0 when every call got
 * a 2xx, 1 usage, 2 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"

/* Static, sized as a device would size them. */
static uint8_t g_work[16 * 1024];
static jsmntok_t g_tok[128];
static uint8_t g_token_mem[8 * 1024];
static et_cache_slot g_slot;
static et_cache g_cache;
static et_link g_link;
static et_posix g_px;
static et_port g_port;

static const char g_query[] = "{\"kind\":\"osdu:wks:dataset--File.Generic:1.0.0\",\"limit\":10}";

static const char *arg(int argc, char **argv, const char *name, const char *def) {
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], name))
      return argv[i + 1];
  return def;
}

int main(int argc, char **argv) {
  const char *authority = arg(argc, argv, "--authority", NULL);
  const char *tenant = arg(argc, argv, "--tenant", NULL);
  const char *client = arg(argc, argv, "--client-id", NULL);
  const char *scope = arg(argc, argv, "--scope", NULL);
  const char *url = arg(argc, argv, "--url", NULL);
  const char *part = arg(argc, argv, "--data-partition-id", NULL);
  const char *secret = getenv("EDGETOKEN_CLIENT_SECRET");
  long count = atol(arg(argc, argv, "--count", "5"));
  long period = atol(arg(argc, argv, "--period-ms", "200"));
  et_posix_config pc;
  et_app app;
  et_work w = { g_work, sizeof g_work, g_tok, sizeof g_tok / sizeof g_tok[0], &g_link };
  et_cache_cc src;
  et_adme adme;
  et_adme_request rq;
  uint8_t seed[16];
  long ok = 0, fetched = 0;
  uint64_t last_issue = 0;

  if (!authority || !tenant || !client || !scope || !url || !part || !secret || count <= 0 ||
      period < 0) {
    fputs("usage: EDGETOKEN_CLIENT_SECRET=... adme_loop --authority URL --tenant T "
          "--client-id C --scope S --url URL --data-partition-id P [--ca-file F] "
          "[--count N] [--period-ms MS]\n", stderr);
    return 1;
  }
  memset(&pc, 0, sizeof pc);
  pc.ca_file = arg(argc, argv, "--ca-file", NULL);
  pc.log_level = ET_LOG_WARN;
  if (et_posix_init(&g_px, &pc, &g_port) != ET_OK) {
    fprintf(stderr, "adme_loop: port: %s\n", et_posix_detail(&g_px));
    return 2;
  }
  memset(&app, 0, sizeof app);
  app.authority = et_str_from_cstr(authority);
  app.tenant = et_str_from_cstr(tenant);
  app.client_id = et_str_from_cstr(client);
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = et_str_from_cstr(secret);

  g_slot.buf = g_token_mem;
  g_slot.cap = sizeof g_token_mem;
  if (g_port.random(g_port.ctx, seed, sizeof seed) != ET_OK ||
      et_cache_init(&g_cache, &g_slot, 1, NULL, seed) != ET_OK) {
    fputs("adme_loop: no random numbers\n", stderr);
    et_posix_free(&g_px);
    return 2;
  }
  src.cache = &g_cache;
  src.port = &g_port;
  src.app = &app;
  src.ep = ET_ENDPOINT_V2;
  src.target = et_str_from_cstr(scope);
  src.w = &w;
  adme.url = et_str_from_cstr(url);
  adme.partition = et_str_from_cstr(part);
  adme.timeout_ms = 10000;
  rq.method = ET_STR("POST");
  rq.path = ET_STR("/api/search/v2/query");
  rq.body = (et_str){ g_query, sizeof g_query - 1 };
  rq.once = false; /* a query changes nothing: safe to resend */

  for (long i = 1; i <= count; i++) {
    et_result res;
    et_str body;
    et_err e = et_adme_call(&g_port, &adme, &rq, et_cache_cc_token, &src, &w, &body, &res);
    bool fresh = g_slot.used && g_slot.issued_ms != last_issue;
    if (fresh) {
      fetched++;
      last_issue = g_slot.issued_ms;
    }
    if (e == ET_OK) {
      ok++;
      printf("call %ld: HTTP %d, %zu bytes, token %s\n", i, res.http_status, body.n,
             fresh ? "fetched" : "cached");
    } else {
      printf("call %ld: failed: %s, HTTP %d", i, et_strerror(e), res.http_status);
      if (res.osdu.reason.n)
        printf(" %.*s", (int)res.osdu.reason.n, res.osdu.reason.p);
      if (res.retry_after_s)
        printf(", retry after %u s", (unsigned)res.retry_after_s);
      putchar('\n');
    }
    fflush(stdout);
    et_wipe(g_work, sizeof g_work);
    if (i < count && period > 0)
      g_port.sleep_ms(g_port.ctx, (uint32_t)period);
  }
  printf("calls ok %ld/%ld, tokens fetched %ld, connections opened %u, reused %u\n", ok, count,
         fetched, (unsigned)g_link.opened, (unsigned)g_link.reused);
  et_link_close(&g_port, &g_link);
  et_cache_clear(&g_cache);
  et_posix_free(&g_px);
  return ok == count ? 0 : 2;
}
