#!/usr/bin/env bash
# The daemon in an exact mode (remote_read; api_read with MODE=api_read, set
# by test_daemon_api_read.sh) while new samples arrive: a second, live
# Prometheus scrapes live_exporter.py every second (counters that grow, one
# reset, a series that appears later); the daemon evaluates every 2 s,
# counting incrementally. After the exporter stops (staleness markers) and a
# few more evaluations, every window must equal the exact counts computed
# from Prometheus's raw samples (check_live.py). Then the checkpoint: the
# daemon is restarted with its state file and must restore it (no backfill)
# and give the same figures as a fresh `eval` at the same instant; a corrupt
# state file is reported, ignored, and the figures stay right; kill -9 at
# random moments while 60 SLOs' checkpoints are written every second: every
# start restores the last complete checkpoint.
set -uo pipefail
. "$HERE/lib.sh"
MODE=${MODE:-remote_read}
exp_port=$(free_port)
python3 "$HERE/live_exporter.py" "$exp_port" &
exp_pid=$!
lp_port=$(free_port)
mkdir -p "$WORK/live-$MODE"
cat > "$WORK/live-$MODE/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: live
    static_configs: [{targets: ['127.0.0.1:$exp_port']}]
YML
prometheus --config.file="$WORK/live-$MODE/prometheus.yml" --storage.tsdb.path="$WORK/live-$MODE/tsdb" \
    --web.listen-address="127.0.0.1:$lp_port" --log.level=warn > "$WORK/live-$MODE/prom.log" 2>&1 &
lp_pid=$!
pid=
trap 'stop_pid "$pid" 5; stop_pid $lp_pid 10; stop_pid $exp_pid 2' EXIT
LURL="http://127.0.0.1:$lp_port"
wait_http "$LURL/-/ready" 60 $lp_pid || { bad "live Prometheus not ready"; exit 1; }

cfg="$WORK/live-$MODE/slos.yaml"
cat > "$cfg" <<YML
global:
  interval: 2s
  state_file: $WORK/live-$MODE/state.bin
  prometheus: {url: $LURL, mode: $MODE, timeout: 10s}
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
start_daemon() {
    "$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" --log.level=debug \
        >> "$WORK/live-$MODE/daemon.log" 2>&1 &
    pid=$!
    wait_http "$base/-/ready" 60 $pid
}
start_daemon || { bad "daemon not ready"; tail -5 "$WORK/live-$MODE/daemon.log"; exit 1; }
ok "daemon ready in $MODE mode"
sleep 16
stop_pid $exp_pid 2
sleep 6   # Prometheus marks the series stale; the daemon evaluates 3 more times
curl -s -m 5 "$base/api/v1/slos" > "$WORK/live-$MODE/slos.json"
if python3 "$HERE/check_live.py" "$LURL" "$WORK/live-$MODE/slos.json" live_requests_total; then
    ok "incremental figures equal exact counts from all raw samples"
else
    bad "incremental figures differ from exact counts"
    grep -E 'level=(warn|error)' "$WORK/live-$MODE/daemon.log" | head -5
fi
steps=$(grep -c 'msg="evaluation done"' "$WORK/live-$MODE/daemon.log")
[ "$steps" -ge 8 ] && ok "$steps incremental evaluations" || bad "only $steps evaluations"
[ -s "$WORK/live-$MODE/state.bin" ] && ok "state file written ($(wc -c < "$WORK/live-$MODE/state.bin") bytes)" \
    || bad "no state file"

# Restart from the checkpoint.
stop_pid "$pid" 5
start_daemon || bad "daemon not ready after restart"
grep -q 'msg="state restored".*slos=1' "$WORK/live-$MODE/daemon.log" && ok "state restored at start" \
    || bad "state not restored: $(grep -E 'state' "$WORK/live-$MODE/daemon.log" | tail -2)"
