/* SPDX-License-Identifier: MIT */
/* The port and the app every command talking to Entra ID opens, with the
 * app's credential: a certificate (client assertion) or a client secret. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Entra ID takes certificate credentials with RSA keys only (PS256 with
 * x5t#S256, RS256 with x5t); it answers an ES256 assertion with
 * invalid_client (AADSTS5002738). Every authority this command talks to is
 * Entra's, so ES256 (which the port can still sign, for providers whose
 * discovery document lists it) is refused here, before anything is sent. */
static void refuse_es256(const char *what, const char *file) {
  fprintf(stderr,
          "edgetoken: %s%s%s: Entra ID accepts certificate credentials with RSA keys only\n"
          "  (PS256, the default, or RS256); it refuses ES256 (AADSTS5002738). Register\n"
          "  an RSA certificate: openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem\n"
          "  -out cert.pem -days 365 -subj /CN=my-device\n",
          what, file ? file : "", file ? "' is an EC key (ES256)" : "");
}

/* --certificate/--private-key/--assertion-alg: both files or neither; the
 * key as a path, never its bytes (argv is visible to other users). */
static bool cert_args_ok(const cli_opts *o, et_sig_alg *alg, bool *has_alg) {
  *has_alg = o->assertion_alg != NULL;
  if (!o->certificate != !o->private_key) {
    fputs("edgetoken: --certificate and --private-key go together\n", stderr);
    return false;
  }
  if (o->private_key && strstr(o->private_key, "-----BEGIN")) {
    fputs("edgetoken: --private-key takes a file name, never the key itself\n", stderr);
    return false;
  }
  if (o->assertion_alg && !o->certificate) {
    fputs("edgetoken: --assertion-alg needs --certificate\n", stderr);
    return false;
  }
  if (!o->assertion_alg)
    return true;
  if (!strcmp(o->assertion_alg, "PS256")) *alg = ET_SIG_PS256;
  else if (!strcmp(o->assertion_alg, "RS256")) *alg = ET_SIG_RS256;
  else if (!strcmp(o->assertion_alg, "ES256") && cli_es256_allowed(o)) *alg = ET_SIG_ES256;
  else if (!strcmp(o->assertion_alg, "ES256")) {
    refuse_es256("--assertion-alg ES256", NULL);
    return false;
  } else {
    fprintf(stderr, "edgetoken: --assertion-alg must be PS256, RS256 (or ES256 where the\n"
            "  --issuer's discovery lists it), not '%s'\n",
            o->assertion_alg);
    return false;
  }
  return true;
}

/* File options name regular files: a directory made mbedTLS ask for a
 * 2^63-byte buffer, a FIFO blocked forever. Checked before anything reads
 * them (stat follows a symlink: its target must be a regular file). */
static bool regular_file_ok(const char *option, const char *path) {
  struct stat st;
  if (path == NULL)
    return true;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "edgetoken: %s %s: %s\n", option, path, strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    fprintf(stderr, "edgetoken: %s %s is not a regular file\n", option, path);
    return false;
  }
  return true;
}

static bool file_options_ok(const cli_opts *o) {
  return regular_file_ok("--ca-file", o->ca_file) &&
         regular_file_ok("--certificate", o->certificate) &&
         regular_file_ok("--private-key", o->private_key) &&
         regular_file_ok("--client-secret-file", /* "-": stdin */
                         o->secret_file && strcmp(o->secret_file, "-") ? o->secret_file : NULL) &&
         regular_file_ok("--proxy-credentials-file",
                         o->proxy_credentials_file && strcmp(o->proxy_credentials_file, "-")
                             ? o->proxy_credentials_file
                             : NULL);
}

/* Trust anchors, the first found wins, as OpenSSL and curl look for them:
 * --ca-file, then $SSL_CERT_FILE, then $SSL_CERT_DIR, then the bundle of
 * the usual distributions, then a directory of certificates. */
static const char *const ca_bundles[] = {
  "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch */
  "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, RHEL 7+ */
  "/etc/ssl/cert.pem",                                 /* Alpine, macOS */
  "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
};
#define CA_SYSTEM_DIR "/etc/ssl/certs"

static char g_ca_dir[1024];


static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Fills pc->ca_file or pc->ca_path. False after saying why. */
static bool choose_trust(const cli_opts *o, et_posix_config *pc) {
  const char *env_file = getenv("SSL_CERT_FILE"), *env_dir = getenv("SSL_CERT_DIR");
  const char *from = NULL;
  if (o->ca_file) {
    pc->ca_file = o->ca_file;
    from = "--ca-file";
  } else if (env_file && env_file[0]) {
    if (!regular_file_ok("SSL_CERT_FILE", env_file))
      return false;
    pc->ca_file = env_file;
    from = "SSL_CERT_FILE";
  } else if (env_dir && env_dir[0]) {
    /* A list like PATH in OpenSSL: the first entry is the one used. */
    size_t n = strcspn(env_dir, ":");
    if (n == 0 || n >= sizeof g_ca_dir) {
      fputs("edgetoken: SSL_CERT_DIR does not name a directory\n", stderr);
      return false;
    }
    memcpy(g_ca_dir, env_dir, n);
    g_ca_dir[n] = '\0';
    if (!is_dir(g_ca_dir)) {
      fprintf(stderr, "edgetoken: SSL_CERT_DIR %s is not a directory\n", g_ca_dir);
      return false;
    }
    pc->ca_path = g_ca_dir;
    from = "SSL_CERT_DIR";
  } else {
    for (size_t i = 0; i < sizeof ca_bundles / sizeof ca_bundles[0] && !pc->ca_file; i++)
      if (is_file(ca_bundles[i]))
        pc->ca_file = ca_bundles[i];
    if (pc->ca_file == NULL && is_dir(CA_SYSTEM_DIR))
      pc->ca_path = CA_SYSTEM_DIR;
    from = "the system's";
  }
  if (pc->ca_file == NULL && pc->ca_path == NULL) {
    fputs("edgetoken: no CA certificates found: give --ca-file, or set SSL_CERT_FILE or\n"
          "  SSL_CERT_DIR (looked for", stderr);
    for (size_t i = 0; i < sizeof ca_bundles / sizeof ca_bundles[0]; i++)
      fprintf(stderr, " %s", ca_bundles[i]);
    fputs(" and " CA_SYSTEM_DIR "/)\n", stderr);
    return false;
  }
  cli_set_trust_source(pc->ca_file ? "file" : "directory", pc->ca_file ? pc->ca_file : pc->ca_path,
                       from);
  if (o->verbose)
    fprintf(stderr, "edgetoken: trusting the %s\n", cli_trust_source());
  return true;
}

