/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request writer and incremental response parser: exact request
 * bytes, injection refusal, sticky overflow; responses fed whole, one byte
 * at a time, at every two-way split and in place; every malformed input
 * and every truncation gets its typed error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

/* ---- request writer ---------------------------------------------------- */

static et_http_request post_request(void) {
  static const et_http_header extra[] = {
    { { "data-partition-id", 17 }, { "opendes", 7 } },
  };
  et_http_request r;
  memset(&r, 0, sizeof r);
  r.method = ET_STR("POST");
  r.host = ET_STR("login.microsoftonline.com");
  r.port = 443;
  r.tls = true;
  r.path = ET_STR("/contoso.onmicrosoft.com/oauth2/v2.0/token");
  r.content_type = ET_STR("application/x-www-form-urlencoded");
  r.authorization = ET_STR("Bearer eyJ0eXAi");
  r.extra = extra;
  r.n_extra = 1;
  r.body_len = 123;
  return r;
}

static const char post_bytes[] =
    "POST /contoso.onmicrosoft.com/oauth2/v2.0/token HTTP/1.1\r\n"
    "Host: login.microsoftonline.com\r\n"
    "User-Agent: edgetoken/0.1\r\n"
    "Accept: application/json\r\n"
    "Connection: close\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Authorization: Bearer eyJ0eXAi\r\n"
    "data-partition-id: opendes\r\n"
    "Content-Length: 123\r\n"
    "\r\n";

static void write_to(char *out, size_t cap, const et_http_request *r,
                     et_err want, const char *bytes) {
  et_buf b;
  et_buf_init(&b, out, cap);
  assert_int_equal(et_http_request_write(&b, r), want);
  if (bytes != NULL) {
    assert_int_equal(b.len, strlen(bytes));
    assert_memory_equal(out, bytes, b.len);
  }
}

static void request_post_exact(void **state) {
  char out[512];
  et_http_request r = post_request();
  (void)state;
  write_to(out, sizeof out, &r, ET_OK, post_bytes);
}

static void request_get_exact(void **state) {
  char out[512];
  et_http_request r;
  (void)state;
  memset(&r, 0, sizeof r);
  r.method = ET_STR("GET");
  r.host = ET_STR("contoso.energy.azure.com");
  r.port = 443;
  r.tls = true;
  r.path = ET_STR("/api/entitlements/v2/groups");
  r.authorization = ET_STR("Bearer abc");
  write_to(out, sizeof out, &r, ET_OK,
           "GET /api/entitlements/v2/groups HTTP/1.1\r\n"
           "Host: contoso.energy.azure.com\r\n"
           "User-Agent: edgetoken/0.1\r\n"
           "Accept: application/json\r\n"
           "Connection: close\r\n"
           "Authorization: Bearer abc\r\n"
           "\r\n");
}

static void request_post_empty_body_has_length(void **state) {
  char out[512];
  et_http_request r = post_request();
  et_str want = ET_STR("Content-Length: 0\r\n\r\n");
  et_buf b;
  (void)state;
  r.body_len = 0;
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  assert_memory_equal(out + b.len - want.n, want.p, want.n);
}

static void host_line(uint16_t port, bool tls, const char *host,
                      const char *want) {
  char out[512];
  et_http_request r;
  et_buf b;
  memset(&r, 0, sizeof r);
  r.method = ET_STR("GET");
  r.host = et_str_from_cstr(host);
  r.port = port;
  r.tls = tls;
  r.path = ET_STR("/");
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  /* The Host line follows the request line "GET / HTTP/1.1\r\n". */
  assert_true(b.len > 16 + strlen(want));
  assert_memory_equal(out + 16, want, strlen(want));
}

static void request_host_port(void **state) {
  (void)state;
  host_line(443, true, "login.microsoftonline.com",
            "Host: login.microsoftonline.com\r\n");
  host_line(8443, true, "localhost", "Host: localhost:8443\r\n");
  host_line(80, true, "localhost", "Host: localhost:80\r\n");
  host_line(80, false, "127.0.0.1", "Host: 127.0.0.1\r\n");
  host_line(8080, false, "127.0.0.1", "Host: 127.0.0.1:8080\r\n");
  host_line(443, false, "localhost", "Host: localhost:443\r\n");
}

static void request_ipv6_host(void **state) {
  (void)state;
  host_line(8443, true, "::1", "Host: [::1]:8443\r\n");
  host_line(443, true, "fe80::1", "Host: [fe80::1]\r\n");
  host_line(8443, true, "[::1]", "Host: [::1]:8443\r\n");
}

static void refused(et_http_request r) {
  char out[512];
  et_buf b;
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_http_request_write(&b, &r), ET_E_ARG);
  assert_int_equal(b.len, 0); /* nothing half-written */
}

