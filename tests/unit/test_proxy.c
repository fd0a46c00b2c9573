/* SPDX-License-Identifier: MIT */
/* HTTP proxy codecs (et_proxy.h): the CONNECT request byte for byte, the
 * answer parser in every split, proxy URLs and the no_proxy list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/et_proxy.h"

static et_str S(const char *s) {
  return et_str_from_cstr(s);
}

/* The request for host:port with user/pass into out (NUL-terminated). */
static et_err connect_req(char *out, size_t cap, const char *host, uint16_t port,
                          const char *user, const char *pass, bool redact) {
  et_buf b;
  et_buf_init(&b, out, cap - 1);
  b.redact = redact;
  et_err e = et_proxy_connect_write(&b, S(host), port, S(user), S(pass));
  out[e == ET_OK ? b.len : 0] = '\0';
  return e;
}

static void connect_request_bytes(void **state) {
  char out[512];
  (void)state;
  assert_int_equal(connect_req(out, sizeof out, "login.example.com", 443, "", "", false), ET_OK);
  assert_string_equal(out, "CONNECT login.example.com:443 HTTP/1.1\r\n"
                           "Host: login.example.com:443\r\n"
                           "User-Agent: edgetoken/0.1\r\n\r\n");
  assert_int_equal(connect_req(out, sizeof out, "::1", 8443, "", "", false), ET_OK);
  assert_string_equal(out, "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"
                           "User-Agent: edgetoken/0.1\r\n\r\n");
  assert_int_equal(connect_req(out, sizeof out, "[::1]", 8443, "", "", false), ET_OK);
  assert_non_null(strstr(out, "CONNECT [::1]:8443 "));
}

/* RFC 7617's example, and every padding length of user ':' pass. */
static void basic_credentials(void **state) {
  static const struct {
    const char *user, *pass, *b64;
  } v[] = {
    { "Aladdin", "open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==" },
    { "a", "", "YTo=" },            /* "a:": 2 bytes, one '=' */
    { "ab", "", "YWI6" },           /* 3 bytes, none */
    { "ab", "c", "YWI6Yw==" },      /* 4 bytes, two */
    { "u", "\xff\xfe?>", "dTr//j8+" }, /* the alphabet's '+' and '/' */
  };
  (void)state;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char out[512], want[128];
    assert_int_equal(connect_req(out, sizeof out, "h", 1, v[i].user, v[i].pass, false), ET_OK);
    strcpy(want, "\r\nProxy-Authorization: Basic ");
    strcat(want, v[i].b64);
    strcat(want, "\r\n\r\n");
    assert_non_null(strstr(out, want));
    assert_int_equal(connect_req(out, sizeof out, "h", 1, v[i].user, v[i].pass, true), ET_OK);
    assert_non_null(strstr(out, "\r\nProxy-Authorization: Basic ***\r\n\r\n"));
    assert_null(strstr(out, v[i].b64));
  }
}

static void connect_request_refusals(void **state) {
  char out[512];
  char small[40];
  (void)state;
  assert_int_equal(connect_req(out, sizeof out, "", 443, "", "", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h", 0, "", "", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "a b", 443, "", "", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h\r\nX: y", 443, "", "", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h/x", 443, "", "", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "[]", 443, "", "", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h", 443, "a:b", "c", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h", 443, "a\n", "c", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h", 443, "a", "c\r", false), ET_E_ARG);
  assert_int_equal(connect_req(out, sizeof out, "h", 443, "", "pass", false), ET_E_ARG);
  assert_int_equal(et_proxy_connect_write(NULL, S("h"), 1, S(""), S("")), ET_E_ARG);
  /* Too small: NOSPACE, never a cut request. */
  assert_int_equal(connect_req(small, sizeof small, "login.example.com", 443, "", "", false),
                   ET_E_NOSPACE);
  assert_int_equal(connect_req(out, 100, "h", 1, "user", "a-long-password-xxxxxxxxxxxxxxxx",
                               false), ET_E_NOSPACE);
}

/* Parse text in pieces of step bytes: the error, status, done, bytes used. */
static et_err answer(const char *text, size_t step, et_proxy_answer *a, size_t *used_all) {
  size_t n = strlen(text), at = 0;
  et_proxy_answer_init(a);
  *used_all = 0;
  while (at < n && !a->done) {
    size_t k = n - at < step ? n - at : step, used = 99;
    et_err e = et_proxy_answer_parse(a, (const uint8_t *)text + at, k, &used);
    if (e != ET_OK)
      return e;
    assert_true(used <= k);
    *used_all += used;
    at += k;
  }
  return ET_OK;
}

