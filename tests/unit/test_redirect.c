/* SPDX-License-Identifier: MIT */
/* Redirect parsing and checking: the good paths a browser or a paste take,
 * and hostile input (duplicates, bad escapes, NUL bytes, huge values,
 * foreign state, foreign redirect targets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

#define URI ET_STR("http://localhost:8080")

static char scratch[16384];

static et_err parse(const char *in, et_redirect *r) {
  memset(scratch, 0xcc, sizeof scratch);
  return et_redirect_parse(et_str_from_cstr(in), scratch, sizeof scratch, URI, r);
}

static bool is(et_str s, const char *want) { return et_str_eq(s, et_str_from_cstr(want)); }

static void full_url(void **state) {
  et_redirect r;
  (void)state;
  assert_int_equal(parse("http://localhost:8080/?code=0.AXY%2bab_c-d&state=S1"
                         "&session_state=ss%3D1", &r), ET_OK);
  assert_true(is(r.code, "0.AXY+ab_c-d"));
  assert_true(is(r.state, "S1"));
  assert_true(is(r.session_state, "ss=1"));
  assert_null(r.error.p);
  assert_null(r.error_description.p);
  assert_null(r.error_uri.p);
  /* Spans point into scratch. */
  assert_true(r.code.p >= scratch && r.code.p + r.code.n <= scratch + sizeof scratch);
  /* No path, host in capitals, explicit default port: the same place. */
  assert_int_equal(parse("http://LOCALHOST:8080?code=a&state=b", &r), ET_OK);
  assert_int_equal(et_redirect_parse(ET_STR("HTTP://localhost/?code=a&state=b"), scratch,
                                     sizeof scratch, ET_STR("http://localhost:80/"), &r),
                   ET_OK);
  /* Surrounding whitespace from a paste. */
  assert_int_equal(parse("  http://localhost:8080/?code=a&state=b\r\n", &r), ET_OK);
  assert_true(is(r.state, "b"));
}

static void other_forms(void **state) {
  et_redirect r;
  (void)state;
  assert_int_equal(parse("/?code=x&state=y", &r), ET_OK); /* a listener's request target */
  assert_true(is(r.code, "x"));
  assert_int_equal(parse("?code=x&state=y", &r), ET_OK);
  assert_true(is(r.state, "y"));
  assert_int_equal(parse("code=a+b%20c&state=y", &r), ET_OK);
  assert_true(is(r.code, "a b c"));
  /* Unknown parameters (also repeated ones) are skipped, empty pairs too. */
  assert_int_equal(parse("code=x&&iss=a&iss=b&client_info=eyJ&state=y&flag", &r), ET_OK);
  assert_true(is(r.code, "x"));
  /* Names are decoded before they are recognised. */
  assert_int_equal(parse("c%6Fde=x&st%61te=y", &r), ET_OK);
  assert_true(is(r.code, "x"));
  assert_true(is(r.state, "y"));
  /* No expected URI: nothing compared. */
  assert_int_equal(et_redirect_parse(ET_STR("https://evil.example/x?code=a&state=b"), scratch,
                                     sizeof scratch, ET_STR_NULL, &r), ET_OK);
}

static void in_place(void **state) {
  char text[] = "http://localhost:8080/?state=%41%42&code=c%2Fd&session_state=s+s";
  et_redirect r;
  (void)state;
  assert_int_equal(et_redirect_parse((et_str){ text, sizeof text - 1 }, text, sizeof text - 1,
                                     URI, &r), ET_OK);
  assert_true(is(r.state, "AB"));
  assert_true(is(r.code, "c/d"));
  assert_true(is(r.session_state, "s s"));
  assert_true(r.state.p >= text && r.session_state.p + r.session_state.n <= text + sizeof text);
}

