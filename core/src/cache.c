/* SPDX-License-Identifier: MIT */
/* Access token cache with refresh-ahead (et_cache.h). Pure logic: the
 * clock and the seed are inputs. No 64-bit division (Cortex-M has none in
 * hardware): lifetimes are clamped to 30 days so their millisecond counts
 * fit 32 bits, and random ranges use a multiply and a shift. */
#include "edgetoken/et_cache.h"

#include <string.h>

/* Longest lifetime taken as given (30 days); longer ones are cut to it. */
#define LIFETIME_MAX_S (30u * 24u * 3600u)

static uint64_t rnd(et_cache *c) {
  uint64_t x = c->rng[0], y = c->rng[1];
  c->rng[0] = y;
  x ^= x << 23;
  c->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
  return c->rng[1] + y;
}

/* Uniform in [0, range]. */
static uint32_t rnd_upto(et_cache *c, uint32_t range) {
  uint64_t r = (uint32_t)(rnd(c) >> 32);
  return (uint32_t)((r * ((uint64_t)range + 1u)) >> 32);
}

static uint32_t or_default(uint32_t v, uint32_t d) { return v != 0 ? v : d; }

et_err et_cache_init(et_cache *c, et_cache_slot *slots, size_t n, const et_cache_policy *pol,
                     const uint8_t seed[16]) {
  if (c == NULL || slots == NULL || n == 0 || seed == NULL)
    return ET_E_ARG;
  for (size_t i = 0; i < n; i++)
    if (slots[i].buf == NULL || slots[i].cap == 0)
      return ET_E_ARG;
  memset(c, 0, sizeof *c);
  c->slots = slots;
  c->n = n;
  if (pol != NULL)
    c->pol = *pol;
  c->pol.ahead_permille = or_default(c->pol.ahead_permille, ET_CACHE_AHEAD_PERMILLE);
  if (c->pol.ahead_permille > 1000u)
    c->pol.ahead_permille = 1000u;
  c->pol.ahead_floor_s = or_default(c->pol.ahead_floor_s, ET_CACHE_AHEAD_FLOOR_S);
  c->pol.jitter_permille = or_default(c->pol.jitter_permille, ET_CACHE_JITTER_PERMILLE);
  if (c->pol.jitter_permille > 1000u)
    c->pol.jitter_permille = 1000u;
  c->pol.min_valid_s = or_default(c->pol.min_valid_s, ET_CACHE_MIN_VALID_S);
  c->pol.retry_s = or_default(c->pol.retry_s, ET_CACHE_RETRY_S);
  for (int i = 0; i < 8; i++) {
    c->rng[0] = c->rng[0] << 8 | seed[i];
    c->rng[1] = c->rng[1] << 8 | seed[8 + i];
  }
  c->rng[0] |= 1u; /* never the all-zero state */
  for (size_t i = 0; i < n; i++) {
    uint8_t *buf = slots[i].buf;
    size_t cap = slots[i].cap;
    memset(&slots[i], 0, sizeof slots[i]);
    slots[i].buf = buf;
    slots[i].cap = cap;
  }
  return ET_OK;
}

/* The key as bytes: each field's length (2 bytes) and bytes, the flow. */
static size_t key_size(const et_cache_key *k) {
  return 4 * 2 + k->authority.n + k->tenant.n + k->client_id.n + k->target.n + 1;
}

static bool key_ok(const et_cache_key *k) {
  const et_str *f[4] = { &k->authority, &k->tenant, &k->client_id, &k->target };
  for (int i = 0; i < 4; i++)
    if ((f[i]->p == NULL && f[i]->n != 0) || f[i]->n > 0xffffu)
      return false;
  return k->client_id.n > 0 && k->target.n > 0 && key_size(k) <= 0xffffu;
}

static void key_write(uint8_t *p, const et_cache_key *k) {
  const et_str *f[4] = { &k->authority, &k->tenant, &k->client_id, &k->target };
  for (int i = 0; i < 4; i++) {
    *p++ = (uint8_t)(f[i]->n >> 8);
    *p++ = (uint8_t)f[i]->n;
    if (f[i]->n > 0)
      memcpy(p, f[i]->p, f[i]->n);
    p += f[i]->n;
  }
  *p = k->flow;
}

