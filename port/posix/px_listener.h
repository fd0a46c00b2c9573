/* SPDX-License-Identifier: MIT */
/* The listener's parsers, pure (no sockets, no state) so that unit tests
 * and the fuzzer reach them directly. Not installed. */
#ifndef EDGETOKEN_PX_LISTENER_H
#define EDGETOKEN_PX_LISTENER_H

#include "edgetoken/et_err.h"
#include "edgetoken/et_str.h"

#include <stddef.h>
#include <stdint.h>

/* The redirect URI "http://localhost|127.0.0.1|[::1][:port][/path]": its
 * port (80 when none) and its path ("/" when none, NUL-terminated, at most
 * cap - 1 bytes of RFC 3986 path characters) into path. ET_E_URL
 * otherwise (path untouched). */
et_err px_listener_parse_uri(const char *uri, char *path, size_t cap, uint16_t *port);

/* What one browser request asks for. */
typedef enum px_request {
  PX_REQ_BAD,       /* no "METHOD SP target SP HTTP/1.x" request line: 400 */
  PX_REQ_METHOD,    /* not GET: 405 */
  PX_REQ_NOT_FOUND, /* another path: 404 */
  PX_REQ_REDIRECT   /* GET path[?query][#...]: the redirect */
} px_request;

/* Classify the request line of req (NUL-terminated, read up to its first
 * CR or LF) for the expected path. For PX_REQ_REDIRECT, query is the part
 * between '?' and '#' or the end of the target (empty when there is no
 * '?'), a span of req; else it is empty. Reads only req and path. */
px_request px_listener_request(const char *req, const char *path, et_str *query);

#endif