static void error_redirect(void **state) {
  et_redirect r;
  et_oauth_error err;
  (void)state;
  assert_int_equal(parse("http://localhost:8080/?error=access_denied&error_description="
                         "AADSTS65004%3A+User+declined+to+consent.%0D%0ATrace+ID%3A+t1"
                         "&error_uri=https%3A%2F%2Flogin.microsoftonline.com%2Ferror%3Fcode%3D65004"
                         "&state=S", &r), ET_OK);
  assert_true(is(r.error, "access_denied"));
  assert_true(is(r.error_description, "AADSTS65004: User declined to consent.\r\nTrace ID: t1"));
  assert_true(is(r.error_uri, "https://login.microsoftonline.com/error?code=65004"));
  assert_null(r.code.p);
  assert_int_equal(et_redirect_check(&r, ET_STR("S"), &err), ET_E_DECLINED);
  assert_true(is(err.error, "access_denied"));
  assert_true(et_str_eq(err.error_description, r.error_description));
  assert_true(et_str_eq(err.error_uri, r.error_uri));
  assert_int_equal(err.n_error_codes, 1);
  assert_int_equal(err.error_codes[0], 65004);

  assert_int_equal(parse("?error=invalid_request&error_description=bad+scope&state=S", &r), ET_OK);
  assert_int_equal(et_redirect_check(&r, ET_STR("S"), &err), ET_E_OAUTH);
  assert_true(is(err.error, "invalid_request"));
  assert_int_equal(err.n_error_codes, 0);
  assert_int_equal(et_redirect_check(&r, ET_STR("S"), NULL), ET_E_OAUTH);
  /* A foreign state wins over the error: it is not our answer at all. */
  assert_int_equal(et_redirect_check(&r, ET_STR("T"), &err), ET_E_STATE_MISMATCH);
}

static void state_check(void **state) {
  et_redirect r;
  et_oauth_error err;
  (void)state;
  assert_int_equal(parse("?code=c&state=abcdefghijklmnopqrstuvwxyz012345", &r), ET_OK);
  assert_int_equal(et_redirect_check(&r, ET_STR("abcdefghijklmnopqrstuvwxyz012345"), &err), ET_OK);
  assert_true(is(r.code, "c"));
  /* Last byte, first byte, prefix, longer, case: all refused. */
  assert_int_equal(et_redirect_check(&r, ET_STR("abcdefghijklmnopqrstuvwxyz012346"), &err),
                   ET_E_STATE_MISMATCH);
  assert_int_equal(et_redirect_check(&r, ET_STR("bbcdefghijklmnopqrstuvwxyz012345"), &err),
                   ET_E_STATE_MISMATCH);
  assert_int_equal(et_redirect_check(&r, ET_STR("abcdefghijklmnopqrstuvwxyz01234"), &err),
                   ET_E_STATE_MISMATCH);
  assert_int_equal(et_redirect_check(&r, ET_STR("abcdefghijklmnopqrstuvwxyz0123456"), &err),
                   ET_E_STATE_MISMATCH);
  assert_int_equal(et_redirect_check(&r, ET_STR("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"), &err),
                   ET_E_STATE_MISMATCH);
  assert_int_equal(et_redirect_check(&r, ET_STR_NULL, &err), ET_E_ARG);
  assert_int_equal(et_redirect_check(NULL, ET_STR("x"), &err), ET_E_ARG);

  /* Missing or empty state: never accepted. */
  assert_int_equal(parse("http://localhost:8080/?code=c", &r), ET_OK);
  assert_int_equal(et_redirect_check(&r, ET_STR("s"), &err), ET_E_STATE_MISMATCH);
  assert_int_equal(parse("?code=c&state=", &r), ET_OK);
  assert_int_equal(et_redirect_check(&r, ET_STR("s"), &err), ET_E_STATE_MISMATCH);
  assert_int_equal(parse("?error=access_denied", &r), ET_OK);
  assert_int_equal(et_redirect_check(&r, ET_STR("s"), &err), ET_E_STATE_MISMATCH);
}

static void duplicates_refused(void **state) {
  static const char *const bad[] = {
    "?code=a&state=s&code=b",
    "?code=a&state=s&state=t",
    "?code=a&state=s&c%6fde=b",
    "?code=&code=a&state=s",
    "?code=a&state=s&state",
    "?code=a&state=s&session_state=1&session_state=2",
    "?error=x&error=y&state=s",
    "?error=x&state=s&error_description=a&error_description=b",
    "?error=x&state=s&error_uri=a&error_uri=b",
  };
  et_redirect r;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(parse(bad[i], &r), ET_E_INPUT);
    assert_null(r.code.p); /* out is cleared on failure */
    assert_null(r.state.p);
  }
}

