/* SPDX-License-Identifier: MIT */
/* JSON layer: strict validation and jsmn-shaped tokens, lookups,
 * unescaping and number reading. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* jsmn itself, as the reference for the tokens et_json_parse makes. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "edgetoken/et_json.h"

#define NTOK 64

typedef struct doc {
  char text[1024];
  jsmntok_t tok[NTOK];
  et_json j;
} doc;

/* Parse a copy of the literal (its bytes up to n) with cap tokens. */
static et_err parse_n(doc *d, const char *s, size_t n, size_t cap) {
  assert_true(n < sizeof d->text);
  memcpy(d->text, s, n);
  d->text[n] = 'X'; /* past the end: must never be read as part of it */
  return et_json_parse(&d->j, d->text, n, d->tok, cap);
}

static et_err parse(doc *d, const char *s) {
  return parse_n(d, s, strlen(s), NTOK);
}

static void test_accepts_valid(void **state) {
  static const char *const ok[] = {
    "{}",
    " \t\r\n{ } \n",
    "{\"a\":1}",
    "{\"a\":-0,\"b\":0.5,\"c\":-12.25e+3,\"d\":1E-2,\"e\":10}",
    "{\"a\":true,\"b\":false,\"c\":null}",
    "{\"a\":[],\"b\":[1,[2,{}],\"x\"],\"c\":{\"d\":{}}}",
    "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"}",
    "{\"\":\"\"}",
    "{\"a\" : 1 , \"b\" : [ 1 , 2 ] }",
    "{\"u\":\"\xc3\xa9\"}",
    "{\"a\":[1,{\"b\":[]},-0.5e-7,true,null]} \t\r\n",
    "{\"a\":\"}\",\"b\":\"\\u007d\"}",
  };
  (void)state;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    doc d;
    assert_int_equal(et_json_validate(ok[i], strlen(ok[i])), ET_OK);
    assert_int_equal(parse(&d, ok[i]), ET_OK);
    assert_int_equal(d.j.tok[0].type, JSMN_OBJECT);
    assert_int_equal(et_json_skip(&d.j, 0), (int)d.j.ntok);
  }
}

/* Valid text gets the tokens jsmn (strict) gives it: same count, types,
 * spans and sizes (a key owns its value, containers count their members). */
static void test_tokens_match_jsmn(void **state) {
  static const char *const docs[] = {
    "{}",
    " {\"a\":1} ",
    "{\"a\":-0,\"b\":0.5,\"c\":-12.25e+3,\"d\":true,\"e\":null}",
    "{\"a\":[],\"b\":[1,[2,{}],\"x\"],\"c\":{\"d\":{}}}",
    "{\"a\":[{\"b\":[[],[\"c\",{\"d\":\"e\"}]]},3],\"f\":{\"g\":[false]}}",
    "{\"k\\\"q\":\"v\\u00e9\",\"\":\"\",\"n\":{\"m\":{\"o\":[1,2,3]}},\"z\":0}",
    "{\"a\" : [ 1 , { } , [ ] ] , \"b\" : { \"c\" : \"d\" } }",
  };
  (void)state;
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    jsmntok_t want[NTOK];
    jsmn_parser p;
    doc d;
    int r;
    print_message("case %zu: %s\n", i, docs[i]);
    jsmn_init(&p);
    r = jsmn_parse(&p, docs[i], strlen(docs[i]), want, NTOK);
    assert_true(r > 0);
    assert_int_equal(parse(&d, docs[i]), ET_OK);
    assert_int_equal(d.j.ntok, (size_t)r);
    for (int k = 0; k < r; k++) {
      assert_int_equal(d.tok[k].type, want[k].type);
      assert_int_equal(d.tok[k].start, want[k].start);
      assert_int_equal(d.tok[k].end, want[k].end);
      assert_int_equal(d.tok[k].size, want[k].size);
    }
  }
}

