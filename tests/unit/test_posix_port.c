/* SPDX-License-Identifier: MIT */
/* The POSIX + mbedTLS port against real sockets: the Entra ID emulator over
 * TLS (started here on loopback), listeners this test opens itself, and the
 * clock, random and hash hooks.
 *
 * Certificates: $ET_TEST_CERTS if set, else generated into a temp dir with
 * tests/emulator/make_certs.sh. Sources are found from $ET_SRC_DIR (default:
 * the current directory, i.e. run from the repository root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "edgetoken/et_posix.h"

extern char **environ;

#define PYTHON "/usr/bin/python3"
#define OPEN_TIMEOUT_MS 10000u /* generous: valgrind slows the handshake */

static struct {
  char src[512];
  char tmp[64];           /* our temp dir */
  char certs[512];
  bool made_certs;        /* certs live in tmp and must be removed */
  pid_t emu;
  uint16_t port;          /* emulator, cert for localhost */
  uint16_t wrong_port;    /* emulator, cert for wrong.example.test */
} g;

static void path_in(char *out, size_t cap, const char *dir, const char *name) {
  int n = snprintf(out, cap, "%s/%s", dir, name);
  assert_true(n > 0 && (size_t)n < cap);
}

static int run_wait(char *const argv[], const char *log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (log_path) {
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  }
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? (int)pid : -1;
}

static void print_file(const char *path) {
  FILE *f = fopen(path, "r");
  char line[512];
  while (f && fgets(line, sizeof line, f))
    fprintf(stderr, "  | %s", line);
  if (f)
    fclose(f);
}

static bool read_ports(const char *ready, uint16_t *port, uint16_t *wrong) {
  FILE *f = fopen(ready, "r");
  unsigned a = 0, b = 0;
  bool ok = f && fscanf(f, "%u %u", &a, &b) == 2 && a > 0 && a < 65536 && b > 0 &&
            b < 65536;
  if (f)
    fclose(f);
  *port = (uint16_t)a;
  *wrong = (uint16_t)b;
  return ok;
}

/* $ET_SRC_DIR, else "." when it holds the emulator, else the repository
 * the binary was built in (build/<variant>/tests/<exe> -> four levels up). */
static void find_src(void) {
  const char *src = getenv("ET_SRC_DIR");
  snprintf(g.src, sizeof g.src, "%s", src ? src : ".");
  if (src || access("tests/emulator/entra_emulator.py", R_OK) == 0)
    return;
  char exe[512];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return;
  exe[n] = '\0';
  for (int up = 0; up < 4; up++) {
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
      return;
    *slash = '\0';
  }
  snprintf(g.src, sizeof g.src, "%s", exe);
}

static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* The emulator on loopback, on port (0: any free one); its ports in *port
 * and *wrong; its pid, or -1 with its log printed. */
static pid_t start_emulator(uint16_t port, uint16_t *got, uint16_t *wrong) {
  char log[600], ready[600], emulator[600], port_s[8];
  char cert[600], key[600], wcert[600], wkey[600];
  path_in(log, sizeof log, g.tmp, "emulator.log");
  path_in(ready, sizeof ready, g.tmp, "ready");
  path_in(emulator, sizeof emulator, g.src, "tests/emulator/entra_emulator.py");
  path_in(cert, sizeof cert, g.certs, "server.pem");
  path_in(key, sizeof key, g.certs, "server.key");
  path_in(wcert, sizeof wcert, g.certs, "wrong.pem");
  path_in(wkey, sizeof wkey, g.certs, "wrong.key");
  snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
  unlink(ready);
  char *argv[] = { PYTHON, emulator, "--bind", "127.0.0.1", "--port", port_s,
                   "--cert", cert, "--key", key, "--wrong-name-port", "0",
                   "--wrong-cert", wcert, "--wrong-key", wkey,
                   "--ready-file", ready, NULL };
  pid_t pid = run_wait(argv, log);
  for (int i = 0; pid > 0 && i < 300; i++) { /* the emulator writes the file when listening */
    if (read_ports(ready, got, wrong))
      return pid;
    if (waitpid(pid, NULL, WNOHANG) == pid)
      break;
    sleep_ms(50);
  }
  fprintf(stderr, "emulator did not start:\n");
  print_file(log);
  return -1;
}

static void stop_emulator(pid_t pid) {
  if (pid > 0) {
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
  }
}

