/* SPDX-License-Identifier: MIT */
/* Logging through the port's optional hook, without printf. */
#include "edgetoken/et_work.h"

#include <string.h>

void (et_log)(const et_port *port, et_level lvl, const char *text, et_str detail) {
  char line[160];
  size_t tn, room;
  et_buf b;
  if ((int)lvl > CONFIG_ET_LOG_LEVEL || port == NULL || port->log == NULL)
    return;
  tn = strlen(text);
  if (tn >= sizeof line - 3) {
    port->log(port->ctx, lvl, text, tn);
    return;
  }
  et_buf_init(&b, line, sizeof line);
  et_buf_put(&b, text, tn);
  room = sizeof line - tn;
  if (detail.n > room) { /* cut visibly rather than drop the message */
    et_buf_put(&b, detail.p, room - 3);
    et_buf_put(&b, "...", 3);
  } else {
    et_buf_put_str(&b, detail);
  }
  port->log(port->ctx, lvl, line, b.len);
}

void (et_log_error)(const et_port *port, et_level lvl, const char *text, et_err e) {
#if CONFIG_ET_ERROR_TEXT
  et_log(port, lvl, text, et_str_from_cstr(et_strerror(e)));
#else
  /* et_strerror's "E13", without linking its table for this */
  char code[8];
  et_buf b;
  et_buf_init(&b, code, sizeof code);
  et_buf_put_char(&b, 'E');
  et_buf_put_u64(&b, (uint64_t)e);
  et_log(port, lvl, text, (et_str){ code, b.len });
#endif
}
