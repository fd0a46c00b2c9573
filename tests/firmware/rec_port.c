/* SPDX-License-Identifier: MIT */
/* The recorded-answer port of the on-target tests (rec_port.h). */
#include "rec_port.h"

#include <string.h>

rec_state rec;

/* Core only passes it back; the state is rec. */
struct et_conn {
  rec_state *r;
};
static struct et_conn conn = { &rec };

static et_err rec_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                       et_conn **out) {
  (void)ctx, (void)timeout_ms;
  if (!tls || port != 443 || !et_str_eq(host, ET_STR("login.microsoftonline.com"))) {
    rec.detail = "recorded answers are for https://login.microsoftonline.com only";
    return ET_E_CONNECT;
  }
  rec.opens++;
  rec.in_request = false;
  *out = &conn;
  return ET_OK;
}

static et_err rec_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent, uint32_t timeout_ms) {
  rec_state *r = c->r;
  size_t room;
  (void)timeout_ms;
  if (!r->in_request) { /* the first bytes of the next request */
    r->requests++;
    r->in_request = true;
    r->pos = 0;
    r->sent_len = 0;
  }
  room = sizeof r->sent - r->sent_len;
  if (n > room)
    n = room;
  if (n == 0) {
    r->detail = "the request is larger than the recording buffer";
    return ET_E_IO;
  }
  memcpy(r->sent + r->sent_len, p, n);
  r->sent_len += n;
  *sent = n;
  return ET_OK;
}

static et_err rec_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got, uint32_t timeout_ms) {
  rec_state *r = c->r;
  size_t i = r->requests - 1 < r->n_script ? r->requests - 1 : r->n_script - 1;
  const rec_answer *a = &r->script[i];
  size_t n = a->n - r->pos;
  (void)timeout_ms;
  /* Played out (a cut recording ends early): the server closed. */
  if (!r->in_request || n == 0) {
    r->detail = "the recorded answer ended";
    return ET_E_CLOSED;
  }
  if (n > r->piece)
    n = r->piece;
  if (n > cap)
    n = cap;
  memcpy(p, a->p + r->pos, n);
  r->pos += n;
  r->in_request = r->pos < a->n;
  *got = n;
  return ET_OK;
}

static void rec_close(et_conn *c) {
  c->r->in_request = false;
}

static const char *rec_detail(void *ctx) {
  (void)ctx;
  return rec.detail;
}

static uint64_t rec_mono_ms(void *ctx) {
  (void)ctx;
  return rec.now_ms += 3;
}

static int64_t rec_unix_s(void *ctx) {
  (void)ctx;
  return REC_UNIX_S;
}

/* Test only: a counter, not randomness. A device passes its TRNG. */
static et_err rec_random(void *ctx, uint8_t *p, size_t n) {
  (void)ctx;
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(i * 37u + 11u);
  return ET_OK;
}

static void rec_sleep_ms(void *ctx, uint32_t ms) {
  (void)ctx;
  rec.now_ms += ms;
  rec.slept_ms += ms;
}

/* A device keeps this in flash, written crash-safe (two slots, a counter). */
static et_err rec_store(void *ctx, et_store_op op, const char *key, uint8_t *buf, size_t cap,
                        size_t *len) {
  (void)ctx, (void)key;
  switch (op) {
  case ET_STORE_LOAD:
    if (!rec.slot_full)
      return ET_E_NOT_FOUND;
    if (rec.slot_len > cap)
      return ET_E_NOSPACE;
    memcpy(buf, rec.slot, rec.slot_len);
    *len = rec.slot_len;
    return ET_OK;
  case ET_STORE_SAVE:
    if (*len > sizeof rec.slot)
      return ET_E_STORE;
    memcpy(rec.slot, buf, *len);
    rec.slot_len = *len;
    rec.slot_full = true;
    rec.saves++;
    return ET_OK;
  case ET_STORE_DELETE:
    rec.slot_full = false;
    return ET_OK;
  }
  return ET_E_ARG;
}

void rec_port_hooks(et_port *port) {
  port->open = rec_open;
  port->send = rec_send;
  port->recv = rec_recv;
  port->close = rec_close;
  port->mono_ms = rec_mono_ms;
  port->unix_s = rec_unix_s;
  port->random = rec_random;
  port->sleep_ms = rec_sleep_ms;
  port->store = rec_store;
  port->detail = rec_detail;
}

void rec_play(const rec_answer *script, size_t n, size_t piece) {
  rec.script = script;
  rec.n_script = n;
  rec.piece = piece;
  rec.pos = 0;
  rec.in_request = false;
  rec.opens = 0;
  rec.requests = 0;
  rec.detail = NULL;
  rec.sent_len = 0;
  rec.slept_ms = 0;
  rec.saves = 0;
}

static uint8_t work_buf[CONFIG_ET_WORK_BUF_SIZE];
static jsmntok_t work_tok[CONFIG_ET_JSON_TOKENS];

void rec_work(et_work *w) {
  w->buf = work_buf;
  w->cap = sizeof work_buf;
  w->tok = work_tok;
  w->ntok = CONFIG_ET_JSON_TOKENS;
  w->link = NULL;
}

const char *rec_sent_after(const char *lit, size_t *n) {
  size_t m = strlen(lit);
  for (size_t i = 0; i + m <= rec.sent_len; i++) {
    if (memcmp(rec.sent + i, lit, m) != 0)
      continue;
    const char *v = rec.sent + i + m;
    const char *end = rec.sent + rec.sent_len;
    const char *amp = memchr(v, '&', (size_t)(end - v));
    *n = (size_t)((amp != NULL ? amp : end) - v);
    return v;
  }
  return NULL;
}

bool rec_sent_has(const char *lit) {
  size_t n;
  return rec_sent_after(lit, &n) != NULL;
}
