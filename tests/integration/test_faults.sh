#!/usr/bin/env bash
# Backend faults, in all three modes, against a live Prometheus. A second
# Prometheus scrapes live_exporter.py every second; three daemons (promql,
# remote_read and api_read, interval 2s, timeout 1s) read it through a
# fault-injecting proxy each (faultproxy.py), which check_faults.py switches
# between pass and one fault at a time: connection refused (not listening),
# reset, slow past the timeout (no answer / a stalled body), HTTP 500, 429
# with Retry-After, a truncated body (Content-Length larger than what is
# sent), an HTML page with 200, a 302 redirect, a foreign body under its own
# Content-Type, Prometheus' sample limit error (api_read answers the 422 by
# splitting the piece, down to the smallest, before it fails), and in
# remote_read mode a frame with a bad CRC and a stream cut inside a frame;
# and one episode whose cause changes (500, then 429). For each episode:
# failures counted, backend_up 0, the cause logged once per change, no
# figure made up, the last ones kept at most 5 intervals (the long fault:
# until they vanish), recovery by itself, retries counted for the transient
# faults only; and `eval` through the proxy exits 2 naming the cause (see
# check_faults.py). Then two 503s in a row (blip503), which the
# retries must hide: no failure, backend_up stays 1. Then a real outage:
# the live Prometheus is stopped and restarted, seen by these three daemons
# and by three more that read it directly. Finally, with the exporter
# stopped, the remote_read and api_read daemons' figures, counted
# incrementally across all those gaps while samples kept arriving, must equal
# the exact counts from all raw samples (check_live.py) and a fresh eval; the
# promql daemons' must equal a direct eval at their evaluation time.
set -uo pipefail
. "$HERE/lib.sh"
D="$WORK/faults"
mkdir -p "$D"
exp_pid= lp_pid= pq_pid= pr_pid= pa_pid= dq_pid= dr_pid= da_pid= cq_pid= cr_pid= ca_pid=
xq_pid= xr_pid= xa_pid=
cleanup() {
    local p
    for p in "$cq_pid" "$cr_pid" "$ca_pid" "$dq_pid" "$dr_pid" "$da_pid" "$xq_pid" "$xr_pid" \
             "$xa_pid" "$pq_pid" "$pr_pid" "$pa_pid" "$exp_pid"; do
        [ -n "$p" ] && stop_pid "$p" 5
    done
    [ -s "$D/prom.pid" ] && lp_pid=$(cat "$D/prom.pid")
    [ -n "$lp_pid" ] && stop_pid "$lp_pid" 10
}
trap cleanup EXIT

exp_port=$(free_port)
python3 "$HERE/live_exporter.py" "$exp_port" &
exp_pid=$!
lp_port=$(free_port)
LURL="http://127.0.0.1:$lp_port"
cat > "$D/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: live
    static_configs: [{targets: ['127.0.0.1:$exp_port']}]
YML
# Started from a small script so that check_faults.py can restart it (the
# outage) and the EXIT trap still finds its pid.
cat > "$D/start-prom.sh" <<SH
prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/tsdb" \\
    --web.listen-address=127.0.0.1:$lp_port --log.level=warn >> "$D/prom.log" 2>&1 &
echo \$! > "$D/prom.pid"
SH
bash "$D/start-prom.sh"
lp_pid=$(cat "$D/prom.pid")
wait_http "$LURL/-/ready" 60 || { bad "live Prometheus not ready"; cat "$D/prom.log"; exit 1; }

# One proxy per daemon, so each can be faulted on its own schedule.
pq_port=$(free_port) pq_ctl=$(free_port) pr_port=$(free_port) pr_ctl=$(free_port)
pa_port=$(free_port) pa_ctl=$(free_port)
python3 "$HERE/faultproxy.py" "$pq_port" "$LURL" "$pq_ctl" --slow 4 > "$D/proxy-promql.log" 2>&1 &
pq_pid=$!
python3 "$HERE/faultproxy.py" "$pr_port" "$LURL" "$pr_ctl" --slow 4 > "$D/proxy-rr.log" 2>&1 &
pr_pid=$!
python3 "$HERE/faultproxy.py" "$pa_port" "$LURL" "$pa_ctl" --slow 4 > "$D/proxy-ar.log" 2>&1 &
pa_pid=$!
wait_listen "$pq_port" 10 && wait_listen "$pr_port" 10 && wait_listen "$pa_port" 10 \
    && wait_listen "$pq_ctl" 10 && wait_listen "$pr_ctl" 10 && wait_listen "$pa_ctl" 10 \
    || { bad "fault proxies did not start"; cat "$D"/proxy-*.log; exit 1; }