static void answers_in_every_split(void **state) {
  static const struct {
    const char *text;
    int status;
    size_t head; /* bytes of the head: what follows is not parsed */
  } v[] = {
    { "HTTP/1.1 200 Connection established\r\n\r\n", 200, 39 },
    { "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n", 200, 70 },
    { "HTTP/1.1 200\r\n\r\n", 200, 16 },
    { "HTTP/1.1 200 OK\n\n", 200, 17 },
    { "HTTP/1.1 407 Proxy Authentication Required\r\n"
      "Proxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 5\r\n\r\nhello", 407, 102 },
    { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\n\r\n", 403, 51 },
    { "HTTP/1.1 200 OK\r\n\r\n\x16\x03\x03", 200, 19 },
  };
  (void)state;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    for (size_t step = 1; step <= strlen(v[i].text); step++) {
      et_proxy_answer a;
      size_t used;
      assert_int_equal(answer(v[i].text, step, &a, &used), ET_OK);
      assert_true(a.done);
      assert_int_equal(a.status, v[i].status);
      assert_int_equal(used, v[i].head);
    }
  }
}

static void malformed_answers(void **state) {
  static const char *const bad[] = {
    "SSH-2.0-OpenSSH_9.2\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
    "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n",
    "HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n",
    "HTTP/1.1 200 OK\r\n folded\r\n\r\n", "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
    "\r\n",
  };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    et_proxy_answer a;
    size_t used;
    if (answer(bad[i], 1, &a, &used) != ET_E_HTTP_SYNTAX)
      fail_msg("accepted: %s", bad[i]);
  }
  /* A NUL inside a header line (strlen would stop at it). */
  {
    static const uint8_t nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
    et_proxy_answer a;
    size_t used;
    et_proxy_answer_init(&a);
    assert_int_equal(et_proxy_answer_parse(&a, nul, sizeof nul - 1, &used), ET_E_HTTP_SYNTAX);
  }
  /* A head without end, over the limit. */
  {
    static char big[ET_PROXY_HEAD_MAX + 64];
    et_proxy_answer a;
    size_t used;
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    assert_int_equal(answer(big, 1000, &a, &used), ET_E_HTTP_TOO_LARGE);
  }
  {
    et_proxy_answer a;
    size_t used;
    et_proxy_answer_init(&a);
    assert_int_equal(et_proxy_answer_parse(&a, NULL, 1, &used), ET_E_ARG);
    assert_int_equal(et_proxy_answer_parse(NULL, (const uint8_t *)"H", 1, &used), ET_E_ARG);
  }
}

static void proxy_urls(void **state) {
  static const struct {
    const char *url, *host;
    uint16_t port;
    bool info;
    const char *user, *pass;
  } ok[] = {
    { "http://proxy.corp:3128", "proxy.corp", 3128, false, "", "" },
    { "HTTP://proxy.corp:3128/", "proxy.corp", 3128, false, "", "" },
    { "proxy.corp", "proxy.corp", ET_PROXY_DEFAULT_PORT, false, "", "" },
    { "10.0.0.1:8080", "10.0.0.1", 8080, false, "", "" },
    { "http://[::1]:3128", "::1", 3128, false, "", "" },
    { "http://[fe80::1]", "fe80::1", ET_PROXY_DEFAULT_PORT, false, "", "" },
    { "http://u:p@h:1", "h", 1, true, "u", "p" },
    { "http://u%40corp:p%3Aw@ss@h:65535", "h", 65535, true, "u%40corp", "p%3Aw@ss" },
    { "http://user@h", "h", ET_PROXY_DEFAULT_PORT, true, "user", "" },
    { "http://:pw@h", "h", ET_PROXY_DEFAULT_PORT, true, "", "pw" },
  };
  static const char *const bad[] = {
    "", "http://", "https://proxy:3128", "socks5://proxy:1080", "http://proxy:0",
    "http://proxy:65536", "http://proxy:port", "http://proxy:3128/path", "http://proxy?x",
    "http://proxy#f", "http://pro xy", "http://[::1", "http://::1", "http://u:p@",
    "http://pro\x01xy", "http://under_score",
  };
  (void)state;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    et_proxy_url u;
    assert_int_equal(et_proxy_url_parse(S(ok[i].url), &u), ET_OK);
    assert_true(et_str_eq(u.host, S(ok[i].host)));
    assert_int_equal(u.port, ok[i].port);
    assert_int_equal(u.has_userinfo, ok[i].info);
    assert_true(et_str_eq(u.user, S(ok[i].user)));
    assert_true(et_str_eq(u.pass, S(ok[i].pass)));
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    et_proxy_url u;
    if (et_proxy_url_parse(S(bad[i]), &u) != ET_E_URL)
      fail_msg("accepted: %s", bad[i]);
  }
  assert_int_equal(et_proxy_url_parse(S("h"), NULL), ET_E_ARG);
}

