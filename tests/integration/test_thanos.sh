#!/usr/bin/env bash
# The Thanos set-up (promql mode against the querier's HTTP API), with
# faultproxy.py standing in for a querier before the test Prometheus (Debian
# has no Thanos package): the figures equal those against Prometheus
# directly, and every query asks for partial_response=false; remote_read
# mode gets the "not supported" message for the querier's 404; with a store
# down, the querier's 422 is reported (exit 2), and a querier that answers
# partially anyway (a "warnings" array) is not believed: exit 2 naming the
# warning, never figures from part of the data.
set -uo pipefail
. "$HERE/lib.sh"
PX_PID=
trap '[ -n "$PX_PID" ] && stop_pid "$PX_PID" 5' EXIT
port=$(free_port)
ctl=$(free_port)
PX="http://127.0.0.1:$port"
python3 "$HERE/faultproxy.py" "$port" "$PROM_URL" "$ctl" > "$WORK/thanos-proxy.log" 2>&1 &
PX_PID=$!
if ! wait_http "http://127.0.0.1:$ctl/mode" 10 "$PX_PID"; then
    bad "faultproxy did not start: $(head -c 400 "$WORK/thanos-proxy.log")"
    exit 1
fi
mode() { curl -s -m 10 -X PUT --data "$1" "http://127.0.0.1:$ctl/mode" > /dev/null; }

# The test SLOs without the time-slice one (seconds per evaluation here).
python3 - "$HERE/slos.yaml.tmpl" "$WORK/thanos-direct.yaml" "$WORK/thanos.yaml" \
    "$WORK/thanos-rr.yaml" "$PROM_URL" "$PX" <<'PY'
import re, sys
tmpl, direct, via, rr, prom, px = sys.argv[1:]
text = open(tmpl).read()
head, sep, rest = text.partition("slos:\n")
items = [i for i in re.split(r"(?m)^(?=  - name: )", rest) if "users-freshness" not in i]
open(direct, "w").write((head + sep + "".join(items)).replace("@URL@", prom))
open(via, "w").write((head + sep + "".join(items)).replace("@URL@", px))
# remote_read: the SLOs it can read (not the free PromQL one).
text = head.replace("mode: promql", "mode: remote_read") + sep + "".join(
    i for i in items if "promql:" not in i)
open(rr, "w").write(text.replace("@URL@", px))
PY

mode thanos
"$BIN" eval --config.file="$WORK/thanos-direct.yaml" --at="$END" > "$WORK/thanos-direct.json" \
    2> "$WORK/thanos-direct.err" || bad "eval against Prometheus failed: $(cat "$WORK/thanos-direct.err")"
if "$BIN" eval --config.file="$WORK/thanos.yaml" --at="$END" > "$WORK/thanos.json" \
        2> "$WORK/thanos.err"; then
    if cmp -s "$WORK/thanos.json" "$WORK/thanos-direct.json"; then
        ok "promql through the querier: the same JSON as against Prometheus directly"
    else
        bad "promql through the querier differs from Prometheus directly"
    fi
else
    bad "eval through the querier failed: $(cat "$WORK/thanos.err")"
fi
n=$(curl -s "http://127.0.0.1:$ctl/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("partial_response=false", 0))')
q=$(grep -c ' thanos POST /api/v1/query ' "$WORK/thanos-proxy.log")
[ "$n" -ge 1 ] && [ "$n" = "$q" ] && ok "all $q queries asked for partial_response=false" \
    || bad "$n of $q queries asked for partial_response=false"

"$BIN" eval --config.file="$WORK/thanos-rr.yaml" --at="$END" > "$WORK/thanos-rr.out" 2> "$WORK/thanos-rr.err"
rc=$?
want="remote_read is not supported by $PX/api/v1/read (HTTP 404); use mode: promql"
[ $rc = 2 ] && grep -qF "$want" "$WORK/thanos-rr.err" && [ ! -s "$WORK/thanos-rr.out" ] \
    && ok "remote_read: exit 2: $want" || bad "remote_read: exit $rc: $(head -c 300 "$WORK/thanos-rr.err")"

mode thanos-down
"$BIN" eval --config.file="$WORK/thanos.yaml" --at="$END" > "$WORK/thanos-down.out" 2> "$WORK/thanos-down.err"
rc=$?
[ $rc = 2 ] && grep -q 'HTTP 422: execution: .*No StoreAPIs matched for this query' "$WORK/thanos-down.err" \
    && [ ! -s "$WORK/thanos-down.out" ] && ok "a store down: exit 2: $(head -1 "$WORK/thanos-down.err")" \
    || bad "a store down: exit $rc: $(head -c 300 "$WORK/thanos-down.err")"

mode thanos-partial
"$BIN" eval --config.file="$WORK/thanos.yaml" --at="$END" > "$WORK/thanos-part.out" 2> "$WORK/thanos-part.err"
rc=$?
[ $rc = 2 ] && grep -q 'the store answered with a warning, so its data may be partial; not used: "No StoreAPIs matched for this query"' "$WORK/thanos-part.err" \
    && [ ! -s "$WORK/thanos-part.out" ] && ok "a partial answer: exit 2, not used: $(head -1 "$WORK/thanos-part.err")" \
    || bad "a partial answer: exit $rc: $(head -c 300 "$WORK/thanos-part.err")"
exit $FAILED
