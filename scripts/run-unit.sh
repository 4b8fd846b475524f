#!/usr/bin/env bash
# Runs the cmocka unit test binaries given as arguments (optionally under
# valgrind), UNIT_JOBS at a time (default 2: the tests are single-threaded
# and valgrind is slow), and prints one line per binary in the order given,
# then one summary line: "unit: N passed, M failed".
set -uo pipefail

vg=()
if [ "${1:-}" = "--valgrind" ]; then
    shift
    vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible)
    # Tests that loop over much data only to compare with a reference take
    # a sample of it under valgrind (see test_tzinfo.c).
    export SLO_UNIT_VALGRIND=1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One binary: its output in $UNIT_OUT/N.log and its exit code in N.rc.
run_one() {
    # shellcheck disable=SC2086 # UNIT_VG is a command prefix, split on purpose
    $UNIT_VG "$2" >"$UNIT_OUT/$1.log" 2>&1
    echo $? >"$UNIT_OUT/$1.rc"
}
export -f run_one
export UNIT_OUT="$out" UNIT_VG="${vg[*]}"

i=0
for t in "$@"; do
    printf '%s\0%s\0' "$i" "$t"
    i=$((i + 1))
done | xargs -0 -n2 -P "${UNIT_JOBS:-2}" bash -c 'run_one "$1" "$2"' _

passed=0
failed=0
i=0
for t in "$@"; do
    log="$out/$i.log"
    rc=$(cat "$out/$i.rc" 2>/dev/null || echo 127)
    i=$((i + 1))
    # cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" 2>/dev/null | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" 2>/dev/null | tail -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ]; then
        [ -n "$f" ] || failed=$((failed + 1))
        cat "$log" 2>/dev/null
        echo "FAIL: $t (exit $rc)"
    else
        echo "ok:   $(basename "$t") (${p:-0} tests)"
    fi
done
label=unit
[ ${#vg[@]} -gt 0 ] && label=valgrind
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
