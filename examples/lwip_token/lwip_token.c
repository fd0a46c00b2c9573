/* SPDX-License-Identifier: MIT */
/* One client-credentials token over lwIP's own TCP/IP stack on Linux:
 * liblwip0's unix port with a tap interface (tapif), the lwIP port, mbedTLS
 * and core. The program plays the integrator: it brings up lwIP, gives the
 * port its CA in memory, a resolve hook for names without DNS, and fills
 * the hooks an RTOS would (random, unix_s). tests/integration/test_lwip.py
 * runs it in a network namespace against the Entra ID emulator.
 *
 *   EDGETOKEN_CLIENT_SECRET=... lwip_token --tap ettap0 --ip 10.77.0.2
 *     --gw 10.77.0.1 --map localhost=10.77.0.1 --authority https://localhost:8443
 *     --tenant T --client-id ID --ca-file ca.pem [--scope S] [--timeout-ms N]
 *     [--proxy http://HOST:PORT] [--verbose]
 * The tap interface must exist (the kernel side configured); lwIP takes the
 * --ip address on it. Prints the access token; exit 0, 1 usage, 2 failure,
 * 3 an OAuth error from the server. */
#include "edgetoken/edgetoken.h"
#include "edgetoken/et_lwip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#define MAX_MAPS 4

typedef struct host_map {
  const char *name;
  ip_addr_t addr;
} host_map;

static host_map g_maps[MAX_MAPS];
static size_t g_n_maps;
static struct netif g_netif;

static et_err map_resolve(void *ctx, const char *host, ip_addr_t *addr) {
  (void)ctx;
  for (size_t i = 0; i < g_n_maps; i++) {
    if (strcmp(g_maps[i].name, host) == 0) {
      *addr = g_maps[i].addr;
      return ET_OK;
    }
  }
  return ET_E_DNS;
}

/* The integrator's hooks: what a board's TRNG and RTC would give. */
static et_err urandom(void *ctx, uint8_t *p, size_t n) {
  (void)ctx;
  FILE *f = fopen("/dev/urandom", "rb");
  size_t got = f ? fread(p, 1, n, f) : 0;
  if (f)
    fclose(f);
  return got == n ? ET_OK : ET_E_RANDOM;
}

static int64_t wall_clock(void *ctx) {
  (void)ctx;
  return (int64_t)time(NULL);
}

static void tcpip_ready(void *arg) {
  sys_sem_signal((sys_sem_t *)arg);
}

/* tcpip thread, then the tap netif (tapif opens the interface named by
 * PRECONFIGURED_TAPIF and leaves its kernel side alone). */
static int lwip_up(const char *tap, const char *ip, const char *gw) {
  ip4_addr_t a, mask, g;
  if (!ip4addr_aton(ip, &a) || !ip4addr_aton(gw, &g))
    return -1;
  IP4_ADDR(&mask, 255, 255, 255, 0);
  if (setenv("PRECONFIGURED_TAPIF", tap, 1) != 0)
    return -1;
  sys_sem_t ready;
  if (sys_sem_new(&ready, 0) != ERR_OK)
    return -1;
  tcpip_init(tcpip_ready, &ready);
  sys_sem_wait(&ready);
  sys_sem_free(&ready);
  LOCK_TCPIP_CORE();
  struct netif *n = netif_add(&g_netif, &a, &mask, &g, NULL, tapif_init, tcpip_input);
  if (n) {
    netif_set_default(n);
    netif_set_up(n);
    netif_set_link_up(n);
  }
  UNLOCK_TCPIP_CORE();
  return n ? 0 : -1;
}

/* The whole file plus a NUL, as mbedTLS wants PEM. */
static size_t read_ca(const char *path, unsigned char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  size_t n = fread(buf, 1, cap - 1, f);
  bool whole = feof(f) && !ferror(f);
  fclose(f);
  if (!whole)
    return 0;
  buf[n] = '\0';
  return n + 1;
}

static bool add_map(const char *arg) {
  const char *eq = strchr(arg, '=');
  if (eq == NULL || g_n_maps == MAX_MAPS)
    return false;
  static char names[MAX_MAPS][256];
  size_t n = (size_t)(eq - arg);
  if (n == 0 || n >= sizeof names[0] || !ipaddr_aton(eq + 1, &g_maps[g_n_maps].addr))
    return false;
  memcpy(names[g_n_maps], arg, n);
  names[g_n_maps][n] = '\0';
  g_maps[g_n_maps].name = names[g_n_maps];
  g_n_maps++;
  return true;
}

