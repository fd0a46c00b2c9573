/* A scripted et_port for the unit tests of the flows: each open() plays the
 * next scene (an open failure, or a canned response fed in small pieces),
 * and the port records what the client sent, where it connected, its sleeps
 * on a fake clock, its log and what it stored. The real port and server
 * are covered by test_posix_port and the integration tests. Misuse (a
 * clear-text open, more opens than scenes) fails the running cmocka test. */
#ifndef EDGETOKEN_TEST_FAKE_PORT_H
#define EDGETOKEN_TEST_FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edgetoken/edgetoken.h"

#define MAX_SCENES 24
#define STORE_CAP 4096

typedef struct scene {
  et_err open_err;        /* ET_OK: connect and answer */
  const char *response;   /* bytes the "server" sends, then closes */
  size_t piece;           /* bytes per recv (0: all at once) */
} scene;

struct et_conn {
  int unused;
};

typedef struct script {
  scene scenes[MAX_SCENES];
  size_t n_scenes;
  size_t opened;          /* open() calls so far */
  size_t pos;             /* position in the current response */
  et_str host;            /* where the last open() went */
  uint16_t port;
  char sent[4096];        /* what the client sent on the last connection */
  size_t sent_len;
  /* The fake clock: sleep_ms advances it, every open() costs latency_ms. */
  uint64_t now;
  uint32_t latency_ms;
  uint64_t at[MAX_SCENES]; /* the clock at each open() */
  uint64_t slept_ms;
  unsigned sleeps;
  uint32_t longest_sleep;
  bool no_jitter;         /* random() gives zeros: exact back-off times */
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
  struct et_conn conn;
} script;

/* Every hook of et_port but unix_s, sha256 and sign, all playing s. */
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