int cli_client_open(cli_client *c, const cli_opts *o, const char *store_dir, bool need_cred) {
  et_posix_config pc;
  et_sig_alg alg = ET_SIG_PS256;
  bool has_alg;
  long slen = 0;
  et_err e;

  memset(c, 0, sizeof *c);
  if (!cert_args_ok(o, &alg, &has_alg) || !file_options_ok(o) ||
      cli_proxy_setup(&c->proxy, o) != CLI_EXIT_OK)
    return CLI_EXIT_USAGE;
  if (!o->certificate && (need_cred || o->secret_file || cli_have_env_secret())) {
    slen = cli_read_secret(o, c->secret, sizeof c->secret);
    if (slen < 0) {
      et_wipe(&c->proxy, sizeof c->proxy);
      return CLI_EXIT_USAGE;
    }
  }

  memset(&pc, 0, sizeof pc);
  if (!choose_trust(o, &pc)) {
    et_wipe(c->secret, sizeof c->secret);
    return CLI_EXIT_TLS;
  }
  pc.log_level = o->verbose ? ET_LOG_DEBUG : ET_LOG_WARN;
  pc.cancel = &g_cli_cancel;
  pc.store_dir = store_dir;
  pc.cert_file = o->certificate;
  pc.key_file = o->private_key;
  pc.proxy = &c->proxy.cfg;
  e = et_posix_init(&c->px, &pc, &c->port);
  if (e != ET_OK) {
    et_wipe(c->secret, sizeof c->secret);
    et_wipe(&c->proxy, sizeof c->proxy);
    if (o->certificate && (e == ET_E_IO || e == ET_E_CRYPTO || e == ET_E_ARG)) {
      fprintf(stderr, "edgetoken: %s\n", et_posix_detail(&c->px));
      return CLI_EXIT_USAGE;
    }
    return cli_report_port_error(e, &c->px);
  }

  c->app.authority = et_str_from_cstr(o->authority);
  c->app.tenant = et_str_from_cstr(o->tenant);
  c->app.client_id = et_str_from_cstr(o->client_id);
  c->app.timeout_ms = o->timeout_s * 1000u;
  /* --timeout is the whole command's network time: every attempt, every
   * retry and the wait for another edgetoken's lock (cli_lock_left). */
  c->app.deadline_ms = o->timeout_s * 1000u;
  c->start_ms = c->port.mono_ms(c->port.ctx);
  if (o->certificate) {
    e = et_posix_cert_cred(&c->px, has_alg ? &alg : NULL, &c->app.cred);
    if (e != ET_OK) {
      fprintf(stderr, "edgetoken: the key in '%s' cannot sign %s\n", o->private_key,
              o->assertion_alg ? o->assertion_alg : "PS256");
      cli_client_close(c);
      return CLI_EXIT_USAGE;
    }
    if (c->app.cred.alg == ET_SIG_ES256 && !cli_es256_allowed(o)) {
      refuse_es256("the key in '", o->private_key);
      cli_client_close(c);
      return CLI_EXIT_USAGE;
    }
  } else if (slen > 0) {
    c->app.cred.kind = ET_CRED_SECRET;
    c->app.cred.secret = (et_str){ c->secret, (size_t)slen };
  }
  {
    int rc = cli_provider_apply(c, o);
    if (rc != CLI_EXIT_OK) {
      cli_client_close(c);
      return rc;
    }
  }
  cli_store_migrate(c, o);
  return CLI_EXIT_OK;
}

void cli_client_forget_secret(cli_client *c) {
  et_wipe(c->secret, sizeof c->secret);
  if (c->app.cred.kind == ET_CRED_SECRET) {
    c->app.cred.kind = ET_CRED_NONE;
    c->app.cred.secret = ET_STR_NULL;
  }
}

void cli_client_close(cli_client *c) {
  et_link_close(&c->port, &c->link);
  et_posix_free(&c->px);
  et_wipe(c, sizeof *c);
}

/* What is left of --timeout since cli_client_open (at least 1 ms, so that
 * a call made at the very end fails with a timeout instead of no bound). */
uint32_t cli_time_left(const cli_client *c) {
  uint64_t now = c->port.mono_ms(c->port.ctx), used = now - c->start_ms;
  uint64_t all = c->app.timeout_ms;
  return used >= all ? 1u : (uint32_t)(all - used);
}

/* --timeout starts again: after a person's part (a browser, a paste, a
 * device code entered), before the network part. */
void cli_time_restart(cli_client *c) {
  c->start_ms = c->port.mono_ms(c->port.ctx);
  c->app.deadline_ms = c->app.timeout_ms;
}
