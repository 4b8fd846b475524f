#!/usr/bin/env bash
# group_by in promql mode: one SLO instance per label value, each equal to
# Prometheus's own answer for that group, with the group labels on its series.
# Then remote_read and api_read modes: each group equals the exact counts
# computed here from Prometheus's raw samples (JSON API), the incremental
# path (eval --until) ends with the same figures as a one-shot eval, and
# both modes print the same JSON.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
cfg="$WORK/grouped.yaml"
cat > "$cfg" <<EOF2
global:
  prometheus: {url: '$PROM_URL', timeout: 20s}
slos:
  - name: checkout-by-instance
    service: checkout
    objective: 99.9
    period: 3d
    group_by: [instance]
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
EOF2
if ! "$BIN" eval --config.file="$cfg" --at="$END" > "$WORK/grouped.json" 2> "$WORK/grouped.err"; then
    bad "eval failed: $(cat "$WORK/grouped.err")"
    exit 1
fi
python3 - "$WORK/grouped.json" "$PROM_URL" "$END" <<'PY' || FAILED=1
import json, sys, urllib.parse, urllib.request
ev, url, T = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
def q(expr):
    data = urllib.parse.urlencode({"query": expr, "time": T}).encode()
    res = json.load(urllib.request.urlopen(url + "/api/v1/query", data))["data"]["result"]
    return float(res[0]["value"][1]) if res else 0.0
groups = sorted(s["group"]["instance"] for s in ev["slos"])
fails = 0
if groups != ["a", "b"]:
    print("  FAIL: groups %s, expected a and b" % groups); fails += 1
for s in ev["slos"]:
    i = s["group"]["instance"]
    for w in ("5m", "1h", "1d", "3d"):
        tot = q('sum(increase(http_requests_total{job="checkout",instance="%s"}[%s]))' % (i, w))
        bad = q('sum(increase(http_requests_total{job="checkout",code=~"5..",instance="%s"}[%s]))'
                % (i, w))
        f = s["windows"][w]
        if abs(f["total"] - tot) > 1e-9 * tot or abs(f["bad"] - bad) > 1e-9 * max(bad, 1):
            print("  FAIL: instance %s %s: eval %s/%s, Prometheus %s/%s" % (i, w, f["bad"],
                  f["total"], bad, tot)); fails += 1
    print("  ok: instance %s: 4 windows equal Prometheus per group (1h total %.1f)" % (
        i, s["windows"]["1h"]["total"]))
sys.exit(1 if fails else 0)
PY
port=$(free_port)
sed -i 's/^global:/global:\n  interval: 2s/' "$cfg"
"$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" > "$WORK/grouped.log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$port/-/ready" 60 || bad "grouped daemon never ready"
curl -s "http://127.0.0.1:$port/metrics" > "$WORK/grouped-metrics.txt"
kill $pid; wait $pid 2>/dev/null
for i in a b; do
    grep -q "^slo_sli_ratio{instance=\"$i\",service=\"checkout\",slo=\"checkout-by-instance\",window=\"1h\"} " \
        "$WORK/grouped-metrics.txt" && ok "/metrics: slo_sli_ratio with instance=\"$i\"" \
        || bad "/metrics: no slo_sli_ratio for instance $i"
done
promtool check metrics < "$WORK/grouped-metrics.txt" > /dev/null 2>&1 && ok "promtool check metrics" \
    || bad "promtool check metrics on grouped series"

# The exact modes (remote_read, api_read: one engine, two transports): exact
# counts per group, and the incremental path ends where a one-shot eval is.
for mode in remote_read api_read; do
rcfg="$WORK/grouped-$mode.yaml"
sed "s/^  prometheus: {url: \(.*\), timeout: 20s}/  prometheus: {url: \1, timeout: 20s, mode: $mode}/" "$cfg" > "$rcfg"
grep -q "mode: $mode" "$rcfg" || bad "could not switch $rcfg to $mode"
if "$BIN" eval --config.file="$rcfg" --at="$END" > "$WORK/grouped-$mode.json" 2> "$WORK/grouped-$mode.err"; then
    python3 "$HERE/check_grouped.py" "$mode" "$PROM_URL" "$WORK/grouped-$mode.json" || FAILED=1
