/* SPDX-License-Identifier: MIT */
/* libFuzzer: id_token claim decoding of arbitrary tokens (an id_token is
 * whatever the token response carried). The first input byte picks the
 * scratch size, so both "enough" (cap >= token length, as documented) and
 * too small are tried. Every span must point into scratch, errors typed. */
#include <stdint.h>
#include <stdlib.h>

#include "edgetoken/et_id_token.h"
#include "fuzz.h"

#define NTOK 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsmntok_t tok[NTOK];
  size_t n = size ? size - 1 : 0;
  size_t cap = size && (data[0] & 1) ? n / 2 : n;
  char *in = fuzz_copy(size ? data + 1 : data, n);
  char *scratch = malloc(cap ? cap : 1);
  et_id_claims c;
  et_err e;

  CHECK(scratch);
  e = et_id_token_claims((et_str){ in, n }, scratch, cap, tok, NTOK, &c);
  CHECK(e == ET_OK || e == ET_E_ARG || e == ET_E_NOSPACE || e == ET_E_JSON_SYNTAX ||
        e == ET_E_JSON_TOKENS || e == ET_E_JSON_FIELD);
  CHECK(e != ET_E_NOSPACE || cap < n); /* cap >= the token is always enough */
  if (e == ET_OK) {
    const et_str all[] = { c.name, c.preferred_username, c.upn, c.email, c.oid, c.tid };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
      check_span(scratch, cap, all[i]);
    check_span(scratch, cap, et_id_claims_user(&c));
  } else {
    CHECK(c.name.p == NULL && c.oid.p == NULL && c.tid.p == NULL);
  }
  free(scratch);
  free(in);
  return 0;
}
