#!/usr/bin/env bash
# The daemon's incremental exact counting, replayed: `eval --at=A
# --until=END` evaluates every minute from A to END as the daemon does (one
# backfill, then only new samples per step, coarse buckets, edge re-reads
# when the 84h period's old edge enters a new hour, time slices settled
# after 2 minutes). Every evaluation at a time the generator has exact
# counts for (every 10 minutes) must equal them. MODE=api_read (set by
# test_replay_api_read.sh) reads through /api/v1/query instead of remote read.
set -uo pipefail
. "$HERE/lib.sh"
MODE=${MODE:-remote_read}
A=$((END - 4 * 3600))
ats=$(python3 -c 'import sys; a, e = int(sys.argv[1]), int(sys.argv[2]); print(",".join(str(t) for t in range(a, e + 1, 600)))' "$A" "$END")
meta=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["seed"], d["step"], (d["end"] - d["start"]) // 86400)' "$DATA_DIR/expected.json")
read -r seed step days <<< "$meta"
if ! python3 "$HERE/../data/gen.py" --end "$END" --days "$days" --step "$step" --seed "$seed" \
        --at "$ats" --out "$WORK/replay-$MODE" > "$WORK/replay-$MODE.gen.log" 2>&1; then
    bad "gen.py for the replay times: $(cat "$WORK/replay-$MODE.gen.log")"
    exit 1
fi
cmp -s "$WORK/replay-$MODE/data.om" "$DATA_DIR/data.om" && ok "regenerated data equals the served data" \
    || bad "gen.py made other data than Prometheus serves"
cfg="$WORK/replay-$MODE.yaml"
sed -e "s#@URL@#$PROM_URL#g" -e "s#@RESPONSE@#chunks#g" -e "s#interval: 30s#interval: 1m#" \
    -e "s#mode: remote_read#mode: $MODE#" "$HERE/slos-rr.yaml.tmpl" > "$cfg"
[ "$MODE" = api_read ] && sed -i '/read_response:/d' "$cfg"
grep -q "mode: $MODE" "$cfg" || bad "could not switch the config to $MODE"
s=$(date +%s%N)
timeout 200 "$BIN" eval --config.file="$cfg" --at="$A" --until="$END" --format=json \
    > "$WORK/replay-$MODE.jsonl" 2> "$WORK/replay-$MODE.err"
rc=$?
ms=$(( ($(date +%s%N) - s) / 1000000 ))
n=$(wc -l < "$WORK/replay-$MODE.jsonl")
if [ $rc -eq 0 ] && [ "$n" -eq 241 ]; then
    ok "$MODE: eval --until: 241 evaluations in $ms ms"
else
    bad "eval --until: exit $rc, $n evaluations: $(head -c 800 "$WORK/replay-$MODE.err")"
fi
python3 "$HERE/check_eval.py" exact "$WORK/replay-$MODE/expected.json" "$WORK/replay-$MODE.jsonl" \
    > "$WORK/replay-$MODE.check" 2>&1 || FAILED=1
grep -v '^  .*total 0: ratios null' "$WORK/replay-$MODE.check" | tail -40
exit $FAILED
