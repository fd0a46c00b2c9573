/* SPDX-License-Identifier: MIT */
/* libFuzzer: the records the CLI reads back from its store
 * (examples/cli/cli_record.h): the pending sign-in, the sign-in's scope
 * and the access token cache record. First byte: which one (and a
 * capacity); the rest is the record. Invariants: what a reader returns
 * lies inside the record, is NUL-terminated inside its buffer and holds
 * none of the separators; a record read and written back gives the same
 * bytes (pending) or the same fields (token cache); the token cache
 * writer never overflows and refuses only what does not fit. */
#include <inttypes.h>
#include <stdio.h>

#include "cli_record.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, const char *rec, size_t n) {
  return p >= rec && p <= rec + n;
}

static void pending(char *rec, size_t n) {
  static char orig[8192], out[8192];
  cli_pending p, p2;
  size_t len;
  memcpy(orig, rec, n + 1);
  if (!cli_pending_parse(rec, &p))
    return;
  CHECK(strncmp(orig, CLI_PENDING_MAGIC "\n", sizeof CLI_PENDING_MAGIC) == 0);
  CHECK(inside(p.state, rec, n) && inside(p.verifier, rec, n) && inside(p.uri, rec, n));
  CHECK(!strchr(p.state, '\n') && !strchr(p.verifier, '\n') && !strchr(p.uri, '\n'));
  len = cli_pending_format(out, sizeof out, p.state, p.verifier, p.uri);
  CHECK(len > 0 && len <= n && memcmp(out, orig, len) == 0 && out[len] == '\0');
  CHECK(cli_pending_parse(out, &p2));
  CHECK(!strcmp(p.state, p2.state) && !strcmp(p.verifier, p2.verifier) && !strcmp(p.uri, p2.uri));
}

static void scope(const char *rec, size_t n, size_t cap) {
  static char s[300];
  et_endpoint ep = (et_endpoint)99;
  bool want = n >= 4 && n - 3 < cap && rec[0] == 'v' && (rec[1] == '1' || rec[1] == '2') &&
              rec[2] == '\n' && memchr(rec + 3, '\0', n - 3) == NULL;
  memset(s, 0x5a, sizeof s);
  CHECK(cli_scope_record_parse(rec, n, &ep, s, cap) == want);
  if (want) {
    CHECK(ep == (rec[1] == '1' ? ET_ENDPOINT_V1 : ET_ENDPOINT_V2));
    CHECK(memcmp(s, rec + 3, n - 3) == 0 && s[n - 3] == '\0');
  }
  for (size_t i = cap; i < sizeof s; i++)
    CHECK(s[i] == 0x5a);
}

static void check_at(const cli_at_record *r, const char *rec, size_t n) {
  size_t b = strnlen(r->boot, sizeof r->boot);
  CHECK(b >= 1 && b <= CLI_AT_BOOT_MAX);
  for (size_t i = 0; i < b; i++)
    CHECK(r->boot[i] && !strchr(" \t\n\v\f\r", r->boot[i]));
  CHECK(r->token.n > 0 && r->token.p >= rec && r->token.p + r->token.n <= rec + n);
  for (size_t i = 0; i < r->token.n; i++)
    CHECK(!strchr(" \r\n", r->token.p[i]) && r->token.p[i] != '\0');
}

static void at_read(const char *rec, size_t n) {
  static char out[16384];
  cli_at_record r, r2;
  size_t len;
  if (!cli_at_record_parse(rec, &r))
    return;
  check_at(&r, rec, n);
  len = cli_at_record_format(out, sizeof out, r.boot, r.expires_ms, r.refresh_ms, r.expires_on,
                             r.token);
  /* A token that starts with other white space sscanf skipped is not one
   * the writer makes. */
  CHECK(len > 0 && len < sizeof out);
  out[len] = '\0';
  CHECK(cli_at_record_parse(out, &r2));
  check_at(&r2, out, len);
  CHECK(!strcmp(r.boot, r2.boot) && r.expires_ms == r2.expires_ms &&
        r.refresh_ms == r2.refresh_ms && r.expires_on == r2.expires_on &&
        et_str_eq(r.token, r2.token));
}

/* Fields from the bytes: the writer's inputs as a run of the CLI makes
 * them (a boot id and a token of printable ASCII), then read back. */
static void at_write(const uint8_t *d, size_t n, size_t cap) {
  static char out[16384], tok[8192];
  char boot[CLI_AT_BOOT_MAX + 1];
  uint64_t v[3] = { 0, 0, 0 };
  size_t bn, tn, len;
  cli_at_record r;
  int head;
  if (n < 25)
    return;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 8; i++)
      v[k] = v[k] << 8 | d[k * 8 + i];
  bn = 1 + d[24] % CLI_AT_BOOT_MAX;
  d += 25;
  n -= 25;
  for (size_t i = 0; i < bn; i++)
    boot[i] = (char)(0x21 + (i < n ? d[i] : 0) % 94);
  boot[bn] = '\0';
  tn = n < sizeof tok ? n : sizeof tok;
  for (size_t i = 0; i < tn; i++)
    tok[i] = (char)(0x21 + d[i] % 94);
  len = cli_at_record_format(out, cap, boot, v[0], v[1], (int64_t)v[2], (et_str){ tok, tn });
  head = snprintf(NULL, 0, CLI_AT_MAGIC "%s %" PRIu64 " %" PRIu64 " %" PRId64 " ", boot, v[0],
                  v[1], (int64_t)v[2]);
  CHECK(head > 0);
  if ((size_t)head + tn + 1 >= cap) {
    CHECK(len == 0);
    return;
  }
  CHECK(len == (size_t)head + tn + 1 && out[len - 1] == '\n');
  out[len] = '\0';
  if (tn == 0) {
    CHECK(!cli_at_record_parse(out, &r));
    return;
  }
  CHECK(cli_at_record_parse(out, &r));
  check_at(&r, out, len);
  CHECK(!strcmp(r.boot, boot) && r.expires_ms == v[0] && r.refresh_ms == v[1] &&
        r.expires_on == (int64_t)v[2] && r.token.n == tn && memcmp(r.token.p, tok, tn) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *rec;
  size_t n;
  if (size < 1 || size > 8000)
    return 0;
  /* The CLI reads a record into a buffer and NUL-terminates it. */
  rec = fuzz_cstr(data + 1, size - 1);
  n = size - 1;
  switch (data[0] & 3) {
  case 0:
    pending(rec, strlen(rec));
    break;
  case 1:
    scope(rec, n, 1 + (size_t)(data[0] >> 2) * 4);
    break;
  case 2:
    at_read(rec, n);
    break;
  default:
    at_write(data + 1, size - 1, 1 + (size_t)(data[0] >> 2) * 256);
    break;
  }
  free(rec);
  return 0;
}
