/* SPDX-License-Identifier: MIT */
/* Certificate credentials on the target: client-credentials exchanges whose
 * client assertion the port's sign hook (et_mbedtls_set_key) signs with
 * mbedTLS from a key in flash (fw_test_key.h: a throwaway key made at build
 * time), over a recorded emulator answer (rec_port.h). The image prints each
 * assertion as "# assertion ALG KEY JWT"; tools/firmware-test.sh verifies
 * them with openssl against the certificates. Also reports the arena's
 * high-water mark (MBEDTLS_MEMORY_DEBUG) and the painted stack of the
 * exchange, and checks that the key leaves nothing in the arena. */
#include "fw.h"

#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include "edgetoken/edgetoken.h"
#include "edgetoken/et_mbedtls.h"
#include "fw_test_key.h"
#include "no_net.h"
#include "rec_port.h"
#include "recorded.h"

#ifndef FW_ARENA
#define FW_ARENA 30720
#endif

static unsigned char arena[FW_ARENA];
static et_mbedtls mp;

typedef struct cert_case {
  const char *test_name;
  const char *alg_name, *key_name; /* printed with the assertion for the host check */
  et_sig_alg alg;
  const unsigned char *key;
  size_t key_len;
  const unsigned char *x5t_s256, *x5t_sha1;
} cert_case;

static void cert_app(et_app *app, const cert_case *c) {
  memset(app, 0, sizeof *app);
  app->tenant = ET_STR("contoso-tenant");
  app->client_id = ET_STR("cert-app");
  app->cred.kind = ET_CRED_CERTIFICATE;
  app->cred.alg = c->alg;
  memcpy(app->cred.x5t_s256, c->x5t_s256, sizeof app->cred.x5t_s256);
  if (c->x5t_sha1 != NULL)
    memcpy(app->cred.x5t_sha1, c->x5t_sha1, sizeof app->cred.x5t_sha1);
}

static et_err exchange(et_port *port, const cert_case *c, et_token *tk, uint32_t *stack) {
  static const rec_answer script[] = { REC_ANSWER(cc_v2_cert) };
  et_app app;
  et_work w;
  et_result res;
  cert_app(&app, c);
  et_mbedtls_set_key(&mp, c->key, c->key_len, port);
  rec_play(script, 1, 97);
  rec_work(&w);
  fw_stack_paint();
  et_err e = et_client_credentials(port, &app, ET_ENDPOINT_V2, ET_STR("cert-app/.default"), &w,
                                   tk, &res);
  *stack = fw_stack_peak();
  return e;
}

static bool in_arena(const unsigned char *p, size_t n) {
  for (size_t i = 0; i + n <= sizeof arena; i++)
    if (memcmp(arena + i, p, n) == 0)
      return true;
  return false;
}

/* Any 8 bytes of the EC private scalar, as in the key (big-endian) or as
 * mbedTLS's limbs hold it (little-endian). */
static bool ec_key_in_arena(void) {
  for (size_t k = 0; k < sizeof fw_ec_d; k += 8) {
    unsigned char rev[8];
    for (size_t i = 0; i < 8; i++)
      rev[i] = fw_ec_d[sizeof fw_ec_d - 1 - k - i];
    if (in_arena(fw_ec_d + k, 8) || in_arena(rev, 8))
      return true;
  }
  return false;
}

static void put_str(const char *p, size_t n) {
  char chunk[65];
  while (n > 0) {
    size_t k = n < sizeof chunk - 1 ? n : sizeof chunk - 1;
    memcpy(chunk, p, k);
    chunk[k] = '\0';
    fw_puts(chunk);
    p += k;
    n -= k;
  }
}