config() {   # config FILE URL MODE
    cat > "$1" <<YML
global:
  interval: 2s
  prometheus: {url: $2, mode: $3, timeout: 1s}
slos:
  - name: live-availability
    service: live
    objective: 99
    period: 1h
    sli:
      events:
        error: 'live_requests_total{code=~"5.."}'
        total: 'live_requests_total'
YML
}
config "$D/promql.yaml" "http://127.0.0.1:$pq_port" promql
config "$D/rr.yaml" "http://127.0.0.1:$pr_port" remote_read
config "$D/direct-promql.yaml" "$LURL" promql
config "$D/direct-rr.yaml" "$LURL" remote_read
config "$D/ar.yaml" "http://127.0.0.1:$pa_port" api_read
config "$D/direct-ar.yaml" "$LURL" api_read

# Three daemons through the proxies, and three straight to Prometheus for the
# real outage at the end (they see its own refusals and its restart).
dq_port=$(free_port) dr_port=$(free_port) xq_port=$(free_port) xr_port=$(free_port)
da_port=$(free_port) xa_port=$(free_port)
"$BIN" --config.file="$D/promql.yaml" --web.listen-address="127.0.0.1:$dq_port" \
    > "$D/daemon-promql.log" 2>&1 &
dq_pid=$!
"$BIN" --config.file="$D/rr.yaml" --web.listen-address="127.0.0.1:$dr_port" \
    > "$D/daemon-rr.log" 2>&1 &
dr_pid=$!
"$BIN" --config.file="$D/direct-promql.yaml" --web.listen-address="127.0.0.1:$xq_port" \
    > "$D/daemon-direct-promql.log" 2>&1 &
xq_pid=$!
"$BIN" --config.file="$D/direct-rr.yaml" --web.listen-address="127.0.0.1:$xr_port" \
    > "$D/daemon-direct-rr.log" 2>&1 &
xr_pid=$!
"$BIN" --config.file="$D/ar.yaml" --web.listen-address="127.0.0.1:$da_port" \
    > "$D/daemon-ar.log" 2>&1 &
da_pid=$!
"$BIN" --config.file="$D/direct-ar.yaml" --web.listen-address="127.0.0.1:$xa_port" \
    > "$D/daemon-direct-ar.log" 2>&1 &
xa_pid=$!
for p in "promql $dq_port $dq_pid" "rr $dr_port $dr_pid" "ar $da_port $da_pid" \
         "direct-promql $xq_port $xq_pid" "direct-rr $xr_port $xr_pid" \
         "direct-ar $xa_port $xa_pid"; do
    set -- $p
    wait_http "http://127.0.0.1:$2/-/ready" 30 "$3" \
        || { bad "$1 daemon not ready"; cat "$D/daemon-$1.log"; exit 1; }
done
ok "six daemons ready: promql, remote_read and api_read through their proxies, and straight"

common=(--bin "$BIN" --slo live-availability --interval 2 --timeout 1)
python3 "$HERE/check_faults.py" episodes --kind promql "${common[@]}" \
    --metrics "http://127.0.0.1:$dq_port/metrics" --log "$D/daemon-promql.log" \
    --control "http://127.0.0.1:$pq_ctl" --config "$D/promql.yaml" \
    --direct-config "$D/direct-promql.yaml" --long slow \
    --faults refused,reset,slowbody,http500,http429,truncated,html200,redirect,ctype,samplelimit,http500+http429 \
    > "$D/check-promql.out" 2>&1 &
cq_pid=$!
python3 "$HERE/check_faults.py" episodes --kind remote_read "${common[@]}" \
    --metrics "http://127.0.0.1:$dr_port/metrics" --log "$D/daemon-rr.log" \
    --control "http://127.0.0.1:$pr_ctl" --config "$D/rr.yaml" \
    --direct-config "$D/direct-rr.yaml" --long refused \
    --faults reset,slow,slowbody,http500,http429,truncated,html200,redirect,ctype,badcrc,cutframe,samplelimit,http500+http429 \
    > "$D/check-rr.out" 2>&1 &
