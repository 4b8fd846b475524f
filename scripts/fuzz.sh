#!/usr/bin/env bash
# Runs each libFuzzer target in build/fuzz for TIME seconds from its seed
# corpus (tests/data/fuzz/NAME) and its working corpus (build/fuzz/corpus_NAME),
# JOBS at a time: fuzzers are single-threaded, so two cores run two.
# A crash, leak, timeout (an input slower than UNIT_TIMEOUT s) or out-of-memory
# fails the run and shows the end of that target's log; the reproducer is left
# as build/fuzz/NAME-crash-* (or -leak-, -timeout-, -oom-).
# Usage: scripts/fuzz.sh TIME UNIT_TIMEOUT NAME...
set -uo pipefail
cd "$(dirname "$0")/.."
time=$1
unit_timeout=$2
shift 2
jobs=${FUZZ_JOBS:-2}

run_one() {
    local t=$1 time=$2 unit_timeout=$3
    mkdir -p "build/fuzz/corpus_$t"
    if "build/fuzz/fuzz_$t" -max_total_time="$time" -timeout="$unit_timeout" \
        -artifact_prefix="build/fuzz/$t-" -print_final_stats=1 \
        "build/fuzz/corpus_$t" "tests/data/fuzz/$t" > "build/fuzz/$t.log" 2>&1; then
        echo "fuzz: $t: $(grep -E '^stat::number_of_executed_units' "build/fuzz/$t.log" |
            awk '{print $2}') inputs in ${time}s"
    else
        tail -n 40 "build/fuzz/$t.log"
        echo "fuzz: $t FAILED"
        return 1
    fi
}
export -f run_one

printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$time" "$unit_timeout"
rc=$?
if [ $rc -ne 0 ]; then
    echo "fuzz: a target failed (see above)"
    exit 1
fi
echo "fuzz: all $# targets ran ${time}s without a finding"