static void request_injection_rejected(void **state) {
  et_http_request r;
  et_http_header bad[1];
  (void)state;
  r = post_request(); r.host = ET_STR("evil.com\r\nX-A: b"); refused(r);
  r = post_request(); r.host = ET_STR("a b"); refused(r);
  r = post_request(); r.host = ET_STR(""); refused(r);
  r = post_request(); r.path = ET_STR("/a\nb"); refused(r);
  r = post_request(); r.path = ET_STR("/a HTTP/1.0"); refused(r);
  r = post_request(); r.path = ET_STR("token"); refused(r);
  r = post_request(); r.path = ET_STR(""); refused(r);
  r = post_request(); r.method = ET_STR(""); refused(r);
  r = post_request(); r.method = ET_STR("GE T"); refused(r);
  r = post_request(); r.method = ET_STR("GET\r\n"); refused(r);
  r = post_request(); r.content_type = ET_STR("text/plain\r\nX: y"); refused(r);
  r = post_request(); r.authorization = (et_str){ "Bearer a\0b", 10 }; refused(r);
  r = post_request(); r.authorization = ET_STR("Bearer a\nb"); refused(r);
  r = post_request(); r.port = 0; refused(r);
  r = post_request(); r.content_type = (et_str){ NULL, 3 }; refused(r);

  r = post_request();
  bad[0].name = ET_STR("X-Ok");
  bad[0].value = ET_STR("v\r\nInjected: 1");
  r.extra = bad; refused(r);
  bad[0].name = ET_STR("X Bad");
  bad[0].value = ET_STR("v");
  r.extra = bad; refused(r);
  bad[0].name = ET_STR("X:Bad"); refused(r);
  bad[0].name = ET_STR(""); refused(r);
  bad[0].name = ET_STR("X-\xc3\xa9"); refused(r);
  r = post_request(); r.extra = NULL; refused(r);

  assert_int_equal(et_http_request_write(NULL, &r), ET_E_ARG);
}

static void request_overflow_sticky(void **state) {
  char out[512];
  et_http_request r = post_request();
  size_t need = sizeof post_bytes - 1;
  et_buf b;
  (void)state;

  et_buf_init(&b, NULL, 0); /* counting mode measures the head */
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  assert_int_equal(b.len, need);

  write_to(out, need, &r, ET_OK, post_bytes); /* exact fit */

  et_buf_init(&b, out, need - 1); /* one short */
  assert_int_equal(et_http_request_write(&b, &r), ET_E_NOSPACE);
  assert_true(b.overflow);
  assert_true(b.len < need);
  et_buf_put_char(&b, 'x'); /* sticky: even a byte that fits is refused */
  assert_int_equal(et_buf_status(&b), ET_E_NOSPACE);
  assert_true(b.len < need);

  et_buf_init(&b, out, 10); /* fails in the request line already */
  assert_int_equal(et_http_request_write(&b, &r), ET_E_NOSPACE);
  assert_true(b.len <= 10);
}

static bool contains(const char *p, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, needle, k) == 0)
      return true;
  return false;
}

static void request_redacted_authorization(void **state) {
  char out[512];
  et_http_request r = post_request();
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  b.redact = true;
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  assert_true(contains(out, b.len, "Authorization: ***\r\n"));
  assert_false(contains(out, b.len, "eyJ0"));
}

/* client_secret_basic: form-encoded user ':' password, in base64 with every
 * padding length and the '+' that form-encoded text can give ('/' it
 * cannot: it needs a byte ending in six 1 bits, '?' or DEL). */
static void basic_line(const char *user, const char *pass, const char *want) {
  char out[512];
  et_http_request r = post_request();
  et_buf b;
  r.authorization = ET_STR_NULL; /* Basic stands in for it */
  r.basic_user = et_str_from_cstr(user);
  r.basic_pass = et_str_from_cstr(pass);
  r.bearer = ET_STR("not-used-with-basic");
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_http_request_write(&b, &r), ET_OK);
  assert_true(contains(out, b.len, want));
  assert_false(contains(out, b.len, "Bearer"));
}

static void request_basic_exact(void **state) {
  (void)state;
  basic_line("ab", "", "\r\nAuthorization: Basic YWI6\r\n");
  basic_line("a", "", "\r\nAuthorization: Basic YTo=\r\n");
  basic_line("a b", "p+/=", "\r\nAuthorization: Basic YSUyMGI6cCUyQiUyRiUzRA==\r\n");
  basic_line("A", "~", "\r\nAuthorization: Basic QTp+\r\n");
}

/* ---- response parser --------------------------------------------------- */

#define CAP 512

typedef struct result {
  et_err err;           /* first error of parse, else of eof (if asked) */
  et_http_response r;
  uint8_t body[CAP + 16]; /* 16 canary bytes after cap */
  size_t body_len;
  size_t used;          /* input bytes consumed in total */
} result;

static void result_init(result *res) {
  memset(res, 0, sizeof *res);
  memset(res->body, 0xA5, sizeof res->body);
  et_http_response_init(&res->r);
}

/* Feeds msg as a first piece of `first` bytes, then pieces of `step`. */
static void feed_pieces(result *res, const char *msg, size_t n, size_t first,
                        size_t step, size_t cap, bool eof) {
  size_t start = 0, k = first;
  result_init(res);
  while (start < n && !res->r.done) {
    size_t used = 0;
    if (k > n - start)
      k = n - start;
    res->err = et_http_response_parse(&res->r, (const uint8_t *)msg + start, k,
                                      &used, res->body, cap, &res->body_len);
    res->used += used;
    assert_true(res->body_len <= cap);
    if (res->err != ET_OK)
      return;
    if (!res->r.done)
      assert_int_equal(used, k);
    start += k;
    k = step;
  }
  if (!res->r.done && eof)
    res->err = et_http_response_eof(&res->r);
}

