#!/usr/bin/env python3
"""Checks the links of the README and docs/: every relative link names a
file of the repository, and every #anchor a heading of its file (GitHub's
anchors: lower case, punctuation dropped, spaces as hyphens).

    scripts/doclinks.py [FILE.md ...]   (default: README.md docs/*.md)

Prints each broken link as FILE:LINE: message; exits 1 when there is one.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading):
    h = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return h.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found, fence = set(), False
        with open(path) as f:
            for line in f:
                if line.startswith("```"):
                    fence = not fence
                m = None if fence else re.match(r"^#{1,6} (.*)$", line)
                if m:
                    found.add(slug(m.group(1)))
        cache[path] = found
    return cache[path]


def check(path):
    bad, fence = [], False
    with open(path) as f:
        for no, line in enumerate(f, 1):
            if line.startswith("```"):
                fence = not fence
            if fence:
                continue
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target):
                    continue
                file, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                if not os.path.exists(dest):
                    bad.append("%s:%d: %s: no such file" % (os.path.relpath(path, ROOT), no, target))
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    bad.append("%s:%d: %s: no such heading in %s"
                               % (os.path.relpath(path, ROOT), no, target,
                                  os.path.relpath(dest, ROOT)))
    return bad


def main():
    files = sys.argv[1:] or [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "*.md")))
    bad = [b for f in files for b in check(f)]
    for b in bad:
        print(b)
    if bad:
        sys.exit(1)
    print("doclinks: %d files, every link resolves" % len(files))


if __name__ == "__main__":
    main()
