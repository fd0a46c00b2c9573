/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the HTTP response parser. Input: byte 0 picks the
 * piece size, byte 1 the size of the first piece, the rest is the response.
 * The response is fed whole, one byte at a time, in the chosen pieces and in
 * place (receives landing right after the decoded body, as the exchange
 * does); all four must agree, never write past the body cap, and keep their
 * error sticky. Any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_http.h"

#define CAP 512
#define GUARD 32
#define SPILL 64 /* like the exchange: tiny room goes through a side buffer */

typedef struct run {
  et_err err;
  et_http_response r;
  uint8_t body[CAP + GUARD];
  size_t body_len;
  size_t used;
} run;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
  if (!ok)
    abort();
}

static void start(run *x) {
  memset(x, 0, sizeof *x);
  memset(x->body, 0xA5, sizeof x->body);
  et_http_response_init(&x->r);
}

static void finish(run *x) {
  for (size_t i = CAP; i < sizeof x->body; i++)
    check(x->body[i] == 0xA5);
  check(x->body_len <= CAP);
  if (x->err == ET_OK && !x->r.done)
    x->err = et_http_response_eof(&x->r);
  check((x->err == ET_OK) == x->r.done);
  /* Sticky: the outcome does not change when asked again. */
  check(et_http_response_eof(&x->r) == x->err);
}

static void feed(run *x, const uint8_t *p, size_t n, size_t first,
                 size_t step) {
  size_t off = 0, k = first;
  start(x);
  while (off < n && !x->r.done) {
    size_t used = 0;
    if (k == 0)
      k = 1;
    if (k > n - off)
      k = n - off;
    x->err = et_http_response_parse(&x->r, p + off, k, &used, x->body, CAP,
                                    &x->body_len);
    check(used <= k);
    check(x->body_len <= CAP);
    x->used += used;
    if (x->err != ET_OK)
      break;
    check(x->r.done || used == k);
    off += k;
    k = step;
  }
  finish(x);
}

static void feed_in_place(run *x, const uint8_t *p, size_t n, size_t step) {
  uint8_t spill[SPILL];
  size_t off = 0;
  start(x);
  while (off < n && !x->r.done) {
    uint8_t *dst = x->body + x->body_len;
    size_t room = CAP - x->body_len, k = n - off, used = 0;
    if (room < SPILL) {
      dst = spill;
      room = SPILL;
    }
    if (k > step)
      k = step;
    if (k > room)
      k = room;
    memcpy(dst, p + off, k);
    off += k;
    x->err = et_http_response_parse(&x->r, dst, k, &used, x->body, CAP,
                                    &x->body_len);
    check(x->body_len <= CAP);
    x->used += used;
    if (x->err != ET_OK)
      break;
  }
  finish(x);
}

static void same(const run *a, const run *b) {
  check(a->err == b->err);
  if (a->err != ET_OK)
    return;
  check(a->r.status == b->r.status);
  check(a->r.chunked == b->r.chunked);
  check(a->r.has_content_length == b->r.has_content_length);
  check(a->r.content_length == b->r.content_length);
  check(a->r.close == b->r.close);
  check(a->r.has_retry_after == b->r.has_retry_after);
  check(a->r.retry_after_s == b->r.retry_after_s);
  check(a->r.json == b->r.json);
  check(a->used == b->used);
  check(a->body_len == b->body_len);
  check(memcmp(a->body, b->body, a->body_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static run whole, bytes, pieces, in_place;
  size_t step, first;
  if (size < 2)
    return 0;
  step = (size_t)data[0] % 64 + 1;
  first = data[1];
  data += 2;
  size -= 2;

  feed(&whole, data, size, size, size);
  if (whole.err == ET_OK) {
    check(whole.r.status >= 200 && whole.r.status <= 599);
    check(whole.r.retry_after_s <= 86400);
    check(!whole.r.chunked || !whole.r.has_content_length);
  }
  feed(&bytes, data, size, 1, 1);
  same(&whole, &bytes);
  feed(&pieces, data, size, first, step);
  same(&whole, &pieces);
  feed_in_place(&in_place, data, size, step);
  same(&whole, &in_place);
  return 0;
}