static void bad_escapes_and_bytes(void **state) {
  static const char *const bad[] = {
    "?code=a%&state=s",
    "?code=a%4&state=s",
    "?code=a%G1&state=s",
    "?code=a%1g&state=s",
    "?code=a&state=s%",
    "?co%de=a&state=s",
    "?code=a&state=s&other=%zz",    /* unknown parameters are still checked */
    "?code=a%00b&state=s",           /* %00 would cut C strings */
    "?code=a&state=s\x01",
    "?code=a\r\nX-Evil: 1&state=s",  /* raw CR/LF inside */
    "?code=a\x7f&state=s",
    "",
    "   ",
    "http://localhost:8080/",        /* no query */
    "http://localhost:8080/#code=a&state=s", /* code only in a fragment */
    "/callback",
    "?state=s",                      /* neither code nor error */
    "?code=&state=s",
    "?error=&state=s",
    "?code=a#&state=s&code=b",       /* fragment dropped: no duplicate, no state */
  };
  et_redirect r;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    et_err e = parse(bad[i], &r);
    if (i == sizeof bad / sizeof bad[0] - 1) {
      assert_int_equal(e, ET_OK); /* parses, but check refuses it */
      assert_int_equal(et_redirect_check(&r, ET_STR("s"), NULL), ET_E_STATE_MISMATCH);
    } else {
      assert_int_equal(e, ET_E_INPUT); /* hostile input, not a programmer's mistake */
    }
  }
  /* A raw NUL inside the span. */
  {
    static const char nul[] = "?code=a\0b&state=s";
    assert_int_equal(et_redirect_parse((et_str){ nul, sizeof nul - 1 }, scratch, sizeof scratch,
                                       URI, &r), ET_E_INPUT);
  }
  /* The fragment is ignored, not parsed. */
  assert_int_equal(parse("http://localhost:8080/?code=a&state=s#state=evil&code=b", &r), ET_OK);
  assert_true(is(r.code, "a"));
  assert_true(is(r.state, "s"));
}

static void foreign_targets(void **state) {
  static const char *const bad[] = {
    "https://localhost:8080/?code=a&state=s",
    "http://localhost:8081/?code=a&state=s",
    "http://localhost/?code=a&state=s",
    "http://evil.example:8080/?code=a&state=s",
    "http://localhost:8080/cb?code=a&state=s",
    "http://user@localhost:8080/?code=a&state=s",
    "http://localhost:8080@evil/?code=a&state=s",
    "http://localhost:99999/?code=a&state=s",
    "http://localhost:/?code=a&state=s",
    "/cb?code=a&state=s",
    "//?code=a&state=s",
  };
  et_redirect r;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(parse(bad[i], &r), ET_E_URL);
  /* A path in the registered URI must match exactly. */
  assert_int_equal(et_redirect_parse(ET_STR("/auth/cb?code=a&state=s"), scratch, sizeof scratch,
                                     ET_STR("http://127.0.0.1:5000/auth/cb"), &r), ET_OK);
  assert_int_equal(et_redirect_parse(ET_STR("http://127.0.0.1:5000/auth/cb/?code=a&state=s"),
                                     scratch, sizeof scratch,
                                     ET_STR("http://127.0.0.1:5000/auth/cb"), &r), ET_E_URL);
  assert_int_equal(et_redirect_parse(ET_STR("http://[::1]:5000/?code=a&state=s"), scratch,
                                     sizeof scratch, ET_STR("http://[::1]:5000"), &r), ET_OK);
  /* A malformed expected URI is refused whatever the input form. */
  assert_int_equal(et_redirect_parse(ET_STR("code=a&state=s"), scratch, sizeof scratch,
                                     ET_STR("localhost:8080"), &r), ET_E_URL);
  assert_int_equal(et_redirect_parse(ET_STR("/?code=a&state=s"), scratch, sizeof scratch,
                                     ET_STR("http://localhost:8080/?x=1"), &r), ET_E_URL);
}

