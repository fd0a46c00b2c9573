/* SPDX-License-Identifier: MIT */
/* Fleet simulation: N devices boot within a minute and keep an access
 * token for days, against one identity provider that throttles (429 with
 * Retry-After above a request rate) and goes away for hours, while some
 * devices lose their own link. Deterministic: fake clocks, one event
 * queue, no sockets. Every decision a device makes is the library's own
 * code from libedgetoken.a:
 *   - et_cache_lookup / et_cache_put / et_cache_failed (cache.c): when to
 *     refresh ahead (refresh_in, the jitter drawn from the device's seed),
 *     whether a token is still served, the backoff after a failed refresh;
 *   - et_retry_decide (retry.c): an engine's retries inside one token
 *     request (3 attempts, backoff with jitter, Retry-After);
 *   - et_backoff_ms (retry.c): the application's wait after a request gave
 *     up while it holds no token (what a firmware loop would do).
 * The provider answers are simulated: 200 with expires_in 3599..5399 and
 * refresh_in half of it (Entra's 60-90 min), 429 + Retry-After when more
 * than --limit requests arrive within one second, nothing (connect
 * failure) during an outage.
 *
 * Both runs (refresh-ahead jitter on, and off) go in one invocation:
 * "off" is the cache's least jitter (jitter_permille 1, at most 0.1 % of
 * the refresh lead, under 3 s; 0 means the default) and no retry jitter.
 *
 *   fleet_sim [--devices N] [--days D] [--limit R] [--retry-after S]
 *             [--life MIN:MAX] [--seed X] [--csv FILE] [--check]
 *
 * Defaults: 100,000 devices, 7 days, a limit of 1 % of the fleet per
 * second, Retry-After 2 s, lifetimes 3599:5399. Prints a summary per run
 * (and --check: TAP assertions on it); --csv writes one row per minute for
 * plotting (tests/fleet/fleet.gp). docs/fleet.md has the figures. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_cache.h"
#include "edgetoken/et_retry.h"

#define MS 1000u
#define LINK_PERMILLE 100u       /* devices that lose their own link once */
#define LINK_MIN_S (10u * 60u)
#define LINK_MAX_S (12u * 3600u)
#define N_IDP_OUTAGES 2
/* Boot and the end of an outage: every device without a token asks (the
 * retry backoff caps at 1024 s + a quarter): not steady state. */
#define RECOVERY_S (30u * 60u)

typedef struct window {
  uint64_t start_ms, end_ms;
} window;

typedef struct device {
  et_cache cache;
  et_cache_slot slot;
  uint8_t mem[160];        /* the key (110 bytes) and the token */
  uint64_t rng;
  uint64_t serve_end;      /* ms: the token is served until then */
  uint64_t gap_start;      /* ms + 1 while it holds no token (0: holds one) */
  window link;             /* its own link outage (end 0: none) */
  uint32_t app_fails;      /* failed requests in a row without a token */
  uint8_t attempt;         /* attempt in progress (0: idle) */
  bool had_token;
  bool lacked_in_outage, lacked_outside;
} device;

typedef struct config {
  uint32_t devices, days, limit, retry_after_s;
  uint32_t life_min_s, life_max_s; /* expires_in drawn from this range */
  uint64_t seed;
  window idp[N_IDP_OUTAGES];
} config;

typedef struct stats {
  uint32_t *offered;       /* per second: requests that reached the provider */
  uint32_t *issued;        /* ... that got a token */
  int32_t *lacking_delta;  /* per second: devices starting (+) / ending a gap */
  uint64_t secs;
  uint64_t requests, tokens, throttled, unreachable, throttled_boot;
  uint32_t boot_over_until_s;          /* last boot second above the limit */
  uint32_t peak, peak_s;
  uint32_t peak_steady, peak_steady_s; /* outside boot and outage recoveries */
  uint32_t over_limit_steady;          /* seconds above the limit there */
  uint64_t first_token_max_ms;
  uint32_t lacked_in_outage, lacked_outside;
  uint32_t lost_in_short;              /* tokens run out in the short outage */
  uint64_t worst_gap_ms, worst_uncovered_ms; /* uncovered: outside outages */
  double outage_hours;                 /* device-hours of outage (IdP, link) */
  uint64_t blips;                      /* gaps of no time (gap_end) */
  uint64_t events, cache_mismatch;
} stats;

