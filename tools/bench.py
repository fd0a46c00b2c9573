#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: edgetoken next to curl on the same work, against the local
emulator over TLS (loopback), measured interleaved in one run.

Scenarios (each tool's connections are read from the emulator's log and
printed; where the work is the same the bench stops if they differ):
  token    one client-credentials token, one-shot: both open one
           connection, send one request and close at exit
  get      a cached `edgetoken get` (from its 0600 cache file, no network)
           next to what a curl script does for a token (curl has no cache:
           a new token, one connection) and next to a shell script that
           keeps its own cache file (sh + date, no network)
  refresh  a refresh-token grant: `edgetoken refresh` (lock, stored token
           read, rotated one written) next to curl posting a refresh token
           from a file; the bench saves curl's rotated token outside the
           measured run
  call     one ADME call (GET entitlements groups) with a cached token:
           `edgetoken call` next to curl with the bearer token and
           data-partition-id from a header file; one connection each
  repeat   3 tokens in one process on one kept-alive connection: the
           library (tests/bench/repeat_token keep) next to curl with three
           POSTs joined by --next

Per tool: wall time, CPU time (user + sys) and user time of RUNS runs, interleaved with the
other tools (median), peak RSS (largest), heap allocations (valgrind
memcheck's "total heap usage"), instructions (callgrind, whole process,
children included) and bytes on the wire (TCP payload both ways, TLS
included, counted by the emulator). All of it twice: with a CA file of one
certificate (the test CA) and with the system CA bundle plus the test CA
in one file, the same file for both tools. Ratios are edgetoken / curl.
Numbers are printed, never stored as expectations.

    bench.py [--runs N] [--smoke]