static int group_setup(void **state) {
  (void)state;
  find_src();
  snprintf(g.tmp, sizeof g.tmp, "/tmp/et-posix-test-XXXXXX");
  if (mkdtemp(g.tmp) == NULL)
    return -1;
  char log[600], script[600];
  path_in(log, sizeof log, g.tmp, "emulator.log");
  path_in(script, sizeof script, g.src, "tests/emulator/make_certs.sh");

  const char *certs = getenv("ET_TEST_CERTS");
  if (certs && *certs) {
    snprintf(g.certs, sizeof g.certs, "%s", certs);
  } else {
    path_in(g.certs, sizeof g.certs, g.tmp, "certs");
    g.made_certs = true;
    char *argv[] = { "/bin/sh", script, g.certs, NULL };
    int pid = run_wait(argv, log);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "make_certs.sh failed (run from the repository root or set "
                      "ET_SRC_DIR):\n");
      print_file(log);
      return -1;
    }
  }
  g.emu = start_emulator(0, &g.port, &g.wrong_port);
  return g.emu > 0 ? 0 : -1;
}

static void remove_in(const char *dir, const char *name) {
  char p[600];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  unlink(p);
}

static int group_teardown(void **state) {
  (void)state;
  stop_emulator(g.emu);
  if (g.made_certs) {
    static const char *const files[] = { "ca.pem", "ca.key", "server.pem",
                                         "server.key", "wrong.pem", "wrong.key",
                                         "other-ca.pem", "other-ca.key" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
      remove_in(g.certs, files[i]);
    rmdir(g.certs);
  }
  remove_in(g.tmp, "emulator.log");
  remove_in(g.tmp, "ready");
  remove_in(g.tmp, "bad-ca.pem");
  rmdir(g.tmp);
  return 0;
}

/* A port whose CA file is in the cert dir ("ca.pem" or "other-ca.pem"). */
static void port_init(et_posix *px, et_port *port, const char *ca) {
  char path[600];
  path_in(path, sizeof path, g.certs, ca);
  et_posix_config cfg = { 0 };
  cfg.ca_file = path;
  assert_int_equal(et_posix_init(px, &cfg, port), ET_OK);
  assert_string_equal(et_posix_detail(px), "");
}

static bool contains_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] &&
           (hay[i] | 0x20) == (needle[i] | 0x20))
      i++;
    if (i == n)
      return true;
  }
  return false;
}

/* What poll() waits for on c after a "would block". */
static struct pollfd wanted(const et_conn *c) {
  struct pollfd pfd = { et_posix_conn_fd(c), et_posix_conn_wants_write(c) ? POLLOUT : POLLIN, 0 };
  assert_true(pfd.fd >= 0);
  return pfd;
}

/* Wait (up to a second) until c is ready: a timeout-0 caller's event loop
 * in miniature. */
static void wait_ready(const et_conn *c) {
  struct pollfd pfd = wanted(c);
  assert_true(poll(&pfd, 1, 1000) >= 0);
}

/* Send all of s, each call waiting up to ms; ms 0: never wait in the port,
 * poll when it would block. */
static void send_all_ms(const et_port *port, et_conn *c, const char *s, uint32_t ms) {
  size_t n = strlen(s);
  while (n > 0) {
    size_t sent = 0;
    et_err e = port->send(c, (const uint8_t *)s, n, &sent, ms);
    if (ms == 0 && e == ET_E_TIMEOUT) {
      wait_ready(c);
      continue;
    }
    assert_int_equal(e, ET_OK);
    assert_true(sent > 0 && sent <= n);
    s += sent;
    n -= sent;
  }
}

static void send_all(const et_port *port, et_conn *c, const char *s) {
  send_all_ms(port, c, s, 5000);
}

static bool all_slots_free(const et_posix *px) {
  for (int i = 0; i < ET_PORT_CONNS; i++)
    if (px->tls.conns[i].sock >= 0 || px->net.socks[i].used)
      return false;
  return true;
}

/* Read until the peer closes, each call waiting up to ms (0: as
 * send_all_ms); returns the bytes in buf (NUL-terminated). */
static size_t recv_all_ms(const et_port *port, et_conn *c, char *buf, size_t cap, uint32_t ms) {
  size_t len = 0;
  for (;;) {
    size_t got = 0;
    et_err e = port->recv(c, (uint8_t *)buf + len, cap - 1 - len, &got, ms);
    if (e == ET_E_CLOSED)
      break;
    if (ms == 0 && e == ET_E_TIMEOUT) {
      wait_ready(c);
      continue;
    }
    assert_int_equal(e, ET_OK);
    assert_true(got > 0);
    len += got;
    assert_true(len < cap - 1);
  }
  buf[len] = '\0';
  return len;
}

static size_t recv_all(const et_port *port, et_conn *c, char *buf, size_t cap) {
  return recv_all_ms(port, c, buf, cap, 10000);
}

