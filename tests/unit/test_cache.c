/* SPDX-License-Identifier: MIT */
/* The token cache (et_cache.h) with an injected monotonic clock: serving,
 * refresh-ahead (refresh_in, the lifetime part, the floor), jitter that
 * spreads devices, transient failures that keep the token, permanent ones
 * that drop it, keys, eviction, and a wall clock that plays no part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

#define S 1000u /* ms per second */

static uint8_t mem[3][256];
static et_cache_slot slots[3];
static et_cache cache;

static const et_cache_key key_a = {
  { "https://login.microsoftonline.com", 33 }, { "contoso.onmicrosoft.com", 23 },
  { "11111111-2222-3333-4444-555555555555", 36 }, ET_CACHE_FLOW_CLIENT_CREDENTIALS,
  { "api://adme/.default", 19 }
};

static void setup_with(const et_cache_policy *pol, uint8_t seed_byte, size_t n) {
  uint8_t seed[16];
  memset(seed, seed_byte, sizeof seed);
  seed[3] = (uint8_t)(seed_byte * 7u);
  for (size_t i = 0; i < n; i++) {
    slots[i].buf = mem[i];
    slots[i].cap = sizeof mem[i];
  }
  assert_int_equal(et_cache_init(&cache, slots, n, pol, seed), ET_OK);
}

static et_token token(const char *at, int64_t expires_in, int64_t refresh_in) {
  et_token t;
  memset(&t, 0, sizeof t);
  t.access_token = et_str_from_cstr(at);
  t.token_type = ET_STR("Bearer");
  t.expires_in = expires_in;
  t.expires_on = ET_ABSENT;
  t.refresh_in = refresh_in;
  t.ext_expires_in = ET_ABSENT;
  t.not_before = ET_ABSENT;
  return t;
}

/* No jitter: jitter_permille is the smallest non-zero value (0.1 % of the
 * lead, a few hundred ms at most). */
static const et_cache_policy exact = { 0, 0, 1, 0, 0 };

static void miss_put_serve_expire(void **state) {
  et_cached got;
  et_token t = token("tok-1", 3600, ET_ABSENT);
  char copy[8];
  (void)state;
  setup_with(&exact, 1, 3);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1000, &got), ET_CACHE_MISS);
  assert_int_equal(got.access_token.n, 0);
  strcpy(copy, "tok-1");
  t.access_token = et_str_from_cstr(copy);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 1000, 1700000000, &got), ET_OK);
  memset(copy, 'x', 5); /* the cache holds its own copy */
  assert_int_equal(et_cache_lookup(&cache, &key_a, 2000, &got), ET_CACHE_FRESH);
  assert_true(et_str_eq(got.access_token, ET_STR("tok-1")));
  assert_int_equal(got.expires_ms, 1000 + 3600 * S);
  assert_int_equal(got.expires_on, 1700000000 + 3600);
  /* 10 % of an hour is 360 s > the 300 s floor: due 360 s before expiry. */
  assert_true(got.refresh_ms <= 1000 + 3240 * S && got.refresh_ms >= 1000 + 3240 * S - 400);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1000 + 3000 * S, &got), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1000 + 3300 * S, &got), ET_CACHE_DUE);
  assert_true(et_str_eq(got.access_token, ET_STR("tok-1")));
  /* Served until 30 s before expiry, then gone (and wiped). */
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1000 + 3569 * S, &got), ET_CACHE_DUE);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1000 + 3570 * S, &got), ET_CACHE_MISS);
  assert_null(memchr(mem[0], 't', sizeof mem[0]));
}

static void refresh_in_wins(void **state) {
  et_cached got;
  et_token t = token("tok", 86399, 43199);
  (void)state;
  setup_with(&exact, 2, 1);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, &got), ET_OK);
  assert_true(got.refresh_ms <= 43199 * S && got.refresh_ms > 43199 * S - 50 * S);
  assert_int_equal(got.expires_on, 0); /* no wall clock: unknown */
  assert_int_equal(et_cache_lookup(&cache, &key_a, 43000 * S, &got), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 43199 * S, &got), ET_CACHE_DUE);
}

