/* SPDX-License-Identifier: MIT */
/* The UART modem transport (port/uart/uart_modem.c) against a scripted
 * modem: the bytes it answers with are queued before each call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "edgetoken/et_uart_modem.h"

typedef struct modem {
  uint8_t in[4096];
  size_t n, pos;
  uint8_t out[4096];
  size_t out_n;
  uint64_t now;
} modem;

static int get_byte(void *ctx) {
  modem *d = ctx;
  return d->pos < d->n ? d->in[d->pos++] : -1;
}

static bool put_byte(void *ctx, uint8_t b) {
  modem *d = ctx;
  if (d->out_n < sizeof d->out)
    d->out[d->out_n++] = b;
  return true;
}

static uint64_t mono(void *ctx) {
  modem *d = ctx;
  return d->now += 10;
}

static void frame(modem *d, char type, uint8_t link, const char *payload, size_t n) {
  d->in[d->n++] = (uint8_t)type;
  d->in[d->n++] = link;
  d->in[d->n++] = (uint8_t)(n >> 8);
  d->in[d->n++] = (uint8_t)n;
  if (n > 0)
    memcpy(d->in + d->n, payload, n);
  d->n += n;
}

/* The first connect uses link byte slot 0 | generation 1 << 3. */
#define FIRST_LINK 0x08

static modem g_d;
static et_uart_modem g_m;

/* A fresh transport over a silent modem. */
static et_transport open_modem(void) {
  et_uart_io io = { &g_d, put_byte, get_byte, NULL };
  et_clock clk = { mono, NULL, &g_d };
  memset(&g_d, 0, sizeof g_d);
  et_uart_modem_init(&g_m, &io, &clk);
  return et_uart_modem_transport(&g_m);
}

/* Regression (found by fuzz_uart_modem): the modem's "connected" and the
 * peer's close arriving in one poll made connect return ET_OK without a
 * socket. Now it is a connection whose data is read, then ET_E_CLOSED. */
static void test_connect_then_close_in_one_poll(void **state) {
  modem *d = &g_d;
  et_transport t = open_modem();
  uint8_t buf[16];
  size_t got = 99;
  int sock = -1;
  (void)state;
  frame(d, 'K', FIRST_LINK, NULL, 0);
  frame(d, 'D', FIRST_LINK, "hi", 2);
  frame(d, 'C', FIRST_LINK, NULL, 0);
  assert_int_equal(t.connect(t.ctx, "host", 443, 1000, &sock), ET_OK);
  assert_true(sock >= 0 && sock < ET_MODEM_LINKS);
  assert_int_equal(t.recv(t.ctx, sock, buf, sizeof buf, &got, 1000), ET_OK);
  assert_int_equal(got, 2);
  assert_memory_equal(buf, "hi", 2);
  assert_int_equal(t.recv(t.ctx, sock, buf, sizeof buf, &got, 1000), ET_E_CLOSED);
  assert_int_equal(got, 0);
  t.close(t.ctx, sock);
  /* The device sent 'O' "host:443" and, at close, 'C'. */
  assert_int_equal(d->out[0], 'O');
  assert_memory_equal(d->out + 4, "host:443", 8);
  assert_int_equal(d->out[d->out_n - 4], 'C');
}

/* A refusal stays a refusal: no socket. */
static void test_connect_refused(void **state) {
  et_transport t = open_modem();
  int sock = -1;
  (void)state;
  frame(&g_d, 'E', FIRST_LINK, "\x02", 1);
  assert_int_equal(t.connect(t.ctx, "host", 443, 1000, &sock), ET_E_CONNECT);
  assert_int_equal(sock, -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_connect_then_close_in_one_poll),
    cmocka_unit_test(test_connect_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
