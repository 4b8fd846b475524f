#!/usr/bin/env bash
# make soak (not part of make test or CI): the daemon in remote_read mode for
# SOAK_TIME (default 10m; 600, 600s, 10m, 1h) against a real Prometheus that
# scrapes tests/integration/live_exporter.py every second, through
# tests/integration/faultproxy.py, which flaps: 20 s pass, then 10 s of one
# fault, the next one each time (reset, no answer past the timeout, 500, 429,
# truncated body, bad frame CRC, frame cut short, connection refused, stalled
# body, HTML 200, sample limit). The daemon evaluates every 2 s (timeout 1 s)
# and checkpoints to a state file after each evaluation.
#
# Every 10 s: the daemon's VmRSS, its CPU time and its evaluation counters.
# At the end the proxy passes again, the exporter stops (its series go stale)
# and, after a few more evaluations, every window of /api/v1/slos must equal
# the exact counts from Prometheus's raw samples (check_live.py), counted
# incrementally across every fault; and RSS must be flat: after a warm-up of
# min(60 s, SOAK_TIME/6), the largest sample of the last third at most
# SOAK_RSS_GROWTH percent (default 10) above the largest of the first third.
# Prints the samples and a summary; exits 1 when a check fails or the daemon
# exits. SOAK_KEEP=1 keeps the work directory (logs, samples).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
HERE=$root/tests/integration
. "$HERE/lib.sh"
BIN=$(realpath "${BIN:-$root/build/slo-sidecar}")
SOAK_TIME=${SOAK_TIME:-10m}
GROWTH=${SOAK_RSS_GROWTH:-10}
case "$SOAK_TIME" in
    *h) secs=$(( ${SOAK_TIME%h} * 3600 )) ;;
    *m) secs=$(( ${SOAK_TIME%m} * 60 )) ;;
    *s) secs=${SOAK_TIME%s} ;;
    *) secs=$SOAK_TIME ;;
esac
if ! [ "$secs" -ge 60 ] 2>/dev/null; then
    echo "soak: SOAK_TIME=$SOAK_TIME: give at least 60 s (e.g. 600, 10m, 1h)" >&2
    exit 2
