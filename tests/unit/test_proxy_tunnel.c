/* SPDX-License-Identifier: MIT */
/* The proxy tunnel (et_proxy_transport.h) over a scripted inner transport:
 * what it connects to, the bytes it sends (in any send size), the answer
 * in any split, each failure's error and detail, the inner connection
 * closed on failure and passed through on success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/et_proxy_transport.h"

/* The scripted inner transport and its fake clock. */
typedef struct inner {
  et_err connect_err;
  const char *connect_detail; /* written to the diag on connect_err */
  char host[64];
  uint16_t port;
  uint32_t connect_ms;
  int sock;                   /* handed out */
  bool open;
  size_t send_max;            /* bytes per send */
  char sent[1024];
  size_t n_sent;
  const char *answer;         /* bytes recv gives, recv_max at a time */
  size_t answer_n, answer_at, recv_max;
  et_err after_answer;        /* recv's result once the answer is out */
  uint64_t now;               /* ms; each recv without data moves it 100 */
  et_diag *diag;
} inner;

static et_err in_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms,
                         int *sock) {
  inner *in = ctx;
  strcpy(in->host, host);
  in->port = port;
  in->connect_ms = timeout_ms;
  if (in->connect_err != ET_OK)
    return et_diag_fail(in->diag, in->connect_err, in->connect_detail, (const char *)NULL);
  in->open = true;
  *sock = in->sock;
  return ET_OK;
}

static et_err in_send(void *ctx, int sock, const uint8_t *p, size_t n, size_t *sent,
                      uint32_t timeout_ms) {
  inner *in = ctx;
  (void)timeout_ms;
  assert_int_equal(sock, in->sock);
  assert_true(in->open);
  size_t k = n < in->send_max ? n : in->send_max;
  assert_true(in->n_sent + k <= sizeof in->sent);
  memcpy(in->sent + in->n_sent, p, k);
  in->n_sent += k;
  *sent = k;
  return ET_OK;
}

static et_err in_recv(void *ctx, int sock, uint8_t *p, size_t cap, size_t *got,
                      uint32_t timeout_ms) {
  inner *in = ctx;
  assert_int_equal(sock, in->sock);
  *got = 0;
  if (in->answer_at < in->answer_n) {
    size_t k = in->answer_n - in->answer_at;
    k = k < in->recv_max ? k : in->recv_max;
    k = k < cap ? k : cap;
    memcpy(p, in->answer + in->answer_at, k);
    in->answer_at += k;
    *got = k;
    return ET_OK;
  }
  if (in->after_answer == ET_E_TIMEOUT)
    in->now += timeout_ms > 100 ? 100 : timeout_ms + 1;
  return in->after_answer;
}

static void in_close(void *ctx, int sock) {
  inner *in = ctx;
  assert_int_equal(sock, in->sock);
  in->open = false;
}

static uint64_t in_now(void *ctx) {
  return ((inner *)ctx)->now;
}

typedef struct rig {
  inner in;
  et_diag diag;
  et_proxy_tunnel t;
  et_transport tr;
} rig;

static void setup(rig *r, const et_proxy_config *cfg, const char *answer) {
  memset(r, 0, sizeof *r);
  r->in.sock = 1;
  r->in.send_max = 7;
  r->in.recv_max = 3;
  r->in.answer = answer;
  r->in.answer_n = answer ? strlen(answer) : 0;
  r->in.after_answer = ET_E_TIMEOUT;
  r->in.diag = &r->diag;
  et_transport it = { &r->in, in_connect, in_send, in_recv, in_close };
  et_clock clock = { in_now, NULL, &r->in };
  et_proxy_tunnel_init(&r->t, &it, cfg, &clock, &r->diag, &r->tr);
}

static et_err open_to(rig *r, const char *host, uint16_t port, uint32_t ms, int *sock) {
  return r->tr.connect(r->tr.ctx, host, port, ms, sock);
}

static const et_proxy_config proxy = { "proxy.site", 3128, { NULL, 0 }, { NULL, 0 },
                                       "localhost,.direct.example" };

