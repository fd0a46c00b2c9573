/* SPDX-License-Identifier: MIT */
/* Core's codecs on the target: form encoding, HTTP responses (plain and
 * chunked, fed one byte at a time), token and error JSON, base64url. The
 * inputs are the recorded emulator answers (recorded.h). */
#include "fw.h"

#include <string.h>

#include "edgetoken/edgetoken.h"
#include "recorded.h"

#define N_TOK 64

static uint8_t body[4096];
static jsmntok_t tok[N_TOK];

static int has(const char *p, size_t n, const char *lit) {
  size_t m = strlen(lit);
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(p + i, lit, m) == 0)
      return 1;
  return 0;
}

static void form_encodes_reserved_bytes(fw_tests *t) {
  char out[128];
  et_buf b;
  et_buf_init(&b, out, sizeof out);
  et_form_encode(&b, ET_STR("a+b/c=d~e f&g%\x01\xff"));
  FW_CHECK(t, et_buf_status(&b) == ET_OK);
  FW_CHECK(t, b.len == strlen("a%2Bb%2Fc%3Dd~e%20f%26g%25%01%FF"));
  FW_CHECK(t, memcmp(out, "a%2Bb%2Fc%3Dd~e%20f%26g%25%01%FF", b.len) == 0);
  et_buf_init(&b, out, sizeof out);
  et_buf_put_cstr(&b, "client_id=abc");
  et_form_append_secret(&b, "client_secret", ET_STR("s3cret"));
  FW_CHECK(t, b.len == strlen("client_id=abc&client_secret=s3cret"));
  FW_CHECK(t, memcmp(out, "client_id=abc&client_secret=s3cret", b.len) == 0);
  et_buf_init(&b, out, 8);
  et_form_encode(&b, ET_STR("far too long for eight bytes"));
  FW_CHECK(t, et_buf_status(&b) != ET_OK);
  fw_test_end(t, "form: encoding, secrets, overflow");
}

/* Feed a recorded response n bytes at a time; the body is decoded into
 * body[]. */
static et_err parse(const unsigned char *in, size_t n, size_t piece, et_http_response *r,
                    size_t *body_len) {
  size_t off = 0;
  et_err e = ET_OK;
  et_http_response_init(r);
  *body_len = 0;
  while (off < n && !r->done && e == ET_OK) {
    size_t step = n - off < piece ? n - off : piece, used = 0;
    e = et_http_response_parse(r, in + off, step, &used, body, sizeof body, body_len);
    off += used;
    if (used == 0 && !r->done)
      break;
  }
  return e;
}

static void http_parses_content_length_response(fw_tests *t) {
  et_http_response r;
  size_t len;
  FW_CHECK(t, parse(rec_cc_v2, sizeof rec_cc_v2, sizeof rec_cc_v2, &r, &len) == ET_OK);
  FW_CHECK(t, r.done && r.status == 200 && r.json && !r.chunked);
  FW_CHECK(t, r.has_content_length && r.content_length == len);
  FW_CHECK(t, len > 100 && body[0] == '{' && body[len - 1] == '}');
  fw_test_end(t, "http: 200 with Content-Length");
}

static void http_parses_chunked_byte_by_byte(fw_tests *t) {
  et_http_response r;
  size_t len;
  FW_CHECK(t, parse(rec_cc_v2_chunked, sizeof rec_cc_v2_chunked, 1, &r, &len) == ET_OK);
  FW_CHECK(t, r.done && r.status == 200 && r.chunked);
  FW_CHECK(t, len > 100 && body[0] == '{' && body[len - 1] == '}');
  FW_CHECK(t, !has((const char *)body, len, "\r\n")); /* framing removed */
  fw_test_end(t, "http: chunked body, one byte at a time");
}

static void http_rejects_garbage_and_truncation(fw_tests *t) {
  et_http_response r;
  size_t len;
  static const unsigned char junk[] = "HTTP/1.1 2OO OK\r\n\r\n";
  FW_CHECK(t, parse(junk, sizeof junk - 1, 64, &r, &len) == ET_E_HTTP_SYNTAX);
  FW_CHECK(t, parse(rec_cc_v2, sizeof rec_cc_v2 - 10, 64, &r, &len) == ET_OK && !r.done);
  FW_CHECK(t, et_http_response_eof(&r) == ET_E_TRUNCATED);
  fw_test_end(t, "http: bad status line, truncated body");
}

static void json_decodes_token(fw_tests *t) {
  et_http_response r;
  size_t len;
  et_token tk;
  const char *why = NULL;
  FW_CHECK(t, parse(rec_cc_v2, sizeof rec_cc_v2, 100, &r, &len) == ET_OK);
  FW_CHECK(t, et_token_decode((char *)body, len, tok, N_TOK, &tk, &why) == ET_OK);
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")));
  FW_CHECK(t, tk.expires_in > 0 && tk.expires_in <= 3600);
  FW_CHECK(t, tk.access_token.n > 100 && tk.refresh_token.n == 0);
  fw_test_end(t, "json: token response");
}

static void json_decodes_oauth_error(fw_tests *t) {
  et_http_response r;
  size_t len;
  et_oauth_error oe;
  const char *why = NULL;
  FW_CHECK(t, parse(rec_cc_v2_bad_secret, sizeof rec_cc_v2_bad_secret, 7, &r, &len) == ET_OK);
  FW_CHECK(t, r.status == 401);
  FW_CHECK(t, et_oauth_error_decode((char *)body, len, tok, N_TOK, &oe, &why) == ET_OK);
  FW_CHECK(t, et_str_eq(oe.error, ET_STR("invalid_client")));
  FW_CHECK(t, oe.n_error_codes == 1 && oe.error_codes[0] == 7000215u);
  FW_CHECK(t, oe.trace_id.n == 36 && oe.correlation_id.n == 36);
  fw_test_end(t, "json: OAuth error with AADSTS code");
}

static void json_rejects_malformed(fw_tests *t) {
  char bad[] = "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"expires_in\":1,}";
  et_token tk;
  const char *why = NULL;
  FW_CHECK(t, et_token_decode(bad, sizeof bad - 1, tok, N_TOK, &tk, &why) != ET_OK);
  FW_CHECK(t, et_json_validate("{\"a\":1", 6) != ET_OK);
  fw_test_end(t, "json: malformed documents refused");
}

static void b64url_round_trip(fw_tests *t) {
  static const uint8_t raw[] = { 0xfb, 0xff, 0xbf };
  char out[8];
  uint8_t back[3];
  size_t n = 0;
  et_buf b;
  et_buf_init(&b, out, sizeof out);
  et_b64url_encode(&b, raw, sizeof raw);
  FW_CHECK(t, b.len == 4 && memcmp(out, "-_-_", 4) == 0);
  FW_CHECK(t, et_b64url_decode(ET_STR("-_-_"), back, sizeof back, &n) == ET_OK);
  FW_CHECK(t, n == 3 && memcmp(back, raw, 3) == 0);
  FW_CHECK(t, et_b64url_decode(ET_STR("+/+/"), back, sizeof back, &n) == ET_E_ARG);
  FW_CHECK(t, ET_B64URL_LEN(32) == 43);
  fw_test_end(t, "b64url: encode, decode, reject standard alphabet");
}

void fw_suite_codecs(fw_tests *t) {
  form_encodes_reserved_bytes(t);
  http_parses_content_length_response(t);
  http_parses_chunked_byte_by_byte(t);
  http_rejects_garbage_and_truncation(t);
  json_decodes_token(t);
  json_decodes_oauth_error(t);
  json_rejects_malformed(t);
  b64url_round_trip(t);
}
