#!/usr/bin/env bash
# make bench: benchmarks that need a real Prometheus. Figures are ratios
# against a baseline measured in the same run (these machines are noisy).
#  1. query batching, promql mode (bench_batching), over tests/data/gen.py's data;
#     then HTTP load with wrk on a daemon with 1,000 SLOs over the same data
#     (bench_load.py: /metrics and /api/v1/slos against /-/healthy and 10 SLOs);
#  2. remote_read, over bench/gen_many.py's data (many counter series) in a
#     second Prometheus: memory per SLO (bench_memory.py), decode throughput
#     (bench_decode) and Prometheus CPU per evaluation at steady state,
#     remote_read and api_read incremental versus promql (bench_steady.py);
#  3. capacity: one sidecar with CAP_SLOS (1,000) SLOs (events, latency, grouped)
#     over gen_many.py --histogram's data in a third Prometheus, both modes, then
#     CAP_SHARDS (2) sharded replicas (bench_capacity.py);
#  4. time slices: a 30-day, 1-minute time-slice SLO over bench/gen_gauge.py's
#     freshness gauge in a fourth Prometheus: the old promql-mode query (the
#     [30d:1m] subqueries, sent directly) against `eval` in promql, api_read
#     and remote_read mode (bench_slices.py).
# Knobs (environment): ROUNDS (batching), MANY_PODS, MANY_DAYS, MANY_STEP (the
# data: 4 series per pod), MEM_SLOS, MEM_EVALS, DECODE_ROUNDS, STEADY_STEPS,
# STEADY_ROUNDS; LOAD_TIME, LOAD_CONNS, LOAD_THREADS, LOAD_SLOS, LOAD_INTERVAL (see
# bench_load.py); CAP_PODS, CAP_DAYS, CAP_STEP (the capacity data: 9 series per
# pod), CAP_SLOS, CAP_PERIOD, CAP_STEPS, CAP_PROMQL_EVALS, CAP_SHARDS (see
# bench_capacity.py); SLICE_DAYS, SLICE_SCRAPE, SLICE_SERIES (the gauge data),
# SLICE_ROUNDS, SLICE_EVALS, SLICE_STEPS (see bench_slices.py). ONLY=load runs only the HTTP
# load benchmark, ONLY=capacity only the capacity one, ONLY=steady only the
# steady-state one (with its data, without memory and decode), ONLY=exact the
# memory and steady-state ones (with their data, without decode), ONLY=memory
# the memory one (MEM_SLOS: a list of SLO counts, 100 and 1000 by default),
# ONLY=groups the grouped-SLO one (bench_groups.py over bench/fakeapi.py:
# GROUPS_N, default 10000 20000 40000; GROUPS_STEPS), ONLY=slices only the
# time-slice one. BASE_BIN (a binary built from an earlier commit)
# adds it as a second contender to the memory and steady-state benchmarks,
# for before/after figures from the same run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$root/build}
BIN=$BUILD/slo-sidecar
WORK=$(mktemp -d /tmp/slo-bench.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# start_prometheus TSDB PORT LOG [FLAG...]: starts it in the background, sets
# PROM_PID.
start_prometheus() {
    printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
    prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$1" \
        --web.listen-address="127.0.0.1:$2" --storage.tsdb.retention.time=100y \
        --log.level=warn "${@:4}" > "$3" 2>&1 &
    PROM_PID=$!
    PIDS+=("$PROM_PID")
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$2/-/ready" > /dev/null && return 0
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "bench: Prometheus on $1 did not get ready:" >&2
    tail -5 "$3" >&2
    exit 1
}
# backfill OMDIR TSDB: the generators' OpenMetrics files (one per 2h block,
# which promtool, parsing its input once per block it writes, then backfills
# in linear time) into a new TSDB, two files at a time; OMDIR is removed.
backfill() {
    mkdir "$2"
    ls "$1"/*.om | xargs -P2 -I{} promtool tsdb create-blocks-from openmetrics -q {} "$2" \
        > /dev/null
    rm -rf "$1"
}
stop_prometheus() {
    kill "$PROM_PID" 2>/dev/null || true
    wait "$PROM_PID" 2>/dev/null || true
}
# wait_compacted URL: until Prometheus has run its first compaction (a minute
# after start, over the backfilled 2h blocks) and is idle again.
wait_compacted() {
    local i trig c0 c1
    for i in $(seq 240); do
        trig=$(curl -s "$1/metrics" |
            awk '/^prometheus_tsdb_compactions_triggered_total /{print int($2)}')
        if [ "${trig:-0}" -ge 1 ]; then
            c0=$(ticks "$PROM_PID"); sleep 2; c1=$(ticks "$PROM_PID")
            [ $((c1 - c0)) -le 5 ] && return 0
        else
            sleep 1
        fi
    done
    echo "bench: warning: Prometheus still compacting; figures may be noisy"
}

# 3. Capacity: 1,000 SLOs over many counter and histogram series, both modes,
# one sidecar and sharded replicas. The SLOs' period (CAP_PERIOD, 7d) fits in
# the data (CAP_DAYS, 8); the measured instants end 30 min before its end.
capacity() {
    local pods=${CAP_PODS:-250} days=${CAP_DAYS:-8} step=${CAP_STEP:-600}
    local end t0 t1 nsamples nseries first last port url a
    end=$(( $(date +%s) / 60 * 60 - 120 ))
    echo
    echo "== capacity: data"
    t0=$(date +%s)
    read -r _ nsamples _ nseries _ first _ last < <(python3 "$root/bench/gen_many.py" \
        --end "$end" --days "$days" --step "$step" --pods "$pods" --histogram --out "$WORK/cap-om")
    backfill "$WORK/cap-om" "$WORK/tsdb-cap"
    [ -n "${nsamples:-}" ] || { echo "bench: gen_many.py failed" >&2; exit 1; }
    t1=$(date +%s)
    echo "http_requests_total{job=\"bench\",pod,code} and http_request_duration_seconds{job=\"bench\",pod}:" \
         "$nseries series ($pods pods x 9), one sample per ${step}s over $days days: $nsamples" \
         "samples, $(date -u -d "@$first" +%FT%TZ) .. $(date -u -d "@$last" +%FT%TZ);" \
         "generated and backfilled (2h blocks) in $((t1 - t0)) s"
    port=$(free_port)
    url=http://127.0.0.1:$port
    start_prometheus "$WORK/tsdb-cap" "$port" "$WORK/prometheus-cap.log"
    wait_compacted "$url"
    a=$(( (end - 1800 - ${CAP_STEPS:-20} * 30) / 30 * 30 ))
    echo
    echo "== capacity: one sidecar, ${CAP_SLOS:-1000} SLOs, promql and remote_read; then" \
         "${CAP_SHARDS:-2} sharded replicas (Prometheus with" \
         "$(curl -s "$url/metrics" | awk '/^prometheus_tsdb_blocks_loaded /{print int($2)}') blocks)"
    python3 "$root/bench/bench_capacity.py" "$BIN" "$PROM_PID" "$url" "$WORK" "$a" "$pods"
    stop_prometheus
    rm -rf "$WORK/tsdb-cap"
}

# 4. Time slices: one 30d SLO with 1-minute slices over a freshness gauge
# (SLICE_SERIES series scraped every SLICE_SCRAPE s over SLICE_DAYS days); the
# measured instant T lies 10 minutes before the data's end. The old query runs
# for a minute or two (with 15 s scrapes 110 s here): Prometheus gets a longer
# query timeout than its default 2m.
slices() {
    local days=${SLICE_DAYS:-31} scrape=${SLICE_SCRAPE:-30} series=${SLICE_SERIES:-1}
    local end t0 t1 nsamples nseries first last port url
    end=$(( $(date +%s) / 60 * 60 - 120 ))
    echo
    echo "== time slices: data"
    t0=$(date +%s)
    read -r _ nsamples _ nseries _ first _ last < <(python3 "$root/bench/gen_gauge.py" \
        --end "$end" --days "$days" --scrape "$scrape" --series "$series" --out "$WORK/gauge-om")
    backfill "$WORK/gauge-om" "$WORK/tsdb-gauge"
    [ -n "${nsamples:-}" ] || { echo "bench: gen_gauge.py failed" >&2; exit 1; }
    t1=$(date +%s)
    echo "data_last_updated_timestamp{job=\"bench\",source}: $nseries series, one sample per" \
         "${scrape}s over $days days: $nsamples samples," \
         "$(date -u -d "@$first" +%FT%TZ) .. $(date -u -d "@$last" +%FT%TZ);" \
         "generated and backfilled (2h blocks) in $((t1 - t0)) s"
    port=$(free_port)
    url=http://127.0.0.1:$port
    start_prometheus "$WORK/tsdb-gauge" "$port" "$WORK/prometheus-gauge.log" \
        --query.timeout=10m
    wait_compacted "$url"
    echo
    echo "== time slices: one 30d SLO, 1-minute slices, age <= 300 s; the old promql query" \
         "against eval in each mode (Prometheus with" \
         "$(curl -s "$url/metrics" | awk '/^prometheus_tsdb_blocks_loaded /{print int($2)}') blocks)"
    python3 "$root/bench/bench_slices.py" "$BIN" "$PROM_PID" "$url" "$WORK" "$((end - 600))" \
        "${SLICE_ROUNDS:-3}" "${SLICE_EVALS:-20}" "${SLICE_STEPS:-120}"
    stop_prometheus
    rm -rf "$WORK/tsdb-gauge"
}
# 5. grouped SLOs: sidecar CPU per evaluation and memory per instance at
# several group counts, api_read against bench/fakeapi.py (no TSDB to fill).
groups() {
    echo
    echo "== grouped SLO: cost per group instance"
    python3 "$root/bench/bench_groups.py" "$BIN" "$WORK" "${GROUPS_STEPS:-6}" \
        ${GROUPS_N:-10000 20000 40000}
}
case "${ONLY:-}" in
capacity | slices | groups)
    t0=$(date +%s)
    "$ONLY"
    echo "$ONLY benchmark: $(( $(date +%s) - t0 )) s in all"
    exit 0 ;;
esac

END=$(( $(date +%s) / 60 * 60 - 120 ))
# 1. Query batching, promql mode.
if [ -z "${ONLY:-}" ] || [ "$ONLY" = load ]; then
    port=$(free_port)
    python3 "$root/tests/data/gen.py" --end "$END" --days 4 --step 60 --out "$WORK/data" --no-expected
    promtool tsdb create-blocks-from openmetrics "$WORK/data/data.om" "$WORK/tsdb" > /dev/null
    start_prometheus "$WORK/tsdb" "$port" "$WORK/prometheus.log"
    sed "s#http://127.0.0.1:9090#http://127.0.0.1:$port#" "$root/bench/slos.yaml" > "$WORK/slos.yaml"
    if [ "${ONLY:-}" != load ]; then
        echo "== query batching (promql mode)"
        "$BUILD/bench_batching" "$WORK/slos.yaml" "$END" "${ROUNDS:-10}" "$PROM_PID"
        echo
    fi
    command -v wrk > /dev/null || { echo "bench: wrk not found (make deps)" >&2; exit 1; }
    echo "== HTTP load: wrk on loopback while the daemon keeps evaluating (promql mode)"
    python3 "$root/bench/bench_load.py" "$BIN" "http://127.0.0.1:$port" "$WORK"
    # Stopped before the next one starts: its first compaction (a minute after
    # start) would land in the middle of the remote_read benchmarks.
    stop_prometheus
    rm -rf "$WORK/data" "$WORK/tsdb"
    [ "${ONLY:-}" = load ] && exit 0
fi

# 2. remote_read: many counter series, 4 per pod, backfilled into a second
# Prometheus. gen_many.py writes one file per 2h block, which promtool
# (parsing its input once per block it writes) then backfills in linear time.
pods=${MANY_PODS:-250} days=${MANY_DAYS:-31} step=${MANY_STEP:-600}
echo
echo "== remote_read benchmarks: data"
t0=$(date +%s)
read -r _ nsamples _ nseries _ first _ last < <(python3 "$root/bench/gen_many.py" --end "$END" \
    --days "$days" --step "$step" --pods "$pods" --out "$WORK/om")
backfill "$WORK/om" "$WORK/tsdb-many"
[ -n "${nsamples:-}" ] || { echo "bench: gen_many.py failed" >&2; exit 1; }
t1=$(date +%s)
echo "http_requests_total{job=\"bench\",pod,code}: $nseries series ($pods pods x 4 codes)," \
     "one sample per ${step}s over $days days: $nsamples samples," \
     "$(date -u -d "@$first" +%FT%TZ) .. $(date -u -d "@$last" +%FT%TZ);" \
     "generated and backfilled (2h blocks) in $((t1 - t0)) s"
port=$(free_port)
URL=http://127.0.0.1:$port
start_prometheus "$WORK/tsdb-many" "$port" "$WORK/prometheus-many.log"
cat > "$WORK/rr-chunks.yaml" <<YML
global:
  interval: 30s
  prometheus: {url: $URL, mode: remote_read, read_response: chunks, timeout: 120s}
slos:
  - name: bench-availability
    service: bench
    objective: 99.5
    period: 30d
    sli:
      events:
        error: 'http_requests_total{job="bench",code=~"5.."}'
        total: 'http_requests_total{job="bench"}'
YML
sed 's/read_response: chunks/read_response: samples/' "$WORK/rr-chunks.yaml" \
    > "$WORK/rr-samples.yaml"
sed 's/mode: remote_read, read_response: chunks/mode: promql/' "$WORK/rr-chunks.yaml" \
    > "$WORK/promql.yaml"
sed 's/mode: remote_read, read_response: chunks/mode: api_read/' "$WORK/rr-chunks.yaml" \
    > "$WORK/api-read.yaml"

# Memory first: it only waits for the daemons' evaluations, so Prometheus's
# first compaction of the backfilled 2h blocks (a minute after its start)
# may run meanwhile without spoiling CPU figures.
if [ "${ONLY:-}" != steady ]; then
    for n in ${MEM_SLOS:-100 1000}; do
        echo
        echo "== remote_read: memory and checkpoint size per SLO at steady state, $n SLOs"
        python3 "$root/bench/bench_memory.py" "$BIN" "$URL" "$WORK" "$n" \
            "${MEM_EVALS:-4}" "$pods" ${BASE_BIN:+"$BASE_BIN"}
    done
    [ "${ONLY:-}" = memory ] && exit 0
fi

# Then wait for that compaction to be over (triggered, and Prometheus idle).
wait_compacted "$URL"
blocks=$(curl -s "$URL/metrics" | awk '/^prometheus_tsdb_blocks_loaded /{print int($2)}')

if [ -z "${ONLY:-}" ]; then
    echo
    echo "== remote_read: decode throughput, same samples three ways (Prometheus with $blocks blocks)"
    "$BUILD/bench_decode" "$WORK/rr-chunks.yaml" \
        'http_requests_total{job="bench",pod=~"p00[0-5][0-9]"}' \
        "$((END - (days + 1) * 86400))" "$END" "${DECODE_ROUNDS:-5}" "$PROM_PID"
fi

# The K instants lie inside the data (which ends at END), the last 30 min
# before its end, so every step reads new samples.
echo
echo "== remote_read and api_read: Prometheus cost per evaluation at steady state, 1 SLO" \
     "(30d) over $nseries series (Prometheus with $blocks blocks)"
steps=${STEADY_STEPS:-120}
A=$(( (END - 1800 - steps * 30) / 30 * 30 ))
python3 "$root/bench/bench_steady.py" "$BIN" "$PROM_PID" "$A" "$steps" "${STEADY_ROUNDS:-3}" \
    "promql=$WORK/promql.yaml" "rr-chunks=$WORK/rr-chunks.yaml" \
    "rr-samples=$WORK/rr-samples.yaml" "api_read=$WORK/api-read.yaml" \
    ${BASE_BIN:+"rr-chunks-base=$WORK/rr-chunks.yaml@$BASE_BIN"} \
    ${BASE_BIN:+"api_read-base=$WORK/api-read.yaml@$BASE_BIN"} --check-fresh
stop_prometheus
rm -rf "$WORK/tsdb-many"
[ -n "${ONLY:-}" ] && exit 0

capacity
slices
groups
