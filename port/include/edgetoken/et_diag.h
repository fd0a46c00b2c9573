/* SPDX-License-Identifier: MIT */
/* Diagnostics the port modules share: the text of the last failure (what
 * et_port's detail hook returns) and a filtered log sink. One et_diag is
 * lent to every layer of a port (transport, TLS, files), so the last
 * failure is the one shown, whichever layer it came from.
 *
 * No printf: messages are built from string pieces, so a device image does
 * not link the C library's formatter (newlib's pulls in its allocator). */
#ifndef EDGETOKEN_ET_DIAG_H
#define EDGETOKEN_ET_DIAG_H

#include "edgetoken/et_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ET_DIAG_PIECES __attribute__((sentinel))
#else
#define ET_DIAG_PIECES
#endif

/* Longest failure text kept, its NUL included; longer ones are cut. */
#define ET_DIAG_TEXT_MAX 256
/* Room for et_diag_uint / et_diag_hex: ten digits and a NUL. */
#define ET_DIAG_NUM_MAX 12

typedef struct et_diag {
  char text[ET_DIAG_TEXT_MAX]; /* the last failure for humans; "" if none */
  et_level level;              /* messages with level <= this are logged; 0: none */
  /* Where log lines go; NULL drops them. Never given secrets. */
  void (*sink)(void *sink_ctx, et_level lvl, const char *msg, size_t n);
  void *sink_ctx;
} et_diag;

/* Forget the last failure (text = ""). d may be NULL (no diagnostics). */
void et_diag_clear(et_diag *d);

/* Set the failure text to the concatenation of the pieces up to the NULL
 * that ends them, log it at debug level after et_strerror(e), and return
 * e. d NULL: only returns e. */
et_err et_diag_fail(et_diag *d, et_err e, const char *piece, ...) ET_DIAG_PIECES;

/* Log the concatenated pieces at lvl (nothing is built when lvl is
 * filtered out). d may be NULL. */
void et_diag_log(et_diag *d, et_level lvl, const char *piece, ...) ET_DIAG_PIECES;

/* Log msg[0..n) at lvl: the shape of et_port's log hook. */
void et_diag_write(et_diag *d, et_level lvl, const char *msg, size_t n);

/* v in decimal / as 0x%08x into buf; returns buf (for et_diag_fail). */
const char *et_diag_uint(char buf[ET_DIAG_NUM_MAX], uint32_t v);
const char *et_diag_hex(char buf[ET_DIAG_NUM_MAX], uint32_t v);

/* A sink for hosts: "edgetoken: <level>: msg\n" on stderr, control bytes
 * shown as '?' (messages may quote server text). sink_ctx is unused. */
void et_diag_stderr(void *sink_ctx, et_level lvl, const char *msg, size_t n);

#ifdef __cplusplus
}
#endif

#endif
