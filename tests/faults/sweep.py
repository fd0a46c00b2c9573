#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fault-injection sweep: the CLI's `token`, `refresh` and `login` against
the emulator over TLS, with the N-th call of one libc function failing
(tests/faults/faultinject.c, LD_PRELOAD), for every N of the calls that
touch the store and a deterministic sample of the others (--full: all).

    sweep.py --cli build/asan/edgetoken --shim build/faults/faultinject.so --certs build/test-certs
        [--full] [--only refresh] [--calls write,fsync] [--valgrind N] [--count]

Each run must end with a clear message and a plain exit status: no signal,
no sanitizer report, no "edgetoken: " line missing on failure. An EINTR
where POSIX allows one, or a short count, must not fail the command at all
(the code retries). Afterwards the store must hold a refresh token that
still works -- or, only when the faulted run already spent the old one at
the emulator (which revokes a used token) and could not keep the new one,
a clean `refresh` must say that a sign-in is needed. No file anywhere under
the run's home or store may hold a secret the emulator issued or received,
except the stored refresh token itself in its rt- file, and no temp file
may be left once a clean run has taken the store's lock. A sample of the
runs is repeated under valgrind (memcheck, definite leaks fail) with the
gcc build next to the ASan one.

Prints TAP (a line per command and call, one for the full stdout, one for
valgrind; failures listed under them) and exits non-zero on any failure.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402
import test_signin  # noqa: E402  (browse, deliver: the scripted browser)

TENANT = harness.TENANT
CC_APP = "edgetoken-test-app"
WEB = "signin-web-app"

# The calls a store operation makes: every N is tried. The rest (network,
# CA file, randomness) are sampled unless --full.
STORE_CALLS = ["open", "openat", "read", "write", "writev", "fsync", "fdatasync", "rename",
               "renameat", "mkstemp", "mkdir", "fchmod", "fcntl", "unlink"]
OTHER_CALLS = ["send", "sendto", "recv", "recvfrom", "connect", "poll", "accept", "close",
               "fopen", "getrandom"]
MODES = {
    "open": ["EACCES", "EINTR"], "openat": ["EACCES", "EINTR"],
    "read": ["EIO", "EINTR", "SHORT"], "write": ["ENOSPC", "EINTR", "SHORT"],
    "writev": ["ENOSPC", "EINTR"], "fsync": ["EIO", "EINTR"],
    "fdatasync": ["EIO", "EINTR"], "rename": ["EIO"], "renameat": ["EIO"],
    "mkstemp": ["ENOSPC"], "mkdir": ["ENOSPC"], "fchmod": ["EIO", "EINTR"],
    "fcntl": ["EIO", "EINTR"], "unlink": ["EIO"],
    "send": ["ECONNRESET", "EINTR", "SHORT"], "sendto": ["ECONNRESET", "EINTR", "SHORT"],
    "recv": ["ECONNRESET", "EINTR", "SHORT"], "recvfrom": ["ECONNRESET", "EINTR", "SHORT"],
    "connect": ["EACCES", "EINTR"], "poll": ["EINTR", "EAGAIN"], "accept": ["EINTR", "EAGAIN"],
    "close": ["EIO", "EINTR"], "fopen": ["EACCES"], "getrandom": ["EINTR", "SHORT"],
}
# A fault that must not fail the command: POSIX lets these calls return
# EINTR (the caller retries; for close, Linux has closed the descriptor
# already) or a short count (the caller goes on), and EAGAIN on poll and a
# non-blocking accept means "try again".
TOLERATED = {"EINTR", "SHORT"}
TOLERATED_CALL_MODE = {("poll", "EAGAIN"), ("accept", "EAGAIN")}
SAMPLE = 4  # N values per (call, mode) outside the store calls, without --full

SAN_EXIT = 86