int main(int argc, char **argv) {
  static unsigned char ca[256 * 1024];
  static uint8_t buf[16384];
  static jsmntok_t tok[256];
  static char scope[300];
  const char *tap = NULL, *ip = NULL, *gw = NULL, *authority = NULL, *tenant = NULL;
  const char *client_id = NULL, *ca_file = NULL, *scope_arg = NULL, *map = NULL;
  const char *proxy_url = NULL;
  const char *timeout = "10000";
  bool verbose = false;
  const struct {
    const char *flag;
    const char **dst;
  } opts[] = { { "--tap", &tap }, { "--ip", &ip }, { "--gw", &gw }, { "--map", &map },
               { "--authority", &authority }, { "--tenant", &tenant },
               { "--client-id", &client_id }, { "--ca-file", &ca_file },
               { "--scope", &scope_arg }, { "--timeout-ms", &timeout },
               { "--proxy", &proxy_url } };
  const size_t n_opts = sizeof opts / sizeof opts[0];
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
      continue;
    }
    size_t j = 0;
    while (j < n_opts && strcmp(argv[i], opts[j].flag) != 0)
      j++;
    if (j == n_opts || i + 1 == argc || (opts[j].dst == &map && !add_map(argv[i + 1]))) {
      fprintf(stderr, "lwip_token: bad argument '%s'\n", argv[i]);
      return 1;
    }
    *opts[j].dst = argv[++i];
  }
  const char *secret = getenv("EDGETOKEN_CLIENT_SECRET");
  if (!tap || !ip || !gw || !authority || !tenant || !client_id || !ca_file || !secret) {
    fputs("lwip_token: needs --tap --ip --gw --authority --tenant --client-id --ca-file "
          "and EDGETOKEN_CLIENT_SECRET\n", stderr);
    return 1;
  }
  if (scope_arg == NULL) {
    snprintf(scope, sizeof scope, "%s/.default", client_id);
    scope_arg = scope;
  }
  et_lwip_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.ca_len = read_ca(ca_file, ca, sizeof ca);
  cfg.ca = ca;
  if (cfg.ca_len == 0) {
    fprintf(stderr, "lwip_token: cannot read '%s'\n", ca_file);
    return 1;
  }
  if (lwip_up(tap, ip, gw) != 0) {
    fputs("lwip_token: lwIP did not come up on the tap interface\n", stderr);
    return 2;
  }

  cfg.log_level = verbose ? ET_LOG_DEBUG : ET_LOG_WARN;
  cfg.resolve = map_resolve;
  /* A site's proxy, as a device would take it from its provisioning
   * (credentials would come from there too, never from argv). */
  static char proxy_host[ET_PORT_HOST_MAX];
  et_proxy_config proxy;
  memset(&proxy, 0, sizeof proxy);
  if (proxy_url != NULL) {
    et_proxy_url pu;
    if (et_proxy_url_parse(et_str_from_cstr(proxy_url), &pu) != ET_OK || pu.has_userinfo ||
        pu.host.n >= sizeof proxy_host) {
      fputs("lwip_token: --proxy takes http://host:port\n", stderr);
      return 1;
    }
    memcpy(proxy_host, pu.host.p, pu.host.n);
    proxy.host = proxy_host;
    proxy.port = pu.port;
    cfg.proxy = &proxy;
  }
  et_lwip lw;
  et_port port;
  et_err e = et_lwip_init(&lw, &cfg, &port);
  if (e != ET_OK) {
    fprintf(stderr, "lwip_token: %s: %s\n", et_strerror(e), et_lwip_detail(&lw));
    return 2;
  }
  port.random = urandom;
  port.unix_s = wall_clock;

  et_app app;
  memset(&app, 0, sizeof app);
  app.authority = et_str_from_cstr(authority);
  app.tenant = et_str_from_cstr(tenant);
  app.client_id = et_str_from_cstr(client_id);
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = et_str_from_cstr(secret);
  app.timeout_ms = (uint32_t)strtoul(timeout, NULL, 10);
  et_work w = { buf, sizeof buf, tok, sizeof tok / sizeof tok[0], NULL };
  et_token t;
  et_result res;
  e = et_client_credentials(&port, &app, ET_ENDPOINT_V2, et_str_from_cstr(scope_arg), &w,
                            &t, &res);
  int rc = 0;
  if (e == ET_OK) {
    printf("%.*s\n", (int)t.access_token.n, t.access_token.p);
  } else if (e == ET_E_OAUTH) {
    fprintf(stderr, "lwip_token: %s: %.*s\n", et_strerror(e), (int)res.oauth.error_description.n,
            res.oauth.error_description.n ? res.oauth.error_description.p : "");
    rc = 3;
  } else {
    /* The port's words on a network or TLS failure, else core's reason. */
    const char *why = res.port_detail ? res.port_detail : res.why;
    fprintf(stderr, "lwip_token: %s%s%s\n", et_strerror(e), why ? ": " : "", why ? why : "");
    rc = 2;
  }
  et_wipe(buf, sizeof buf);
  et_lwip_free(&lw);
  return rc;
}
