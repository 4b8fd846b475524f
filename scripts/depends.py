#!/usr/bin/env python3
"""Checks the "Depends on" line of every module against its includes, and
the module include graph for cycles.

    scripts/depends.py [--suggest] [--layers A,B,...] DIR [DIR ...]

A module is a basename X with X.c and/or X.h somewhere under the DIRs
(searched recursively, so src/<role>/X.{c,h} works as well as src/ plus
include/). It uses module Y when X.c or X.h has `#include "Y.h"` or
`#include "some/dir/Y.h"` (resolved by basename; its own header does not
count; generated protobuf headers, *.pb-c.h, are the library protobuf-c).

Each module has exactly one line like
     * Depends on util, config (struct config_errors), libyaml.
in the top comment of its header (main, which has none, in main.c), possibly
wrapped over several comment lines and ending at the first "." or ";".
The items are split at commas and "and"; notes in parentheses are dropped,
and an item counts when its first word is a module name, so libraries
(libcurl, jansson, pthreads, libc ...) and prose are ignored.

Prints each problem as FILE:LINE: message, then each cycle of the graph
(X uses Y uses ... X) with the include that makes each step; exits 1 when
there is any. --suggest prints, for each module, the modules that its line
should name (in include order), and exits 0.

--layers names the folders under the first DIR from the bottom up (the
files directly in DIR are the top): a module may use modules of its own
folder and of the folders below it, never of one above, so the folders
themselves form no cycle. A folder missing from the list is an error.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Module:
    def __init__(self, name):
        self.name = name
        self.files = []           # its .h first, then its .c
        self.uses = {}            # module name -> (file, line) of first include
        self.lines = []           # (file, line number, [listed module names])


def scan(dirs):
    """Maps basename -> {'.c': path, '.h': path}; reports duplicates."""
    found, problems = {}, []
    for top in dirs:
        if not os.path.isdir(top):
            sys.exit(f"depends.py: {top}: not a directory")
        for root, subdirs, names in os.walk(top):
            subdirs.sort()
            for n in sorted(names):
                base, ext = os.path.splitext(n)
                if ext not in (".c", ".h") or n.endswith(".pb-c.h") or n.endswith(".pb-c.c"):
                    continue
                path = os.path.normpath(os.path.join(root, n))
                slot = found.setdefault(base, {})
                if ext in slot and slot[ext] != path:
                    problems.append(f"{path}:1: a second {n} (first: {slot[ext]}); "
                                    "module names must be unique")
                    continue
                slot[ext] = path
    return found, problems


def top_comment(lines):
    """Returns (start index, end index) of the first /* */ comment when the
    file begins with it (after blank lines), or None."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines) or not lines[i].lstrip().startswith("/*"):
        return None
    for j in range(i, len(lines)):
        if "*/" in lines[j]:
            return i, j
    return i, len(lines) - 1


def comment_text(line):
    line = line.strip()
    if line.startswith("/*"):
        line = line[2:]
    line = line.split("*/")[0]
    return re.sub(r"^\s*\*+\s?", "", line).strip()


def parse_depends(lines, modules):
    """Finds "Depends on" lines in the top comment. Returns a list of
    (line number, [module names in the order listed])."""
    span = top_comment(lines)
    if span is None:
        return []
    start, end = span
    out = []
    for i in range(start, end + 1):
        text = comment_text(lines[i])
        pos = text.find("Depends on")
        if pos < 0:
            continue
        # The sentence runs on over the following comment lines up to a
        # "." or ";" outside parentheses.
        rest = text[pos + len("Depends on"):]
        k = i
        depth, kept, done = 0, [], False
        while True:
            for idx, ch in enumerate(rest):
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth = max(0, depth - 1)
                elif depth == 0 and ch in ".;" and (idx + 1 == len(rest) or rest[idx + 1].isspace()):
                    done = True
                    break
                elif depth == 0:
                    kept.append(ch)
            if done or k >= end:
                break
            k += 1
            kept.append(" ")
            rest = comment_text(lines[k])
        listed = []
        for item in re.split(r",|\band\b", "".join(kept)):
            m = WORD.match(item.strip())
            if m and m.group(0) in modules and m.group(0) not in listed:
                listed.append(m.group(0))
        out.append((i + 1, listed))
    return out


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().split("\n")


