/* SPDX-License-Identifier: MIT */
/* libFuzzer: strict parse, then every reader on every token; unescape of
 * the raw input. Spans must stay inside the buffer, decoding must be
 * idempotent, and valid text must get jsmn's own tokens. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* jsmn itself, the reference for et_json_parse's tokens. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "edgetoken/et_json.h"
#include "fuzz.h"

#define NTOK 64

/* A decoded string: present, inside buf, no NUL (\u0000 and raw NUL are
 * refused). */
static void check_text(const char *buf, size_t len, et_str s) {
  CHECK(s.p != NULL);
  check_span(buf, len, s);
}

static void unescape_raw(const uint8_t *data, size_t size) {
  char *a = malloc(size + 1), *b = malloc(size + 1);
  size_t n1 = 0, n2 = 0, n3 = 0;
  CHECK(a && b);
  memcpy(a, data, size);
  et_err e1 = et_json_unescape((const char *)data, size, a, &n1);
  memcpy(b, data, size);
  et_err e2 = et_json_unescape(b, size, b, &n2); /* in place */
  et_err e3 = et_json_unescape((const char *)data, size, NULL, &n3);
  CHECK(e1 == e2 && e1 == e3);
  if (e1 == ET_OK) {
    CHECK(n1 <= size && n1 == n2 && n1 == n3);
    CHECK(memcmp(a, b, n1) == 0);
  }
  free(a);
  free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsmntok_t tok[NTOK];
  et_json j;
  char *buf;

  unescape_raw(data, size);

  buf = fuzz_copy(data, size);
  et_err valid = et_json_validate(buf, size);
  et_err e = et_json_parse(&j, buf, size, tok, NTOK);
  /* Validation and tokenizing agree: valid text fails only on tokens. */
  CHECK(valid == ET_OK ? (e == ET_OK || e == ET_E_JSON_TOKENS) : e == valid);
  if (valid == ET_OK) {
    static jsmntok_t want[NTOK];
    jsmn_parser p;
    jsmn_init(&p);
    int r = jsmn_parse(&p, (const char *)data, size, want, NTOK);
    CHECK(e == ET_OK ? r == (int)j.ntok : r == JSMN_ERROR_NOMEM);
    for (int k = 0; e == ET_OK && k < r; k++)
      CHECK(tok[k].type == want[k].type && tok[k].start == want[k].start &&
            tok[k].end == want[k].end && tok[k].size == want[k].size);
  }
  if (e != ET_OK) {
    free(buf);
    return 0;
  }
  CHECK(j.ntok >= 1 && j.ntok <= NTOK && tok[0].type == JSMN_OBJECT);
  CHECK(et_json_skip(&j, 0) == (int)j.ntok);

  /* Root members: decode each key, then find it again by its text. */
  for (int i = 1, m = 0; m < tok[0].size; m++) {
    et_str k;
    CHECK(i + 1 < (int)j.ntok && tok[i].type == JSMN_STRING);
    if (et_json_string(&j, i, &k) == ET_OK) {
      check_text(buf, size, k);
      int v = et_json_get(&j, 0, k.p); /* k.p is NUL-terminated in place */
      CHECK(v >= 2 && v <= i + 1);
      CHECK(tok[v - 1].type == JSMN_STRING);
    }
    i = et_json_skip(&j, i + 1);
  }

  for (int i = 0; i < (int)j.ntok; i++) {
    uint64_t v;
    et_str raw = et_json_raw(&j, i), s, again;
    CHECK(raw.p >= buf && raw.p + raw.n <= buf + size);
    CHECK(et_json_skip(&j, i) > i && et_json_skip(&j, i) <= (int)j.ntok);
    if (tok[i].type == JSMN_OBJECT) { /* jsmn's tree: keys own one value */
      for (int k = i + 1, m = 0; m < tok[i].size; m++) {
        CHECK(k + 1 < (int)j.ntok && tok[k].type == JSMN_STRING);
        CHECK(tok[k].size == 1);
        k = et_json_skip(&j, k + 1);
      }
    }
    et_err ue = et_json_uint(&j, i, UINT64_MAX, &v);
    CHECK(ue == ET_OK || ue == ET_E_JSON_FIELD);
    et_err se = et_json_string(&j, i, &s);
    CHECK(se == ET_OK || se == ET_E_JSON_SYNTAX || se == ET_E_JSON_FIELD);
    CHECK((se == ET_E_JSON_FIELD) == (tok[i].type != JSMN_STRING));
    if (se == ET_OK) {
      check_text(buf, size, s);
      CHECK(s.p[s.n] == '\0');
      CHECK(et_json_string(&j, i, &again) == ET_OK);
      CHECK(again.p == s.p && again.n == s.n);
      /* A digit string reads the same before and after decoding. */
      uint64_t v2;
      CHECK(et_json_uint(&j, i, UINT64_MAX, &v2) == ue);
      CHECK(ue != ET_OK || v2 == v);
    }
  }
  free(buf);
  return 0;
}