/* A loopback listener that never answers; returns the fd, port in *port. */
static int listener(int family, uint16_t *port) {
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                   : ((struct sockaddr_in *)&ss)->sin_port);
  return fd;
}

static void test_tls_roundtrip(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true,
                             OPEN_TIMEOUT_MS, &c), ET_OK);
  assert_non_null(c);
  static const char body[] =
      "grant_type=client_credentials&client_id=edgetoken-test-app"
      "&client_secret=s3cr3t%2B%2F%3D~+value"
      "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default";
  char req[512];
  snprintf(req, sizeof req,
           "POST /contoso-tenant/oauth2/v2.0/token HTTP/1.1\r\nHost: localhost\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
           sizeof body - 1, body);
  send_all(&port, c, req);
  static char resp[16384];
  /* The emulator closes without close_notify: still an orderly ET_E_CLOSED. */
  recv_all(&port, c, resp, sizeof resp);
  assert_true(strncmp(resp, "HTTP/1.1 200 ", 13) == 0);
  assert_non_null(strstr(resp, "\"access_token\":\"eyJ"));
  assert_non_null(strstr(resp, "\"expires_in\":3599"));
  port.close(c);
  assert_int_equal(et_posix_conn_fd(c), -1);
  assert_true(all_slots_free(&px));
  et_posix_free(&px);
}

static void test_tls_keepalive_timeout(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true,
                             OPEN_TIMEOUT_MS, &c), ET_OK);
  send_all(&port, c, "GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  char buf[2048] = { 0 };
  size_t len = 0, got = 0;
  while (strstr(buf, "{\"status\":\"ok\"}") == NULL) {
    assert_int_equal(port.recv(c, (uint8_t *)buf + len, sizeof buf - 1 - len, &got, 5000),
                     ET_OK);
    len += got;
    buf[len] = '\0';
  }
  /* Keep-alive: the server stays silent now, so a short recv times out. */
  uint64_t t0 = port.mono_ms(port.ctx);
  assert_int_equal(port.recv(c, (uint8_t *)buf, sizeof buf, &got, 200), ET_E_TIMEOUT);
  assert_int_equal(got, 0);
  assert_true(port.mono_ms(port.ctx) - t0 >= 190);
  port.close(c);
  et_posix_free(&px);
}

static void test_tls_untrusted_ca(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "other-ca.pem");
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true,
                             OPEN_TIMEOUT_MS, &c), ET_E_TLS_VERIFY);
  assert_null(c);
  assert_true(contains_nocase(et_posix_detail(&px), "trusted"));
  assert_true(contains_nocase(et_posix_detail(&px), "'localhost'"));
  assert_true(all_slots_free(&px));
  et_posix_free(&px);
}

static void test_tls_wrong_name(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.wrong_port, true,
                             OPEN_TIMEOUT_MS, &c), ET_E_TLS_VERIFY);
  assert_null(c);
  assert_true(contains_nocase(et_posix_detail(&px), "name"));
  /* mbedTLS 2.28 never matches IP SANs; the detail says what to do. */
  assert_int_equal(port.open(port.ctx, ET_STR("127.0.0.1"), g.port, true,
                             OPEN_TIMEOUT_MS, &c), ET_E_TLS_VERIFY);
  assert_true(contains_nocase(et_posix_detail(&px), "DNS name"));
  /* The slot is reusable after a failed handshake. */
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true,
                             OPEN_TIMEOUT_MS, &c), ET_OK);
  port.close(c);
  et_posix_free(&px);
}

static void test_tls_to_plain_listener(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  et_conn *c = NULL;
  /* Nobody answers the ClientHello: the handshake runs into the deadline. */
  uint64_t t0 = port.mono_ms(port.ctx);
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), p, true, 300, &c),
                   ET_E_TIMEOUT);
  assert_true(port.mono_ms(port.ctx) - t0 >= 290);
  assert_true(contains_nocase(et_posix_detail(&px), "handshake"));
  close(lfd);
  et_posix_free(&px);
}

static void test_connect_refused(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  close(lfd); /* nothing listens there now */
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("127.0.0.1"), p, false, 2000, &c),
                   ET_E_CONNECT);
  assert_null(c);
  assert_true(contains_nocase(et_posix_detail(&px), "connect to 127.0.0.1:"));
  assert_true(contains_nocase(et_posix_detail(&px), "refused"));
  et_posix_free(&px);
}

static void test_dns_failure(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("nonexistent.invalid"), 443, true,
                             2000, &c), ET_E_DNS);
  assert_null(c);
  assert_true(contains_nocase(et_posix_detail(&px), "nonexistent.invalid"));
  et_posix_free(&px);
}

