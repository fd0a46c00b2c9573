/* SPDX-License-Identifier: MIT */
/* The UART modem transport (et_uart_modem.h): framing, links, credit and
 * deadlines over a board's two byte hooks. */
#include "edgetoken/et_uart_modem.h"

#include <string.h>

enum { MD_FREE = 0, MD_OPENING, MD_UP, MD_EOF, MD_FAILED };

#define MD_SLOT_BITS 3u
#define MD_SLOT_MASK ((1u << MD_SLOT_BITS) - 1u)

static uint64_t md_now(const et_uart_modem *m) {
  return m->clock.mono_ms(m->clock.ctx);
}

static et_err md_code(uint8_t code) {
  switch (code) {
  case 1: return ET_E_DNS;
  case 2: return ET_E_CONNECT;
  case 3: return ET_E_TIMEOUT;
  case 4: return ET_E_CLOSED;
  default: return ET_E_IO;
  }
}

static et_modem_link *md_link(et_uart_modem *m, uint8_t id) {
  unsigned slot = id & MD_SLOT_MASK;
  if (slot >= ET_MODEM_LINKS)
    return NULL;
  et_modem_link *l = &m->links[slot];
  return (l->state != MD_FREE && l->id == id) ? l : NULL;
}

/* A complete control frame (everything but data). */
static void md_frame(et_uart_modem *m) {
  uint8_t type = m->hdr[0];
  et_modem_link *l = md_link(m, m->hdr[1]);
  size_t n = m->body_len < sizeof m->ctl ? m->body_len : sizeof m->ctl;
  m->frames_in++;
  if (type == 'S') {
    if (n >= 8) {
      uint64_t t = 0;
      for (size_t i = 0; i < 8; i++)
        t = (t << 8) | m->ctl[i];
      m->unix_s = (int64_t)t;
      m->seed_len = n - 8;
      memcpy(m->seed, m->ctl + 8, m->seed_len);
      m->have_setup = true;
    }
    return;
  }
  if (l == NULL) {
    m->dropped++;
    return;
  }
  if (type == 'K' && l->state == MD_OPENING) {
    l->state = MD_UP;
  } else if (type == 'E') {
    l->state = MD_FAILED;
    l->err = md_code(n > 0 ? m->ctl[0] : 0);
  } else if (type == 'C' && l->state == MD_UP) {
    l->state = MD_EOF;
  }
}

static void md_byte(et_uart_modem *m, uint8_t b) {
  if (m->hdr_got < 4) {
    m->hdr[m->hdr_got++] = b;
    if (m->hdr_got == 4) {
      m->body_len = (uint16_t)((m->hdr[2] << 8) | m->hdr[3]);
      m->body_got = 0;
      if (m->body_len == 0) {
        md_frame(m);
        m->hdr_got = 0;
      }
    }
    return;
  }
  if (m->hdr[0] == 'D') {
    et_modem_link *l = md_link(m, m->hdr[1]);
    if (l != NULL && l->state == MD_UP && l->len < ET_MODEM_RXBUF) {
      l->rx[(l->head + l->len) % ET_MODEM_RXBUF] = b;
      l->len++;
      if (l->credit > 0)
        l->credit--;
    } else {
      m->dropped++;
    }
  } else if (m->body_got < sizeof m->ctl) {
    m->ctl[m->body_got] = b;
  }
  if (++m->body_got == m->body_len) {
    if (m->hdr[0] == 'D')
      m->frames_in++;
    else
      md_frame(m);
    m->hdr_got = 0;
  }
}

/* Take every byte waiting in the UART. */
static void md_poll(et_uart_modem *m) {
  int c;
  while ((c = m->io.get(m->io.ctx)) >= 0)
    md_byte(m, (uint8_t)c);
}

static void md_idle(et_uart_modem *m, bool *idle, bool now) {
  if (*idle != now && m->io.idle != NULL)
    m->io.idle(m->io.ctx, now);
  *idle = now;
}

/* Put one byte, waiting until deadline (0: no limit, the frame is under
 * way). Keeps receiving meanwhile. */