static void test_rejects_invalid(void **state) {
  static const char *const bad[] = {
    "",
    "   ",
    "{\"a\"}",            /* jsmn accepts: key without value */
    "{\"a\":1,}",         /* jsmn accepts: trailing comma */
    "{\"a\":1 \"b\":2}",  /* jsmn accepts: missing comma */
    "{\"a\":[1,]}",
    "{\"a\":[,1]}",
    "{\"a\":[1 2]}",
    "{,}",
    "{\"a\"::1}",
    "{\"a\" 1}",
    "{\"a\":1,,\"b\":2}",
    "{1:2}",
    "{\"a\":1}}",
    "{\"a\":1} x",
    "{\"a\":1}{}",
    "{\"a\":1",
    "{\"a\":[1}",
    "{\"a\":{]}",
    "[1,2]",             /* root must be an object */
    "\"str\"",
    "42",
    "{\"a\":\"x}",
    "{\"a\":\"\\x\"}",
    "{\"a\":\"\\u12G4\"}",
    "{\"a\":\"\\u12\"}",
    "{\"a\":\"\\",
    "{\"a\":\"tab\there\"}",
    "{\"a\":\"nl\nhere\"}",
    "{\"a\":tru}",
    "{\"a\":truex}",
    "{\"a\":True}",
    "{\"a\":nul}",
    "{\"a\":undefined}",
    "{\"a\":01}",
    "{\"a\":-}",
    "{\"a\":+1}",
    "{\"a\":1.}",
    "{\"a\":.5}",
    "{\"a\":1e}",
    "{\"a\":1e+}",
    "{\"a\":0x10}",
    "{\"a\":NaN}",
    "{'a':1}",
    "{\"a\":1}\xef",
    "\xef\xbb\xbf{}",
    /* The text ends with the root's '}', which every scanner stops at. */
    "}",
    " }",
    "{\"a\":t}",
    "{\"a\":fals}",
    "{\"a\":nulll}",
    "{\"a\":1.e1}",
    "{\"a\":1e+}",
    "{\"a\":-0.}",
    "{\"a\":\"}",
    "{\"a\":\"\\u12}",
    "{\"a\":\"\\}",
    "{\"a\":{}",
    "{\"a\":[{}",
    "{\"a\":[]}]}",
    "{}]}",
    "{},{}",
    "{} }",
    "{\"a\":1} x}",
    "{\"a\":1}\t{\"b\":2}",
  };
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    doc d;
    print_message("case %zu: %s\n", i, bad[i]);
    assert_int_equal(parse(&d, bad[i]), ET_E_JSON_SYNTAX);
    assert_int_equal(d.j.ntok, 0);
  }
}

/* The validator reads nothing past the text: each text is checked in a
 * heap block of exactly its size (AddressSanitizer in the asan build,
 * valgrind otherwise, catch a read past it). */
static void test_validate_exact_buffer(void **state) {
  static const char *const texts[] = {
    "{}", "{\"a\":1}", "{\"a\":-12.5e+3}", "{\"a\":true}", "{\"a\":false}",
    "{\"a\":null}", "{\"a\":\"x\\u00e9\"}", "{\"a\":[1,[2]]} \n",
    "{\"a\":1", "{\"a\":tru", "{\"a\":-", "{\"a\":1e", "{\"a\":\"x",
    "{\"a\":\"\\u00", "{\"a\":\"\\", "{\"a\":fals", "{\"a\":nu", "{\"a\" ",
  };
  static const et_err want[] = {
    ET_OK, ET_OK, ET_OK, ET_OK, ET_OK, ET_OK, ET_OK, ET_OK,
    ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX,
    ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX,
    ET_E_JSON_SYNTAX, ET_E_JSON_SYNTAX,
  };
  (void)state;
  assert_int_equal(sizeof texts / sizeof texts[0], sizeof want / sizeof want[0]);
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    size_t n = strlen(texts[i]);
    char *p = malloc(n);
    assert_non_null(p);
    memcpy(p, texts[i], n);
    print_message("case %zu: %s\n", i, texts[i]);
    assert_int_equal(et_json_validate(p, n), want[i]);
    free(p);
  }
}