cr_pid=$!
# api_read reads raw samples through /api/v1/query: the query API's faults,
# and its sample limit, whose 422 makes it split the piece until it gives up.
python3 "$HERE/check_faults.py" episodes --kind api_read "${common[@]}" \
    --metrics "http://127.0.0.1:$da_port/metrics" --log "$D/daemon-ar.log" \
    --control "http://127.0.0.1:$pa_ctl" --config "$D/ar.yaml" \
    --direct-config "$D/direct-ar.yaml" --long reset \
    --faults refused,slow,slowbody,http500,http429,truncated,html200,redirect,ctype,samplelimit,http500+http429 \
    > "$D/check-ar.out" 2>&1 &
ca_pid=$!
wait $cq_pid
rq=$?
cq_pid=
wait $cr_pid
rr=$?
cr_pid=
wait $ca_pid
ra=$?
ca_pid=
cat "$D/check-promql.out" "$D/check-rr.out" "$D/check-ar.out"
[ $rq -eq 0 ] || FAILED=1
[ $rr -eq 0 ] || FAILED=1
[ $ra -eq 0 ] || FAILED=1
kill -0 $dq_pid 2>/dev/null && kill -0 $dr_pid 2>/dev/null && kill -0 $da_pid 2>/dev/null \
    && ok "the three daemons still running" \
    || bad "a daemon died: $(tail -3 "$D"/daemon-{promql,rr,ar}.log)"

echo "-- a real outage: the live Prometheus stopped, then started again"
python3 "$HERE/check_faults.py" outage --interval 2 --timeout 1 \
    --daemon "promql,http://127.0.0.1:$dq_port/metrics,$D/daemon-promql.log,live-availability" \
    --daemon "remote_read,http://127.0.0.1:$dr_port/metrics,$D/daemon-rr.log,live-availability" \
    --daemon "api_read,http://127.0.0.1:$da_port/metrics,$D/daemon-ar.log,live-availability" \
    --daemon "promql (direct),http://127.0.0.1:$xq_port/metrics,$D/daemon-direct-promql.log,live-availability" \
    --daemon "remote_read (direct),http://127.0.0.1:$xr_port/metrics,$D/daemon-direct-rr.log,live-availability" \
    --daemon "api_read (direct),http://127.0.0.1:$xa_port/metrics,$D/daemon-direct-ar.log,live-availability" \
    --stop "kill \$(cat '$D/prom.pid'); while kill -0 \$(cat '$D/prom.pid') 2>/dev/null; do sleep 0.05; done" \
    --start "bash '$D/start-prom.sh'" || FAILED=1

echo "-- exact counts across every gap"
stop_pid $exp_pid 2
exp_pid=
sleep 5   # the series go stale (next scrape, 1 s); 2 more evaluations
curl -s -m 5 "http://127.0.0.1:$dr_port/api/v1/slos" > "$D/rr-slos.json"
curl -s -m 5 "http://127.0.0.1:$dq_port/api/v1/slos" > "$D/promql-slos.json"
curl -s -m 5 "http://127.0.0.1:$xr_port/api/v1/slos" > "$D/direct-rr-slos.json"
curl -s -m 5 "http://127.0.0.1:$xq_port/api/v1/slos" > "$D/direct-promql-slos.json"
curl -s -m 5 "http://127.0.0.1:$da_port/api/v1/slos" > "$D/ar-slos.json"
curl -s -m 5 "http://127.0.0.1:$xa_port/api/v1/slos" > "$D/direct-ar-slos.json"
for k in rr direct-rr ar direct-ar; do
    if python3 "$HERE/check_live.py" "$LURL" "$D/$k-slos.json" live_requests_total; then
        ok "$k: after every fault episode and the outage, all windows equal the exact counts from all raw samples"
    else
        bad "$k: figures differ from the exact counts after the faults"
    fi
done
same() {   # same API_JSON EVAL_JSON
    python3 - "$1" "$2" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["data"][0]["windows"]
b = json.load(open(sys.argv[2]))["slos"][0]["windows"]
sys.exit(0 if a == b else 1)
PY
}
for k in rr promql ar direct-rr direct-promql direct-ar; do
    T=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["data"][0]["evaluated_at"]))' "$D/$k-slos.json")
    "$BIN" eval --config.file="$D/direct-${k#direct-}.yaml" --at="$T" > "$D/$k-fresh.json" 2> "$D/$k-fresh.err" \
        || bad "$k: eval --at=$T: $(cat "$D/$k-fresh.err")"
    same "$D/$k-slos.json" "$D/$k-fresh.json" \
        && ok "$k daemon after the faults: the same windows as a fresh eval at $T" \
        || bad "$k daemon after the faults: windows differ from a fresh eval at $T"
done
exit $FAILED
