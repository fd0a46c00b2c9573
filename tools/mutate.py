#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make mutate: each listed bug is put into a scratch copy of the tree, one
at a time; the tests that should catch it run there; a table says which
mutants were caught and which survived. Run before a release (it is not
part of `make test`): a change that weakens a test shows up as a survivor.

    tools/mutate.py [--build DIR] [-k NAME]

A mutant is (name, file, old text, new text, tests[, (old, new) elsewhere in
the file[, "system"]]): the old text must occur exactly once; "system"
builds it against Debian 12's mbedTLS 2.28 (MBEDTLS=system), for code only
that build compiles. A test is ("unit", binary) or ("int", test file, -k filter).
The unmutated tree must pass every listed test first, or nothing is
claimed. Exit status: 0 when every mutant was caught.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hard(name):
    return ("int", "test_hardening", name)


def emu(name):
    return ("int", "test_emulator", name)


MUTANTS = [
    # --- the bugs `make test` let through (issue 16) ----------------------
    ("store: temp file not fsynced before rename", "port/posix/posix_store.c",
     "write_all(fd, buf, n) != ET_OK || fsync(fd) != 0)",
     "write_all(fd, buf, n) != ET_OK)", [hard("fsynced")]),
    ("store: directory not fsynced after rename", "port/posix/posix_store.c",
     "    return fail(w, ET_E_STORE, \"cannot replace\", path);\n  }\n  return sync_dir(dir, w);",
     "    return fail(w, ET_E_STORE, \"cannot replace\", path);\n  }\n  return ET_OK;",
     [hard("fsynced")]),
    ("listener binds 0.0.0.0 / [::]", "port/posix/posix_listener.c",
     "a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);", "a4.sin_addr.s_addr = htonl(INADDR_ANY);",
     [hard("listener")]),
    ("minimum TLS version 1.0", "port/mbedtls/mbedtls_port.c",
     "MBEDTLS_SSL_MINOR_VERSION_3);", "MBEDTLS_SSL_MINOR_VERSION_1);", [hard("tls_below")],
     None, "system"),  # 3.6 has no TLS below 1.2 at all
    ("CSPRNG replaced by an LCG seeded from clock and pid", "port/posix/posix_random.c",
     "  while (n > 0) {\n    ssize_t r = getrandom(p, n, 0);",
     "  static uint32_t lcg;\n  if (lcg == 0)\n    lcg = (uint32_t)time(NULL) ^ "
     "((uint32_t)getpid() << 16);\n  for (size_t i = 0; i < n; i++) {\n"
     "    lcg = lcg * 1103515245u + 12345u;\n    p[i] = (uint8_t)(lcg >> 16);\n  }\n"
     "  return ET_OK;\n  while (n > 0) {\n    ssize_t r = getrandom(p, n, 0);",
     [hard("getrandom")], ("#include <sys/random.h>",
                           "#include <sys/random.h>\n#include <time.h>\n#include <unistd.h>")),
    ("port log passes control bytes", "port/common/diag.c",
     "line[len++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;", "line[len++] = (char)ch;",
     [("unit", "test_posix_port")]),
    ("CLI prints server control bytes", "examples/cli/cli_output.c",
     "fputc(c < 0x20 || c == 0x7f ? '?' : c, f);", "fputc(c, f);", [hard("control_bytes")]),
    ("CLI never wipes the client secret's buffer", "examples/cli/cli_client.c",
     "  et_posix_free(&c->px);\n  et_wipe(c, sizeof *c);", "  et_posix_free(&c->px);",
     [hard("secret_wiped")]),
    ("workspace not wiped after a failed exchange", "core/src/engine.c",
     "  et_wipe(e->w->buf, e->w->cap); /* half a request or token is still a secret */",
     "  (void)0;", [hard("failed_exchange")]),
    ("workspace not wiped when a 2xx body fails to decode", "core/src/engine.c",
     "    } else if (e->res.oauth.error.p != NULL)\n      stop(e, err, NULL);",
     "    } else if (1)\n      stop(e, err, NULL);", [hard("undecodable")]),
    ("no warning for a group/world-readable secret file", "examples/cli/cli_secret.c",
     "(st.st_mode & (S_IRWXG | S_IRWXO)))", "(st.st_mode & 0))", [hard("readable")]),
    ("--verbose prints the raw tail of each request", "core/src/drive.c",
     "        log_request(port, e);\n",
     "        log_request(port, e);\n        if (port->log != NULL)\n"
     "          port->log(port->ctx, ET_LOG_DEBUG, (const char *)s.data + (s.n > 48 ? s.n - 48"
     " : 0), s.n > 48 ? 48 : s.n);\n", [hard("verbose")]),
    # --- the emulator lets through what Entra refuses ----------------------
    ("emulator: PKCE verifier not checked", "tests/emulator/entra_emulator.py",
     "        if not pkce_verifies(grant, form.get(\"code_verifier\")):",
     "        if False and not pkce_verifies(grant, form.get(\"code_verifier\")):",
     [emu("pkce")]),
    ("emulator: code without challenge takes any verifier", "tests/emulator/entra_emulator.py",
     "        return verifier is None\n", "        return True\n",
     [emu("without_challenge")]),
    ("emulator: plain PKCE compared as S256", "tests/emulator/entra_emulator.py",
     "    if grant.get(\"challenge_method\") == \"S256\":",
     "    if grant.get(\"challenge_method\") in (\"S256\", \"plain\"):", [emu("plain")]),
    ("emulator: redirect_uri not compared at redemption", "tests/emulator/entra_emulator.py",
     "    if form.get(\"redirect_uri\") != grant[\"redirect_uri\"]:", "    if False:",
     [emu("redirect_uri_must")]),
    ("emulator: no trailing slash on a path-less redirect", "tests/emulator/entra_emulator.py",
     "    if parts.path == \"\":\n        return urllib", "    if False:\n        return urllib",
     [emu("slash")]),
    ("emulator: 429 without Retry-After", "tests/emulator/entra_emulator.py",
     "self.send_text(429, \"Too Many Requests\", {\"Retry-After\": ra})",
     "self.send_text(429, \"Too Many Requests\", {})",
     [emu("429"), ("int", "test_cli", "throttled")]),
    ("emulator: chunked app answers with Content-Length", "tests/emulator/entra_emulator.py",
     "        if app.get(\"chunked\") and status == 200:", "        if False:",
     [emu("chunked"), ("int", "test_cli", "chunked")]),
    ("emulator: ES256 assertions accepted", "tests/emulator/entra_emulator.py",
     "ASSERTION_ALGS = (\"PS256\", \"RS256\")", "ASSERTION_ALGS = (\"PS256\", \"RS256\", \"ES256\")",
     [emu("es256")]),
    ("emulator: codes reusable", "tests/emulator/entra_emulator.py",
     "            if g[flag]:\n                return g, flag",
     "            if False:\n                return g, flag", [emu("single_use")]),
    ("emulator: codes never expire", "tests/emulator/entra_emulator.py",
     "if why is None and time.time() > g[\"expires\"]:", "if False:", [emu("short_lived")]),
    ("emulator: codes not bound to their tenant", "tests/emulator/entra_emulator.py",
     "        if grant[\"tenant\"] != tkey:", "        if False:", [emu("bound_to_client")]),
    ("emulator: refresh scope widened", "tests/emulator/entra_emulator.py",
     "        if wider:", "        if False:", [emu("scope")]),
    ("emulator: assertion jti replay accepted", "tests/emulator/entra_emulator.py",
     "if not jti or jti in self._jtis:", "if not jti:", [emu("jti")]),
    ("emulator: assertion aud not checked", "tests/emulator/entra_emulator.py",
     "        if claims.get(\"aud\") != aud:", "        if False:", [emu("claims")]),
    # --- checks that passed whatever happened --------------------------------
    ("system CA bundle missing", "port/posix/posix_port.c",
     "#define PX_DEFAULT_CA_FILE \"/etc/ssl/certs/ca-certificates.crt\"",
     "#define PX_DEFAULT_CA_FILE \"/nonexistent/ca-certificates.crt\"",
     [("int", "test_cli", "system_bundle")]),
    ("Retry-After seconds taken as milliseconds", "core/src/retry.c",
     "                : a->retry_after_s * 1000u;", "                : a->retry_after_s;",
     [("int", "test_cli", "throttled")]),
    ("CLI accepts ES256 for Entra", "examples/cli/cli_client.c",
     "    refuse_es256(\"--assertion-alg ES256\", NULL);\n    return false;",
     "    *alg = ET_SIG_ES256;", [("int", "test_certificate", "es256")]),
    # --- bugs the suite already caught: keep it so --------------------------
    ("state not compared", "core/src/redirect_check.c",
     "  if (r->state.p == NULL ||\n      !et_ct_eq(",
     "  if (r->state.p == NULL ||\n      !!et_ct_eq(", [("int", "test_signin", "state")]),
    ("TLS peer verification optional", "port/mbedtls/mbedtls_port.c",
     "mbedtls_ssl_conf_authmode(&mt->conf, MBEDTLS_SSL_VERIFY_REQUIRED);",
     "mbedtls_ssl_conf_authmode(&mt->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);",
     [("int", "test_cli", "untrusted_ca")]),
    ("chunk sizes read as decimal", "core/src/http_response.c",
     "r->acc = r->acc << 4 | (unsigned)v;", "r->acc = r->acc * 10 + (unsigned)v;",
     [("int", "test_cli", "chunked")]),
    # --- the CLI's profiles (issue 11) -------------------------------------
    ("a config file others may write is used", "examples/cli/cli_profile.c",
     "if ((st.st_mode & (S_IWGRP | S_IWOTH)) ||", "if ((st.st_mode & 0) ||",
     [("unit", "test_cli_profile"), ("int", "test_cli_args", "file_checks")]),
    ("a profile overrides the command line", "examples/cli/cli_args.c",
     "  if (ps->given[i] || !(opt->commands & command_bit(ps->command)))",
     "  if (!(opt->commands & command_bit(ps->command)))",
     [("unit", "test_cli_profile"), ("int", "test_cli_args", "set_then_used")]),
    ("client-secret in a profile is not called a secret", "examples/cli/cli_profile.c",
     "if (strstr(key, \"secret\") || strstr(key, \"password\")", "if (0",
     [("int", "test_cli_args", "refuses_secrets")]),
]


