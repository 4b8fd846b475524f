#!/usr/bin/env bash
# The Thanos set-up, with faultproxy.py standing in for a querier before the
# test Prometheus (Debian has no Thanos package), in both modes that work
# through the querier's HTTP API:
#  - promql: the figures equal those against Prometheus directly, and every
#    query asks for partial_response=false;
#  - api_read (raw samples through /api/v1/query): the JSON equals api_read
#    against Prometheus directly, and every query asks for
#    partial_response=false and max_source_resolution=0s (a querier may
#    otherwise answer from downsampled blocks, which exact counting cannot use).
# remote_read mode gets the "not supported" message for the querier's 404. In
# both modes, with a store down the querier's 422 is reported (exit 2), and a
# querier that answers partially anyway (a "warnings" array) is not believed:
# exit 2 naming the warning, never figures from part of the data.
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
# stat KEY: the proxy's count of KEY (0 when absent).
stat() {
    curl -s -m 5 "http://127.0.0.1:$ctl/stats" |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}
# The proxy's threads print their lines concurrently, and print() writes the
# newline apart from the text: two lines can share one. Occurrences, not lines.
queries() { grep -o ' thanos POST /api/v1/query ' "$WORK/thanos-proxy.log" | wc -l; }
# carried WHAT Q0 KEY N0 [KEY N0...]: every query since the proxy's log held Q0
# queries carried each KEY (whose count was N0 then). The proxy counts a query
# before answering it and logs it after, so the two are compared once they agree
# or two seconds have passed.
carried() {
    local what=$1 q0=$2 q n k i j tries=0 good
    shift 2
    while :; do
        q=$(( $(queries) - q0 ))
        good=1
        for ((i = 1; i <= $#; i += 2)); do
            k=${!i}
            j=$((i + 1))
            n=$(( $(stat "$k") - ${!j} ))
            [ "$n" = "$q" ] || good=0
        done
        [ $good = 1 ] || [ $tries -ge 20 ] && break
        tries=$((tries + 1))
        sleep 0.1
    done
    for ((i = 1; i <= $#; i += 2)); do
        k=${!i}
        j=$((i + 1))
        n=$(( $(stat "$k") - ${!j} ))
        [ "$q" -ge 1 ] && [ "$n" = "$q" ] && ok "$what: all $q queries asked for $k" \
            || bad "$what: $n of $q queries asked for $k"
    done
}

# The test SLOs. The time-slice one reads its gauge's raw samples even in
# promql mode, so those reads too must ask for raw resolution.
python3 - "$HERE/slos.yaml.tmpl" "$WORK/thanos-direct.yaml" "$WORK/thanos.yaml" \
    "$WORK/thanos-rr.yaml" "$PROM_URL" "$PX" <<'PY'
import re, sys
tmpl, direct, via, rr, prom, px = sys.argv[1:]
text = open(tmpl).read()
head, sep, rest = text.partition("slos:\n")
items = re.split(r"(?m)^(?=  - name: )", rest)
open(direct, "w").write((head + sep + "".join(items)).replace("@URL@", prom))
open(via, "w").write((head + sep + "".join(items)).replace("@URL@", px))
# remote_read: the SLOs it can read (not the free PromQL one).
text = head.replace("mode: promql", "mode: remote_read") + sep + "".join(
    i for i in items if "promql:" not in i)
open(rr, "w").write(text.replace("@URL@", px))
PY
# api_read: the six SLOs of slos-rr.yaml.tmpl, the time-slice one included.
for t in direct:"$PROM_URL" via:"$PX"; do
    sed -e "s#@URL@#${t#*:}#g" -e 's/mode: remote_read/mode: api_read/' -e '/read_response:/d' \
        "$HERE/slos-rr.yaml.tmpl" > "$WORK/thanos-api-${t%%:*}.yaml"
done

mode thanos
"$BIN" eval --config.file="$WORK/thanos-direct.yaml" --at="$END" > "$WORK/thanos-direct.json" \
    2> "$WORK/thanos-direct.err" || bad "eval against Prometheus failed: $(cat "$WORK/thanos-direct.err")"
q0=$(queries) p0=$(stat partial_response=false) m0=$(stat max_source_resolution=0s)
if "$BIN" eval --config.file="$WORK/thanos.yaml" --at="$END" --log.level=debug \
        > "$WORK/thanos.json" 2> "$WORK/thanos.err"; then
    if cmp -s "$WORK/thanos.json" "$WORK/thanos-direct.json"; then
        ok "promql through the querier: the same JSON as against Prometheus directly"
    else
        bad "promql through the querier differs from Prometheus directly"
    fi
else
    bad "eval through the querier failed: $(cat "$WORK/thanos.err")"
fi
carried promql "$q0" partial_response=false "$p0"
# The raw reads are the bare range selectors (SELECTOR[Nms]) in the debug log.
raw=$(grep -cE 'msg="promql query[^"]*" query=.*\[[0-9]+ms\]" took=' "$WORK/thanos.err")
m=$(( $(stat max_source_resolution=0s) - m0 ))
[ "$raw" -ge 1 ] && [ "$m" = "$raw" ] \
    && ok "promql: the $raw raw reads of the time-slice gauge asked for max_source_resolution=0s" \
    || bad "promql: $m queries asked for max_source_resolution=0s, the log shows $raw raw reads"

"$BIN" eval --config.file="$WORK/thanos-api-direct.yaml" --at="$END" --format=json \
    > "$WORK/thanos-api-direct.json" 2> "$WORK/thanos-api-direct.err" ||
    bad "api_read against Prometheus failed: $(head -c 600 "$WORK/thanos-api-direct.err")"
q0=$(queries) p0=$(stat partial_response=false) m0=$(stat max_source_resolution=0s)
if "$BIN" eval --config.file="$WORK/thanos-api-via.yaml" --at="$END" --format=json \
        > "$WORK/thanos-api.json" 2> "$WORK/thanos-api.err"; then
    if [ -s "$WORK/thanos-api.json" ] && cmp -s "$WORK/thanos-api.json" "$WORK/thanos-api-direct.json"; then
        ok "api_read through the querier: the same JSON as against Prometheus directly" \
            "($(wc -c < "$WORK/thanos-api.json") bytes)"
    else
        bad "api_read through the querier differs from Prometheus directly:" \
            "$(diff "$WORK/thanos-api.json" "$WORK/thanos-api-direct.json" | head -c 400)"
    fi
else
    bad "api_read through the querier failed: $(head -c 600 "$WORK/thanos-api.err")"
fi
carried api_read "$q0" partial_response=false "$p0" max_source_resolution=0s "$m0"

"$BIN" eval --config.file="$WORK/thanos-rr.yaml" --at="$END" > "$WORK/thanos-rr.out" 2> "$WORK/thanos-rr.err"
rc=$?
want="remote_read is not supported by $PX/api/v1/read (HTTP 404); use mode: api_read"
[ $rc = 2 ] && grep -qF "$want" "$WORK/thanos-rr.err" && [ ! -s "$WORK/thanos-rr.out" ] \
    && ok "remote_read: exit 2: $want" || bad "remote_read: exit $rc: $(head -c 300 "$WORK/thanos-rr.err")"

# refused NAME CONFIG PATTERN WHAT: eval exits 2 with PATTERN on stderr and
# prints nothing: the fault reached the sidecar as a failure, not as figures.
refused() {
    "$BIN" eval --config.file="$2" --at="$END" --format=json > "$WORK/$1.out" 2> "$WORK/$1.err"
    local rc=$?
    [ $rc = 2 ] && grep -q "$3" "$WORK/$1.err" && [ ! -s "$WORK/$1.out" ] \
        && ok "$4: exit 2: $(head -1 "$WORK/$1.err")" \
        || bad "$4: exit $rc, stdout $(wc -c < "$WORK/$1.out") bytes: $(head -c 300 "$WORK/$1.err")"
}
mode thanos-down
down='HTTP 422: execution: .*No StoreAPIs matched for this query'
refused thanos-down "$WORK/thanos.yaml" "$down" "promql, a store down"
refused thanos-api-down "$WORK/thanos-api-via.yaml" "$down" "api_read, a store down"

mode thanos-partial
part='the store answered with a warning, so its data may be partial; not used: "No StoreAPIs matched for this query"'
refused thanos-part "$WORK/thanos.yaml" "$part" "promql, a partial answer"
refused thanos-api-part "$WORK/thanos-api-via.yaml" "$part" "api_read, a partial answer"
exit $FAILED
