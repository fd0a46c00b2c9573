#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Nothing is written into the checkout outside BUILD.

  clean-tree.py snapshot FILE         record `git status --porcelain --ignored`
  clean-tree.py check FILE BUILD...   fail on any untracked or ignored file
                                      that is new since the snapshot and not
                                      inside one of the BUILDs (edits of tracked
                                      files are left out: a developer may be
                                      editing while the tests run)

Outside a git checkout (a release tarball) both succeed and say so."""
import os
import subprocess
import sys


def status():
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return set(out.splitlines())


def main():
    mode, path = sys.argv[1], sys.argv[2]
    now = status()
    if now is None:
        print("clean-tree: not a git checkout: not checked")
        return 0
    if mode == "snapshot":
        with open(path, "w") as f:
            f.write("\n".join(sorted(now)) + "\n")
        return 0
    with open(path) as f:
        before = set(f.read().splitlines())
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], check=True,
                          capture_output=True, text=True).stdout.strip()
    builds = []
    for b in sys.argv[3:]:
        rel = os.path.relpath(os.path.realpath(b), os.path.realpath(root))
        if not rel.startswith(".."):
            builds.append(rel.rstrip("/") + "/")
    new = []
    for line in sorted(now - before):
        if line[:2] not in ("??", "!!"):
            continue
        p = line[3:].strip('"')
        if any((p.rstrip("/") + "/").startswith(b) for b in builds):
            continue
        new.append(line)
    if new:
        print("clean-tree: written into the checkout outside BUILD (%s):" % " ".join(sys.argv[3:]))
        for line in new:
            print("  " + line)
        return 1
    print("clean-tree: nothing new outside %s" % " ".join(sys.argv[3:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