static void test_rejects_nul(void **state) {
  static const char in_string[] = "{\"a\":\"x\0y\"}";
  static const char after_root[] = "{\"a\":1}\0";
  static const char between[] = "{\"a\":1,\0\"b\":2}";
  doc d;
  (void)state;
  assert_int_equal(parse_n(&d, in_string, sizeof in_string - 1, NTOK),
                   ET_E_JSON_SYNTAX);
  assert_int_equal(parse_n(&d, after_root, sizeof after_root - 1, NTOK),
                   ET_E_JSON_SYNTAX);
  assert_int_equal(parse_n(&d, between, sizeof between - 1, NTOK),
                   ET_E_JSON_SYNTAX);
}

static void test_bad_args(void **state) {
  doc d;
  char t[] = "{}";
  (void)state;
  assert_int_equal(et_json_parse(NULL, t, 2, d.tok, NTOK), ET_E_ARG);
  assert_int_equal(et_json_parse(&d.j, NULL, 2, d.tok, NTOK), ET_E_ARG);
  assert_int_equal(et_json_parse(&d.j, t, 2, NULL, NTOK), ET_E_ARG);
  assert_int_equal(et_json_parse(&d.j, t, (size_t)INT_MAX, d.tok, NTOK),
                   ET_E_ARG);
  assert_int_equal(et_json_validate(NULL, 0), ET_E_ARG);
}

static void test_nesting(void **state) {
  char s[2 * ET_JSON_MAX_DEPTH + 16];
  jsmntok_t tok[ET_JSON_MAX_DEPTH + 8];
  et_json j;
  size_t n = 0;
  (void)state;
  /* {"a":[[[...]]]}: the object plus DEPTH-1 arrays is exactly the limit. */
  memcpy(s, "{\"a\":", 5);
  n = 5;
  for (int i = 0; i < ET_JSON_MAX_DEPTH - 1; i++)
    s[n++] = '[';
  for (int i = 0; i < ET_JSON_MAX_DEPTH - 1; i++)
    s[n++] = ']';
  s[n++] = '}';
  assert_int_equal(et_json_parse(&j, s, n, tok, sizeof tok / sizeof tok[0]),
                   ET_OK);
  assert_int_equal(j.ntok, 2 + ET_JSON_MAX_DEPTH - 1);
  assert_int_equal(et_json_skip(&j, 1), (int)j.ntok);
  assert_int_equal(et_json_skip(&j, 2), (int)j.ntok);

  /* One level deeper is refused, whatever the token budget. */
  memcpy(s, "{\"a\":", 5);
  n = 5;
  for (int i = 0; i < ET_JSON_MAX_DEPTH; i++)
    s[n++] = '[';
  for (int i = 0; i < ET_JSON_MAX_DEPTH; i++)
    s[n++] = ']';
  s[n++] = '}';
  assert_int_equal(et_json_parse(&j, s, n, tok, sizeof tok / sizeof tok[0]),
                   ET_E_JSON_SYNTAX);

  /* Nested objects count the same way. */
  {
    doc d;
    assert_int_equal(parse(&d, "{\"a\":{\"b\":{\"c\":{}}}}"), ET_OK);
    int a = et_json_get(&d.j, 0, "a");
    int b = et_json_get(&d.j, a, "b");
    int c = et_json_get(&d.j, b, "c");
    assert_true(a > 0 && b > a && c > b);
    assert_int_equal(d.j.tok[c].type, JSMN_OBJECT);
    assert_int_equal(et_json_get(&d.j, 0, "b"), -1); /* not a direct child */
  }
}

