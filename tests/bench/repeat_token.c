/* SPDX-License-Identifier: MIT */
/* repeat_token: COUNT client-credentials tokens (v2.0) in one process, for
 * the keep-alive and TLS-resumption tests (tests/integration/
 * test_keepalive.py) and the repeat-token section of make bench
 * (tools/bench_reuse.py). A test tool, not an example: it takes its
 * arguments in a fixed order.
 *
 *   repeat_token AUTHORITY TENANT CLIENT_ID SCOPE CA_FILE COUNT MODE [PAUSE_MS]
 *
 * The client secret comes from $EDGETOKEN_CLIENT_SECRET. MODE:
 *   keep    one et_posix and one et_link: tokens 2.. reuse the connection
 *           (HTTP keep-alive)
 *   resume  one et_posix, no et_link: each token opens its own connection
 *           and resumes the TLS session the port kept from the last one
 *   fresh   an et_posix per token: every handshake is a full one
 * PAUSE_MS: sleep between tokens (so that a server's idle limit passes).
 * $REPEAT_TOKEN_PROXY (http://host:port, no credentials): every connection
 * tunnels through that HTTP proxy (tests/integration/test_proxy.py).
 * Prints "token I: N bytes, attempts=A" per token (A: requests the call
 * sent, retries included; a request resent once because the kept
 * connection turned out closed is not a retry), then the port's and the
 * link's counters summed over the run:
 *   stats: opened=1 full=1 resumed=0 sent=812 received=3991 link_opened=1 link_reused=1
 * Exits 0 when every token came, 1 at the first failure, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"

enum mode { KEEP, RESUME, FRESH };

static uint8_t buf[64 * 1024];
static jsmntok_t tok[256];
static et_posix px;

static void sleep_ms(unsigned long ms) {
  struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static int usage(void) {
  fputs("usage: repeat_token AUTHORITY TENANT CLIENT_ID SCOPE CA_FILE COUNT "
        "keep|resume|fresh [PAUSE_MS]\n(secret in $EDGETOKEN_CLIENT_SECRET)\n", stderr);
  return 2;
}

static void add_stats(et_conn_stats *sum) {
  et_conn_stats s;
  et_posix_stats(&px, &s);
  sum->opened += s.opened;
  sum->full_handshakes += s.full_handshakes;
  sum->resumed_handshakes += s.resumed_handshakes;
  sum->bytes_sent += s.bytes_sent;
  sum->bytes_received += s.bytes_received;
}

int main(int argc, char **argv) {
  const char *secret = getenv("EDGETOKEN_CLIENT_SECRET");
  et_posix_config pc;
  et_port port;
  et_link link;
  et_app app;
  et_conn_stats sum;
  enum mode mode;
  char *end;
  long count;
  unsigned long pause = 0;
  bool up = false;
  int rc = 0;

  if (argc < 8 || argc > 9 || secret == NULL || *secret == '\0')
    return usage();
  count = strtol(argv[6], &end, 10);
  if (*end != '\0' || count < 1 || count > 1000)
    return usage();
  if (!strcmp(argv[7], "keep")) mode = KEEP;
  else if (!strcmp(argv[7], "resume")) mode = RESUME;
  else if (!strcmp(argv[7], "fresh")) mode = FRESH;
  else return usage();
  if (argc == 9) {
    pause = strtoul(argv[8], &end, 10);
    if (*end != '\0' || pause > 600000u)
      return usage();
  }

  memset(&pc, 0, sizeof pc);
  const char *proxy_url = getenv("REPEAT_TOKEN_PROXY");
  et_proxy_url pu;
  char proxy_host[ET_PORT_HOST_MAX];
  et_proxy_config proxy;
  memset(&proxy, 0, sizeof proxy);
  if (proxy_url != NULL) {
    if (et_proxy_url_parse(et_str_from_cstr(proxy_url), &pu) != ET_OK ||
        pu.has_userinfo || pu.host.n >= sizeof proxy_host)
      return usage();
    memcpy(proxy_host, pu.host.p, pu.host.n);
    proxy_host[pu.host.n] = '\0';
    proxy.host = proxy_host;
    proxy.port = pu.port;
    pc.proxy = &proxy;
  }
  pc.ca_file = argv[5];
  pc.log_level = ET_LOG_WARN;
  memset(&link, 0, sizeof link);
  memset(&sum, 0, sizeof sum);
  memset(&app, 0, sizeof app);
  app.authority = et_str_from_cstr(argv[1]);
  app.tenant = et_str_from_cstr(argv[2]);
  app.client_id = et_str_from_cstr(argv[3]);
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = et_str_from_cstr(secret);

  for (long i = 1; i <= count && rc == 0; i++) {
    et_work w = { buf, sizeof buf, tok, sizeof tok / sizeof tok[0],
                  mode == KEEP ? &link : NULL };
    et_token t;
    et_result res;
    et_err e;
    if (up && mode == FRESH) {
      add_stats(&sum);
      et_posix_free(&px);
      up = false;
    }
    if (!up) {
      e = et_posix_init(&px, &pc, &port);
      if (e != ET_OK) {
        fprintf(stderr, "repeat_token: port: %s: %s\n", et_strerror(e), et_posix_detail(&px));
        return 1;
      }
      up = true;
    }
    e = et_client_credentials(&port, &app, ET_ENDPOINT_V2, et_str_from_cstr(argv[4]), &w,
                              &t, &res);
    if (e != ET_OK) {
      fprintf(stderr, "repeat_token: token %ld: %s (%s)\n", i, et_strerror(e),
              et_posix_detail(&px));
      rc = 1;
    } else {
      printf("token %ld: %zu bytes, attempts=%lu\n", i, t.access_token.n,
             (unsigned long)res.attempts);
      if (i < count && pause > 0)
        sleep_ms(pause);
    }
    et_wipe(buf, sizeof buf);
  }
  et_link_close(&port, &link);
  if (up) {
    add_stats(&sum);
    et_posix_free(&px);
  }
  printf("stats: opened=%lu full=%lu resumed=%lu sent=%llu received=%llu link_opened=%lu "
         "link_reused=%lu\n",
         (unsigned long)sum.opened, (unsigned long)sum.full_handshakes,
         (unsigned long)sum.resumed_handshakes, (unsigned long long)sum.bytes_sent,
         (unsigned long long)sum.bytes_received, (unsigned long)link.opened,
         (unsigned long)link.reused);
  return rc;
}
