#!/usr/bin/env bash
# The daemon against the real Prometheus, evaluating every 2s: /-/healthy,
# /-/ready after the first evaluation, /metrics through `promtool check
# metrics`, every contract family, no NaN, the published figures equal
# /api/v1/slos and `eval` at the same instant, reload (bad config rejected,
# SIGHUP applies a good one), and SIGTERM exits 0.
#
# promtool check metrics exits 1 when the text does not parse and 3 when it
# parses but has lint problems (promlint: naming, units, counters without
# _total, ...). The contract says /metrics must pass `promtool check
# metrics`, so both fail this test; every problem promtool names is printed.
set -uo pipefail
. "$HERE/lib.sh"
cfg="$WORK/daemon.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL"
sed -i 's/^  interval: 30s$/  interval: 2s/' "$cfg"
grep -q '^  interval: 2s$' "$cfg" || bad "could not set the interval in $cfg"
cp "$cfg" "$WORK/daemon.good.yaml"
port=$(free_port)
base="http://127.0.0.1:$port"
"$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" --log.level=debug \
    > "$WORK/daemon.log" 2>&1 &
pid=$!
trap 'stop_pid $pid 5' EXIT
show_log() {
    echo "  daemon log: $(wc -l < "$WORK/daemon.log") lines; warnings, errors and the last 5 lines:"
    grep -E 'level=(warn|error)' "$WORK/daemon.log" | head -10 | sed 's/^/    /'
    tail -n 5 "$WORK/daemon.log" | sed 's/^/    /'
}

if wait_http "$base/-/healthy" 20 $pid; then
    ok "/-/healthy 200"
else
    bad "/-/healthy never answered 200"
    show_log
    exit 1
fi
if wait_http "$base/-/ready" 60 $pid; then
    ok "/-/ready 200 after the first evaluation"
else
    bad "/-/ready not 200"
    show_log
    exit 1
fi

# A consistent set: /api/v1/slos and /metrics from the same evaluation, then
# eval --at that evaluation's time (the data is static, so it must agree).
consistent=0
for _ in 1 2 3 4 5; do
    curl -s -m 10 "$base/api/v1/slos" > "$WORK/api.json"
    curl -s -m 10 "$base/metrics" > "$WORK/metrics.txt"
    curl -s -m 10 "$base/api/v1/slos" > "$WORK/api2.json"
    if cmp -s "$WORK/api.json" "$WORK/api2.json"; then
        consistent=1
        break
    fi
    sleep 0.3
done
[ $consistent = 1 ] || bad "no two /api/v1/slos answers in a row agreed"
T=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert d["status"] == "success", d
print(d["data"][0]["evaluated_at"] if "evaluated_at" in d["data"][0] else "")' "$WORK/api.json" 2>/dev/null)
if [ -z "$T" ]; then
    T=$(sed -n 's/^slo_last_evaluation_timestamp_seconds{.*} \([0-9.e+]*\)$/\1/p' "$WORK/metrics.txt" \
        | head -1 | python3 -c 'import sys; print(int(float(sys.stdin.read())))' 2>/dev/null)
fi
echo "  daemon evaluation time: ${T:-unknown}; /metrics: $(wc -l < "$WORK/metrics.txt") lines"

promtool check metrics < "$WORK/metrics.txt" > "$WORK/promtool.txt" 2>&1
rc=$?
if [ ! -s "$WORK/metrics.txt" ]; then
    bad "/metrics is empty"
elif [ $rc -eq 0 ]; then
    ok "promtool check metrics: exit 0, no problems"
elif [ $rc -eq 3 ]; then
    bad "promtool check metrics: lint problems (exit 3):"
    sed 's/^/    /' "$WORK/promtool.txt"
else
    bad "promtool check metrics: exit $rc:"
    sed 's/^/    /' "$WORK/promtool.txt"
fi

if [ -n "$T" ]; then
    timeout 60 "$BIN" eval --config.file="$cfg" --at="$T" --format=json > "$WORK/daemon-eval.json" \
        2> "$WORK/daemon-eval.err" || bad "eval --at=$T failed: $(head -c 300 "$WORK/daemon-eval.err")"
    python3 "$HERE/check_metrics.py" healthy "$WORK/metrics.txt" "$WORK/api.json" \
        "$WORK/daemon-eval.json" || FAILED=1
else
    bad "cannot tell the daemon's evaluation time"