static void test_bad_host_args(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *c = NULL;
  et_str nul = { "local\0host", 10 };
  assert_int_equal(port.open(port.ctx, nul, 443, true, 1000, &c), ET_E_ARG);
  static char longname[300];
  memset(longname, 'a', sizeof longname);
  et_str lng = { longname, sizeof longname };
  assert_int_equal(port.open(port.ctx, lng, 443, true, 1000, &c), ET_E_ARG);
  assert_int_equal(port.open(port.ctx, ET_STR(""), 443, true, 1000, &c), ET_E_ARG);
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), 0, true, 1000, &c), ET_E_ARG);
  assert_null(c);
  et_posix_free(&px);
}

static void test_recv_timeout_and_nospace(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  /* Every slot can be open at once; one more finds none free. */
  et_conn *cs[ET_PORT_CONNS], *c2 = NULL;
  for (int i = 0; i < ET_PORT_CONNS; i++)
    assert_int_equal(port.open(port.ctx, ET_STR("127.0.0.1"), p, false, 2000, &cs[i]), ET_OK);
  assert_int_equal(port.open(port.ctx, ET_STR("127.0.0.1"), p, false, 2000, &c2),
                   ET_E_NOSPACE);
  assert_null(c2);
  for (int i = 1; i < ET_PORT_CONNS; i++)
    port.close(cs[i]);
  et_conn *c = cs[0];
  uint8_t buf[16];
  size_t got = 99;
  uint64_t t0 = port.mono_ms(port.ctx);
  assert_int_equal(port.recv(c, buf, sizeof buf, &got, 300), ET_E_TIMEOUT);
  uint64_t dt = port.mono_ms(port.ctx) - t0;
  assert_int_equal(got, 0);
  assert_true(dt >= 290 && dt < 3000);
  /* timeout 0: "would block" */
  assert_int_equal(port.recv(c, buf, sizeof buf, &got, 0), ET_E_TIMEOUT);
  port.close(c);
  close(lfd);
  et_posix_free(&px);
}

static void test_peer_close_plain(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), p, false, 2000, &c), ET_OK);
  int sfd = accept(lfd, NULL, NULL);
  assert_true(sfd >= 0);
  send_all(&port, c, "ping");
  char in[8] = { 0 };
  assert_int_equal(read(sfd, in, 4), 4);
  assert_string_equal(in, "ping");
  assert_int_equal(write(sfd, "hello", 5), 5);
  close(sfd);
  char buf[64];
  assert_int_equal(recv_all(&port, c, buf, sizeof buf), 5);
  assert_string_equal(buf, "hello");
  /* Closed stays closed. */
  size_t got = 1;
  assert_int_equal(port.recv(c, (uint8_t *)buf, sizeof buf, &got, 100), ET_E_CLOSED);
  assert_int_equal(got, 0);
  port.close(c);
  close(lfd);
  et_posix_free(&px);
}

static void test_send_to_closed_peer(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("127.0.0.1"), p, false, 2000, &c), ET_OK);
  int sfd = accept(lfd, NULL, NULL);
  assert_true(sfd >= 0);
  close(sfd);
  /* The first writes may still be accepted; once the peer's RST is back the
   * port must say ET_E_CLOSED (EPIPE), not die of SIGPIPE. */
  et_err e = ET_OK;
  for (int i = 0; i < 100 && e == ET_OK; i++) {
    size_t sent = 0;
    e = port.send(c, (const uint8_t *)"data", 4, &sent, 1000);
    sleep_ms(5);
  }
  assert_int_equal(e, ET_E_CLOSED);
  port.close(c);
  close(lfd);
  et_posix_free(&px);
}

static void test_ipv6_loopback(void **state) {
  (void)state;
  uint16_t p = 0;
  int lfd = listener(AF_INET6, &p);
  if (lfd < 0) {
    printf("[ SKIPPED  ] this host has no IPv6 loopback (::1)\n");
    skip();
  }
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("::1"), p, false, 2000, &c), ET_OK);
  int sfd = accept(lfd, NULL, NULL);
  assert_true(sfd >= 0);
  assert_int_equal(write(sfd, "v6", 2), 2);
  uint8_t buf[8];
  size_t got = 0;
  assert_int_equal(port.recv(c, buf, sizeof buf, &got, 2000), ET_OK);
  assert_int_equal(got, 2);
  assert_memory_equal(buf, "v6", 2);
  port.close(c);
  close(sfd);
  /* Bracketed form, as in a URL authority. */
  assert_int_equal(port.open(port.ctx, ET_STR("[::1]"), p, false, 2000, &c), ET_OK);
  port.close(c);
  close(lfd);
  et_posix_free(&px);
}