static void test_token_budget(void **state) {
  /* 1 object + 3 keys + 3 values (one an array) + 2 elements = 9 tokens. */
  static const char s[] = "{\"a\":1,\"b\":\"x\",\"c\":[true,null]}";
  doc d;
  (void)state;
  assert_int_equal(parse_n(&d, s, sizeof s - 1, 9), ET_OK);
  assert_int_equal(d.j.ntok, 9);
  assert_int_equal(parse_n(&d, s, sizeof s - 1, 8), ET_E_JSON_TOKENS);
  assert_int_equal(d.j.ntok, 0);
  assert_int_equal(parse_n(&d, s, sizeof s - 1, 1), ET_E_JSON_TOKENS);
  assert_int_equal(parse_n(&d, s, sizeof s - 1, 0), ET_E_JSON_TOKENS);
  /* A capacity beyond jsmn's int count is clamped, not truncated. */
  assert_int_equal(parse_n(&d, s, sizeof s - 1, SIZE_MAX), ET_OK);
  assert_int_equal(d.j.ntok, 9);
  /* Bad syntax is reported as such even after the tokens ran out. */
  assert_int_equal(parse_n(&d, "{\"a\":[1,2,3],}", 15, 2), ET_E_JSON_SYNTAX);
  /* A reused token array and parser state do not leak between parses. */
  assert_int_equal(parse_n(&d, s, sizeof s - 1, 9), ET_OK);
  assert_int_equal(d.j.ntok, 9);
}

typedef struct unesc_case {
  const char *in;
  const char *out;
  size_t out_n;
} unesc_case;

static void test_unescape_table(void **state) {
  static const unesc_case ok[] = {
    { "", "", 0 },
    { "plain", "plain", 5 },
    { "\\\"\\\\\\/", "\"\\/", 3 },
    { "\\b\\f\\n\\r\\t", "\b\f\n\r\t", 5 },
    { "a\\r\\nb", "a\r\nb", 4 },
    { "\\u0041", "A", 1 },
    { "\\u00e9", "\xc3\xa9", 2 },
    { "\\u00E9", "\xc3\xa9", 2 },
    { "\\u07ff", "\xdf\xbf", 2 },
    { "\\u0800", "\xe0\xa0\x80", 3 },
    { "\\u20ac", "\xe2\x82\xac", 3 },
    { "\\uffff", "\xef\xbf\xbf", 3 },
    { "\\ud83d\\ude00", "\xf0\x9f\x98\x80", 4 },
    { "\\uD83D\\uDE00", "\xf0\x9f\x98\x80", 4 },
    { "\\ud800\\udc00", "\xf0\x90\x80\x80", 4 },
    { "\\udbff\\udfff", "\xf4\x8f\xbf\xbf", 4 },
    { "x\\u0001y", "x\x01y", 3 },
    { "\xc3\xa9", "\xc3\xa9", 2 },
  };
  static const char *const bad[] = {
    "\\",           /* truncated */
    "ab\\",
    "\\u",
    "\\u00",
    "\\u00e",
    "\\u00eg",
    "\\uXXXX",
    "\\x41",
    "\\U0041",
    "\\'",
    "\\u0000",       /* NUL: values must stay C-safe */
    "\\ud83d",       /* lone high */
    "\\ud83dx",
    "\\ud83d\\u0041",/* high then not low */
    "\\ud83d\\ud83d",
    "\\ude00",       /* lone low */
    "\\ude00\\ud83d",/* reversed pair */
    "\\ud83d\\ude0",
    "\\ud83d\\n",
    "raw\ncontrol",
  };
  (void)state;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char buf[32], inplace[32];
    size_t n = 99, m = 99, k = 99, len = strlen(ok[i].in);
    print_message("ok %zu: %s\n", i, ok[i].in);
    assert_int_equal(et_json_unescape(ok[i].in, len, buf, &n), ET_OK);
    assert_int_equal(n, ok[i].out_n);
    assert_memory_equal(buf, ok[i].out, n);
    assert_true(n <= len);
    memcpy(inplace, ok[i].in, len);
    assert_int_equal(et_json_unescape(inplace, len, inplace, &m), ET_OK);
    assert_int_equal(m, n);
    assert_memory_equal(inplace, ok[i].out, m);
    assert_int_equal(et_json_unescape(ok[i].in, len, NULL, &k), ET_OK);
    assert_int_equal(k, n);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char buf[32];
    size_t n = 99;
    print_message("bad %zu: %s\n", i, bad[i]);
    assert_int_equal(et_json_unescape(bad[i], strlen(bad[i]), buf, &n),
                     ET_E_JSON_SYNTAX);
    assert_int_equal(n, 99); /* untouched on error */
  }
  {
    size_t n;
    char buf[4];
    static const char with_nul[] = "a\0b";
    assert_int_equal(et_json_unescape(with_nul, 3, buf, &n), ET_E_JSON_SYNTAX);
    assert_int_equal(et_json_unescape(NULL, 1, buf, &n), ET_E_ARG);
    assert_int_equal(et_json_unescape("a", 1, buf, NULL), ET_E_ARG);
    assert_int_equal(et_json_unescape(NULL, 0, buf, &n), ET_OK);
    assert_int_equal(n, 0);
  }
}