# like_fresh NAME WHAT: the daemon's first SLO (/api/v1/slos, kept as
# NAME.json) has the same windows as a fresh `eval` at its evaluation time.
like_fresh() {
    local d="$WORK/live-$MODE" T
    curl -s -m 5 "$base/api/v1/slos" > "$d/$1.json"
    T=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["data"][0]["evaluated_at"]))' "$d/$1.json")
    "$BIN" eval --config.file="$cfg" --at="$T" > "$d/$1-fresh.json" 2> "$d/$1-fresh.err" \
        || { bad "eval --at=$T: $(cat "$d/$1-fresh.err")"; return; }
    if python3 - "$d/$1.json" "$d/$1-fresh.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["data"][0]["windows"]
b = json.load(open(sys.argv[2]))["slos"][0]["windows"]
sys.exit(0 if a == b else 1)
PY
    then
        ok "$2: the same windows as a fresh eval at $T"
    else
        bad "$2: the windows differ from a fresh eval at $T"
    fi
}
like_fresh restored "after a restart from the state file"

# A reload keeps the state of unchanged SLOs (no second backfill).
kill -HUP "$pid"
for _ in $(seq 50); do
    grep -q 'msg="state carried over the reload".*slos=1' "$WORK/live-$MODE/daemon.log" && break
    sleep 0.1
done
grep -q 'msg="state carried over the reload".*slos=1' "$WORK/live-$MODE/daemon.log" \
    && ok "SIGHUP with the same config: the SLO's state is carried over, not backfilled" \
    || bad "SIGHUP did not carry the state over: $(grep -E 'reload|state' "$WORK/live-$MODE/daemon.log" | tail -3)"

# A corrupt state file is reported and ignored.
stop_pid "$pid" 5
python3 - "$WORK/live-$MODE/state.bin" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x40
open(p, "wb").write(bytes(b))
PY
start_daemon || bad "daemon not ready with a corrupt state file"
grep -q 'state file ignored.*checksum mismatch' "$WORK/live-$MODE/daemon.log" \
    && ok "corrupt state file: reported and ignored" \
    || bad "corrupt state file not reported: $(grep -E 'state' "$WORK/live-$MODE/daemon.log" | tail -2)"
like_fresh after "after the backfill that replaced a corrupt state file"

# kill -9 at random moments while checkpoints are written (every tick, for
# 60 SLOs): each start restores the last complete checkpoint, never a torn
# one, and the figures still equal a fresh eval.
stop_pid "$pid" 5
cfg9="$WORK/live-$MODE/kill9.yaml"
python3 - "$cfg" "$cfg9" <<'PY'
import sys
src = open(sys.argv[1]).read()
head, slo = src.split("slos:\n", 1)
head = head.replace("state.bin", "kill9.bin").replace("interval: 2s", "interval: 2s\n  state_checkpoint_interval: 1s")
out = head + "slos:\n"
for i in range(60):
    out += slo.replace("name: live-availability", "name: live-availability-%02d" % i)
open(sys.argv[2], "w").write(out)
PY
cfg_saved=$cfg
cfg=$cfg9
torn=0
for round in 1 2 3 4 5 6; do
    : > "$WORK/live-$MODE/daemon.log"
    start_daemon || { bad "kill -9 round $round: daemon not ready"; break; }
    if [ "$round" -gt 1 ]; then
        grep -q 'msg="state restored".*slos=60' "$WORK/live-$MODE/daemon.log" || torn=$((torn + 1))
    fi
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.2, 3.0), 2))')"
    kill -9 "$pid"; wait "$pid" 2> /dev/null; pid=
done
: > "$WORK/live-$MODE/daemon.log"
start_daemon || bad "daemon not ready after the last kill -9"
grep -q 'msg="state restored".*slos=60' "$WORK/live-$MODE/daemon.log" || torn=$((torn + 1))
[ "$torn" = 0 ] && ok "kill -9 six times while checkpoints are written: every start restored all 60 SLOs" \
    || bad "$torn start(s) after kill -9 did not restore the checkpoint: $(grep -E 'state' "$WORK/live-$MODE/daemon.log" | tail -2)"
like_fresh kill9 "after the kill -9 rounds"
cfg=$cfg_saved
exit $FAILED