else
    bad "$mode grouped eval failed: $(cat "$WORK/grouped-$mode.err")"
fi
"$BIN" eval --config.file="$rcfg" --at=$((END - 3600)) --until="$END" > "$WORK/grouped-$mode.jsonl" \
    2> "$WORK/grouped-$mode-until.err" || bad "eval --until failed: $(head -c 300 "$WORK/grouped-$mode-until.err")"
if python3 - "$WORK/grouped-$mode.jsonl" "$WORK/grouped-$mode.json" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
one = json.load(open(sys.argv[2]))
sys.exit(0 if last == one else 1)
PY
then
    ok "$mode incremental (eval --until, 121 steps) ends equal to a one-shot eval"
else
    bad "$mode incremental groups differ from a one-shot eval"
fi
done
cmp -s "$WORK/grouped-remote_read.json" "$WORK/grouped-api_read.json" \
    && ok "api_read prints what remote_read prints for the grouped SLO" \
    || bad "api_read and remote_read differ for the grouped SLO"

# max_groups: 1 keeps the first group in label order (instance="a"), in eval
# (with a warning) and in the daemon (logged once, counted on /metrics).
sed 's/    group_by: \[instance\]/    group_by: [instance]\n    max_groups: 1/' "$cfg" > "$WORK/grouped-max.yaml"
if "$BIN" eval --config.file="$WORK/grouped-max.yaml" --at="$END" > "$WORK/gmax.json" \
        2> "$WORK/gmax.err"; then
    got=$(python3 -c 'import json,sys; print(",".join(s["group"]["instance"] for s in json.load(open(sys.argv[1]))["slos"]))' "$WORK/gmax.json")
    [ "$got" = a ] && ok "max_groups 1: eval keeps instance a only" || bad "max_groups 1: groups $got"
    grep -q 'SLO checkout-by-instance: 2 groups, more than max_groups (1)' "$WORK/gmax.err" \
        && ok "eval warns: $(cat "$WORK/gmax.err")" || bad "no warning: $(cat "$WORK/gmax.err")"
else
    bad "eval with max_groups failed: $(cat "$WORK/gmax.err")"
fi
sed 's/^  interval: 2s$/  interval: 1s/' "$WORK/grouped-max.yaml" > "$WORK/grouped-max-d.yaml"
port=$(free_port)
"$BIN" --config.file="$WORK/grouped-max-d.yaml" --web.listen-address="127.0.0.1:$port" \
    > "$WORK/gmax-daemon.log" 2>&1 &
gpid=$!
if wait_http "http://127.0.0.1:$port/-/ready" 30 $gpid; then
    sleep 2.5
    curl -s "http://127.0.0.1:$port/metrics" > "$WORK/gmax.metrics"
    python3 - "$WORK/gmax.metrics" <<'PY' || FAILED=1
import re, sys
text = open(sys.argv[1]).read()
bad = 0
dropped = float(re.search(r"^slo_sidecar_groups_dropped_total (\S+)$", text, re.M).group(1))
over = float(re.search(r"^slo_sidecar_slos_over_group_limit (\S+)$", text, re.M).group(1))
inst = set(re.findall(r'^slo_\w+\{[^}]*instance="(\w+)"', text, re.M))
if dropped < 2 or over != 1 or inst != {"a"}:
    print("  FAIL: dropped %s, over %s, instances %s" % (dropped, over, inst)); bad = 1
else:
    print("  ok: daemon: only instance a published; groups dropped %g, SLOs over 1" % dropped)
sys.exit(bad)
PY
    n=$(grep -c 'msg="SLO has more groups than max_groups' "$WORK/gmax-daemon.log")
    [ "$n" = 1 ] && ok "the daemon logs it once" || bad "logged $n times"
else
    bad "daemon with max_groups not ready: $(tail -3 "$WORK/gmax-daemon.log")"
fi
stop_pid $gpid 5
exit $FAILED
