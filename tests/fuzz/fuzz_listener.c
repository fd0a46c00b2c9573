/* SPDX-License-Identifier: MIT */
/* libFuzzer: the loopback listener's parsers (port/posix/px_listener.h).
 * First byte: which one, and for requests the expected path.
 * Redirect URI: on success the path is NUL-terminated inside its buffer,
 * starts with '/', holds only path characters and is the URI's tail (or
 * "/"); the URI written back from port and path parses to the same; on
 * failure the path buffer is untouched. Request: the verdict is one of
 * four; a redirect is "GET <path>[?query][#...] HTTP/1.x" with the query a
 * span of the request line holding no space, '#', CR or LF, and the 404,
 * 405 and 400 verdicts are checked against the line likewise. */
#include <stdio.h>
#include <strings.h>

#include "fuzz.h"
#include "px_listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool path_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("-._~!$&'()*+,;=:@/%", c) != NULL);
}

static void fuzz_uri(const char *uri, size_t cap) {
  char path[300], again[300], uri2[400];
  uint16_t port = 1, port2 = 2;
  size_t n;
  memset(path, 0x5a, sizeof path);
  if (px_listener_parse_uri(uri, path, cap, &port) != ET_OK) {
    for (size_t i = 0; i < sizeof path; i++)
      CHECK(path[i] == 0x5a);
    return;
  }
  n = strnlen(path, cap);
  CHECK(n < cap && n >= 1 && path[0] == '/');
  for (size_t i = 0; i < n; i++)
    CHECK(path_char(path[i]));
  CHECK(strncasecmp(uri, "http://", 7) == 0);
  CHECK(strcmp(path, "/") == 0 || (strlen(uri) >= n && !strcmp(uri + strlen(uri) - n, path)));
  /* Written back, the same port and path. */
  snprintf(uri2, sizeof uri2, "http://localhost:%u%s", (unsigned)port, path);
  CHECK(px_listener_parse_uri(uri2, again, sizeof again, &port2) == ET_OK);
  CHECK(port2 == port && strcmp(again, path) == 0);
}

static void fuzz_request(const char *req, const char *path) {
  et_str q;
  size_t line = strcspn(req, "\r\n"), plen = strlen(path);
  const char *sp1 = memchr(req, ' ', line), *sp2 = NULL;
  px_request r = px_listener_request(req, path, &q);
  if (sp1)
    sp2 = memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - req));
  bool well_formed = sp2 != NULL && (size_t)(sp2 + 8 - req) <= line &&
                     memcmp(sp2 + 1, "HTTP/1.", 7) == 0;
  switch (r) {
  case PX_REQ_BAD:
    CHECK(!well_formed && q.p == NULL && q.n == 0);
    break;
  case PX_REQ_METHOD:
    CHECK(well_formed && (sp1 != req + 3 || memcmp(req, "GET", 3) != 0));
    CHECK(q.p == NULL && q.n == 0);
    break;
  case PX_REQ_NOT_FOUND: {
    size_t tlen = (size_t)(sp2 - sp1 - 1);
    const char *qm = memchr(sp1 + 1, '?', tlen);
    size_t got = qm ? (size_t)(qm - sp1 - 1) : tlen;
    CHECK(well_formed && sp1 == req + 3 && memcmp(req, "GET", 3) == 0);
    CHECK(got != plen || memcmp(sp1 + 1, path, plen) != 0);
    CHECK(q.p == NULL && q.n == 0);
    break;
  }
  case PX_REQ_REDIRECT:
    CHECK(well_formed && memcmp(req, "GET ", 4) == 0 && memcmp(req + 4, path, plen) == 0);
    CHECK(req[4 + plen] == '?' || req + 4 + plen == sp2);
    CHECK(q.p != NULL && q.p >= req + 4 + plen && q.p + q.n <= sp2);
    CHECK(q.p[q.n] == '#' || q.p + q.n == sp2);
    for (size_t i = 0; i < q.n; i++)
      CHECK(q.p[i] != ' ' && q.p[i] != '#' && q.p[i] != '\r' && q.p[i] != '\n' && q.p[i]);
    break;
  default:
    CHECK(0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const paths[] = { "/", "/cb", "/a/b%20c", "/auth/callback" };
  char *s;
  if (size < 1 || size > 16384)
    return 0;
  /* The listener hands its parsers NUL-terminated text without NULs. */
  s = fuzz_cstr(data + 1, size - 1);
  if (data[0] & 1)
    fuzz_uri(s, (data[0] & 2) ? (size_t)(data[0] >> 2) + 1 : 256);
  else
    fuzz_request(s, paths[(data[0] >> 1) & 3]);
  free(s);
  return 0;
}
