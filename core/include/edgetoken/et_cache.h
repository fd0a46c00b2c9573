/* SPDX-License-Identifier: MIT */
/* Access token cache with refresh-ahead: pure logic over caller-provided
 * slots, time and randomness as inputs (no port, no heap).
 *
 *   static uint8_t mem[2][8192];
 *   static et_cache_slot slots[2] = { { mem[0], sizeof mem[0] },
 *                                     { mem[1], sizeof mem[1] } };
 *   et_cache c;
 *   et_cache_init(&c, slots, 2, NULL, seed16);
 *   et_cached got;
 *   switch (et_cache_lookup(&c, &key, now_ms, &got)) {
 *   case ET_CACHE_FRESH: use got.access_token; break;
 *   case ET_CACHE_DUE:   try a refresh: success et_cache_put, failure
 *                        et_cache_failed (a transient one keeps serving
 *                        got.access_token); break;
 *   case ET_CACHE_MISS:  get a token; et_cache_put; break;
 *   }
 *
 * Lifetimes run on the caller's monotonic clock (milliseconds): a wall
 * clock that jumps (NTP after boot, no RTC) neither expires nor extends a
 * cached token. The wall clock is used only for expires_on, a display
 * value ("az account get-access-token"'s expiresOn).
 *
 * When to refresh: at refresh_in when the server sends it (v2.0), else
 * when less than ahead_permille of the lifetime is left, but never less
 * than ahead_floor_s before expiry (and never before the token is issued).
 * Then up to jitter_permille of that lead is drawn at random and moved
 * earlier, so a fleet booted together does not refresh in lockstep. */
#ifndef EDGETOKEN_ET_CACHE_H
#define EDGETOKEN_ET_CACHE_H

#include "et_err.h"
#include "et_str.h"
#include "et_token.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a cached token is for. Two keys are the same token only when every
 * field is equal (bytes, not case-folded). */
typedef struct et_cache_key {
  et_str authority;         /* e.g. "https://login.microsoftonline.com" */
  et_str tenant;
  et_str client_id;
  uint8_t flow;             /* the caller's flow id (ET_CACHE_FLOW_*) */
  et_str target;            /* scope (v2.0) or resource (v1) */
} et_cache_key;

enum {
  ET_CACHE_FLOW_CLIENT_CREDENTIALS = 1,
  ET_CACHE_FLOW_REFRESH = 2 /* tokens from a refresh token (sign-ins) */
};

/* Tuning; zero fields take the defaults below. */
typedef struct et_cache_policy {
  uint32_t ahead_permille;  /* refresh with this part of the lifetime left
                               (default 100: 10 %) */
  uint32_t ahead_floor_s;   /* ...but at least this long before expiry
                               (default 300) */
  uint32_t jitter_permille; /* random part of the lead moved earlier
                               (default 500: up to half the lead) */
  uint32_t min_valid_s;     /* a token closer than this to expiry is not
                               served (default 30): a call would race it */
  uint32_t retry_s;         /* after a transient refresh failure, wait at
                               least this before the next (default 30) */
} et_cache_policy;

#define ET_CACHE_AHEAD_PERMILLE 100u
#define ET_CACHE_AHEAD_FLOOR_S 300u
#define ET_CACHE_JITTER_PERMILLE 500u
#define ET_CACHE_MIN_VALID_S 30u
#define ET_CACHE_RETRY_S 30u

/* One cached token; buf/cap are the caller's, the rest the cache's.
 * buf holds the key's bytes then the access token. */
typedef struct et_cache_slot {
  uint8_t *buf;
  size_t cap;
  bool used;
  uint16_t key_len;
  size_t token_len;
  uint64_t issued_ms;       /* monotonic: when it was put */
  uint64_t expires_ms;      /* monotonic: absolute expiry */
  uint64_t refresh_ms;      /* monotonic: when a refresh is due */
  int64_t expires_on;       /* wall clock (unix s) at put, for display; 0
                               when the wall clock was unknown */
  uint32_t failures;        /* transient refresh failures since the put */
  uint64_t used_ms;         /* last lookup or put (eviction: least recent) */
} et_cache_slot;

typedef struct et_cache {
  et_cache_slot *slots;
  size_t n;
  et_cache_policy pol;
  uint64_t rng[2];
} et_cache;

typedef enum et_cache_state {
  ET_CACHE_MISS = 0,        /* nothing valid: get a token before using it */
  ET_CACHE_FRESH = 1,       /* serve it */
  ET_CACHE_DUE = 2          /* serve it, and refresh now (ahead of expiry) */
} et_cache_state;

/* A served token: spans into the slot (valid until the next put,
 * invalidate or clear on the cache). */
typedef struct et_cached {
  et_str access_token;
  uint64_t expires_ms;      /* monotonic, absolute */
  uint64_t refresh_ms;      /* monotonic: when a refresh is (was) due */
  int64_t expires_on;       /* unix seconds, display only (0: unknown) */
} et_cached;

/* Empty cache over slots[0..n) (each with buf and cap set; the rest is
 * reset). pol NULL: the defaults. seed: 16 bytes from a CSPRNG (jitter).
 * Errors: ET_E_ARG (NULL, n == 0, a slot without buf). */
ET_NODISCARD et_err et_cache_init(et_cache *c, et_cache_slot *slots, size_t n,
                                  const et_cache_policy *pol, const uint8_t seed[16]);

/* The token for k at now_ms into *out (zeroed on MISS). An expired entry
 * is wiped and reported as MISS. */
et_cache_state et_cache_lookup(et_cache *c, const et_cache_key *k, uint64_t now_ms,
                               et_cached *out);

/* Copy t->access_token (with t->expires_in, or t->expires_on - unix_s
 * when only that came) into the slot for k, replacing the old token;
 * evicts the least recently used slot when none is free. The expiry is
 * now_ms + lifetime; refresh_in, the policy and jitter give the refresh
 * time. unix_s: the wall clock now, 0 when unknown (expires_on then 0).
 * out (may be NULL): the cached token, as et_cache_lookup gives it.
 * Errors: ET_E_ARG, ET_E_INPUT (no usable lifetime in t), ET_E_NOSPACE
 * (key and token do not fit any slot: nothing cached). */
ET_NODISCARD et_err et_cache_put(et_cache *c, const et_cache_key *k, const et_token *t,
                                 uint64_t now_ms, int64_t unix_s, et_cached *out);

/* Put a token kept elsewhere (a file across runs) with its times already on
 * this monotonic clock. refresh_ms 0: computed as by et_cache_put.
 * Errors: as et_cache_put; ET_E_INPUT when it expired already. */
ET_NODISCARD et_err et_cache_restore(et_cache *c, const et_cache_key *k, et_str access_token,
                                     uint64_t now_ms, uint64_t expires_ms, uint64_t refresh_ms,
                                     int64_t expires_on);

/* A refresh for k failed with err. Transient (et_err_is_transient) and the
 * token still valid: it stays and is served; the next refresh is due after
 * a backoff (retry_s doubling per failure, jittered), never after the last
 * moment a token is served. Any other failure removes the token (the
 * grant is gone: serving on would hide it). Returns the state a lookup at
 * now_ms now gives (FRESH while a transient backoff runs). */
et_cache_state et_cache_failed(et_cache *c, const et_cache_key *k, et_err err,
                               uint64_t now_ms);

/* Drop the token for k (a 401 from the resource, --force-refresh). */
void et_cache_invalidate(et_cache *c, const et_cache_key *k);

/* Drop every token (wiped). */
void et_cache_clear(et_cache *c);

#ifdef __cplusplus
}
#endif

#endif
