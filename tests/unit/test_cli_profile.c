/* SPDX-License-Identifier: MIT */
/* The CLI's parser and profiles (examples/cli/cli_args.c, cli_profile.c)
 * in-process: argv forms into cli_opts, the suggestions, --prompt's values,
 * a config file's profiles filling what argv leaves out, its refusals
 * (secrets, others may write it, bad lines), and `config set/unset`'s
 * edits byte for byte. Config files live in a fresh XDG_CONFIG_HOME. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static char g_dir[64], g_path[128];

static int make_home(void **state) {
  (void)state;
  strcpy(g_dir, "/tmp/et-profile-XXXXXX");
  if (mkdtemp(g_dir) == NULL)
    return -1;
  snprintf(g_path, sizeof g_path, "%s/edgetoken/config", g_dir);
  setenv("XDG_CONFIG_HOME", g_dir, 1);
  unsetenv("EDGETOKEN_PROFILE");
  unsetenv("EDGETOKEN_STORE_DIR");
  return 0;
}

static int remove_home(void **state) {
  char sub[96];
  (void)state;
  unlink(g_path);
  snprintf(sub, sizeof sub, "%s/edgetoken", g_dir);
  rmdir(sub);
  return rmdir(g_dir);
}

static void write_config(const char *text, mode_t mode) {
  char sub[96];
  FILE *f;
  snprintf(sub, sizeof sub, "%s/edgetoken", g_dir);
  mkdir(sub, 0700);
  f = fopen(g_path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  chmod(g_path, mode);
}

static const char *read_config(void) {
  static char buf[4096];
  FILE *f = fopen(g_path, "r");
  size_t n;
  assert_non_null(f);
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* argv from a NULL-terminated list. */
static bool parse(cli_opts *o, const char *first, ...) {
  static char *argv[32];
  int argc = 0;
  va_list ap;
  argv[argc++] = (char *)"edgetoken";
  va_start(ap, first);
  for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
    argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  return cli_parse_args(argc, argv, o);
}

static void test_suggestions(void **state) {
  (void)state;
  assert_string_equal(cli_option_suggest("tenat", 5), "tenant");
  assert_string_equal(cli_option_suggest("client_id", 9), "client-id");
  assert_string_equal(cli_option_suggest("scpoe", 5), "scope");            /* a swap */
  assert_string_equal(cli_option_suggest("ten", 3), "tenant");             /* the only prefix */
  assert_string_equal(cli_option_suggest("client-secrt", 12), "client-secret-file");
  assert_string_equal(cli_option_suggest("no-qrr", 6), "no-qr");
  assert_null(cli_option_suggest("frobnicate", 10));
  assert_null(cli_option_suggest("re", 2)); /* redirect, resource, ...: no guess */
}

static void test_argv_forms(void **state) {
  cli_opts o;
  (void)state;
  assert_true(parse(&o, "--verbose", "token", "--tenant=T1", "--client-id", "C1", "--timeout=7",
                    "--json", "--", NULL));
  assert_string_equal(o.command, "token");
  assert_string_equal(o.tenant, "T1");
  assert_string_equal(o.client_id, "C1");
  assert_int_equal(o.timeout_s, 7);
  assert_true(o.json && o.verbose);
  assert_true(parse(&o, "call", "--url", "https://x", "GET", "--data-partition-id", "p", "--",
                    "/api/--odd", NULL));
  assert_string_equal(o.method, "GET");
  assert_string_equal(o.path, "/api/--odd");
  assert_true(parse(&o, "device-login", "--qr", "--no-qr", NULL));
  assert_int_equal(o.qr, CLI_QR_OFF); /* the later wins */
  assert_true(parse(&o, "device-login", "--no-qr", "--qr", NULL));
  assert_int_equal(o.qr, CLI_QR_ON);
  assert_true(parse(&o, "token", "-v", "--endpoint=v1", "--resource", "r", NULL));
  assert_int_equal(o.endpoint, ET_ENDPOINT_V1);
  assert_true(o.verbose);

  assert_false(parse(&o, "token", "--tenat", "x", NULL));
  assert_false(parse(&o, "token", "--tenant", NULL));
  assert_false(parse(&o, "token", "--json=1", NULL));
  assert_false(parse(&o, "token", "--", "--json", NULL));
  assert_false(parse(&o, "token", "--wait", "5", NULL)); /* login's */
  assert_false(parse(&o, "tokn", NULL));
  assert_false(parse(&o, "token", "--timeout", "0", NULL));
  assert_false(parse(&o, "token", "--timeout", "-5", NULL));
  assert_false(parse(&o, "call", "GET", "/a", "extra", NULL));
  assert_false(parse(&o, "token", "--private-key", "-", NULL)); /* never copied to disk */
  assert_false(parse(&o, "redeem", "--redirect", "-", "--client-secret-file=-", NULL));
  assert_true(parse(&o, "redeem", "--redirect", "-", NULL));
}

