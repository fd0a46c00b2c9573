#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Core's line and branch coverage from the unit tests (make coverage).

    coverage.py --objdir BUILD/coverage/core/src --floor tools/coverage-floor.tsv core/src/*.c
    coverage.py ... --write-floor     rewrite the floor file from this run

Runs gcov on each source's .gcda, prints a table (file, lines, branches
taken at least once) and fails when a file, or the total, is below its floor
in the floor file. A file with no floor line fails too: a new source gets
one (--write-floor) in the commit that adds it.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

# The floor is set this far under the measured value, so that a change that
# moves a branch or two (a refactor, an analyzer's guard) does not trip it;
# a change that drops tests does.
SLACK = 1.0


def measure(objdir, src):
    """(lines hit, lines, branches taken, branches) of src from gcov."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["gcov", "-b", "-n", "-o", os.path.abspath(objdir),
                              os.path.abspath(src)],
                             cwd=tmp, capture_output=True, text=True, check=True).stdout
    name = os.path.basename(src)
    block = None
    for chunk in out.split("\n\n"):
        m = re.search(r"^File '(.*)'$", chunk, re.M)
        if m and os.path.basename(m.group(1)) == name:
            block = chunk
            break
    if block is None:
        return 0, 0, 0, 0  # never linked into a test: 0 of unknown
    lm = re.search(r"Lines executed:([\d.]+)% of (\d+)", block)
    bm = re.search(r"Taken at least once:([\d.]+)% of (\d+)", block)
    lines = int(lm.group(2)) if lm else 0
    branches = int(bm.group(2)) if bm else 0
    lhit = round(float(lm.group(1)) * lines / 100) if lm else 0
    bhit = round(float(bm.group(1)) * branches / 100) if bm else 0
    return lhit, lines, bhit, branches


def pct(hit, total):
    return 100.0 * hit / total if total else 100.0


def read_floor(path):
    floors = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, lf, bf = line.split()
                floors[name] = (float(lf), float(bf))
    return floors


def write_floor(path, rows):
    with open(path, "w") as f:
        f.write("# SPDX-License-Identifier: MIT\n"
                "# Coverage floors of core/src (make coverage): file, lines %%, branches %%\n"
                "# (taken at least once), each %.1f under the value measured when set.\n"
                "# Raise them as tests grow: make coverage COVERAGE_WRITE=1 rewrites\n"
                "# this file from a run (check the diff only goes up), or edit a line.\n"
                % SLACK)
        for name, l, b in rows:
            f.write("%-28s %5.1f %5.1f\n" % (name, max(0.0, l - SLACK), max(0.0, b - SLACK)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objdir", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--write-floor", action="store_true")
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args()
    rows, tot = [], [0, 0, 0, 0]
    for src in a.sources:
        m = measure(a.objdir, src)
        tot = [x + y for x, y in zip(tot, m)]
        rows.append((os.path.basename(src), m))
    table = [(n, pct(m[0], m[1]), pct(m[2], m[3])) for n, m in rows]
    table.append(("TOTAL", pct(tot[0], tot[1]), pct(tot[2], tot[3])))
    if a.write_floor:
        write_floor(a.floor, table)
    floors = read_floor(a.floor)
    bad = 0
    print("%-28s %16s %16s  %s" % ("file", "lines", "branches", "floor (l/b)"))
    for (name, l, b), m in zip(table, [m for _, m in rows] + [tot]):
        fl = floors.get(name)
        low = fl is None or l < fl[0] or b < fl[1]
        bad += low
        print("%-28s %5.1f%% %4d/%-4d %5.1f%% %4d/%-4d  %s%s" % (
            name, l, m[0], m[1], b, m[2], m[3],
            "%.1f/%.1f" % fl if fl else "none",
            "  BELOW FLOOR" if low else ""))
    if bad:
        print("coverage: %d below the floor (%s)" % (bad, a.floor))
        return 1
    print("coverage: every file at or above its floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