static void floor_and_short_lifetimes(void **state) {
  et_cached got;
  et_token t = token("tok", 1200, ET_ABSENT); /* 10 % = 120 s < floor 300 s */
  (void)state;
  setup_with(&exact, 3, 1);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, &got), ET_OK);
  assert_true(got.refresh_ms <= 900 * S && got.refresh_ms > 900 * S - 400);
  /* A 4-minute token: the floor would make it due at once; half of it. */
  t = token("tok", 240, ET_ABSENT);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, &got), ET_OK);
  assert_true(got.refresh_ms <= 120 * S && got.refresh_ms > 119 * S);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 60 * S, &got), ET_CACHE_FRESH);
  /* Served until min(30 s, a quarter of its life) before expiry. */
  assert_int_equal(et_cache_lookup(&cache, &key_a, 209 * S, &got), ET_CACHE_DUE);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 210 * S, &got), ET_CACHE_MISS);
  /* Configured part and floor. */
  {
    et_cache_policy p = { 500, 60, 1, 10, 5 };
    setup_with(&p, 3, 1);
    t = token("tok", 1000, ET_ABSENT);
    assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, &got), ET_OK);
    assert_true(got.refresh_ms <= 500 * S && got.refresh_ms > 499 * S);
  }
}

static void lifetime_from_expires_on(void **state) {
  et_cached got;
  et_token t = token("tok", ET_ABSENT, ET_ABSENT);
  (void)state;
  setup_with(&exact, 4, 1);
  t.expires_on = 1700003600;
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 5 * S, 1700000000, &got), ET_OK);
  assert_int_equal(got.expires_ms, 5 * S + 3600 * S);
  /* No lifetime at all: refused, nothing cached. */
  t.expires_on = ET_ABSENT;
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 1700000000, NULL), ET_E_INPUT);
  t = token("tok", 0, ET_ABSENT);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, NULL), ET_E_INPUT);
}

/* The expiry is on the monotonic clock: only now_ms moves it. A put with a
 * wall clock a year off gives the same expiry and refresh time. */
static void wall_clock_plays_no_part(void **state) {
  et_cached a, b;
  et_token t = token("tok", 3600, ET_ABSENT);
  (void)state;
  setup_with(&exact, 5, 1);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 100 * S, 1700000000, &a), ET_OK);
  setup_with(&exact, 5, 1);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 100 * S, 1700000000 + 31536000, &b), ET_OK);
  assert_int_equal(a.expires_ms, b.expires_ms);
  assert_int_equal(a.refresh_ms, b.refresh_ms);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 200 * S, &b), ET_CACHE_FRESH);
}

/* 1000 devices with different seeds put the same token at the same
 * instant: their refresh times spread over up to half the lead (180 s of
 * 360), all before the unjittered time and after the earliest allowed. */
static void jitter_spreads_a_fleet(void **state) {
  uint64_t lo = UINT64_MAX, hi = 0;
  unsigned buckets[6] = { 0 };
  (void)state;
  for (unsigned d = 0; d < 1000; d++) {
    et_cached got;
    et_token t = token("tok", 3600, ET_ABSENT);
    uint8_t seed[16];
    for (int i = 0; i < 16; i++)
      seed[i] = (uint8_t)(d * 31u + (unsigned)i * 17u + (d >> 8) * 7u);
    slots[0].buf = mem[0];
    slots[0].cap = sizeof mem[0];
    assert_int_equal(et_cache_init(&cache, slots, 1, NULL, seed), ET_OK);
    assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, &got), ET_OK);
    assert_true(got.refresh_ms <= 3240 * S);
    assert_true(got.refresh_ms >= 3060 * S);
    if (got.refresh_ms < lo)
      lo = got.refresh_ms;
    if (got.refresh_ms > hi)
      hi = got.refresh_ms;
    buckets[(3240 * S - got.refresh_ms) / (30 * S) > 5 ? 5 : (3240 * S - got.refresh_ms) / (30 * S)]++;
  }
  assert_true(hi - lo > 170 * S);
  for (int i = 0; i < 6; i++) /* roughly uniform: ~167 each */
    assert_true(buckets[i] > 100 && buckets[i] < 240);
}