static void test_prompt_values(void **state) {
  const cli_option *p = cli_option_named("prompt", 6);
  (void)state;
  assert_non_null(p);
  assert_true(cli_option_value_ok(p, "login", "--prompt"));
  assert_true(cli_option_value_ok(p, "select_account", "--prompt"));
  assert_true(cli_option_value_ok(p, "create", "--prompt"));
  assert_true(cli_option_value_ok(p, "login consent", "--prompt"));
  assert_true(cli_option_value_ok(p, "none", "--prompt"));
  assert_false(cli_option_value_ok(p, "none login", "--prompt"));
  assert_false(cli_option_value_ok(p, "bogus", "--prompt"));
  assert_false(cli_option_value_ok(p, "Login", "--prompt"));
  assert_false(cli_option_value_ok(p, "log", "--prompt"));
  assert_false(cli_option_value_ok(cli_option_named("client-auth", 11), "post jwt",
                                   "--client-auth")); /* one value only */
}

static void test_profile_fills_what_argv_leaves(void **state) {
  cli_opts o;
  (void)state;
  write_config("# mine\n[default]\ntenant = T0\nclient-id = C0\nurl = https://adme.example\n"
               "\n[profile lab]\n  tenant=T1  \nscope = api://x/.default\n"
               "[ops]\ntenant = T2\nendpoint = v1\nresource = R2\n",
               0600);
  assert_true(parse(&o, "token", NULL));
  assert_string_equal(o.tenant, "T0");
  assert_string_equal(o.client_id, "C0");
  assert_null(o.url); /* call's: skipped for token */
  assert_true(parse(&o, "call", "GET", "/a", "--data-partition-id", "p", NULL));
  assert_string_equal(o.url, "https://adme.example");
  assert_true(parse(&o, "token", "--tenant", "TX", NULL));
  assert_string_equal(o.tenant, "TX"); /* argv wins */
  assert_true(parse(&o, "token", "--profile", "lab", NULL));
  assert_string_equal(o.tenant, "T1");
  assert_null(o.client_id); /* one profile, not merged with [default] */
  assert_string_equal(o.scope, "api://x/.default");
  setenv("EDGETOKEN_PROFILE", "ops", 1);
  assert_true(parse(&o, "token", NULL));
  assert_string_equal(o.tenant, "T2");
  assert_int_equal(o.endpoint, ET_ENDPOINT_V1);
  assert_string_equal(o.resource, "R2");
  /* v2 on the command line: the profile's v1 pair stays out */
  assert_true(parse(&o, "token", "--scope", "s", NULL));
  assert_int_equal(o.endpoint, ET_ENDPOINT_V2);
  assert_null(o.resource);
  assert_true(parse(&o, "token", "--profile=lab", NULL)); /* --profile wins */
  assert_string_equal(o.tenant, "T1");
  unsetenv("EDGETOKEN_PROFILE");
  assert_false(parse(&o, "token", "--profile", "missing", NULL));
  assert_false(parse(&o, "token", "--profile", "../x", NULL));
}