static void test_string_in_place(void **state) {
  doc d;
  et_str s, again;
  (void)state;
  assert_int_equal(parse(&d, "{\"k\":\"a\\\"b\\\\n\\u00e9\",\"p\":\"plain\","
                             "\"n\":5,\"bad\":\"\\ud800x\"}"), ET_OK);
  int k = et_json_get(&d.j, 0, "k");
  assert_int_equal(et_json_string(&d.j, k, &s), ET_OK);
  assert_int_equal(s.n, 7);
  assert_memory_equal(s.p, "a\"b\\n\xc3\xa9", 7);
  assert_int_equal(s.p[s.n], '\0'); /* NUL-terminated in place */
  assert_true(s.p > d.text && s.p + s.n < d.text + d.j.len);
  /* Idempotent although the decoded text holds a quote and a backslash. */
  assert_int_equal(et_json_string(&d.j, k, &again), ET_OK);
  assert_ptr_equal(again.p, s.p);
  assert_int_equal(again.n, s.n);
  assert_memory_equal(again.p, "a\"b\\n\xc3\xa9", 7);
  /* Raw now shows the decoded span. */
  et_str raw = et_json_raw(&d.j, k);
  assert_ptr_equal(raw.p, s.p);
  assert_int_equal(raw.n, s.n);

  /* Unescaped strings: same span, the closing quote becomes NUL. */
  int p = et_json_get(&d.j, 0, "p");
  assert_int_equal(et_json_string(&d.j, p, &s), ET_OK);
  assert_int_equal(s.n, 5);
  assert_memory_equal(s.p, "plain", 5);
  assert_int_equal(s.p[5], '\0');
  assert_int_equal(et_json_string(&d.j, p, &again), ET_OK);
  assert_int_equal(again.n, 5);

  /* Lookups after decoding still work (decoded keys compare raw). */
  int kk = et_json_get(&d.j, 0, "k") - 1;
  assert_int_equal(et_json_string(&d.j, kk, &s), ET_OK);
  assert_int_equal(et_json_get(&d.j, 0, "k"), k);
  assert_int_equal(et_json_get(&d.j, 0, "n"), k + 4);

  /* A bad escape fails and leaves the text untouched. */
  int b = et_json_get(&d.j, 0, "bad");
  char before[16];
  memcpy(before, d.text + d.j.tok[b].start, 8);
  assert_int_equal(et_json_string(&d.j, b, &s), ET_E_JSON_SYNTAX);
  assert_memory_equal(d.text + d.j.tok[b].start, before, 8);
  assert_int_equal(d.text[d.j.tok[b].end], '"');
  assert_int_equal(et_json_string(&d.j, b, &s), ET_E_JSON_SYNTAX);

  /* Not strings. */
  assert_int_equal(et_json_string(&d.j, et_json_get(&d.j, 0, "n"), &s),
                   ET_E_JSON_FIELD);
  assert_int_equal(et_json_string(&d.j, 0, &s), ET_E_JSON_FIELD);
  assert_int_equal(et_json_string(&d.j, -1, &s), ET_E_JSON_FIELD);
  assert_int_equal(et_json_string(&d.j, (int)d.j.ntok, &s), ET_E_JSON_FIELD);
}

