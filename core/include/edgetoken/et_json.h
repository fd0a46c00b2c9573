/* SPDX-License-Identifier: MIT */
/* JSON on top of jsmn (Debian libjsmn-dev): strict validation of the text,
 * lookups, in-place unescaping and number reading. Nothing is copied: every
 * span points into the caller's text. */
#ifndef EDGETOKEN_ET_JSON_H
#define EDGETOKEN_ET_JSON_H

#ifndef JSMN_H
#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER
#endif

#include <stddef.h>

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting et_json_validate accepts (the root object is depth 1).
 * The validator keeps one bit per open container, so this is fixed. */
#define ET_JSON_MAX_DEPTH 32

/* A parsed document: the text (writable, so strings can be unescaped in
 * place) and its tokens. Token 0 is the root. */
typedef struct et_json {
  char *text;
  size_t len;
  jsmntok_t *tok;
  size_t ntok;        /* tokens in use after et_json_parse */
} et_json;

/* Check without recursion that text[0..len) is one JSON value with an
 * object root, nested at most ET_JSON_MAX_DEPTH deep: every key a string
 * followed by ':' and exactly one value, commas only between members, no
 * trailing comma, nothing after the root but whitespace, no NUL byte, no raw
 * control character in strings, escapes \" \\ \/ \b \f \n \r \t \uXXXX only,
 * numbers in JSON's grammar, literals true/false/null only. Bytes >= 0x80
 * inside strings are passed through unchecked. Surrogates and \u0000 are
 * checked when a string is unescaped, so an odd field nobody reads does not
 * fail the whole document. Errors: ET_E_JSON_SYNTAX, ET_E_ARG. */
ET_NODISCARD et_err et_json_validate(const char *text, size_t len);

/* et_json_validate, then tokenize text[0..len) with jsmn into tok[0..cap).
 * On failure j describes an empty document (ntok 0); a syntax error
 * anywhere wins over running out of tokens. Errors: ET_E_JSON_SYNTAX,
 * ET_E_JSON_TOKENS (cap too small), ET_E_ARG (NULL pointer, or len >=
 * INT_MAX: jsmn counts in int). */
ET_NODISCARD et_err et_json_parse(et_json *j, char *text, size_t len, jsmntok_t *tok,
                                  size_t cap);

/* Index of the value of key (a C string) among the direct members of the
 * object at token obj, or -1 (also when obj is not an object). Keys are
 * compared after unescaping, without modifying the text. If the key appears
 * more than once the first one wins. */
int et_json_get(const et_json *j, int obj, const char *key);

/* Index of the token following the value at idx and all its children. */
int et_json_skip(const et_json *j, int idx);

/* The raw text of token idx (strings without quotes, still escaped unless
 * et_json_string decoded them already). Out of range: ET_STR_NULL. */
et_str et_json_raw(const et_json *j, int idx);

/* Unescape the string token idx in place (\" \\ \/ \b \f \n \r \t \uXXXX,
 * surrogate pairs to 4-byte UTF-8) and return the decoded span. The decoded
 * text is NUL-terminated in place: the NUL overwrites the closing quote or a
 * byte the escapes freed, and the token's end moves to it. That NUL (which
 * et_json_validate never lets into a document) is how a decoded token is
 * recognised, so a second call returns the same span. On error the text is
 * unchanged. ET_E_JSON_SYNTAX on a bad escape, lone surrogate or \u0000;
 * ET_E_JSON_FIELD if idx is not a string token (or is -1). */
ET_NODISCARD et_err et_json_string(et_json *j, int idx, et_str *out);

/* The string member key of the object at token obj, decoded as by
 * et_json_string. Absent: ET_OK and ET_STR_NULL (p == NULL). Present but
 * not a string (number, object, null...): ET_E_JSON_FIELD. A bad escape:
 * ET_E_JSON_SYNTAX. */
ET_NODISCARD et_err et_json_member_string(et_json *j, int obj, const char *key,
                                          et_str *out);

/* What et_json_decode does with one entry of a plan (et_json_field.kind).
 * The out member is at the entry's off in the output struct. */
enum {
  ET_JSON_STR,     /* string member key, decoded in place (et_json_string)
                    * into an et_str; absent gives ET_STR_NULL */
  ET_JSON_STR_REQ, /* the same, and it must be present and non-empty */
  ET_JSON_STR_ALT, /* another key for the et_str at off: skipped if that is
                    * non-empty already, else as ET_JSON_STR_REQ */
  ET_JSON_INT,     /* member key, if present, an et_json_uint up to
                    * INT64_MAX into an int64_t; absent leaves it as it is */
  ET_JSON_U32S,    /* member key, if present, an array of et_json_uint up
                    * to UINT32_MAX (JSON numbers only) into uint32_t[cap]
                    * at off: the first cap kept, the count in the size_t
                    * at ET_JSON_U32S_COUNT(off, cap), all checked; the
                    * count adds to what is there: zero out first */
  ET_JSON_IS       /* no member: the et_str decoded already at off must
                    * equal key, ASCII case ignored */
};

