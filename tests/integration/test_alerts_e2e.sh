#!/usr/bin/env bash
# Alerts end to end, all real and on loopback: burn_exporter.py (traffic whose
# error rate the test switches) <- Prometheus (scrapes it and the sidecar
# every 1s, loads `slo-sidecar rules`, evaluates every 1s) <- slo-sidecar
# (interval 1s) ; Prometheus -> Alertmanager (deploy/alertmanager/
# alertmanager.yml with the receiver URLs pointed at webhook_receiver.py and
# the timers shortened) -> /pager and /ticket.
#
# pay-fast burns when the test says so: its page alert reaches the pager
# receiver with slo, service, severity and the SLO's labels, and the
# description shows the burn rate and remaining budget; the sidecar's own
# slo_alert_firing agrees with Prometheus' alert; the exhausted budget goes to
# the ticket receiver; when the burn stops the pager receives the alert
# resolved. shop-healthy never burns and delivers nothing.
#
# pay-fast's alert table uses windows of seconds (page: burn over 1m and 10s
# above 14.4), so the alert fires and resolves within the test; the rules,
# labels and routing are those of any SLO.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
root=$(cd "$HERE/../.." && pwd)
d="$WORK/e2e"
mkdir -p "$d"
PIDS=()
cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}" 5; done
}
trap cleanup EXIT
show_logs() {
    for f in sidecar.log prometheus.log alertmanager.log; do
        echo "  $f (last 5 lines):"
        tail -n 5 "$d/$f" 2>/dev/null | sed 's/^/    /'
    done
}
# promq QUERY: the instant query's result, one line per series: "VALUE LABELS".
promq() {
    curl -s -m 5 "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(r["value"][1], json.dumps(r["metric"], sort_keys=True))' 2>/dev/null
}

EXP_PORT=$(free_port)
SIDE_PORT=$(free_port)
PROM_PORT=$(free_port)
AM_PORT=$(free_port)
RCV_PORT=$(free_port)
PROM="http://127.0.0.1:$PROM_PORT"
AM="http://127.0.0.1:$AM_PORT"
SIDE="http://127.0.0.1:$SIDE_PORT"
EXP="http://127.0.0.1:$EXP_PORT"
log="$d/notifications.jsonl"

cat > "$d/slos.yaml" <<EOF
global:
  interval: 1s
  prometheus: {url: "$PROM", mode: promql, timeout: 5s}
  labels: {cluster: e2e}
slos:
  - name: pay-fast
    service: pay
    description: Payments that succeed
    objective: 99
    period: 1h
    labels: {team: payments}
    sli:
      events:
        error: 'burn_requests_total{svc="pay",code="500"}'
        total: 'burn_requests_total{svc="pay"}'
    alerting:
      runbook_url: https://runbooks.example.com/pay-fast
      windows:
        - {severity: page, long: 1m, short: 10s, factor: 14.4}
  - name: shop-healthy
    service: shop
    objective: 99
    period: 30d
    sli:
      events:
        error: 'burn_requests_total{svc="shop",code="500"}'
        total: 'burn_requests_total{svc="shop"}'
EOF
if "$BIN" rules --config.file="$d/slos.yaml" > "$d/rules.yml" 2> "$d/rules.err" \
        && promtool check rules "$d/rules.yml" > "$d/rules.check" 2>&1; then
    ok "rules for the e2e SLOs: $(grep -o 'SUCCESS.*' "$d/rules.check")"
else
    bad "rules for the e2e SLOs:"; cat "$d/rules.err" "$d/rules.check"
    exit 1
fi

# The example routing tree, pointed at our receiver, with test timers.
sed -e "s#http://pager.example.invalid/slo-sidecar#http://127.0.0.1:$RCV_PORT/pager#" \
    -e "s#http://tickets.example.invalid/slo-sidecar#http://127.0.0.1:$RCV_PORT/ticket#" \
    -e 's/^\(  *\)group_wait: .*/\1group_wait: 1s/' \
    -e 's/^\(  *\)group_interval: .*/\1group_interval: 1s/' \
    -e 's/^\(  *\)repeat_interval: .*/\1repeat_interval: 1h/' \
    "$root/deploy/alertmanager/alertmanager.yml" > "$d/alertmanager.yml"