static bool key_match(const et_cache_slot *s, const et_cache_key *k) {
  const et_str *f[4] = { &k->authority, &k->tenant, &k->client_id, &k->target };
  const uint8_t *p = s->buf;
  if (!s->used || s->key_len != key_size(k))
    return false;
  for (int i = 0; i < 4; i++) {
    if (p[0] != (uint8_t)(f[i]->n >> 8) || p[1] != (uint8_t)f[i]->n)
      return false;
    p += 2;
    if (f[i]->n > 0 && memcmp(p, f[i]->p, f[i]->n) != 0)
      return false;
    p += f[i]->n;
  }
  return *p == k->flow;
}

static et_cache_slot *find(et_cache *c, const et_cache_key *k) {
  if (c == NULL || k == NULL || !key_ok(k))
    return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (key_match(&c->slots[i], k))
      return &c->slots[i];
  return NULL;
}

static void drop(et_cache_slot *s) {
  et_wipe(s->buf, s->cap);
  s->used = false;
  s->key_len = 0;
  s->token_len = 0;
  s->issued_ms = s->expires_ms = s->refresh_ms = s->used_ms = 0;
  s->expires_on = 0;
  s->failures = 0;
}

/* The last moment s is served: min_valid before expiry, but no more than a
 * quarter of its lifetime (a short-lived token is still served). */
static uint64_t serve_end(const et_cache *c, const et_cache_slot *s) {
  uint64_t life = s->expires_ms - s->issued_ms;
  uint64_t margin = (uint64_t)c->pol.min_valid_s * 1000u;
  if (margin > life / 4)
    margin = life / 4;
  return s->expires_ms - margin;
}

static void fill(const et_cache_slot *s, et_cached *out) {
  if (out == NULL)
    return;
  out->access_token = (et_str){ (const char *)s->buf + s->key_len, s->token_len };
  out->expires_ms = s->expires_ms;
  out->refresh_ms = s->refresh_ms;
  out->expires_on = s->expires_on;
}

static et_cache_state state_of(et_cache *c, et_cache_slot *s, uint64_t now_ms, et_cached *out) {
  if (out != NULL)
    memset(out, 0, sizeof *out);
  if (s == NULL)
    return ET_CACHE_MISS;
  if (now_ms >= serve_end(c, s)) {
    drop(s);
    return ET_CACHE_MISS;
  }
  s->used_ms = now_ms;
  fill(s, out);
  return now_ms >= s->refresh_ms ? ET_CACHE_DUE : ET_CACHE_FRESH;
}

et_cache_state et_cache_lookup(et_cache *c, const et_cache_key *k, uint64_t now_ms,
                               et_cached *out) {
  return state_of(c, find(c, k), now_ms, out);
}

/* When a token of life_s seconds put at now_ms is due for refresh. */
static uint64_t refresh_at(et_cache *c, uint64_t now_ms, uint32_t life_s, int64_t refresh_in) {
  uint32_t lead_s, jitter_ms;
  if (refresh_in > 0 && refresh_in < (int64_t)life_s) {
    lead_s = life_s - (uint32_t)refresh_in;
  } else {
    lead_s = life_s / 1000u * c->pol.ahead_permille + life_s % 1000u * c->pol.ahead_permille / 1000u;
    if (lead_s < c->pol.ahead_floor_s)
      lead_s = c->pol.ahead_floor_s;
    if (lead_s > life_s / 2)
      lead_s = life_s / 2;
  }
  /* lead_s <= 30 days: its milliseconds fit 32 bits. */
  jitter_ms = rnd_upto(c, lead_s * c->pol.jitter_permille);
  return now_ms + (uint64_t)(life_s - lead_s) * 1000u - jitter_ms;
}

/* A slot for k: its own, a free one, else the least recently used; NULL
 * when need bytes fit none. */
static et_cache_slot *claim(et_cache *c, const et_cache_key *k, size_t need) {
  et_cache_slot *own = find(c, k), *best = NULL;
  if (own != NULL && own->cap >= need)
    return own;
  if (own != NULL)
    drop(own); /* the new token does not fit where the old one was */
  for (size_t i = 0; i < c->n; i++) {
    et_cache_slot *s = &c->slots[i];
    if (s->cap < need)
      continue;
    if (!s->used)
      return s;
    if (best == NULL || s->used_ms < best->used_ms)
      best = s;
  }
  return best;
}