static void test_cancel(void **state) {
  (void)state;
  volatile int cancel = 0;
  char path[600];
  path_in(path, sizeof path, g.certs, "ca.pem");
  et_posix_config cfg = { 0 };
  cfg.ca_file = path;
  cfg.cancel = &cancel;
  et_posix px;
  et_port port;
  assert_int_equal(et_posix_init(&px, &cfg, &port), ET_OK);
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  et_conn *c = NULL;
  assert_int_equal(port.open(port.ctx, ET_STR("127.0.0.1"), p, false, 2000, &c), ET_OK);
  assert_false(port.cancelled(port.ctx));
  cancel = 1;
  assert_true(port.cancelled(port.ctx));
  uint64_t t0 = port.mono_ms(port.ctx);
  port.sleep_ms(port.ctx, 5000);
  uint8_t buf[4];
  size_t got = 0;
  assert_int_equal(port.recv(c, buf, sizeof buf, &got, 5000), ET_E_CANCELLED);
  assert_true(port.mono_ms(port.ctx) - t0 < 1000);
  port.close(c);
  close(lfd);
  et_posix_free(&px);
}

static void test_ca_file_errors(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  et_posix_config cfg = { 0 };
  cfg.ca_file = "/nonexistent/ca.pem";
  assert_int_equal(et_posix_init(&px, &cfg, &port), ET_E_TLS_CONFIG);
  assert_non_null(strstr(et_posix_detail(&px), "/nonexistent/ca.pem"));
  et_posix_free(&px); /* harmless after a failed init */

  char bad[600];
  path_in(bad, sizeof bad, g.tmp, "bad-ca.pem");
  FILE *f = fopen(bad, "w");
  assert_non_null(f);
  fputs("not a certificate\n", f);
  fclose(f);
  cfg.ca_file = bad;
  /* Read at the first TLS open, not in init (a cached token needs none):
   * that open fails naming the file, before any connection, each time. */
  assert_int_equal(et_posix_init(&px, &cfg, &port), ET_OK);
  et_conn *c = NULL;
  for (int i = 0; i < 2; i++) {
    assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true, OPEN_TIMEOUT_MS, &c),
                     ET_E_TLS_CONFIG);
    assert_null(c);
    assert_non_null(strstr(et_posix_detail(&px), "bad-ca.pem"));
  }
  et_conn_stats st;
  et_posix_stats(&px, &st);
  assert_int_equal(st.opened, 0);
  et_posix_free(&px);
  assert_int_equal(et_posix_init(NULL, &cfg, &port), ET_E_ARG);
}

static void test_random(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint8_t a[32], b[32], zero[32] = { 0 };
  assert_int_equal(port.random(port.ctx, a, sizeof a), ET_OK);
  assert_int_equal(port.random(port.ctx, b, sizeof b), ET_OK);
  assert_memory_not_equal(a, b, sizeof a);
  assert_memory_not_equal(a, zero, sizeof a);
  assert_memory_not_equal(b, zero, sizeof b);
  static uint8_t big[4096]; /* getrandom returns at most 256 bytes at once here */
  assert_int_equal(port.random(port.ctx, big, sizeof big), ET_OK);
  assert_memory_not_equal(big + sizeof big - 32, zero, 32);
  et_posix_free(&px);
}

static void test_clocks(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint64_t t0 = port.mono_ms(port.ctx);
  uint64_t prev = t0;
  for (int i = 0; i < 1000; i++) {
    uint64_t t = port.mono_ms(port.ctx);
    assert_true(t >= prev);
    prev = t;
  }
  port.sleep_ms(port.ctx, 30);
  uint64_t dt = port.mono_ms(port.ctx) - t0;
  assert_true(dt >= 29 && dt < 2000);
  assert_true(port.unix_s(port.ctx) > 1700000000); /* after Nov 2023 */
  et_posix_free(&px);
}