n=$(grep -c "127.0.0.1:$RCV_PORT/" "$d/alertmanager.yml")
w=$(grep -c 'group_wait: 1s' "$d/alertmanager.yml")
if [ "$n" = 2 ] && [ "$w" = 1 ] && amtool check-config "$d/alertmanager.yml" > "$d/amtool.txt" 2>&1; then
    ok "deploy/alertmanager/alertmanager.yml with test receivers and timers: amtool check-config"
else
    bad "could not point the example routing tree at the test receiver ($n URLs, $w group_wait)"
    cat "$d/amtool.txt"
    exit 1
fi

cat > "$d/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$d/rules.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$AM_PORT"]}]
scrape_configs:
  - job_name: burn
    static_configs: [{targets: ["127.0.0.1:$EXP_PORT"]}]
  - job_name: slo-sidecar
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$SIDE_PORT"]}]
EOF

python3 "$HERE/webhook_receiver.py" "$RCV_PORT" "$log" &
PIDS+=($!)
python3 "$HERE/burn_exporter.py" "$EXP_PORT" &
PIDS+=($!)
prometheus-alertmanager --config.file="$d/alertmanager.yml" --storage.path="$d/am-data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=warn \
    > "$d/alertmanager.log" 2>&1 &
PIDS+=($!)
am_pid=$!
prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn > "$d/prometheus.log" 2>&1 &
PIDS+=($!)
prom_pid=$!
wait_listen "$EXP_PORT" 10 && wait_listen "$RCV_PORT" 10 || { bad "helpers did not start"; exit 1; }
# Both services at the steady rate, no errors yet.
curl -s -m 5 "$EXP/set?svc=pay&error_ratio=0" > /dev/null
curl -s -m 5 "$EXP/set?svc=shop&error_ratio=0" > /dev/null
wait_http "$AM/-/ready" 30 $am_pid || { bad "Alertmanager not ready"; show_logs; exit 1; }
wait_http "$PROM/-/ready" 30 $prom_pid || { bad "Prometheus not ready"; show_logs; exit 1; }
"$BIN" --config.file="$d/slos.yaml" --web.listen-address="127.0.0.1:$SIDE_PORT" \
    > "$d/sidecar.log" 2>&1 &
PIDS+=($!)
side_pid=$!
wait_http "$SIDE/-/ready" 30 $side_pid || { bad "slo-sidecar not ready"; show_logs; exit 1; }
ok "exporter, receiver, Alertmanager, Prometheus and slo-sidecar are up"

# Healthy traffic until Prometheus holds the sidecar's burn rates of both SLOs
# over the short window (its rules have data to work on).
n=0
for _ in $(seq 100); do
    n=$(promq 'count(slo_burn_rate{window="5m"})' | awk '{print $1}')
    [ "${n:-0}" = 2 ] && break
    sleep 0.2
done
[ "${n:-0}" = 2 ] && ok "Prometheus scrapes the sidecar's burn rates of both SLOs" \
    || { bad "Prometheus has $n of the 2 burn rates"; show_logs; exit 1; }
sleep 3
if [ ! -s "$log" ]; then
    ok "no notification while both SLOs are healthy"
else
    bad "notifications before any burn:"; python3 "$HERE/check_alerts.py" dump "$log"
fi