static void percent_decoding(void **state) {
  char out[16];
  size_t n = 0;
  (void)state;
  assert_int_equal(et_proxy_pct_decode(S("p%3Aw%40d%2f%7E"), out, sizeof out, &n), ET_OK);
  assert_int_equal(n, 7);
  assert_memory_equal(out, "p:w@d/~", 7);
  assert_int_equal(et_proxy_pct_decode(S("%00x"), out, sizeof out, &n), ET_OK);
  assert_int_equal(n, 2);
  assert_int_equal(out[0], '\0');
  assert_int_equal(et_proxy_pct_decode(S(""), out, sizeof out, &n), ET_OK);
  assert_int_equal(n, 0);
  assert_int_equal(et_proxy_pct_decode(S("%4"), out, sizeof out, &n), ET_E_URL);
  assert_int_equal(et_proxy_pct_decode(S("%zz"), out, sizeof out, &n), ET_E_URL);
  assert_int_equal(et_proxy_pct_decode(S("%"), out, sizeof out, &n), ET_E_URL);
  assert_int_equal(et_proxy_pct_decode(S("abcd"), out, 3, &n), ET_E_NOSPACE);
  assert_int_equal(et_proxy_pct_decode(S("abc"), out, 3, &n), ET_OK);
}

static void no_proxy_lists(void **state) {
  static const struct {
    const char *list, *host;
    uint16_t port;
    bool direct;
  } v[] = {
    { "", "example.com", 443, false },
    { "*", "anything.example", 443, true },
    { "a.org, *", "anything.example", 443, true },
    { "example.com", "example.com", 443, true },
    { "example.com", "login.example.com", 443, true },
    { ".example.com", "example.com", 443, true },
    { ".example.com", "a.b.example.com", 443, true },
    { "example.com", "badexample.com", 443, false },
    { "example.com", "example.com.evil", 443, false },
    { "EXAMPLE.com", "Login.Example.COM", 443, true },
    { "example.com.", "login.example.com", 443, true },
    { "example.com", "login.example.com.", 443, true },
    { "foo, bar ,  example.com ", "x.example.com", 443, true },
    { "foo,,bar", "example.com", 443, false },
    { "example.com:8443", "example.com", 8443, true },
    { "example.com:8443", "example.com", 443, false },
    { "localhost", "localhost", 40123, true },
    { "127.0.0.1", "127.0.0.1", 443, true },
    { "0.0.1", "127.0.0.1", 443, false },
    { "127.0.0.1:8443", "127.0.0.1", 443, false },
    { "::1", "::1", 443, true },
    { "::1", "[::1]", 443, true },
    { "[::1]:443", "::1", 443, true },
    { "[::1]:443", "::1", 80, false },
    { "*.example.com", "a.example.com", 443, false }, /* curl: no glob but "*" */
  };
  (void)state;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    if (et_proxy_bypass(S(v[i].list), S(v[i].host), v[i].port) != v[i].direct)
      fail_msg("no_proxy \"%s\", host %s:%u: want %s", v[i].list, v[i].host, v[i].port,
               v[i].direct ? "direct" : "proxy");
  assert_false(et_proxy_bypass(ET_STR_NULL, S("h"), 1));
  assert_false(et_proxy_bypass(S("h"), ET_STR_NULL, 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(connect_request_bytes),
    cmocka_unit_test(basic_credentials),
    cmocka_unit_test(connect_request_refusals),
    cmocka_unit_test(answers_in_every_split),
    cmocka_unit_test(malformed_answers),
    cmocka_unit_test(proxy_urls),
    cmocka_unit_test(percent_decoding),
    cmocka_unit_test(no_proxy_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