static const et_cache_key g_key = {
  ET_STR("https://login.microsoftonline.com"), ET_STR("contoso.onmicrosoft.com"),
  ET_STR("fleet-device"), ET_CACHE_FLOW_CLIENT_CREDENTIALS,
  ET_STR("https://energy.azure.com/.default")
};

/* splitmix64: the simulation's own randomness (boot times, lifetimes,
 * link outages, jitter inputs), separate from the caches' generators. */
static uint64_t mix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static uint64_t uniform(uint64_t *s, uint64_t lo, uint64_t hi) {
  return lo + mix(s) % (hi - lo + 1u);
}

/* The event queue: one bucket per second of a ring longer than any wait
 * (a refresh is due within a token's life, at most a day), each sorted
 * when its second comes; an event is (time_ms << 24 | device), one pending
 * per device, ties to the lower device number: deterministic. */
#define RING_S (1u << 17)

typedef struct bucket {
  uint64_t *v;
  uint32_t n, cap;
} bucket;

typedef struct queue {
  bucket *b;               /* RING_S buckets */
  uint64_t cur_s;          /* the second being run */
  uint32_t pos;            /* the event being run in it */
} queue;

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

static void q_push(queue *q, uint64_t t_ms, uint32_t dev) {
  uint64_t x = t_ms << 24 | dev, s = t_ms / MS;
  bucket *b = &q->b[s % RING_S];
  uint32_t i;
  if (s < q->cur_s || s - q->cur_s >= RING_S) {
    fputs("fleet_sim: event beyond the queue's ring\n", stderr);
    exit(2);
  }
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 16;
    b->v = realloc(b->v, b->cap * sizeof *b->v);
    if (b->v == NULL) {
      fputs("fleet_sim: out of memory\n", stderr);
      exit(2);
    }
  }
  i = b->n++;
  /* Into the second being run: keep its rest sorted (rare: waits are
   * a second or more). */
  if (s == q->cur_s)
    for (; i > q->pos + 1 && b->v[i - 1] > x; i--)
      b->v[i] = b->v[i - 1];
  b->v[i] = x;
}

static bool in_window(const window *w, uint64_t t) { return t >= w->start_ms && t < w->end_ms; }

static bool idp_down(const config *cf, uint64_t t) {
  for (int i = 0; i < N_IDP_OUTAGES; i++)
    if (in_window(&cf->idp[i], t))
      return true;
  return false;
}

/* The longest stretch of [a, b) that no outage affecting d covers: how
 * long d went without a token while it could have got one. */
