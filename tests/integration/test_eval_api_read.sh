#!/usr/bin/env bash
# `slo-sidecar eval` in api_read mode against the real Prometheus: raw samples
# through /api/v1/query (bare range selectors), counted by the same engine as
# remote_read. At every evaluation time of expected.json:
#  - every count of every window equals the generator's exact count
#    (check_eval.py exact), and the JSON is byte for byte the remote_read
#    mode's (only the transport differs);
#  - with read_max_samples at its least (1,000 samples per answer) the reads
#    go in many small pieces and the figures stay the same;
#  - against a second Prometheus on a copy of the data that refuses queries
#    loading more than 5,000 samples (--query.max-samples), the pieces the
#    store refuses are split and asked again: the same figures again.
# Then a 30-day, 1-minute time-slice SLO (check_slices.py) evaluated in all
# three modes equals the contract's slice counts exactly, each eval taking
# seconds, not the minute a [30d:1m] subquery took.
set -uo pipefail
. "$HERE/lib.sh"
PROM2_PID=
cleanup() { [ -n "$PROM2_PID" ] && stop_pid "$PROM2_PID" 10; }
trap cleanup EXIT
times=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["evaluations"])))' \
    "$DATA_DIR/expected.json")
# api_read_config URL OUT [EXTRA_PROMETHEUS_LINE]: the remote_read SLOs in api_read mode.
api_read_config() {
    sed -e "s#@URL@#$1#g" -e 's/mode: remote_read/mode: api_read/' -e '/read_response:/d' \
        "$HERE/slos-rr.yaml.tmpl" > "$2"
    if [ -n "${3:-}" ]; then
        sed -i "s/^    mode: api_read$/    mode: api_read\n    $3/" "$2"
    fi
}
# run_evals NAME CONFIG [ARGS...]: eval at every time; the files in $WORK/NAME.T.json.
run_evals() {
    local name=$1 cfg=$2 T rc ms s
    shift 2
    files=()
    for T in $times; do
        s=$(date +%s%N)
        timeout 120 "$BIN" eval --config.file="$cfg" --at="$T" --format=json "$@" \
            > "$WORK/$name.$T.json" 2> "$WORK/$name.$T.err"
        rc=$?
        ms=$(( ($(date +%s%N) - s) / 1000000 ))
        if [ $rc -eq 0 ]; then
            ok "$name: eval --at=$T: exit 0 in $ms ms"
            files+=("$WORK/$name.$T.json")
        else
            bad "$name: eval --at=$T: exit $rc: $(head -c 600 "$WORK/$name.$T.err")"
        fi
    done
}
# same_as NAME OTHER: each time's JSON identical.
same_as() {
    local T
    for T in $times; do
        if cmp -s "$WORK/$1.$T.json" "$WORK/$2.$T.json"; then
            ok "at $T: $1 prints what $2 prints"
        else
            bad "at $T: $1 and $2 differ: $(diff "$WORK/$1.$T.json" "$WORK/$2.$T.json" | head -5)"
        fi
    done
}

api_read_config "$PROM_URL" "$WORK/api.yaml"
run_evals api "$WORK/api.yaml"
if [ ${#files[@]} -gt 0 ]; then
    python3 "$HERE/check_eval.py" exact "$DATA_DIR/expected.json" "${files[@]}" || FAILED=1
fi
sed -e "s#@URL@#$PROM_URL#g" -e "s#@RESPONSE@#chunks#g" "$HERE/slos-rr.yaml.tmpl" > "$WORK/rr.yaml"
run_evals rr "$WORK/rr.yaml"
same_as api rr

# Small pieces: the least answer size a config allows.
api_read_config "$PROM_URL" "$WORK/api-small.yaml" "read_max_samples: 1000"
run_evals api-small "$WORK/api-small.yaml"
same_as api-small api

# A store that refuses big answers: a second Prometheus on a copy of the
# blocks (two servers cannot share one TSDB) with --query.max-samples=5000.
tsdb=$(curl -s -m 5 "$PROM_URL/api/v1/status/flags" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["storage.tsdb.path"])')
mkdir -p "$WORK/tsdb2"
for b in "$tsdb"/01*; do
    [ -d "$b" ] && cp -r "$b" "$WORK/tsdb2/"
done
port2=$(free_port)
PROM2="http://127.0.0.1:$port2"
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus2.yml"
prometheus --config.file="$WORK/prometheus2.yml" --storage.tsdb.path="$WORK/tsdb2" \
    --web.listen-address="127.0.0.1:$port2" --storage.tsdb.retention.time=100y \
    --query.max-samples=5000 --log.level=warn > "$WORK/prometheus2.log" 2>&1 &
PROM2_PID=$!
if ! wait_http "$PROM2/-/ready" 60 "$PROM2_PID"; then
    bad "the second Prometheus did not start: $(tail -3 "$WORK/prometheus2.log")"
    exit 1
fi
n=0
until curl -s -m 5 "$PROM2/api/v1/query" --data-urlencode "time=$END" \
        --data-urlencode 'query=count(http_requests_total)' | grep -q '"value":\[[0-9.]*,"4"\]'; do
    n=$((n + 1))
    [ $n -gt 100 ] && { bad "the second Prometheus does not serve the copied blocks"; exit 1; }
    sleep 0.2
done
# The limit bites: a plain query over a day of one counter is refused.
code=$(curl -s -o "$WORK/limit.json" -w '%{http_code}' -m 10 "$PROM2/api/v1/query" \
    --data-urlencode "time=$END" --data-urlencode 'query=http_requests_total[3d]')
if [ "$code" = 422 ] && grep -q 'too many samples' "$WORK/limit.json"; then
    ok "the second Prometheus refuses big answers: HTTP 422 $(head -c 120 "$WORK/limit.json")"
else
    bad "the second Prometheus answered $code: $(head -c 200 "$WORK/limit.json")"
fi
api_read_config "$PROM2" "$WORK/api-limited.yaml"
run_evals api-limited "$WORK/api-limited.yaml" --log.level=debug
same_as api-limited api
splits=$(cat "$WORK"/api-limited.*.err | grep -c 'piece refused for its size' || true)
[ "$splits" -gt 0 ] && ok "the store's limit split $splits pieces (debug log)" \
    || bad "no piece was refused: the limit was not exercised"

# A 30-day, 1-minute time-slice SLO in every mode.
for mode in promql api_read remote_read; do
    cfg="$WORK/slices-$mode.yaml"
    case $mode in
        promql) fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL" ;;
        api_read) api_read_config "$PROM_URL" "$cfg" ;;
        remote_read) cp "$WORK/rr.yaml" "$cfg" ;;
    esac
    python3 "$HERE/check_slices.py" --config >> "$cfg"
    s=$(date +%s%N)
    if timeout 120 "$BIN" eval --config.file="$cfg" --at="$END" --format=json \
            > "$WORK/slices-$mode.json" 2> "$WORK/slices-$mode.err"; then
        ms=$(( ($(date +%s%N) - s) / 1000000 ))
        ok "$mode: eval with a 30d, 1m time-slice SLO in $ms ms"
        [ "$ms" -lt 20000 ] || bad "$mode: $ms ms is far from seconds"
        python3 "$HERE/check_slices.py" "$DATA_DIR/expected.json" "$WORK/slices-$mode.json" \
            || FAILED=1
    else
        bad "$mode: eval: $(head -c 600 "$WORK/slices-$mode.err")"
    fi
done
exit $FAILED
