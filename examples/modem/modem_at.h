/* SPDX-License-Identifier: MIT */
/* The serial link between the device (modem_token.c) and the simulated
 * cellular modem (modem_sim.c): a byte stream, as a UART would be, carrying
 * a tiny AT dialect shaped like a modem's HTTP(S) service. The modem takes
 * one whole HTTP request and gives back one whole HTTP response; it never
 * exposes a socket or a TLS record.
 *
 *   device  AT\r\n                                   modem  OK\r\n
 *   device  AT+HTTPSEND="<host>",<port>,<len>,<rsptime>\r\n  then <len> bytes:
 *           the whole request (request line, headers, body); rsptime is the
 *           seconds the modem may spend on connect, TLS, send and answer
 *   modem   +HTTPRECV: <len>\r\n  then <len> bytes: the whole response
 *           (status line, headers, body), read until the server closed
 *     or    +HTTPERROR: <code>\r\n  (codes below; nothing reached the
 *           device's parser)
 *   device  AT+QPOWD\r\n                              modem  OK\r\n, then off
 *
 * Anything else the modem answers with ERROR\r\n. Lines are ASCII and at
 * most MODEM_LINE_MAX bytes, "\r\n" included. */
#ifndef EDGETOKEN_EXAMPLE_MODEM_AT_H
#define EDGETOKEN_EXAMPLE_MODEM_AT_H

#include "edgetoken/et_err.h"

#define MODEM_LINE_MAX 320
/* The modem's buffers (a real module has a few KB to a few tens of KB). */
#define MODEM_REQ_MAX 8192
#define MODEM_RSP_MAX 16384

/* +HTTPERROR codes, in the style of the 7xx HTTP(S) errors of cellular
 * modules (a real port maps its module's own table). */
enum modem_code {
  MODEM_E_UNKNOWN = 701,
  MODEM_E_TIMEOUT = 702,
  MODEM_E_DNS = 714,
  MODEM_E_CONNECT = 716,
  MODEM_E_CLOSED = 719,     /* the server closed before any answer */
  MODEM_E_TLS = 730,
  MODEM_E_TLS_VERIFY = 731, /* chain or host name rejected by the modem */
  MODEM_E_TOO_LARGE = 740,  /* the response overflowed the modem's buffer */
  MODEM_E_REQUEST = 741     /* not one whole HTTP/1.1 request */
};

/* The modem's side: what its TLS stack's failure is called on the wire. */
static inline int modem_code_of(et_err e) {
  switch (e) {
  case ET_E_TIMEOUT: return MODEM_E_TIMEOUT;
  case ET_E_DNS: return MODEM_E_DNS;
  case ET_E_CONNECT: return MODEM_E_CONNECT;
  case ET_E_CLOSED: return MODEM_E_CLOSED;
  case ET_E_TLS: return MODEM_E_TLS;
  case ET_E_TLS_VERIFY: return MODEM_E_TLS_VERIFY;
  case ET_E_RESPONSE_TOO_LARGE: return MODEM_E_TOO_LARGE;
  case ET_E_ARG: return MODEM_E_REQUEST;
  default: return MODEM_E_UNKNOWN;
  }
}

/* The device's side: the engine wants the port's error kinds, so that its
 * retry policy can tell a flaky network (retry) from a refused
 * certificate (stop). */
static inline et_err modem_err_of(int code) {
  switch (code) {
  case MODEM_E_TIMEOUT: return ET_E_TIMEOUT;
  case MODEM_E_DNS: return ET_E_DNS;
  case MODEM_E_CONNECT: return ET_E_CONNECT;
  case MODEM_E_CLOSED: return ET_E_CLOSED;
  case MODEM_E_TLS: return ET_E_TLS;
  case MODEM_E_TLS_VERIFY: return ET_E_TLS_VERIFY;
  case MODEM_E_TOO_LARGE: return ET_E_RESPONSE_TOO_LARGE;
  case MODEM_E_REQUEST: return ET_E_ARG;
  default: return ET_E_IO;
  }
}

/* The simulated modem's firmware: serve the AT link on fd until AT+QPOWD
 * or end of stream, with its own TLS stack (the POSIX port) trusting the
 * CA certificates in ca_file, as provisioned into a module's file system.
 * Logs one line per command to stderr, never request or response bytes.
 * Returns the process exit status. */
int modem_main(int fd, const char *ca_file, bool verbose);

#endif
