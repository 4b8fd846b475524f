#!/usr/bin/env bash
# Bad input. Broken configs (tests/data/config/bad_*.yaml): `check` exits 1
# with FILE:LINE:COL: lines (each file's "# expect: LINE REGEX" comments name
# the line and what the message must mention), `eval` exits 1. A backend that
# fails in the ways of fakeprom.py, or is down: `eval` exits 2, names the
# cause on stderr and prints no figures. The daemon against a failing backend
# publishes no figures, counts the failures and is not ready; a backend that
# fails after working makes the figures go within 5 intervals.
set -uo pipefail
. "$HERE/lib.sh"
data="$HERE/../data/config"
FAKE_PID=
DAEMON_PID=
cleanup() {
    [ -n "$FAKE_PID" ] && stop_pid "$FAKE_PID" 2
    [ -n "$DAEMON_PID" ] && stop_pid "$DAEMON_PID" 5
}
trap cleanup EXIT

echo "-- broken configs"
for f in "$data"/bad_*.yaml; do
    b=$(basename "$f")
    out=$(timeout 20 "$BIN" check --config.file="$f" 2>&1)
    rc=$?
    good=1
    [ $rc -eq 1 ] || { bad "check $b: exit $rc, want 1"; good=0; }
    while read -r line re; do
        if ! printf '%s\n' "$out" | grep -qiE "^([^ ]*/)?$b:$line:[0-9]+: .*$re"; then
            bad "check $b: no \"$b:$line:COL: ...$re...\" line"
            good=0
        fi
    done < <(sed -n 's/^# expect: //p' "$f")
    if [ $good = 1 ]; then
        ok "check $b: exit 1"
    else
        printf '%s\n' "$out" | sed 's/^/      /'
    fi
    printf '%s\n' "$out" | grep -E ":[0-9]+:[0-9]+: " | sed 's/^/      /'
    timeout 20 "$BIN" eval --config.file="$f" > "$WORK/out.txt" 2> "$WORK/err.txt"
    rc=$?
    if [ $rc -eq 1 ] && [ ! -s "$WORK/out.txt" ]; then
        ok "eval $b: exit 1, nothing on stdout"
    else
        bad "eval $b: exit $rc (want 1), stdout $(wc -c < "$WORK/out.txt") bytes"
    fi
done
good_cfg="$WORK/good.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$good_cfg" "$PROM_URL"
out=$(timeout 20 "$BIN" check --config.file="$good_cfg" 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "check of the test config: exit 0" || bad "check of the test config: exit $rc: $out"
out=$(timeout 20 "$BIN" check --config.file="$WORK/no-such-file.yaml" 2>&1)
rc=$?
[ $rc -eq 1 ] && ok "check of a missing file: exit 1: $out" || bad "check of a missing file: exit $rc"

echo "-- eval against a failing backend"
port=$(free_port)
cfg="$WORK/fake.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "http://127.0.0.1:$port"
sed -i 's/^    timeout: 20s$/    timeout: 2s/' "$cfg"
grep -q '^    timeout: 2s$' "$cfg" || bad "could not set the timeout in $cfg"
start_fake() {
    python3 "$HERE/fakeprom.py" "$port" "$@" > "$WORK/fake.log" 2>&1 &
    FAKE_PID=$!
    wait_listen "$port" 10 || { bad "fakeprom $1 did not start"; cat "$WORK/fake.log"; }
}
stop_fake() { stop_pid "$FAKE_PID" 2; FAKE_PID=; }
# expect MODE REGEX [MAX_MS]: eval exits 2, stdout empty, stderr matches REGEX
# (case-insensitive), and, when given, within MAX_MS.
expect() {
    local mode=$1 want=$2 max=${3:-} t0 ms rc
    start_fake "$mode"
    t0=$(date +%s%N)
    timeout 60 "$BIN" eval --config.file="$cfg" --at="$END" --format=json \
        > "$WORK/out.txt" 2> "$WORK/err.txt"
    rc=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    stop_fake
    local msg
    msg=$(grep -v '^\s*$' "$WORK/err.txt" | head -1 | cut -c1-160)
    if [ -n "$max" ] && [ "$ms" -gt "$max" ]; then
        bad "$mode: took ${ms} ms, more than ${max} ms"
    elif [ $rc -eq 2 ] && [ ! -s "$WORK/out.txt" ] && grep -qiE -- "$want" "$WORK/err.txt"; then
        ok "$mode: exit 2 in ${ms} ms, no figures, stderr: $msg"
    else
        bad "$mode: exit $rc (want 2), stdout $(wc -c < "$WORK/out.txt") bytes, stderr (want /$want/): $(head -c 400 "$WORK/err.txt")"
    fi
}
expect error500   '500.*storage is on fire|storage is on fire.*500'
expect baddata400 '400.*bad_data|bad_data.*400'
expect html503    '503'
expect html200    'json|html|content.type|parse'
expect garbage    'json|parse|invalid'
expect truncated  'json|parse|invalid|truncat|unexpected|premature'
# Five SLOs, a 2s timeout, 4 workers: each SLO waits its own timeout (one
# slow query says nothing about the others), 4 at a time: two waits, not
# five (one after another it took about 10 s).
expect slow       'time.?out|timed out' 6500
# A fan-out proxy that sends each series twice: refused, not added up.
doubled() {
    start_fake doubled "$PROM_URL"
    timeout 60 "$BIN" eval --config.file="$cfg" --at="$END" --format=json \
        > "$WORK/out.txt" 2> "$WORK/err.txt"
    rc=$?
    stop_fake
    if [ $rc -eq 2 ] && [ ! -s "$WORK/out.txt" ] && grep -qiE 'series.*twice|two series|returned [0-9]+ series' "$WORK/err.txt"; then
        ok "doubled series: exit 2, no figures, stderr: $(grep -v '^\s*$' "$WORK/err.txt" | head -1 | cut -c1-160)"
    else
        bad "doubled series: exit $rc (want 2), stdout $(wc -c < "$WORK/out.txt") bytes, stderr: $(head -c 400 "$WORK/err.txt")"
    fi
}
doubled
# Nothing listening on the port at all.
timeout 60 "$BIN" eval --config.file="$cfg" --at="$END" > "$WORK/out.txt" 2> "$WORK/err.txt"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$WORK/out.txt" ] && grep -qiE 'refused|connect' "$WORK/err.txt"; then
    ok "backend down: exit 2, stderr: $(head -1 "$WORK/err.txt" | cut -c1-160)"
else
    bad "backend down: exit $rc (want 2), stdout $(wc -c < "$WORK/out.txt") bytes, stderr: $(head -c 400 "$WORK/err.txt")"
fi

echo "-- the daemon against a backend that always fails"
sed 's/^  interval: 30s$/  interval: 1s/' "$cfg" > "$WORK/fake-daemon.yaml"
start_fake error500
dport=$(free_port)
"$BIN" --config.file="$WORK/fake-daemon.yaml" --web.listen-address="127.0.0.1:$dport" \
    > "$WORK/bad-daemon.log" 2>&1 &
DAEMON_PID=$!
if wait_http "http://127.0.0.1:$dport/-/healthy" 20 "$DAEMON_PID"; then
    ok "/-/healthy 200 while the backend fails"
else
    bad "/-/healthy never 200"
    tail -5 "$WORK/bad-daemon.log"
fi
# Wait for a few failed evaluations (1s interval).
for _ in $(seq 50); do
    curl -s -m 5 "http://127.0.0.1:$dport/metrics" > "$WORK/bad-metrics.txt"
    n=$(sed -n 's/^slo_sidecar_evaluations_total{result="failure"} \([0-9.e+]*\)$/\1/p' \
        "$WORK/bad-metrics.txt")
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1] or 0) >= 2 else 1)' "${n:-0}" && break
    sleep 0.2