static void tunnel_opens_and_passes_through(void **state) {
  rig r;
  int sock = -1;
  uint8_t b[8];
  size_t n = 0;
  (void)state;
  setup(&r, &proxy, "HTTP/1.1 200 Connection established\r\nProxy-agent: x\r\n\r\n");
  assert_int_equal(open_to(&r, "login.example.com", 443, 5000, &sock), ET_OK);
  assert_int_equal(sock, 1);
  assert_string_equal(r.in.host, "proxy.site");
  assert_int_equal(r.in.port, 3128);
  r.in.sent[r.in.n_sent] = '\0';
  assert_string_equal(r.in.sent, "CONNECT login.example.com:443 HTTP/1.1\r\n"
                                 "Host: login.example.com:443\r\n"
                                 "User-Agent: edgetoken/0.1\r\n\r\n");
  /* Then the origin's bytes, both ways, on the same handle. */
  r.in.n_sent = 0;
  assert_int_equal(r.tr.send(r.tr.ctx, sock, (const uint8_t *)"\x16\x03\x01", 3, &n, 0), ET_OK);
  assert_int_equal(n, 3);
  r.in.answer = "\x16\x03\x03";
  r.in.answer_n = 3;
  r.in.answer_at = 0;
  assert_int_equal(r.tr.recv(r.tr.ctx, sock, b, sizeof b, &n, 0), ET_OK);
  assert_int_equal(n, 3);
  r.tr.close(r.tr.ctx, sock);
  assert_false(r.in.open);
}

static void credentials_and_no_proxy(void **state) {
  rig r;
  int sock = -1;
  et_proxy_config with = proxy;
  (void)state;
  with.user = ET_STR("Aladdin");
  with.pass = ET_STR("open sesame");
  setup(&r, &with, "HTTP/1.0 200 OK\r\n\r\n");
  assert_int_equal(open_to(&r, "login.example.com", 443, 5000, &sock), ET_OK);
  r.in.sent[r.in.n_sent] = '\0';
  assert_non_null(strstr(r.in.sent, "\r\nProxy-Authorization: Basic "
                                    "QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"));
  /* no_proxy: straight to the origin, nothing sent. */
  for (int i = 0; i < 2; i++) {
    const char *host = i ? "a.direct.example" : "localhost";
    setup(&r, &with, NULL);
    assert_int_equal(open_to(&r, host, 8443, 5000, &sock), ET_OK);
    assert_string_equal(r.in.host, host);
    assert_int_equal(r.in.port, 8443);
    assert_int_equal(r.in.n_sent, 0);
  }
  /* No host: no proxy at all. */
  et_proxy_config none = { NULL, 0, { NULL, 0 }, { NULL, 0 }, NULL };
  setup(&r, &none, NULL);
  assert_int_equal(open_to(&r, "login.example.com", 443, 5000, &sock), ET_OK);
  assert_string_equal(r.in.host, "login.example.com");
}

/* A failed open: its error, the detail holding want, the inner closed. */
static void fails(rig *r, const char *answer, et_err e, const char *want) {
  int sock = -7;
  et_err got = open_to(r, "login.example.com", 443, 2000, &sock);
  if (got != e || strstr(r->diag.text, want) == NULL)
    fail_msg("answer %s: %s (\"%s\"), want %s with \"%s\"", answer ? answer : "(none)",
             et_strerror(got), r->diag.text, et_strerror(e), want);
  assert_int_equal(sock, -7);
  assert_false(r->in.open);
}

