/* SPDX-License-Identifier: MIT */
/* HTTP proxies (RFC 9110 §9.3.6 CONNECT): the request that opens a tunnel
 * to host:port, the parser of the proxy's answer, the proxy URL
 * (http://[user[:password]@]host[:port]) and the no_proxy list. All pure:
 * the port (et_proxy_transport.h) sends and receives the bytes on its
 * transport before the TLS handshake, which stays the origin's (its host
 * name, its certificate). */
#ifndef EDGETOKEN_ET_PROXY_H
#define EDGETOKEN_ET_PROXY_H

#include "et_str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The proxy port when a URL names none (curl's default). */
#define ET_PROXY_DEFAULT_PORT 1080
/* Longest answer head (status line and headers) the parser takes. */
#define ET_PROXY_HEAD_MAX 8192u

/* Append "CONNECT host:port HTTP/1.1" with Host, User-Agent and, when
 * user is not empty, "Proxy-Authorization: Basic base64(user:pass)"
 * (RFC 7617; user and pass as they are, already percent-decoded), ending
 * with the blank line. An IPv6 literal host is bracketed. A redacting
 * buffer (b->redact) gets "Basic ***". The secret passes through a
 * 3-byte carry that is wiped; b holds it afterwards: wipe b when sent.
 * ET_E_ARG: host empty or not a host name / IPv6 literal, port 0, user
 * holding ':' or a control byte, pass holding a control byte, or pass
 * without user. ET_E_NOSPACE (via b) when it does not fit. */
ET_NODISCARD et_err et_proxy_connect_write(et_buf *b, et_str host, uint16_t port, et_str user,
                                           et_str pass);

/* The proxy's answer to CONNECT, parsed as bytes arrive (any split).
 * Header bytes are checked (HTTP/1.x status line, header lines without
 * control bytes, CR only before LF) and counted, not stored. Interim 1xx
 * answers are skipped. */
typedef struct et_proxy_answer {
  int status;      /* 200..599 once done */
  bool done;       /* the blank line after the headers is in */
  /* private */
  uint8_t state;
  uint8_t pos;     /* position in "HTTP/1.x" or the status digits */
  bool cr;         /* a CR was the last byte: an LF must follow */
  uint32_t bytes;  /* head bytes so far, 1xx heads included */
} et_proxy_answer;

void et_proxy_answer_init(et_proxy_answer *a);

/* Parse n bytes of in. *used: bytes consumed; it stops right after the
 * head (what follows is a refusal's body, or after a 2xx the origin's
 * bytes: the tunnel). ET_OK (check a->done), ET_E_HTTP_SYNTAX (not an
 * HTTP/1.x answer), ET_E_HTTP_TOO_LARGE (head over ET_PROXY_HEAD_MAX).
 * After an error the parser must be re-initialised. */
ET_NODISCARD et_err et_proxy_answer_parse(et_proxy_answer *a, const uint8_t *in, size_t n,
                                          size_t *used);

/* A proxy URL: "http://host", "host:port", "http://user:pw@[::1]:3128/".
 * Spans point into the URL; user and pass are still percent-encoded
 * (et_proxy_pct_decode them into a buffer you wipe). */
typedef struct et_proxy_url {
  et_str host;        /* a name, an IPv4 literal or an IPv6 literal without brackets */
  uint16_t port;      /* ET_PROXY_DEFAULT_PORT when the URL names none */
  bool has_userinfo;  /* "...@" was present (user may still be empty) */
  et_str user;
  et_str pass;
} et_proxy_url;

/* Parse url: an optional "http://" scheme (any case), an optional
 * userinfo, the host, an optional port (1..65535), an optional "/".
 * ET_E_URL: another scheme (an https:// proxy, socks5://: not spoken), an
 * empty or invalid host, a bad port, a path, query or fragment beyond "/",
 * control bytes or spaces. ET_E_ARG for NULL out. */
ET_NODISCARD et_err et_proxy_url_parse(et_str url, et_proxy_url *out);

/* Percent-decode s (userinfo) into out[0..cap): *n bytes. ET_E_URL for a
 * '%' not followed by two hex digits; ET_E_NOSPACE when cap is too small. */
ET_NODISCARD et_err et_proxy_pct_decode(et_str s, char *out, size_t cap, size_t *n);

/* Whether a connection to host:port goes direct by the no_proxy list, as
 * curl reads it: entries split at ',' (spaces around them ignored); an
 * entry "*" matches every host; an entry matches the host itself and every
 * name under it ("example.com" and ".example.com" both match
 * "example.com" and "a.example.com", never "badexample.com"); case does
 * not matter; a trailing '.' on either is ignored. An entry with ":port"
 * ("host:8443", "[::1]:8443") matches that port only; without, every
 * port. IP literals match exactly (no CIDR ranges). An empty list
 * matches nothing. */
bool et_proxy_bypass(et_str no_proxy, et_str host, uint16_t port);

#ifdef __cplusplus
}
#endif

#endif
