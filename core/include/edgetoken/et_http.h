/* SPDX-License-Identifier: MIT */
/* HTTP/1.1: request writer and incremental response parser. Neither does
 * I/O: the caller moves bytes between these and the port. */
#ifndef EDGETOKEN_ET_HTTP_H
#define EDGETOKEN_ET_HTTP_H

#include "et_config.h"
#include "et_str.h"
#include "et_http_date.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct et_http_header {
  et_str name;
  et_str value;
} et_http_header;

typedef struct et_http_request {
  et_str method;          /* "GET" or "POST" */
  et_str host;            /* Host header; ":port" appended when port != default */
  uint16_t port;
  bool tls;               /* selects the default port (443 or 80) for Host */
  et_str path;            /* starts with '/', may include a query */
  et_str content_type;    /* empty: no Content-Type header */
  et_str authorization;   /* empty: none; else the whole value ("Bearer ...") */
  /* client_secret_basic (RFC 6749 §2.3.1): when basic_user is not empty,
   * "Authorization: Basic base64(formenc(user) ':' formenc(pass))" is
   * written straight into the head (no copy of the secret elsewhere), and
   * authorization must be empty. A redacting buffer gets "Basic ***". */
  et_str basic_user;
  et_str basic_pass;
  et_str bearer;          /* empty: none; else "Authorization: Bearer <bearer>"
                             (when authorization is empty) */
  const et_http_header *extra;  /* additional headers, may be NULL */
  size_t n_extra;
  size_t body_len;        /* Content-Length; written when body_len > 0 or POST */
  bool keep_alive;        /* Connection: keep-alive (else close) */
} et_http_request;

/* Append the request line and headers (ending with the blank line) to b;
 * the caller sends body_len bytes of body after it. Headers sent: Host,
 * User-Agent, Accept: application/json, Connection (keep-alive or close),
 * then the optional
 * ones. ET_E_ARG when a field contains CR, LF or NUL (header injection);
 * ET_E_NOSPACE (via b) when it does not fit. */
ET_NODISCARD et_err et_http_request_write(et_buf *b, const et_http_request *r);

/* Response parser. Feed it bytes as they arrive, in any split (one byte at
 * a time works). It decodes chunked bodies and keeps only what a client
 * needs from the headers; header bytes are not stored. */
typedef struct et_http_response {
  /* Results, valid once done (status as soon as the status line is in). */
  int status;               /* 100..599 */
  bool chunked;             /* Transfer-Encoding: chunked */
  bool has_content_length;
  uint64_t content_length;
  bool close;               /* Connection: close (or HTTP/1.0 without keep-alive) */
  bool has_retry_after;
  uint32_t retry_after_s;   /* Retry-After as delta-seconds */
  bool has_retry_at;        /* Retry-After was an HTTP-date instead: */
  int64_t retry_at_s;       /*   that date, seconds since 1970 (UTC) */
  bool has_date;            /* the Date header (et_http_date.h) */
  int64_t date_s;
  bool json;                /* Content-Type is application/json (any params) */
  bool done;                /* whole response parsed */

  /* Parser state: private. Nothing from the header section is stored
   * beyond the short text of the current line: names and values are
   * matched and converted as they pass. */
  uint8_t state;
  uint8_t field;            /* which known header the current line is */
  uint8_t vflags;           /* value lexer: whitespace seen, parameters... */
  uint8_t flags;            /* message-wide: CR seen, HTTP/1.0, trailers... */
  uint8_t err;              /* sticky error once failed */
  uint8_t text_len;         /* bytes in text (one past the max: too long) */
  uint16_t pos;             /* bytes of the status or chunk-size line read */
  uint64_t acc;             /* number being read (code, length, delay, chunk size) */
  size_t remaining;         /* body or chunk bytes still expected */
  char text[ET_HTTP_DATE_MAX + 1]; /* header name, list element, media
                                      type or date of the current line */
  /* Last: an interim (1xx) response resets all above, not these. */
  uint32_t header_bytes;    /* all header sections so far, 1xx included */
  uint32_t header_count;
} et_http_response;

void et_http_response_init(et_http_response *r);

/* Parse n bytes from in. Body bytes are appended at body[*body_len], never
 * beyond body_cap. in may point into body at or after body + *body_len
 * (in-place decoding: the body is written no faster than it is read).
 * Stops after the response is done; *used says how many input bytes were
 * consumed (the rest belongs to no response and is ignored by clients).
 * Errors: ET_E_HTTP_SYNTAX, ET_E_HTTP_TOO_LARGE, ET_E_HTTP_UNSUPPORTED,
 * ET_E_RESPONSE_TOO_LARGE. After an error the parser must be re-initialised. */
ET_NODISCARD et_err et_http_response_parse(et_http_response *r, const uint8_t *in, size_t n,
                                           size_t *used, uint8_t *body, size_t body_cap,
                                           size_t *body_len);

/* The peer closed the connection: completes a response whose body is
 * delimited by close; ET_E_TRUNCATED for any other incomplete response. */
ET_NODISCARD et_err et_http_response_eof(et_http_response *r);

#ifdef __cplusplus
}
#endif

#endif