static void failures_are_typed_and_named(void **state) {
  static const struct {
    const char *answer;
    bool creds;
    et_err after;
    et_err e;
    const char *detail;
  } v[] = {
    { "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", false, ET_E_TIMEOUT,
      ET_E_PROXY_AUTH, "proxy proxy.site:3128 wants credentials (HTTP 407) and none were given" },
    { "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", true, ET_E_TIMEOUT,
      ET_E_PROXY_AUTH, "proxy proxy.site:3128 refused the credentials (HTTP 407)" },
    { "HTTP/1.1 401 Unauthorized\r\n\r\n", true, ET_E_TIMEOUT, ET_E_PROXY_AUTH,
      "refused the credentials (HTTP 401)" },
    { "HTTP/1.1 403 Access violation\r\nContent-Length: 3\r\n\r\nno!", false, ET_E_TIMEOUT,
      ET_E_PROXY_REFUSED, "proxy proxy.site:3128 refused the tunnel to login.example.com:443: "
                          "HTTP 403" },
    { "HTTP/1.1 502 Bad Gateway\r\n\r\n", false, ET_E_TIMEOUT, ET_E_PROXY_REFUSED, "HTTP 502" },
    { "HTTP/1.1 200 OK\r\n\r\nxyz", false, ET_E_TIMEOUT, ET_E_PROXY_PROTOCOL,
      "sent bytes after its HTTP 200" },
    { "HTTP/1.1 200 OK\r\n", false, ET_E_CLOSED, ET_E_PROXY_PROTOCOL,
      "closed the connection before answering CONNECT" },
    { "SSH-2.0-x\r\n", false, ET_E_TIMEOUT, ET_E_PROXY_PROTOCOL,
      "answered CONNECT with something other than an HTTP/1.x head" },
    { "HTTP/1.1 200", false, ET_E_TIMEOUT, ET_E_TIMEOUT,
      "no answer from proxy proxy.site:3128 to CONNECT to login.example.com:443 within 2000 ms" },
    { "", false, ET_E_CANCELLED, ET_E_CANCELLED, "" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    rig r;
    et_proxy_config cfg = proxy;
    if (v[i].creds) {
      cfg.user = ET_STR("u");
      cfg.pass = ET_STR("secret-pw");
    }
    setup(&r, &cfg, v[i].answer);
    r.in.after_answer = v[i].after;
    fails(&r, v[i].answer, v[i].e, v[i].detail);
    assert_null(strstr(r.diag.text, "secret-pw"));
  }
}

static void unreachable_proxy_names_it(void **state) {
  static const et_err inner_errs[] = { ET_E_DNS, ET_E_CONNECT, ET_E_TIMEOUT };
  (void)state;
  for (size_t i = 0; i < 3; i++) {
    rig r;
    setup(&r, &proxy, NULL);
    r.in.connect_err = inner_errs[i];
    r.in.connect_detail = "connect to proxy.site:3128: Connection refused";
    fails(&r, NULL, ET_E_PROXY_CONNECT,
          "proxy proxy.site:3128 unreachable: connect to proxy.site:3128: Connection refused");
  }
  /* Other inner errors stay what they are. */
  rig r;
  setup(&r, &proxy, NULL);
  r.in.connect_err = ET_E_NOSPACE;
  r.in.connect_detail = "all connections are in use";
  fails(&r, NULL, ET_E_NOSPACE, "all connections are in use");
}

static void timeout_zero_takes_the_default(void **state) {
  rig r;
  int sock = -1;
  et_proxy_config v6 = proxy;
  (void)state;
  v6.host = "::1";
  v6.port = 0;
  setup(&r, &v6, "HTTP/1.1 200 OK\r\n\r\n");
  assert_int_equal(open_to(&r, "::1", 8443, 0, &sock), ET_OK);
  assert_int_equal(r.in.connect_ms, CONFIG_ET_TIMEOUT_MS);
  assert_int_equal(r.in.port, ET_PROXY_DEFAULT_PORT);
  r.in.sent[r.in.n_sent] = '\0';
  assert_non_null(strstr(r.in.sent, "CONNECT [::1]:8443 HTTP/1.1\r\n"));
  /* A proxy on an IPv6 literal is named with brackets. */
  setup(&r, &v6, "HTTP/1.1 403 No\r\n\r\n");
  assert_int_equal(open_to(&r, "h", 1, 1000, &sock), ET_E_PROXY_REFUSED);
  assert_non_null(strstr(r.diag.text, "proxy [::1]:1080 refused"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(tunnel_opens_and_passes_through),
    cmocka_unit_test(credentials_and_no_proxy),
    cmocka_unit_test(failures_are_typed_and_named),
    cmocka_unit_test(unreachable_proxy_names_it),
    cmocka_unit_test(timeout_zero_takes_the_default),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
