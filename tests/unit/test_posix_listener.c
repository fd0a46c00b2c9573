/* SPDX-License-Identifier: MIT */
/* The loopback redirect listener against real sockets: this test is the
 * "browser". Requests are written before et_listener_wait runs (the kernel
 * queues the connection and its bytes), so one thread is enough. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "edgetoken/et_posix_listener.h"
#include "px_listener.h"

static et_listener L;

static int dial(int af, uint16_t port) {
  int fd = socket(af, SOCK_STREAM, 0);
  struct timeval tv = { 5, 0 };
  assert_true(fd >= 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (af == AF_INET6) {
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(port);
    a6.sin6_addr = in6addr_loopback;
    assert_int_equal(connect(fd, (struct sockaddr *)&a6, sizeof a6), 0);
  } else {
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_port = htons(port);
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a4, sizeof a4), 0);
  }
  return fd;
}

static int request(const char *req) {
  int fd = dial(AF_INET, et_listener_port(&L));
  size_t n = strlen(req);
  assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
  return fd;
}

/* The whole answer until the listener closes; the fd is closed. */
static const char *response(int fd) {
  static char buf[4096];
  size_t len = 0;
  ssize_t k;
  while (len < sizeof buf - 1 && (k = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
    len += (size_t)k;
  buf[len] = '\0';
  close(fd);
  return buf;
}

static int open_any(void **state) {
  (void)state;
  return et_listener_open(&L, "http://localhost:0/", NULL) == ET_OK ? 0 : -1;
}

static int close_it(void **state) {
  (void)state;
  et_listener_close(&L);
  return 0;
}

static void test_stray_requests_404_then_query_and_page(void **state) {
  char q[256];
  size_t n = 0;
  (void)state;
  assert_int_not_equal(et_listener_port(&L), 0);
  int idle = dial(AF_INET, et_listener_port(&L)); /* a browser's spare connection */
  int fav = request("GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\n\r\n");
  int other = request("GET /other?code=stolen HTTP/1.1\r\nHost: localhost\r\n\r\n");
  int real = request("GET /?code=0.AX-abc%2Fdef&state=S1&session_state=x HTTP/1.1\r\n"
                     "Host: localhost\r\nUser-Agent: test\r\n\r\n");
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_string_equal(q, "code=0.AX-abc%2Fdef&state=S1&session_state=x");
  assert_int_equal(n, strlen(q));
  const char *r = response(fav);
  assert_true(strncmp(r, "HTTP/1.1 404 ", 13) == 0);
  r = response(other);
  assert_true(strncmp(r, "HTTP/1.1 404 ", 13) == 0);
  assert_null(strstr(r, "stolen"));

  assert_int_equal(et_listener_finish(&L, ET_PAGE_SIGNED_IN, NULL), ET_OK);
  r = response(real);
  assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(r, "Signed in."));
  assert_non_null(strstr(r, "You can close this window"));
  assert_non_null(strstr(r, "Referrer-Policy: no-referrer"));
  assert_non_null(strstr(r, "Cache-Control: no-store"));
  assert_null(strstr(r, "abc"));                  /* the code is not echoed */
  /* Content-Length matches the body. */
  const char *body = strstr(r, "\r\n\r\n") + 4;
  size_t cl = 0;
  assert_int_equal(sscanf(strstr(r, "Content-Length: "), "Content-Length: %zu", &cl), 1);
  assert_int_equal(cl, strlen(body));
  /* Only one page per redirect. */
  assert_int_equal(et_listener_finish(&L, ET_PAGE_SIGNED_IN, NULL), ET_E_ARG);
  close(idle);
}

static void test_custom_path_must_match_exactly(void **state) {
  char q[64];
  size_t n;
  (void)state;
  et_listener_close(&L);
  assert_int_equal(et_listener_open(&L, "http://127.0.0.1:0/callback", NULL), ET_OK);
  int a = request("GET / HTTP/1.1\r\n\r\n");
  int b = request("GET /callback/x?code=1 HTTP/1.1\r\n\r\n");
  int c = request("GET /callbackx?code=1 HTTP/1.1\r\n\r\n");
  int d = request("GET /callback HTTP/1.0\n\n"); /* bare LF, no query */
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_int_equal(n, 0);
  assert_string_equal(q, "");
  assert_true(strncmp(response(a), "HTTP/1.1 404", 12) == 0);
  assert_true(strncmp(response(b), "HTTP/1.1 404", 12) == 0);
  assert_true(strncmp(response(c), "HTTP/1.1 404", 12) == 0);
  assert_int_equal(et_listener_finish(&L, ET_PAGE_ERROR, NULL), ET_OK);
  assert_true(strncmp(response(d), "HTTP/1.1 400", 12) == 0);
}

static void test_other_methods_and_garbage_are_refused(void **state) {
  char q[64];
  size_t n;
  (void)state;
  int post = request("POST /?code=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  int head = request("HEAD /?code=1 HTTP/1.1\r\n\r\n");
  int junk = request("hello\r\n\r\n");
  int nul = dial(AF_INET, et_listener_port(&L));
  assert_int_equal(send(nul, "GET /?code=1\0x HTTP/1.1\r\n\r\n", 27, 0), 27);
  int real = request("GET /?state=ok HTTP/1.1\r\n\r\n");
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_string_equal(q, "state=ok");
  const char *r = response(post);
  assert_true(strncmp(r, "HTTP/1.1 405", 12) == 0);
  assert_non_null(strstr(r, "Allow: GET"));
  assert_true(strncmp(response(head), "HTTP/1.1 405", 12) == 0);
  assert_true(strncmp(response(junk), "HTTP/1.1 400", 12) == 0);
  assert_true(strncmp(response(nul), "HTTP/1.1 400", 12) == 0);
  assert_int_equal(et_listener_finish(&L, ET_PAGE_SIGNED_IN, NULL), ET_OK);
  assert_true(strncmp(response(real), "HTTP/1.1 200", 12) == 0);
}

static void test_error_pages_escape_the_detail(void **state) {
  char q[64];
  size_t n;
  (void)state;
  int c = request("GET /?error=access_denied HTTP/1.1\r\n\r\n");
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_int_equal(et_listener_finish(&L, ET_PAGE_ERROR, "<script>alert('x')</script>&"),
                   ET_OK);
  const char *r = response(c);
  assert_true(strncmp(r, "HTTP/1.1 400", 12) == 0);
  assert_non_null(strstr(r, "Sign-in failed."));
  assert_non_null(strstr(r, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"));
  assert_null(strstr(r, "<script>"));

  c = request("GET /?code=x&state=forged HTTP/1.1\r\n\r\n");
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_int_equal(et_listener_finish(&L, ET_PAGE_STATE_MISMATCH, NULL), ET_OK);
  r = response(c);
  assert_true(strncmp(r, "HTTP/1.1 400", 12) == 0);
  assert_non_null(strstr(r, "state mismatch"));
}

static void test_timeout_and_cancel(void **state) {
  char q[64];
  size_t n;
  volatile int cancel = 0;
  (void)state;
  int idle = dial(AF_INET, et_listener_port(&L)); /* connects, never asks */
  assert_int_equal(et_listener_wait(&L, 300, q, sizeof q, &n), ET_E_TIMEOUT);
  assert_non_null(strstr(et_listener_detail(&L), "no answer"));
  close(idle);
  et_listener_close(&L);
  assert_int_equal(et_listener_open(&L, "http://localhost:0", &cancel), ET_OK);
  cancel = 1;
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_E_CANCELLED);
}

static void test_long_requests(void **state) {
  static char big[ET_LISTENER_REQ_MAX + 100];
  char q[32];
  size_t n;
  (void)state;
  /* A request line longer than the buffer: 431, and the wait goes on. */
  memset(big, 'a', sizeof big - 1);
  memcpy(big, "GET /?", 6);
  int huge = dial(AF_INET, et_listener_port(&L));
  assert_int_equal(send(huge, big, ET_LISTENER_REQ_MAX + 10, 0), ET_LISTENER_REQ_MAX + 10);
  assert_int_equal(et_listener_wait(&L, 300, q, sizeof q, &n), ET_E_TIMEOUT);
  assert_true(strncmp(response(huge), "HTTP/1.1 431", 12) == 0);
  /* The expected path with a query longer than the caller's buffer. */
  int longq = request("GET /?code=0123456789012345678901234567890123456789 HTTP/1.1\r\n\r\n");
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_E_NOSPACE);
  assert_true(strncmp(response(longq), "HTTP/1.1 414", 12) == 0);
  /* Headers beyond the buffer are fine once the request line is in. */
  memset(big, 'h', sizeof big - 1);
  memcpy(big, "GET /?code=1 HTTP/1.1\r\nX-Big: ", 30);
  int fat = dial(AF_INET, et_listener_port(&L));
  assert_int_equal(send(fat, big, ET_LISTENER_REQ_MAX + 50, 0), ET_LISTENER_REQ_MAX + 50);
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_string_equal(q, "code=1");
  assert_int_equal(et_listener_finish(&L, ET_PAGE_SIGNED_IN, NULL), ET_OK);
  assert_true(strncmp(response(fat), "HTTP/1.1 200", 12) == 0);
}

static void test_more_idle_connections_than_slots(void **state) {
  int idle[ET_LISTENER_SLOTS + 2];
  char q[32];
  size_t n;
  (void)state;
  for (size_t i = 0; i < ET_LISTENER_SLOTS + 2; i++)
    idle[i] = dial(AF_INET, et_listener_port(&L));
  assert_int_equal(et_listener_wait(&L, 300, q, sizeof q, &n), ET_E_TIMEOUT);
  int real = request("GET /?code=7 HTTP/1.1\r\n\r\n");
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_string_equal(q, "code=7");
  assert_int_equal(et_listener_finish(&L, ET_PAGE_SIGNED_IN, NULL), ET_OK);
  assert_true(strncmp(response(real), "HTTP/1.1 200", 12) == 0);
  for (size_t i = 0; i < ET_LISTENER_SLOTS + 2; i++)
    close(idle[i]);
}

static void test_ipv6_loopback_when_present(void **state) {
  char q[32];
  size_t n;
  (void)state;
  if (L.lfd[1] < 0)
    skip(); /* no [::1] on this host */
  int fd = dial(AF_INET6, et_listener_port(&L));
  assert_int_equal(send(fd, "GET /?code=6 HTTP/1.1\r\n\r\n", 25, 0), 25);
  assert_int_equal(et_listener_wait(&L, 5000, q, sizeof q, &n), ET_OK);
  assert_string_equal(q, "code=6");
  assert_int_equal(et_listener_finish(&L, ET_PAGE_SIGNED_IN, NULL), ET_OK);
  assert_true(strncmp(response(fd), "HTTP/1.1 200", 12) == 0);
}

static void test_port_in_use_is_refused(void **state) {
  char uri[64];
  et_listener other;
  (void)state;
  snprintf(uri, sizeof uri, "http://localhost:%u/", (unsigned)et_listener_port(&L));
  assert_int_equal(et_listener_open(&other, uri, NULL), ET_E_IO);
  assert_non_null(strstr(et_listener_detail(&other), "in use"));
  et_listener_close(&other);
}

static void test_redirect_uris(void **state) {
  static const char *bad[] = {
    "https://localhost:0/", "http://example.com:0/", "http://localhost.evil:0/",
    "http://localhost:/", "http://localhost:99999/", "http://localhost:0/?x=1",
    "http://localhost:0/#f", "http://localhost:0/a b", "http://user@localhost:0/",
    "http://[::2]:0/", "localhost:0", "", "http://localhost:0x", "http://localhost:123456/",
  };
  static const char *good[] = {
    "http://localhost:0", "HTTP://LocalHost:0/", "http://127.0.0.1:0/cb",
    "http://[::1]:0/a/b-c_d.e~f",
  };
  et_listener l;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(et_listener_open(&l, bad[i], NULL), ET_E_URL);
    et_listener_close(&l);
  }
  assert_int_equal(et_listener_open(&l, NULL, NULL), ET_E_URL);
  et_listener_close(&l);
  assert_int_equal(et_listener_open(NULL, "http://localhost:0", NULL), ET_E_ARG);
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    assert_int_equal(et_listener_open(&l, good[i], NULL), ET_OK);
    assert_int_not_equal(et_listener_port(&l), 0);
    et_listener_close(&l);
  }
}

