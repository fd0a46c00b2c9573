/* SPDX-License-Identifier: MIT */
/* The CLI's store records: see cli_record.h. */
#include "cli_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

size_t cli_pending_format(char *out, size_t cap, const char *state, const char *verifier,
                          const char *uri) {
  int k = snprintf(out, cap, "%s\n%s\n%s\n%s\n", CLI_PENDING_MAGIC, state, verifier, uri);
  return k > 0 && (size_t)k < cap ? (size_t)k : 0;
}

bool cli_pending_parse(char *rec, cli_pending *p) {
  char *state = strchr(rec, '\n');
  char *verifier = state ? strchr(state + 1, '\n') : NULL;
  char *uri = verifier ? strchr(verifier + 1, '\n') : NULL;
  char *end = uri ? strchr(uri + 1, '\n') : NULL;
  if (end == NULL || strncmp(rec, CLI_PENDING_MAGIC "\n", sizeof CLI_PENDING_MAGIC) != 0)
    return false;
  *state++ = *verifier++ = *uri++ = *end = '\0';
  p->state = state;
  p->verifier = verifier;
  p->uri = uri;
  return true;
}

bool cli_scope_record_parse(const char *rec, size_t n, et_endpoint *ep, char *scope,
                            size_t cap) {
  if (n < 4 || n - 3 >= cap || rec[0] != 'v' || rec[2] != '\n' ||
      (rec[1] != '1' && rec[1] != '2'))
    return false;
  *ep = rec[1] == '1' ? ET_ENDPOINT_V1 : ET_ENDPOINT_V2;
  memcpy(scope, rec + 3, n - 3);
  scope[n - 3] = '\0';
  return strlen(scope) == n - 3; /* no NUL inside */
}

size_t cli_at_record_format(char *out, size_t cap, const char *boot, uint64_t expires_ms,
                            uint64_t refresh_ms, int64_t expires_on, et_str token) {
  size_t len;
  int n = snprintf(out, cap, CLI_AT_MAGIC "%s %" PRIu64 " %" PRIu64 " %" PRId64 " ", boot,
                   expires_ms, refresh_ms, expires_on);
  if (n <= 0 || (size_t)n + token.n + 1 >= cap)
    return 0;
  memcpy(out + n, token.p, token.n);
  len = (size_t)n + token.n;
  out[len++] = '\n';
  return len;
}

bool cli_at_record_parse(const char *rec, cli_at_record *r) {
  unsigned long long exp, ref;
  long long eon;
  int used = 0;
  const char *tok;
  if (strncmp(rec, CLI_AT_MAGIC, sizeof CLI_AT_MAGIC - 1) != 0 ||
      sscanf(rec + sizeof CLI_AT_MAGIC - 1, "%39s %llu %llu %lld %n", r->boot, &exp, &ref, &eon,
             &used) != 4 ||
      used <= 0)
    return false;
  tok = rec + sizeof CLI_AT_MAGIC - 1 + used;
  r->expires_ms = (uint64_t)exp;
  r->refresh_ms = (uint64_t)ref;
  r->expires_on = (int64_t)eon;
  r->token = (et_str){ tok, strcspn(tok, " \r\n") };
  return r->token.n > 0;
}
