/* SPDX-License-Identifier: MIT */
/* Private glue between the files of the POSIX port (prefix px_). Not
 * installed; applications include edgetoken/et_posix.h only. */
#ifndef EDGETOKEN_PX_INTERNAL_H
#define EDGETOKEN_PX_INTERNAL_H

#include "edgetoken/et_posix.h"

#if defined(__GNUC__) || defined(__clang__)
#define PX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PX_PRINTF(f, a)
#endif

/* posix_log.c: a printf-style failure detail into px->diag (also logged at
 * debug), returning e; a printf-style log line; the log, cancelled and
 * detail hooks. */
et_err px_fail(et_posix *px, et_err e, const char *fmt, ...) PX_PRINTF(3, 4);
void px_logf(et_posix *px, et_level lvl, const char *fmt, ...) PX_PRINTF(3, 4);
void px_log(void *ctx, et_level lvl, const char *msg, size_t n);
bool px_cancelled(void *ctx);
const char *px_detail(void *ctx);

/* posix_clock.c */
uint64_t px_mono_ms(void *ctx);
int64_t px_unix_s(void *ctx);
void px_sleep_ms(void *ctx, uint32_t ms);

/* posix_random.c: getrandom(2), whole buffer or ET_E_RANDOM. */
et_err px_random(void *ctx, uint8_t *p, size_t n);

/* posix_sockets.c: the C library's sockets for et_sockets. */
extern const et_sock_api px_socket_api;

/* posix_store.c: at et_posix_init, leftover temp files of dead writers
 * (older than a minute, any key) removed from a trusted store directory. */
void px_store_startup(et_posix *px);
/* posix_store.c: et_posix_store in px->store_dir. */
et_err px_store(void *ctx, et_store_op op, const char *key, uint8_t *buf,
                size_t cap, size_t *len);

/* posix_sessions.c: TLS sessions in the store under px->session_key:
 * loaded once (failures only logged), saved when mbedTLS has new ones. */
et_err px_sessions_load(et_posix *px);
void px_sessions_changed(void *ctx);

/* posix_arena.c: zero-heap builds give mbedTLS a static arena (once per
 * process), count the et_posix a successful init holds, and log the
 * arena's high-water mark at debug level on et_posix_free (held: px was
 * initialised; the last one also stops PSA, so what is left has leaked). */
#if defined(ET_ZERO_HEAP)
void px_arena_init(void);
void px_arena_hold(void);
void px_arena_report(et_posix *px, bool held);
#else
#define px_arena_init() ((void)0)
#define px_arena_hold() ((void)0)
#define px_arena_report(px, held) ((void)(px), (void)(held))
#endif

#endif
