#!/usr/bin/env bash
# `check` looks at the PromQL of every query the sidecar would send:
#  - the real Prometheus refuses a broken query at time=1 (1970, no data
#    read) with HTTP 400 bad_data, and answers a good one with success: the
#    time `check --query.check=backend` asks at;
#  - a free-PromQL SLI with an unbalanced query: `check` exits 1 and points
#    at the column in the file where the query ends, with the char in the
#    query; the same with --query.check=backend: Prometheus' own message;
#  - a MetricsQL-only function (range_median): `check` exits 1 (not PromQL,
#    with the hint to ask the store); --query.check=backend exits 1 against
#    Prometheus ("unknown function") and 0 against the real VictoriaMetrics,
#    which accepts it (a warning remains);
#  - the test configs (promql mode with every SLI kind, and remote_read mode,
#    whose raw reads are bare range selectors) pass both checks against
#    Prometheus, and the promql one against VictoriaMetrics;
#  - a store that cannot be reached: exit 2, with the reason.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
VM_PID=
cleanup() { [ -n "$VM_PID" ] && stop_pid "$VM_PID" 10; }
trap cleanup EXIT

# run_check NAME WANT_RC ARGS...: runs check, keeps stdout+stderr in $WORK/NAME.out.
run_check() {
    local name=$1 want=$2 rc
    shift 2
    "$BIN" check "$@" > "$WORK/$name.out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ]; then
        ok "$name: exit $rc"
    else
        bad "$name: exit $rc, want $want:"
        cat "$WORK/$name.out"
    fi
}

# expect NAME TEXT: $WORK/NAME.out holds TEXT (a fixed string).
expect() {
    if grep -qF -- "$2" "$WORK/$1.out"; then
        ok "$1 says: $2"
    else
        bad "$1 does not say: $2; it says:"
        cat "$WORK/$1.out"
    fi
}

# At time=1 Prometheus still parses and type-checks, and reads nothing.
code=$(curl -s -o "$WORK/p400.json" -w '%{http_code}' "$PROM_URL/api/v1/query" \
    --data-urlencode 'query=sum(rate(x[5m]) +' --data-urlencode time=1)
if [ "$code" = 400 ] && grep -q '"errorType":"bad_data"' "$WORK/p400.json"; then
    ok "Prometheus at time=1: a broken query is HTTP 400 bad_data: $(cat "$WORK/p400.json")"
else
    bad "Prometheus at time=1, broken query: HTTP $code $(cat "$WORK/p400.json")"
fi
code=$(curl -s -o "$WORK/p200.json" -w '%{http_code}' "$PROM_URL/api/v1/query" \
    --data-urlencode 'query=sum(rate(http_requests_total[30d]))' --data-urlencode time=1)
if [ "$code" = 200 ] && grep -q '"status":"success"' "$WORK/p200.json"; then
    ok "Prometheus at time=1: a good query succeeds: $(cat "$WORK/p200.json")"
else
    bad "Prometheus at time=1, good query: HTTP $code $(cat "$WORK/p200.json")"
fi

# write_config FILE URL ERROR_QUERY: one free-PromQL SLO and one events SLO.
write_config() {
    cat > "$1" <<EOF
global:
  prometheus:
    url: $2
    mode: promql
slos:
  - name: checkout-availability
    service: checkout
    objective: 99.9
    period: 30d
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
  - name: api-custom
    service: api
    objective: 99
    period: 28d
    sli:
      promql:
        error_query: '$3'
        total_query: 'sum(rate(http_requests_total[{{.window}}]))'
EOF
}

# 1. A broken query: line 20 holds error_query, whose value starts at column 22.
broken="$WORK/broken.yaml"
write_config "$broken" "$PROM_URL" 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]) +'
run_check broken 1 --config.file="$broken"
expect broken "$broken:20:80: SLO api-custom: error_query: unexpected end of input at char 49: sum(rate(http_requests_total{code=~\"5..\"}[5m]) +"
expect broken "1 error in queries"
run_check broken-backend 1 --config.file="$broken" --query.check=backend
expect broken-backend "$broken:20:22: SLO api-custom: the store refused error_query: bad_data:"
expect broken-backend "parse error"

# 2. MetricsQL: not PromQL, refused by Prometheus, accepted by VictoriaMetrics.
mql="$WORK/metricsql.yaml"
write_config "$mql" "$PROM_URL" 'sum(range_median(http_requests_total{code=~"5.."}[{{.window}}]))'
run_check metricsql 1 --config.file="$mql"
expect metricsql "$mql:20:27: SLO api-custom: error_query: unknown function \"range_median\" at char 5"
expect metricsql "check --query.check=backend asks it"
run_check metricsql-prometheus 1 --config.file="$mql" --query.check=backend
expect metricsql-prometheus "the store refused error_query: bad_data: invalid parameter \"query\": 1:5: parse error: unknown function with name \"range_median\""

# 3. The test configs pass both checks against Prometheus.
good="$WORK/good.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$good" "$PROM_URL"
run_check good 0 --config.file="$good"
expect good "valid,"
run_check good-backend 0 --config.file="$good" --query.check=backend
expect good-backend "the store at $PROM_URL accepted"
rr="$WORK/good-rr.yaml"
sed -e "s#@URL@#$PROM_URL#g" -e "s#@RESPONSE@#chunks#g" "$HERE/slos-rr.yaml.tmpl" > "$rr"
run_check good-rr-backend 0 --config.file="$rr" --query.check=backend
expect good-rr-backend "the store at $PROM_URL accepted"

# 4. A store that does not answer.
port=$(free_port)
write_config "$WORK/nostore.yaml" "http://127.0.0.1:$port" \
    'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))'
run_check nostore 2 --config.file="$WORK/nostore.yaml" --query.check=backend
expect nostore "cannot check the queries with the store"
run_check bad-flag 1 --config.file="$good" --query.check=maybe
expect bad-flag "--query.check must be syntax or backend"

# 5. VictoriaMetrics (Debian's), empty: MetricsQL passes, broken PromQL does not.
if command -v victoria-metrics > /dev/null; then
    vport=$(free_port)
    VM_URL="http://127.0.0.1:$vport"
    victoria-metrics -httpListenAddr="127.0.0.1:$vport" -storageDataPath="$WORK/vm" \
        -loggerLevel=WARN > "$WORK/vm.log" 2>&1 &
    VM_PID=$!
    if wait_http "$VM_URL/health" 30 "$VM_PID"; then
        write_config "$mql" "$VM_URL" \
            'sum(range_median(http_requests_total{code=~"5.."}[{{.window}}]))'
        run_check metricsql-vm 0 --config.file="$mql" --query.check=backend
        expect metricsql-vm "warning: SLO api-custom: error_query: unknown function \"range_median\""
        expect metricsql-vm "(not PromQL, but the store accepts it)"
        expect metricsql-vm "the store at $VM_URL accepted"
        write_config "$broken" "$VM_URL" \
            'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]) +'
        run_check broken-vm 1 --config.file="$broken" --query.check=backend
        expect broken-vm "SLO api-custom: the store refused error_query:"
        fill_config "$HERE/slos.yaml.tmpl" "$good" "$VM_URL"
        run_check good-vm 0 --config.file="$good" --query.check=backend
    else
        cat "$WORK/vm.log"
        bad "VictoriaMetrics did not start"
    fi
else
    bad "victoria-metrics not found (make deps installs the Debian package)"
fi
exit $FAILED
