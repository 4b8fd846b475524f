#!/usr/bin/env bash
# Runs the cmocka unit test binaries given as arguments (optionally under
# valgrind) and prints one summary line: "unit: N passed, M failed".
set -uo pipefail

vg=()
if [ "${1:-}" = "--valgrind" ]; then
    shift
    vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible)
fi
passed=0
failed=0
for t in "$@"; do
    out=$("${vg[@]}" "$t" 2>&1)
    rc=$?
    # cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ $rc -ne 0 ]; then
        [ -n "$f" ] || failed=$((failed + 1))
        printf '%s\n' "$out"
        echo "FAIL: $t (exit $rc)"
    else
        echo "ok:   $(basename "$t") (${p:-0} tests)"
    fi
done
label=unit
[ ${#vg[@]} -gt 0 ] && label=valgrind
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
