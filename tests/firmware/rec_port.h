/* SPDX-License-Identifier: MIT */
/* The on-target tests' port: each request plays the next recorded emulator
 * answer (recorded.h) in small pieces and keeps what core sent, on a
 * connection that stays open between requests as HTTP/1.1 keep-alive
 * allows; a fake clock that sleeping advances; a store hook over one RAM
 * slot. No TLS: the bytes are those that came out of the TLS layer when
 * recorded. */
#ifndef EDGETOKEN_REC_PORT_H
#define EDGETOKEN_REC_PORT_H

#include <stdbool.h>

#include "edgetoken/edgetoken.h"

typedef struct rec_answer {
  const unsigned char *p;
  size_t n;
} rec_answer;
#define REC_ANSWER(name) { rec_##name, sizeof rec_##name }

#define REC_UNIX_S 1795639972 /* the port's wall clock: when cc_v2 was recorded */

typedef struct rec_state {
  const rec_answer *script; /* answer i for the i-th request; the last repeats */
  size_t n_script, piece;
  size_t pos;               /* bytes of the current answer played */
  bool in_request;          /* a request was sent; its answer is not all played */
  unsigned opens, requests;
  const char *detail;       /* port->detail: the last failure, or NULL */
  char sent[4096];          /* what the last request sent */
  size_t sent_len;
  uint64_t now_ms, slept_ms;
  uint8_t slot[2048];       /* the store: one value, any key */
  size_t slot_len;
  bool slot_full;
  unsigned saves;
} rec_state;

extern rec_state rec;

/* Set open/send/recv/close, the clocks, random, sleep_ms, store and
 * detail; ctx, sha256 and sign are left as they are. */
void rec_port_hooks(et_port *port);
/* Play script (n answers, in pieces of at most piece bytes) from now on;
 * counters and the sent buffer start afresh. The store is kept. */
void rec_play(const rec_answer *script, size_t n, size_t piece);
/* The shared workspace, reset. */
void rec_work(et_work *w);
/* lit occurs in what the last request sent. */
bool rec_sent_has(const char *lit);
/* The text after lit in what was sent, up to '&' or the end; NULL if lit
 * is not there. */
const char *rec_sent_after(const char *lit, size_t *n);

#endif
