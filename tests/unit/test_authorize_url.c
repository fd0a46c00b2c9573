/* SPDX-License-Identifier: MIT */
/* The authorize URL, byte for byte, and the ADME sign-in scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgetoken/edgetoken.h"

static et_app app_with(const char *authority, const char *tenant) {
  et_app a;
  memset(&a, 0, sizeof a);
  a.authority = et_str_from_cstr(authority);
  a.tenant = et_str_from_cstr(tenant);
  a.client_id = ET_STR("11111111-2222-3333-4444-555555555555");
  a.cred.kind = ET_CRED_SECRET;
  a.cred.secret = ET_STR("never-in-a-url");
  return a;
}

static et_authorize_params params(void) {
  et_authorize_params p;
  memset(&p, 0, sizeof p);
  p.redirect_uri = ET_STR("http://localhost:8080");
  p.scope = ET_STR("11111111-2222-3333-4444-555555555555/.default openid profile offline_access");
  p.state = ET_STR("st4te_-");
  return p;
}

#define Q_BASE                                                                 \
  "client_id=11111111-2222-3333-4444-555555555555&response_type=code"          \
  "&redirect_uri=http%3A%2F%2Flocalhost%3A8080&response_mode=query"            \
  "&scope=11111111-2222-3333-4444-555555555555%2F.default%20openid%20profile"  \
  "%20offline_access&state=st4te_-"

static void check_url(const et_app *a, const et_authorize_params *p, const char *want) {
  char out[1024];
  et_buf b;
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_authorize_url(a, p, &b), ET_OK);
  assert_int_equal(b.len, strlen(want));
  assert_memory_equal(out, want, b.len);
  assert_null(memchr(out, '*', b.len));
}

static void minimal_url(void **state) {
  et_app a = app_with(NULL, "contoso.onmicrosoft.com");
  et_authorize_params p = params();
  (void)state;
  check_url(&a, &p,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?"
            Q_BASE);
}

static void full_url_with_pkce_and_options(void **state) {
  et_app a = app_with("https://localhost:8443/emu/", "72f988bf-86f1-41af-91ab-2d7cd011db47");
  et_authorize_params p = params();
  (void)state;
  p.code_challenge = ET_STR("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  p.prompt = ET_STR("select_account");
  p.login_hint = ET_STR("alice+dev@contoso.com");
  p.domain_hint = ET_STR("contoso.com");
  p.sso_reload = true;
  check_url(&a, &p,
            "https://localhost:8443/emu/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize?"
            Q_BASE
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            "&code_challenge_method=S256&prompt=select_account"
            "&login_hint=alice%2Bdev%40contoso.com&domain_hint=contoso.com&sso_reload=true");
}

static void ipv6_authority_and_odd_values(void **state) {
  et_app a = app_with("https://[::1]:9443", "common");
  et_authorize_params p = params();
  (void)state;
  p.redirect_uri = ET_STR("http://127.0.0.1:53117/cb?x=1&y=2");
  p.scope = ET_STR("a b");
  p.state = ET_STR("&state=evil#");
  check_url(&a, &p,
            "https://[::1]:9443/common/oauth2/v2.0/authorize?"
            "client_id=11111111-2222-3333-4444-555555555555&response_type=code"
            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A53117%2Fcb%3Fx%3D1%26y%3D2"
            "&response_mode=query&scope=a%20b&state=%26state%3Devil%23");
}

static void appends_after_existing_text(void **state) {
  et_app a = app_with(NULL, "common");
  et_authorize_params p = params();
  char out[512];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  et_buf_put_cstr(&b, "open ");
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_OK);
  assert_memory_equal(out, "open https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=",
                      strlen("open https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id="));
}

/* Each optional parameter stands alone: one given leaves the others out,
 * and no code_challenge_method goes without a challenge. */
static void one_option_alone(void **state) {
  et_app a = app_with(NULL, "common");
  et_authorize_params p = params();
  (void)state;
  p.login_hint = ET_STR("bob");
  check_url(&a, &p,
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?" Q_BASE
            "&login_hint=bob");
  p.login_hint = ET_STR_NULL;
  p.sso_reload = true;
  check_url(&a, &p,
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?" Q_BASE
            "&sso_reload=true");
}

static void refuses_bad_input(void **state) {
  et_app a = app_with(NULL, "contoso");
  et_authorize_params p = params();
  char out[1024];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  a.authority = ET_STR("http://login.microsoftonline.com");
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_URL);
  a.authority = ET_STR_NULL;
  a.tenant = ET_STR("contoso/../x");
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_ARG);
  a.tenant = ET_STR("contoso");
  a.client_id = ET_STR_NULL;
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_ARG);
  a.client_id = ET_STR("c");
  p.redirect_uri = ET_STR_NULL;
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_ARG);
  p = params();
  p.state = ET_STR_NULL;
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_ARG);
  p = params();
  p.scope = ET_STR_NULL;
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_ARG);
  assert_int_equal(b.len, 0); /* nothing written on refusal */
  assert_int_equal(et_authorize_url(NULL, &p, &b), ET_E_ARG);
  assert_int_equal(et_authorize_url(&a, NULL, &b), ET_E_ARG);
  assert_int_equal(et_authorize_url(&a, &p, NULL), ET_E_ARG);
}

static void too_small_buffer_is_nospace(void **state) {
  et_app a = app_with(NULL, "contoso");
  et_authorize_params p = params();
  char out[1024];
  et_buf b;
  size_t need;
  (void)state;
  et_buf_init(&b, NULL, 0); /* counting mode: measures */
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_OK);
  need = b.len;
  for (size_t cap = need - 1; cap + 3 > need && cap > 0; cap--) {
    et_buf_init(&b, out, cap);
    assert_int_equal(et_authorize_url(&a, &p, &b), ET_E_NOSPACE);
  }
  et_buf_init(&b, out, need);
  assert_int_equal(et_authorize_url(&a, &p, &b), ET_OK);
  assert_int_equal(b.len, need);
}

static void adme_scope(void **state) {
  char out[128];
  et_buf b;
  (void)state;
  et_buf_init(&b, out, sizeof out);
  assert_int_equal(et_signin_scope(&b, ET_STR("abc")), ET_OK);
  assert_int_equal(b.len, strlen("abc/.default openid profile offline_access"));
  assert_memory_equal(out, "abc/.default openid profile offline_access", b.len);
  assert_int_equal(et_signin_scope(&b, ET_STR_NULL), ET_E_ARG);
  et_buf_init(&b, out, 10);
  assert_int_equal(et_signin_scope(&b, ET_STR("abc")), ET_E_NOSPACE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(minimal_url),
    cmocka_unit_test(full_url_with_pkce_and_options),
    cmocka_unit_test(ipv6_authority_and_odd_values),
    cmocka_unit_test(appends_after_existing_text),
    cmocka_unit_test(one_option_alone),
    cmocka_unit_test(refuses_bad_input),
    cmocka_unit_test(too_small_buffer_is_nospace),
    cmocka_unit_test(adme_scope),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
