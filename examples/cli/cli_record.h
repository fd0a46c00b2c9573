/* SPDX-License-Identifier: MIT */
/* The records the CLI keeps in the store, written and read here only:
 * pure functions (no store, no I/O) so that the unit tests and the fuzzer
 * reach them. Core headers only. */
#ifndef EDGETOKEN_CLI_RECORD_H
#define EDGETOKEN_CLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edgetoken/et_client.h"
#include "edgetoken/et_str.h"

/* A sign-in in progress (authorize-url, then redeem):
 * "edgetoken-pending-1\n<state>\n<verifier>\n<redirect uri>\n". */
#define CLI_PENDING_MAGIC "edgetoken-pending-1"

typedef struct cli_pending {
  char *state, *verifier, *uri; /* NUL-terminated, inside the record */
} cli_pending;

/* Write the record into out; its length, or 0 when it does not fit in
 * cap (with its NUL). */
size_t cli_pending_format(char *out, size_t cap, const char *state, const char *verifier,
                          const char *uri);

/* Split rec (NUL-terminated) in place into its three lines. False when it
 * is not such a record (then rec may be changed; the caller wipes it). */
bool cli_pending_parse(char *rec, cli_pending *p);

/* What a sign-in asked for: "v1\n<resource>" or "v2\n<scope>". The
 * endpoint into *ep and the text into scope (NUL-terminated, cap bytes
 * with the NUL). False when rec[0..n) is not such a record, its text is
 * empty, holds a NUL or does not fit. */
bool cli_scope_record_parse(const char *rec, size_t n, et_endpoint *ep, char *scope, size_t cap);

/* The access token cache record: "et-at-1 <boot id> <expires ms>
 * <refresh ms> <expires_on> <token>\n". */
#define CLI_AT_MAGIC "et-at-1 "
#define CLI_AT_BOOT_MAX 39

typedef struct cli_at_record {
  char boot[CLI_AT_BOOT_MAX + 1];
  uint64_t expires_ms, refresh_ms;
  int64_t expires_on;
  et_str token; /* inside the record; never empty */
} cli_at_record;

/* Write the record into out; its length (no NUL is written), or 0 when
 * it does not fit in cap - 1 bytes. boot: 1..CLI_AT_BOOT_MAX bytes, no
 * white space. */
size_t cli_at_record_format(char *out, size_t cap, const char *boot, uint64_t expires_ms,
                            uint64_t refresh_ms, int64_t expires_on, et_str token);

/* Read rec (NUL-terminated). False when it is not such a record or holds
 * no token. */
bool cli_at_record_parse(const char *rec, cli_at_record *r);

#endif
