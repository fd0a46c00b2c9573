/* SPDX-License-Identifier: MIT */
/* Percent-encoding for application/x-www-form-urlencoded and queries. */
#include "edgetoken/et_form.h"

void et_form_encode(et_buf *b, et_str value) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < value.n; i++) {
    unsigned char c = (unsigned char)value.p[i];
    if (et_char_in((char)c, ET_CHARS_UNRESERVED)) {
      et_buf_put_char(b, (char)c);
    } else {
      char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
      et_buf_put(b, esc, sizeof esc);
    }
  }
}

void et_form_append_from(et_buf *b, size_t start, const char *key,
                         et_str value) {
  if (b->len > start)
    et_buf_put_char(b, '&');
  et_form_encode(b, et_str_from_cstr(key));
  et_buf_put_char(b, '=');
  et_form_encode(b, value);
}

void et_form_append(et_buf *b, const char *key, et_str value) {
  et_form_append_from(b, 0, key, value);
}

void et_form_append_secret(et_buf *b, const char *key, et_str value) {
  if (!b->redact) {
    et_form_append(b, key, value);
    return;
  }
  /* Unencoded, so the mark cannot be mistaken for a value. */
  et_form_append(b, key, ET_STR_NULL);
  et_buf_put_cstr(b, "***");
}