static void feed_whole(result *res, const char *msg, size_t n, size_t cap,
                       bool eof) {
  feed_pieces(res, msg, n, n, n, cap, eof);
}

static void feed_bytewise(result *res, const char *msg, size_t n, size_t cap,
                          bool eof) {
  feed_pieces(res, msg, n, 1, 1, cap, eof);
}

/* The exchange's way: each receive lands right after the decoded body and
 * is parsed where it lies. */
static void feed_in_place(result *res, const char *msg, size_t n, size_t piece,
                          size_t cap, bool eof) {
  size_t off = 0;
  result_init(res);
  while (off < n && !res->r.done) {
    size_t k = n - off, used = 0;
    uint8_t *dst = res->body + res->body_len;
    if (k > piece)
      k = piece;
    if (k > cap - res->body_len)
      k = cap - res->body_len;
    assert_true(k > 0);
    memcpy(dst, msg + off, k);
    off += k;
    res->err = et_http_response_parse(&res->r, dst, k, &used, res->body, cap,
                                      &res->body_len);
    res->used += used;
    assert_true(res->body_len <= cap);
    if (res->err != ET_OK)
      return;
  }
  if (!res->r.done && eof)
    res->err = et_http_response_eof(&res->r);
}

static void assert_same(const result *a, const result *b) {
  assert_int_equal(a->err, b->err);
  if (a->err != ET_OK)
    return;
  assert_int_equal(a->r.status, b->r.status);
  assert_int_equal(a->r.done, b->r.done);
  assert_int_equal(a->r.chunked, b->r.chunked);
  assert_int_equal(a->r.has_content_length, b->r.has_content_length);
  assert_int_equal(a->r.content_length, b->r.content_length);
  assert_int_equal(a->r.close, b->r.close);
  assert_int_equal(a->r.has_retry_after, b->r.has_retry_after);
  assert_int_equal(a->r.retry_after_s, b->r.retry_after_s);
  assert_int_equal(a->r.json, b->r.json);
  assert_int_equal(a->used, b->used);
  assert_int_equal(a->body_len, b->body_len);
  assert_memory_equal(a->body, b->body, a->body_len);
}

#define MSG(lit) lit, sizeof lit - 1

static const char cl_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Cache-Control: no-store, no-cache\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: 58\r\n"
    "X-Ms-Request-Id: 0000aaaa-11bb-cccc-dd33-eeeeee333333\r\n"
    "\r\n"
    "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":1}";

static const char chunked_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "10\r\n{\"token_type\":\"B\r\n"
    "B;name=value;q=\"x\"\r\nearer\",\"a\":\r\n"
    "1 ; ext\r\n1\r\n"
    "0000001\r\n}\r\n"
    "0\r\n"
    "Expires: never\r\n"
    "X-Trailer: 1\r\n"
    "\r\n";

static const char chunked_body[] = "{\"token_type\":\"Bearer\",\"a\":1}";

static const char close_response[] =
    "HTTP/1.1 429 Too Many Requests\r\n"
    "Content-Type: text/plain\r\n"
    "Retry-After: 60\r\n"
    "\r\n"
    "Too Many Requests";

static void content_length_body(void **state) {
  result res;
  char msg[sizeof cl_response + 8];
  (void)state;
  /* Bytes after the body belong to no response and are left unread. */
  memcpy(msg, cl_response, sizeof cl_response - 1);
  memcpy(msg + sizeof cl_response - 1, "HTTP/1.1", 8);
  feed_whole(&res, msg, sizeof msg, CAP, false);
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
  assert_int_equal(res.r.status, 200);
  assert_true(res.r.json);
  assert_true(res.r.has_content_length);
  assert_int_equal(res.r.content_length, 58);
  assert_false(res.r.chunked);
  assert_false(res.r.close);
  assert_false(res.r.has_retry_after);
  assert_int_equal(res.used, sizeof cl_response - 1);
  assert_int_equal(res.body_len, 58);
  assert_memory_equal(res.body, cl_response + sizeof cl_response - 59, 58);
  assert_int_equal(res.body[58], 0xA5);
  /* Done: more input is not consumed, eof is fine. */
  {
    size_t used = 7;
    assert_int_equal(et_http_response_parse(&res.r, (const uint8_t *)"x", 1,
                                            &used, res.body, CAP, &res.body_len),
                     ET_OK);
    assert_int_equal(used, 0);
    assert_int_equal(et_http_response_eof(&res.r), ET_OK);
  }
}

static void chunked_body_decoded(void **state) {
  result res;
  (void)state;
  feed_whole(&res, MSG(chunked_response), CAP, false);
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
  assert_true(res.r.chunked);
  assert_true(res.r.json);
  assert_false(res.r.has_content_length);
  assert_int_equal(res.used, sizeof chunked_response - 1);
  assert_int_equal(res.body_len, sizeof chunked_body - 1);
  assert_memory_equal(res.body, chunked_body, res.body_len);
}