/* Strings are scanned a word at a time: every byte value at every offset
 * of a word must still be judged like the byte-wise grammar does. */
static void test_string_scan_every_byte(void **state) {
  (void)state;
  for (unsigned c = 0; c < 256; c++) {
    for (size_t at = 0; at < 17; at++) {
      char text[64];
      size_t n = 0;
      bool ok = c >= 0x20 && c != '"' && c != '\\';
      memcpy(text, "{\"a\":\"", 6);
      n = 6;
      memset(text + n, 'x', at);
      n += at;
      text[n++] = (char)c;
      memset(text + n, 'y', 20);
      n += 20;
      memcpy(text + n, "\"}", 2);
      n += 2;
      assert_int_equal(et_json_validate(text, n), ok ? ET_OK : ET_E_JSON_SYNTAX);
    }
  }
}

/* In-place decoding moves the plain runs between escapes. */
static void test_string_runs(void **state) {
  doc d;
  et_str s;
  char want[128];
  (void)state;
  assert_int_equal(parse(&d, "{\"k\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\n"
                             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\u00e9\\/"
                             "cccccccccc\"}"), ET_OK);
  assert_int_equal(et_json_member_string(&d.j, 0, "k", &s), ET_OK);
  memset(want, 'a', 40);
  want[40] = '\n';
  memset(want + 41, 'b', 40);
  memcpy(want + 81, "\xc3\xa9/", 3);
  memset(want + 84, 'c', 10);
  assert_int_equal(s.n, 94);
  assert_memory_equal(s.p, want, 94);
  assert_int_equal(s.p[94], '\0');
}

static void test_member_string(void **state) {
  doc d;
  et_str s;
  (void)state;
  assert_int_equal(parse(&d, "{\"a\":\"x\\ty\",\"n\":null,\"o\":{},"
                             "\"e\":\"\\ud800\"}"), ET_OK);
  assert_int_equal(et_json_member_string(&d.j, 0, "a", &s), ET_OK);
  assert_int_equal(s.n, 3);
  assert_memory_equal(s.p, "x\ty", 3);
  assert_int_equal(et_json_member_string(&d.j, 0, "missing", &s), ET_OK);
  assert_null(s.p);
  assert_int_equal(s.n, 0);
  assert_int_equal(et_json_member_string(&d.j, 0, "n", &s), ET_E_JSON_FIELD);
  assert_int_equal(et_json_member_string(&d.j, 0, "o", &s), ET_E_JSON_FIELD);
  assert_int_equal(et_json_member_string(&d.j, 0, "e", &s), ET_E_JSON_SYNTAX);
  assert_int_equal(et_json_member_string(&d.j, 0, "a", NULL), ET_E_ARG);
}

