/* libFuzzer: devicecode response decoding of arbitrary bodies. Every span
 * must point into the body, numbers must be in range, errors typed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_device_code.h"

#define NTOK 64

#define CHECK(c)                                                           \
  do {                                                                     \
    if (!(c))                                                              \
      abort();                                                             \
  } while (0)

static void check_span(const char *buf, size_t len, et_str s, bool required) {
  CHECK(s.p == NULL ? s.n == 0 : (s.p >= buf && s.p + s.n <= buf + len));
  CHECK(s.p == NULL || memchr(s.p, '\0', s.n) == NULL);
  CHECK(!required || s.n > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsmntok_t tok[NTOK];
  char *buf = malloc(size ? size : 1);
  const char *why = NULL;
  et_device_code dc;
  et_err e;

  CHECK(buf);
  if (size)
    memcpy(buf, data, size);
  e = et_device_code_decode(buf, size, tok, NTOK, &dc, &why);
  CHECK(e == ET_OK || e == ET_E_JSON_SYNTAX || e == ET_E_JSON_TOKENS ||
        e == ET_E_JSON_FIELD);
  CHECK((e == ET_OK) == (why == NULL));
  if (e == ET_OK) {
    check_span(buf, size, dc.device_code, true);
    check_span(buf, size, dc.user_code, true);
    check_span(buf, size, dc.verification_uri, true);
    check_span(buf, size, dc.message, false);
    CHECK(dc.expires_in >= 1 && dc.expires_in <= ET_DEVICE_MAX_EXPIRES_S);
    CHECK(dc.interval >= 1 && dc.interval <= ET_DEVICE_MAX_INTERVAL_S);
  } else {
    CHECK(dc.device_code.p == NULL && dc.expires_in == 0);
  }
  free(buf);
  return 0;
}
