#!/usr/bin/env bash
# Integration tests: run.sh BIN [PLAIN_BIN]
#
# Generates four days of synthetic traffic (tests/data/gen.py), backfills it
# into a fresh TSDB with promtool, serves it with one real Prometheus on a free
# loopback port, and runs every test_*.sh here against it with
#   BIN       the slo-sidecar binary (absolute path); make test passes the
#             ASan+UBSan build, so every test runs under the sanitizers
#   BIN_PLAIN a build without sanitizers (PLAIN_BIN, default BIN), for what
#             cannot run under them: valgrind, RSS figures
#   SANITIZED 1 when BIN is a sanitizer build (its path has /san/)
#   PROM_URL  http://127.0.0.1:PORT of that Prometheus
#   DATA_DIR  the generator's output (data.om, expected.json)
#   END       unix time of the newest sample (a multiple of 60)
#   WORK      a scratch directory of its own, removed afterwards
#   HERE      this directory
# The tests run in LANES (2) lanes side by side, each test's output printed
# whole when it ends; those that measure time or load run alone afterwards,
# with BESIDE_SOLO (a command, if set) at nice 19 beside them.
# Prints "integration: N passed, M failed" and exits non-zero if any failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-build/slo-sidecar}
if [ ! -x "$BIN" ]; then
    echo "integration: $BIN is not an executable (build it first: make)" >&2
    exit 2