static uint64_t uncovered(const config *cf, const device *d, uint64_t a, uint64_t b) {
  window w[N_IDP_OUTAGES + 1];
  uint64_t longest = 0, from = a;
  size_t n = 0;
  for (int i = 0; i < N_IDP_OUTAGES; i++)
    w[n++] = cf->idp[i];
  if (d->link.end_ms != 0)
    w[n++] = d->link;
  /* Sort by start (three at most), then walk the stretches between. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && w[j].start_ms < w[j - 1].start_ms; j--) {
      window t = w[j];
      w[j] = w[j - 1];
      w[j - 1] = t;
    }
  for (size_t i = 0; i < n && from < b; i++) {
    if (w[i].end_ms <= from)
      continue;
    if (w[i].start_ms > from) {
      uint64_t e = w[i].start_ms < b ? w[i].start_ms : b;
      if (e - from > longest)
        longest = e - from;
    }
    if (w[i].end_ms > from)
      from = w[i].end_ms;
  }
  if (from < b && b - from > longest)
    longest = b - from;
  return longest;
}

static bool affected(const config *cf, const device *d, uint64_t t) {
  return idp_down(cf, t) || (d->link.end_ms != 0 && in_window(&d->link, t));
}

static void lacking(stats *st, uint64_t t_ms, int delta) {
  uint64_t s = t_ms / MS;
  if (s < st->secs)
    st->lacking_delta[s] += delta;
}

/* d had no token over [gs, end). */
static void gap_count(const config *cf, stats *st, device *d, uint64_t gs, uint64_t end) {
  uint64_t unc;
  if (end == gs) {
    st->blips++;
    return;
  }
  unc = uncovered(cf, d, gs, end);
  if (in_window(&cf->idp[0], gs) && !(d->link.end_ms != 0 && in_window(&d->link, gs)))
    st->lost_in_short++;
  if (affected(cf, d, gs))
    d->lacked_in_outage = true;
  else
    d->lacked_outside = true;
  if (end - gs > st->worst_gap_ms)
    st->worst_gap_ms = end - gs;
  if (unc > st->worst_uncovered_ms)
    st->worst_uncovered_ms = unc;
}

/* A gap (no token served) ends at now: count it. A gap of no time is a
 * refresh the cache left to the moment the token stopped being served
 * (et_cache_failed's backoff runs to the serve end): the request that
 * follows gets a token at once here, on a real link after its latency. */
static void gap_end(const config *cf, stats *st, device *d, uint64_t now) {
  uint64_t gs = d->gap_start - 1, len = now - gs;
  d->gap_start = 0;
  lacking(st, now, -1);
  if (!d->had_token) {
    if (len > st->first_token_max_ms)
      st->first_token_max_ms = len;
    return;
  }
  gap_count(cf, st, d, gs, now);
}

/* The token served until d->serve_end is gone (the cache said MISS at
 * now): a gap began at serve_end, or now if the cache dropped it early. */
static void token_lost(stats *st, device *d, uint64_t now) {
  uint64_t gs = d->serve_end;
  if (d->gap_start != 0 || !d->had_token)
    return;
  if (now < gs) {
    st->cache_mismatch++;
    gs = now;
  }
  d->gap_start = gs + 1;
  lacking(st, gs, +1);
}

typedef struct answer {
  et_err err;
  int status;
} answer;

/* What the provider does with one request from d at now. */
static answer provide(const config *cf, stats *st, const device *d, uint64_t now) {
  answer a = { ET_OK, 200 };
  uint64_t s = now / MS;
  if ((d->link.end_ms != 0 && in_window(&d->link, now)) || idp_down(cf, now)) {
    a.err = ET_E_CONNECT;
    a.status = 0;
    st->unreachable++;
    return a;
  }
  st->requests++;
  if (s < st->secs && ++st->offered[s] > cf->limit) {
    st->throttled++;
    if (s < RECOVERY_S)
      st->throttled_boot++;
    a.status = 429;
    return a;
  }
  st->tokens++;
  if (s < st->secs)
    st->issued[s]++;
  return a;
}

/* One attempt of d's token request at now; returns when d wakes next. */
static uint64_t attempt(const config *cf, stats *st, device *d, uint64_t *prov_rng, bool jitter,
                        uint64_t now) {
  answer an = provide(cf, st, d, now);
  et_attempt at;
  uint32_t delay = 0;
  et_retry r;
  et_err err;
  et_cached got;

  if (an.err == ET_OK && an.status == 200) {
    et_token t;
    uint32_t life = (uint32_t)uniform(prov_rng, cf->life_min_s, cf->life_max_s);
    memset(&t, 0, sizeof t);
    t.access_token = ET_STR("eyJ0eXAiOiJKV1QifQ.sim.sig");
    t.expires_in = life;
    t.refresh_in = life / 2;
    t.expires_on = t.ext_expires_in = t.not_before = ET_ABSENT;
    if (et_cache_put(&d->cache, &g_key, &t, now, 0, &got) != ET_OK) {
      fputs("fleet_sim: et_cache_put failed\n", stderr);
      exit(2);
    }
    /* cache.c serves a token until min_valid_s (30 s) before expiry, a
     * quarter of a short lifetime at most; checked at every lookup. */
    d->serve_end = got.expires_ms - ET_CACHE_MIN_VALID_S * MS;
    if (d->gap_start != 0)
      gap_end(cf, st, d, now);
    d->had_token = true;
    d->attempt = 0;
    d->app_fails = 0;
    return got.refresh_ms;
  }
  memset(&at, 0, sizeof at);
  at.n = d->attempt;
  at.err = an.err;
  at.status = an.status;
  at.sent = an.err == ET_OK;
  at.replayable = true; /* client credentials: safe to resend */
  at.has_retry_after = an.status == 429;
  at.retry_after_s = cf->retry_after_s;
  at.jitter = jitter ? (uint16_t)mix(&d->rng) : 0;
  r = et_retry_decide(&at, &delay);
  if (r == ET_RETRY_AFTER) {
    d->attempt++;
    return now + delay;
  }
  /* The engine gave up: the flow's error, as engine.c's judge makes it. */
  err = r == ET_RETRY_THROTTLED ? ET_E_THROTTLED : an.err != ET_OK ? an.err : ET_E_SERVER;
  d->attempt = 0;
  if (d->gap_start == 0 && d->had_token) {
    /* It held a token when it asked (DUE): the cache keeps serving it and
     * says when to try again, or drops it when it ran out meanwhile. */
    if (et_cache_failed(&d->cache, &g_key, err, now) != ET_CACHE_MISS &&
        et_cache_lookup(&d->cache, &g_key, now, &got) != ET_CACHE_MISS) {
      if (now >= d->serve_end)
        st->cache_mismatch++;
      return got.refresh_ms;
    }
    token_lost(st, d, now);
  }
  /* No token: the application waits as the retry policy's backoff says,
   * never less than the server's Retry-After. */
  d->app_fails++;
  delay = et_backoff_ms(d->app_fails, jitter ? (uint16_t)mix(&d->rng) : 0);
  if (an.status == 429 && delay < cf->retry_after_s * MS)
    delay = cf->retry_after_s * MS;
  return now + delay;
}

/* d wakes at now: an attempt in progress goes on; otherwise the cache
 * says whether to ask for a token. */
static uint64_t wake(const config *cf, stats *st, device *d, uint64_t *prov_rng, bool jitter,
                     uint64_t now) {
  et_cached got;
  et_cache_state s;
  if (d->attempt == 0) {
    s = et_cache_lookup(&d->cache, &g_key, now, &got);
    if (s == ET_CACHE_MISS)
      token_lost(st, d, now);
    else if (now >= d->serve_end)
      st->cache_mismatch++;
    if (s == ET_CACHE_FRESH)
      return got.refresh_ms;
    d->attempt = 1;
  }
  return attempt(cf, st, d, prov_rng, jitter, now);
}

static bool in_recovery(const config *cf, uint64_t s) {
  if (s < RECOVERY_S)
    return true; /* the boot */
  for (int i = 0; i < N_IDP_OUTAGES; i++)
    if (s * MS >= cf->idp[i].start_ms && s * MS < cf->idp[i].end_ms + RECOVERY_S * MS)
      return true;
  return false;
}

/* The devices are tens of megabytes, visited in time order: fetch the
 * next ones' memory while this one runs (a miss each otherwise). */
#define PREFETCH_AHEAD 8u
static void prefetch(const device *d) {
#ifdef __GNUC__
  for (size_t off = 0; off < sizeof *d; off += 64)
    __builtin_prefetch((const char *)d + off);
#else
  (void)d;
#endif
}

static void run(const config *cf, device *devs, queue *q, stats *st, bool jitter) {
  uint64_t prov_rng = cf->seed ^ 0x70726f76u;
  uint64_t end_ms = st->secs * MS;
  et_cache_policy pol;
  memset(&pol, 0, sizeof pol);
  pol.jitter_permille = jitter ? 0 : 1; /* 0: the default (500) */
  q->cur_s = 0;
  q->pos = 0;
  for (uint32_t i = 0; i < cf->devices; i++) {
    device *d = &devs[i];
    uint8_t seed[16];
    uint64_t boot, a, b;
    memset(d, 0, sizeof *d);
    d->rng = cf->seed * 0x100000001b3u + i;
    a = mix(&d->rng);
    b = mix(&d->rng);
    memcpy(seed, &a, 8);
    memcpy(seed + 8, &b, 8);
    d->slot.buf = d->mem;
    d->slot.cap = sizeof d->mem;
    if (et_cache_init(&d->cache, &d->slot, 1, &pol, seed) != ET_OK) {
      fputs("fleet_sim: et_cache_init failed\n", stderr);
      exit(2);
    }
    boot = uniform(&d->rng, 0, 60u * MS - 1u);
    if (mix(&d->rng) % 1000u < LINK_PERMILLE) {
      d->link.start_ms = uniform(&d->rng, 3600u * MS, end_ms);
      d->link.end_ms = d->link.start_ms + uniform(&d->rng, LINK_MIN_S, LINK_MAX_S) * MS;
    }
    for (int k = 0; k < N_IDP_OUTAGES; k++)
      st->outage_hours += (double)(cf->idp[k].end_ms - cf->idp[k].start_ms) / 3600000.0;
    if (d->link.end_ms != 0)
      st->outage_hours += (double)((d->link.end_ms < end_ms ? d->link.end_ms : end_ms) -
                                   d->link.start_ms) / 3600000.0;
    d->gap_start = boot + 1; /* no token yet: time to the first one */
    lacking(st, boot, +1);
    q_push(q, boot, i);
  }
  for (; q->cur_s < st->secs; q->cur_s++) {
    bucket *b = &q->b[q->cur_s % RING_S];
    if (b->n > 1)
      qsort(b->v, b->n, sizeof *b->v, cmp_u64);
    for (q->pos = 0; q->pos < b->n; q->pos++) {
      uint64_t e = b->v[q->pos], now = e >> 24, next;
      if (q->pos + PREFETCH_AHEAD < b->n)
        prefetch(&devs[b->v[q->pos + PREFETCH_AHEAD] & 0xffffffu]);
      uint32_t i = (uint32_t)(e & 0xffffffu);
      st->events++;
      next = wake(cf, st, &devs[i], &prov_rng, jitter, now);
      q_push(q, next > now ? next : now + 1, i);
    }
    b->n = 0;
  }
  for (uint64_t k = 0; k < RING_S; k++)
    q->b[k].n = 0; /* events past the end */
  for (uint32_t i = 0; i < cf->devices; i++) {
    /* Still without a token at the end: count the gap so far. */
    if (devs[i].gap_start != 0 && devs[i].had_token)
      gap_count(cf, st, &devs[i], devs[i].gap_start - 1, end_ms);
    st->lacked_in_outage += devs[i].lacked_in_outage;
    st->lacked_outside += devs[i].lacked_outside;
  }
  for (uint64_t s = 0; s < st->secs; s++) {
    uint32_t o = st->offered[s];
    if (o > st->peak) {
      st->peak = o;
      st->peak_s = (uint32_t)s;
    }
    if (s < RECOVERY_S && o > cf->limit)
      st->boot_over_until_s = (uint32_t)s + 1u;
    if (!in_recovery(cf, s)) {
      if (o > st->peak_steady) {
        st->peak_steady = o;
        st->peak_steady_s = (uint32_t)s;
      }
      if (o > cf->limit)
        st->over_limit_steady++;
    }
  }
}

static void *alloc(size_t n, size_t size) {
  void *p = calloc(n, size);
  if (p == NULL) {
    fputs("fleet_sim: out of memory\n", stderr);
    exit(2);
  }
  return p;
}

static void stats_alloc(stats *st, uint64_t secs) {
  memset(st, 0, sizeof *st);
  st->secs = secs;
  st->offered = alloc(secs, sizeof *st->offered);
  st->issued = alloc(secs, sizeof *st->issued);
  st->lacking_delta = alloc(secs + 1, sizeof *st->lacking_delta);
}

static void stats_free(stats *st) {
  free(st->offered);
  free(st->issued);
  free(st->lacking_delta);
}

static void summary(const config *cf, const stats *st, const char *name) {
  printf("%s: requests %" PRIu64 " (tokens %" PRIu64 ", 429 %" PRIu64 "), "
         "unreachable attempts %" PRIu64 " (%.1f per device-hour of outage), events %" PRIu64 "\n",
         name, st->requests, st->tokens, st->throttled, st->unreachable,
         (double)st->unreachable / st->outage_hours, st->events);
  printf("%s: peak %u req/s at %u s; mean %.1f req/s; steady peak %u req/s at %u s, "
         "%u s over the limit %u\n",
         name, st->peak, st->peak_s, (double)st->requests / (double)st->secs, st->peak_steady,
         st->peak_steady_s, st->over_limit_steady, cf->limit);
  printf("%s: boot: %.1f 429s per device, above the limit until %u s; %" PRIu64
         " refreshes left to the serve end (no time without a token here)\n",
         name, (double)st->throttled_boot / cf->devices, st->boot_over_until_s, st->blips);
  printf("%s: the 30-minute outage: %u tokens ran out in it\n", name, st->lost_in_short);
  printf("%s: first token within %.1f s of boot (worst); devices that lacked a token after "
         "it: %u during outages, %u outside; worst gap %.1f min, worst part outside outages "
         "%.1f min\n",
         name, (double)st->first_token_max_ms / 1000.0, st->lacked_in_outage,
         st->lacked_outside, (double)st->worst_gap_ms / 60000.0,
         (double)st->worst_uncovered_ms / 60000.0);
}

/* One row per minute: peak and mean req/s at the provider, tokens issued,
 * most devices without a token, for both runs. */
static int write_csv(const char *path, const stats *on, const stats *off) {
  FILE *f = fopen(path, "w");
  int64_t lack[2] = { 0, 0 };
  const stats *r[2] = { on, off };
  if (f == NULL) {
    perror(path);
    return -1;
  }
  fputs("minute,peak_jitter,mean_jitter,issued_jitter,lacking_jitter,"
        "peak_nojitter,mean_nojitter,issued_nojitter,lacking_nojitter\n", f);
  for (uint64_t m = 0; m * 60u < on->secs; m++) {
    fprintf(f, "%" PRIu64, m);
    for (int k = 0; k < 2; k++) {
      uint32_t peak = 0;
      uint64_t sum = 0, iss = 0;
      int64_t most = lack[k];
      for (uint64_t s = m * 60u; s < (m + 1) * 60u && s < r[k]->secs; s++) {
        if (r[k]->offered[s] > peak)
          peak = r[k]->offered[s];
        sum += r[k]->offered[s];
        iss += r[k]->issued[s];
        lack[k] += r[k]->lacking_delta[s];
        if (lack[k] > most)
          most = lack[k];
      }
      fprintf(f, ",%u,%.2f,%" PRIu64 ",%" PRId64, peak, (double)sum / 60.0, iss, most);
    }
    fputc('\n', f);
  }
  return fclose(f) == 0 ? 0 : -1;
}

static int tap_n;
static int tap_failed;

static void ok(bool pass, const char *what) {
  printf("%s %d - %s\n", pass ? "ok" : "not ok", ++tap_n, what);
  if (!pass)
    tap_failed++;
}

/* The properties that must hold; each fails when the cache's jitter, its
 * serving on through failures or the retry backoff is broken. */
static void check(const config *cf, const stats *on, const stats *off) {
  char t[240];
  double mean = (double)on->requests / (double)on->secs;
  /* Independent arrivals (Poisson) at the mean rate stay under this. */
  double random_peak = mean + 8.0 * sqrt(mean) + 4.0;
  double per_hour = (double)on->unreachable / on->outage_hours;
  printf("1..10\n");
  ok(on->cache_mismatch == 0 && off->cache_mismatch == 0,
     "the cache serves a token exactly until 30 s before its expiry");
  snprintf(t, sizeof t,
           "jitter: steady peak %u req/s is no more than random arrivals at the mean %.1f give "
           "(%.0f)", on->peak_steady, mean, random_peak);
  ok(on->peak_steady < random_peak, t);
  snprintf(t, sizeof t, "jitter: steady peak %u req/s is under 1/3 of the unjittered %u",
           on->peak_steady, off->peak_steady);
  ok(on->peak_steady * 3u < off->peak_steady, t);
  snprintf(t, sizeof t, "no device lacked a token outside outages (%u with jitter, %u without)",
           on->lacked_outside, off->lacked_outside);
  ok(on->lacked_outside == 0 && off->lacked_outside == 0, t);
  snprintf(t, sizeof t, "tokens ran out during outages (%u devices): the test has teeth",
           on->lacked_in_outage);
  ok(on->lacked_in_outage > 0, t);
  snprintf(t, sizeof t,
           "after an outage every device has a token again within 25 min (worst %.1f min)",
           (double)on->worst_uncovered_ms / 60000.0);
  ok(on->worst_uncovered_ms <= 25u * 60u * MS, t);
  snprintf(t, sizeof t,
           "boot: throttled devices back off: %.1f 429s per device (< 10), above the limit %u "
           "only until %u s", (double)on->throttled_boot / cf->devices, cf->limit,
           on->boot_over_until_s);
  ok(on->throttled_boot > 0 && on->throttled_boot < 10u * (uint64_t)cf->devices &&
         on->boot_over_until_s <= 60u + 2u * cf->devices / cf->limit, t);
  snprintf(t, sizeof t,
           "jitter: no second above the provider's limit %u outside boot and recoveries (%u; "
           "%u unjittered)", cf->limit, on->over_limit_steady, off->over_limit_steady);
  ok(on->over_limit_steady == 0, t);
  snprintf(t, sizeof t,
           "outages: devices back off to %.1f attempts per device-hour of outage (< 30)",
           per_hour);
  ok(per_hour < 30.0, t);
  snprintf(t, sizeof t,
           "the 30-minute outage is ridden out on cached tokens: %u of %u devices ran out "
           "(< 1 %%)", on->lost_in_short, cf->devices);
  ok(on->lost_in_short * 100u < cf->devices, t);
}

static uint32_t num(const char *s, uint32_t lo, uint32_t hi, const char *name) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr, "fleet_sim: %s must be %u..%u\n", name, lo, hi);
    exit(1);
  }
  return (uint32_t)v;
}

