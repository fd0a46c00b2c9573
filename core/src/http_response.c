/* SPDX-License-Identifier: MIT */
/* Incremental HTTP/1.1 response parser (RFC 9112), byte by byte, so any
 * split of the input gives the same result. Numbers are converted as they
 * pass; of the words (a name, a list element, a media type, a date) only
 * the first bytes are kept, enough for the longest one looked for, so no
 * header value can be "too long to keep": a longer one matches nothing.
 *
 * Choices where the RFCs leave room:
 * - A bare LF ends a line everywhere a CRLF does (RFC 9112 2.2 lets a
 *   recipient accept it); a CR not followed by LF is a syntax error.
 * - obs-fold, whitespace before a header colon and a reason phrase with
 *   control characters are errors; a status line may omit the reason.
 * - Transfer-Encoding: chunked together with Content-Length is an error
 *   (RFC 9112 6.3: "ought to be handled as an error"; the two framings are
 *   what request smuggling plays on). Any other coding is unsupported.
 * - Retry-After as delta-seconds is capped at one day; as an HTTP-date it
 *   is kept with the answer's Date (et_http_date.h: the engine turns the
 *   two into a delay); anything else is ignored.
 * - Interim 1xx responses are skipped; the header limits count every header
 *   section of the exchange, 1xx and trailers included, so a peer cannot
 *   keep the parser busy with endless interim responses.
 * - A body that cannot fit body_cap is refused as soon as its length is
 *   known (Content-Length, chunk size) instead of after the bytes arrive.
 * - Errors are sticky: later calls return the same error. */
#include "edgetoken/et_http.h"
#include "edgetoken/et_http_date.h"

#include <string.h>

#define RETRY_AFTER_MAX 86400u
#define CHUNK_LINE_MAX 256u   /* a chunk-size line with its extensions */
#define CHUNK_DIGITS_MAX 16u  /* hex digits of a uint64_t */
#define TEXT_MAX ET_HTTP_DATE_MAX /* longest text kept: see keep() */

enum state {
  S_STATUS, /* 0: a zeroed parser is a fresh one. Status line and header */
  S_REASON, /* states come first: see in_head() */
  S_LINE_START,
  S_NAME,
  S_VALUE,
  S_BODY_LENGTH, /* the body states are next to each other: see in_body() */
  S_BODY_CLOSE,
  S_CHUNK_DATA,
  S_CHUNK_SIZE,
  S_CHUNK_BWS,
  S_CHUNK_EXT,
  S_CHUNK_DATA_END,
  S_DONE,
  S_FAILED
};

/* The words the parser knows, lower case, each ended by a NUL, in enum
 * word's order: the header names first, then the values looked for. One
 * list serves every lookup; a field only acts on its own values. */
static const char words[] = "content-length\0transfer-encoding\0connection\0"
                            "retry-after\0date\0content-type\0"
                            "close\0keep-alive\0chunked\0application/json";
enum word {
  W_CONTENT_LENGTH,
  W_TRANSFER_ENCODING, /* the two lists next to each other, */
  W_CONNECTION,
  W_RETRY_AFTER, /* and the two dates, so that is_list() and is_date() */
  W_DATE,        /* compile to range tests */
  W_CONTENT_TYPE, /* the last header name */
  W_CLOSE,
  W_KEEP_ALIVE,
  W_CHUNKED,
  W_JSON,
  W_NONE /* not in the list; also the field of any other header */
};

/* flags: message-wide */
#define M_CR 0x01u         /* a CR was read; the next byte must be LF */
#define M_HTTP10 0x02u
#define M_KEEP_ALIVE 0x04u
#define M_TRAILERS 0x08u   /* header states now read chunked trailers */

/* vflags: the value of the current header line */
#define V_STARTED 0x01u    /* the value (list element) has content */
#define V_SPACE 0x02u      /* whitespace followed that content */
#define V_BAD 0x04u        /* Retry-After is not delta-seconds */
#define V_PARAMS 0x08u     /* Content-Type: past the media type */
#define V_ANY 0x10u        /* the list had a non-empty element */

static bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