def sh(cmd, cwd, log, timeout=900):
    with open(log, "a") as f:
        f.write("$ %s\n" % " ".join(cmd))
        f.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            f.write("timeout\n")
            return 124


def test_cmd(t, build, certs, out="gcc"):
    if t[0] == "unit":
        return [os.path.join(build, out, "tests", t[1])]
    return [sys.executable, os.path.join("tests", "integration", t[1] + ".py"),
            "--cli", os.path.join(build, out, "edgetoken"), "--certs", certs, "-k", t[2]]


def on_system(m):
    return len(m) > 6 and m[6] == "system"


def label(t):
    return t[1] if t[0] == "unit" else "%s -k %s" % (t[1], t[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("-k", help="only mutants whose name contains this")
    a = ap.parse_args()
    scratch = os.path.abspath(os.path.join(a.build, "mutate"))
    tree = os.path.join(scratch, "tree")
    build = "build-mutate"
    log = os.path.join(scratch, "mutate.log")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(tree)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout.split()
    for name in files:
        src = os.path.join(ROOT, name)
        if os.path.isfile(src) and not name.startswith("build"):
            os.makedirs(os.path.dirname(os.path.join(tree, name)), exist_ok=True)
            shutil.copy2(src, os.path.join(tree, name))
    certs = os.path.join(tree, build, "test-certs")
    print("mutate: scratch copy in %s (log: %s)" % (tree, log), flush=True)
    make = ["make", "-j%d" % (os.cpu_count() or 2), "BUILD=" + build, "VARIANT=gcc", "all", "unit"]
    if sh(make, tree, log) or sh(["tests/emulator/make_certs.sh", certs], tree, log):
        print("mutate: the unmutated tree does not build; see the log")
        return 2
    mutants = [m for m in MUTANTS if not a.k or a.k in m[0]]
    system = make + ["MBEDTLS=system"]
    if any(on_system(m) for m in mutants) and sh(system, tree, log):
        print("mutate: the unmutated tree does not build with MBEDTLS=system; see the log")
        return 2
    tests = []
    for m in mutants:
        for t in m[4]:
            out = "gcc-system-mbedtls" if on_system(m) else "gcc"
            if (t, out) not in tests:
                tests.append((t, out))
    for t, out in tests:  # every listed test passes without a mutant
        if sh(test_cmd(t, build, certs, out), tree, log):
            print("mutate: '%s' fails on the unmutated tree; see the log" % label(t))
            return 2
    rows, survived = [], 0
    for m in mutants:
        name, rel, old, new, mtests = m[:5]
        extra = m[5] if len(m) > 5 else None
        mk = system if on_system(m) else make
        out = "gcc-system-mbedtls" if on_system(m) else "gcc"
        path = os.path.join(tree, rel)
        with open(path) as f:
            orig = f.read()
        if orig.count(old) != 1 or \
                (extra and orig.count(extra[0]) != 1):
            rows.append((name, rel, "-", "STALE (text not found once)"))
            survived += 1
            continue
        text = orig.replace(old, new)
        if extra:
            text = text.replace(extra[0], extra[1])
        with open(path, "w") as f:
            f.write(text)
        try:
            if sh(mk, tree, log):
                verdict, by = "BUILD FAILS (fix the mutant)", "-"
            else:
                failing = [label(t) for t in mtests
                           if sh(test_cmd(t, build, certs, out), tree, log)]
                verdict = "caught" if failing else "SURVIVED"
                by = ", ".join(failing) if failing else ", ".join(label(t) for t in mtests)
        finally:
            with open(path, "w") as f:
                f.write(orig)
            now = time.time() + 1
            os.utime(path, (now, now))  # rebuilt next time
        if verdict != "caught":
            survived += 1
        rows.append((name, rel, by, verdict))
        print("  %-8s %s" % (verdict.split()[0].lower(), name), flush=True)
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print()
    print("| %-*s | %-*s | %s | %s |" % (w0, "mutant", w1, "file", "result", "caught by"))
    print("|%s|%s|---|---|" % ("-" * (w0 + 2), "-" * (w1 + 2)))
    for name, rel, by, verdict in rows:
        print("| %-*s | %-*s | %s | %s |" % (w0, name, w1, rel, verdict, by))
    print()
    print("%d mutants: %d caught, %d survived" % (len(rows), len(rows) - survived, survived))
    if survived == 0:
        shutil.rmtree(os.path.join(tree, build), ignore_errors=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
