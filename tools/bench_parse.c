/* SPDX-License-Identifier: MIT */
/* One decode of a generated token response, for tools/bench-parse.sh to
 * count under callgrind: ours (et_token_decode) or cJSON (parse, the
 * three members a client reads, delete), each inside a function of its
 * own so callgrind's --toggle-collect counts only it.
 *
 *   bench_parse ours|cjson BYTES   (exit 0 when the decode found the token)
 *
 * The body is deterministic: an 8 KB size gets a client-credentials
 * response, larger sizes a sign-in one (refresh_token and id_token too),
 * tokens filled with base64url from a fixed xorshift seed. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_token.h"

#define MAX_BODY (1u << 20)
#define NTOK 64

static char body[MAX_BODY], work[MAX_BODY];

/* A JWT-shaped run of n base64url bytes with dots where a JWT has them. */
static void jwt(char *p, size_t n, unsigned *seed) {
  static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < n; i++) {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    p[i] = b64[*seed & 63];
  }
  if (n > 400) {
    p[36] = '.';
    p[n - 343] = '.';
  }
}

/* Append a string member whose value is a JWT of n bytes. */
static size_t put_jwt(char *p, size_t at, const char *key, size_t n, unsigned *seed) {
  at += (size_t)sprintf(p + at, ",\"%s\":\"", key);
  jwt(p + at, n, seed);
  at += n;
  p[at++] = '"';
  return at;
}

/* A response of exactly size bytes (size >= 1024). */
static size_t make_body(char *p, size_t size) {
  unsigned seed = 2463534242u;
  size_t at = (size_t)sprintf(p, "{\"token_type\":\"Bearer\"%s,\"expires_in\":3599,"
                              "\"ext_expires_in\":3599",
                              size > 8192 ? ",\"scope\":\"https://graph.microsoft.com/User.Read "
                                            "openid profile offline_access\"" : "");
  size_t tail = 2 + strlen(",\"access_token\":\"\"");
  if (size > 8192) {
    at = put_jwt(p, at, "refresh_token", 1800, &seed);
    at = put_jwt(p, at, "id_token", 1500, &seed);
  }
  at = put_jwt(p, at, "access_token", size - at - tail, &seed);
  p[at++] = '}';
  p[at++] = '\n';
  return at;
}

/* Extern and not inlined: callgrind finds them by name. */
int measure_ours(char *text, size_t len) __attribute__((noinline));
int measure_cjson(const char *text, size_t len) __attribute__((noinline));

int measure_ours(char *text, size_t len) {
  jsmntok_t tok[NTOK];
  et_token t;
  if (et_token_decode(text, len, tok, NTOK, &t, NULL) != ET_OK)
    return -1;
  return t.access_token.n > 0 && t.expires_in == 3599 ? 0 : -1;
}

int measure_cjson(const char *text, size_t len) {
  cJSON *root = cJSON_ParseWithLength(text, len);
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(root, "access_token");
  const cJSON *ei = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
  const cJSON *tt = cJSON_GetObjectItemCaseSensitive(root, "token_type");
  int ok = cJSON_IsString(at) && cJSON_IsNumber(ei) && ei->valuedouble == 3599 &&
           cJSON_IsString(tt) && strcmp(tt->valuestring, "Bearer") == 0;
  cJSON_Delete(root);
  return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  size_t size, len;
  if (argc != 3 || (size = strtoul(argv[2], NULL, 10)) < 1024 || size > MAX_BODY) {
    fprintf(stderr, "usage: bench_parse ours|cjson BYTES (1024..%u)\n", MAX_BODY);
    return 2;
  }
  len = make_body(body, size);
  memcpy(work, body, len); /* ours decodes in place */
  free(malloc(64));        /* malloc's first-call set-up stays out of cJSON's count */
  if (strcmp(argv[1], "ours") == 0)
    return measure_ours(work, len) == 0 ? 0 : 1;
  if (strcmp(argv[1], "cjson") == 0)
    return measure_cjson(work, len) == 0 ? 0 : 1;
  return 2;
}
