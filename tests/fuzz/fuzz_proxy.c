/* SPDX-License-Identifier: MIT */
/* libFuzzer: the HTTP proxy codecs (et_proxy.h), picked by the first byte.
 * 0: a proxy's answer head, whole and in pieces of data[1] bytes: the same
 *    verdict, status and length either way, never more than was given.
 * 1: a proxy URL: spans inside the input, a port, a host; the userinfo
 *    decodes to no more bytes than it has.
 * 2: no_proxy "list\0host": a verdict, no crash; an entry "*" matches.
 * 3: CONNECT for "host\0user\0pass": when written, one request line, CRLF
 *    only as line ends, and the redacted form holds no credentials. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_proxy.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static et_err parse_in_pieces(const uint8_t *in, size_t n, size_t step, et_proxy_answer *a,
                              size_t *used_all) {
  size_t at = 0;
  et_proxy_answer_init(a);
  *used_all = 0;
  while (at < n && !a->done) {
    size_t k = n - at < step ? n - at : step, used = 0;
    et_err e = et_proxy_answer_parse(a, in + at, k, &used);
    if (e != ET_OK)
      return e;
    CHECK(used <= k);
    CHECK(used == k || a->done);
    *used_all += used;
    at += k;
  }
  return ET_OK;
}

static void answer(const uint8_t *p, size_t n) {
  et_proxy_answer whole, split;
  size_t used_whole, used_split;
  if (n < 1)
    return;
  size_t step = p[0] ? p[0] : 1;
  et_err e1 = parse_in_pieces(p + 1, n - 1, n, &whole, &used_whole);
  et_err e2 = parse_in_pieces(p + 1, n - 1, step, &split, &used_split);
  CHECK(e1 == e2);
  CHECK(e1 == ET_OK || e1 == ET_E_HTTP_SYNTAX || e1 == ET_E_HTTP_TOO_LARGE);
  if (e1 != ET_OK)
    return;
  CHECK(whole.done == split.done);
  if (whole.done) {
    CHECK(whole.status == split.status && used_whole == used_split);
    CHECK(whole.status == 101 || (whole.status >= 200 && whole.status <= 999));
    CHECK(used_whole <= ET_PROXY_HEAD_MAX);
  }
}

static void url(const uint8_t *p, size_t n) {
  char *buf = fuzz_copy(p, n);
  char dec[512];
  size_t k = 0;
  et_proxy_url u;
  if (et_proxy_url_parse((et_str){ buf, n }, &u) == ET_OK) {
    check_span(buf, n, u.host);
    check_span(buf, n, u.user);
    check_span(buf, n, u.pass);
    CHECK(u.host.n > 0 && u.port != 0);
    CHECK(u.has_userinfo || (u.user.n == 0 && u.pass.n == 0));
    et_err e = et_proxy_pct_decode(u.pass, dec, sizeof dec, &k);
    CHECK(e == ET_OK || e == ET_E_URL || e == ET_E_NOSPACE);
    CHECK(e != ET_OK || k <= u.pass.n);
  }
  free(buf);
}

static void no_proxy(const uint8_t *p, size_t n) {
  char *buf = fuzz_copy(p, n);
  const char *nul = memchr(buf, '\0', n);
  size_t ln = nul ? (size_t)(nul - buf) : n;
  et_str list = { buf, ln }, host = { buf + ln, 0 };
  if (nul)
    host = (et_str){ nul + 1, n - ln - 1 };
  bool direct = et_proxy_bypass(list, host, 443);
  if (ln >= 2 && buf[0] == '*' && buf[1] == ',')
    CHECK(direct);
  free(buf);
}

static void connect_request(const uint8_t *p, size_t n) {
  static char out[2048];
  et_str part[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
  char *buf = fuzz_copy(p, n);
  size_t at = 0;
  for (int i = 0; i < 3 && at <= n; i++) {
    const char *end = at < n ? memchr(buf + at, '\0', n - at) : NULL;
    size_t len = end ? (size_t)(end - (buf + at)) : n - at;
    part[i] = (et_str){ buf + at, len };
    at += len + 1;
  }
  size_t plain_len = 0;
  for (int redact = 0; redact < 3; redact++) {
    et_buf b;
    et_buf_init(&b, out, sizeof out);
    b.redact = redact == 1;
    /* 0: as given; 1: redacted; 2: without credentials */
    et_str user = redact == 2 ? (et_str){ NULL, 0 } : part[1];
    et_str pass = redact == 2 ? (et_str){ NULL, 0 } : part[2];
    if (et_proxy_connect_write(&b, part[0], 443, user, pass) != ET_OK) {
      CHECK(redact != 2 || plain_len == 0);
      continue;
    }
    CHECK(b.len > 12 && memcmp(out, "CONNECT ", 8) == 0);
    CHECK(memcmp(out + b.len - 4, "\r\n\r\n", 4) == 0);
    for (size_t i = 0; i < b.len; i++) {
      CHECK(out[i] != '\0');
      CHECK(out[i] != '\n' || (i > 0 && out[i - 1] == '\r'));
      CHECK(out[i] != '\r' || (i + 1 < b.len && out[i + 1] == '\n'));
    }
    if (redact == 1)
      plain_len = b.len;
    /* Redacted = without credentials + one fixed line: nothing of them. */
    if (redact == 2 && plain_len != 0)
      CHECK(plain_len == b.len + (part[1].n > 0 ? sizeof "Proxy-Authorization: Basic ***\r\n" - 1
                                                : 0));
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 16384)
    return 0;
  switch (data[0] & 3) {
  case 0: answer(data + 1, size - 1); break;
  case 1: url(data + 1, size - 1); break;
  case 2: no_proxy(data + 1, size - 1); break;
  default: connect_request(data + 1, size - 1); break;
  }
  return 0;
}
