/* SPDX-License-Identifier: MIT */
/* libFuzzer: token and OAuth error decoding of arbitrary bodies. Every span
 * must point into the body, every error must be typed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_token.h"
#include "fuzz.h"

#define NTOK 64

static bool typed(et_err e) {
  return e == ET_OK || e == ET_E_JSON_SYNTAX || e == ET_E_JSON_TOKENS ||
         e == ET_E_JSON_FIELD;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsmntok_t tok[NTOK];
  char *buf = fuzz_copy(data, size);
  const char *why = NULL;
  et_token t;
  et_oauth_error oe;
  et_err e;

  e = et_token_decode(buf, size, tok, NTOK, &t, &why);
  CHECK(typed(e) && (e == ET_OK) == (why == NULL));
  if (e == ET_OK) {
    check_span(buf, size, t.access_token);
    check_span(buf, size, t.token_type);
    check_span(buf, size, t.refresh_token);
    check_span(buf, size, t.id_token);
    check_span(buf, size, t.scope);
    check_span(buf, size, t.resource);
    CHECK(t.access_token.n > 0);
    CHECK(et_str_eq_nocase(t.token_type, ET_STR("Bearer")));
    CHECK(t.expires_in >= ET_ABSENT && t.ext_expires_in >= ET_ABSENT &&
          t.expires_on >= ET_ABSENT && t.not_before >= ET_ABSENT &&
          t.refresh_in >= ET_ABSENT);
  }

  if (size)
    memcpy(buf, data, size);
  e = et_oauth_error_decode(buf, size, tok, NTOK, &oe, &why);
  CHECK(typed(e) && (e == ET_OK) == (why == NULL));
  CHECK(oe.n_error_codes <= CONFIG_ET_MAX_ERROR_CODES);
  if (e == ET_OK) {
    CHECK(oe.error.n > 0);
    check_span(buf, size, oe.error);
    check_span(buf, size, oe.error_description);
    check_span(buf, size, oe.suberror);
    check_span(buf, size, oe.timestamp);
    check_span(buf, size, oe.trace_id);
    check_span(buf, size, oe.correlation_id);
    check_span(buf, size, oe.error_uri);
    check_span(buf, size, oe.claims);
  }
  free(buf);
  return 0;
}