static void chunked_with_content_length_is_an_error(void **state) {
  result res;
  (void)state;
  /* RFC 9112 6.3: "ought to be handled as an error" (issue 14). */
  feed_whole(&res, MSG("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                       "Transfer-Encoding: CHUNKED\r\n\r\n"
                       "3\r\nabc\r\n0\r\n\r\n"), CAP, false);
  assert_int_equal(res.err, ET_E_HTTP_SYNTAX);
  assert_false(res.r.done);
  assert_int_equal(res.body_len, 0);
  /* Also where no body follows (found by fuzz_http_response, whose corpus
   * keeps the input): a 204 or 304 with both is refused, not done. */
  feed_whole(&res, MSG("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n"
                       "Content-Length: 401\r\n\r\n"), CAP, false);
  assert_int_equal(res.err, ET_E_HTTP_SYNTAX);
  assert_false(res.r.done);
  feed_whole(&res, MSG("HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"), CAP, false);
  assert_int_equal(res.err, ET_E_HTTP_SYNTAX);
}

static void close_delimited_body(void **state) {
  result res;
  (void)state;
  feed_whole(&res, MSG(close_response), CAP, false);
  assert_int_equal(res.err, ET_OK);
  assert_false(res.r.done); /* only the close ends it */
  assert_int_equal(res.body_len, 17);
  assert_int_equal(et_http_response_eof(&res.r), ET_OK);
  assert_true(res.r.done);
  assert_int_equal(res.r.status, 429);
  assert_false(res.r.json);
  assert_true(res.r.has_retry_after);
  assert_int_equal(res.r.retry_after_s, 60);
  assert_memory_equal(res.body, "Too Many Requests", 17);
}