static void test_profile_refusals(void **state) {
  static const char *const bad[] = {
    "[default]\nclient-secret = s3cret\n",
    "[default]\npassword = x\n",
    "[default]\ndata = {}\n",          /* per run, not a setting */
    "[default]\ntenat = x\n",
    "[default]\ntenant\n",
    "[default]\ntenant =\n",
    "[default\ntenant = x\n",
    "[profile a/b]\n",
    "[default]\nprompt = login\n",     /* per run */
    "[default]\nclient-auth = mtls\n",
    "[default]\nca-file = -\n",       /* stdin is the command line's */
  };
  cli_opts o;
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_config(bad[i], 0600);
    assert_false(parse(&o, "token", NULL));
  }
  write_config("[default]\ntenant = x\n", 0620);
  assert_false(parse(&o, "token", NULL));
  write_config("[default]\ntenant = x\n", 0602);
  assert_false(parse(&o, "token", NULL));
  write_config("[default]\ntenant = x\n", 0644); /* others may read it: no secrets in it */
  assert_true(parse(&o, "token", NULL));
}

static int config(const char *verb, const char *key, const char *value, const char *profile) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.command = "config";
  o.profile = profile;
  o.args[o.nargs++] = verb;
  if (key)
    o.args[o.nargs++] = key;
  if (value)
    o.args[o.nargs++] = value;
  return cli_cmd_config(&o);
}

static void test_config_set_edits_in_place(void **state) {
  struct stat st;
  (void)state;
  assert_int_equal(config("set", "tenant", "T0", NULL), CLI_EXIT_OK);
  assert_string_equal(read_config(), "[default]\ntenant = T0\n");
  assert_int_equal(stat(g_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(config("set", "client-id", "C1", "lab"), CLI_EXIT_OK);
  assert_int_equal(config("set", "client-id", "C0", NULL), CLI_EXIT_OK);
  assert_string_equal(read_config(),
                      "[default]\ntenant = T0\nclient-id = C0\n\n[profile lab]\nclient-id = C1\n");
  /* comments and other sections kept; duplicates of the key dropped */
  write_config("# top\n[default]\ntenant = A\n; note\ntenant = B\nscope = s\n[lab]\ntenant = L",
               0600);
  assert_int_equal(config("set", "tenant", "N", NULL), CLI_EXIT_OK);
  assert_string_equal(read_config(),
                      "# top\n[default]\ntenant = N\n; note\nscope = s\n[lab]\ntenant = L");
  assert_int_equal(config("set", "url", "https://u", "lab"), CLI_EXIT_OK);
  assert_string_equal(read_config(), "# top\n[default]\ntenant = N\n; note\nscope = s\n[lab]\n"
                                     "tenant = L\nurl = https://u\n");
  assert_int_equal(config("unset", "scope", NULL, NULL), CLI_EXIT_OK);
  assert_string_equal(read_config(), "# top\n[default]\ntenant = N\n; note\n[lab]\n"
                                     "tenant = L\nurl = https://u\n");
  /* refused: the file is left as it was */
  assert_int_equal(config("set", "client-secret", "s3cret", NULL), CLI_EXIT_USAGE);
  assert_int_equal(config("set", "prompt", "login", NULL), CLI_EXIT_USAGE);
  assert_int_equal(config("set", "assertion-alg", "HS256", NULL), CLI_EXIT_USAGE);
  assert_int_equal(config("set", "tenant", "a\nclient-secret = x", NULL), CLI_EXIT_USAGE);
  assert_int_equal(config("set", "tenant", "", NULL), CLI_EXIT_USAGE);
  assert_int_equal(config("set", "ca-file", "-", NULL), CLI_EXIT_USAGE);
  assert_int_equal(config("set", "tenant", "x", "bad name"), CLI_EXIT_USAGE);
  assert_int_equal(config("frob", NULL, NULL, NULL), CLI_EXIT_USAGE);
  assert_string_equal(read_config(), "# top\n[default]\ntenant = N\n; note\n[lab]\n"
                                     "tenant = L\nurl = https://u\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_suggestions),
    cmocka_unit_test_setup_teardown(test_argv_forms, make_home, remove_home),
    cmocka_unit_test(test_prompt_values),
    cmocka_unit_test_setup_teardown(test_profile_fills_what_argv_leaves, make_home, remove_home),
    cmocka_unit_test_setup_teardown(test_profile_refusals, make_home, remove_home),
    cmocka_unit_test_setup_teardown(test_config_set_edits_in_place, make_home, remove_home),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
