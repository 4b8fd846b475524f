# shellcheck shell=bash
# Shared helpers for the integration tests (sourced, not run).
# Servers bind to 127.0.0.1 on free ports; callers register cleanup with trap.

# free_port: prints a TCP port that was free a moment ago on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# http_code URL [curl args...]: the HTTP status (000 when nothing answered).
http_code() {
    local url=$1
    shift
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "$url" || true
}

# wait_http URL [SECONDS [PID]]: waits until URL answers 200; 1 on time-out,
# or at once when process PID (the server being waited for) has exited.
wait_http() {
    local url=$1 deadline=$(( $(date +%s) + ${2:-30} )) pid=${3:-}
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(http_code "$url")" = 200 ] && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null
            echo "  process $pid exited (status $?) while waiting for $url" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "  timed out after ${2:-30}s waiting for $url" >&2
    return 1
}

# wait_listen PORT [SECONDS]: waits until something accepts TCP connections.
wait_listen() {
    local port=$1 deadline=$(( $(date +%s) + ${2:-10} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
            "$port" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "  timed out waiting for 127.0.0.1:$port" >&2
    return 1
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 5).
stop_pid() {
    local pid=$1 n=$(( ${2:-5} * 10 ))
    kill "$pid" 2>/dev/null || return 0
    while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
        n=$((n - 1))
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# stop_all: stops the processes whose PIDs the caller added to its PIDS
# array, newest first (stop_pid, 5 s each); set PIDS=() and `trap stop_all
# EXIT` before starting them.
stop_all() {
    local i
    [ -n "${PIDS+set}" ] || return 0
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}" 5; done
}

# promq URL QUERY: the instant query's result from the Prometheus API at URL,
# one line per series: "VALUE LABELS" (the labels as JSON, keys sorted);
# nothing when the query fails or returns no series.
promq() {
    curl -s -m 5 "$1/api/v1/query" --data-urlencode "query=$2" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(r["value"][1], json.dumps(r["metric"], sort_keys=True))' 2>/dev/null
}

# fill_config TEMPLATE OUT URL: writes a config with @URL@ replaced.
fill_config() {
    sed "s#@URL@#$3#g" "$1" > "$2"
}

# extra_slos: prints the grouped and the calendar SLO of
# slos-extra.yaml.tmpl, to append to a config's slos: list, without the
# file's comment lines.
extra_slos() {
    sed '/^#/d' "$HERE/slos-extra.yaml.tmpl"
}

# VictoriaMetrics (Debian's), for the tests that use a second store. vm_init
# picks a port (VM_URL); the caller stops VM_PID in its EXIT trap.
vm_init() {
    VM_PID=
    vm_port=$(free_port)
    VM_URL="http://127.0.0.1:$vm_port"
}
# vm_start [FLAG...]: VictoriaMetrics on VM_URL and $WORK/vm, with FLAGs added.
# -retentionPeriod: the data is days old, the default keeps one month; 100y
# keeps everything. -search.latencyOffset=0s: the newest samples (END is two
# minutes ago) are visible at once. -search.disableCache: every answer is
# computed from the samples, never from an earlier answer.
vm_start() {
    victoria-metrics -httpListenAddr="127.0.0.1:$vm_port" -storageDataPath="$WORK/vm" \
        -retentionPeriod=100y -search.latencyOffset=0s -search.disableCache \
        -loggerLevel=WARN "$@" >> "$WORK/vm.log" 2>&1 &
    VM_PID=$!
    if ! wait_http "$VM_URL/health" 30 "$VM_PID"; then
        cat "$WORK/vm.log"
        bad "VictoriaMetrics $* did not start"
        exit 1
    fi
}
# vm_import: loads $DATA_DIR/data.om into the running VictoriaMetrics and
# waits until its 24 series answer; 1 (with the reason) when it cannot.
# /api/v1/import/prometheus takes the text format with millisecond
# timestamps; data.om has OpenMetrics' seconds (integers) and # TYPE / # EOF
# lines.
vm_import() {
    local t0 t1 code n=0
    t0=$(date +%s%N)
    code=$(grep -v '^#' "$DATA_DIR/data.om" | awk '{ $NF = $NF "000"; print }' |
        curl -s -o "$WORK/vm-import.out" -w '%{http_code}' --data-binary @- \
            "$VM_URL/api/v1/import/prometheus")
    curl -s -m 30 "$VM_URL/internal/force_flush" > /dev/null
    t1=$(date +%s%N)
    if [ "$code" = 204 ]; then
        ok "imported data.om into VictoriaMetrics in $(( (t1 - t0) / 1000000 )) ms"
    else
        bad "import: HTTP $code: $(head -c 300 "$WORK/vm-import.out")"
        return 1
    fi
    # The samples are searchable once flushed.
    until curl -s -m 5 "$VM_URL/api/v1/query" --data-urlencode "time=$END" \
            --data-urlencode 'query=count({__name__=~".+"})' | grep -q '"value":\[[0-9.]*,"24"\]'; do
        n=$((n + 1))
        if [ $n -gt 50 ]; then
            bad "VictoriaMetrics does not serve the 24 imported series"
            return 1
        fi
        sleep 0.2
    done
    ok "VictoriaMetrics serves the 24 series at END"
}

FAILED=${FAILED:-0}
ok() { echo "  ok: $*"; }
bad() { echo "  FAIL: $*"; FAILED=1; }

# A test killed by run.sh's time limit (SIGTERM) still runs its EXIT trap,
# which stops the servers it started.
trap 'exit 143' TERM
trap 'exit 130' INT
