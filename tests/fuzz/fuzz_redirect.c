/* SPDX-License-Identifier: MIT */
/* libFuzzer: the redirect parser and check. First byte: flags (expected
 * URI or not, in place or a separate buffer, a tight scratch). Invariants:
 * on success every span lies in scratch, holds no NUL, is at most
 * ET_REDIRECT_VALUE_MAX long, spans do not overlap, a code or an error is
 * there, and parsing in place gives the same values as parsing into a
 * separate buffer; on failure the result is all empty and the code is one
 * for input (ET_E_INPUT, ET_E_URL, ET_E_NOSPACE), never ET_E_ARG; the check
 * accepts only the exact state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_signin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IN (3 * ET_REDIRECT_VALUE_MAX + 256)

static void check_span(et_str s, const char *lo, size_t cap) {
  if (s.p == NULL) {
    if (s.n != 0)
      abort();
    return;
  }
  if (s.p < lo || s.p + s.n > lo + cap || s.n > ET_REDIRECT_VALUE_MAX)
    abort();
  if (memchr(s.p, '\0', s.n) != NULL)
    abort();
}

static et_str *fields(et_redirect *r, size_t i) {
  et_str *f[6] = { &r->code, &r->state, &r->session_state, &r->error, &r->error_description,
                   &r->error_uri };
  return f[i];
}

static bool same(et_str a, et_str b) {
  return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0) &&
         ((a.p == NULL) == (b.p == NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char scratch[MAX_IN], inplace[MAX_IN];
  static const uint8_t zero[sizeof(et_redirect)];
  et_redirect r, r2;
  et_str in, expected;
  size_t cap;
  uint8_t flags;
  et_err e, e2;

  if (size < 1 || size > MAX_IN)
    return 0;
  flags = data[0];
  in = (et_str){ (const char *)data + 1, size - 1 };
  expected = (flags & 1) ? ET_STR("http://localhost:8080") : ET_STR_NULL;
  if (flags & 2)
    expected = ET_STR("http://[::1]:53117/cb");
  cap = (flags & 4) ? in.n / 2 : sizeof scratch;

  e = et_redirect_parse(in, scratch, cap, expected, &r);
  if (e != ET_OK) {
    if (memcmp(&r, zero, sizeof r) != 0)
      abort();
    /* Nothing here is a programmer's mistake (no NULL): hostile input is
     * ET_E_INPUT, never ET_E_ARG. */
    if (e != ET_E_INPUT && e != ET_E_URL && e != ET_E_NOSPACE)
      abort();
  } else {
    size_t total = 0;
    if (r.code.n == 0 && r.error.n == 0)
      abort();
    for (size_t i = 0; i < 6; i++) {
      et_str a = *fields(&r, i);
      check_span(a, scratch, cap);
      total += a.n;
      for (size_t j = i + 1; j < 6; j++) {
        et_str b = *fields(&r, j);
        if (a.n && b.n && a.p < b.p + b.n && b.p < a.p + a.n)
          abort();
      }
    }
    if (total > in.n)
      abort();
  }

  /* In place: same verdict, same values. */
  memcpy(inplace, in.p, in.n);
  e2 = et_redirect_parse((et_str){ inplace, in.n }, inplace, in.n, expected, &r2);
  if ((flags & 4) == 0 && e2 != e)
    abort();
  if (e == ET_OK && e2 == ET_OK) {
    for (size_t i = 0; i < 6; i++) {
      check_span(*fields(&r2, i), inplace, in.n);
      if (!same(*fields(&r, i), *fields(&r2, i)))
        abort();
    }
  }

  if (e == ET_OK) {
    et_oauth_error err;
    et_str st = r.state;
    e = et_redirect_check(&r, ET_STR("expected-state"), &err);
    if (e == ET_OK || e == ET_E_DECLINED || e == ET_E_OAUTH)
      if (!et_str_eq(st, ET_STR("expected-state")))
        abort();
    if (st.p != NULL && st.n > 0) {
      e = et_redirect_check(&r, st, &err);
      if (e == ET_E_STATE_MISMATCH)
        abort();
      if (e == ET_OK && r.error.n > 0)
        abort();
    }
  }
  return 0;
}
