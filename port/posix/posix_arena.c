/* SPDX-License-Identifier: MIT */
/* Zero-heap builds (ET_ZERO_HEAP, see mk/device.mk): mbedTLS draws every
 * allocation from this static arena instead of the C heap. Other builds
 * leave this file empty and mbedTLS uses calloc/free. */
#if defined(ET_ZERO_HEAP)
#include "px_internal.h"

#include <mbedtls/memory_buffer_alloc.h>
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#ifndef ET_ZERO_HEAP_ARENA
/* The CLI may load the whole system CA bundle (about 140 certificates,
 * ~2 KB each parsed); one token with a single trust anchor needs far less
 * (see make zero-heap-test). */
#define ET_ZERO_HEAP_ARENA (1024u * 1024u)
#endif

/* mbedTLS 2.28's block header: 8 words (no MBEDTLS_MEMORY_BACKTRACE). */
#define ET_ARENA_HEADER_BYTES (8u * sizeof(size_t))

static unsigned char px_arena[ET_ZERO_HEAP_ARENA];
static bool px_arena_ready;
static unsigned px_arena_users; /* et_posix initialised and not yet freed */

/* Once per process: the arena is global to mbedTLS, and several et_posix may
 * live at the same time. */
void px_arena_init(void) {
  if (px_arena_ready)
    return;
  mbedtls_memory_buffer_alloc_init(px_arena, sizeof px_arena);
  px_arena_ready = true;
}

void px_arena_hold(void) {
  px_arena_users++;
}

void px_arena_report(et_posix *px, bool held) {
  /* PSA (mbedTLS 3.x) is process-wide and outlives et_mbedtls_free; once
   * the last et_posix is gone nothing uses it, and stopping it leaves in
   * the arena only what really leaked. */
  if (held && px_arena_users > 0 && --px_arena_users == 0) {
#if defined(MBEDTLS_PSA_CRYPTO_C)
    mbedtls_psa_crypto_free();
#endif
  }
#if defined(MBEDTLS_MEMORY_DEBUG)
  size_t used, blocks, max_used, max_blocks;
  mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
  mbedtls_memory_buffer_alloc_max_get(&max_used, &max_blocks);
  px_logf(px, ET_LOG_DEBUG,
          "mbedTLS arena: high-water %zu bytes in %zu blocks (with block headers at most %zu) "
          "of %zu; %zu bytes in %zu blocks still in use",
          max_used, max_blocks, max_used + max_blocks * (size_t)ET_ARENA_HEADER_BYTES,
          sizeof px_arena, used, blocks);
#else
  (void)px;
#endif
}
#endif