static bool is_ws(unsigned char c) { return c == ' ' || c == '\t'; }

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* RFC 9110 tchar: the characters of header names. */
static bool is_tchar(unsigned char c) { return et_char_in((char)c, ET_CHARS_TCHAR); }

/* Which of words s equals, ASCII case-insensitively; W_NONE if none. */
static enum word lookup(et_str s) {
  const char *w = words;
  int i = 0;
  for (; i < W_NONE; i++) {
    et_str t = et_str_from_cstr(w);
    if (et_str_eq_nocase(s, t))
      break;
    w += t.n + 1;
  }
  return (enum word)i;
}

/* The text of a header name, a list element, a media type or a date is
 * kept; one byte past the longest date marks it too long, which also
 * matches no word (all are shorter). */
static void keep(et_http_response *r, unsigned char c) {
  if (r->text_len <= TEXT_MAX)
    r->text[r->text_len++] = (char)c;
}

static et_str kept(const et_http_response *r) {
  et_str s = { r->text, r->text_len };
  return s;
}

/* Dates keep their inner spaces; in other values a word ends at
 * whitespace. */
static bool is_date(uint8_t field) {
  return field == W_RETRY_AFTER || field == W_DATE;
}

/* Connection and Transfer-Encoding are comma-separated lists. */
static bool is_list(uint8_t field) {
  return field == W_CONNECTION || field == W_TRANSFER_ENCODING;
}

static bool in_head(uint8_t state) { return state <= S_VALUE; }

static bool in_body(uint8_t state) {
  return state >= S_BODY_LENGTH && state <= S_CHUNK_DATA;
}

static et_err finish(et_http_response *r) {
  r->state = S_DONE;
  r->done = true;
  return ET_OK;
}

/* Forget everything about a message: after a 1xx response. The header
 * byte and line counters run on across messages. */
static void start_message(et_http_response *r) {
  memset(r, 0, offsetof(et_http_response, done)); /* the results */
  r->flags = 0;
  r->state = S_STATUS;
  r->pos = 0;
  r->acc = 0;
}

void et_http_response_init(et_http_response *r) {
  if (r != NULL)
    memset(r, 0, sizeof *r);
}

/* A line end: CR only announces the LF that must follow (checked before
 * the next byte is dispatched); the LF is what ends the line. Returns true
 * for LF, false after noting a CR, and *e = syntax error for anything else. */
static bool line_end(et_http_response *r, unsigned char c, et_err *e) {
  if (c == '\r')
    r->flags |= M_CR;
  else if (c != '\n')
    *e = ET_E_HTTP_SYNTAX;
  return c == '\n';
}

static et_err status_byte(et_http_response *r, unsigned char c) {
  /* The status line up to the code, one template byte per input byte:
   * 'x' the minor version (0 or 1), '#' a digit of the code. */
  static const char head[] = "HTTP/1.x ###";
  et_err e = ET_OK;
  if (r->state == S_STATUS) {
    if (r->pos < sizeof head - 1) {
      char t = head[r->pos++];
      if (t == '#' ? !is_digit(c) : t == 'x' ? c != '0' && c != '1' : c != (unsigned char)t)
        return ET_E_HTTP_SYNTAX;
      if (t == '#')
        r->acc = (uint32_t)r->acc * 10u + (unsigned)(c - '0'); /* < 1000 */
      if (c == '0' && t == 'x')
        r->flags |= M_HTTP10;
      if (r->pos == sizeof head - 1) {
        if (r->acc < 100 || r->acc > 599)
          return ET_E_HTTP_SYNTAX;
        r->status = (int)r->acc;
      }
      return ET_OK;
    }
    if (c == ' ') {
      r->state = S_REASON;
      return ET_OK;
    }
  } else if (!is_ctl(c) || c == '\t') { /* S_REASON */
    return ET_OK;
  }
  if (!line_end(r, c, &e))
    return e;
  if (r->status == 101) /* we never ask to switch protocols */
    return ET_E_HTTP_UNSUPPORTED;
  r->state = S_LINE_START;
  return ET_OK;
}

static void start_chunk_line(et_http_response *r) {
  r->state = S_CHUNK_SIZE;
  r->pos = 0;
  r->acc = 0;
  r->line_bytes = 0;
}