static void no_body_statuses(void **state) {
  result res;
  (void)state;
  feed_whole(&res, MSG("HTTP/1.1 204 No Content\r\nX: y\r\n\r\nrest"), CAP,
             false);
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
  assert_int_equal(res.body_len, 0);
  assert_int_equal(res.used, 33);
  feed_whole(&res, MSG("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
             CAP, false);
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
  assert_int_equal(res.body_len, 0);
  feed_whole(&res, MSG("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), CAP,
             false);
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
}

static void interim_responses_skipped(void **state) {
  result res;
  (void)state;
  feed_whole(&res, MSG("HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n"
                       "Retry-After: 5\r\nConnection: close\r\n\r\n"
                       "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n"
                       "\r\n{}"), CAP, false);
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
  assert_int_equal(res.r.status, 400);
  assert_false(res.r.has_retry_after); /* 1xx headers are forgotten */
  assert_false(res.r.close);
  assert_int_equal(res.body_len, 2);
  /* A 100 alone is not a response. */
  feed_whole(&res, MSG("HTTP/1.1 100 Continue\r\n\r\n"), CAP, true);
  assert_int_equal(res.err, ET_E_TRUNCATED);
  feed_whole(&res, MSG("HTTP/1.1 101 Switching Protocols\r\n\r\n"), CAP, true);
  assert_int_equal(res.err, ET_E_HTTP_UNSUPPORTED);
}

/* A response given as head, then the header line a test varies, then the
 * rest, fed whole. */
static void feed_with_line(result *res, const char *head, const char *line, const char *rest) {
  char msg[256];
  size_t n = 0;
  const char *parts[] = { head, line, rest };
  for (size_t i = 0; i < 3; i++) {
    size_t k = strlen(parts[i]);
    assert_true(n + k <= sizeof msg);
    memcpy(msg + n, parts[i], k);
    n += k;
  }
  feed_whole(res, msg, n, CAP, false);
}

static void retry_after_value(const char *line, bool has, uint32_t secs) {
  result res;
  feed_with_line(&res, "HTTP/1.1 503 Service Unavailable\r\n", line,
                 "Content-Length: 0\r\n\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.done);
  assert_int_equal(res.r.has_retry_after, has);
  assert_int_equal(res.r.retry_after_s, secs);
}

static void retry_after(void **state) {
  (void)state;
  retry_after_value("Retry-After: 60\r\n", true, 60);
  retry_after_value("retry-after:0\r\n", true, 0);
  retry_after_value("RETRY-AFTER: \t 120 \t\r\n", true, 120);
  retry_after_value("Retry-After: 86401\r\n", true, 86400);
  retry_after_value("Retry-After: 99999999999999999999999999\r\n", true, 86400);
  retry_after_value("Retry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n", false, 0);
  retry_after_value("Retry-After: 6 0\r\n", false, 0);
  retry_after_value("Retry-After: -1\r\n", false, 0);
  retry_after_value("Retry-After:\r\n", false, 0);
  retry_after_value("X-Retry-After: 60\r\n", false, 0);
}

static void connection_value(const char *status_line, const char *line,
                             bool close) {
  result res;
  feed_with_line(&res, status_line, line, "Content-Length: 0\r\n\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_int_equal(res.r.close, close);
}

static void connection_close(void **state) {
  const char *ok11 = "HTTP/1.1 200 OK\r\n", *ok10 = "HTTP/1.0 200 OK\r\n";
  (void)state;
  connection_value(ok11, "Connection: close\r\n", true);
  connection_value(ok11, "connection: Keep-Alive, CLOSE \r\n", true);
  connection_value(ok11, "Connection: ,, close,\r\n", true);
  connection_value(ok11, "Connection: keep-alive\r\n", false);
  connection_value(ok11, "Connection: closed\r\n", false);
  connection_value(ok11, "Connection: clo se\r\n", false);
  connection_value(ok11, "X-Connection: close\r\n", false);
  connection_value(ok11, "", false);
  connection_value(ok10, "", true);
  connection_value(ok10, "Connection: keep-alive\r\n", false);
}

static void content_type_value(const char *line, bool json) {
  result res;
  feed_with_line(&res, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", line, "\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_int_equal(res.r.json, json);
}

static void content_type_json(void **state) {
  (void)state;
  content_type_value("Content-Type: application/json\r\n", true);
  content_type_value("content-type: Application/JSON;charset=utf-8\r\n", true);
  content_type_value("Content-Type: application/json ; charset=utf-8; "
                     "odata.metadata=minimal; odata.streaming=true\r\n", true);
  content_type_value("Content-Type: application/vnd.openxmlformats-"
                     "officedocument.spreadsheetml.sheet\r\n", false);
  content_type_value("Content-Type: text/plain\r\n", false);
  content_type_value("Content-Type: application/jsonx\r\n", false);
  content_type_value("Content-Type: application/json-patch+json\r\n", false);
  content_type_value("Content-Type: application/js\r\n", false);
  content_type_value("Content-Type: application /json\r\n", false);
  content_type_value("Content-Type: ;application/json\r\n", false);
  /* The last Content-Type counts. */
  content_type_value("Content-Type: text/html\r\n"
                     "Content-Type: application/json\r\n", true);
}

/* Only the first bytes of a name or word are kept (enough for the longest
 * one looked for): whitespace or text that runs past them must not change
 * what the value means. */
#define SP40 "                                        "
static void words_longer_than_the_kept_text(void **state) {
  const char *ok11 = "HTTP/1.1 200 OK\r\n";
  result res;
  (void)state;
  /* Whitespace of any length after a word. */
  connection_value(ok11, "Connection: close" SP40 "\r\n", true);
  connection_value(ok11, "Connection:" SP40 "close" SP40 ", x\r\n", true);
  content_type_value("Content-Type: application/json" SP40 ";charset=utf-8\r\n", true);
  feed_with_line(&res, ok11, "Transfer-Encoding: chunked" SP40 "\r\n", "\r\n0\r\n\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.chunked);
  /* Anything after that whitespace makes another word. */
  connection_value(ok11, "Connection: close" SP40 "x\r\n", false);
  content_type_value("Content-Type: application/json" SP40 "x;charset=utf-8\r\n", false);
  feed_with_line(&res, ok11, "Transfer-Encoding: chunked" SP40 "x\r\n", "\r\n0\r\n\r\n");
  assert_int_equal(res.err, ET_E_HTTP_UNSUPPORTED);
  /* Names and words that start like known ones and run past the kept bytes. */
  connection_value(ok11, "Connection-And-A-Name-Longer-Than-The-Kept-Bytes: close\r\n", false);
  connection_value(ok11, "Connection: close-and-a-word-longer-than-the-kept-bytes\r\n", false);
  content_type_value("Content-Type: application/json-and-a-longer-media-type-name\r\n", false);
  feed_with_line(&res, ok11, "Content-Length-And-A-Name-Longer-Than-Kept: x\r\n", "\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_false(res.r.has_content_length);
}

/* Values keep their inner whitespace (a date needs it) and lose the
 * trailing part: a word with a space inside is no word, and whitespace
 * never counts as the byte past the kept text, so it cannot make a word
 * too long. The edges: "close" and 28 spaces fill the 33 kept bytes. */
#define SP28 "                            "
static void whitespace_inside_values(void **state) {
  const char *ok11 = "HTTP/1.1 200 OK\r\n";
  result res;
  (void)state;
  connection_value(ok11, "Connection: clo se\r\n", false);
  connection_value(ok11, "Connection: \t close \t,\t\r\n", true);
  connection_value(ok11, "Connection: close" SP28 "\r\n", true);
  connection_value(ok11, "Connection: close" SP28 " \r\n", true);
  connection_value(ok11, "Connection: close" SP28 "x\r\n", false);
  connection_value(ok11, "Connection: x" SP28 "close\r\n", false);
  content_type_value("Content-Type: application/ json\r\n", false);
  content_type_value("Content-Type: application/json \t; charset=utf-8\r\n", true);
  content_type_value("Content-Type: ;application/json\r\n", false);
  /* Numbers: leading zeros past the kept text, whitespace around them. */
  feed_with_line(&res, ok11, "Content-Length: " SP28 "00000000000000000000000000000000000000002" SP28 "\r\n",
                 "\r\nab");
  assert_int_equal(res.err, ET_OK);
  assert_int_equal(res.r.content_length, 2);
  assert_true(res.r.done);
  feed_with_line(&res, ok11, "Content-Length: 1 2\r\n", "\r\n");
  assert_int_equal(res.err, ET_E_HTTP_SYNTAX);
  feed_with_line(&res, ok11, "Content-Length: \t \r\n", "\r\n");
  assert_int_equal(res.err, ET_E_HTTP_SYNTAX);
  feed_with_line(&res, ok11, "Retry-After: 00000000000000000000000000000000000000007 \r\n",
                 "Content-Length: 0\r\n\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_true(res.r.has_retry_after);
  assert_int_equal(res.r.retry_after_s, 7);
  feed_with_line(&res, ok11, "Retry-After: 7 8\r\n", "Content-Length: 0\r\n\r\n");
  assert_int_equal(res.err, ET_OK);
  assert_false(res.r.has_retry_after);
  assert_false(res.r.has_retry_at);
}

static void bare_lf_accepted(void **state) {
  result a, b;
  (void)state;
  feed_whole(&a, MSG("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                     "2\nab\n0\nX: y\n\n"), CAP, false);
  feed_whole(&b, MSG("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2\r\nab\r\n0\r\nX: y\r\n\r\n"), CAP, false);
  assert_int_equal(a.err, ET_OK);
  assert_true(a.r.done);
  b.used = a.used; /* lengths differ by the CRs */
  assert_same(&a, &b);
}

/* Every message, valid or not, must give the same result fed whole, one
 * byte at a time, at every two-way split and in place. */
static const struct {
  const char *msg;
  size_t n;
  et_err err;
} corpus[] = {
  { MSG(cl_response), ET_OK },
  { MSG(chunked_response), ET_OK },
  { MSG(close_response), ET_OK },
  { MSG("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 401 Unauthorized\r\n"
        "Content-Type: application/json\r\nContent-Length: 3\r\n\r\n{}\n"), ET_OK },
  { MSG("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;a=b\r\nhello\r\n0;z\r\n\r\n"), ET_OK },
  { MSG("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    ET_E_HTTP_UNSUPPORTED },
  { MSG("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
    ET_E_HTTP_SYNTAX },
  { MSG("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX"),
    ET_E_HTTP_SYNTAX },
  { MSG("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab"), ET_E_TRUNCATED },
  /* Both framings (RFC 9112 6.3), in either order: an error. */
  { MSG("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n"), ET_E_HTTP_SYNTAX },
  { MSG("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n"), ET_E_HTTP_SYNTAX },
};

static void every_split_same_result(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof corpus / sizeof corpus[0]; m++) {
    const char *msg = corpus[m].msg;
    size_t n = corpus[m].n;
    result whole, other;
    feed_whole(&whole, msg, n, CAP, true);
    assert_int_equal(whole.err, corpus[m].err);

    feed_bytewise(&other, msg, n, CAP, true);
    assert_same(&whole, &other);

    for (size_t cut = 1; cut < n; cut++) {
      feed_pieces(&other, msg, n, cut, n, CAP, true);
      assert_same(&whole, &other);
    }
    for (size_t piece = 1; piece <= n; piece++) {
      feed_in_place(&other, msg, n, piece, CAP, true);
      assert_same(&whole, &other);
    }
  }
}

static void in_place_decoding(void **state) {
  /* Chunk framing between data makes the body move down in the buffer
   * while the rest of the input still lies above it. */
  static const char msg[] =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n{\"a\"\r\n3;x=y\r\n:\"b\r\n"
      "2\r\n\"}\r\n0\r\n\r\n";
  result res;
  (void)state;
  for (size_t piece = 1; piece < sizeof msg; piece++) {
    feed_in_place(&res, msg, sizeof msg - 1, piece, CAP, false);
    assert_int_equal(res.err, ET_OK);
    assert_true(res.r.done);
    assert_int_equal(res.body_len, 9);
    assert_memory_equal(res.body, "{\"a\":\"b\"}", 9);
  }
}

static void bad(const char *msg, size_t n, et_err want) {
  result whole, bytes;
  feed_whole(&whole, msg, n, CAP, true);
  assert_int_equal(whole.err, want);
  feed_bytewise(&bytes, msg, n, CAP, true);
  assert_int_equal(bytes.err, want);
  /* Sticky: the parser keeps reporting the failure. */
  assert_int_equal(et_http_response_eof(&whole.r), want);
  if (want != ET_OK && want != ET_E_TRUNCATED) {
    size_t used = 5;
    assert_int_equal(et_http_response_parse(&whole.r, (const uint8_t *)"\r\n", 2,
                                            &used, whole.body, CAP,
                                            &whole.body_len),
                     want);
    assert_int_equal(used, 0);
  }
}

#define BAD(lit, err) bad(lit, sizeof lit - 1, err)
#define OK200 "HTTP/1.1 200 OK\r\n"
#define TE_CHUNKED OK200 "Transfer-Encoding: chunked\r\n\r\n"

static void bad_status_line(void **state) {
  (void)state;
  BAD("<html>\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/2.0 200 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/2 200\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.2 200 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("http/1.1 200 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 99 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 099 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 600 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 2000 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 20x OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1  200 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1200 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 200 O\x01K\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("HTTP/1.1 200 OK\rX\n\r\n", ET_E_HTTP_SYNTAX);
  BAD("\r\nHTTP/1.1 200 OK\r\n\r\n", ET_E_HTTP_SYNTAX);
  /* A missing reason phrase is fine. */
  BAD("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", ET_OK);
  BAD("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", ET_OK);
}

static void bad_headers(void **state) {
  (void)state;
  BAD(OK200 "Content-Length 5\r\n\r\n", ET_E_HTTP_SYNTAX);  /* no colon */
  BAD(OK200 "X-No-Colon\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 ": empty name\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length : 5\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "X-A: 1\r\n folded\r\n\r\n", ET_E_HTTP_SYNTAX); /* obs-fold */
  BAD(OK200 "X-A: 1\r\n\tfolded\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 " X-A: 1\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "X-\xc3\xa9: 1\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "X-A: a\x00z\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "X-A: a\rz\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "X-A: a\r\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "X-A: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n", ET_OK);
  BAD(OK200 "Content-Length: 99999999999999999999999\r\n\r\n",
      ET_E_HTTP_TOO_LARGE);
  BAD(OK200 "Content-Length: 18446744073709551616\r\n\r\n",
      ET_E_HTTP_TOO_LARGE);
  BAD(OK200 "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length: 5, 5\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length: -1\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length: +1\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length: 1 2\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length: 0x10\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Content-Length:\r\n\r\n", ET_E_HTTP_SYNTAX);
  /* Equal duplicates agree; surrounding whitespace is trimmed. */
  BAD(OK200 "Content-Length: 2\r\ncontent-length:\t2 \r\n\r\nab", ET_OK);
  BAD(OK200 "Transfer-Encoding: gzip\r\n\r\n", ET_E_HTTP_UNSUPPORTED);
  BAD(OK200 "Transfer-Encoding: chunked, gzip\r\n\r\n", ET_E_HTTP_UNSUPPORTED);
  BAD(OK200 "Transfer-Encoding: identity\r\n\r\n", ET_E_HTTP_UNSUPPORTED);
  BAD(OK200 "Transfer-Encoding: chunked;q=1\r\n\r\n", ET_E_HTTP_UNSUPPORTED);
  BAD(OK200 "Transfer-Encoding: chunked, chunked\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(OK200 "Transfer-Encoding:\r\n\r\n", ET_E_HTTP_SYNTAX);
}

static void header_limits(void **state) {
  static char msg[CONFIG_ET_HTTP_MAX_HEADER_BYTES + 256];
  size_t n;
  (void)state;

  /* One long header: fits with the final blank line exactly at the limit,
   * one byte more is too large. */
  for (int extra = 0; extra <= 1; extra++) {
    size_t value = CONFIG_ET_HTTP_MAX_HEADER_BYTES - 24 + (size_t)extra;
    n = 0;
    memcpy(msg, OK200 "X: ", 20);
    n = 20;
    memset(msg + n, 'a', value);
    n += value;
    memcpy(msg + n, "\r\n\r\n", 4);
    n += 4;
    assert_int_equal(n, CONFIG_ET_HTTP_MAX_HEADER_BYTES + (size_t)extra);
    bad(msg, n, extra ? ET_E_HTTP_TOO_LARGE : ET_OK);
  }

  /* Exactly the maximum number of lines, then one more. */
  for (int extra = 0; extra <= 1; extra++) {
    n = 0;
    memcpy(msg, OK200, 17);
    n = 17;
    for (int i = 0; i < CONFIG_ET_HTTP_MAX_HEADERS + extra; i++) {
      memcpy(msg + n, "A: b\r\n", 6);
      n += 6;
    }
    memcpy(msg + n, "\r\n", 2);
    n += 2;
    bad(msg, n, extra ? ET_E_HTTP_TOO_LARGE : ET_OK);
  }

  /* Trailers count too. */
  n = 0;
  memcpy(msg, TE_CHUNKED "0\r\n", sizeof TE_CHUNKED - 1 + 3);
  n = sizeof TE_CHUNKED - 1 + 3;
  while (n < CONFIG_ET_HTTP_MAX_HEADER_BYTES + 16) {
    memcpy(msg + n, "T: 1\r\n", 6);
    n += 6;
  }
  memcpy(msg + n, "\r\n", 2);
  n += 2;
  bad(msg, n, ET_E_HTTP_TOO_LARGE);
}

static void bad_chunks(void **state) {
  (void)state;
  BAD(TE_CHUNKED "ffffffffffffffffff\r\n", ET_E_HTTP_TOO_LARGE);
  BAD(TE_CHUNKED "00000000000000001\r\n", ET_E_HTTP_TOO_LARGE);
  BAD(TE_CHUNKED "ffffffffffffffff\r\n", ET_E_RESPONSE_TOO_LARGE);
  BAD(TE_CHUNKED "3\r\nabcX\r\n0\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "3\r\nabc\rX0\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "3\r\nabc0\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "g\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "3g\r\nabc\r\n0\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "-1\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "0x3\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "3 4\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "3;a\x01\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "0\r\nbad trailer\r\n\r\n", ET_E_HTTP_SYNTAX);
  BAD(TE_CHUNKED "1 \t ;a\r\nx\r\n0\r\n\r\n", ET_OK);
  BAD(TE_CHUNKED "3\r\nabc\r\n0\r\n", ET_E_TRUNCATED);
  /* A trailer named like a framing header changes nothing. */
  BAD(TE_CHUNKED "0\r\nContent-Length: x\r\n\r\n", ET_OK);
}

static void chunk_line_limit(void **state) {
  char msg[1024];
  size_t n = sizeof TE_CHUNKED - 1;
  (void)state;
  memcpy(msg, TE_CHUNKED "1;", n + 2);
  n += 2;
  memset(msg + n, 'e', 300);
  n += 300;
  memcpy(msg + n, "\r\nx\r\n0\r\n\r\n", 10);
  n += 10;
  bad(msg, n, ET_E_HTTP_TOO_LARGE);
}

static void body_cap_exact(const char *msg, size_t n, size_t cap, et_err want) {
  result whole, bytes;
  feed_whole(&whole, msg, n, cap, true);
  feed_bytewise(&bytes, msg, n, cap, true);
  assert_int_equal(whole.err, want);
  assert_int_equal(bytes.err, want);
  assert_true(whole.body_len <= cap);
  /* Nothing was written past the cap. */
  for (size_t i = cap; i < sizeof whole.body; i++) {
    assert_int_equal(whole.body[i], 0xA5);
    assert_int_equal(bytes.body[i], 0xA5);
  }
  if (want == ET_OK) {
    assert_int_equal(whole.body_len, cap);
    assert_same(&whole, &bytes);
  }
}

static void body_larger_than_cap(void **state) {
  (void)state;
  body_cap_exact(MSG(OK200 "Content-Length: 10\r\n\r\n0123456789"), 10, ET_OK);
  body_cap_exact(MSG(OK200 "Content-Length: 10\r\n\r\n0123456789"), 9,
                 ET_E_RESPONSE_TOO_LARGE);
  body_cap_exact(MSG(TE_CHUNKED "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"), 10,
                 ET_OK);
  body_cap_exact(MSG(TE_CHUNKED "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"), 9,
                 ET_E_RESPONSE_TOO_LARGE);
  body_cap_exact(MSG(OK200 "\r\n0123456789"), 10, ET_OK);
  body_cap_exact(MSG(OK200 "\r\n0123456789"), 9, ET_E_RESPONSE_TOO_LARGE);
  body_cap_exact(MSG(OK200 "\r\n"), 0, ET_OK);
  body_cap_exact(MSG(OK200 "\r\nx"), 0, ET_E_RESPONSE_TOO_LARGE);
}

static void truncated_everywhere(void **state) {
  (void)state;
  for (size_t m = 0; m < 2; m++) {
    const char *msg = m == 0 ? cl_response : chunked_response;
    size_t n = m == 0 ? sizeof cl_response - 1 : sizeof chunked_response - 1;
    for (size_t len = 0; len < n; len++) {
      result res;
      feed_whole(&res, msg, len, CAP, true);
      assert_int_equal(res.err, ET_E_TRUNCATED);
      assert_false(res.r.done);
    }
  }
  /* Close-delimited: truncated inside the headers, complete in the body. */
  {
    size_t head = (size_t)(strstr(close_response, "\r\n\r\n") - close_response) + 4;
    for (size_t len = 0; len < sizeof close_response; len++) {
      result res;
      feed_whole(&res, close_response, len, CAP, true);
      assert_int_equal(res.err, len < head ? ET_E_TRUNCATED : ET_OK);
      assert_int_equal(res.body_len, len < head ? 0 : len - head);
    }
  }
}

static void bad_arguments(void **state) {
  et_http_response r;
  uint8_t body[8];
  size_t used = 9, len = 0;
  (void)state;
  et_http_response_init(&r);
  assert_int_equal(et_http_response_parse(NULL, body, 1, &used, body, 8, &len),
                   ET_E_ARG);
  assert_int_equal(used, 0);
  assert_int_equal(et_http_response_parse(&r, NULL, 1, &used, body, 8, &len),
                   ET_E_ARG);
  assert_int_equal(et_http_response_parse(&r, body, 1, NULL, body, 8, &len),
                   ET_E_ARG);
  assert_int_equal(et_http_response_parse(&r, body, 1, &used, body, 8, NULL),
                   ET_E_ARG);
  len = 9;
  assert_int_equal(et_http_response_parse(&r, body, 1, &used, body, 8, &len),
                   ET_E_ARG);
  len = 0;
  assert_int_equal(et_http_response_parse(&r, NULL, 0, &used, body, 8, &len),
                   ET_OK);
  assert_int_equal(et_http_response_eof(NULL), ET_E_ARG);
  assert_int_equal(et_http_response_eof(&r), ET_E_TRUNCATED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(request_post_exact),
    cmocka_unit_test(request_get_exact),
    cmocka_unit_test(request_post_empty_body_has_length),
    cmocka_unit_test(request_host_port),
    cmocka_unit_test(request_ipv6_host),
    cmocka_unit_test(request_injection_rejected),
    cmocka_unit_test(request_overflow_sticky),
    cmocka_unit_test(request_redacted_authorization),
    cmocka_unit_test(request_basic_exact),
    cmocka_unit_test(content_length_body),
    cmocka_unit_test(chunked_body_decoded),
    cmocka_unit_test(chunked_with_content_length_is_an_error),
    cmocka_unit_test(close_delimited_body),
    cmocka_unit_test(no_body_statuses),
    cmocka_unit_test(interim_responses_skipped),
    cmocka_unit_test(retry_after),
    cmocka_unit_test(connection_close),
    cmocka_unit_test(content_type_json),
    cmocka_unit_test(words_longer_than_the_kept_text),
    cmocka_unit_test(whitespace_inside_values),
    cmocka_unit_test(bare_lf_accepted),
    cmocka_unit_test(every_split_same_result),
    cmocka_unit_test(in_place_decoding),
    cmocka_unit_test(bad_status_line),
    cmocka_unit_test(bad_headers),
    cmocka_unit_test(header_limits),
    cmocka_unit_test(bad_chunks),
    cmocka_unit_test(chunk_line_limit),
    cmocka_unit_test(body_larger_than_cap),
    cmocka_unit_test(truncated_everywhere),
    cmocka_unit_test(bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