static void test_get(void **state) {
  doc d;
  (void)state;
  assert_int_equal(
      parse(&d, "{\"dup\":1,\"nest\":{\"inner\":2,\"dup\":3},"
                "\"arr\":[\"inner\",{\"inner\":4}],"
                "\"k\\u00e9y\":5,\"a\\\"q\":6,\"\\ud83d\\ude00\":7,"
                "\"sl\\/ash\":8,\"dup\":9,\"\":10}"),
      ET_OK);
  int v = et_json_get(&d.j, 0, "dup");
  assert_true(v > 0);
  assert_memory_equal(et_json_raw(&d.j, v).p, "1", 1); /* first wins */
  assert_int_equal(et_json_get(&d.j, 0, "inner"), -1); /* not a child */
  int nest = et_json_get(&d.j, 0, "nest");
  int inner = et_json_get(&d.j, nest, "inner");
  assert_memory_equal(et_json_raw(&d.j, inner).p, "2", 1);
  assert_memory_equal(et_json_raw(&d.j, et_json_get(&d.j, nest, "dup")).p,
                      "3", 1);
  /* Escaped keys compare decoded, and the text is not modified. */
  v = et_json_get(&d.j, 0, "k\xc3\xa9y");
  assert_memory_equal(et_json_raw(&d.j, v).p, "5", 1);
  assert_memory_equal(et_json_raw(&d.j, v - 1).p, "k\\u00e9y", 8);
  assert_int_equal(et_json_get(&d.j, 0, "k\\u00e9y"), -1);
  assert_int_equal(et_json_get(&d.j, 0, "k\xc3\xa9"), -1);
  assert_int_equal(et_json_get(&d.j, 0, "k\xc3\xa9yy"), -1);
  v = et_json_get(&d.j, 0, "a\"q");
  assert_memory_equal(et_json_raw(&d.j, v).p, "6", 1);
  v = et_json_get(&d.j, 0, "\xf0\x9f\x98\x80");
  assert_memory_equal(et_json_raw(&d.j, v).p, "7", 1);
  v = et_json_get(&d.j, 0, "sl/ash");
  assert_memory_equal(et_json_raw(&d.j, v).p, "8", 1);
  v = et_json_get(&d.j, 0, "");
  assert_memory_equal(et_json_raw(&d.j, v).p, "10", 2);
  /* Values are never matched as keys; bad arguments give -1. */
  assert_int_equal(et_json_get(&d.j, 0, "1"), -1);
  assert_int_equal(et_json_get(&d.j, 0, NULL), -1);
  assert_int_equal(et_json_get(&d.j, -1, "dup"), -1);
  assert_int_equal(et_json_get(&d.j, (int)d.j.ntok, "dup"), -1);
  assert_int_equal(et_json_get(&d.j, et_json_get(&d.j, 0, "arr"), "inner"),
                   -1); /* an array is not an object */
  assert_int_equal(et_json_get(NULL, 0, "dup"), -1);
  /* skip */
  int arr = et_json_get(&d.j, 0, "arr");
  assert_int_equal(et_json_skip(&d.j, arr), arr + 5);
  assert_int_equal(et_json_skip(&d.j, nest), nest + 5);
  assert_int_equal(et_json_skip(&d.j, -1), -1);
  assert_null(et_json_raw(&d.j, -1).p);
  assert_null(et_json_raw(&d.j, (int)d.j.ntok).p);
}