static et_err end_of_headers(et_http_response *r, size_t room) {
  if (r->flags & M_TRAILERS)
    return finish(r);
  if (r->status < 200) { /* interim (100 Continue, 103...): the final follows */
    start_message(r);
    return ET_OK;
  }
  if ((r->flags & M_HTTP10) && !(r->flags & M_KEEP_ALIVE))
    r->close = true;
  /* Both framings are refused even where no body follows (204, 304): the
   * peer that sends them is not to be trusted with the next response. */
  if (r->chunked && r->has_content_length)
    return ET_E_HTTP_SYNTAX;
  if (r->status == 204 || r->status == 304)
    return finish(r);
  if (r->chunked) {
    start_chunk_line(r);
    return ET_OK;
  }
  if (!r->has_content_length) {
    r->state = S_BODY_CLOSE;
    return ET_OK;
  }
  if (r->content_length > (uint64_t)room)
    return ET_E_RESPONSE_TOO_LARGE;
  r->remaining = r->content_length;
  r->state = S_BODY_LENGTH;
  return r->remaining == 0 ? finish(r) : ET_OK;
}

static et_err name_byte(et_http_response *r, unsigned char c, size_t room) {
  enum word w;
  if (r->state == S_LINE_START) {
    et_err e = ET_OK;
    if (c == '\r' || c == '\n')
      return line_end(r, c, &e) ? end_of_headers(r, room) : e;
    /* Also refuses obs-fold (SP/HT) and an empty name (':'). */
    if (!is_tchar(c))
      return ET_E_HTTP_SYNTAX;
    if (++r->header_count > CONFIG_ET_HTTP_MAX_HEADERS)
      return ET_E_HTTP_TOO_LARGE;
    r->state = S_NAME;
    r->text_len = 0;
  }
  if (is_tchar(c)) {
    keep(r, c);
    return ET_OK;
  }
  if (c != ':') /* also a line without a colon, or space before it */
    return ET_E_HTTP_SYNTAX;
  w = lookup(kept(r));
  r->field = (uint8_t)((r->flags & M_TRAILERS) || w > W_CONTENT_TYPE ? W_NONE : w);
  r->state = S_VALUE;
  r->vflags = 0;
  r->acc = 0;
  r->text_len = 0;
  return ET_OK;
}

/* End of one element of Connection or Transfer-Encoding. Empty elements
 * (", close") are allowed by the list syntax. */
static et_err end_element(et_http_response *r) {
  if (r->text_len > 0) {
    enum word w = lookup(kept(r));
    r->vflags |= V_ANY;
    if (r->field == W_CONNECTION) {
      if (w == W_CLOSE)
        r->close = true;
      else if (w == W_KEEP_ALIVE)
        r->flags |= M_KEEP_ALIVE;
    } else {
      if (w != W_CHUNKED)
        return ET_E_HTTP_UNSUPPORTED; /* gzip, deflate, identity... */
      if (r->chunked)
        return ET_E_HTTP_SYNTAX; /* chunked twice */
      r->chunked = true;
    }
  }
  r->text_len = 0;
  r->vflags = (uint8_t)(r->vflags & ~(V_STARTED | V_SPACE));
  return ET_OK;
}

/* A digit of Content-Length or of Retry-After's delta-seconds: false when
 * c is no digit or follows inner whitespace ("1 2"); the number saturates
 * at max, *over says it would have passed it. */
static bool number_byte(et_http_response *r, unsigned char c, uint64_t max,
                        bool *over) {
  if (!is_digit(c) || (r->vflags & V_SPACE))
    return false;
  /* No 64-bit division helper on small targets: see et_u64_push_digit. */
  *over = !et_u64_push_digit(&r->acc, (char)c, max);
  if (*over)
    r->acc = max;
  return true;
}

/* The kept value of a date-valued line, trailing whitespace trimmed. */
static bool date_value(et_http_response *r, int64_t *unix_s) {
  et_str s = kept(r);
  if (!CONFIG_ET_RETRY_AFTER_DATE) /* a constant: no date parser linked */
    return false;
  while (s.n > 0 && is_ws((unsigned char)s.p[s.n - 1]))
    s.n--;
  return r->text_len <= TEXT_MAX && et_http_date_parse(s, unix_s) == ET_OK;
}

