#!/usr/bin/env bash
# Static checks: banned libc calls (curl's checksrc list), the "Depends on"
# lines, include cycles and the folders' layers (scripts/depends.py), the code
# tour (scripts/tour.py), cppcheck, the layout (scripts/format.sh --check,
# .clang-format), and the links of the README, docs/ and the other READMEs
# (scripts/doclinks.py).
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
banned='\b(strcpy|strcat|sprintf|vsprintf|atoi|atol|atof|strtok|gets)\s*\('
if grep -nE "$banned" src/*.c src/*/*.c src/*/*.h tests/unit/*.c; then
    echo "lint: banned call found (use snprintf, strtol/util_parse_*, struct buf)"
    rc=1
fi
# Each module's "Depends on" line against its includes, no include cycles,
# and no module using one of a folder above its own. The folders from the
# bottom up, as docs/design.md explains them (src/main.c is the top):
layers=base,config,slo,promql,exact,serve,core,tools,import
if ! python3 scripts/depends.py --layers "$layers" src; then
    echo "lint: Depends on lines, include graph or layers wrong (scripts/depends.py)"
    rc=1
fi
# Every module in the code tour of docs/design.md, under its folder.
if ! python3 scripts/tour.py docs/design.md src; then
    echo "lint: the code tour in docs/design.md is out of step with src/ (scripts/tour.py)"
    rc=1
fi
if command -v cppcheck >/dev/null; then
    cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
        --inline-suppr --suppress=missingIncludeSystem \
        $(for d in src/*/; do printf -- "-I%s " "${d%/}"; done) src/ || rc=1
fi
# The layout of every C file (.clang-format): lists the files that differ.
if ! out=$(bash scripts/format.sh --check 2>&1); then
    printf '%s\n' "$out"
    echo "lint: C files not laid out by .clang-format (make fmt)"
    rc=1
fi
python3 scripts/doclinks.py README.md docs/*.md helm/README.md helm/slo-sidecar/README.md \
    tests/integration/README.md > /dev/null || {
    python3 scripts/doclinks.py README.md docs/*.md helm/README.md helm/slo-sidecar/README.md \
        tests/integration/README.md
    echo "lint: broken documentation links"
    rc=1
}
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