int main(int argc, char **argv) {
  config cf;
  const char *csv = NULL;
  bool do_check = false;
  device *devs;
  queue q;
  stats on, off;
  uint64_t secs;

  memset(&cf, 0, sizeof cf);
  cf.devices = 100000;
  cf.days = 7;
  cf.limit = 0;
  cf.retry_after_s = 2;
  cf.seed = 1;
  cf.life_min_s = 3599; /* Entra: 60-90 minutes */
  cf.life_max_s = 5399;
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(argv[i], "--devices"))
      cf.devices = num(v, 1, 0xffffff, "--devices"), i++;
    else if (!strcmp(argv[i], "--days"))
      cf.days = num(v, 1, 30, "--days"), i++;
    else if (!strcmp(argv[i], "--limit"))
      cf.limit = num(v, 1, 1000000, "--limit"), i++;
    else if (!strcmp(argv[i], "--retry-after"))
      cf.retry_after_s = num(v, 1, 3600, "--retry-after"), i++;
    else if (!strcmp(argv[i], "--seed"))
      cf.seed = num(v, 0, 0xffffffffu, "--seed"), i++;
    else if (!strcmp(argv[i], "--life")) {
      const char *colon = strchr(v, ':');
      char lo[16];
      if (colon == NULL || (size_t)(colon - v) >= sizeof lo) {
        fputs("fleet_sim: --life MIN:MAX (seconds)\n", stderr);
        return 1;
      }
      memcpy(lo, v, (size_t)(colon - v));
      lo[colon - v] = '\0';
      cf.life_min_s = num(lo, 600, 86400, "--life MIN");
      cf.life_max_s = num(colon + 1, cf.life_min_s, 86400, "--life MAX");
      i++;
    } else if (!strcmp(argv[i], "--csv"))
      csv = v, i++;
    else if (!strcmp(argv[i], "--check"))
      do_check = true;
    else {
      fputs("usage: fleet_sim [--devices N] [--days D] [--limit REQ_PER_S] "
            "[--retry-after S] [--life MIN:MAX] [--seed X] [--csv FILE] [--check]\n", stderr);
      return 1;
    }
  }
  if (cf.limit == 0)
    cf.limit = cf.devices / 100u > 10u ? cf.devices / 100u : 10u; /* 1 % of the fleet per s */
  secs = (uint64_t)cf.days * 86400u;
  /* A short outage the cached tokens ride out, and one longer than any
   * token's life, at fixed points of the run. */
  cf.idp[0].start_ms = secs * 3u / 10u * MS;
  cf.idp[0].end_ms = cf.idp[0].start_ms + 30u * 60u * MS;
  cf.idp[1].start_ms = secs * 55u / 100u * MS;
  cf.idp[1].end_ms = cf.idp[1].start_ms + 4u * 3600u * MS;

  printf("fleet: %u devices booting within 60 s, %u days; expires_in %u..%u s; "
         "provider limit %u req/s "
         "(429, Retry-After %u s); outages %.1f h+30 min and %.1f h+4 h; "
         "%u permille of devices lose their link once (10 min-12 h)\n",
         cf.devices, cf.days, cf.life_min_s, cf.life_max_s, cf.limit, cf.retry_after_s,
         (double)cf.idp[0].start_ms / 3600000.0, (double)cf.idp[1].start_ms / 3600000.0,
         LINK_PERMILLE);
  devs = alloc(cf.devices, sizeof *devs);
  q.b = alloc(RING_S, sizeof *q.b);
  stats_alloc(&on, secs);
  stats_alloc(&off, secs);
  run(&cf, devs, &q, &on, true);
  summary(&cf, &on, "jitter");
  run(&cf, devs, &q, &off, false);
  summary(&cf, &off, "no jitter");
  if (csv != NULL && write_csv(csv, &on, &off) != 0)
    return 2;
  if (do_check)
    check(&cf, &on, &off);
  stats_free(&on);
  stats_free(&off);
  free(devs);
  for (uint32_t k = 0; k < RING_S; k++)
    free(q.b[k].v);
  free(q.b);
  return tap_failed > 0 ? 2 : 0;
}