fi
for tool in prometheus python3 curl; do
    command -v "$tool" > /dev/null || { echo "soak: $tool not found (make deps)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "soak: $BIN is not an executable (make first)" >&2; exit 2; }

W=$(mktemp -d /tmp/slo-soak.XXXXXX)
exp_pid= lp_pid= px_pid= pid= flap_pid=
cleanup() {
    local p
    for p in "$flap_pid" "$pid" "$px_pid" "$exp_pid"; do
        [ -n "$p" ] && stop_pid "$p" 5
    done
    [ -n "$lp_pid" ] && stop_pid "$lp_pid" 10
    if [ "${SOAK_KEEP:-0}" = 1 ]; then
        echo "soak: work directory kept: $W"
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT

exp_port=$(free_port)
python3 "$HERE/live_exporter.py" "$exp_port" &
exp_pid=$!
lp_port=$(free_port)
LURL="http://127.0.0.1:$lp_port"
cat > "$W/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: live
    static_configs: [{targets: ['127.0.0.1:$exp_port']}]
YML
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
    --web.listen-address="127.0.0.1:$lp_port" --log.level=warn > "$W/prom.log" 2>&1 &
lp_pid=$!
wait_http "$LURL/-/ready" 60 "$lp_pid" || { cat "$W/prom.log"; exit 1; }

px_port=$(free_port) px_ctl=$(free_port)
CTL="http://127.0.0.1:$px_ctl"
python3 "$HERE/faultproxy.py" "$px_port" "$LURL" "$px_ctl" --slow 4 > "$W/proxy.log" 2>&1 &
px_pid=$!
wait_listen "$px_port" 10 && wait_listen "$px_ctl" 10 || { cat "$W/proxy.log"; exit 1; }

cat > "$W/slos.yaml" <<YML
global:
  interval: 2s
  state_file: $W/state.bin
  prometheus: {url: http://127.0.0.1:$px_port, mode: remote_read, timeout: 1s}
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
port=$(free_port)
base="http://127.0.0.1:$port"
"$BIN" --config.file="$W/slos.yaml" --web.listen-address="127.0.0.1:$port" > "$W/daemon.log" 2>&1 &
pid=$!
wait_http "$base/-/ready" 60 "$pid" || { tail -5 "$W/daemon.log"; exit 1; }
echo "soak: remote_read daemon (2 s interval, 1 s timeout, state file) -> faultproxy.py ->" \
     "Prometheus <- live_exporter.py (1 s scrapes), for ${secs} s; faults flap 20 s pass / 10 s on"

set_mode() {
    curl -s -m 10 -X PUT --data "$1" "$CTL/mode" > /dev/null
}
# The flapping, in the background: one line per switch in flaps.log.
(
    trap - TERM
    modes=(reset slow http500 http429 truncated badcrc cutframe refused slowbody html200
           samplelimit)
    i=0
    while :; do
        sleep 20
        m=${modes[$((i % ${#modes[@]}))]}
        set_mode "$m" && echo "$(date +%s) $m" >> "$W/flaps.log"
        sleep 10
        set_mode pass && echo "$(date +%s) pass" >> "$W/flaps.log"
        i=$((i + 1))
    done
) &
flap_pid=$!

# sample: "t rss_kib hwm_kib cpu_s evals_ok evals_failed backend_up" into samples.tsv
tick=$(getconf CLK_TCK)
t0=$(date +%s)
sample() {
    local st rss hwm cpu m ok fail up
    st=$(cat "/proc/$pid/status" 2>/dev/null) || return 1
    rss=$(awk '/^VmRSS:/{print $2}' <<< "$st")
    hwm=$(awk '/^VmHWM:/{print $2}' <<< "$st")
    cpu=$(awk -v t="$tick" '{printf "%.2f", ($14 + $15) / t}' "/proc/$pid/stat")
    m=$(curl -s -m 5 "$base/metrics")
    ok=$(awk '/^slo_sidecar_evaluations_total\{result="success"\}/{print $2}' <<< "$m")
    fail=$(awk '/^slo_sidecar_evaluations_total\{result="failure"\}/{print $2}' <<< "$m")
    up=$(awk '/^slo_sidecar_backend_up /{print $2}' <<< "$m")
    echo "$(( $(date +%s) - t0 )) $rss $hwm $cpu ${ok:-?} ${fail:-?} ${up:-?}" >> "$W/samples.tsv"
}
end=$(( t0 + secs ))
while [ "$(date +%s)" -lt "$end" ]; do
    if ! sample; then
        bad "the daemon exited: $(tail -3 "$W/daemon.log")"
        exit 1
    fi
    left=$(( end - $(date +%s) ))
    [ "$left" -gt 10 ] && left=10
    [ "$left" -gt 0 ] && sleep "$left"
done
sample
stop_pid "$flap_pid" 2
flap_pid=
set_mode pass
echo "pass (end)" >> "$W/flaps.log"

# Recovery, then the exporter stops: its series go stale at the next scrape,
# and three more evaluations read everything Prometheus has.
ev_ok() {
    curl -s -m 5 "$base/metrics" |
        awk '/^slo_sidecar_evaluations_total\{result="success"\}/{print $2}'
}
e0=$(ev_ok)
for _ in $(seq 60); do
    e1=$(ev_ok)
    [ -n "$e1" ] && [ -n "$e0" ] && awk -v a="$e0" -v b="$e1" 'BEGIN{exit !(b >= a + 2)}' && break
    sleep 0.5
done
stop_pid "$exp_pid" 2
exp_pid=
sleep 7
curl -s -m 5 "$base/api/v1/slos" > "$W/slos.json"
kill -0 "$pid" 2>/dev/null || bad "the daemon exited: $(tail -3 "$W/daemon.log")"

echo "samples (s since start, VmRSS KiB, VmHWM KiB, CPU s, evaluations ok, failed, backend_up):"
awk '{printf "  %5d %7d %7d %7.2f %6s %5s %s\n", $1, $2, $3, $4, $5, $6, $7}' "$W/samples.tsv"
echo "exact counts after the soak (check_live.py):"
if python3 "$HERE/check_live.py" "$LURL" "$W/slos.json" live_requests_total; then
    ok "every window equals the exact counts from all raw samples, after every fault"
else
    bad "figures differ from the exact counts"
fi
warm=$(( secs / 6 < 60 ? secs / 6 : 60 ))
read -r n first last growth verdict < <(awk -v warm="$warm" -v lim="$GROWTH" '
    $1 >= warm { r[n++] = $2 }
    END {
        k = int(n / 3); if (k < 1) { print n, 0, 0, 0, "short"; exit }
        for (i = 0; i < k; i++) if (r[i] > f) f = r[i]
        for (i = n - k; i < n; i++) if (r[i] > l) l = r[i]
        g = 100 * (l - f) / f
        print n, f, l, sprintf("%+.1f", g), (g <= lim ? "flat" : "grew")
    }' "$W/samples.tsv")
if [ "$verdict" = flat ]; then
    ok "RSS flat: max of the last third $last KiB, of the first third $first KiB ($growth%," \
       "limit +$GROWTH%; $n samples after a ${warm} s warm-up)"
else
    bad "RSS $verdict: max of the last third $last KiB, of the first third $first KiB" \
        "($growth%, limit +$GROWTH%; $n samples after a ${warm} s warm-up)"
fi
read -r _ _ _ cpu okn failn _ < <(tail -1 "$W/samples.tsv")
flaps=$(grep -cvE ' pass$|^pass' "$W/flaps.log" 2>/dev/null || echo 0)
failed_lines=$(grep -c 'msg="SLO evaluation failed"' "$W/daemon.log")
recovered=$(grep -c 'msg="SLO evaluation recovered"' "$W/daemon.log")
errors=$(grep -c 'level=error' "$W/daemon.log")
echo "summary: ${secs} s; $flaps fault episodes ($(awk '$2 != "pass" && $1 != "pass" {print $2}' \
    "$W/flaps.log" | sort | uniq -c | awk '{printf "%s%s x%d", s, $2, $1; s=", "}'));" \
    "evaluations: $okn ok, $failn failed (SLO evaluations); daemon CPU ${cpu} s;" \
    "log: $failed_lines failure lines, $recovered recoveries, $errors at level=error;" \
    "proxy requests by mode: $(curl -s -m 5 "$CTL/stats" | python3 -c '
import collections, json, sys
n = collections.Counter()
for k, v in json.load(sys.stdin).items():
    n[k.split()[0]] += v
print(", ".join("%s %d" % kv for kv in sorted(n.items())))')"
exit $FAILED