fi
BIN=$(realpath "$BIN")
BIN_PLAIN=$(realpath "${2:-$BIN}")
SANITIZED=0
case "$BIN" in */san/*) SANITIZED=1 ;; esac
for tool in prometheus promtool python3 curl; do
    command -v "$tool" > /dev/null || { echo "integration: $tool not found (make deps)" >&2; exit 2; }
done
. "$here/lib.sh"

WORK=$(mktemp -d /tmp/slo-itest.XXXXXX)
PROM_PID=
cleanup() {
    [ -n "$PROM_PID" ] && stop_pid "$PROM_PID" 10
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The data ends two minutes ago on a minute boundary, so the daemon test
# (which evaluates "now") sees recent traffic; backfilled blocks end before
# anything the Prometheus head could hold, and this Prometheus scrapes nothing.
END=$(( $(date +%s) / 60 * 60 - 120 ))
t0=$(date +%s%N)
python3 "$here/../data/gen.py" --end "$END" --days 4 --step 60 --out "$WORK/data"
t1=$(date +%s%N)
if ! timeout 120 promtool tsdb create-blocks-from openmetrics "$WORK/data/data.om" "$WORK/tsdb" \
        > "$WORK/backfill.log" 2>&1; then
    cat "$WORK/backfill.log"
    echo "integration: backfill failed"
    exit 1
fi
t2=$(date +%s%N)
samples=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' \
    "$WORK/data/expected.json")
echo "integration: generated in $(( (t1 - t0) / 1000000 )) ms," \
    "backfilled $samples samples in $(( (t2 - t1) / 1000000 )) ms"

PROM_PORT=$(free_port)
PROM_URL="http://127.0.0.1:$PROM_PORT"
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=100y \
    --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
if ! wait_http "$PROM_URL/-/ready" 60; then
    cat "$WORK/prometheus.log"
    echo "integration: Prometheus did not become ready"
    exit 1
fi
# Ready is not enough: wait until the backfilled blocks answer queries.
n=0
until curl -s -m 5 "$PROM_URL/api/v1/query" --data-urlencode "time=$END" \
        --data-urlencode 'query=count(http_requests_total)' | grep -q '"value":\[[0-9.]*,"4"\]'; do
    n=$((n + 1))
    if [ $n -gt 100 ]; then
        cat "$WORK/prometheus.log"
        echo "integration: Prometheus does not serve the backfilled data"
        exit 1
    fi
    sleep 0.2
done
echo "integration: Prometheus $PROM_URL serves the data ($(date -u -d "@$END" +%FT%TZ) is END)"

export BIN BIN_PLAIN SANITIZED END WORK PROM_URL
export DATA_DIR="$WORK/data"
export HERE="$here"
passed=0
failed=0
failed_names=
set +e
# ONLY='glob ...' runs a subset, e.g. ONLY='*remote_read* daemon'.
# (read splits without expanding the globs against the current directory)
read -ra globs <<< "${ONLY:-*}"
tests=()
for g in "${globs[@]}"; do
    for t in "$here"/test_$g.sh; do
        [ -f "$t" ] && tests+=("$t")
    done
done
if [ ${#tests[@]} -eq 0 ]; then
    echo "integration: no test matches ONLY='${ONLY:-*}'"
    exit 1
fi
# One test: its own scratch directory, its output kept in a file and printed
# whole when it ends (lanes run side by side), its result in a .rc file.
run_one() {
    local t=$1 name s rc
    name=$(basename "$t" .sh)
    mkdir -p "$WORK/t/$name"
    s=$(date +%s)
    WORK="$WORK/t/$name" timeout -k 5 240 bash "$t" > "$WORK/t/$name.out" 2>&1
    rc=$?
    {
        echo "== $name"
        cat "$WORK/t/$name.out"
        if [ $rc -eq 0 ]; then
            echo "== $name: passed ($(( $(date +%s) - s ))s)"
        else
            [ $rc -eq 124 ] && echo "== $name: timed out after 240s"
            echo "== $name: FAILED ($(( $(date +%s) - s ))s)"
        fi
    } > "$WORK/t/$name.log"
    echo "$rc" > "$WORK/t/$name.rc"
    cat "$WORK/t/$name.log"
}
# Tests that measure time or load (latency under attack, fault episodes,
# freshness of the others while one SLO is slow, HA replicas that must keep
# a 2s schedule without one skipped tick) run one at a time at the end (no
# other test beside them; only BESIDE_SOLO, at the lowest priority); the
# others run in LANES lanes side by side (2 by default, one per core here).
SOLO=" test_http_abuse test_faults test_slow_slo test_alerts_e2e test_alerts_static_e2e test_ha test_shutdown "
# Tests whose live sidecars evaluate "now" and want the data's last
# minutes inside their shortest window (5m; the data ends two minutes before
# the run starts) go first in the lanes; then the longest ones (about 20 s
# and more), so that no lane is left ending alone with one of them.
FIRST=" test_dashboard test_daemon "
LONG=" test_history_fill test_daemon_api_read test_daemon_remote_read test_memory_caps test_grouped test_bad_input "
LANES=${LANES:-2}
mkdir -p "$WORK/t"
lane=()
solo=()
for group in "$FIRST" "$LONG"; do
    for t in "${tests[@]}"; do
        case "$group" in
            *" $(basename "$t" .sh) "*) lane+=("$t") ;;
        esac
    done
done
for t in "${tests[@]}"; do
    case "$SOLO$FIRST$LONG" in
        *" $(basename "$t" .sh) "*) ;;
        *) lane+=("$t") ;;
    esac
done
for t in "${tests[@]}"; do
    case "$SOLO" in
        *" $(basename "$t" .sh) "*) solo+=("$t") ;;
    esac
done
# The lanes share one queue: a lane that is free takes the next test, so a
# lane with short tests does not sit idle while another works through long
# ones.
echo 0 > "$WORK/t/queue"
take() {
    local n
    {
        flock 9
        n=$(cat "$WORK/t/queue")
        echo $((n + 1)) > "$WORK/t/queue"
    } 9>> "$WORK/t/queue.lock"
    echo "$n"
}
pids=()
for ((l = 0; l < LANES; l++)); do
    (
        while i=$(take) && [ "$i" -lt ${#lane[@]} ]; do
            run_one "${lane[$i]}"
        done
    ) &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p"
done
# BESIDE_SOLO: a command (make test: the fuzz targets, then clang-tidy) that
# runs at the lowest priority while the solo tests run. They spend most of
# their time waiting on servers and timers (about 0.1 to 0.7 of a core
# each), and a nice 19 process yields the CPU to them whenever they want it.
beside_pid=
if [ -n "${BESIDE_SOLO:-}" ]; then
    nice -n 19 bash -c "$BESIDE_SOLO" > "$WORK/beside.log" 2>&1 &
    beside_pid=$!
fi
for t in "${solo[@]}"; do
    run_one "$t"
done
if [ -n "$beside_pid" ]; then
    wait "$beside_pid"
    beside_rc=$?
    echo "== beside the solo tests: $BESIDE_SOLO"
    cat "$WORK/beside.log"
    if [ $beside_rc -ne 0 ]; then
        echo "== beside the solo tests: FAILED (exit $beside_rc)"
        failed=$((failed + 1))
        failed_names="$failed_names beside-solo"
    fi
fi
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    if [ "$(cat "$WORK/t/$name.rc" 2>/dev/null)" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
