/* SPDX-License-Identifier: MIT */
/* libFuzzer: the form encoder. Whatever the bytes and the buffer size, the
 * output is only unreserved bytes and %XX escapes, decodes back to the
 * input, and an overflow is reported, never a cut value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgetoken/et_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char out[3 * 4096 + 64];
  static char back[4096 + 64];
  size_t cap, i, n = 0;
  et_buf b;
  et_str value;

  if (size < 1 || size > 4096)
    return 0;
  cap = (size_t)data[0] * 16; /* 0..4080: from too small to ample */
  value = (et_str){ (const char *)data + 1, size - 1 };
  et_buf_init(&b, out, cap);
  et_form_append(&b, "k", value);

  if (b.len > cap)
    abort();
  if (et_buf_status(&b) != ET_OK) {
    if (4 + 3 * value.n <= cap) /* "k=" plus worst case fits: no overflow allowed */
      abort();
    return 0;
  }
  if (b.len < 2 || memcmp(out, "k=", 2) != 0)
    abort();
  for (i = 2; i < b.len; i++) {
    char c = out[i];
    if (c == '%') {
      int hi, lo;
      if (i + 2 >= b.len)
        abort();
      hi = hexval(out[i + 1]);
      lo = hexval(out[i + 2]);
      if (hi < 0 || lo < 0)
        abort();
      back[n++] = (char)(hi << 4 | lo);
      i += 2;
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~') {
      back[n++] = c;
    } else {
      abort();
    }
  }
  if (n != value.n || memcmp(back, value.p, n) != 0)
    abort();
  return 0;
}
