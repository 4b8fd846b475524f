#!/usr/bin/env bash
# promql mode against a second real store: Debian's VictoriaMetrics (1.79),
# loaded with the same generated data as the test Prometheus. `eval` at the
# generator's three instants is checked by check_vm.py against VictoriaMetrics'
# own per-window answers, an independent emulation of its increase() and the
# exact counts (VM does not extrapolate: inside the data its counts are the
# exact ones; see check_vm.py and the README, "Other stores"). remote_read
# against it exits 2 with "remote_read is not supported by ...".
set -uo pipefail
. "$HERE/lib.sh"
if ! command -v victoria-metrics > /dev/null; then
    bad "victoria-metrics not found (make deps installs the Debian package)"
    exit 1
fi
VM_PID=
cleanup() { [ -n "$VM_PID" ] && stop_pid "$VM_PID" 10; }
trap cleanup EXIT

port=$(free_port)
VM_URL="http://127.0.0.1:$port"
# -retentionPeriod: the data is days old, the default keeps one month; 100y
# keeps everything. -search.latencyOffset=0s: the newest samples (END is two
# minutes ago) are visible at once. -search.disableCache: every answer is
# computed from the samples, never from an earlier answer.
victoria-metrics -httpListenAddr="127.0.0.1:$port" -storageDataPath="$WORK/vm" \
    -retentionPeriod=100y -search.latencyOffset=0s -search.disableCache \
    -loggerLevel=WARN > "$WORK/vm.log" 2>&1 &
VM_PID=$!
if ! wait_http "$VM_URL/health" 30 "$VM_PID"; then
    cat "$WORK/vm.log"
    bad "VictoriaMetrics did not start"
    exit 1
fi
ok "VictoriaMetrics $(victoria-metrics -version 2>&1 | head -c 80) on $VM_URL"

# /api/v1/import/prometheus takes the text format with millisecond timestamps;
# data.om has OpenMetrics' seconds (integers) and # TYPE / # EOF lines.
t0=$(date +%s%N)
code=$(grep -v '^#' "$DATA_DIR/data.om" | awk '{ $NF = $NF "000"; print }' |
    curl -s -o "$WORK/vm-import.out" -w '%{http_code}' --data-binary @- \
        "$VM_URL/api/v1/import/prometheus")
curl -s -m 30 "$VM_URL/internal/force_flush" > /dev/null
t1=$(date +%s%N)
if [ "$code" = 204 ]; then
    ok "imported data.om in $(( (t1 - t0) / 1000000 )) ms"
else
    bad "import: HTTP $code: $(head -c 300 "$WORK/vm-import.out")"
    exit 1
fi
# The samples are searchable once flushed; wait until all 24 series answer.
n=0
until curl -s -m 5 "$VM_URL/api/v1/query" --data-urlencode "time=$END" \
        --data-urlencode 'query=count({__name__=~".+"})' | grep -q '"value":\[[0-9.]*,"24"\]'; do
    n=$((n + 1))
    if [ $n -gt 50 ]; then
        bad "VictoriaMetrics does not serve the 24 imported series"
        exit 1
    fi
    sleep 0.2
done
ok "VictoriaMetrics serves the 24 series at END"

cfg="$WORK/vm.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$VM_URL"
times=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["evaluations"])))' \
    "$DATA_DIR/expected.json")
files=()
for T in $times; do
    out="$WORK/vm-eval.$T.json"
    if timeout 60 "$BIN" eval --config.file="$cfg" --at="$T" --format=json > "$out" \
            2> "$WORK/vm-eval.$T.err"; then
        ok "eval --at=$T against VictoriaMetrics: exit 0"
        files+=("$out")
    else
        bad "eval --at=$T against VictoriaMetrics: $(head -c 600 "$WORK/vm-eval.$T.err")"
    fi
done
if [ ${#files[@]} -gt 0 ]; then
    python3 "$HERE/check_vm.py" "$DATA_DIR/expected.json" "$DATA_DIR/data.om" "$VM_URL" \
        "${files[@]}" || FAILED=1
fi

# remote_read: VictoriaMetrics has no read endpoint (it answers 400
# "unsupported path requested"); the sidecar says so and what to use instead.
sed 's/mode: promql/mode: remote_read/; /^  - name: api-custom/,$d' "$cfg" > "$WORK/vm-rr.yaml"
timeout 30 "$BIN" eval --config.file="$WORK/vm-rr.yaml" --at="$END" > "$WORK/vm-rr.out" \
    2> "$WORK/vm-rr.err"
rc=$?
want="remote_read is not supported by $VM_URL/api/v1/read (HTTP 400); use mode: promql"
if [ $rc -eq 2 ] && grep -qF "$want" "$WORK/vm-rr.err" && [ ! -s "$WORK/vm-rr.out" ]; then
    ok "remote_read: exit 2, \"$want\""
else
    bad "remote_read: exit $rc, want 2 and \"$want\": $(head -c 400 "$WORK/vm-rr.err")"
fi
exit $FAILED