/* The request-line parser alone (px_listener.h), as the fuzzer sees it. */
static void test_request_line_parser(void **state) {
  et_str q;
  (void)state;
  assert_int_equal(px_listener_request("GET /cb?code=a&state=b#f HTTP/1.1\r\nHost: x\r\n\r\n",
                                       "/cb", &q), PX_REQ_REDIRECT);
  assert_true(et_str_eq(q, ET_STR("code=a&state=b")));
  assert_int_equal(px_listener_request("GET /cb HTTP/1.0\n\n", "/cb", &q), PX_REQ_REDIRECT);
  assert_int_equal(q.n, 0);
  assert_int_equal(px_listener_request("GET /cb2?x HTTP/1.1\r\n", "/cb", &q), PX_REQ_NOT_FOUND);
  assert_null(q.p);
  assert_int_equal(px_listener_request("POST /cb?x HTTP/1.1\r\n", "/cb", &q), PX_REQ_METHOD);
  assert_int_equal(px_listener_request("GET /cb?x HTTP/2\r\n", "/cb", &q), PX_REQ_BAD);
  /* The version must be on the request line, not after it. */
  assert_int_equal(px_listener_request("GET /cb?x \r\nHTTP/1.1\r\n", "/cb", &q), PX_REQ_BAD);
  assert_int_equal(px_listener_request("GET /cb?x\r\n HTTP/1.1\r\n", "/cb", &q), PX_REQ_BAD);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_stray_requests_404_then_query_and_page, open_any,
                                    close_it),
    cmocka_unit_test_setup_teardown(test_custom_path_must_match_exactly, open_any, close_it),
    cmocka_unit_test_setup_teardown(test_other_methods_and_garbage_are_refused, open_any,
                                    close_it),
    cmocka_unit_test_setup_teardown(test_error_pages_escape_the_detail, open_any, close_it),
    cmocka_unit_test_setup_teardown(test_timeout_and_cancel, open_any, close_it),
    cmocka_unit_test_setup_teardown(test_long_requests, open_any, close_it),
    cmocka_unit_test_setup_teardown(test_more_idle_connections_than_slots, open_any, close_it),
    cmocka_unit_test_setup_teardown(test_ipv6_loopback_when_present, open_any, close_it),
    cmocka_unit_test_setup_teardown(test_port_in_use_is_refused, open_any, close_it),
    cmocka_unit_test(test_redirect_uris),
    cmocka_unit_test(test_request_line_parser),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
