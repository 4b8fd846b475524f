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
. "$HERE/alerts_lib.sh"
FAILED=0
alerts_init "$WORK/e2e"
SIDE_PORT=$(free_port)
SIDE="http://127.0.0.1:$SIDE_PORT"

alerts_slos "Payments that succeed" https://runbooks.example.com/pay-fast
if "$BIN" rules --config.file="$d/slos.yaml" > "$d/rules.yml" 2> "$d/rules.err" \
        && promtool check rules "$d/rules.yml" > "$d/rules.check" 2>&1; then
    ok "rules for the e2e SLOs: $(grep -o 'SUCCESS.*' "$d/rules.check")"
else
    bad "rules for the e2e SLOs:"; cat "$d/rules.err" "$d/rules.check"
    exit 1
fi

# The example routing tree, pointed at our receiver, with test timers.
alerts_alertmanager
alerts_prometheus "$SIDE_PORT"
# Both services at the steady rate, no errors yet; then the sidecar.
alerts_start
alerts_sidecar sidecar "$SIDE_PORT"
wait_http "$SIDE/-/ready" 30 "$SIDECAR_PID" || { bad "slo-sidecar not ready"; alerts_show_logs; exit 1; }
ok "exporter, receiver, Alertmanager, Prometheus and slo-sidecar are up"

# Healthy traffic until Prometheus holds the sidecar's burn rates of both SLOs
# over the short window (its rules have data to work on).
alerts_wait_burn_rates 2 "Prometheus scrapes the sidecar's burn rates of both SLOs"
alerts_quiet 3 "no notification while both SLOs are healthy"

# pay-fast burns: half of its requests fail (burn rate 50 for objective 99).
alerts_burn
alerts_expect "the page alert reached the pager receiver with slo, service, severity and the SLO's labels" \
    "no page for pay-fast" /pager firing alertname=SLOErrorBudgetBurnPage \
    slo=pay-fast service=pay severity=critical team=payments cluster=e2e --timeout 40 --since "$t_burn"
# The first page's annotations and group labels.
python3 "$HERE/check_alerts.py" first "$log" alertname=SLOErrorBudgetBurnPage | python3 -c '
import json, re, sys
a = json.load(sys.stdin)
d = a["annotations"].get("description", "")
m = re.search(r"burning its error budget at ([0-9.e+]+) times", d)
r = re.search(r"Error budget remaining: (-?[0-9.e+]+)%", d)
# humanize rounds to 4 significant digits, so a burn rate just
# past the 14.4 threshold prints as 14.4.
ok = (m and float(m.group(1)) >= 14.4 and r and float(r.group(1)) < 100
      and a["annotations"].get("runbook_url") == "https://runbooks.example.com/pay-fast"
      and a["groupLabels"] == {"slo": "pay-fast", "service": "pay"})
print("    burn rate %s, remaining %s%%, groupLabels %s" % (
    m and m.group(1), r and r.group(1), a["groupLabels"]))
sys.exit(0 if ok else 1)' && ok "the page's description shows the burn rate, the remaining budget and the runbook" \
    || bad "the page's annotations"
# Prometheus' alert and the sidecar's own decision (slo_alert_firing) agree.
alerts=$(promq "$PROM" 'ALERTS{alertname="SLOErrorBudgetBurnPage",alertstate="firing"}')
firing=$(promq "$PROM" 'slo_alert_firing{slo="pay-fast",severity="page"}' | awk '{print $1}')
if echo "$alerts" | grep -q '"slo": "pay-fast"' && [ "$firing" = 1 ]; then
    ok "Prometheus fires SLOErrorBudgetBurnPage for pay-fast and the sidecar's slo_alert_firing is 1"
else
    bad "Prometheus alerts: ${alerts:-none}; slo_alert_firing: ${firing:-absent}"
fi
alerts_expect "the exhausted budget reached the ticket receiver" "no ticket for pay-fast's exhausted budget" \
    /ticket firing alertname=SLOErrorBudgetExhausted slo=pay-fast service=pay severity=warning \
    --timeout 20 --since "$t_burn"

# The burn stops: the 10s window clears, the page resolves.
alerts_stop_burn
firing=$(promq "$PROM" 'slo_alert_firing{slo="pay-fast",severity="page"}' | awk '{print $1}')
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
