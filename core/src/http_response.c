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

/* Where the parser is. Line ends (CR LF or a bare LF) are handled in one
 * place for every state: see parse_byte() and line_end(). */
enum state {
  S_STATUS, /* 0: a zeroed parser is a fresh one. The header states */
  S_REASON, /* come first: see parse_byte() */
  S_NAME,   /* a header name; at its first byte (text_len 0) a line end
               ends the header section */
  S_VALUE,
  S_BODY,   /* remaining bytes of a Content-Length body or of a chunk;
               SIZE_MAX for a body that ends with the connection */
  S_CHUNK_SIZE, /* the chunk states come last: see parse_byte() */
  S_CHUNK_BWS,
  S_CHUNK_EXT,
  S_CHUNK_DATA_END
};

/* The words the parser knows, lower case, each ended by a NUL, in enum
 * word's order: the header names first, then the values looked for. One
 * list serves every lookup; a field only acts on its own values. */
static const char words[] = "content-length\0transfer-encoding\0connection\0"
                            "retry-after\0date\0content-type\0"
                            "close\0keep-alive\0chunked\0application/json";
enum word {
  W_CONTENT_LENGTH,
  W_TRANSFER_ENCODING, /* the two lists next to each other, so that */
  W_CONNECTION,        /* is_list() compiles to a range test */
  W_RETRY_AFTER,
  W_DATE,
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
#define V_SPACE 0x02u      /* whitespace followed the value's content */
#define V_BAD 0x04u        /* Retry-After is not delta-seconds */
#define V_PARAMS 0x08u     /* Content-Type: past the media type */
#define V_ANY 0x10u        /* the list had a non-empty element */

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

/* The text of a header name or value (a list element, a media type, a
 * date) is kept from its first byte that is not whitespace; one byte past
 * the longest date marks it too long, which also matches no word (all are
 * shorter). Whitespace inside is kept (a word with a space in it is no
 * word; a date needs its spaces), but never as that extra byte, so
 * trailing whitespace cannot make a text too long: kept() trims it. */
static void keep(et_http_response *r, unsigned char c) {
  if (r->text_len <= TEXT_MAX)
    r->text[r->text_len++] = (char)c;
}

static et_str kept(const et_http_response *r) {
  et_str s = { r->text, r->text_len };
  while (s.n > 0 && is_ws((unsigned char)s.p[s.n - 1]))
    s.n--;
  return s;
}

/* Connection and Transfer-Encoding are comma-separated lists. */
static bool is_list(uint8_t field) {
  return field == W_CONNECTION || field == W_TRANSFER_ENCODING;
}

static et_err finish(et_http_response *r) {
  r->done = true;
  return ET_OK;
}

void et_http_response_init(et_http_response *r) {
  if (r != NULL)
    memset(r, 0, sizeof *r);
}

/* A body of len bytes (Content-Length or a chunk) follows. */
static et_err start_body(et_http_response *r, uint64_t len, size_t room) {
  if (len > (uint64_t)room)
    return ET_E_RESPONSE_TOO_LARGE;
  r->remaining = (size_t)len;
  r->state = S_BODY;
  return len == 0 ? finish(r) : ET_OK;
}

static et_err end_of_headers(et_http_response *r, size_t room) {
  if (r->flags & M_TRAILERS)
    return finish(r);
  if (r->status < 200) { /* interim (100 Continue, 103...): the final follows.
                            Forget all but the counters, which run on. */
    memset(r, 0, offsetof(et_http_response, header_bytes));
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
    r->state = S_CHUNK_SIZE;
    return ET_OK;
  }
  if (r->has_content_length)
    return start_body(r, r->content_length, room);
  r->state = S_BODY; /* until the connection closes */
  r->remaining = SIZE_MAX;
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
  return ET_OK;
}

/* The kept value of a date-valued line. */
static bool date_value(et_http_response *r, int64_t *unix_s) {
  if (!CONFIG_ET_RETRY_AFTER_DATE) /* a constant: no date parser linked */
    return false;
  return r->text_len <= TEXT_MAX && et_http_date_parse(kept(r), unix_s) == ET_OK;
}

static et_err end_value(et_http_response *r) {
  et_err e = ET_OK;
  switch (r->field) {
  case W_CONTENT_LENGTH:
    if (r->text_len == 0)
      return ET_E_HTTP_SYNTAX;
    if (r->has_content_length && r->content_length != r->acc)
      return ET_E_HTTP_SYNTAX;
    r->has_content_length = true;
    r->content_length = r->acc;
    break;
  case W_RETRY_AFTER:
    r->has_retry_after = r->text_len > 0 && !(r->vflags & V_BAD);
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

/* The LF that ends a line, in a state where a line may end. */
static et_err line_end(et_http_response *r, size_t room) {
  switch (r->state) {
  case S_STATUS:
  case S_REASON:
    if (r->status == 101) /* we never ask to switch protocols */
      return ET_E_HTTP_UNSUPPORTED;
    r->state = S_NAME;
    return ET_OK;
  case S_NAME: /* an empty line */
    return end_of_headers(r, room);
  case S_VALUE:
    r->state = S_NAME;
    return end_value(r);
  case S_CHUNK_DATA_END:
    r->state = S_CHUNK_SIZE;
    return ET_OK;
  default: /* the chunk-size line */
    if (r->acc == 0) { /* last-chunk: trailers follow, read like headers */
      r->flags |= M_TRAILERS;
      r->state = S_NAME;
      return ET_OK;
    }
    return start_body(r, r->acc, room);
  }
}

/* The status line up to the space after the code, one template byte per
 * input byte: 'x' the minor version (0 or 1), '#' a digit of the code.
 * The line may end after the code (no reason phrase). */
static const char status_head[] = "HTTP/1.x ### ";
#define STATUS_CODE_END (sizeof status_head - 2) /* bytes up to the code's end */

static et_err status_byte(et_http_response *r, unsigned char c) {
  char t = status_head[r->pos++];
  if (t == '#') {
    if (!is_digit(c))
      return ET_E_HTTP_SYNTAX;
    r->acc = (uint32_t)r->acc * 10u + (unsigned)(c - '0'); /* < 1000 */
  } else if (t == 'x') {
    if (c != '0' && c != '1')
      return ET_E_HTTP_SYNTAX;
    if (c == '0')
      r->flags |= M_HTTP10;
  } else if (c != (unsigned char)t) {
    return ET_E_HTTP_SYNTAX;
  }
  if (r->pos == STATUS_CODE_END) {
    if (r->acc < 100 || r->acc > 599)
      return ET_E_HTTP_SYNTAX;
    r->status = (int)r->acc;
  }
  if (r->pos == sizeof status_head - 1)
    r->state = S_REASON;
  return ET_OK;
}

static et_err name_byte(et_http_response *r, unsigned char c) {
  enum word w;
  if (is_tchar(c)) {
    if (r->text_len == 0 && ++r->header_count > CONFIG_ET_HTTP_MAX_HEADERS)
      return ET_E_HTTP_TOO_LARGE;
    keep(r, c);
    return ET_OK;
  }
  /* Also refuses obs-fold (SP/HT at a line's start), an empty name, a
   * line without a colon and space before it. */
  if (c != ':' || r->text_len == 0)
    return ET_E_HTTP_SYNTAX;
  w = lookup(kept(r));
  r->field = (uint8_t)((r->flags & M_TRAILERS) || w > W_CONTENT_TYPE ? W_NONE : w);
  r->state = S_VALUE;
  r->text_len = 0;
  return ET_OK;
}

static et_err value_byte(et_http_response *r, unsigned char c) {
  uint8_t field = r->field;
  if (field == W_NONE) /* a header we do not read */
    return ET_OK;
  if (c == ',' && is_list(field))
    return end_element(r);
  if (c == ';' && field == W_CONTENT_TYPE)
    r->vflags |= V_PARAMS; /* parameters do not change the type */
  if (r->vflags & V_PARAMS)
    return ET_OK;
  if (is_ws(c)) { /* leading whitespace is skipped, trailing trimmed */
    if (r->text_len > 0) {
      r->vflags |= V_SPACE;
      if (r->text_len < TEXT_MAX)
        keep(r, c);
    }
    return ET_OK;
  }
  keep(r, c);
  if (field == W_CONTENT_LENGTH || field == W_RETRY_AFTER) {
    /* Digits only, none after inner whitespace ("1 2"); Content-Length
     * may not pass UINT64_MAX, delta-seconds saturate at a day. No 64-bit
     * division helper on small targets: see et_u64_push_digit. */
    bool length = field == W_CONTENT_LENGTH;
    uint64_t max = length ? UINT64_MAX : RETRY_AFTER_MAX;
    if (!is_digit(c) || (r->vflags & V_SPACE)) {
      if (length)
        return ET_E_HTTP_SYNTAX;
      r->vflags |= V_BAD; /* perhaps a date */
    } else if (!et_u64_push_digit(&r->acc, (char)c, max)) {
      if (length)
        return ET_E_HTTP_TOO_LARGE;
      r->acc = max;
    }
  }
  return ET_OK;
}

static et_err chunk_byte(et_http_response *r, unsigned char c) {
  int v = et_hex_value((char)c);
  switch (r->state) {
  case S_CHUNK_SIZE:
    if (v >= 0) {
      if (r->pos > CHUNK_DIGITS_MAX) /* pos: digits so far and this one */
        return ET_E_HTTP_TOO_LARGE;
      r->acc = r->acc << 4 | (unsigned)v;
      return ET_OK;
    }
    if (r->pos == 1)
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
    return ET_E_HTTP_SYNTAX;
  case S_CHUNK_EXT: /* extensions are skipped */
    return ET_OK;
  default: /* S_CHUNK_DATA_END: only the line end after the data */
    return ET_E_HTTP_SYNTAX;
  }
}

/* One byte of anything but body data. room: body bytes still free. pos
 * counts the bytes of the status line's template read so far, and of a
 * chunk-size line this one included (its limits read it). */
static et_err parse_byte(et_http_response *r, unsigned char c, size_t room) {
  uint8_t s = r->state;
  et_err e;
  if (s <= S_VALUE && ++r->header_bytes > CONFIG_ET_HTTP_MAX_HEADER_BYTES)
    return ET_E_HTTP_TOO_LARGE;
  if ((r->flags & M_CR) && c != '\n')
    return ET_E_HTTP_SYNTAX;
  r->flags &= (uint8_t)~M_CR;
  if (s >= S_CHUNK_SIZE && ++r->pos > CHUNK_LINE_MAX)
    return ET_E_HTTP_TOO_LARGE;
  if (c == '\r' || c == '\n') {
    /* Where a line may not end: inside the status line's template, a
     * header name, before a chunk size's first digit. */
    if ((s == S_STATUS && r->pos != STATUS_CODE_END) ||
        (s == S_NAME && r->text_len > 0) || (s == S_CHUNK_SIZE && r->pos == 1))
      return ET_E_HTTP_SYNTAX;
    if (c == '\r') { /* the LF that must follow ends the line */
      r->flags |= M_CR;
      return ET_OK;
    }
    e = line_end(r, room);
    r->pos = 0; /* what a line kept is gone with it */
    r->text_len = 0;
    r->vflags = 0;
    r->acc = 0;
    return e;
  }
  if ((c < 0x20 && c != '\t') || c == 0x7f) /* no other control byte */
    return ET_E_HTTP_SYNTAX;
  switch (s) {
  case S_STATUS:
    return status_byte(r, c);
  case S_REASON:
    return ET_OK;
  case S_NAME:
    return name_byte(r, c);
  case S_VALUE:
    return value_byte(r, c);
  default:
    return chunk_byte(r, c);
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
  if (k > r->remaining)
    k = r->remaining;
  if (k > room) { /* what fits is kept, then the answer is refused */
    k = room;
    e = ET_E_RESPONSE_TOO_LARGE;
  }
  if (k > 0)
    memmove(body + *body_len, in + *i, k);
  *body_len += k;
  *i += k;
  r->remaining -= k; /* never to 0 after an error: k was cut short */
  if (r->remaining > 0)
    return e;
  if (!r->chunked)
    return finish(r);
  r->state = S_CHUNK_DATA_END;
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
  if (r->err != ET_OK)
    return (et_err)r->err;
  while (i < n && !r->done && e == ET_OK) {
    if (r->state == S_BODY) {
      e = copy_body(r, in, n, &i, body, body_cap, body_len);
    } else {
      e = parse_byte(r, in[i], body_cap - *body_len);
      i++;
    }
  }
  *used = i;
  r->err = (uint8_t)e;
  return e;
}

et_err et_http_response_eof(et_http_response *r) {
  if (r == NULL)
    return ET_E_ARG;
  if (r->err != ET_OK)
    return (et_err)r->err;
  if (r->state == S_BODY && !r->chunked && !r->has_content_length)
    return finish(r); /* the body that ends with the connection */
  return r->done ? ET_OK : ET_E_TRUNCATED;
}