def build(dirs):
    found, problems = scan(dirs)
    modules = {name: Module(name) for name in found}
    for name, slot in sorted(found.items()):
        mod = modules[name]
        mod.files = [slot[e] for e in (".h", ".c") if e in slot]
        for path in mod.files:
            lines = read(path)
            for no, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                base = os.path.basename(m.group(1))
                if base.endswith(".pb-c.h"):
                    continue  # the library protobuf-c
                dep = base[:-2] if base.endswith(".h") else None
                if dep is None or dep not in modules:
                    problems.append(f'{path}:{no}: includes "{m.group(1)}", '
                                    "which is no module under the given directories")
                    continue
                if dep != name and dep not in mod.uses:
                    mod.uses[dep] = (path, no)
            for no, listed in parse_depends(lines, modules):
                mod.lines.append((path, no, listed))
    return modules, problems


def check(modules):
    problems = []
    for name in sorted(modules):
        mod = modules[name]
        if not mod.lines:
            problems.append(f"{mod.files[0]}:1: {name} has no Depends on line")
            continue
        header = mod.files[0] if mod.files[0].endswith(".h") else None
        first = mod.lines[0]
        path, no, listed = first
        if header and path != header:
            problems.append(f"{path}:{no}: Depends on line of {name} belongs in its header "
                            f"{header}")
        for p, n, _ in mod.lines[1:]:
            problems.append(f"{p}:{n}: a second Depends on line for {name} (first: "
                            f"{path}:{no}); keep only the one in the header")
        for dep in listed:
            if dep not in mod.uses:
                problems.append(f"{path}:{no}: Depends on lists {dep} but does not include it")
        for dep, (ipath, ino) in mod.uses.items():
            if dep not in listed:
                problems.append(f"{path}:{no}: includes {dep} but Depends on does not list it "
                                f"({ipath}:{ino})")
    return problems


def check_layers(modules, top, layers):
    """Each use goes to the module's own folder or one below it."""
    problems, rank = [], {name: i for i, name in enumerate(layers)}
    top = os.path.normpath(top)

    def folder(path):
        rel = os.path.relpath(path, top).split(os.sep)
        return rel[0] if len(rel) > 1 else ""  # "" is the top: files directly in DIR

    def level(f):
        return len(layers) if f == "" else rank.get(f)

    for name in sorted(modules):
        mod = modules[name]
        f = folder(mod.files[0])
        if level(f) is None:
            problems.append(f"{mod.files[0]}:1: folder {f}/ is not in --layers")
            continue
        for dep, (ipath, ino) in mod.uses.items():
            g = folder(modules[dep].files[0])
            if level(g) is not None and level(g) > level(f):
                problems.append(f"{ipath}:{ino}: {name} ({f or 'top'}) uses {dep} from "
                                f"{g}/, a folder above its own")
    return problems


def sccs(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def cycles(graph, limit=200):
    """Every elementary cycle (Johnson's idea, simplified: each cycle is
    found once from its smallest node, within one strongly connected
    component), at most limit of them."""
    found = []
    for comp in sccs(graph):
        if len(comp) < 2:
            continue
        members = set(comp)
        for start in comp:
            allowed = {m for m in members if m >= start}
            path, stack = [start], [iter(sorted(graph[start] & allowed))]
            while stack:
                for w in stack[-1]:
                    if w == start:
                        found.append(path + [start])
                        if len(found) >= limit:
                            return found, True
                    elif w not in path:
                        path.append(w)
                        stack.append(iter(sorted(graph[w] & allowed)))
                        break
                else:
                    stack.pop()
                    path.pop()
    return found, False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", metavar="DIR",
                    help="directories holding the .c and .h files (searched recursively)")
    ap.add_argument("--layers", metavar="A,B,...",
                    help="the folders under the first DIR, bottom first; a module may not "
                    "use a module of a folder above its own")
    ap.add_argument("--suggest", action="store_true",
                    help="print the modules each Depends on line should name, and exit 0")
    args = ap.parse_args()

    modules, problems = build(args.dirs)
    if args.suggest:
        for name in sorted(modules):
            print(f"{name}: {', '.join(modules[name].uses) or '(no module)'}")
        return 0
    problems += check(modules)
    if args.layers:
        problems += check_layers(modules, args.dirs[0], args.layers.split(","))
    for p in problems:
        print(p)

    graph = {name: set(mod.uses) for name, mod in modules.items()}
    found, truncated = cycles(graph)
    for cyc in found:
        steps = []
        for a, b in zip(cyc, cyc[1:]):
            f, n = modules[a].uses[b]
            steps.append(f"{a} -> {b} ({f}:{n})")
        print("include cycle: " + " -> ".join(cyc) + "\n    " + "\n    ".join(steps))
    if truncated:
        print(f"(more cycles; only the first {len(found)} shown)")
    if problems or found:
        print(f"depends: {len(problems)} problem(s) with Depends on lines or layers, "
              f"{len(found)}{'+' if truncated else ''} include cycle(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