static void transient_failure_keeps_serving(void **state) {
  et_cached got;
  et_token t = token("tok-1", 3600, ET_ABSENT);
  uint64_t now = 3300 * S;
  (void)state;
  setup_with(&exact, 6, 1);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, NULL), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_DUE);
  /* The refresh fails on the network: the token is served on, and the next
   * refresh waits 30 s (up to a quarter more), then 60 s, 120 s... */
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_TIMEOUT, now), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, now + 29 * S, &got), ET_CACHE_FRESH);
  assert_true(et_str_eq(got.access_token, ET_STR("tok-1")));
  assert_true(got.refresh_ms >= now + 30 * S && got.refresh_ms <= now + 38 * S);
  now = got.refresh_ms;
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_DUE);
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_SERVER, now), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_FRESH);
  assert_true(got.refresh_ms >= now + 60 * S && got.refresh_ms <= now + 75 * S);
  /* Throttled close to the end (the token is served until 3570 s): the
   * next try halves what is left, so it still finds the token served,
   * until under 2 s are left. */
  now = 3500 * S;
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_THROTTLED, now), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_FRESH);
  assert_int_equal(got.refresh_ms, 3535 * S);
  now = got.refresh_ms;
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_DUE);
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_THROTTLED, now), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_FRESH);
  assert_int_equal(got.refresh_ms, 3552 * S + 500);
  now = 3569 * S;
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_THROTTLED, now), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &key_a, now, &got), ET_CACHE_FRESH);
  assert_int_equal(got.refresh_ms, 3570 * S);
  /* After expiry a transient failure leaves nothing to serve. */
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_CONNECT, 3600 * S), ET_CACHE_MISS);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 3600 * S, &got), ET_CACHE_MISS);
  /* A success afterwards resets the failure count. */
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 4000 * S, 0, NULL), ET_OK);
  assert_int_equal(slots[0].failures, 0);
}

static void permanent_failure_drops(void **state) {
  et_cached got;
  et_token t = token("tok-1", 3600, ET_ABSENT);
  (void)state;
  setup_with(&exact, 7, 1);
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, NULL), ET_OK);
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_SIGNIN_REQUIRED, 3300 * S), ET_CACHE_MISS);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 3300 * S, &got), ET_CACHE_MISS);
  /* Unknown key: nothing to do. */
  assert_int_equal(et_cache_failed(&cache, &key_a, ET_E_TIMEOUT, 0), ET_CACHE_MISS);
  /* Invalidate (a 401, --force-refresh). */
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, NULL), ET_OK);
  et_cache_invalidate(&cache, &key_a);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1, &got), ET_CACHE_MISS);
}

static void keys_are_exact(void **state) {
  et_cached got;
  et_token t1 = token("one", 3600, ET_ABSENT), t2 = token("two", 3600, ET_ABSENT);
  et_cache_key b = key_a, f = key_a, ab = key_a;
  (void)state;
  setup_with(&exact, 8, 3);
  b.target = ET_STR("api://other/.default");
  f.flow = ET_CACHE_FLOW_REFRESH;
  /* Field boundaries count: "ab"+"c" is not "a"+"bc". */
  ab.tenant = ET_STR("contoso.onmicrosoft.co");
  ab.client_id = ET_STR("m11111111-2222-3333-4444-555555555555");
  assert_int_equal(et_cache_put(&cache, &key_a, &t1, 0, 0, NULL), ET_OK);
  assert_int_equal(et_cache_put(&cache, &b, &t2, 0, 0, NULL), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &f, 1, &got), ET_CACHE_MISS);
  assert_int_equal(et_cache_lookup(&cache, &ab, 1, &got), ET_CACHE_MISS);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 1, &got), ET_CACHE_FRESH);
  assert_true(et_str_eq(got.access_token, ET_STR("one")));
  assert_int_equal(et_cache_lookup(&cache, &b, 1, &got), ET_CACHE_FRESH);
  assert_true(et_str_eq(got.access_token, ET_STR("two")));
  /* A put for an existing key replaces it in place. */
  assert_int_equal(et_cache_put(&cache, &key_a, &t2, 2, 0, NULL), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 3, &got), ET_CACHE_FRESH);
  assert_true(et_str_eq(got.access_token, ET_STR("two")));
  assert_int_equal(slots[2].used, false);
}