static void assertion_signed_on_target(fw_tests *t, et_port *port, const cert_case *c) {
  et_token tk;
  size_t base, base_blocks, peak, peak_blocks, after, after_blocks, n = 0;
  uint32_t stack = 0;
  const char *jwt;
  unsigned dots = 0;
  mbedtls_memory_buffer_alloc_cur_get(&base, &base_blocks);
  mbedtls_memory_buffer_alloc_max_reset();
  et_err e = exchange(port, c, &tk, &stack);
  mbedtls_memory_buffer_alloc_max_get(&peak, &peak_blocks);
  mbedtls_memory_buffer_alloc_cur_get(&after, &after_blocks);
  FW_CHECK(t, e == ET_OK);
  FW_CHECK(t, rec.opens == 1);
  FW_CHECK(t, rec_sent_has("grant_type=client_credentials&client_id=cert-app&"));
  FW_CHECK(t, rec_sent_has("&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                           "client-assertion-type%3Ajwt-bearer&"));
  FW_CHECK(t, rec_sent_has("scope=cert-app%2F.default"));
  FW_CHECK(t, !rec_sent_has("client_secret"));
  jwt = rec_sent_after("&client_assertion=", &n);
  FW_CHECK(t, jwt != NULL && n > 200);
  for (size_t i = 0; jwt != NULL && i < n; i++)
    dots += jwt[i] == '.';
  FW_CHECK(t, dots == 2);
  FW_CHECK(t, et_str_eq(tk.token_type, ET_STR("Bearer")) && tk.access_token.n > 100);
  /* The key was parsed for this signature only: all of it is freed again,
   * and (for the EC key, whose scalar we know) wiped. */
  FW_CHECK(t, after == base && after_blocks == base_blocks);
  FW_CHECK(t, !ec_key_in_arena());
  if (jwt != NULL) {
    fw_puts("# assertion ");
    fw_puts(c->alg_name);
    fw_puts(" ");
    fw_puts(c->key_name);
    fw_puts(" ");
    put_str(jwt, n);
    fw_puts("\n");
  }
  fw_puts("# arena ");
  fw_puts(c->alg_name);
  fw_puts(": high-water ");
  fw_put_uint((uint32_t)peak);
  fw_puts(" bytes in ");
  fw_put_uint((uint32_t)peak_blocks);
  fw_puts(" blocks, of which ");
  fw_put_uint((uint32_t)base);
  fw_puts(" resident before (trust anchor, DRBG)\n# stack et_client_credentials with ");
  fw_puts(c->alg_name);
  fw_puts(" assertion ");
  fw_put_uint(stack);
  fw_puts(" bytes (painted, includes this test's frames)\n");
  fw_test_end(t, c->test_name);
}

static void report_sign_stack(const char *alg, uint32_t bytes) {
  fw_puts("# stack port->sign ");
  fw_puts(alg);
  fw_puts(" ");
  fw_put_uint(bytes);
  fw_puts(" bytes (painted, includes this test's frames)\n");
}

/* The hook alone: signature sizes and its stack, then what it refuses. */
static void sign_hook_sizes_and_refusals(fw_tests *t, et_port *port) {
  static const uint8_t digest[32] = { 1, 2, 3 };
  static const cert_case cut = { "", "PS256", "cut", ET_SIG_PS256, fw_key_rsa, sizeof fw_key_rsa - 1,
                                 fw_rsa_x5t_s256, NULL };
  uint8_t sig[ET_ASSERTION_SIG_MAX];
  size_t len = 0, base, base_blocks, after, after_blocks;
  et_token tk;
  uint32_t stack;
  mbedtls_memory_buffer_alloc_cur_get(&base, &base_blocks);
  et_mbedtls_set_key(&mp, fw_key_rsa, sizeof fw_key_rsa, port);
  FW_CHECK(t, port->sign(port->ctx, ET_SIG_ES256, digest, sig, sizeof sig, &len) == ET_E_ARG);
  FW_CHECK(t, port->sign(port->ctx, ET_SIG_PS256, digest, sig, 255, &len) == ET_E_NOSPACE);
  fw_stack_paint();
  FW_CHECK(t, port->sign(port->ctx, ET_SIG_PS256, digest, sig, sizeof sig, &len) == ET_OK &&
                  len == 256);
  report_sign_stack("PS256", fw_stack_peak());
  et_mbedtls_set_key(&mp, fw_key_ec, sizeof fw_key_ec, port);
  FW_CHECK(t, port->sign(port->ctx, ET_SIG_PS256, digest, sig, sizeof sig, &len) == ET_E_ARG);
  fw_stack_paint();
  FW_CHECK(t, port->sign(port->ctx, ET_SIG_ES256, digest, sig, sizeof sig, &len) == ET_OK &&
                  len == 64);
  report_sign_stack("ES256", fw_stack_peak());
  /* A key cut short does not parse: core sends nothing. */
  FW_CHECK(t, exchange(port, &cut, &tk, &stack) == ET_E_CRYPTO);
  FW_CHECK(t, rec.opens == 0);
  mbedtls_memory_buffer_alloc_cur_get(&after, &after_blocks);
  FW_CHECK(t, after == base && after_blocks == base_blocks);
  FW_CHECK(t, !ec_key_in_arena());
  fw_test_end(t, "certificate: sign hook sizes; wrong algorithm, small buffer, bad key refused");
}

void fw_suite_cert_assertion(fw_tests *t) {
  et_mbedtls_config cfg;
  static const cert_case cases[] = {
    { "certificate: PS256 assertion signed on target (RSA 2048, DER key)", "PS256", "client-rsa",
      ET_SIG_PS256, fw_key_rsa, sizeof fw_key_rsa, fw_rsa_x5t_s256, NULL },
    { "certificate: RS256 assertion signed on target (RSA 2048, ready-made SHA-1 x5t)", "RS256",
      "client-rsa", ET_SIG_RS256, fw_key_rsa, sizeof fw_key_rsa, fw_rsa_x5t_s256,
      fw_rsa_x5t_sha1 },
    { "certificate: ES256 assertion signed on target (P-256, PEM key)", "ES256", "client-ec",
      ET_SIG_ES256, fw_key_ec, sizeof fw_key_ec, fw_ec_x5t_s256, NULL },
  };
  et_port port;
  size_t used, blocks;
  memset(&port, 0, sizeof port);
  mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
  /* The recorded port answers instead: mbedTLS opens no connection here.
   * The client's own certificate stands in for the trust anchors. */
  fw_no_net_config(&cfg, fw_cert_rsa, sizeof fw_cert_rsa);
  et_err e = et_mbedtls_init(&mp, &cfg, &port);
  FW_CHECK(t, e == ET_OK);
  if (e != ET_OK) {
    fw_test_end(t, "certificate: mbedTLS port starts");
    return;
  }
  rec_port_hooks(&port);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assertion_signed_on_target(t, &port, &cases[i]);
  sign_hook_sizes_and_refusals(t, &port);
  et_mbedtls_free(&mp);
#if defined(MBEDTLS_PSA_CRYPTO_C)
  mbedtls_psa_crypto_free(); /* process-wide: the port leaves PSA running */
#endif
  mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
  FW_CHECK(t, used == 0 && blocks == 0);
  fw_test_end(t, "certificate: the arena is empty after et_mbedtls_free (and PSA's)");
}
