/* SPDX-License-Identifier: MIT */
/* An et_transport over a UART to a "modem": the template for a device
 * whose network is a cellular or satellite modem on a serial line.
 *
 * The board gives two byte hooks (put one byte if the UART can take it,
 * take one received byte if there is one) and a millisecond clock; this
 * module does the framing, the connection table, flow control and the
 * deadlines. No heap, no globals: one et_uart_modem per UART.
 *
 * The framing (both directions): a frame is
 *
 *     type (1 byte) | link (1 byte) | length (2 bytes, big-endian) | payload
 *
 * with a payload of at most ET_MODEM_FRAME_MAX bytes. The link byte names
 * a connection: slot | generation << 3, so an answer meant for a closed
 * connection is never taken by the next one in the same slot.
 *
 *   device -> modem                      modem -> device
 *   'O' open  "host:port"                'K' open: connected
 *   'D' data  bytes                      'E' error: one byte, see below
 *   'R' read  2-byte BE credit           'D' data (never more than the credit)
 *   'C' close                            'C' the peer closed (end of stream)
 *   'H' hello (link 0, empty)            'S' setup: 8-byte BE unix time, seed
 *
 * 'E' codes: 1 DNS, 2 refused/unreachable, 3 timeout, 4 reset, others IO.
 * 'R' grants the modem that many more bytes of data on the link: the
 * device never receives more than its buffer holds, however slowly it
 * reads. 'H'/'S' is the start-up handshake of the QEMU bridge
 * (tools/modem-bridge.py): it hands over the wall clock and, because the
 * emulated board has no TRNG, an entropy seed (see docs/devices.md: a real
 * device feeds its TRNG instead). A real modem's AT socket service maps
 * one to one: 'O' AT+CIPOPEN, 'D' AT+CIPSEND, 'R' AT+CIPRXGET, 'C'
 * AT+CIPCLOSE, 'E'/'C' its URCs; 'S' is AT+CCLK for the time.
 *
 * Timeouts: every call waits at most its timeout_ms on the clock. A frame
 * once started is always finished (a UART drains at its baud rate; a
 * frame cut short would lose the framing), so a send may overrun its
 * deadline by one frame's transmission time. connect always connects
 * fully (timeout_ms 0: ET_MODEM_CONNECT_MS). */
#ifndef EDGETOKEN_ET_UART_MODEM_H
#define EDGETOKEN_ET_UART_MODEM_H

#include "edgetoken/et_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ET_MODEM_LINKS
#define ET_MODEM_LINKS ET_PORT_CONNS
#endif
/* Receive buffer per link (the most credit outstanding) and the largest
 * frame payload either way. */
#ifndef ET_MODEM_RXBUF
#define ET_MODEM_RXBUF 1024
#endif
#define ET_MODEM_FRAME_MAX 1024
#ifndef ET_MODEM_CONNECT_MS
#define ET_MODEM_CONNECT_MS 30000u
#endif
#define ET_MODEM_SEED_MAX 48

typedef struct et_uart_io {
  void *ctx;
  /* Put one byte if the UART can take it now: true when taken. */
  bool (*put)(void *ctx, uint8_t b);
  /* One received byte (0-255), or -1 when none is waiting. */
  int (*get)(void *ctx);
  /* Optional: told when the transport starts (true) and stops (false)
   * waiting on the UART, e.g. to sleep or to count the time spent. */
  void (*idle)(void *ctx, bool idle);
} et_uart_io;

typedef struct et_modem_link {
  uint8_t id;        /* wire link byte while in use */
  uint8_t state;     /* the module's */
  et_err err;        /* why it failed */
  uint16_t head, len;/* the ring of received bytes */
  uint16_t credit;   /* granted to the modem, not yet received */
  uint8_t rx[ET_MODEM_RXBUF];
} et_modem_link;

typedef struct et_uart_modem {
  et_uart_io io;
  et_clock clock;
  uint8_t gen;
  /* The frame being received. */
  uint8_t hdr[4];
  uint8_t hdr_got;
  uint16_t body_len, body_got;
  uint8_t ctl[ET_MODEM_SEED_MAX + 8];
  /* The modem's 'S' answer. */
  bool have_setup;
  int64_t unix_s;
  uint8_t seed[ET_MODEM_SEED_MAX];
  size_t seed_len;
  /* Counters. */
  uint32_t frames_in, frames_out, dropped;
  et_modem_link links[ET_MODEM_LINKS];
} et_uart_modem;

/* Set up m over io with clock (both copied). */
void et_uart_modem_init(et_uart_modem *m, const et_uart_io *io, const et_clock *clock);

/* The four et_transport hooks over m (ctx = m). */
et_transport et_uart_modem_transport(et_uart_modem *m);

/* Start-up: send 'H' and wait up to timeout_ms for the modem's 'S'. Then
 * m->unix_s holds its wall clock and m->seed[0..seed_len) its seed.
 * ET_E_TIMEOUT when no answer came. */
ET_NODISCARD et_err et_uart_modem_hello(et_uart_modem *m, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
