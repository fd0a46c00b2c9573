/* SPDX-License-Identifier: MIT */
/* The small helpers the decoders share: et_hex_value, et_ascii_lower,
 * et_char_in and the table-driven et_json_decode; and the error codes'
 * texts and their one classifier, et_err_is_transient; et_log's lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

static void hex_value_of_every_byte(void **state) {
  (void)state;
  for (int c = -128; c < 128; c++) {
    int want = -1;
    if (c >= '0' && c <= '9')
      want = c - '0';
    else if (c >= 'a' && c <= 'f')
      want = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      want = c - 'A' + 10;
    assert_int_equal(et_hex_value((char)c), want);
  }
}

static void ascii_lower_changes_only_capitals(void **state) {
  (void)state;
  for (int c = -128; c < 128; c++) {
    char want = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
    assert_int_equal(et_ascii_lower((char)c), want);
  }
}

static void char_sets_of_every_byte(void **state) {
  (void)state;
  for (int c = -128; c < 128; c++) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    bool tchar = alnum || (c > 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
    bool unreserved = alnum || c == '-' || c == '.' || c == '_' || c == '~';
    bool host = alnum || c == '-' || c == '.';
    bool ipv6 = hex || c == ':' || c == '.';
    assert_int_equal(et_char_in((char)c, ET_CHARS_TCHAR), tchar);
    assert_int_equal(et_char_in((char)c, ET_CHARS_UNRESERVED), unreserved);
    assert_int_equal(et_char_in((char)c, ET_CHARS_HOST), host);
    assert_int_equal(et_char_in((char)c, ET_CHARS_IPV6), ipv6);
  }
}

typedef struct pair {
  et_str must, may;
} pair;

static const et_json_field fields[] = {
  ET_JSON_REQUIRED(pair, "must", must),
  ET_JSON_OPTIONAL(pair, "may", may),
};
static const et_json_plan plan = { fields, 2, "pair: not a JSON object", "pair: too many tokens" };

/* Decode a copy of text with plan p and ntok (at most 32) tokens into out,
 * which the caller has preset. */
static et_err run_plan(const et_json_plan *p, size_t ntok, const char *text, void *out,
                       const char **why) {
  static char buf[256];
  jsmntok_t tok[32];
  et_json j;
  size_t n = strlen(text);
  memcpy(buf, text, n + 1);
  return et_json_decode(&j, buf, n, tok, ntok, p, out, why);
}

static et_err decode(const char *text, pair *out, const char **why) {
  memset(out, 0x5a, sizeof *out);
  return run_plan(&plan, 8, text, out, why);
}

static void json_decode_fills_the_struct(void **state) {
  pair p;
  const char *why = "x";
  (void)state;
  assert_int_equal(decode("{\"may\":\"b\\u00e9\",\"must\":\"a\"}", &p, &why), ET_OK);
  assert_null(why);
  assert_true(et_str_eq(p.must, ET_STR("a")));
  assert_true(et_str_eq(p.may, ET_STR("b\xc3\xa9")));
  assert_int_equal(decode("{\"must\":\"a\"}", &p, &why), ET_OK);
  assert_null(p.may.p); /* absent optional member: ET_STR_NULL */
  assert_int_equal(p.may.n, 0);
}

static void json_decode_says_what_is_wrong(void **state) {
  static const struct {
    const char *text;
    et_err e;
    const char *why;
  } bad[] = {
    { "{\"may\":\"b\"}", ET_E_JSON_FIELD, "must: missing or empty" },
    { "{\"must\":\"\"}", ET_E_JSON_FIELD, "must: missing or empty" },
    { "{\"must\":1}", ET_E_JSON_FIELD, "must: expected a string" },
    { "{\"must\":\"a\",\"may\":null}", ET_E_JSON_FIELD, "may: expected a string" },
    { "{\"must\":\"a\",\"may\":\"\\ud800\"}", ET_E_JSON_SYNTAX, "may: bad escape in string" },
    { "[1]", ET_E_JSON_SYNTAX, "pair: not a JSON object" },
    { "{\"a\":[1,2,3,4,5,6,7,8]}", ET_E_JSON_TOKENS, "pair: too many tokens" },
  };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pair p;
    const char *why = NULL;
    assert_int_equal(decode(bad[i].text, &p, &why), bad[i].e);
    assert_non_null(why);
    assert_string_equal(why, bad[i].why);
    assert_int_equal(decode(bad[i].text, &p, NULL), bad[i].e); /* why is optional */
  }
}

/* Every kind of plan entry beyond plain strings, on one struct. */
typedef struct kinds {
  et_str kind, url;
  int64_t n;
  uint32_t codes[2];
  size_t n_codes;
} kinds;