# pay-fast burns: half of its requests fail (burn rate 50 for objective 99).
t_burn=$(date +%s.%N)
curl -s -m 5 "$EXP/set?svc=pay&error_ratio=0.5" > /dev/null
echo "  pay: error ratio 0.5 from now on"
if python3 "$HERE/check_alerts.py" wait "$log" /pager firing alertname=SLOErrorBudgetBurnPage \
        slo=pay-fast service=pay severity=critical team=payments cluster=e2e --timeout 40 \
        --since "$t_burn"; then
    ok "the page alert reached the pager receiver with slo, service, severity and the SLO's labels"
else
    bad "no page for pay-fast"; show_logs
fi
python3 - "$log" <<'PY' && ok "the page's description shows the burn rate, the remaining budget and the runbook" || bad "the page's annotations"
import json, re, sys
for line in open(sys.argv[1]):
    b = json.loads(line).get("body") or {}
    for a in b.get("alerts", []):
        if a["labels"].get("alertname") == "SLOErrorBudgetBurnPage":
            d = a["annotations"].get("description", "")
            m = re.search(r"burning its error budget at ([0-9.e+]+) times", d)
            r = re.search(r"Error budget remaining: (-?[0-9.e+]+)%", d)
            # humanize rounds to 4 significant digits, so a burn rate just
            # past the 14.4 threshold prints as 14.4.
            ok = (m and float(m.group(1)) >= 14.4 and r and float(r.group(1)) < 100
                  and a["annotations"].get("runbook_url") == "https://runbooks.example.com/pay-fast"
                  and b.get("groupLabels") == {"slo": "pay-fast", "service": "pay"})
            print("    burn rate %s, remaining %s%%, groupLabels %s" % (
                m and m.group(1), r and r.group(1), b.get("groupLabels")))
            sys.exit(0 if ok else 1)
sys.exit(1)
PY
# Prometheus' alert and the sidecar's own decision (slo_alert_firing) agree.
alerts=$(promq 'ALERTS{alertname="SLOErrorBudgetBurnPage",alertstate="firing"}')
firing=$(promq 'slo_alert_firing{slo="pay-fast",severity="page"}' | awk '{print $1}')
if echo "$alerts" | grep -q '"slo": "pay-fast"' && [ "$firing" = 1 ]; then
    ok "Prometheus fires SLOErrorBudgetBurnPage for pay-fast and the sidecar's slo_alert_firing is 1"
else
    bad "Prometheus alerts: ${alerts:-none}; slo_alert_firing: ${firing:-absent}"
fi
if python3 "$HERE/check_alerts.py" wait "$log" /ticket firing alertname=SLOErrorBudgetExhausted \
        slo=pay-fast service=pay severity=warning --timeout 20 --since "$t_burn"; then
    ok "the exhausted budget reached the ticket receiver"
else
    bad "no ticket for pay-fast's exhausted budget"
fi

# The burn stops: the 10s window clears, the page resolves.
t_stop=$(date +%s.%N)
curl -s -m 5 "$EXP/set?svc=pay&error_ratio=0" > /dev/null
echo "  pay: no errors from now on"
if python3 "$HERE/check_alerts.py" wait "$log" /pager resolved alertname=SLOErrorBudgetBurnPage \
        slo=pay-fast service=pay severity=critical --timeout 45 --since "$t_stop"; then
    ok "the pager receiver got the page resolved"
else
    bad "the page did not resolve"; show_logs
fi
firing=$(promq 'slo_alert_firing{slo="pay-fast",severity="page"}' | awk '{print $1}')
[ "$firing" = 0 ] && ok "slo_alert_firing for pay-fast is back to 0" \
    || bad "slo_alert_firing for pay-fast: ${firing:-absent}"

if python3 "$HERE/check_alerts.py" none "$log" slo=shop-healthy; then
    ok "shop-healthy delivered nothing"
else
    bad "shop-healthy was notified"
fi
if python3 "$HERE/check_alerts.py" none "$log" alertname=SLOFiguresStale; then
    ok "no stale-figures alert"
else
    bad "stale-figures alerts were sent"
fi
echo "  all notifications:"
python3 "$HERE/check_alerts.py" dump "$log"
exit $FAILED
