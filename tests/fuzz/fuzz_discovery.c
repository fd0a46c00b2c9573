/* SPDX-License-Identifier: MIT */
/* libFuzzer: OpenID discovery documents (et_discovery_decode), fetched from
 * a server or read back from the cache file: every span must point into
 * the body, the issuer must be the one asked for, errors typed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_discovery.h"
#include "fuzz.h"

#define NTOK 256
#define ISSUER "https://login.example.com/tenant/v2.0"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsmntok_t tok[NTOK];
  char *buf = fuzz_copy(data, size);
  const char *why = NULL;
  et_provider p;
  et_err e;

  memset(&p, 0, sizeof p);
  e = et_discovery_decode(buf, size, tok, NTOK, ET_STR(ISSUER), &p, &why);
  CHECK(e == ET_OK || e == ET_E_JSON_SYNTAX || e == ET_E_JSON_TOKENS ||
        e == ET_E_JSON_FIELD);
  if (e == ET_OK) {
    check_span(buf, size, p.issuer);
    check_span(buf, size, p.token_endpoint);
    check_span(buf, size, p.authorization_endpoint);
    check_span(buf, size, p.device_authorization_endpoint);
    CHECK(et_str_eq(p.issuer, ET_STR(ISSUER)));
    CHECK(p.token_endpoint.n > 0 && p.authorization_endpoint.n > 0);
  }
  free(buf);
  return 0;
}