static const et_json_field kind_fields[] = {
  ET_JSON_OPTIONAL(kinds, "kind", kind),
  { "Bearer", offsetof(kinds, kind), ET_JSON_IS, 0 ET_TEXTS("kind: not Bearer", NULL, NULL) },
  ET_JSON_OPTIONAL(kinds, "uri", url),
  { "url", offsetof(kinds, url), ET_JSON_STR_ALT, 0 ET_TEXTS("uri/url: missing", "uri/url: type",
                                                             "uri/url: escape") },
  ET_JSON_NUMBER(kinds, "n", n),
  { "codes", offsetof(kinds, codes), ET_JSON_U32S, 2 ET_TEXTS(NULL, "codes: bad", NULL) },
};
typedef char kinds_count_after_codes[offsetof(kinds, n_codes) ==
                                             ET_JSON_U32S_COUNT(offsetof(kinds, codes), 2)
                                         ? 1
                                         : -1];
static const et_json_plan kind_plan = { kind_fields, 6, "kinds: syntax", "kinds: tokens" };

static et_err decode_kinds(const char *text, kinds *out, const char **why) {
  memset(out, 0, sizeof *out);
  out->n = -1;
  return run_plan(&kind_plan, 32, text, out, why);
}

static void json_decode_kinds(void **state) {
  static const struct {
    const char *text;
    et_err e;
    const char *why;
  } bad[] = {
    { "{\"kind\":\"Basic\",\"uri\":\"u\"}", ET_E_JSON_FIELD, "kind: not Bearer" },
    { "{\"kind\":\"bearer\"}", ET_E_JSON_FIELD, "uri/url: missing" },
    { "{\"kind\":\"bearer\",\"uri\":\"\",\"url\":\"\"}", ET_E_JSON_FIELD, "uri/url: missing" },
    { "{\"kind\":\"bearer\",\"url\":5}", ET_E_JSON_FIELD, "uri/url: type" },
    { "{\"kind\":\"bearer\",\"url\":\"\\ud800\"}", ET_E_JSON_SYNTAX, "uri/url: escape" },
    { "{\"kind\":\"bearer\",\"url\":\"v\",\"n\":-1}", ET_E_JSON_FIELD,
      "n: expected a number or digit string" },
    { "{\"kind\":\"bearer\",\"url\":\"v\",\"codes\":7}", ET_E_JSON_FIELD, "codes: bad" },
    { "{\"kind\":\"bearer\",\"url\":\"v\",\"codes\":[1,\"2\"]}", ET_E_JSON_FIELD, "codes: bad" },
    { "{\"kind\":\"bearer\",\"url\":\"v\",\"codes\":[1,2,4294967296]}", ET_E_JSON_FIELD,
      "codes: bad" },
  };
  kinds k;
  const char *why = "x";
  (void)state;
  /* The alternative key fills an empty member; the first cap codes are kept. */
  assert_int_equal(decode_kinds("{\"kind\":\"bEARER\",\"uri\":\"\",\"url\":\"v\",\"n\":\"0042\","
                                "\"codes\":[7,4294967295,9]}",
                                &k, &why),
                   ET_OK);
  assert_null(why);
  assert_true(et_str_eq(k.url, ET_STR("v")));
  assert_int_equal(k.n, 42);
  assert_int_equal(k.n_codes, 2);
  assert_int_equal(k.codes[0], 7);
  assert_int_equal(k.codes[1], 4294967295u);
  /* ...and is not read when the first one is there; an absent number is
   * left as it was. */
  assert_int_equal(decode_kinds("{\"kind\":\"Bearer\",\"uri\":\"u\",\"url\":5,\"codes\":[]}", &k, &why),
                   ET_OK);
  assert_true(et_str_eq(k.url, ET_STR("u")));
  assert_int_equal(k.n, -1);
  assert_int_equal(k.n_codes, 0);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why = NULL;
    assert_int_equal(decode_kinds(bad[i].text, &k, &why), bad[i].e);
    assert_non_null(why);
    assert_string_equal(why, bad[i].why);
  }
}

static void every_error_has_its_own_text(void **state) {
  (void)state;
  for (int e = 0; e < ET_E__COUNT; e++) {
    const char *t = et_strerror((et_err)e);
    assert_non_null(t);
    assert_true(t[0] != '\0');
    assert_string_not_equal(t, "unknown error");
    for (int k = 0; k < e; k++)
      assert_string_not_equal(t, et_strerror((et_err)k));
  }
  assert_non_null(et_strerror(ET_E__COUNT));
  assert_non_null(et_strerror((et_err)-1));
}

