/* SPDX-License-Identifier: MIT */
/* What the libFuzzer targets share: a check that aborts (libFuzzer keeps
 * the input that made it), a writable copy of the input, and where a
 * decoded span may point. Header only: the Makefile compiles each target
 * from its one .c file. */
#ifndef EDGETOKEN_FUZZ_H
#define EDGETOKEN_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_str.h"

#define CHECK(c)                                                           \
  do {                                                                     \
    if (!(c))                                                              \
      abort();                                                             \
  } while (0)

/* A malloc'd copy of the input, so that decoders may write in place and
 * ASan sees any read past its end. */
static inline char *fuzz_copy(const uint8_t *data, size_t size) {
  char *buf = malloc(size ? size : 1);
  CHECK(buf);
  if (size)
    memcpy(buf, data, size);
  return buf;
}

/* A malloc'd copy of the input with a NUL after it (text readers). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  CHECK(buf);
  if (size)
    memcpy(buf, data, size);
  buf[size] = '\0';
  return buf;
}

/* s is absent (NULL, empty) or lies inside buf's len bytes and holds no
 * NUL. */
static inline void check_span(const char *buf, size_t len, et_str s) {
  CHECK(s.p == NULL ? s.n == 0 : (s.p >= buf && s.p + s.n <= buf + len));
  CHECK(s.p == NULL || memchr(s.p, '\0', s.n) == NULL);
}

#endif