done
code=$(http_code "http://127.0.0.1:$dport/-/ready")
[ "$code" != 200 ] && ok "/-/ready $code (not ready: no successful evaluation)" || bad "/-/ready 200 without a successful evaluation"
python3 "$HERE/check_metrics.py" failing "$WORK/bad-metrics.txt" || FAILED=1
stop_pid "$DAEMON_PID" 5
DAEMON_PID=
stop_fake

echo "-- the daemon when a working backend starts failing"
rm -f "$WORK/fail-now"
start_fake proxy "$PROM_URL" "$WORK/fail-now"
sed 's/^  interval: 30s$/  interval: 1s/; s/^    timeout: 2s$/    timeout: 20s/' "$cfg" > "$WORK/proxy-daemon.yaml"
"$BIN" --config.file="$WORK/proxy-daemon.yaml" --web.listen-address="127.0.0.1:$dport" \
    > "$WORK/proxy-daemon.log" 2>&1 &
DAEMON_PID=$!
if wait_http "http://127.0.0.1:$dport/-/ready" 60 "$DAEMON_PID"; then
    curl -s -m 5 "http://127.0.0.1:$dport/metrics" > "$WORK/before.txt"
    n=$(grep -c '^slo_sli_ratio{' "$WORK/before.txt")
    [ "$n" -gt 0 ] && ok "through the proxy: ready, $n slo_sli_ratio series" || bad "no slo_sli_ratio while the backend works"
    touch "$WORK/fail-now"
    t0=$(date +%s)
    gone=
    for _ in $(seq 100); do
        curl -s -m 5 "http://127.0.0.1:$dport/metrics" > "$WORK/after.txt"
        if ! grep -qE '^slo_(sli_ratio|error_ratio|burn_rate|events)\{' "$WORK/after.txt"; then
            gone=$(( $(date +%s) - t0 ))
            break
        fi
        sleep 0.2
    done
    # Contract: last values stay for at most 5 intervals (5s here) after the
    # last successful evaluation, then go. Allow 3s more: an evaluation in
    # flight (the 7d timeslice query alone takes ~1.5s) and the 1s tick.
    if [ -n "$gone" ] && [ "$gone" -le 8 ]; then
        ok "figures gone ${gone}s after the backend started failing (interval 1s, at most 5 intervals)"
    else
        bad "figures still published $(( $(date +%s) - t0 ))s after the backend started failing"
    fi
    grep -q '^slo_sidecar_backend_up 0$' "$WORK/after.txt" && ok "slo_sidecar_backend_up 0" \
        || bad "after the failure: $(grep '^slo_sidecar_backend_up' "$WORK/after.txt")"
    [ "$(http_code "http://127.0.0.1:$dport/-/healthy")" = 200 ] && ok "still healthy" || bad "not healthy after backend failure"
else
    bad "daemon through the proxy never ready"
    grep -E 'level=(warn|error)' "$WORK/proxy-daemon.log" | head -5
    tail -3 "$WORK/proxy-daemon.log"
fi
stop_pid "$DAEMON_PID" 5
DAEMON_PID=
stop_fake
exit $FAILED
