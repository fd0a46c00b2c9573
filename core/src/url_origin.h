/* SPDX-License-Identifier: MIT */
/* Private to core: the "https://host[:port]" every URL we write starts with. */
#ifndef EDGETOKEN_URL_ORIGIN_H
#define EDGETOKEN_URL_ORIGIN_H

#include "edgetoken/et_str.h"

/* Append "https://host", the host in brackets when it is an IPv6 literal
 * (it holds ':'), then ":port" unless port is 443. Overflow is sticky in b
 * (et_buf_status). */
void et_url_origin(et_buf *b, et_str host, uint16_t port);

#endif