static void test_sha256(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  static const uint8_t abc[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
  static const uint8_t empty[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55 };
  uint8_t out[32];
  assert_int_equal(port.sha256(port.ctx, (const uint8_t *)"abc", 3, out), ET_OK);
  assert_memory_equal(out, abc, 32);
  assert_int_equal(port.sha256(port.ctx, NULL, 0, out), ET_OK);
  assert_memory_equal(out, empty, 32);
  assert_int_equal(port.sha256(port.ctx, NULL, 1, out), ET_E_ARG);
  assert_null(port.sign);
  assert_null(port.store);
  et_posix_free(&px);
}

struct sink {
  int calls;
  et_level last;
  char msg[64];
};

static void capture(void *ctx, et_level lvl, const char *msg, size_t n) {
  struct sink *s = ctx;
  s->calls++;
  s->last = lvl;
  snprintf(s->msg, sizeof s->msg, "%.*s", (int)n, msg);
}

static void test_log_levels(void **state) {
  (void)state;
  struct sink s = { 0 };
  char path[600];
  path_in(path, sizeof path, g.certs, "ca.pem");
  et_posix_config cfg = { 0 };
  cfg.ca_file = path;
  cfg.log_level = ET_LOG_INFO;
  cfg.log_sink = capture;
  cfg.sink_ctx = &s;
  et_posix px;
  et_port port;
  assert_int_equal(et_posix_init(&px, &cfg, &port), ET_OK);
  port.log(port.ctx, ET_LOG_DEBUG, "hidden", 6);
  assert_int_equal(s.calls, 0);
  port.log(port.ctx, ET_LOG_WARN, "shown!", 5);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.last, ET_LOG_WARN);
  assert_string_equal(s.msg, "shown");
  et_posix_free(&px);

  cfg.log_level = 0; /* silent */
  assert_int_equal(et_posix_init(&px, &cfg, &port), ET_OK);
  port.log(port.ctx, ET_LOG_ERROR, "x", 1);
  assert_int_equal(s.calls, 1);
  et_posix_free(&px);
}

/* Without a sink the port writes to stderr: a message quoting server text
 * must reach the terminal without its control bytes (escape sequences that
 * retitle the window, clear the screen or fake a prompt). */
static void test_log_to_stderr_drops_control_bytes(void **state) {
  (void)state;
  static const char hostile[] = "server says \x1b]0;owned\x07\x1b[2J\r\x7f\x08ok";
  char path[600], out[256];
  path_in(path, sizeof path, g.certs, "ca.pem");
  et_posix_config cfg = { 0 };
  cfg.ca_file = path;
  cfg.log_level = ET_LOG_WARN;
  et_posix px;
  et_port port;
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  fflush(stderr);
  int saved = dup(2);
  assert_true(saved >= 0);
  assert_true(dup2(fileno(tmp), 2) >= 0);
  assert_int_equal(et_posix_init(&px, &cfg, &port), ET_OK);
  port.log(port.ctx, ET_LOG_WARN, hostile, sizeof hostile - 1);
  et_posix_free(&px);
  fflush(stderr);
  assert_true(dup2(saved, 2) >= 0);
  close(saved);
  rewind(tmp);
  size_t n = fread(out, 1, sizeof out - 1, tmp);
  fclose(tmp);
  out[n] = '\0';
  assert_non_null(strstr(out, "server says"));
  assert_non_null(strstr(out, "ok"));
  for (size_t i = 0; i < n; i++)
    if (out[i] != '\n')
      assert_false((unsigned char)out[i] < 0x20 || (unsigned char)out[i] == 0x7f);
}

/* Everything logged, one line after another. */
struct log_all {
  char text[8192];
  size_t len;
};

static void log_append(void *ctx, et_level lvl, const char *msg, size_t n) {
  struct log_all *l = ctx;
  (void)lvl;
  if (l->len + n + 2 > sizeof l->text)
    return;
  memcpy(l->text + l->len, msg, n);
  l->len += n;
  l->text[l->len++] = '\n';
  l->text[l->len] = '\0';
}

/* A port on ca.pem that logs everything into l (may be NULL) and keeps TLS
 * sessions under key in dir (both may be NULL). */
static et_err port_init_with(et_posix *px, et_port *port, struct log_all *l, const char *dir,
                             const char *key) {
  char path[600];
  path_in(path, sizeof path, g.certs, "ca.pem");
  et_posix_config cfg = { 0 };
  cfg.ca_file = path;
  cfg.log_level = l ? ET_LOG_DEBUG : 0;
  cfg.log_sink = l ? log_append : NULL;
  cfg.sink_ctx = l;
  cfg.store_dir = dir;
  cfg.session_key = key;
  return et_posix_init(px, &cfg, port);
}

static const char health_req[] =
    "GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/* One request on a fresh TLS connection to localhost:p, the whole answer
 * read (a TLS 1.3 ticket comes with it), then closed. */
static void open_get_close(et_port *port, uint16_t p) {
  et_conn *c = NULL;
  static char resp[4096];
  assert_int_equal(port->open(port->ctx, ET_STR("localhost"), p, true, OPEN_TIMEOUT_MS, &c),
                   ET_OK);
  send_all(port, c, health_req);
  recv_all(port, c, resp, sizeof resp);
  assert_non_null(strstr(resp, "{\"status\":\"ok\"}"));
  port->close(c);
}

