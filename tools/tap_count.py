#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Honest counts for tools/test.sh.

    tap_count.py record RESULTS GROUP VARIANT LOG RC   # a TAP run's cases
    tap_count.py step RESULTS NAME RC                   # a step: one case
    tap_count.py summary RESULTS                        # table + final line

RESULTS is a tab-separated file of "group, case, variant, status" rows
(status ok, fail or skip). A TAP line is one case: "ok N - name",
"not ok N - name", and "ok N - name # SKIP why" (our harness) or
"not ok N # SKIP name" (cmocka) count as skipped, never as passed or
failed. A crash, a non-zero exit or a plan ("1..N") that is missing or not
met is one more failed case of the run, "(run)".

The summary counts each distinct (group, case) once, whatever the variants
it ran in (gcc, clang, asan, valgrind...): failed if it failed in any,
skipped if it was skipped in all, else passed. Groups that ran in several
variants get one table row each, the variants as columns. The last line,
which CI reads, is "N passed, N failed[, N skipped]".
"""

import collections
import re
import sys

TAP = re.compile(r"^(ok|not ok)\s+(\d+)\s*(?:-\s*)?(.*)$")
SKIP = re.compile(r"#\s*skip\b\s*(.*)$", re.I)


def parse(log):
    """[(case, status)] and the plan (or None) of a TAP log."""
    cases, plan = [], None
    with open(log, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^1\.\.(\d+)", line)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = TAP.match(line)
            if not m:
                continue
            verdict, num, rest = m.groups()
            skip = SKIP.search(rest)
            name = rest[:skip.start()].strip() if skip else rest.strip()
            if skip and not name:
                name = skip.group(1).strip()  # cmocka: "not ok 3 # SKIP name"
            name = name or "#" + num
            if skip:
                cases.append((name, "skip"))
            else:
                cases.append((name, "ok" if verdict == "ok" else "fail"))
    return cases, plan


def record(results, group, variant, log, rc):
    cases, plan = parse(log)
    why = None
    if int(rc) != 0 and not any(s == "fail" for _, s in cases):
        why = "exit %s" % rc
    elif not plan:
        why = "no tests planned"
    elif len(cases) < plan:
        why = "only %d of %d planned tests reported" % (len(cases), plan)
    with open(results, "a") as f:
        for name, status in cases:
            f.write("%s\t%s\t%s\t%s\n" % (group, name, variant, status))
        if why:
            f.write("%s\t(run: %s)\t%s\tfail\n" % (group, why, variant))
    n = collections.Counter(s for _, s in cases)
    bad = n["fail"] + (1 if why else 0)
    print("%s   %s%s: %d passed, %d failed%s%s" % (
        "FAIL" if bad else "ok  ", group, "" if variant == "-" else " [%s]" % variant,
        n["ok"], bad, ", %d skipped" % n["skip"] if n["skip"] else "",
        " (%s)" % why if why else ""))
    for name, status in cases:
        if status == "fail":
            print("FAIL: %s: %s" % (group, name))
    return 1 if bad else 0


def step(results, name, rc):
    with open(results, "a") as f:
        f.write("%s\t-\t-\t%s\n" % (name, "ok" if int(rc) == 0 else "fail"))
    return 0


def summary(results):
    rows = collections.OrderedDict()   # (group, case) -> {variant: status}
    try:
        with open(results) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 4:
                    continue
                group, case, variant, status = parts
                rows.setdefault((group, case), {})
                prev = rows[(group, case)].get(variant)
                # The same case twice in one variant: the worse result.
                if prev != "fail":
                    rows[(group, case)][variant] = status if prev != "ok" or \
                        status == "fail" else prev
    except FileNotFoundError:
        pass
    verdict = {}
    for key, by_variant in rows.items():
        st = set(by_variant.values())
        verdict[key] = "fail" if "fail" in st else ("skip" if st == {"skip"} else "ok")

    groups = collections.OrderedDict()
    for (group, case), by_variant in rows.items():
        groups.setdefault(group, []).append((case, by_variant))
    multi = [(g, cs) for g, cs in groups.items()
             if len({v for _, bv in cs for v in bv}) > 1]
    if multi:
        variants = []
        for _, cs in multi:
            for _, bv in cs:
                for v in bv:
                    if v not in variants:
                        variants.append(v)
        head = "distinct cases, by variant"
        width = max([len(g) for g, _ in multi] + [len(head)])
        print()
        print("%-*s  %5s  %s" % (width, head, "cases",
                                 "  ".join("%-9s" % v for v in variants)))
        for g, cs in multi:
            cols = []
            for v in variants:
                st = collections.Counter(bv[v] for _, bv in cs if v in bv)
                if not st:
                    cols.append("-")
                elif st["fail"]:
                    cols.append("%d FAIL" % st["fail"])
                elif st["skip"]:
                    cols.append("ok %dskip" % st["skip"])
                else:
                    cols.append("ok")
            print("%-*s  %5d  %s" % (width, g, len(cs), "  ".join("%-9s" % c for c in cols)))

    n = collections.Counter(verdict.values())
    failed = [k for k, v in verdict.items() if v == "fail"]
    if failed:
        print("\nfailures:")
        for group, case in failed:
            bad = [v for v, s in rows[(group, case)].items() if s == "fail"]
            print("  %s%s%s" % (group, "" if case == "-" else ": " + case,
                                "" if bad == ["-"] else " [%s]" % ", ".join(bad)))
    print()
    print("%d passed, %d failed%s" % (n["ok"], n["fail"],
                                      ", %d skipped" % n["skip"] if n["skip"] else ""))
    return 1 if n["fail"] else 0


def main(argv):
    if len(argv) >= 7 and argv[1] == "record":
        return record(*argv[2:7])
    if len(argv) >= 5 and argv[1] == "step":
        return step(*argv[2:5])
    if len(argv) >= 3 and argv[1] == "summary":
        return summary(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
