/* SPDX-License-Identifier: MIT */
/* Is a parsed redirect the answer to our own authorize request, and what
 * did it say? */
#include "edgetoken/et_signin.h"

#include <string.h>

/* The number in a leading "AADSTS65004:", or 0. */
static uint32_t aadsts(et_str d) {
  static const char tag[] = "AADSTS";
  uint64_t v;
  size_t i = sizeof tag - 1, start = i;
  if (d.n < i || memcmp(d.p, tag, i) != 0)
    return 0;
  while (i < d.n && i - start < 9 && d.p[i] >= '0' && d.p[i] <= '9')
    i++;
  if (et_str_to_u64((et_str){ d.p + start, i - start }, UINT32_MAX, &v) != ET_OK)
    return 0;
  return (uint32_t)v;
}

et_err et_redirect_check(const et_redirect *r, et_str expected_state,
                         et_oauth_error *err) {
  if (r == NULL || expected_state.p == NULL || expected_state.n == 0)
    return ET_E_ARG;
  /* Before anything else: an error redirect with a foreign state is as
   * untrustworthy as a code with one. */
  if (r->state.p == NULL ||
      !et_ct_eq((const uint8_t *)r->state.p, r->state.n,
                (const uint8_t *)expected_state.p, expected_state.n))
    return ET_E_STATE_MISMATCH;
  if (r->error.n > 0) {
    if (err != NULL) {
      uint32_t code = aadsts(r->error_description);
      memset(err, 0, sizeof *err);
      err->error = r->error;
      err->error_description = r->error_description;
      err->error_uri = r->error_uri;
      if (code != 0) {
        err->error_codes[0] = code;
        err->n_error_codes = 1;
      }
    }
    return et_str_eq(r->error, ET_STR("access_denied")) ? ET_E_DECLINED : ET_E_OAUTH;
  }
  if (r->code.n == 0)
    return ET_E_INPUT; /* the browser brought neither a code nor an error */
  return ET_OK;
}