static void test_two_tls_connections_at_once(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  et_conn *a = NULL, *b = NULL;
  static char ra[4096], rb[4096];
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true, OPEN_TIMEOUT_MS, &a),
                   ET_OK);
  assert_int_equal(port.open(port.ctx, ET_STR("localhost"), g.port, true, OPEN_TIMEOUT_MS, &b),
                   ET_OK);
  assert_ptr_not_equal(a, b);
  send_all(&port, a, health_req);
  send_all(&port, b, health_req);
  recv_all(&port, b, rb, sizeof rb);
  recv_all(&port, a, ra, sizeof ra);
  assert_non_null(strstr(ra, "{\"status\":\"ok\"}"));
  assert_non_null(strstr(rb, "{\"status\":\"ok\"}"));
  port.close(a);
  port.close(b);
  et_conn_stats st;
  et_posix_stats(&px, &st);
  assert_int_equal(st.opened, 2);
  et_posix_free(&px);
}

static void test_session_resumed(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  static struct log_all l;
  et_conn_stats first, second;
  l.len = 0;
  assert_int_equal(port_init_with(&px, &port, &l, NULL, NULL), ET_OK);
  open_get_close(&port, g.port);
  et_posix_stats(&px, &first);
  assert_int_equal(first.opened, 1);
  assert_int_equal(first.full_handshakes, 1);
  assert_int_equal(first.resumed_handshakes, 0);
  assert_true(first.bytes_sent > 0 && first.bytes_received > 0);
  open_get_close(&port, g.port);
  et_posix_stats(&px, &second);
  assert_int_equal(second.opened, 2);
  assert_int_equal(second.full_handshakes, 1);
  assert_int_equal(second.resumed_handshakes, 1);
  /* No certificate chain the second time (a TLS 1.3 server sends new
   * tickets each time, so the saving shows less than with 1.2). */
  assert_true(second.bytes_received - first.bytes_received < first.bytes_received);
  assert_non_null(strstr(l.text, "full handshake with 'localhost'"));
  assert_non_null(strstr(l.text, "TLS resumed with 'localhost'"));
  et_posix_free(&px);
}

/* A server that does not know the session (a restarted one: new ticket
 * keys, empty cache) just makes it a full handshake. */
static void test_session_declined(void **state) {
  (void)state;
  uint16_t p = 0, wrong = 0, p2 = 0;
  pid_t emu = start_emulator(0, &p, &wrong);
  assert_true(emu > 0);
  et_posix px;
  et_port port;
  assert_int_equal(port_init_with(&px, &port, NULL, NULL, NULL), ET_OK);
  open_get_close(&port, p);
  stop_emulator(emu);
  emu = start_emulator(p, &p2, &wrong);
  assert_true(emu > 0);
  assert_int_equal(p2, p);
  open_get_close(&port, p);
  et_conn_stats st;
  et_posix_stats(&px, &st);
  assert_int_equal(st.full_handshakes, 2);
  assert_int_equal(st.resumed_handshakes, 0);
  stop_emulator(emu);
  et_posix_free(&px);
}

static void test_sessions_persisted(void **state) {
  (void)state;
  char dir[600], file[700];
  struct stat sb;
  et_conn_stats st;
  et_posix px;
  et_port port;
  path_in(dir, sizeof dir, g.tmp, "store");
  path_in(file, sizeof file, dir, "tls-sessions");
  assert_int_equal(port_init_with(&px, &port, NULL, dir, "tls-sessions"), ET_OK);
  open_get_close(&port, g.port);
  et_posix_free(&px);
  assert_int_equal(stat(file, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);

  /* A new process (here: a new et_posix) resumes from the file. */
  assert_int_equal(port_init_with(&px, &port, NULL, dir, "tls-sessions"), ET_OK);
  open_get_close(&port, g.port);
  et_posix_stats(&px, &st);
  assert_int_equal(st.resumed_handshakes, 1);
  assert_int_equal(st.full_handshakes, 0);
  et_posix_free(&px);

  /* A damaged file costs a full handshake, nothing else. */
  FILE *f = fopen(file, "wb");
  assert_non_null(f);
  fputs("ETS1 not sessions", f);
  fclose(f);
  assert_int_equal(port_init_with(&px, &port, NULL, dir, "tls-sessions"), ET_OK);
  open_get_close(&port, g.port);
  et_posix_stats(&px, &st);
  assert_int_equal(st.full_handshakes, 1);
  et_posix_free(&px);

  assert_int_equal(port_init_with(&px, &port, NULL, dir, "../escape"), ET_E_ARG);
  assert_int_equal(port_init_with(&px, &port, NULL, NULL, "tls-sessions"), ET_E_ARG);
  unlink(file);
  rmdir(dir);
}

/* Drive the opens of n connections with poll() until all are open. */
static void open_all_nonblocking(et_conn **c, size_t n) {
  bool open[4] = { false };
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t done = 0; done < n;) {
    struct pollfd pfd[4];
    nfds_t np = 0;
    for (size_t i = 0; i < n; i++) {
      if (open[i])
        continue;
      et_err e = et_posix_open_step(c[i]);
      if (e == ET_OK) {
        open[i] = true;
        done++;
        continue;
      }
      assert_int_equal(e, ET_E_TIMEOUT);
      pfd[np++] = wanted(c[i]);
    }
    if (np > 0)
      assert_true(poll(pfd, np, 1000) >= 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < OPEN_TIMEOUT_MS / 1000);
  }
}

