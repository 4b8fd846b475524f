#!/usr/bin/env bash
# group_by in promql mode: one SLO instance per label value, each equal to
# Prometheus's own answer for that group, with the group labels on its series.
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
exit $FAILED
