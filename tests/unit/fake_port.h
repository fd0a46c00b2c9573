/* SPDX-License-Identifier: MIT */
/* A scripted et_port for the unit tests of the blocking flows (et_drive
 * over the port): each request the client makes plays the next scene (an
 * open failure, or a canned response fed in small pieces), on a fresh
 * connection (open) or on the one the last scene left open (keep-alive).
 * The port records what the client sent, where it connected, how
 * connections were opened, reused and closed, its sleeps on a fake clock,
 * its log and what it stored. The engines without any port are tested in
 * test_engine; the real port and server by test_posix_port and the
 * integration tests. Misuse (a clear-text open, more requests than scenes,
 * a second open while a connection is still open, a request on a
 * connection the server closed) fails the running cmocka test. */
#ifndef EDGETOKEN_TEST_FAKE_PORT_H
#define EDGETOKEN_TEST_FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edgetoken/edgetoken.h"

#define MAX_SCENES 24
#define STORE_CAP 4096

typedef struct scene {
  et_err open_err;        /* ET_OK: connect (or reuse) and answer */
  const char *response;   /* bytes the "server" sends for this request */
  size_t piece;           /* bytes per recv (0: all at once) */
} scene;

/* Bit i of script.keep / script.stale is about scenes[i]. */
#define SCENE(i) (1u << (i))

typedef struct script {
  scene scenes[MAX_SCENES];
  size_t n_scenes;
  /* After these scenes' answers the server keeps the connection open for
   * the next request (else it closes it: a request sent on it again is
   * misuse). */
  uint32_t keep;
  /* These scenes play on a kept connection the server has meanwhile closed
   * while idle: the request goes out, then the connection reads as closed
   * with no answer. */
  uint32_t stale;
  size_t played;          /* scenes played: requests (or failed opens) */
  size_t opens;           /* open() calls */
  size_t reuses;          /* requests sent on an already open connection */
  size_t closes;          /* close() calls */
  bool conn_open;         /* the connection is open (not closed yet) */
  bool answered;          /* the current scene's response was all read */
  bool reused[MAX_SCENES];/* scene i went on a kept connection */
  size_t pos;             /* position in the current response */
  et_str host;            /* where the last open() went */
  uint16_t port;
  char sent[4096];        /* the last request the client sent */
  size_t sent_len;
  /* The fake clock: sleep_ms advances it, every open() costs latency_ms. */
  uint64_t now;
  uint32_t latency_ms;
  uint64_t at[MAX_SCENES]; /* the clock when each scene started */
  uint64_t slept_ms;
  unsigned sleeps;
  uint32_t longest_sleep;
  bool no_jitter;         /* random() gives zeros (else 0x5a bytes) */
  bool cancel;            /* cancelled() from the start... */
  uint64_t cancel_at;     /* ...or once the clock reaches this (0: never) */
  char log[2048];
  size_t log_len;
  /* The store: one key. */
  char key[64];
  uint8_t stored[STORE_CAP];
  size_t stored_len;
  bool has_value;
  unsigned saves, loads, deletes;
  et_err save_err;
  /* The connection handed out as et_conn * (opaque: et_conn is each
   * port's own type, and a test may include the POSIX port's too). */
  char conn;
} script;

/* Every hook of et_port but unix_s, sha256, sign and detail, all playing s. */
et_port script_port(script *s);

/* The store hook alone, for a test that wraps it. */
et_err script_store(void *ctx, et_store_op op, const char *key, uint8_t *buf, size_t cap,
                    size_t *len);

/* The app the flow tests use: tenant "contoso", client "app", with a
 * client secret, or a public client when secret is NULL. */
et_app fake_app(const char *secret);

/* needle occurs in the n bytes at hay. */
bool contains(const char *hay, size_t n, const char *needle);

#endif
