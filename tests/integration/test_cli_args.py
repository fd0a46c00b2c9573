#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The edgetoken command line's habits, against the real CLI and the local
Entra ID emulator over TLS: getopt_long syntax (--opt=value, --, short
options), "did you mean", per-command --help, -V/version, - as stdin,
--prompt's values, profiles in the config file (`config set/show`), and
the man page and bash/zsh completions generated from the option table.

    test_cli_args.py --cli build/gcc/edgetoken --certs build/test-certs

Prints TAP; exits non-zero on failure. Usage errors exit 2.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

from harness import ROOT, TENANT, cli_args, run_tap, secret_of

CLI = None
EMU = None
APP = "edgetoken-test-app"
OTHER_APP = "signin-web-app"  # a second confidential app


def version_of_header():
    with open(os.path.join(ROOT, "core/include/edgetoken/edgetoken.h")) as f:
        return re.search(r'#define ET_VERSION "([^"]+)"', f.read()).group(1)


class CliArgsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="et-args-")
        self.config_home = os.path.join(self.tmp.name, "config")
        self.config = os.path.join(self.config_home, "edgetoken", "config")
        self.store = os.path.join(self.tmp.name, "store")

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, args, secret=None, env_extra=None, stdin=None):
        env = {k: v for k, v in os.environ.items()
               if k not in ("EDGETOKEN_CLIENT_SECRET", "EDGETOKEN_PROFILE", "EDGETOKEN_STORE_DIR")}
        env["XDG_CONFIG_HOME"] = self.config_home  # never the user's own profiles
        env["XDG_STATE_HOME"] = os.path.join(self.tmp.name, "state")
        if secret is not None:
            env["EDGETOKEN_CLIENT_SECRET"] = secret
        env.update(env_extra or {})
        return subprocess.run([CLI] + args, env=env, input=stdin, capture_output=True,
                              text=True, timeout=60)

    def emu_args(self, app=APP):
        return ["--tenant", TENANT, "--client-id", app, "--authority", EMU.authority,
                "--ca-file", EMU.ca]

    def assertUsage(self, p, stderr):
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stderr, stderr)
        self.assertEqual(p.stdout, "")

    def last_token_request(self, before):
        reqs = EMU.requests()[before:]
        self.assertEqual(len(reqs), 1, reqs)
        return reqs[0]

    # --- getopt_long syntax -----------------------------------------------------

    def test_opt_equals_value_and_opt_space_value_mix(self):
        before = len(EMU.requests())
        p = self.run_cli(["token", "--tenant=" + TENANT, "--client-id", APP,
                          "--authority=" + EMU.authority, "--ca-file=" + EMU.ca, "--scope=api://x/.default"],
                         secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.last_token_request(before)
        self.assertEqual(r["path"], "/%s/oauth2/v2.0/token" % TENANT)
        self.assertEqual(r["form"]["scope"], "api://x/.default")
        self.assertEqual(r["form"]["client_id"], APP)

    def test_options_before_the_command_and_double_dash(self):
        p = self.run_cli(["--json", "token"] + self.emu_args() + ["--"], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"access_token"', p.stdout)
        # after --, an option's spelling is an operand, which token does not take
        p = self.run_cli(["token"] + self.emu_args() + ["--", "--json"], secret=secret_of(APP))
        self.assertUsage(p, "edgetoken: unexpected argument '--json' for `edgetoken token` "
                            "(see edgetoken token --help)\n")

    def test_value_missing_or_given_to_a_flag(self):
        self.assertUsage(self.run_cli(["token", "--tenant"]),
                         "edgetoken: --tenant needs a value\n")
        self.assertUsage(self.run_cli(["token", "--tenant="]),
                         "edgetoken: --tenant needs a value\n")
        self.assertUsage(self.run_cli(["token", "--json=yes"]),
                         "edgetoken: --json takes no value\n")

    def test_short_options(self):
        p = self.run_cli(["token", "-v"] + self.emu_args(), secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("> POST %s/%s/oauth2/v2.0/token" % (EMU.authority, TENANT), p.stderr)
        self.assertUsage(self.run_cli(["token", "-q"]),
                         "edgetoken: unknown option '-q' (see --help)\n")

    def test_version(self):
        want = "edgetoken %s\n" % version_of_header()
        for args in (["-V"], ["--version"], ["version"], ["token", "-V"]):
            p = self.run_cli(args)
            self.assertEqual((p.returncode, p.stdout), (0, want), args)

    def test_did_you_mean(self):
        self.assertUsage(self.run_cli(["token", "--tenat", "x"]),
                         "edgetoken: unknown option '--tenat'; did you mean --tenant?\n")
        self.assertUsage(self.run_cli(["token", "--client_id=x"]),
                         "edgetoken: unknown option '--client_id'; did you mean --client-id?\n")
        self.assertUsage(self.run_cli(["device-login", "--no-qrr"]),
                         "edgetoken: unknown option '--no-qrr'; did you mean --no-qr?\n")
        self.assertUsage(self.run_cli(["tokn", "--tenant", "x"]),
                         "edgetoken: unknown command 'tokn'; did you mean token?\n")
        self.assertUsage(self.run_cli(["devicelogin"]),
                         "edgetoken: unknown command 'devicelogin'; did you mean device-login?\n")
        self.assertUsage(self.run_cli(["token", "--frobnicate"]),
                         "edgetoken: unknown option '--frobnicate' (see --help)\n")
        self.assertUsage(self.run_cli(["frobnicate"]),
                         "edgetoken: unknown command 'frobnicate' (see --help)\n")

    def test_mistyped_option_never_echoes_its_value(self):
        p = self.run_cli(["token", "--client-secrt=hunter2-secret"])
        self.assertUsage(p, "edgetoken: unknown option '--client-secrt'; did you mean "
                            "--client-secret-file?\n")
        p = self.run_cli(["token", "--client-secret=hunter2-secret"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--client-secret is not accepted", p.stderr)
        self.assertNotIn("hunter2", p.stderr)

    def test_option_of_another_command(self):
        self.assertUsage(self.run_cli(["token", "--wait=5"] + self.emu_args()),
                         "edgetoken: --wait does not apply to `edgetoken token` "
                         "(see edgetoken token --help)\n")

    # --- help ---------------------------------------------------------------------

    def test_per_command_help_lists_its_options_only(self):
        p = self.run_cli(["token", "--help"])
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: edgetoken token --tenant T"), p.stdout)
        for opt in ("--tenant", "--client-id", "--scope", "--client-secret-file", "--timeout",
                    "exit codes"):
            self.assertIn(opt, p.stdout)
        for opt in ("--redirect-uri", "--qr", "--data-partition-id", "--store-dir", "--wait",
                    "authorize-url", "--profile=", "usage: edgetoken login"):
            self.assertNotIn(opt, p.stdout)
        p = self.run_cli(["device-login", "-h"])
        self.assertIn("--qr, --no-qr", p.stdout)
        self.assertNotIn("--redirect-uri", p.stdout)
        p = self.run_cli(["help", "call"])
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: edgetoken call METHOD PATH"), p.stdout)
        self.assertIn("--data-partition-id", p.stdout)
        self.assertUsage(self.run_cli(["help", "tokn"]),
                         "edgetoken: no command 'tokn' (see edgetoken --help)\n")
        p = self.run_cli(["--help"])
        for name in ("token", "login", "device-login", "call", "config", "--redirect-uri",
                     "--qr, --no-qr", "--profile"):
            self.assertIn(name, p.stdout)

    # --- stdin ----------------------------------------------------------------------

    def test_client_secret_file_dash_reads_stdin(self):
        before = len(EMU.requests())
        p = self.run_cli(["token", "--client-secret-file", "-"] + self.emu_args(),
                         stdin=secret_of(APP) + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.last_token_request(before)["status"], 200)
        p = self.run_cli(["token", "--client-secret-file", "-"] + self.emu_args(),
                         stdin="wrong-secret\n")
        self.assertEqual(p.returncode, 3, p.stderr)  # the emulator refused that one

    def test_one_option_reads_stdin(self):
        self.assertUsage(
            self.run_cli(["call", "GET", "/api/x", "--url", "https://x", "--data-partition-id",
                          "p", "--data", "-", "--client-secret-file", "-"] + self.emu_args()),
            "edgetoken: --client-secret-file and --data both read stdin; give one a file\n")
        self.assertUsage(self.run_cli(["token", "--tenant", "t", "--client-id", "c",
                                       "--certificate", "c.pem", "--private-key", "-"]),
                         "edgetoken: --private-key takes a file name, not '-' (stdin)\n")
        self.assertUsage(self.run_cli(["token", "--tenant", "t", "--client-id", "c",
                                       "--ca-file", "-", "--client-secret-file=-"]),
                         "edgetoken: --ca-file and --client-secret-file both read stdin; "
                         "give one a file\n")

    def test_ca_file_dash_reads_stdin_through_a_private_copy(self):
        tmp = os.path.join(self.tmp.name, "tmp")
        os.makedirs(tmp)
        with open(EMU.ca) as f:
            ca = f.read()
        args = ["token", "--tenant", TENANT, "--client-id", APP, "--authority", EMU.authority,
                "--ca-file", "-"]
        p = self.run_cli(args, secret=secret_of(APP), stdin=ca, env_extra={"TMPDIR": tmp})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(tmp), [])  # the copy is gone at exit
        p = self.run_cli(args, secret=secret_of(APP), stdin="", env_extra={"TMPDIR": tmp})
        self.assertUsage(p, "edgetoken: --ca-file -: nothing on stdin\n")
        self.assertEqual(os.listdir(tmp), [])
        with open(EMU.other_ca) as f:  # another CA: the server is not trusted
            p = self.run_cli(args, secret=secret_of(APP), stdin=f.read(),
                             env_extra={"TMPDIR": tmp})
        self.assertEqual(p.returncode, 5, p.stderr)

    # --- enumerations ---------------------------------------------------------------

    def test_prompt_is_checked(self):
        base = ["authorize-url", "--tenant", TENANT, "--client-id", APP, "--store-dir",
                self.store]
        self.assertUsage(self.run_cli(base + ["--prompt", "bogus"]),
                         "edgetoken: --prompt must be one or more of login, none, consent, "
                         "select_account or create, not 'bogus'\n")
        self.assertUsage(self.run_cli(base + ["--prompt=none login"]),
                         "edgetoken: --prompt none goes alone, not with other values\n")
        for prompt in ("login", "none", "consent", "select_account", "create", "login consent"):
            p = self.run_cli(base + ["--prompt", prompt])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("&prompt=" + prompt.replace(" ", "%20"), p.stdout)
        self.assertUsage(self.run_cli(["token", "--client-auth", "mtls"]),
                         "edgetoken: --client-auth must be post, basic or jwt, not 'mtls'\n")

    # --- profiles -------------------------------------------------------------------

    def config_set(self, *args, ok=True):
        p = self.run_cli(["config", "set"] + list(args))
        if ok:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def write_config(self, text, mode=0o600):
        os.makedirs(os.path.dirname(self.config), exist_ok=True)
        with open(self.config, "w") as f:
            f.write(text)
        os.chmod(self.config, mode)

    def test_profile_set_then_used(self):
        self.config_set("tenant", TENANT)
        self.config_set("client-id", APP)
        self.config_set("authority", EMU.authority)
        self.config_set("ca-file", EMU.ca)
        self.config_set("url", "https://adme.example")  # call's: ignored by token
        st = os.stat(self.config)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.config)).st_mode), 0o700)
        with open(self.config) as f:
            text = f.read()
        self.assertEqual(text, "[default]\ntenant = %s\nclient-id = %s\nauthority = %s\n"
                               "ca-file = %s\nurl = https://adme.example\n"
                         % (TENANT, APP, EMU.authority, EMU.ca))
        self.config_set("client-id", OTHER_APP)  # replaced in place
        self.config_set("client-id", APP)
        with open(self.config) as f:
            self.assertEqual(f.read(), text)
        before = len(EMU.requests())
        p = self.run_cli(["token"], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.last_token_request(before)
        self.assertEqual(r["path"], "/%s/oauth2/v2.0/token" % TENANT)
        self.assertEqual(r["form"]["client_id"], APP)
        # the command line wins over the profile
        before = len(EMU.requests())
        p = self.run_cli(["token", "--client-id=" + OTHER_APP], secret=secret_of(OTHER_APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.last_token_request(before)["form"]["client_id"], OTHER_APP)
        p = self.run_cli(["config", "show"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "# %s\n[default]\n" % self.config + text[len("[default]\n"):])

    def test_named_profiles(self):
        self.config_set("tenant", "wrong-tenant")
        for k, v in (("tenant", TENANT), ("client-id", OTHER_APP), ("authority", EMU.authority),
                     ("ca-file", EMU.ca)):
            self.config_set(k, v, "--profile", "lab")
        with open(self.config) as f:
            self.assertIn("\n[profile lab]\ntenant = %s\n" % TENANT, f.read())
        for how in (["--profile", "lab"], ["--profile=lab"]):
            before = len(EMU.requests())
            p = self.run_cli(["token"] + how, secret=secret_of(OTHER_APP))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(self.last_token_request(before)["form"]["client_id"], OTHER_APP)
        before = len(EMU.requests())
        p = self.run_cli(["token"], secret=secret_of(OTHER_APP),
                         env_extra={"EDGETOKEN_PROFILE": "lab"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.last_token_request(before)["path"],
                         "/%s/oauth2/v2.0/token" % TENANT)
        self.assertUsage(self.run_cli(["token", "--profile", "nope"]),
                         "edgetoken: no profile 'nope' in %s (edgetoken config set KEY VALUE "
                         "--profile nope makes one)\n" % self.config)
        # [NAME] is the same as [profile NAME]
        self.write_config("[lab]\ntenant = %s\nclient-id = %s\nauthority = %s\nca-file = %s\n"
                          % (TENANT, APP, EMU.authority, EMU.ca))
        p = self.run_cli(["token", "--profile", "lab"], secret=secret_of(APP))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_cli(["config", "unset", "tenant", "--profile", "lab"])
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_cli(["config", "show", "--profile", "lab"])
        self.assertNotIn("tenant", p.stdout)
        self.assertIn("client-id = %s\n" % APP, p.stdout)

    def test_profile_refuses_secrets(self):
        p = self.config_set("client-secret", "s3cret-value-x", ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("secrets are not kept in the config file", p.stderr)
        self.assertIn("client-secret-file = PATH", p.stderr)
        self.assertNotIn("s3cret-value-x", p.stderr + p.stdout)
        self.assertFalse(os.path.exists(self.config))
        self.write_config("[default]\ntenant = t\nclient-secret = s3cret-value-x\n")
        p = self.run_cli(["token", "--client-id", "c"])
        self.assertUsage(p, "edgetoken: %s:3: client-secret: secrets are not kept in the config "
                            "file (plain text); use client-secret-file = PATH or "
                            "EDGETOKEN_CLIENT_SECRET\n" % self.config)
        # a secret file is fine, and is read
        secret_file = os.path.join(self.tmp.name, "secret")
        with open(secret_file, "w") as f:
            f.write(secret_of(APP) + "\n")
        os.chmod(secret_file, 0o600)
        self.write_config("[default]\ntenant = %s\nclient-id = %s\nauthority = %s\nca-file = %s\n"
                          "client-secret-file = %s\n"
                          % (TENANT, APP, EMU.authority, EMU.ca, secret_file))
        p = self.run_cli(["token"])
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_profile_file_checks(self):
        self.write_config("[default]\ntenat = x\n")
        self.assertUsage(self.run_cli(["token"]),
                         "edgetoken: %s:2: unknown key 'tenat'; did you mean tenant?\n"
                         % self.config)
        self.write_config("[default]\ndata = {}\n")
        self.assertUsage(self.run_cli(["token"]),
                         "edgetoken: %s:2: data belongs on the command line, not in a profile\n"
                         % self.config)
        self.write_config("[default]\nprompt-x\n")
        self.assertUsage(self.run_cli(["token"]),
                         "edgetoken: %s:2: expected KEY = VALUE or [profile NAME]\n" % self.config)
        self.write_config("[default]\nclient-auth = mtls\n")
        self.assertUsage(self.run_cli(["token"]),
                         "edgetoken: %s:2: client-auth must be post, basic or jwt, not 'mtls'\n"
                         % self.config)
        # others may write it: it could name their CA
        self.write_config("[default]\ntenant = t\n", mode=0o620)
        self.assertUsage(self.run_cli(["token"]),
                         "edgetoken: %s is writable by other users or not yours: refused "
                         "(chmod 600 it)\n" % self.config)
        p = self.config_set("tenant", "x", ok=False)
        self.assertEqual(p.returncode, 2)

    def test_config_set_replaces_a_symlink_never_writes_through_it(self):
        target = os.path.join(self.tmp.name, "elsewhere")
        with open(target, "w") as f:
            f.write("[default]\ntenant = kept\n")
        os.chmod(target, 0o600)
        os.makedirs(os.path.dirname(self.config))
        os.symlink(target, self.config)
        self.config_set("client-id", APP)
        with open(target) as f:
            self.assertEqual(f.read(), "[default]\ntenant = kept\n")
        self.assertFalse(os.path.islink(self.config))
        with open(self.config) as f:
            self.assertEqual(f.read(), "[default]\ntenant = kept\nclient-id = %s\n" % APP)
        self.assertEqual(stat.S_IMODE(os.stat(self.config).st_mode), 0o600)

    def test_config_without_xdg_uses_home(self):
        home = os.path.join(self.tmp.name, "home")
        os.makedirs(home)
        env = {"XDG_CONFIG_HOME": "", "HOME": home}
        p = self.run_cli(["config", "set", "tenant", "t1"], env_extra=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(home, ".config", "edgetoken", "config")))
        self.assertUsage(self.run_cli(["config", "frob"]),
                         "edgetoken: usage: edgetoken config set KEY VALUE | unset KEY | show "
                         "[--profile NAME]\n")

    # --- man page and completions from the option table ---------------------------

    def docs(self):
        out = os.path.join(self.tmp.name, "doc")
        os.makedirs(out)
        tsv = os.path.join(out, "options.tsv")
        with open(tsv, "w") as f:
            subprocess.run([CLI, "--dump-options"], stdout=f, check=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "cli-docs.py"), tsv, out],
                       check=True)
        options = []
        with open(tsv) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "option":
                    options.append((parts[1], parts[4].split(","), parts[3] != "-"))
        self.assertGreater(len(options), 30)
        return out, options

    def test_man_page_renders_without_warnings_and_names_every_option(self):
        out, options = self.docs()
        page = os.path.join(out, "edgetoken.1")
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page],
                           capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        p = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="",
                                    PAGER="cat"))
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        text = re.sub(r".\x08", "", p.stdout).replace("\u2010", "-").replace("\u2212", "-")
        self.assertIn("EDGETOKEN(1)", text)
        for name, _, _ in options:
            self.assertIn("--" + name, text, name)

    def test_every_option_is_in_both_completions_and_the_parser(self):
        out, options = self.docs()
        with open(os.path.join(out, "edgetoken.bash")) as f:
            bash = f.read()
        with open(os.path.join(out, "_edgetoken")) as f:
            zsh = f.read()
        for name, cmds, takes_value in options:
            if name in ("help", "version"):
                continue
            self.assertRegex(bash, r"[ \"|]--%s[ \")|]" % re.escape(name))
            self.assertRegex(zsh, r"'--%s[=\[]" % re.escape(name))
            # the parser takes what the table lists: the run stops at the
            # missing profile, after every option was accepted
            p = self.run_cli([cmds[0], "--" + name + ("=v" if takes_value else ""),
                              "--profile", "no-such-profile"])
            self.assertEqual(p.returncode, 2, (name, p.stderr))
            self.assertIn("no profile 'no-such-profile'", p.stderr, name)

    def complete(self, out, words):
        script = ("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _edgetoken; "
                  "printf '%%s\\n' \"${COMPREPLY[@]}\"" %
                  (os.path.join(out, "edgetoken.bash"),
                   " ".join("'%s'" % w for w in words), len(words) - 1))
        p = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.split()

    def test_bash_completion(self):
        out, _ = self.docs()
        self.assertEqual(self.complete(out, ["edgetoken", "to"]), ["token"])
        self.assertEqual(self.complete(out, ["edgetoken", "token", "--ten"]), ["--tenant"])
        self.assertEqual(self.complete(out, ["edgetoken", "token", "--re"]), ["--resource"])
        self.assertEqual(sorted(self.complete(out, ["edgetoken", "login", "--re"])),
                         ["--redirect-uri"])
        self.assertEqual(self.complete(out, ["edgetoken", "login", "--prompt", "select"]),
                         ["select_account"])
        self.assertEqual(self.complete(out, ["edgetoken", "login", "--prompt", "=", "co"]),
                         ["consent"])
        self.assertEqual(self.complete(out, ["edgetoken", "config", "set", "client-i"]),
                         ["client-id"])
        self.assertEqual(self.complete(out, ["edgetoken", "token", "--tenant", ""]), [])

    def test_zsh_completion_loads(self):
        if shutil.which("zsh") is None:
            self.fail("zsh is not installed (tools/setup.sh installs it)")
        out, _ = self.docs()
        p = subprocess.run(["zsh", "-n", os.path.join(out, "_edgetoken")],
                           capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        p = subprocess.run(
            ["zsh", "-f", "-c", "fpath=(%s $fpath); autoload -Uz compinit; compinit -u -d %s; "
             "print -r -- ${_comps[edgetoken]}" % (out, os.path.join(self.tmp.name, "zcomp"))],
            capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "_edgetoken"), p.stderr)


def main():
    global CLI
    a = cli_args()
    CLI = a.cli
    return run_tap(CliArgsTest, a.certs, a.k)


if __name__ == "__main__":
    sys.exit(main())