/* Where an ET_JSON_U32S entry keeps its count: the size_t right after the
 * array (the struct's padding rounds the offset up to a size_t). */
#define ET_JSON_U32S_COUNT(off, cap)                                           \
  (((off) + 4u * (cap) + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t))

/* One entry of et_json_decode's plan: the member's key (ET_JSON_IS: the
 * text to compare with), where its value lives in the output struct, what
 * kind it is, cap for ET_JSON_U32S, and with CONFIG_ET_ERROR_TEXT the texts
 * for *why when it is wrong: why_missing (a required string absent or
 * empty, or ET_JSON_IS unequal), why_type (the wrong type or a bad
 * number), why_escape (a bad escape in a string). */
typedef struct et_json_field {
  const char *key;
  uint16_t off;
  uint8_t kind;
  uint8_t cap;
#if CONFIG_ET_ERROR_TEXT
  const char *why_missing, *why_type, *why_escape;
#endif
} et_json_field;

/* Entries whose texts name the key: "<key>: missing or empty",
 * "<key>: expected a string", "<key>: bad escape in string". */
#define ET_JSON_REQUIRED(type, key, member)                                    \
  { key, offsetof(type, member), ET_JSON_STR_REQ, 0 ET_TEXTS(                 \
    key ": missing or empty", key ": expected a string",                     \
    key ": bad escape in string") }
#define ET_JSON_OPTIONAL(type, key, member)                                    \
  { key, offsetof(type, member), ET_JSON_STR, 0 ET_TEXTS(NULL,                \
    key ": expected a string", key ": bad escape in string") }
/* "<key>: expected a number or digit string". */
#define ET_JSON_NUMBER(type, key, member)                                      \
  { key, offsetof(type, member), ET_JSON_INT, 0 ET_TEXTS(NULL,                \
    key ": expected a number or digit string", NULL) }

/* A response decoder's plan: its entries, done in order, and with
 * CONFIG_ET_ERROR_TEXT the texts for a body that is not a JSON object or
 * has more tokens than the workspace. */
typedef struct et_json_plan {
  const et_json_field *fields;
  size_t n_fields;
#if CONFIG_ET_ERROR_TEXT
  const char *why_syntax, *why_tokens;
#endif
} et_json_plan;

/* et_json_parse text[0..len), then do each entry of the plan, in order,
 * on the root object into the struct at out (strings decoded in place).
 * Stops at the first failure with *why (may be NULL) set to the plan's
 * text: ET_E_JSON_TOKENS, ET_E_JSON_SYNTAX (not an object, or a bad
 * escape), ET_E_JSON_FIELD (the wrong type, a bad number, a required
 * string absent or empty, ET_JSON_IS unequal); entries before it are
 * already done. ET_E_ARG for a NULL plan or out (*why NULL), or from
 * et_json_parse (*why the not-an-object text). On ET_OK *why is NULL and j is ready for the caller's
 * other members. */
ET_NODISCARD et_err et_json_decode(et_json *j, char *text, size_t len, jsmntok_t *tok,
                                   size_t cap, const et_json_plan *plan, void *out,
                                   const char **why);

/* Unescape a JSON string body (the bytes between the quotes) from src into
 * dst. dst may equal src; dst may be NULL to only check and measure.
 * *n_out receives the decoded length, which is never more than n.
 * ET_E_JSON_SYNTAX on a truncated or unknown escape, bad hex, a lone or
 * mismatched surrogate, \u0000 or a raw byte below 0x20 (values stay safe C
 * text); dst then holds partial output. ET_E_ARG on NULL src/n_out. */
ET_NODISCARD et_err et_json_unescape(const char *src, size_t n, char *dst, size_t *n_out);

/* A non-negative integer given as a JSON number or as a string of digits
 * (Entra's v1 endpoint sends "3599"); a digit string may have leading zeros
 * ("0012" is 12), a JSON number cannot (the grammar forbids them). Strings
 * are read decoded (without modifying the text), so the result does not
 * depend on whether et_json_string ran first.
 * ET_E_JSON_FIELD for anything else: fractions, exponents, signs, spaces,
 * empty strings, true/false/null, containers, values above max. */
ET_NODISCARD et_err et_json_uint(const et_json *j, int idx, uint64_t max, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif
