/* SPDX-License-Identifier: MIT */
/* libFuzzer: the OSDU error decoder (core/src/adme.c) on the answers of an
 * ADME call, driven through the sans-I/O engine. First byte: the status
 * (4xx, 5xx or 2xx) and how the answer is cut into receives; the rest is
 * the body, sent with Content-Length. Invariants: the call ends (DONE for
 * 2xx, FAIL otherwise, a typed error); the body handed back is exactly
 * the bytes sent; res.osdu is all zero for 2xx, else its code is 0..999
 * and reason and message are spans of that body. */
#include <stdio.h>

#include "edgetoken/et_adme.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORK 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int status[] = { 400, 401, 403, 404, 409, 422, 500, 429, 200, 201 };
  static uint8_t buf[WORK];
  static jsmntok_t tok[128];
  static char answer[WORK];
  et_work w = { buf, sizeof buf, tok, 128, NULL };
  et_adme adme = { ET_STR("https://contoso.energy.azure.com"), ET_STR("contoso-opendes"), 0 };
  et_adme_request rq = { ET_STR("GET"), ET_STR("/api/storage/v2/records/x"), ET_STR_NULL, false };
  et_engine_in in = { 1000, 1700000000, { 1, 2, 3 }, false };
  et_adme_engine e;
  const et_result *res;
  size_t body_n, head_n, alen, pos, chunk;
  uint64_t now = 1000;
  int st, hn;
  bool done = false;
  if (size < 1 || size > WORK - 256)
    return 0;
  st = status[(data[0] & 0x0f) % 10];
  chunk = (data[0] >> 4) ? (size_t)(data[0] >> 4) * 97 : WORK;
  body_n = size - 1;
  hn = snprintf(answer, sizeof answer,
                "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", st,
                body_n);
  CHECK(hn > 0);
  head_n = (size_t)hn;
  memcpy(answer + head_n, data + 1, body_n);
  alen = head_n + body_n;

  CHECK(et_adme_begin(&e, &adme, &rq, ET_STR("access-token"), &w, &in) == ET_OK);
  for (int steps = 0; steps < 200 && !done; steps++) {
    et_step s = et_engine_step(&e.base, now);
    switch (s.kind) {
    case ET_STEP_SEND:
      et_engine_sent(&e.base, s.n);
      pos = 0;
      break;
    case ET_STEP_RECV: {
      size_t k = alen - pos;
      if (k == 0) {
        et_engine_closed(&e.base, false);
        break;
      }
      if (k > s.cap)
        k = s.cap;
      if (k > chunk)
        k = chunk;
      memcpy(s.buf, answer + pos, k);
      pos += k;
      et_engine_received(&e.base, k);
      break;
    }
    case ET_STEP_WAIT:
      now = s.until_ms;
      break;
    case ET_STEP_DONE:
    case ET_STEP_FAIL:
      done = true;
      break;
    default:
      CHECK(0);
    }
  }
  CHECK(done);
  res = et_engine_result(&e.base);
  if (st >= 200 && st <= 299) {
    CHECK(res->err == ET_OK);
    CHECK(res->osdu.code == 0 && res->osdu.reason.n == 0 && res->osdu.message.n == 0);
  } else {
    CHECK(res->err == ET_E_HTTP_STATUS || res->err == ET_E_SERVER || res->err == ET_E_THROTTLED);
    CHECK(res->http_status == st);
  }
  /* The answer as it came (a 2xx, and a refusal kept for the caller). */
  CHECK(e.body.n == body_n && (body_n == 0 || memcmp(e.body.p, data + 1, body_n) == 0));
  CHECK((const uint8_t *)e.body.p >= buf && (const uint8_t *)e.body.p + e.body.n <= buf + WORK);
  CHECK(res->osdu.code >= 0 && res->osdu.code <= 999);
  check_span(e.body.p, e.body.n, res->osdu.reason);
  check_span(e.body.p, e.body.n, res->osdu.message);
  return 0;
}
