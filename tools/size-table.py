#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the per-flavour flash/RAM table from linked images' GNU ld maps
(tools/size-table.sh builds them), core's flash with and without -flto
(image-lto.map beside image.map), what single options change in the
client-credentials core, and core's peak stack per public entry
point from gcc's -fcallgraph-info=su call graphs.

    size-table.py [--arena N] [--arena-measured FILE] [--option CONFIG_X=V=DIR ...]
                  LABEL=DIR|LABEL=n/a ...
"""

import argparse
import glob
import os
import re

PARTS = ("core", "port", "mbedTLS", "libc", "bsp")
KINDS = (".text", ".rodata", ".data", ".bss")
ENTRIES = ("et_client_credentials", "et_signin_begin", "et_authorize_url", "et_redeem_code",
           "et_refresh", "et_device_login")
# The engine's calls through function pointers go to the flows' callbacks
# (static, in the flow files): the form fields from put_form, the answer
# from et_engine_step (judge, inlined). The walk follows each to every
# callback of that kind in the flavour: an upper bound.
CALLBACKS = {"core/src/engine.c:put_form": "_fields", "et_engine_step": "_answer"}
GOALS = "goals: client-credentials core <= 8 KB, all flows <= 12 KB; whole client <= 120 KB " \
        "flash, <= 48 KB RAM for one token"


def part_of(path):
    name = os.path.basename(path)
    # With -flto only core is LTO-compiled, so the link-time objects are core.
    if "libedgetoken.a(" in name or "libedgetoken-lto.a(" in name or ".ltrans" in name:
        return "core"
    if "libmbedtls_et.a(" in name:
        return "mbedTLS"
    if "libet_port.a(" in name:
        return "port"
    if name.endswith(".o") and "(" not in name:
        return "bsp"
    return "libc"


def kind_of(out_section):
    for k in KINDS:
        if out_section == k:
            return k
    return None


def parse_map(path):
    """Bytes per (part, kind). Merged string sections (.rodata.*.str1.1)
    are listed with sizes from before merging, several at one address, so
    an input section counts only up to where the next one starts."""
    entries = []  # (kind, address, listed size, part) in map order
    out = None
    pending = None
    in_memmap = False
    for line in open(path):
        if line.startswith("Linker script and memory map"):
            in_memmap = True
            continue
        if not in_memmap:
            continue
        m = re.match(r"^(\.[\w.]+)\s", line) or re.match(r"^(\.[\w.]+)$", line.rstrip())
        if m:
            out = m.group(1)
            continue
        k = kind_of(out)
        if k is None:
            continue
        m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m and not m.group(1).startswith("*"):
            entries.append((k, int(m.group(2), 16), int(m.group(3), 16),
                            part_of(m.group(4).strip()), m.group(4).strip()))
            pending = None
            continue
        m = re.match(r"^ (\.\S+|COMMON)$", line.rstrip())
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m and pending:
            entries.append((k, int(m.group(1), 16), int(m.group(2), 16),
                            part_of(m.group(3).strip()), m.group(3).strip()))
            pending = None
    sizes = {(p, k): 0 for p in PARTS for k in KINDS}
    for i, (k, addr, size, part, obj) in enumerate(entries):
        if i + 1 < len(entries) and entries[i + 1][0] == k and entries[i + 1][1] >= addr:
            size = min(size, entries[i + 1][1] - addr)
        sizes[(part, k)] += size
        if part == "core" and k != ".bss":
            m = re.search(r"\(([^()]+)\.o\)$", obj)
            key = ("object", m.group(1) if m else obj)
            sizes[key] = sizes.get(key, 0) + size
    return sizes


def core_objects(sizes):
    """Core's flash per source file, largest first."""
    return sorted(((n, v) for (p, n), v in sizes.items() if p == "object"),
                  key=lambda kv: (-kv[1], kv[0]))


def core_flash(sizes):
    return sum(sizes[("core", k)] for k in (".text", ".rodata", ".data"))


