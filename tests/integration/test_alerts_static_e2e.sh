#!/usr/bin/env bash
# The static alert rules end to end, all real and on loopback, with an HA
# pair: burn_exporter.py <- Prometheus (scrapes it and two slo-sidecar
# replicas as job slo-sidecar every 1s, loads the chart's
# rules/slo-static-rules.yml, evaluates every 1s) <- slo-sidecar a and b
# (one config, interval 1s) ; Prometheus -> Alertmanager
# (deploy/alertmanager/alertmanager.yml, receivers pointed at
# webhook_receiver.py, timers shortened) -> /pager and /ticket.
#
# pay-fast burns: Prometheus holds exactly one SLOErrorBudgetBurnPage for it
# (not one per replica), with severity critical, the SLO's labels and job,
# and no instance; it reaches the pager receiver, the exhausted budget the
# ticket receiver (warning), and the page resolves when the burn stops.
# Then replica b stops: SLOSidecarDown (valued 1) reaches the ticket
# receiver, while the SLO alerts stay one per SLO. Nothing else fires: no
# stale figures, backend down, refused config or missing figures.
#
# The rules are the chart's file as it is, but for their `for:` durations,
# cut to 10s so that the test takes seconds (promtool tests them as they are:
# tests/rules/static/).
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
root=$(cd "$HERE/../.." && pwd)
d="$WORK/static-e2e"
mkdir -p "$d"
PIDS=()
cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}" 5; done
}
trap cleanup EXIT
show_logs() {
    for f in sidecar-a.log sidecar-b.log prometheus.log alertmanager.log; do
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
A_PORT=$(free_port)
B_PORT=$(free_port)
PROM_PORT=$(free_port)
AM_PORT=$(free_port)
RCV_PORT=$(free_port)
PROM="http://127.0.0.1:$PROM_PORT"
AM="http://127.0.0.1:$AM_PORT"
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
    objective: 99
    period: 1h
    labels: {team: payments}
    sli:
      events:
        error: 'burn_requests_total{svc="pay",code="500"}'
        total: 'burn_requests_total{svc="pay"}'
    alerting:
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

sed -E 's/^( *)for: [0-9]+m$/\1for: 10s/' "$root/helm/slo-sidecar/rules/slo-static-rules.yml" > "$d/rules.yml"
fors=$(grep -c 'for: 10s' "$d/rules.yml")
if [ "$fors" = 5 ] && ! grep -q 'for: [0-9]*m' "$d/rules.yml" \
        && promtool check rules "$d/rules.yml" > "$d/rules.check" 2>&1; then
    ok "the static rules with for: 10s: $(grep -o 'SUCCESS.*' "$d/rules.check")"
else
    bad "could not shorten the static rules' for: ($fors of 5)"; cat "$d/rules.check"
    exit 1
fi

sed -e "s#http://pager.example.invalid/slo-sidecar#http://127.0.0.1:$RCV_PORT/pager#" \
    -e "s#http://tickets.example.invalid/slo-sidecar#http://127.0.0.1:$RCV_PORT/ticket#" \
    -e 's/^\(  *\)group_wait: .*/\1group_wait: 1s/' \
    -e 's/^\(  *\)group_interval: .*/\1group_interval: 1s/' \
    -e 's/^\(  *\)repeat_interval: .*/\1repeat_interval: 1h/' \
    "$root/deploy/alertmanager/alertmanager.yml" > "$d/alertmanager.yml"
if [ "$(grep -c "127.0.0.1:$RCV_PORT/" "$d/alertmanager.yml")" = 2 ] \
        && amtool check-config "$d/alertmanager.yml" > "$d/amtool.txt" 2>&1; then
    ok "deploy/alertmanager/alertmanager.yml with test receivers and timers: amtool check-config"
else
    bad "could not point the example routing tree at the test receiver"; cat "$d/amtool.txt"
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
    static_configs:
      - targets: ["127.0.0.1:$A_PORT"]
        labels: {pod: slo-sidecar-a}
      - targets: ["127.0.0.1:$B_PORT"]
        labels: {pod: slo-sidecar-b}
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
curl -s -m 5 "$EXP/set?svc=pay&error_ratio=0" > /dev/null
curl -s -m 5 "$EXP/set?svc=shop&error_ratio=0" > /dev/null
wait_http "$AM/-/ready" 30 $am_pid || { bad "Alertmanager not ready"; show_logs; exit 1; }
wait_http "$PROM/-/ready" 30 $prom_pid || { bad "Prometheus not ready"; show_logs; exit 1; }
"$BIN" --config.file="$d/slos.yaml" --web.listen-address="127.0.0.1:$A_PORT" > "$d/sidecar-a.log" 2>&1 &
PIDS+=($!)
a_pid=$!
"$BIN" --config.file="$d/slos.yaml" --web.listen-address="127.0.0.1:$B_PORT" > "$d/sidecar-b.log" 2>&1 &
PIDS+=($!)
b_pid=$!
wait_http "http://127.0.0.1:$A_PORT/-/ready" 30 $a_pid && wait_http "http://127.0.0.1:$B_PORT/-/ready" 30 $b_pid \
    || { bad "slo-sidecar replicas not ready"; show_logs; exit 1; }
ok "exporter, receiver, Alertmanager, Prometheus and two slo-sidecar replicas are up"

# Both replicas' figures of both SLOs in Prometheus before anything burns.
n=0
for _ in $(seq 100); do
    n=$(promq 'count(slo_burn_rate{window="5m"})' | awk '{print $1}')
    [ "${n:-0}" = 4 ] && break
    sleep 0.2
done
[ "${n:-0}" = 4 ] && ok "Prometheus scrapes the burn rates of both SLOs from both replicas" \
    || { bad "Prometheus has $n of the 4 burn rates"; show_logs; exit 1; }
sleep 4
if [ ! -s "$log" ]; then
    ok "no notification while both SLOs are healthy and both replicas up (no SLOSidecarDown, no stale figures)"
else
    bad "notifications before any burn:"; python3 "$HERE/check_alerts.py" dump "$log"
fi

t_burn=$(date +%s.%N)
curl -s -m 5 "$EXP/set?svc=pay&error_ratio=0.5" > /dev/null
echo "  pay: error ratio 0.5 from now on"
if python3 "$HERE/check_alerts.py" wait "$log" /pager firing alertname=SLOErrorBudgetBurnPage \
        slo=pay-fast service=pay severity=critical team=payments cluster=e2e job=slo-sidecar \
        --timeout 40 --since "$t_burn"; then
    ok "the page alert reached the pager receiver, severity critical, with the SLO's labels"
else
    bad "no page for pay-fast"; show_logs
fi
# One alert in Prometheus for the two replicas, without instance or pod.
alerts=$(promq 'ALERTS{alertname="SLOErrorBudgetBurnPage",alertstate="firing"}')
firing=$(promq 'slo_alert_firing{slo="pay-fast",severity="page"}' | awk '{print $1}' | tr '\n' ' ')
if [ "$(echo "$alerts" | grep -c '"slo": "pay-fast"')" = 1 ] && ! echo "$alerts" | grep -q '"instance"\|"pod"' \
        && [ "$firing" = "1 1 " ]; then
    ok "both replicas' slo_alert_firing are 1 and Prometheus holds one SLOErrorBudgetBurnPage, without instance or pod"
else
    bad "Prometheus alerts: ${alerts:-none}; slo_alert_firing of the replicas: ${firing:-absent}"
fi
python3 - "$log" <<'PY' && ok "the page's description quotes the burn rate and the remaining budget" || bad "the page's description"
import json, re, sys
for line in open(sys.argv[1]):
    b = json.loads(line).get("body") or {}
    for a in b.get("alerts", []):
        if a["labels"].get("alertname") == "SLOErrorBudgetBurnPage":
            d = a["annotations"].get("description", "")
            m = re.search(r"Burn rate over 1h: ([0-9.e+]+); error budget remaining: (-?[0-9.e+]+)%", d)
            print("    " + d)
            sys.exit(0 if m and "runbook_url" in a["annotations"] else 1)
sys.exit(1)
PY
if python3 "$HERE/check_alerts.py" wait "$log" /ticket firing alertname=SLOErrorBudgetExhausted \
        slo=pay-fast service=pay severity=warning --timeout 20 --since "$t_burn"; then
    ok "the exhausted budget reached the ticket receiver, severity warning"
else
    bad "no ticket for pay-fast's exhausted budget"
fi

t_stop=$(date +%s.%N)
curl -s -m 5 "$EXP/set?svc=pay&error_ratio=0" > /dev/null
echo "  pay: no errors from now on"
if python3 "$HERE/check_alerts.py" wait "$log" /pager resolved alertname=SLOErrorBudgetBurnPage \
        slo=pay-fast service=pay severity=critical --timeout 45 --since "$t_stop"; then
    ok "the pager receiver got the page resolved"
else
    bad "the page did not resolve"; show_logs
fi

# Replica b goes away: one SLOSidecarDown, valued 1, to the ticket receiver.
t_down=$(date +%s.%N)
stop_pid "$b_pid" 5
echo "  replica b stopped"
if python3 "$HERE/check_alerts.py" wait "$log" /ticket firing alertname=SLOSidecarDown \
        job=slo-sidecar severity=warning --timeout 30 --since "$t_down"; then
    ok "SLOSidecarDown reached the ticket receiver"
else
    bad "no SLOSidecarDown for the stopped replica"; show_logs
fi
down=$(promq 'ALERTS{alertname="SLOSidecarDown",alertstate="firing"}')
value=$(promq 'count without (instance, pod) (up{job="slo-sidecar"} == 0)' | awk '{print $1}')
[ "$(echo "$down" | grep -c SLOSidecarDown)" = 1 ] && [ "$value" = 1 ] \
    && ok "one SLOSidecarDown, for 1 replica down" || bad "SLOSidecarDown: ${down:-none}, value ${value:-none}"
exhausted=$(promq 'ALERTS{alertname="SLOErrorBudgetExhausted",slo="pay-fast"}' | grep -c pay-fast)
[ "$exhausted" = 1 ] && ok "SLOErrorBudgetExhausted still one alert, from replica a alone" \
    || bad "SLOErrorBudgetExhausted for pay-fast: $exhausted alerts"

for a in SLOFiguresStale SLOSidecarBackendDown SLOSidecarConfigReloadFailed SLOSidecarFiguresMissing; do
    if python3 "$HERE/check_alerts.py" none "$log" alertname=$a; then
        ok "no $a"
    else
        bad "$a was sent"
    fi
done
python3 "$HERE/check_alerts.py" none "$log" slo=shop-healthy && ok "shop-healthy delivered nothing" \
    || bad "shop-healthy was notified"
echo "  all notifications:"
python3 "$HERE/check_alerts.py" dump "$log"
exit $FAILED