static bool md_put(et_uart_modem *m, uint8_t b, uint64_t deadline) {
  bool idle = false, ok = true;
  while (!m->io.put(m->io.ctx, b)) {
    md_poll(m);
    if (deadline != 0 && md_now(m) >= deadline) {
      ok = false;
      break;
    }
    md_idle(m, &idle, true);
  }
  md_idle(m, &idle, false);
  return ok;
}

/* Send one frame; false when its first byte could not go before deadline
 * (then nothing was sent). */
static bool md_send_frame(et_uart_modem *m, uint8_t type, uint8_t link, const uint8_t *p,
                          size_t n, uint64_t deadline) {
  if (!md_put(m, type, deadline))
    return false;
  md_put(m, link, 0);
  md_put(m, (uint8_t)(n >> 8), 0);
  md_put(m, (uint8_t)n, 0);
  for (size_t i = 0; i < n; i++)
    md_put(m, p[i], 0);
  m->frames_out++;
  return true;
}

static uint64_t md_deadline(et_uart_modem *m, uint32_t timeout_ms) {
  return md_now(m) + timeout_ms;
}

/* Poll until done(l) or the deadline. */
static bool md_wait(et_uart_modem *m, et_modem_link *l, uint8_t while_state, uint64_t deadline) {
  bool idle = false;
  for (;;) {
    md_poll(m);
    if (l->state != while_state)
      break;
    if (md_now(m) >= deadline)
      break;
    md_idle(m, &idle, true);
  }
  md_idle(m, &idle, false);
  return l->state != while_state;
}

static void md_free(et_modem_link *l) {
  l->state = MD_FREE;
  l->len = l->head = l->credit = 0;
}

static et_err md_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms,
                         int *sock) {
  et_uart_modem *m = ctx;
  uint8_t req[ET_PORT_HOST_MAX + 8];
  size_t hl, n;
  unsigned slot;
  if (m == NULL || host == NULL || sock == NULL || port == 0)
    return ET_E_ARG;
  hl = strlen(host);
  if (hl == 0 || hl >= ET_PORT_HOST_MAX)
    return ET_E_ARG;
  for (slot = 0; slot < ET_MODEM_LINKS; slot++)
    if (m->links[slot].state == MD_FREE)
      break;
  if (slot == ET_MODEM_LINKS)
    return ET_E_NOSPACE;
  if (timeout_ms == 0)
    timeout_ms = ET_MODEM_CONNECT_MS;
  uint64_t deadline = md_deadline(m, timeout_ms);
  et_modem_link *l = &m->links[slot];
  m->gen = (uint8_t)(m->gen + 1u);
  if ((m->gen & (0xffu >> MD_SLOT_BITS)) == 0)
    m->gen = 1;
  memset(l, 0, sizeof *l - sizeof l->rx);
  l->id = (uint8_t)((m->gen << MD_SLOT_BITS) | slot);
  l->state = MD_OPENING;
  memcpy(req, host, hl);
  n = hl;
  req[n++] = ':';
  {
    char digits[5];
    size_t k = 0;
    uint16_t v = port;
    do {
      digits[k++] = (char)('0' + v % 10u);
      v = (uint16_t)(v / 10u);
    } while (v != 0);
    while (k > 0)
      req[n++] = (uint8_t)digits[--k];
  }
  if (!md_send_frame(m, 'O', l->id, req, n, deadline)) {
    md_free(l);
    return ET_E_TIMEOUT;
  }
  if (!md_wait(m, l, MD_OPENING, deadline)) {
    md_send_frame(m, 'C', l->id, NULL, 0, 0); /* the modem gives up too */
    md_free(l);
    return ET_E_TIMEOUT;
  }
  /* Connected, even if the peer's close came in the same poll (MD_EOF):
   * recv gives what arrived, then ET_E_CLOSED. */
  if (l->state != MD_UP && l->state != MD_EOF) {
    et_err e = l->err == ET_E_CLOSED ? ET_E_CONNECT : l->err;
    md_free(l);
    return e;
  }
  *sock = (int)slot;
  return ET_OK;
}

static et_modem_link *md_sock(et_uart_modem *m, int sock) {
  if (m == NULL || sock < 0 || sock >= ET_MODEM_LINKS || m->links[sock].state == MD_FREE)
    return NULL;
  return &m->links[sock];
}