static et_err end_value(et_http_response *r) {
  et_err e = ET_OK;
  switch (r->field) {
  case W_CONTENT_LENGTH:
    if (!(r->vflags & V_STARTED))
      return ET_E_HTTP_SYNTAX;
    if (r->has_content_length && r->content_length != r->acc)
      return ET_E_HTTP_SYNTAX;
    r->has_content_length = true;
    r->content_length = r->acc;
    break;
  case W_RETRY_AFTER:
    r->has_retry_after = (r->vflags & (V_STARTED | V_BAD)) == V_STARTED;
    r->retry_after_s = r->has_retry_after ? (uint32_t)r->acc : 0;
    r->has_retry_at = !r->has_retry_after && date_value(r, &r->retry_at_s);
    break;
  case W_DATE:
    r->has_date = date_value(r, &r->date_s);
    break;
  case W_CONNECTION:
    e = end_element(r);
    break;
  case W_TRANSFER_ENCODING:
    e = end_element(r);
    if (e == ET_OK && !(r->vflags & V_ANY))
      e = ET_E_HTTP_SYNTAX; /* empty Transfer-Encoding */
    break;
  case W_CONTENT_TYPE:
    r->json = lookup(kept(r)) == W_JSON;
    break;
  default:
    break;
  }
  return e;
}

static et_err value_byte(et_http_response *r, unsigned char c) {
  et_err e = ET_OK;
  bool over = false;
  if (c == '\r' || c == '\n') {
    if (!line_end(r, c, &e))
      return e;
    r->state = S_LINE_START;
    return end_value(r);
  }
  if (is_ctl(c) && c != '\t')
    return ET_E_HTTP_SYNTAX;
  if (c == ',' && is_list(r->field))
    return end_element(r);
  if (c == ';' && r->field == W_CONTENT_TYPE)
    r->vflags |= V_PARAMS; /* parameters do not change the type */
  if (is_ws(c)) { /* leading whitespace is skipped, trailing trimmed */
    if (r->vflags & V_STARTED) {
      r->vflags |= V_SPACE;
      /* Inner spaces of a date, never past the longest date: trailing
       * whitespace is trimmed, and content after it still overflows. */
      if (is_date(r->field) && r->text_len < TEXT_MAX)
        keep(r, c);
    }
    return ET_OK;
  }
  if (!(r->vflags & V_PARAMS)) {
    if ((r->vflags & V_SPACE) && !is_date(r->field))
      r->text_len = TEXT_MAX + 1; /* "clo se": no word */
    keep(r, c);
  }
  r->vflags |= V_STARTED;
  if (r->field == W_CONTENT_LENGTH) {
    if (!number_byte(r, c, UINT64_MAX, &over))
      return ET_E_HTTP_SYNTAX;
    if (over)
      return ET_E_HTTP_TOO_LARGE;
  } else if (r->field == W_RETRY_AFTER && !number_byte(r, c, RETRY_AFTER_MAX, &over)) {
    r->vflags |= V_BAD; /* perhaps a date */
  }
  return ET_OK;
}

static et_err end_chunk_size(et_http_response *r, size_t room) {
  if (r->acc == 0) { /* last-chunk: trailers follow, read like headers */
    r->flags |= M_TRAILERS;
    r->state = S_LINE_START;
    return ET_OK;
  }
  if (r->acc > (uint64_t)room)
    return ET_E_RESPONSE_TOO_LARGE;
  r->remaining = r->acc;
  r->state = S_CHUNK_DATA;
  return ET_OK;
}