static et_err store(et_cache *c, const et_cache_key *k, et_str token, uint64_t now_ms,
                    uint64_t expires_ms, uint64_t refresh_ms, int64_t expires_on) {
  size_t klen, need;
  et_cache_slot *s;
  if (c == NULL || k == NULL || !key_ok(k) || token.n == 0 || token.p == NULL)
    return ET_E_ARG;
  klen = key_size(k);
  need = klen + token.n;
  if (need < token.n)
    return ET_E_NOSPACE;
  s = claim(c, k, need);
  if (s == NULL)
    return ET_E_NOSPACE;
  drop(s);
  key_write(s->buf, k);
  memcpy(s->buf + klen, token.p, token.n);
  s->used = true;
  s->key_len = (uint16_t)klen;
  s->token_len = token.n;
  s->issued_ms = now_ms;
  s->expires_ms = expires_ms;
  s->refresh_ms = refresh_ms;
  s->expires_on = expires_on;
  s->used_ms = now_ms;
  return ET_OK;
}

et_err et_cache_put(et_cache *c, const et_cache_key *k, const et_token *t, uint64_t now_ms,
                    int64_t unix_s, et_cached *out) {
  int64_t life;
  uint32_t life_s;
  uint64_t exp;
  et_err err;
  if (out != NULL)
    memset(out, 0, sizeof *out);
  if (c == NULL || t == NULL)
    return ET_E_ARG;
  life = t->expires_in;
  if (life <= 0 && t->expires_on > 0 && unix_s > 0)
    life = t->expires_on - unix_s;
  if (life <= 0)
    return ET_E_INPUT;
  life_s = life > (int64_t)LIFETIME_MAX_S ? LIFETIME_MAX_S : (uint32_t)life;
  exp = now_ms + (uint64_t)life_s * 1000u;
  err = store(c, k, t->access_token, now_ms, exp, refresh_at(c, now_ms, life_s, t->refresh_in),
              unix_s > 0 ? unix_s + (int64_t)life_s : 0);
  if (err == ET_OK && out != NULL)
    fill(find(c, k), out);
  return err;
}

et_err et_cache_restore(et_cache *c, const et_cache_key *k, et_str access_token, uint64_t now_ms,
                        uint64_t expires_ms, uint64_t refresh_ms, int64_t expires_on) {
  uint64_t left;
  uint32_t life_s;
  et_err err;
  if (c == NULL)
    return ET_E_ARG;
  if (expires_ms <= now_ms)
    return ET_E_INPUT;
  left = expires_ms - now_ms;
  life_s = left > (uint64_t)LIFETIME_MAX_S * 1000u ? LIFETIME_MAX_S : (uint32_t)left / 1000u;
  if (refresh_ms == 0)
    refresh_ms = life_s > 0 ? refresh_at(c, now_ms, life_s, ET_ABSENT) : now_ms;
  err = store(c, k, access_token, now_ms, expires_ms, refresh_ms, expires_on);
  if (err == ET_OK && now_ms >= serve_end(c, find(c, k))) {
    et_cache_invalidate(c, k);
    return ET_E_INPUT;
  }
  return err;
}

et_cache_state et_cache_failed(et_cache *c, const et_cache_key *k, et_err err, uint64_t now_ms) {
  et_cache_slot *s = find(c, k);
  uint64_t end, wait;
  uint32_t shift;
  if (s == NULL)
    return ET_CACHE_MISS;
  if (!et_err_is_transient(err)) {
    drop(s);
    return ET_CACHE_MISS;
  }
  end = serve_end(c, s);
  if (now_ms >= end) {
    drop(s);
    return ET_CACHE_MISS;
  }
  s->failures++;
  shift = s->failures - 1 > 5 ? 5 : s->failures - 1;
  wait = ((uint64_t)c->pol.retry_s * 1000u) << shift;
  wait += rnd_upto(c, (uint32_t)(wait / 4 > UINT32_MAX ? UINT32_MAX : wait / 4));
  /* A backoff that would run past the token's end halves what is left
   * instead: a try at the very end would find the token already unserved
   * and leave the caller without one for a round trip. Under 2 s left,
   * the end it is. */
  if (now_ms + wait < end)
    s->refresh_ms = now_ms + wait;
  else
    s->refresh_ms = end - now_ms < 2000u ? end : now_ms + (end - now_ms) / 2;
  return state_of(c, s, now_ms, NULL);
}

void et_cache_invalidate(et_cache *c, const et_cache_key *k) {
  et_cache_slot *s = find(c, k);
  if (s != NULL)
    drop(s);
}

void et_cache_clear(et_cache *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->n; i++)
    drop(&c->slots[i]);
}