static void huge_values(void **state) {
  static char in[3 * ET_REDIRECT_VALUE_MAX + 64];
  et_redirect r;
  size_t n;
  (void)state;
  /* Exactly the limit: accepted. */
  n = (size_t)snprintf(in, sizeof in, "?state=s&code=");
  memset(in + n, 'A', ET_REDIRECT_VALUE_MAX);
  in[n + ET_REDIRECT_VALUE_MAX] = '\0';
  assert_int_equal(parse(in, &r), ET_OK);
  assert_int_equal(r.code.n, ET_REDIRECT_VALUE_MAX);
  /* One more: refused, also when it only gets there decoded... */
  in[n + ET_REDIRECT_VALUE_MAX] = 'A';
  in[n + ET_REDIRECT_VALUE_MAX + 1] = '\0';
  assert_int_equal(parse(in, &r), ET_E_INPUT);
  for (size_t i = 0; i <= ET_REDIRECT_VALUE_MAX; i++)
    memcpy(in + n + 3 * i, "%41", 3);
  in[n + 3 * (ET_REDIRECT_VALUE_MAX + 1)] = '\0';
  assert_int_equal(parse(in, &r), ET_E_INPUT);
  /* ...and in an unknown parameter or a name. */
  n = (size_t)snprintf(in, sizeof in, "?state=s&code=c&x=");
  memset(in + n, 'A', ET_REDIRECT_VALUE_MAX + 1);
  in[n + ET_REDIRECT_VALUE_MAX + 1] = '\0';
  assert_int_equal(parse(in, &r), ET_E_INPUT);
  n = (size_t)snprintf(in, sizeof in, "?state=s&code=c&");
  memset(in + n, 'k', ET_REDIRECT_VALUE_MAX + 1);
  in[n + ET_REDIRECT_VALUE_MAX + 1] = '\0';
  assert_int_equal(parse(in, &r), ET_E_INPUT);
}

static void small_scratch(void **state) {
#define IN ET_STR("?code=abcdef&state=xyz")
  char small[8];
  et_redirect r;
  (void)state;
  assert_int_equal(et_redirect_parse(IN, small, 5, URI, &r), ET_E_NOSPACE);
  assert_null(r.code.p);
  assert_int_equal(et_redirect_parse(IN, small, 6, URI, &r), ET_E_NOSPACE);
  /* 6 + 3 decoded bytes: 9 needed, 8 given. */
  assert_int_equal(et_redirect_parse(IN, small, sizeof small, URI, &r), ET_E_NOSPACE);
#undef IN
}

/* A programmer's mistake (NULL, no buffer) is ET_E_ARG; whatever the
 * browser or a paste brings is ET_E_INPUT (or ET_E_URL, ET_E_STATE_MISMATCH,
 * ET_E_DECLINED, ET_E_OAUTH), never ET_E_ARG. */
static void mistakes_and_hostile_input_differ(void **state) {
  char small[8];
  et_redirect r;
  (void)state;
  assert_int_equal(et_redirect_parse(ET_STR("?code=a&state=s"), NULL, 0, URI, &r), ET_E_ARG);
  assert_int_equal(et_redirect_parse(ET_STR("?code=a&state=s"), small, sizeof small, URI, NULL),
                   ET_E_ARG);
  assert_int_equal(et_redirect_parse(ET_STR_NULL, small, sizeof small, URI, &r), ET_E_ARG);
  /* An empty paste is input, not a NULL pointer. */
  assert_int_equal(et_redirect_parse(ET_STR(""), small, sizeof small, URI, &r), ET_E_INPUT);
  /* The check: a redirect with our state but neither code nor error (a
   * hand-built one, since the parser refuses it first) is hostile input. */
  memset(&r, 0, sizeof r);
  r.state = ET_STR("s");
  assert_int_equal(et_redirect_check(&r, ET_STR("s"), NULL), ET_E_INPUT);
  r.code = ET_STR("");
  assert_int_equal(et_redirect_check(&r, ET_STR("s"), NULL), ET_E_INPUT);
  r.code = ET_STR("c");
  assert_int_equal(et_redirect_check(&r, ET_STR("s"), NULL), ET_OK);
  /* The caller's own mistakes stay ET_E_ARG. */
  assert_int_equal(et_redirect_check(&r, ET_STR(""), NULL), ET_E_ARG);
  assert_int_equal(et_redirect_check(NULL, ET_STR("s"), NULL), ET_E_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(full_url),
    cmocka_unit_test(other_forms),
    cmocka_unit_test(in_place),
    cmocka_unit_test(error_redirect),
    cmocka_unit_test(state_check),
    cmocka_unit_test(duplicates_refused),
    cmocka_unit_test(bad_escapes_and_bytes),
    cmocka_unit_test(foreign_targets),
    cmocka_unit_test(huge_values),
    cmocka_unit_test(small_scratch),
    cmocka_unit_test(mistakes_and_hostile_input_differ),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