static et_err chunk_byte(et_http_response *r, unsigned char c, size_t room) {
  et_err e = ET_OK;
  int v = et_hex_value((char)c);
  if (r->state != S_CHUNK_DATA_END && ++r->line_bytes > CHUNK_LINE_MAX)
    return ET_E_HTTP_TOO_LARGE;
  switch (r->state) {
  case S_CHUNK_SIZE:
    if (v >= 0) {
      if (r->pos >= CHUNK_DIGITS_MAX)
        return ET_E_HTTP_TOO_LARGE;
      r->acc = r->acc << 4 | (unsigned)v;
      r->pos++;
      return ET_OK;
    }
    if (r->pos == 0)
      return ET_E_HTTP_SYNTAX;
    /* fall through - after the digits as after whitespace */
  case S_CHUNK_BWS:
    if (is_ws(c)) {
      r->state = S_CHUNK_BWS;
      return ET_OK;
    }
    if (c == ';') {
      r->state = S_CHUNK_EXT;
      return ET_OK;
    }
    break;
  case S_CHUNK_EXT: /* extensions are skipped */
    if (!is_ctl(c) || c == '\t')
      return ET_OK;
    break;
  default: /* S_CHUNK_DATA_END: only the line end after the data */
    break;
  }
  if (!line_end(r, c, &e))
    return e;
  if (r->state == S_CHUNK_DATA_END) {
    start_chunk_line(r);
    return ET_OK;
  }
  return end_chunk_size(r, room);
}

/* One byte of anything but body data. room: body bytes still free. */
static et_err parse_byte(et_http_response *r, unsigned char c, size_t room) {
  if (in_head(r->state) && ++r->header_bytes > CONFIG_ET_HTTP_MAX_HEADER_BYTES)
    return ET_E_HTTP_TOO_LARGE;
  if (r->flags & M_CR) {
    if (c != '\n')
      return ET_E_HTTP_SYNTAX;
    r->flags &= (uint16_t)~M_CR;
  }
  switch (r->state) {
  case S_STATUS:
  case S_REASON:
    return status_byte(r, c);
  case S_LINE_START:
  case S_NAME:
    return name_byte(r, c, room);
  case S_VALUE:
    return value_byte(r, c);
  default:
    return chunk_byte(r, c, room);
  }
}

/* Moves a run of body bytes. memmove: in may alias body ahead of the
 * write position, and the write position never passes the read one. */
static et_err copy_body(et_http_response *r, const uint8_t *in, size_t n,
                        size_t *i, uint8_t *body, size_t body_cap,
                        size_t *body_len) {
  size_t k = n - *i;
  size_t room = body_cap - *body_len;
  et_err e = ET_OK;
  if (r->state != S_BODY_CLOSE && (uint64_t)k > r->remaining)
    k = (size_t)r->remaining;
  if (k > room) {
    k = room;
    e = ET_E_RESPONSE_TOO_LARGE;
  }
  if (k > 0)
    memmove(body + *body_len, in + *i, k);
  *body_len += k;
  *i += k;
  if (r->state == S_BODY_CLOSE || e != ET_OK)
    return e;
  r->remaining -= k;
  if (r->remaining == 0) {
    if (r->state == S_BODY_LENGTH)
      return finish(r);
    r->state = S_CHUNK_DATA_END;
  }
  return ET_OK;
}

et_err et_http_response_parse(et_http_response *r, const uint8_t *in, size_t n,
                              size_t *used, uint8_t *body, size_t body_cap,
                              size_t *body_len) {
  size_t i = 0;
  et_err e = ET_OK;
  if (used != NULL)
    *used = 0;
  if (r == NULL || used == NULL || body_len == NULL || (in == NULL && n > 0) ||
      (body == NULL && body_cap > 0) || *body_len > body_cap)
    return ET_E_ARG;
  if (r->state == S_FAILED)
    return (et_err)r->err;
  while (i < n && r->state != S_DONE && e == ET_OK) {
    if (in_body(r->state)) {
      e = copy_body(r, in, n, &i, body, body_cap, body_len);
    } else {
      e = parse_byte(r, in[i], body_cap - *body_len);
      i++;
    }
  }
  *used = i;
  if (e != ET_OK) {
    r->state = S_FAILED;
    r->err = (uint8_t)e;
  }
  return e;
}

et_err et_http_response_eof(et_http_response *r) {
  if (r == NULL)
    return ET_E_ARG;
  if (r->state == S_FAILED)
    return (et_err)r->err;
  if (r->state == S_BODY_CLOSE)
    return finish(r);
  return r->done ? ET_OK : ET_E_TRUNCATED;
}