/* Two TLS connections opened and used from one poll() loop, never waiting
 * inside the port. "localhost" may resolve to ::1 first, where nothing
 * listens: the step moves on to 127.0.0.1. */
static void test_nonblocking_two_at_once(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  static char r0[4096], r1[4096];
  port_init(&px, &port, "ca.pem");
  et_conn *c[2] = { NULL, NULL };
  for (int i = 0; i < 2; i++)
    assert_int_equal(et_posix_open_start(&px, ET_STR("localhost"), g.port, true, &c[i]), ET_OK);
  open_all_nonblocking(c, 2);
  assert_int_equal(et_posix_open_step(c[0]), ET_OK); /* open stays open */
  send_all_ms(&port, c[0], health_req, 0);
  send_all_ms(&port, c[1], health_req, 0);
  recv_all_ms(&port, c[1], r1, sizeof r1, 0);
  recv_all_ms(&port, c[0], r0, sizeof r0, 0);
  assert_non_null(strstr(r0, "{\"status\":\"ok\"}"));
  assert_non_null(strstr(r1, "{\"status\":\"ok\"}"));
  port.close(c[0]);
  port.close(c[1]);
  assert_true(all_slots_free(&px));
  et_posix_free(&px);
}

static void test_nonblocking_refused(void **state) {
  (void)state;
  et_posix px;
  et_port port;
  port_init(&px, &port, "ca.pem");
  uint16_t p = 0;
  int lfd = listener(AF_INET, &p);
  assert_true(lfd >= 0);
  close(lfd); /* nothing listens there now */
  et_conn *c = NULL;
  et_err e = et_posix_open_start(&px, ET_STR("127.0.0.1"), p, false, &c);
  /* Refused at once, or when the step looks. */
  while (e == ET_OK && (e = et_posix_open_step(c)) == ET_E_TIMEOUT) {
    assert_true(et_posix_conn_wants_write(c)); /* a connect under way */
    wait_ready(c);
  }
  assert_int_equal(e, ET_E_CONNECT);
  assert_true(contains_nocase(et_posix_detail(&px), "refused"));
  assert_true(all_slots_free(&px));
  et_posix_free(&px);
}

int main(void) {
  /* SIGPIPE stays fatal: test_send_to_closed_peer proves the port never
   * raises it. */
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tls_roundtrip),
    cmocka_unit_test(test_tls_keepalive_timeout),
    cmocka_unit_test(test_tls_untrusted_ca),
    cmocka_unit_test(test_tls_wrong_name),
    cmocka_unit_test(test_tls_to_plain_listener),
    cmocka_unit_test(test_connect_refused),
    cmocka_unit_test(test_dns_failure),
    cmocka_unit_test(test_bad_host_args),
    cmocka_unit_test(test_recv_timeout_and_nospace),
    cmocka_unit_test(test_peer_close_plain),
    cmocka_unit_test(test_send_to_closed_peer),
    cmocka_unit_test(test_ipv6_loopback),
    cmocka_unit_test(test_cancel),
    cmocka_unit_test(test_ca_file_errors),
    cmocka_unit_test(test_random),
    cmocka_unit_test(test_clocks),
    cmocka_unit_test(test_sha256),
    cmocka_unit_test(test_log_levels),
    cmocka_unit_test(test_log_to_stderr_drops_control_bytes),
    cmocka_unit_test(test_two_tls_connections_at_once),
    cmocka_unit_test(test_session_resumed),
    cmocka_unit_test(test_session_declined),
    cmocka_unit_test(test_sessions_persisted),
    cmocka_unit_test(test_nonblocking_two_at_once),
    cmocka_unit_test(test_nonblocking_refused),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
