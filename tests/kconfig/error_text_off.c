/* SPDX-License-Identifier: MIT */
/* Built by tools/check-kconfig.sh against core compiled from Kconfig's
 * defaults, where CONFIG_ET_ERROR_TEXT is off: the error codes stay the
 * same, et_strerror gives the code's number and no detail text is set. */
#include <stdio.h>
#include <string.h>

#include "edgetoken/edgetoken.h"

static int failed;

static void check(int ok, const char *what) {
  if (!ok) {
    printf("error_text_off: %s\n", what);
    failed = 1;
  }
}

int main(void) {
  char token[] = "{\"token_type\":\"Bearer\"}";
  char error[] = "{\"error\":\"invalid_client\",\"error_codes\":[\"x\"]}";
  jsmntok_t tok[16];
  et_token t;
  et_oauth_error oe;
  const char *why = "unset";

  check(CONFIG_ET_ERROR_TEXT == 0, "texts are on in Kconfig's defaults");
  check(strcmp(et_strerror(ET_OK), "E0") == 0, "et_strerror(ET_OK) is not E0");
  check(strcmp(et_strerror(ET_E_JSON_FIELD), "E13") == 0, "et_strerror(JSON_FIELD) is not E13");
  check(strcmp(et_strerror(ET_E_STORE), "E32") == 0, "et_strerror(STORE) is not E32");
  check(strcmp(et_strerror(ET_E__COUNT), "E?") == 0, "et_strerror(out of range) is not E?");
  check(et_token_decode(token, strlen(token), tok, 16, &t, &why) == ET_E_JSON_FIELD,
        "a token without access_token decodes");
  check(why == NULL, "token decoding set a detail text");
  why = "unset";
  check(et_oauth_error_decode(error, strlen(error), tok, 16, &oe, &why) == ET_E_JSON_FIELD,
        "a string in error_codes decodes");
  check(why == NULL, "error decoding set a detail text");
  return failed;
}
