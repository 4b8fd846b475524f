#!/usr/bin/env python3
"""Checks that the code tour in docs/design.md names every module where it is.

The tour has one heading per source folder, "### `src/<role>/`" (and
"### `src/`" for the files at the top), followed by a table whose rows start
with the modules of that folder in backticks ("| `exactread` | ..." or
"| `binio`, `statefile` | ..."). A module is a basename of a .c or .h file in
the folder (X.c and X.h are one module).

Every module of every folder must appear under its folder's heading, and
every module and folder the tour names must exist, so the tour can neither
miss a file nor keep one that moved or went. Exit status 1 on any mismatch.
Usage: scripts/tour.py [DOC [SRC]]
"""
import os
import re
import sys


def modules_on_disk(src):
    found = {}
    top = set(os.path.splitext(n)[0] for n in os.listdir(src) if n.endswith((".c", ".h")))
    if top:
        found[""] = top
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        mods = set()
        for name in os.listdir(path):
            base, ext = os.path.splitext(name)
            if ext in (".c", ".h"):
                mods.add(base)
        if mods:
            found[folder] = mods
    return found


def modules_in_tour(doc):
    tour = {}
    lines = {}
    folder = None
    in_tour = False
    with open(doc, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if line.startswith("## "):
                in_tour = line.strip().lower() == "## code tour"
                folder = None
                continue
            if not in_tour:
                continue
            m = re.match(r"### `src/(?:([a-z0-9_]+)/)?`", line)
            if m:
                folder = m.group(1) or ""
                tour.setdefault(folder, set())
                lines[folder] = no
                continue
            if folder is not None and line.startswith("| `"):
                first = line.split("|")[1]
                for name in re.findall(r"`([a-z0-9_]+)`", first):
                    tour[folder].add(name)
                    lines[(folder, name)] = no
    return tour, lines


def where(folder, mod=None):
    path = f"src/{folder}/" if folder else "src/"
    return path + mod if mod else path


def main():
    doc = sys.argv[1] if len(sys.argv) > 1 else "docs/design.md"
    src = sys.argv[2] if len(sys.argv) > 2 else "src"
    disk = modules_on_disk(src)
    tour, lines = modules_in_tour(doc)
    bad = []
    if not tour:
        bad.append(f"{doc}: no '## Code tour' section with '### `src/<folder>/`' headings")
    for folder, mods in disk.items():
        if folder not in tour:
            bad.append(f"{doc}: the code tour has no heading for {where(folder)}")
            continue
        for mod in sorted(mods - tour[folder]):
            bad.append(f"{doc}:{lines[folder]}: {where(folder, mod)}: missing from the code tour")
    for folder, mods in tour.items():
        if folder not in disk:
            bad.append(f"{doc}:{lines[folder]}: {where(folder)} does not exist")
            continue
        for mod in sorted(mods - disk[folder]):
            bad.append(f"{doc}:{lines[(folder, mod)]}: `{mod}` is not in {where(folder)}")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