static et_err md_send(void *ctx, int sock, const uint8_t *p, size_t n, size_t *sent,
                      uint32_t timeout_ms) {
  et_uart_modem *m = ctx;
  et_modem_link *l = md_sock(m, sock);
  if (sent != NULL)
    *sent = 0;
  if (l == NULL || sent == NULL || (p == NULL && n > 0))
    return ET_E_ARG;
  md_poll(m);
  if (l->state == MD_FAILED)
    return l->err == ET_E_TIMEOUT ? ET_E_IO : l->err;
  if (l->state == MD_EOF)
    return ET_E_CLOSED;
  if (n == 0)
    return ET_OK;
  size_t k = n < ET_MODEM_FRAME_MAX ? n : ET_MODEM_FRAME_MAX;
  if (!md_send_frame(m, 'D', l->id, p, k, md_deadline(m, timeout_ms)))
    return ET_E_TIMEOUT;
  *sent = k;
  return ET_OK;
}

/* Grant the modem what the ring can take beyond the credit outstanding,
 * once at least half of it is free. */
static void md_grant(et_uart_modem *m, et_modem_link *l, uint64_t deadline) {
  uint32_t room = (uint32_t)ET_MODEM_RXBUF - l->len - l->credit;
  if (room < ET_MODEM_RXBUF / 2u)
    return;
  uint8_t c[2] = { (uint8_t)(room >> 8), (uint8_t)room };
  if (md_send_frame(m, 'R', l->id, c, 2, deadline))
    l->credit = (uint16_t)(l->credit + room);
}

static et_err md_recv(void *ctx, int sock, uint8_t *p, size_t cap, size_t *got,
                      uint32_t timeout_ms) {
  et_uart_modem *m = ctx;
  et_modem_link *l = md_sock(m, sock);
  bool idle = false;
  if (got != NULL)
    *got = 0;
  if (l == NULL || got == NULL || p == NULL || cap == 0)
    return ET_E_ARG;
  uint64_t deadline = md_deadline(m, timeout_ms);
  for (;;) {
    md_poll(m);
    if (l->len > 0) {
      size_t k = 0;
      while (k < cap && l->len > 0) {
        p[k++] = l->rx[l->head];
        l->head = (uint16_t)((l->head + 1u) % ET_MODEM_RXBUF);
        l->len--;
      }
      *got = k;
      md_idle(m, &idle, false);
      return ET_OK;
    }
    if (l->state == MD_EOF) {
      md_idle(m, &idle, false);
      return ET_E_CLOSED;
    }
    if (l->state == MD_FAILED) {
      md_idle(m, &idle, false);
      return l->err == ET_E_TIMEOUT ? ET_E_IO : l->err;
    }
    md_grant(m, l, deadline);
    if (md_now(m) >= deadline)
      break;
    md_idle(m, &idle, true);
  }
  md_idle(m, &idle, false);
  return ET_E_TIMEOUT;
}

static void md_close(void *ctx, int sock) {
  et_uart_modem *m = ctx;
  et_modem_link *l = md_sock(m, sock);
  if (l == NULL)
    return;
  /* A 4-byte frame: the UART takes it at once or within a byte time. */
  md_send_frame(m, 'C', l->id, NULL, 0, md_deadline(m, 100));
  md_free(l);
}

void et_uart_modem_init(et_uart_modem *m, const et_uart_io *io, const et_clock *clock) {
  memset(m, 0, sizeof *m);
  m->io = *io;
  m->clock = *clock;
}

et_transport et_uart_modem_transport(et_uart_modem *m) {
  et_transport t;
  memset(&t, 0, sizeof t);
  t.ctx = m;
  t.connect = md_connect;
  t.send = md_send;
  t.recv = md_recv;
  t.close = md_close;
  return t;
}

et_err et_uart_modem_hello(et_uart_modem *m, uint32_t timeout_ms) {
  uint64_t deadline = md_deadline(m, timeout_ms);
  bool idle = false;
  m->have_setup = false;
  if (!md_send_frame(m, 'H', 0, NULL, 0, deadline))
    return ET_E_TIMEOUT;
  for (;;) {
    md_poll(m);
    if (m->have_setup)
      break;
    if (md_now(m) >= deadline)
      break;
    md_idle(m, &idle, true);
  }
  md_idle(m, &idle, false);
  return m->have_setup ? ET_OK : ET_E_TIMEOUT;
}