class Sweep:
    def __init__(self, a, emu):
        self.a = a
        self.emu = emu
        self.tmp = tempfile.mkdtemp(prefix="et-faults-")
        self.failures = []
        self.runs = 0
        self.n = self.bad = 0  # TAP cases printed, failed

    # --- running the CLI ---------------------------------------------------

    def env(self, home, fault=None, report=None, secret=True):
        env = {k: v for k, v in os.environ.items()
               if k not in ("EDGETOKEN_CLIENT_SECRET", "DISPLAY", "WAYLAND_DISPLAY",
                            "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "LD_PRELOAD")}
        env["HOME"] = home
        env["TMPDIR"] = home  # any temp file the CLI makes is checked too
        env["EDGETOKEN_STORE_DIR"] = os.path.join(home, "store")
        env["ASAN_OPTIONS"] = "exitcode=%d:detect_leaks=1" % SAN_EXIT
        env["UBSAN_OPTIONS"] = "exitcode=%d:print_stacktrace=1" % SAN_EXIT
        if secret:
            env["EDGETOKEN_CLIENT_SECRET"] = harness.secret_of(self.app)
        if report is not None:
            env["LD_PRELOAD"] = self.a.shim
            env["FI_REPORT"] = report
            if fault is not None:
                env["FI_CALL"], env["FI_N"], env["FI_MODE"] = fault[0], str(fault[1]), fault[2]
        return env

    def args(self, cmd, cli=None):
        app = CC_APP if cmd == "token" else WEB
        self.app = app
        return [cli or self.a.cli, cmd, "--tenant", TENANT, "--client-id", app,
                "--authority", self.emu.authority, "--ca-file", self.emu.ca, "--timeout", "10"]

    def run(self, cmd, home, fault=None, count=False, wrap=(), full=False):
        """(rc, stdout, stderr, {call: count}, injected?); full: stdout
        is /dev/full (every write to it fails with ENOSPC)."""
        report = os.path.join(home, "fi-report") if (fault or count) else None
        if report and os.path.exists(report):
            os.unlink(report)
        argv = list(wrap) + self.args(cmd, self.a.gcc_cli if wrap else None)
        env = self.env(home, fault, report)
        with open("/dev/full" if full else os.devnull, "w") as dev:
            stdout = dev if full else subprocess.PIPE
            if cmd == "login":
                rc, out, err = self.login(argv, env, stdout)
            else:
                p = subprocess.run(argv, env=env, stdout=stdout, stderr=subprocess.PIPE,
                                   text=True, timeout=120)
                rc, out, err = p.returncode, p.stdout or "", p.stderr
        counts, injected = {}, False
        if report and os.path.exists(report):
            with open(report) as f:
                for line in f:
                    w = line.split()
                    if w[0] == "injected":
                        injected = True
                    else:
                        counts[w[0]] = counts.get(w[0], 0) + int(w[1])
            os.unlink(report)
        self.runs += 1
        return rc, out, err, counts, injected

    def login(self, argv, env, stdout):
        """`login` with the scripted browser of test_signin (the authorize
        URL fetched from the emulator, the redirect delivered to the CLI's
        listener); a fault may end it before or after either step."""
        port = test_signin.free_port()
        uri = "http://localhost:%d/" % port
        p = subprocess.Popen(argv + ["--redirect-uri", uri, "--wait", "10"], env=env,
                             stdout=stdout, stderr=subprocess.PIPE, text=True)
        url, early = None, []
        for line in p.stderr:
            early.append(line)
            if line.startswith("https://"):
                url = line.strip()
            if "waiting up to" in line:
                break
        if url is not None and p.poll() is None:
            try:
                status, loc, _ = test_signin.browse(url)
                if status == 302 and loc and loc.startswith(uri):
                    test_signin.deliver(loc, attempts=30)
            except Exception:  # the CLI gave up: its own output says why
                pass
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += "\n[sweep: killed after 60 s]"
        return p.returncode, out or "", "".join(early) + err

    # --- the checks --------------------------------------------------------

    def fail(self, what, why, err=""):
        tail = "\n".join(err.strip().splitlines()[-6:])
        self.failures.append("%s: %s%s" % (what, why, ("\n    | " + tail.replace("\n", "\n    | "))
                                           if tail else ""))

    def stored_rt(self, home):
        d = os.path.join(home, "store")
        names = [n for n in os.listdir(d) if n.startswith("rt-")] if os.path.isdir(d) else []
        if not names:
            return None
        with open(os.path.join(d, names[0])) as f:
            return f.read().strip()

    def secrets_log(self):
        try:
            with open(self.emu.secret_log_path) as f:
                return [json.loads(x) for x in f if x.strip()]
        except FileNotFoundError:
            return []

    def check_exit(self, what, cmd, rc, out, err, mode, call):
        if rc < 0:
            return self.fail(what, "killed by signal %d" % -rc, err)
        if rc == SAN_EXIT or "Sanitizer" in err or "runtime error:" in err:
            return self.fail(what, "sanitizer report", err)
        if rc == 125:
            return self.fail(what, "the shim refused its settings", err)
        if rc == 0:
            if len(out.strip().split(".")) != 3:
                self.fail(what, "exit 0 without a token on stdout", err)
            return
        if mode in TOLERATED or (call, mode) in TOLERATED_CALL_MODE:
            if not (call == "fopen"):
                self.fail(what, "%s from %s failed the command (exit %d): it must be retried"
                          % (mode, call, rc), err)
        lines = [x for x in err.strip().splitlines() if x.strip()]
        if not lines or not any(x.startswith("edgetoken: ") for x in lines):
            self.fail(what, "exit %d without an 'edgetoken: ' message" % rc, err)
        if "[sweep: killed" in err:
            self.fail(what, "hung", err)

    def check_after(self, what, home, rc, err, mark, tolerated):
        """The store still serves: a clean refresh works, or says sign in
        again only when the faulted run had no token to keep (it failed
        before one came) or spent the stored one at the emulator and said
        that it could not keep the new one (the documented warning)."""
        rt = self.stored_rt(home)
        spent = rt is not None and any(
            r["how"] == "received" and r["kind"] == "refresh_token" and r["value"] == rt
            for r in self.secrets_log()[mark:])
        prc, pout, perr, _, _ = self.run("refresh", home)
        if rt is None or spent:
            if tolerated and rc == 0:
                self.fail(what, "a fault the code must absorb lost the sign-in", err)
            if rc == 0 and "not saved" not in err:
                self.fail(what, "exit 0 and no warning, but the sign-in is lost", err)
            if prc != 8 or "edgetoken login" not in perr:
                self.fail(what, "no usable sign-in, yet refresh after did not say sign in "
                          "(exit %d)" % prc, perr)
        elif prc != 0:
            self.fail(what, "a clean refresh after the fault failed (exit %d)" % prc, perr)
        self.check_disk(what, home)
        return prc == 0

    def check_disk(self, what, home):
        secrets = {r["value"] for r in self.secrets_log() if len(r["value"]) >= 16}
        rt = self.stored_rt(home)
        for dirpath, _, files in os.walk(home):
            for n in files:
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path, home)
                if ".tmp." in n:
                    self.fail(what, "temp file left after a clean run: " + rel)
                if n == "fi-report":
                    continue
                with open(path, "rb") as f:
                    data = f.read().decode("latin-1")
                for s in secrets:
                    if s in data and not (n.startswith("rt-") and s == rt):
                        self.fail(what, "a secret in " + rel)
                        break

    def case(self, name, since, note=""):
        """One TAP line: name is ok unless failures came after index since."""
        new = self.failures[since:]
        self.n += 1
        self.bad += bool(new)
        print("%s %d - %s" % ("not ok" if new else "ok", self.n, name), flush=True)
        if note:
            print("# " + note)
        for f in new:
            print("# " + f.replace("\n", "\n# "))

    # --- the runs ----------------------------------------------------------

    def fresh_home(self, name):
        home = os.path.join(self.tmp, name)
        shutil.rmtree(home, ignore_errors=True)
        os.makedirs(home, mode=0o700)
        return home

    def signed_in_home(self, name):
        home = self.fresh_home(name)
        rc, _, err, _, _ = self.run("login", home)
        if rc != 0:
            raise RuntimeError("sign-in for the sweep failed: " + err)
        return home

    def plan(self, counts):
        """[(call, N, mode)] to try, in a fixed order."""
        out = []
        calls = [c for c in STORE_CALLS + OTHER_CALLS if counts.get(c)]
        if self.a.calls:
            calls = [c for c in calls if c in self.a.calls.split(",")]
        for call in calls:
            n = counts[call]
            for mode in MODES[call]:
                ns = list(range(1, n + 1))
                if not self.a.full and call not in STORE_CALLS and n > SAMPLE:
                    rnd = random.Random("%s/%s/%d" % (call, mode, n))  # deterministic
                    ns = sorted({1, n} | set(rnd.sample(range(2, n), SAMPLE - 2)))
                out += [(call, k, mode) for k in ns]
        return out

    def sweep(self, cmd):
        home = self.signed_in_home("count-" + cmd) if cmd == "refresh" else self.fresh_home(
            "count-" + cmd)
        since = len(self.failures)
        rc, out, err, counts, _ = self.run(cmd, home, count=True)
        if rc != 0:
            self.fail(cmd + " (no fault)", "exit %d" % rc, err)
        elif not counts.get("send") or not counts.get("recv"):
            self.fail(cmd + " (no fault)", "the shim saw no send/recv: is it preloaded?", err)
        self.case("%s without a fault: the calls it makes counted" % cmd, since,
                  " ".join("%s=%d" % kv for kv in sorted(counts.items())))
        if rc != 0:
            return counts
        plan = self.plan(counts)
        home = None
        for i, (call, n, mode) in enumerate(plan):
            if i == 0 or plan[i - 1][0] != call:
                since, runs, fired = len(self.failures), 0, 0
            what = "%s %s#%d %s" % (cmd, call, n, mode)
            if cmd == "login":
                home = self.fresh_home("run")
            elif cmd == "refresh" and home is None:
                home = self.signed_in_home("run")
            elif home is None:
                home = self.fresh_home("run")
            mark = len(self.secrets_log())
            before = len(self.failures)
            rc, out, err, _, injected = self.run(cmd, home, fault=(call, n, mode))
            runs += 1
            fired += injected
            self.check_exit(what, cmd, rc, out, err, mode, call)
            if cmd == "token":
                self.check_disk(what, home)
            elif not self.check_after(what, home, rc, err, mark,
                                      mode in TOLERATED or (call, mode) in TOLERATED_CALL_MODE) \
                    or len(self.failures) > before:
                home = None  # start the next run from a new sign-in
            if i + 1 == len(plan) or plan[i + 1][0] != call:
                if fired == 0:  # the shim did not reach the program: nothing was tried
                    self.fail("%s %s" % (cmd, call), "no fault fired in %d runs" % runs)
                self.case("%s: %s failing (%s)" % (cmd, call, ", ".join(MODES[call])), since,
                          "%d runs, the fault fired in %d" % (runs, fired))
        # The token cannot be written (stdout on a full disk): a failure
        # with a message, the sign-in kept.
        what = "%s with stdout on /dev/full" % cmd
        since = len(self.failures)
        home = self.signed_in_home("run") if cmd == "refresh" else self.fresh_home("run")
        rc, out, err, _, _ = self.run(cmd, home, full=True)
        if rc in (0, SAN_EXIT) or rc < 0 or "edgetoken: cannot write" not in err:
            self.fail(what, "exit %d: not a failure that says the output was lost" % rc, err)
        if cmd != "token":
            rt = self.stored_rt(home)
            if rt is None or self.run("refresh", home)[0] != 0:
                self.fail(what, "the sign-in was not kept")
        self.case("%s: a token that cannot be written (stdout on /dev/full) fails" % cmd, since)
        return counts

    def valgrind(self, cmd, counts, k):
        """k faulted runs of cmd under valgrind (gcc build): memory errors
        and definite leaks fail."""
        plan = self.plan(counts)
        if not plan:
            return
        since = len(self.failures)
        rnd = random.Random("valgrind/" + cmd)
        picks = sorted(rnd.sample(plan, min(k, len(plan))))
        for call, n, mode in picks:
            what = "valgrind %s %s#%d %s" % (cmd, call, n, mode)
            home = self.signed_in_home("vg") if cmd == "refresh" else self.fresh_home("vg")
            rc, out, err, _, injected = self.run(cmd, home, fault=(call, n, mode), wrap=(
                "valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"))
            if rc == 99 or "==" in err and ("Invalid" in err or "definitely lost" in err):
                self.fail(what, "valgrind: memory error or definite leak", err)
            elif rc < 0:
                self.fail(what, "killed by signal %d" % -rc, err)
            elif not injected and n == 1:
                self.fail(what, "the fault did not reach the program under valgrind")
        self.case("%s under valgrind: no memory error or definite leak" % cmd, since,
                  "faults: " + ", ".join("%s#%d %s" % p for p in picks))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True, help="the CLI to sweep (the ASan build)")
    ap.add_argument("--gcc-cli", help="the CLI for valgrind (default: ../gcc/edgetoken)")
    ap.add_argument("--shim", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--full", action="store_true", help="every N of every call")
    ap.add_argument("--only", help="token, refresh or login")
    ap.add_argument("--calls", help="only these calls (comma-separated)")
    ap.add_argument("--valgrind", type=int, default=None,
                    help="faulted runs per command under valgrind (default 2, --full 12)")
    ap.add_argument("--count", action="store_true", help="print the call counts only")
    a = ap.parse_args()
    a.cli, a.shim = os.path.abspath(a.cli), os.path.abspath(a.shim)
    a.gcc_cli = os.path.abspath(a.gcc_cli or os.path.join(os.path.dirname(a.cli), "..", "gcc",
                                                           "edgetoken"))
    vg = a.valgrind if a.valgrind is not None else (12 if a.full else 2)
    harness.make_certs(os.path.abspath(a.certs))
    cmds = [a.only] if a.only else ["token", "refresh", "login"]
    with harness.Emulator(os.path.abspath(a.certs)) as emu:
        test_signin.EMU = emu
        s = Sweep(a, emu)
        try:
            for cmd in cmds:
                t0 = time.monotonic()
                if a.count:
                    home = s.signed_in_home("c") if cmd == "refresh" else s.fresh_home("c")
                    rc, _, err, counts, _ = s.run(cmd, home, count=True)
                    print("# %s (exit %d): %s" % (cmd, rc, " ".join(
                        "%s=%d" % kv for kv in sorted(counts.items()))))
                    continue
                counts = s.sweep(cmd)
                if vg and shutil.which("valgrind"):
                    s.valgrind(cmd, counts, vg)
                print("# %s: %.0f s" % (cmd, time.monotonic() - t0), flush=True)
        finally:
            shutil.rmtree(s.tmp, ignore_errors=True)
    if a.count:
        return 0
    print("1..%d" % s.n)
    return 1 if s.bad or s.n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