static void test_uint(void **state) {
  doc d;
  et_str s;
  uint64_t v;
  (void)state;
  assert_int_equal(
      parse(&d, "{\"zero\":0,\"max\":4294967295,\"over\":4294967296,"
                "\"s\":\"3599\",\"lead\":\"0012\",\"empty\":\"\",\"neg\":-1,"
                "\"sneg\":\"-1\",\"frac\":1.5,\"exp\":1e3,\"sp\":\" 5\","
                "\"spt\":\"5 \",\"t\":true,\"nul\":null,\"obj\":{},"
                "\"arr\":[1],\"esc\":\"\\u0031\\u0032\",\"badesc\":\"1\\ud800\",\"negz\":-0,"
                "\"big\":18446744073709551615,\"bigger\":18446744073709551616,"
                "\"szero\":\"0\",\"wide\":\"\\u0135\",\"slash\":\"1\\/2\","
                "\"nulc\":\"\\u0000\",\"bs\":\"\\\\u0035\"}"),
      ET_OK);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "zero"),
                                UINT32_MAX, &v), ET_OK);
  assert_int_equal(v, 0);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "max"),
                                UINT32_MAX, &v), ET_OK);
  assert_int_equal(v, UINT32_MAX);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "over"),
                                UINT32_MAX, &v), ET_E_JSON_FIELD);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "over"),
                                UINT32_MAX + (uint64_t)1, &v), ET_OK);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "s"), 3599, &v),
                   ET_OK);
  assert_int_equal(v, 3599);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "s"), 3598, &v),
                   ET_E_JSON_FIELD);
  /* Leading zeros in a digit string are accepted (documented choice). */
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "lead"), 100, &v),
                   ET_OK);
  assert_int_equal(v, 12);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "szero"), 0, &v),
                   ET_OK);
  assert_int_equal(v, 0);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "big"),
                                UINT64_MAX, &v), ET_OK);
  assert_true(v == UINT64_MAX);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "bigger"),
                                UINT64_MAX, &v), ET_E_JSON_FIELD);
  static const char *const bad[] = {
    "empty", "neg", "sneg", "frac", "exp", "sp", "spt", "t", "nul", "obj",
    "arr", "badesc", "negz", "missing",
    /* Escapes stand for code units: U+0135 is no digit, though its low
     * byte is '5'; nor are "\/", "\u0000" or an escaped backslash. */
    "wide", "slash", "nulc", "bs",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    v = 77;
    print_message("uint %s\n", bad[i]);
    assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, bad[i]),
                                  UINT64_MAX, &v), ET_E_JSON_FIELD);
    assert_int_equal(v, 77);
  }
  /* Escaped digits are digits, before and after decoding in place. */
  int esc = et_json_get(&d.j, 0, "esc");
  assert_int_equal(et_json_uint(&d.j, esc, UINT64_MAX, &v), ET_OK);
  assert_int_equal(v, 12);
  assert_int_equal(et_json_uint(&d.j, esc, 11, &v), ET_E_JSON_FIELD);
  assert_int_equal(et_json_string(&d.j, esc, &s), ET_OK);
  assert_int_equal(et_json_uint(&d.j, esc, UINT64_MAX, &v), ET_OK);
  assert_int_equal(v, 12);
  /* "\\u0035" decodes to the six bytes \u0035, which read as they are. */
  int bs = et_json_get(&d.j, 0, "bs");
  assert_int_equal(et_json_string(&d.j, bs, &s), ET_OK);
  assert_int_equal(s.n, 6);
  assert_int_equal(et_json_uint(&d.j, bs, UINT64_MAX, &v), ET_E_JSON_FIELD);
  /* max smaller than a single digit. */
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "s"), 2, &v),
                   ET_E_JSON_FIELD);
  assert_int_equal(et_json_uint(&d.j, et_json_get(&d.j, 0, "zero"), 0, &v),
                   ET_OK);
  assert_int_equal(v, 0);
  /* A digit string decoded in place still reads. */
  int si = et_json_get(&d.j, 0, "s");
  assert_int_equal(et_json_string(&d.j, si, &s), ET_OK);
  assert_int_equal(et_json_uint(&d.j, si, UINT64_MAX, &v), ET_OK);
  assert_int_equal(v, 3599);
  assert_int_equal(et_json_uint(&d.j, 0, UINT64_MAX, &v), ET_E_JSON_FIELD);
  assert_int_equal(et_json_uint(&d.j, si, UINT64_MAX, NULL), ET_E_JSON_FIELD);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_accepts_valid),
    cmocka_unit_test(test_tokens_match_jsmn),
    cmocka_unit_test(test_rejects_invalid),
    cmocka_unit_test(test_rejects_nul),
    cmocka_unit_test(test_validate_exact_buffer),
    cmocka_unit_test(test_bad_args),
    cmocka_unit_test(test_nesting),
    cmocka_unit_test(test_token_budget),
    cmocka_unit_test(test_unescape_table),
    cmocka_unit_test(test_string_in_place),
    cmocka_unit_test(test_string_scan_every_byte),
    cmocka_unit_test(test_string_runs),
    cmocka_unit_test(test_member_string),
    cmocka_unit_test(test_get),
    cmocka_unit_test(test_uint),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
