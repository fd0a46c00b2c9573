/* SPDX-License-Identifier: MIT */
/* The scripted port of fake_port.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"

/* The next scene starts: a fresh connection (reused false) or the kept one. */
static const scene *next_scene(script *s, bool reused) {
  const scene *sc;
  if (s->played >= s->n_scenes)
    fail_msg("request %zu, but the script has %zu scenes", s->played + 1, s->n_scenes);
  s->at[s->played] = s->now;
  s->reused[s->played] = reused;
  sc = &s->scenes[s->played++];
  s->pos = 0;
  s->sent_len = 0;
  s->answered = false;
  return sc;
}

static const scene *current(const script *s) {
  assert_true(s->played > 0);
  return &s->scenes[s->played - 1];
}

static bool kept(const script *s) { return (s->keep & SCENE(s->played - 1)) != 0; }

static bool stale(const script *s) { return (s->stale & SCENE(s->played - 1)) != 0; }

static et_err s_open(void *ctx, et_str host, uint16_t port, bool tls, uint32_t timeout_ms,
                     et_conn **out) {
  script *s = ctx;
  const scene *sc;
  (void)timeout_ms;
  assert_true(tls);           /* core never asks for clear text */
  assert_false(s->conn_open); /* one connection at a time: the last one was closed */
  sc = next_scene(s, false);
  s->opens++;
  s->now += s->latency_ms;
  s->host = host;
  s->port = port;
  if (sc->open_err != ET_OK)
    return sc->open_err;
  s->conn_open = true;
  *out = (et_conn *)(void *)&s->conn;
  return ET_OK;
}

static script *of(et_conn *c) {
  return (script *)(void *)((char *)(void *)c - offsetof(script, conn));
}

static et_err s_send(et_conn *c, const uint8_t *p, size_t n, size_t *sent,
                     uint32_t timeout_ms) {
  script *s = of(c);
  size_t k = n > 100 ? 100 : n; /* short writes must be handled */
  (void)timeout_ms;
  assert_true(s->conn_open);
  if (s->answered) {
    /* A new request on the connection the last answer left open. */
    if (!kept(s) || stale(s))
      fail_msg("scene %zu: a request on a connection the server closed", s->played);
    next_scene(s, true);
    s->reuses++;
  }
  assert_true(s->sent_len + k <= sizeof s->sent);
  memcpy(s->sent + s->sent_len, p, k);
  s->sent_len += k;
  *sent = k;
  return ET_OK;
}

static et_err s_recv(et_conn *c, uint8_t *p, size_t cap, size_t *got,
                     uint32_t timeout_ms) {
  script *s = of(c);
  const scene *sc = current(s);
  size_t left, k;
  (void)timeout_ms;
  assert_true(s->conn_open);
  if (stale(s)) {
    s->answered = true;
    return ET_E_CLOSED;
  }
  left = strlen(sc->response) - s->pos;
  if (left == 0) {
    s->answered = true;
    return kept(s) ? ET_E_TIMEOUT : ET_E_CLOSED; /* kept: nothing more comes */
  }
  k = left;
  if (sc->piece && k > sc->piece)
    k = sc->piece;
  if (k > cap)
    k = cap;
  memcpy(p, sc->response + s->pos, k);
  s->pos += k;
  s->answered = s->pos == strlen(sc->response);
  *got = k;
  return ET_OK;
}

static void s_close(et_conn *c) {
  script *s = of(c);
  assert_true(s->conn_open); /* closed once */
  s->conn_open = false;
  s->closes++;
}

static et_err s_random(void *ctx, uint8_t *p, size_t n) {
  memset(p, ((script *)ctx)->no_jitter ? 0 : 0x5a, n);
  return ET_OK;
}

static uint64_t s_mono(void *ctx) { return ((script *)ctx)->now; }

static void s_sleep(void *ctx, uint32_t ms) {
  script *s = ctx;
  s->now += ms;
  s->slept_ms += ms;
  s->sleeps++;
  if (ms > s->longest_sleep)
    s->longest_sleep = ms;
}

static void s_log(void *ctx, et_level lvl, const char *msg, size_t n) {
  script *s = ctx;
  (void)lvl;
  if (s->log_len + n + 1 <= sizeof s->log) {
    memcpy(s->log + s->log_len, msg, n);
    s->log_len += n;
    s->log[s->log_len++] = '\n';
  }
}

static bool s_cancelled(void *ctx) {
  const script *s = ctx;
  return s->cancel || (s->cancel_at != 0 && s->now >= s->cancel_at);
}

et_err script_store(void *ctx, et_store_op op, const char *key, uint8_t *buf, size_t cap,
                    size_t *len) {
  script *s = ctx;
  switch (op) {
  case ET_STORE_LOAD:
    s->loads++;
    if (!s->has_value || strcmp(key, s->key) != 0)
      return ET_E_NOT_FOUND;
    if (s->stored_len > cap) {
      *len = s->stored_len;
      return ET_E_NOSPACE;
    }
    memcpy(buf, s->stored, s->stored_len);
    *len = s->stored_len;
    return ET_OK;
  case ET_STORE_SAVE:
    s->saves++;
    if (s->save_err != ET_OK)
      return s->save_err;
    assert_true(*len <= sizeof s->stored);
    assert_true(strlen(key) < sizeof s->key);
    strcpy(s->key, key);
    memcpy(s->stored, buf, *len);
    s->stored_len = *len;
    s->has_value = true;
    return ET_OK;
  case ET_STORE_DELETE:
    s->deletes++;
    s->has_value = false;
    return ET_OK;
  }
  return ET_E_ARG;
}

et_port script_port(script *s) {
  et_port p;
  memset(&p, 0, sizeof p);
  p.ctx = s;
  p.open = s_open;
  p.send = s_send;
  p.recv = s_recv;
  p.close = s_close;
  p.random = s_random;
  p.mono_ms = s_mono;
  p.sleep_ms = s_sleep;
  p.log = s_log;
  p.cancelled = s_cancelled;
  p.store = script_store;
  return p;
}

et_app fake_app(const char *secret) {
  et_app a;
  memset(&a, 0, sizeof a);
  a.tenant = ET_STR("contoso");
  a.client_id = ET_STR("app");
  if (secret != NULL) {
    a.cred.kind = ET_CRED_SECRET;
    a.cred.secret = et_str_from_cstr(secret);
  }
  return a;
}

bool contains(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0)
      return true;
  return false;
}