fi
# Evaluations are aligned to multiples of the interval (2s).
python3 - "$WORK/metrics.txt" <<'PY' && ok "evaluation times are multiples of 2s" || bad "unaligned evaluation times"
import re, sys
ts = [float(m.group(1)) for m in re.finditer(r'^slo_last_evaluation_timestamp_seconds\{.*\} (\S+)$',
                                              open(sys.argv[1]).read(), re.M)]
print("  slo_last_evaluation_timestamp_seconds: %s" % sorted(set(ts)))
sys.exit(0 if ts and all(t % 2 == 0 for t in ts) else 1)
PY

code=$(http_code "$base/api/v1/slos/users-freshness")
if [ "$code" = 200 ] && curl -s -m 5 "$base/api/v1/slos/users-freshness" | python3 -c '
import json,sys; d=json.load(sys.stdin); s=d["data"]; s=s[0] if isinstance(s,list) else s
sys.exit(0 if d["status"]=="success" and s["name"]=="users-freshness" else 1)'; then
    ok "/api/v1/slos/users-freshness: 200, that SLO"
else
    bad "/api/v1/slos/users-freshness: $code $(curl -s -m 5 "$base/api/v1/slos/users-freshness" | head -c 200)"
fi
code=$(http_code "$base/api/v1/slos/no-such-slo")
[ "$code" != 200 ] && ok "/api/v1/slos/no-such-slo: $code" || bad "/api/v1/slos/no-such-slo: 200"

# A broken config is rejected on POST /-/reload and the old one keeps running.
printf '  - name: broken\n    service: x\n    objective: 100\n    period: 7d\n    sli: {events: {error: a_total, total: b_total}}\n' >> "$cfg"
code=$(http_code "$base/-/reload" -X POST)
if [ "$code" != 200 ] && [ "$code" != 000 ]; then
    ok "POST /-/reload with a bad config: $code"
else
    bad "POST /-/reload with a bad config: $code"
fi
sleep 0.5
curl -s -m 5 "$base/metrics" > "$WORK/metrics.bad.txt"
grep -q '^slo_sidecar_config_last_reload_successful 0$' "$WORK/metrics.bad.txt" \
    && ok "slo_sidecar_config_last_reload_successful 0" \
    || bad "after a bad reload: $(grep '^slo_sidecar_config_last_reload_successful' "$WORK/metrics.bad.txt")"
n=$(grep -c '^slo_info{' "$WORK/metrics.bad.txt")
[ "$n" = 6 ] && ok "the old config's 6 SLOs are still exported" || bad "SLOs after a bad reload: $n"
[ "$(http_code "$base/-/healthy")" = 200 ] && ok "still healthy" || bad "unhealthy after a bad reload"

# SIGHUP with a good config of one SLO.
python3 - "$WORK/daemon.good.yaml" "$cfg" <<'PY'
import sys
src = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(src.partition("  - name: checkout-edge")[0])
PY
kill -HUP $pid
n=0
for _ in $(seq 50); do
    curl -s -m 5 "$base/metrics" > "$WORK/metrics.hup.txt"
    n=$(grep -c '^slo_info{' "$WORK/metrics.hup.txt")
    [ "$n" = 1 ] && break
    sleep 0.2
done
grep -q '^slo_sidecar_config_last_reload_successful 1$' "$WORK/metrics.hup.txt" \
    && ok "SIGHUP: reload successful" || bad "SIGHUP: reload metric $(grep '^slo_sidecar_config_last_reload_successful' "$WORK/metrics.hup.txt")"
[ "$n" = 1 ] && ok "SIGHUP: the new config (1 SLO) is in force" || bad "SIGHUP: $n SLOs exported, want 1"
grep -q 'slo="checkout-good"' "$WORK/metrics.hup.txt" && bad "removed SLO checkout-good still exported"

kill -TERM $pid
t0=$(date +%s%N)
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
    bad "still running 5s after SIGTERM"
else
    wait $pid
    rc=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ $rc -eq 0 ] && ok "SIGTERM: exit 0 after ${ms} ms" || bad "SIGTERM: exit $rc"
fi
trap - EXIT
stop_pid $pid 1
if grep -q 'level=error' "$WORK/daemon.log"; then
    echo "  error lines in the daemon log:"
    grep 'level=error' "$WORK/daemon.log" | head -5 | sed 's/^/    /'
fi
[ $FAILED = 0 ] || show_log
exit $FAILED
