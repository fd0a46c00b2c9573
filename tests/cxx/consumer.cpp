/* SPDX-License-Identifier: MIT */
// A C++ program using edgetoken: the public headers compile as C++11 with
// every warning on (extern "C" guards, no C-only constructs: ET_STR is a
// braced initialization there), the C libraries link, and a few calls
// behave: error texts and the transient classifier, the form encoder, the
// retry policy, an engine driven by hand from begin to the token, and one
// call into the POSIX port. Exit 0 when every check holds.
#include "edgetoken/edgetoken.h"
#include "edgetoken/et_posix.h"
#include "edgetoken/et_posix_listener.h"

#include <cstdio>
#include <cstring>

static int failures = 0;

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static bool span_is(et_str s, const char *want) {
  return s.n == std::strlen(want) && std::memcmp(s.p, want, s.n) == 0;
}

static void errors() {
  CHECK(et_strerror(ET_E_TIMEOUT) != NULL && et_strerror(ET_E_TIMEOUT)[0] != '\0');
  CHECK(std::strcmp(et_strerror(ET_E_INPUT), et_strerror(ET_E_ARG)) != 0);
  CHECK(et_err_is_transient(ET_E_TIMEOUT));
  CHECK(et_err_is_transient(ET_E_SERVER));
  CHECK(!et_err_is_transient(ET_E_INPUT));
  CHECK(!et_err_is_transient(ET_E_OAUTH));
}

static void spans_and_forms() {
  et_str s = ET_STR("a b/c");
  et_str none = ET_STR_NULL;
  char out[32];
  et_buf b;
  CHECK(s.n == 5);
  CHECK(none.p == NULL && none.n == 0);
  et_buf_init(&b, out, sizeof out);
  et_form_encode(&b, s);
  CHECK(et_buf_status(&b) == ET_OK);
  CHECK(b.len == 9 && std::memcmp(out, "a%20b%2Fc", 9) == 0);
  et_buf_init(&b, out, 4);
  et_form_encode(&b, s);
  CHECK(et_buf_status(&b) == ET_E_NOSPACE);
}

static void retry_policy() {
  et_attempt a = {};
  uint32_t delay = 7;
  a.n = 1;
  a.err = ET_E_TIMEOUT; /* retried; a refused connection would stand */
  CHECK(et_retry_decide(&a, &delay) == ET_RETRY_AFTER);
  CHECK(delay == et_backoff_ms(1, 0) && delay == 1000);
  a.err = ET_OK;
  a.status = 200;
  CHECK(et_retry_decide(&a, &delay) == ET_RETRY_NO && delay == 0);
  uint32_t interval = 5000;
  CHECK(et_poll_next(100, &interval, ET_POLL_SLOW_DOWN, 0) == 10100 && interval == 10000);
}

static void engine_by_hand() {
  static uint8_t buf[4096];
  static jsmntok_t tok[32];
  static const char answer[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 43\r\n\r\n"
      "{\"token_type\":\"Bearer\",\"access_token\":\"AT\"}";
  et_work w = {};
  et_app app = {};
  et_engine_in in = {};
  et_token_engine e;
  et_step s;
  size_t used = 0;
  w.buf = buf;
  w.cap = sizeof buf;
  w.tok = tok;
  w.ntok = sizeof tok / sizeof tok[0];
  app.tenant = ET_STR("contoso");
  app.client_id = ET_STR("app");
  app.cred.kind = ET_CRED_SECRET;
  app.cred.secret = ET_STR("s3cr3t");
  in.now_ms = 1000;
  in.unix_s = 1700000000;
  in.keep_alive = true;
  for (size_t i = 0; i < sizeof in.seed; i++)
    in.seed[i] = static_cast<uint8_t>(i + 1);

  CHECK(et_cc_begin(&e, &app, ET_ENDPOINT_V2, ET_STR("api/.default"), &w, &in) == ET_OK);
  s = et_engine_step(&e.base, 1000);
  CHECK(s.kind == ET_STEP_SEND);
  CHECK(span_is(s.host, "login.microsoftonline.com") && s.port == 443);
  CHECK(s.n > 42 && std::memcmp(s.data, "POST /contoso/oauth2/v2.0/token HTTP/1.1\r\n", 42) == 0);
  if (s.kind != ET_STEP_SEND)
    return;
  et_engine_sent(&e.base, s.n);
  s = et_engine_step(&e.base, 1010);
  CHECK(s.kind == ET_STEP_RECV);
  et_engine_feed(&e.base, reinterpret_cast<const uint8_t *>(answer), sizeof answer - 1, &used);
  CHECK(used == sizeof answer - 1);
  s = et_engine_step(&e.base, 1020);
  CHECK(s.kind == ET_STEP_DONE);
  CHECK(!s.close);
  CHECK(span_is(e.token.access_token, "AT"));
  CHECK(et_engine_result(&e.base)->http_status == 200);
  CHECK(et_engine_result(&e.base)->attempts == 1);
}

static void posix_port() {
  uint8_t out[8];
  size_t len = 0;
  static et_listener l;
  // A key the file store refuses: the caller's mistake, nothing touched.
  CHECK(et_posix_store("/nonexistent", ET_STORE_LOAD, "../escape", out, sizeof out, &len) ==
        ET_E_ARG);
  // The loopback listener takes plain http only.
  CHECK(et_listener_open(&l, "https://localhost:8080", NULL) == ET_E_URL);
  et_listener_close(&l);
}

int main() {
  // The C++ side's fingerprint is the C library's (same struct layouts).
  CHECK(ET_ABI_CHECK() == ET_OK);
  CHECK(ET_VERSION_NUMBER == ((ET_VERSION_MAJOR << 16) | (ET_VERSION_MINOR << 8) | ET_VERSION_PATCH));
  errors();
  spans_and_forms();
  retry_policy();
  engine_by_hand();
  posix_port();
  if (failures != 0) {
    std::fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  std::printf("consumer: ok (edgetoken %s from C++)\n", ET_VERSION);
  return 0;
}
