/* SPDX-License-Identifier: MIT */
/* The scheme, host and port of the URLs core writes (authorize URL, an
 * assertion's aud, et_result_url): one writer, so they all bracket IPv6
 * the same way. */
#include "url_origin.h"

void et_url_origin(et_buf *b, et_str host, uint16_t port) {
  bool ipv6 = false;
  for (size_t i = 0; i < host.n; i++)
    ipv6 |= host.p[i] == ':';
  et_buf_put_cstr(b, ipv6 ? "https://[" : "https://");
  et_buf_put_str(b, host);
  if (ipv6)
    et_buf_put_char(b, ']');
  if (port != 443) {
    et_buf_put_char(b, ':');
    et_buf_put_u64(b, port);
  }
}
