/* SPDX-License-Identifier: MIT */
/* libFuzzer: devicecode response decoding of arbitrary bodies. Every span
 * must point into the body, numbers must be in range, errors typed. */
#include <stdint.h>
#include <stdlib.h>

#include "edgetoken/et_device_code.h"
#include "fuzz.h"

#define NTOK 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsmntok_t tok[NTOK];
  char *buf = fuzz_copy(data, size);
  const char *why = NULL;
  et_device_code dc;
  et_err e;

  e = et_device_code_decode(buf, size, tok, NTOK, &dc, &why);
  CHECK(e == ET_OK || e == ET_E_JSON_SYNTAX || e == ET_E_JSON_TOKENS ||
        e == ET_E_JSON_FIELD);
  CHECK((e == ET_OK) == (why == NULL));
  if (e == ET_OK) {
    check_span(buf, size, dc.device_code);
    check_span(buf, size, dc.user_code);
    check_span(buf, size, dc.verification_uri);
    check_span(buf, size, dc.message);
    CHECK(dc.device_code.n > 0 && dc.user_code.n > 0 && dc.verification_uri.n > 0);
    CHECK(dc.expires_in >= 1 && dc.expires_in <= ET_DEVICE_MAX_EXPIRES_S);
    CHECK(dc.interval >= 1 && dc.interval <= ET_DEVICE_MAX_INTERVAL_S);
  } else {
    CHECK(dc.device_code.p == NULL && dc.expires_in == 0);
  }
  free(buf);
  return 0;
}