--smoke: 2 runs, the one-certificate CA file only, valgrind on the first
scenario only (a check that the bench still works, for make test)."""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import TENANT, Emulator, make_certs, secret_of  # noqa: E402
from entra_emulator import ADME_AUDIENCE  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
CLI = os.path.join(BUILD, "gcc", "edgetoken")
ZH_CLI = os.path.join(BUILD, "zeroheap", "edgetoken")
REPEAT = os.path.join(BUILD, "gcc", "repeat_token")
RUNSTAT = os.path.join(BUILD, "gcc", "runstat")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
APP = "edgetoken-test-app"
DEVICE_APP = "device-app"  # a public client: device-login signs in at once
SCOPE = ADME_AUDIENCE + "/.default"
PART = "opendes"
GROUPS = "/api/entitlements/v2/groups"
REPEATS = 3


class Tool:
    """One way of doing a scenario's work. after(stdout) checks a run's
    output and does the bookkeeping a script would do outside the measured
    command (curl's rotated refresh token)."""

    def __init__(self, name, argv, env, check, after=None):
        self.name, self.argv, self.env = name, argv, env
        self.check, self.after = check, after
        self.samples = []  # (wall s, cpu s, user s, maxrss KiB)
        self.heap = self.instr = self.wire = None
        self.conns = None

    def finish(self, p):
        if p.returncode != 0 or not self.check(p.stdout):
            raise SystemExit("bench: %s failed (exit %d):\n%s\n%s" % (
                self.name, p.returncode, p.stdout[:300], p.stderr[-2000:]))
        if self.after:
            self.after(p.stdout)


class Scenario:
    def __init__(self, key, title, tools, same_connections=True, ratios=(("edgetoken", "curl"),)):
        self.key, self.title, self.tools = key, title, tools
        self.same_connections = same_connections
        self.ratios = ratios

    def tool(self, name):
        return next(t for t in self.tools if t.name == name)


def is_jwt(out):
    return len(out.strip().split(".")) == 3


def has_token(out):
    return "access_token" in json.loads(out)


def curl_form(curl, ca, url, fields):
    """curl's POST of a form; a field "k@path" takes its value from a file."""
    argv = [curl, "-sS", "--fail", "--cacert", ca, url,
            "--header", "Content-Type: application/x-www-form-urlencoded"]
    for f in fields:
        argv += ["--data-urlencode", f]
    return argv


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def run_cli(argv, env):
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise SystemExit("bench: setup %s failed:\n%s" % (" ".join(argv[:2]), p.stderr))
    return p.stdout


def scenarios(emu, ca, tmp, curl):
    """The scenarios for CA file ca, their state (stores, token files) in
    tmp. Every edgetoken here gets its secret from the environment and its
    store from EDGETOKEN_STORE_DIR."""
    token_url = "%s/%s/oauth2/v2.0/token" % (emu.authority, TENANT)
    secret_file = os.path.join(tmp, "secret")
    write_private(secret_file, secret_of(APP))
    common = ["--authority", emu.authority, "--tenant", TENANT, "--ca-file", ca]

    def env_for(store, secret=True):
        os.makedirs(store, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "EDGETOKEN_CLIENT_SECRET"}
        env["EDGETOKEN_STORE_DIR"] = store
        if secret:
            env["EDGETOKEN_CLIENT_SECRET"] = secret_of(APP)
        return env

    cc_env = env_for(os.path.join(tmp, "store-cc"))
    cc = common + ["--client-id", APP, "--scope", SCOPE]
    cc_fields = ["grant_type=client_credentials", "client_id=" + APP, "scope=" + SCOPE,
                 "client_secret@" + secret_file]
    curl_token = curl_form(curl, ca, token_url, cc_fields)

    # get and call: a warm cache (the first get asks the emulator).
    warm = json.loads(run_cli([CLI, "get", "--json"] + cc, cc_env))
    cache_file = os.path.join(tmp, "script-cache")
    write_private(cache_file, "%d %s\n" % (warm["expires_on"] - 300, warm["access_token"]))
    headers = os.path.join(tmp, "call-headers")
    write_private(headers, "Authorization: Bearer %s\ndata-partition-id: %s\n"
                  % (warm["access_token"], PART))
    script_cache = ["/bin/sh", "-c", 'read -r exp tok < "$1" && '
                    '[ "$exp" -gt "$(date +%s)" ] && printf "%s\\n" "$tok"', "sh", cache_file]

    # refresh: two sign-ins (device code), one for edgetoken's store and
    # one whose refresh token curl spends and the bench rotates.
    rt_scope = SCOPE + " offline_access"
    dev = common + ["--client-id", DEVICE_APP]
    rt_env = env_for(os.path.join(tmp, "store-rt"), secret=False)
    run_cli([CLI, "device-login", "--no-qr", "--scope", rt_scope] + dev, rt_env)
    curl_store = os.path.join(tmp, "store-rt-curl")
    run_cli([CLI, "device-login", "--no-qr", "--scope", rt_scope] + dev,
            env_for(curl_store, secret=False))
    rt_file = os.path.join(tmp, "curl-rt")
    (stored,) = [f for f in os.listdir(curl_store) if f.startswith("rt-")]
    with open(os.path.join(curl_store, stored)) as f:
        write_private(rt_file, f.read().strip())

    def rotate(out):
        write_private(rt_file, json.loads(out)["refresh_token"])

    curl_refresh = curl_form(curl, ca, token_url, [
        "grant_type=refresh_token", "client_id=" + DEVICE_APP, "refresh_token@" + rt_file,
        "scope=" + rt_scope])

    curl_repeat = list(curl_token)
    for _ in range(REPEATS - 1):
        curl_repeat += ["--next"] + curl_token[1:]

    call = [CLI, "call", "GET", GROUPS, "--url", emu.authority, "--data-partition-id", PART] + cc
    curl_call = [curl, "-sS", "--fail", "--cacert", ca, "--header", "@" + headers,
                 emu.authority + GROUPS]

    def groups(out):
        return json.loads(out)["groups"][0]["name"] == "users"

    def repeated(out):
        return out.count("token ") == REPEATS and "opened=1 " in out

    def curl_repeated(out):
        return out.count('"access_token"') == REPEATS

    zh = os.access(ZH_CLI, os.X_OK)
    token_tools = [Tool("edgetoken", [CLI, "token"] + cc, cc_env, is_jwt)]
    if zh:
        token_tools.append(Tool("edgetoken zero-heap", [ZH_CLI, "token"] + cc, cc_env, is_jwt))
    token_tools.append(Tool("curl", curl_token, cc_env, has_token))
    return [
        Scenario("token", "client-credentials token, one-shot (one connection, one "
                 "request, closed at exit)", token_tools),
        Scenario("get", "a token for a script: cached `edgetoken get` (no network) vs a new "
                 "token by curl (no cache) vs sh reading its own cache file", [
                     Tool("edgetoken", [CLI, "get"] + cc, cc_env, is_jwt),
                     Tool("sh cache", script_cache, cc_env, is_jwt),
                     Tool("curl", curl_token, cc_env, has_token)],
                 same_connections=False,
                 ratios=(("edgetoken", "curl"), ("edgetoken", "sh cache"))),
        Scenario("refresh", "refresh-token grant (one connection, one request; edgetoken "
                 "also locks, reads and rewrites its store)", [
                     Tool("edgetoken", [CLI, "refresh"] + dev, rt_env, is_jwt),
                     Tool("curl", curl_refresh, rt_env, has_token, after=rotate)]),
        Scenario("call", "one ADME call, GET %s with a cached token (one connection, "
                 "one request)" % GROUPS, [
                     Tool("edgetoken", call, cc_env, groups),
                     Tool("curl", curl_call, cc_env, groups)]),
        Scenario("repeat", "%d tokens in one process, one kept-alive connection (library: "
                 "tests/bench/repeat_token)" % REPEATS, [
                     Tool("edgetoken", [REPEAT, emu.authority, TENANT, APP, SCOPE, ca,
                                        str(REPEATS), "keep"], cc_env, repeated),
                     Tool("curl", curl_repeat, cc_env, curl_repeated)]),
    ]


def probe(emu, tool):
    """One run watched by the emulator: (connections summary, wire bytes)."""
    mark = emu.mark()
    p = subprocess.run(tool.argv, env=tool.env, capture_output=True, text=True, timeout=120)
    tool.finish(p)
    # Only connections opened after the mark ("peer" comes with conn_open):
    # an earlier timed run's close line may land after it.
    conns = [c for c in emu.connections(mark) if "peer" in c]
    for c in conns:
        if not c["closed"]:
            raise SystemExit("bench: %s left connection %d open" % (tool.name, c["id"]))
        # The emulator writes each response in one send (TCP_NODELAY): no
        # peer waits on a delayed ACK for the second half of a response.
        if c["sends"] - c["handshake_sends"] != c["served"]:
            raise SystemExit("bench: emulator answered in %d sends for %d requests" % (
                c["sends"] - c["handshake_sends"], c["served"]))
    tool.conns = [(c["served"], c["resumed"], c["tls"]) for c in conns]
    tool.wire = sum(c["bytes_in"] + c["bytes_out"] for c in conns)


def describe(conns):
    if not conns:
        return "none"
    served = "+".join(str(s) for s, _, _ in conns)
    resumed = sum(1 for _, r, _ in conns if r)
    return "%d conn, %s req%s" % (len(conns), served, ", %d resumed" % resumed if resumed else "")


def timed(tool, tmp):
    out = os.path.join(tmp, "runstat")
    p = subprocess.run([RUNSTAT, out] + tool.argv, env=tool.env, capture_output=True,
                       text=True, timeout=120)
    tool.finish(p)
    with open(out) as f:
        wall, user, sys_, rss, _ = (int(x) for x in f.read().split())
    tool.samples.append((wall / 1e6, (user + sys_) / 1e6, user / 1e6, rss))


def valgrind(tool, tmp):
    """(heap allocations, instructions) of one run each under memcheck and
    callgrind, children included."""
    cg_out = os.path.join(tmp, "callgrind.%p")
    counts = []
    for vg, pattern in ((["--tool=memcheck", "--leak-check=no"],
                         r"total heap usage: ([\d,]+) allocs"),
                        (["--tool=callgrind", "--callgrind-out-file=" + cg_out],
                         r"Collected : (\d+)")):
        p = subprocess.run(["valgrind", "--trace-children=yes"] + vg + tool.argv,
                           env=tool.env, capture_output=True, text=True, timeout=600)
        tool.finish(p)
        found = re.findall(pattern, p.stderr)
        if not found:
            raise SystemExit("bench: valgrind %s: no count:\n%s" % (tool.name, p.stderr[-2000:]))
        counts.append(sum(int(x.replace(",", "")) for x in found))
    for f in os.listdir(tmp):
        if f.startswith("callgrind."):
            os.unlink(os.path.join(tmp, f))
    return counts


def measure(emu, ca, runs, valgrind_all, tmp):
    scs = scenarios(emu, ca, tmp, shutil.which("curl"))
    for i, sc in enumerate(scs):
        for t in sc.tools:  # warm-up (page cache), connections and wire bytes
            probe(emu, t)
        if sc.same_connections:
            ours, ref = sc.tool("edgetoken").conns, sc.tool("curl").conns
            if [(s, r) for s, r, _ in ours] != [(s, r) for s, r, _ in ref]:
                raise SystemExit("bench: %s: edgetoken's connections %r differ from curl's %r"
                                 % (sc.key, ours, ref))
        for _ in range(runs):  # interleaved: tool a, tool b, tool a, ...
            for t in sc.tools:
                timed(t, tmp)
        if valgrind_all or i == 0:
            for t in sc.tools:
                t.heap, t.instr = valgrind(t, tmp)
    return scs


def stats(t):
    def median_ms(i):
        return statistics.median(s[i] for s in t.samples) * 1e3
    return (median_ms(0), median_ms(1), median_ms(2), max(s[3] for s in t.samples),
            t.heap, t.instr, t.wire)


def fmt(v, kind):
    if v is None:
        return "-"
    if kind == "ms":
        return "%.1f" % v
    if kind == "M":
        return "%.1f M" % (v / 1e6)
    return format(int(v), ",")


def ratio(a, b):
    if a is None or b is None:
        return "-"
    if b == 0:
        return "-" if a == 0 else "inf"
    r = a / b
    return "%.3f" % r if r < 0.01 else "%.2f" % r


KINDS = ("ms", "ms", "ms", "int", "int", "M", "int")
HEAD = ("wall ms", "CPU ms", "user ms", "RSS KiB", "heap allocs", "instructions", "wire B")


def report(title, scs):
    print("\n== CA file: %s ==" % title)
    print("%-22s %-16s" % ("", "connections") + "".join("%13s" % h for h in HEAD))
    for sc in scs:
        print("%s: %s" % (sc.key, sc.title))
        for t in sc.tools:
            tls = sorted(set(v for _, _, v in t.conns if v))
            print("  %-20s %-16s" % (t.name, describe(t.conns)) +
                  "".join("%13s" % fmt(v, k) for v, k in zip(stats(t), KINDS)) +
                  ("  " + ",".join(tls) if tls and t.name == "curl" else ""))
        for a, b in sc.ratios:
            sa, sb = stats(sc.tool(a)), stats(sc.tool(b))
            print("  %-37s" % ("%s / %s" % (a, b)) +
                  "".join("%13s" % ratio(x, y) for x, y in zip(sa, sb)))


def versions(curl):
    v = subprocess.run([curl, "--version"], capture_output=True, text=True).stdout
    first = v.splitlines()[0].split()
    tls = [w for w in first if w.startswith(("OpenSSL/", "GnuTLS/"))]
    return "%s %s (%s)" % (first[0], first[1], ",".join(tls))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "20")))
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    runs = 2 if a.smoke else a.runs
    curl = shutil.which("curl")
    for need in (curl, shutil.which("valgrind"), RUNSTAT, CLI, REPEAT):
        if not need or not os.access(need, os.X_OK):
            raise SystemExit("bench: %s is missing (make deps; make bench builds the rest)"
                             % (need or "curl/valgrind"))
    certs = make_certs(os.path.join(BUILD, "bench-certs"))
    results = []
    with Emulator(certs) as emu:
        bundle = os.path.join(certs, "bench-bundle.pem")
        with open(bundle, "w") as out:
            for src in (SYSTEM_BUNDLE, emu.ca):
                with open(src) as f:
                    out.write(f.read())
        with open(bundle) as f:
            n = f.read().count("BEGIN CERTIFICATE")
        cas = [("one certificate (the test CA)", emu.ca)]
        if not a.smoke:
            cas.append(("system bundle + test CA (%d certificates, %d KB), the same file "
                        "for both" % (n, os.path.getsize(bundle) // 1024), bundle))
        load0 = os.getloadavg()[0]
        for title, ca in cas:
            with tempfile.TemporaryDirectory(prefix="et-bench-") as tmp:
                results.append((title, measure(emu, ca, runs, not a.smoke, tmp)))
        load1 = os.getloadavg()[0]

    print("make bench: edgetoken vs %s, the emulator on loopback (TLS 1.3, P-256 "
          "test certificate)" % versions(curl))
    print("wall, CPU (user+sys) and user time: median of %d runs per tool, interleaved with "
          "the other tools (the user/sys split is the kernel's tick-based estimate); RSS: "
          "peak; heap allocs (memcheck), instructions (callgrind, whole process) "
          "and wire bytes (emulator's count, TLS included): one run" % runs)
    print("load average %.2f at the start, %.2f at the end, %d CPUs: wall times are noisy "
          "when the machine is busy; instructions are not" % (load0, load1, os.cpu_count()))
    for title, scs in results:
        report(title, scs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