static void eviction_and_space(void **state) {
  et_cache_key k[3] = { key_a, key_a, key_a };
  et_token t = token("tok", 3600, ET_ABSENT);
  et_cached got;
  char big[300];
  (void)state;
  setup_with(&exact, 9, 2);
  k[1].target = ET_STR("b");
  k[2].target = ET_STR("c");
  assert_int_equal(et_cache_put(&cache, &k[0], &t, 10, 0, NULL), ET_OK);
  assert_int_equal(et_cache_put(&cache, &k[1], &t, 20, 0, NULL), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &k[0], 30, &got), ET_CACHE_FRESH); /* k[1] is LRU */
  assert_int_equal(et_cache_put(&cache, &k[2], &t, 40, 0, NULL), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &k[1], 50, &got), ET_CACHE_MISS);
  assert_int_equal(et_cache_lookup(&cache, &k[0], 50, &got), ET_CACHE_FRESH);
  assert_int_equal(et_cache_lookup(&cache, &k[2], 50, &got), ET_CACHE_FRESH);
  /* Too large for any slot: refused, nothing evicted. */
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  t.access_token = et_str_from_cstr(big);
  assert_int_equal(et_cache_put(&cache, &k[1], &t, 60, 0, NULL), ET_E_NOSPACE);
  assert_int_equal(et_cache_lookup(&cache, &k[0], 60, &got), ET_CACHE_FRESH);
  et_cache_clear(&cache);
  assert_int_equal(et_cache_lookup(&cache, &k[0], 60, &got), ET_CACHE_MISS);
}

static void restore_across_runs(void **state) {
  et_cached got;
  (void)state;
  setup_with(&exact, 10, 1);
  assert_int_equal(et_cache_restore(&cache, &key_a, ET_STR("saved"), 500 * S, 2000 * S, 0,
                                    1700001500), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 600 * S, &got), ET_CACHE_FRESH);
  assert_true(et_str_eq(got.access_token, ET_STR("saved")));
  assert_int_equal(got.expires_on, 1700001500);
  assert_true(got.refresh_ms <= 1700 * S); /* 1500 s left: floor 300 s */
  assert_int_equal(et_cache_restore(&cache, &key_a, ET_STR("saved"), 500 * S, 800 * S,
                                    700 * S, 0), ET_OK);
  assert_int_equal(et_cache_lookup(&cache, &key_a, 700 * S, &got), ET_CACHE_DUE);
  assert_int_equal(et_cache_restore(&cache, &key_a, ET_STR("old"), 500 * S, 500 * S, 0, 0),
                   ET_E_INPUT);
}

static void bad_arguments(void **state) {
  uint8_t seed[16] = { 0 };
  et_token t = token("tok", 3600, ET_ABSENT);
  et_cache_key k = key_a;
  et_cached got;
  (void)state;
  assert_int_equal(et_cache_init(NULL, slots, 1, NULL, seed), ET_E_ARG);
  assert_int_equal(et_cache_init(&cache, slots, 0, NULL, seed), ET_E_ARG);
  slots[0].buf = NULL;
  assert_int_equal(et_cache_init(&cache, slots, 1, NULL, seed), ET_E_ARG);
  setup_with(NULL, 11, 1);
  k.target = ET_STR_NULL;
  assert_int_equal(et_cache_put(&cache, &k, &t, 0, 0, NULL), ET_E_ARG);
  assert_int_equal(et_cache_lookup(&cache, &k, 0, &got), ET_CACHE_MISS);
  assert_int_equal(et_cache_put(&cache, &key_a, NULL, 0, 0, NULL), ET_E_ARG);
  t.access_token = ET_STR_NULL;
  assert_int_equal(et_cache_put(&cache, &key_a, &t, 0, 0, NULL), ET_E_ARG);
  assert_int_equal(et_cache_lookup(NULL, &key_a, 0, &got), ET_CACHE_MISS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(miss_put_serve_expire),
    cmocka_unit_test(refresh_in_wins),
    cmocka_unit_test(floor_and_short_lifetimes),
    cmocka_unit_test(lifetime_from_expires_on),
    cmocka_unit_test(wall_clock_plays_no_part),
    cmocka_unit_test(jitter_spreads_a_fleet),
    cmocka_unit_test(transient_failure_keeps_serving),
    cmocka_unit_test(permanent_failure_drops),
    cmocka_unit_test(keys_are_exact),
    cmocka_unit_test(eviction_and_space),
    cmocka_unit_test(restore_across_runs),
    cmocka_unit_test(bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