def stack_walk(ci_dir):
    """Deepest static stack from each entry point through core's call graph.
    Calls through the port's hooks are not followed: a port's own stack adds
    to these. The flows' callbacks are (CALLBACKS)."""
    own, edges = {}, {}
    for ci in glob.glob(os.path.join(ci_dir, "*.ci")):
        text = open(ci).read()
        for m in re.finditer(r'node: \{ title: "([^"]+)" label: "[^"]*\\n(\d+) bytes', text):
            own[m.group(1)] = int(m.group(2))
        for m in re.finditer(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
            edges.setdefault(m.group(1), set()).add(m.group(2))
    for caller, suffix in CALLBACKS.items():
        edges.setdefault(caller, set()).update(
            fn for fn in own if ":" in fn and fn.endswith(suffix))
    memo = {}

    def depth(fn, path):
        if fn in memo:
            return memo[fn]
        if fn in path:
            return 0  # core has no recursion; be safe
        best = 0
        for callee in edges.get(fn, ()):
            best = max(best, depth(callee, path | {fn}))
        memo[fn] = own.get(fn, 0) + best
        return memo[fn]

    return {e: depth(e, frozenset()) for e in ENTRIES if e in own}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arena", type=int, required=True)
    ap.add_argument("--arena-measured")
    ap.add_argument("--option", action="append", default=[],
                    help="CONFIG_X=V=DIR: the client-credentials image with that one option")
    ap.add_argument("flavours", nargs="+")
    a = ap.parse_args()
    print("edgetoken on Cortex-M4 (arm-none-eabi-gcc -Os -mthumb, linked with --gc-sections), "
          "bytes")
    print("%-20s %-8s %7s %7s %7s %7s %8s %8s" % ("flavour", "part", ".text", ".rodata",
                                                    ".data", ".bss", "flash", "RAM"))
    stacks = {}
    for fl in a.flavours:
        label, where = fl.split("=", 1)
        if where == "n/a":
            print("%-20s %-8s %7s %7s %7s %7s %8s %8s" % ((label, "n/a") + ("-",) * 6))
            continue
        s = parse_map(os.path.join(where, "image.map"))
        tot = {k: sum(s[(p, k)] for p in PARTS) for k in KINDS}
        for p in PARTS:
            flash = s[(p, ".text")] + s[(p, ".rodata")] + s[(p, ".data")]
            ram = s[(p, ".data")] + s[(p, ".bss")]
            print("%-20s %-8s %7d %7d %7d %7d %8d %8d" % (
                label, p, s[(p, ".text")], s[(p, ".rodata")], s[(p, ".data")], s[(p, ".bss")],
                flash, ram))
        print("%-20s %-8s %7d %7d %7d %7d %8d %8d" % (
            label, "total", tot[".text"], tot[".rodata"], tot[".data"], tot[".bss"],
            tot[".text"] + tot[".rodata"] + tot[".data"], tot[".data"] + tot[".bss"]))
        stacks[label] = stack_walk(os.path.join(where, "core"))
    lto_rows = []
    for fl in a.flavours:
        label, where = fl.split("=", 1)
        lto_map = os.path.join(where, "image-lto.map")
        if where != "n/a" and os.path.exists(lto_map):
            plain, lto = (core_flash(parse_map(os.path.join(where, m)))
                          for m in ("image.map", "image-lto.map"))
            lto_rows.append((label, plain, lto, plain - lto))
    if lto_rows:
        print()
        print("core flash with link-time optimization (core compiled and linked with -flto "
              "-Os; the rest as above)")
        print("%-20s %8s %8s %8s" % ("flavour", "no LTO", "LTO", "saved"))
        for row in lto_rows:
            print("%-20s %8d %8d %8d" % row)
    base = dict(fl.split("=", 1) for fl in a.flavours).get("client-credentials", "n/a")
    if base != "n/a":
        objs = core_objects(parse_map(os.path.join(base, "image.map")))
        print()
        print("client-credentials core per source file (flash, linked; core/src/NAME.c)")
        for i in range(0, len(objs), 4):
            print(("  " + "".join("%-26s" % ("%s %d" % kv) for kv in objs[i:i + 4])).rstrip())
    if a.option and base != "n/a":
        plain = core_flash(parse_map(os.path.join(base, "image.map")))
        print()
        print("one option at a time, client-credentials core (%d bytes; et_config.h has the "
              "defaults)" % plain)
        print("%-32s %8s %8s" % ("option", "core", "change"))
        for opt in a.option:
            name, where = opt.rsplit("=", 1)
            size = core_flash(parse_map(os.path.join(where, "image.map")))
            print("%-32s %8d %+8d" % (name, size, size - plain))
    print()
    print("RAM (.bss) includes what the caller provides: the workspace buffer and jsmn tokens "
          "(CONFIG_ET_WORK_BUF_SIZE, CONFIG_ET_JSON_TOKENS), the port with mbedTLS's contexts, "
          "and mbedTLS's arena of %d bytes; add the stack below." % a.arena)
    if a.arena_measured and os.path.exists(a.arena_measured):
        peak, blocks, bound = open(a.arena_measured).read().split()
        print("mbedTLS arena high-water for one token (zero-heap CLI on x86-64, TLS 1.2 to the "
              "emulator, one CA): %s bytes in %s blocks, at most %s with block headers" %
              (peak, blocks, bound))
    print()
    print("core's peak stack per entry point (-fcallgraph-info=su walk; port hooks and "
          "mbedTLS not included):")
    for label, st in stacks.items():
        print("  %-20s %s" % (label, ", ".join("%s %d" % kv for kv in sorted(st.items()))))
    print(GOALS)


if __name__ == "__main__":
    main()
