/* SPDX-License-Identifier: MIT */
/* libFuzzer: the UART modem transport's receive side (port/uart/
 * uart_modem.c), the bytes a modem (or anything on the serial line) sends.
 * First byte: how many bytes the UART holds at a time (the others arrive
 * on later polls) and whether it refuses some puts; the rest is the byte
 * stream. A session runs over it: hello, two connects, sends, receives,
 * closes. Invariants: every error is one the transport documents; a
 * receive returns 1..cap bytes or none; each link's ring and credit stay
 * within ET_MODEM_RXBUF (len + credit never above it); the setup seed
 * within ET_MODEM_SEED_MAX; and every frame the device sent is whole and
 * well-formed (type O/D/R/C/H, a payload of at most ET_MODEM_FRAME_MAX,
 * 'R' grants that fit the ring). */
#include "edgetoken/et_uart_modem.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct line {
  const uint8_t *in;
  size_t n, pos, burst, since;
  bool refuse;
  unsigned puts;
  uint64_t now;
  uint8_t out[64 * 1024];
  size_t out_n;
} line;

static int get_byte(void *ctx) {
  line *l = ctx;
  if (l->pos >= l->n)
    return -1;
  if (l->since == l->burst) { /* the rest comes on a later poll */
    l->since = 0;
    return -1;
  }
  l->since++;
  return l->in[l->pos++];
}

static bool put_byte(void *ctx, uint8_t b) {
  line *l = ctx;
  if (l->refuse && (++l->puts % 7) == 0)
    return false; /* the UART is busy now */
  if (l->out_n < sizeof l->out)
    l->out[l->out_n++] = b;
  return true;
}

static uint64_t mono(void *ctx) {
  line *l = ctx;
  return l->now += 25;
}

static bool known(et_err e) {
  return e == ET_OK || e == ET_E_TIMEOUT || e == ET_E_DNS || e == ET_E_CONNECT ||
         e == ET_E_CLOSED || e == ET_E_IO || e == ET_E_NOSPACE;
}

static void check_state(const et_uart_modem *m) {
  CHECK(m->seed_len <= ET_MODEM_SEED_MAX);
  for (size_t i = 0; i < ET_MODEM_LINKS; i++) {
    const et_modem_link *k = &m->links[i];
    CHECK(k->len <= ET_MODEM_RXBUF && k->head < ET_MODEM_RXBUF);
    CHECK((uint32_t)k->len + k->credit <= ET_MODEM_RXBUF);
  }
}

/* The device's frames, parsed back. */
static void check_output(const line *l) {
  size_t i = 0;
  if (l->out_n == sizeof l->out)
    return; /* cut by the recorder */
  while (i < l->out_n) {
    size_t n;
    CHECK(i + 4 <= l->out_n);
    CHECK(strchr("ODRCH", l->out[i]) != NULL && l->out[i] != '\0');
    n = (size_t)l->out[i + 2] << 8 | l->out[i + 3];
    CHECK(n <= ET_MODEM_FRAME_MAX && i + 4 + n <= l->out_n);
    if (l->out[i] == 'R') {
      CHECK(n == 2);
      CHECK(((size_t)l->out[i + 4] << 8 | l->out[i + 5]) <= ET_MODEM_RXBUF);
    }
    if (l->out[i] == 'H' || l->out[i] == 'C')
      CHECK(n == 0);
    i += 4 + n;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static line l;
  static et_uart_modem m;
  static const uint8_t req[1100] = { 'G', 'E', 'T' };
  uint8_t rx[700];
  et_uart_io io = { &l, put_byte, get_byte, NULL };
  et_clock clk = { mono, NULL, &l };
  et_transport t;
  int sock[2] = { -1, -1 };
  et_err e;
  if (size < 1)
    return 0;
  memset(&l, 0, sizeof l);
  l.in = data + 1;
  l.n = size - 1;
  l.burst = 1 + (data[0] & 0x7f) * 8;
  l.refuse = data[0] & 0x80;
  et_uart_modem_init(&m, &io, &clk);
  t = et_uart_modem_transport(&m);

  e = et_uart_modem_hello(&m, 200);
  CHECK(e == ET_OK || e == ET_E_TIMEOUT);
  CHECK(e != ET_OK || m.have_setup);
  check_state(&m);
  for (int round = 0; round < 3; round++) {
    for (int s = 0; s < 2; s++) {
      if (sock[s] >= 0)
        continue;
      e = t.connect(t.ctx, s ? "login.microsoftonline.com" : "127.0.0.1", 443, 300, &sock[s]);
      CHECK(known(e));
      if (e != ET_OK)
        sock[s] = -1;
      else
        CHECK(sock[s] >= 0 && sock[s] < ET_MODEM_LINKS);
      check_state(&m);
    }
    for (int s = 0; s < 2; s++) {
      size_t sent = 99, got = 99;
      if (sock[s] < 0)
        continue;
      /* Once more than a frame holds, then short requests. */
      size_t n = round == 0 && s == 0 ? sizeof req : 40;
      e = t.send(t.ctx, sock[s], req, n, &sent, 200);
      CHECK(known(e) && (e == ET_OK ? sent >= 1 && sent <= n : sent == 0));
      for (int r = 0; r < 4; r++) {
        size_t cap = 1 + (size_t)(l.pos % sizeof rx);
        e = t.recv(t.ctx, sock[s], rx, cap, &got, 200);
        CHECK(known(e) && (e == ET_OK ? got >= 1 && got <= cap : got == 0));
        check_state(&m);
        if (e != ET_OK)
          break;
      }
      if (e != ET_OK && e != ET_E_TIMEOUT) {
        t.close(t.ctx, sock[s]);
        sock[s] = -1;
      }
    }
  }
  for (int s = 0; s < 2; s++)
    if (sock[s] >= 0)
      t.close(t.ctx, sock[s]);
  check_state(&m);
  check_output(&l);
  return 0;
}