static void transient_errors_are_exactly_these(void **state) {
  /* What a later retry may fix: the network, throttling, a failing server. */
  static const et_err transient[] = { ET_E_DNS, ET_E_CONNECT, ET_E_TIMEOUT, ET_E_CLOSED,
                                      ET_E_TRUNCATED, ET_E_IO, ET_E_TLS, ET_E_THROTTLED,
                                      ET_E_SERVER, ET_E_PROXY_CONNECT };
  (void)state;
  for (int e = 0; e < ET_E__COUNT; e++) {
    bool want = false;
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
      want = want || transient[i] == (et_err)e;
    if (et_err_is_transient((et_err)e) != want)
      fail_msg("%s: transient %d, want %d", et_strerror((et_err)e),
               et_err_is_transient((et_err)e), want);
  }
  /* Refusals, bad input, configuration and programming errors are not. */
  assert_false(et_err_is_transient(ET_OK));
  assert_false(et_err_is_transient(ET_E_INPUT));
  assert_false(et_err_is_transient(ET_E_ARG));
  assert_false(et_err_is_transient(ET_E_TLS_VERIFY));
  assert_false(et_err_is_transient(ET_E_SIGNIN_REQUIRED));
  assert_false(et_err_is_transient(ET_E__COUNT));
}

/* What et_log handed the port's hook last. */
typedef struct logged {
  char line[400];
  size_t n;
  int calls;
  et_level lvl;
} logged;

static void keep_line(void *ctx, et_level lvl, const char *msg, size_t n) {
  logged *l = ctx;
  assert_true(n <= sizeof l->line);
  memcpy(l->line, msg, n);
  l->n = n;
  l->lvl = lvl;
  l->calls++;
}

static void log_joins_text_and_detail_and_cuts_visibly(void **state) {
  logged l;
  et_port port;
  char text[200], detail[200];
  (void)state;
  memset(&l, 0, sizeof l);
  memset(&port, 0, sizeof port);
  port.ctx = &l;
  port.log = keep_line;
  memset(text, 't', sizeof text);
  memset(detail, 'd', sizeof detail);

  (et_log)(&port, ET_LOG_WARN, "retrying", ET_STR(": HTTP 503"));
  assert_int_equal(l.calls, 1);
  assert_int_equal(l.lvl, ET_LOG_WARN);
  assert_int_equal(l.n, strlen("retrying: HTTP 503"));
  assert_memory_equal(l.line, "retrying: HTTP 503", l.n);

  (et_log)(&port, ET_LOG_WARN, "no detail", ET_STR_NULL);
  assert_int_equal(l.n, strlen("no detail"));
  assert_memory_equal(l.line, "no detail", l.n);

  /* 100 + 60 bytes fit a 160-byte line exactly; one more is cut. */
  text[100] = '\0';
  (et_log)(&port, ET_LOG_WARN, text, (et_str){ detail, 60 });
  assert_int_equal(l.n, 160);
  assert_int_equal(l.line[159], 'd');
  (et_log)(&port, ET_LOG_WARN, text, (et_str){ detail, 61 });
  assert_int_equal(l.n, 160);
  assert_memory_equal(l.line, text, 100);
  assert_memory_equal(l.line + 100, detail, 57);
  assert_memory_equal(l.line + 157, "...", 3);

  /* A text with no room for "..." is logged alone, whole. */
  text[100] = 't';
  text[157] = '\0';
  (et_log)(&port, ET_LOG_WARN, text, (et_str){ detail, 5 });
  assert_int_equal(l.n, 157);
  assert_memory_equal(l.line, text, 157);
  text[157] = 't';
  text[156] = '\0';
  (et_log)(&port, ET_LOG_WARN, text, (et_str){ detail, 5 });
  assert_int_equal(l.n, 160);
  assert_memory_equal(l.line + 156, "d...", 4);

  /* Above CONFIG_ET_LOG_LEVEL, or without a hook: nothing. */
  l.calls = 0;
  (et_log)(&port, (et_level)(CONFIG_ET_LOG_LEVEL + 1), "dropped", ET_STR_NULL);
  port.log = NULL;
  (et_log)(&port, ET_LOG_ERROR, "dropped", ET_STR_NULL);
  (et_log)(NULL, ET_LOG_ERROR, "dropped", ET_STR_NULL);
  assert_int_equal(l.calls, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(hex_value_of_every_byte),
    cmocka_unit_test(ascii_lower_changes_only_capitals),
    cmocka_unit_test(char_sets_of_every_byte),
    cmocka_unit_test(json_decode_fills_the_struct),
    cmocka_unit_test(json_decode_says_what_is_wrong),
    cmocka_unit_test(json_decode_kinds),
    cmocka_unit_test(every_error_has_its_own_text),
    cmocka_unit_test(transient_errors_are_exactly_these),
    cmocka_unit_test(log_joins_text_and_detail_and_cuts_visibly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
