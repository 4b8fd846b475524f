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
. "$HERE/alerts_lib.sh"
FAILED=0
alerts_init "$WORK/static-e2e"
A_PORT=$(free_port)
B_PORT=$(free_port)

# shellcheck disable=SC2119 # pay-fast without description or runbook_url
alerts_slos

sed -E 's/^( *)for: [0-9]+m$/\1for: 10s/' "$root/helm/slo-sidecar/rules/slo-static-rules.yml" > "$d/rules.yml"
fors=$(grep -c 'for: 10s' "$d/rules.yml")
if [ "$fors" = 5 ] && ! grep -q 'for: [0-9]*m' "$d/rules.yml" \
        && promtool check rules "$d/rules.yml" > "$d/rules.check" 2>&1; then
    ok "the static rules with for: 10s: $(grep -o 'SUCCESS.*' "$d/rules.check")"
else
    bad "could not shorten the static rules' for: ($fors of 5)"; cat "$d/rules.check"
    exit 1
fi

alerts_alertmanager
alerts_prometheus "$A_PORT:slo-sidecar-a" "$B_PORT:slo-sidecar-b"
alerts_start
alerts_sidecar sidecar-a "$A_PORT"
a_pid=$SIDECAR_PID
alerts_sidecar sidecar-b "$B_PORT"
b_pid=$SIDECAR_PID
wait_http "http://127.0.0.1:$A_PORT/-/ready" 30 $a_pid && wait_http "http://127.0.0.1:$B_PORT/-/ready" 30 $b_pid \
    || { bad "slo-sidecar replicas not ready"; alerts_show_logs; exit 1; }
ok "exporter, receiver, Alertmanager, Prometheus and two slo-sidecar replicas are up"

# Both replicas' figures of both SLOs in Prometheus before anything burns.
alerts_wait_burn_rates 4 "Prometheus scrapes the burn rates of both SLOs from both replicas"
alerts_quiet 4 \
    "no notification while both SLOs are healthy and both replicas up (no SLOSidecarDown, no stale figures)"

alerts_burn
alerts_expect "the page alert reached the pager receiver, severity critical, with the SLO's labels" \
    "no page for pay-fast" /pager firing alertname=SLOErrorBudgetBurnPage \
    slo=pay-fast service=pay severity=critical team=payments cluster=e2e job=slo-sidecar \
    --timeout 40 --since "$t_burn"
# One alert in Prometheus for the two replicas, without instance or pod.
alerts=$(promq "$PROM" 'ALERTS{alertname="SLOErrorBudgetBurnPage",alertstate="firing"}')
firing=$(promq "$PROM" 'slo_alert_firing{slo="pay-fast",severity="page"}' | awk '{print $1}' | tr '\n' ' ')
if [ "$(echo "$alerts" | grep -c '"slo": "pay-fast"')" = 1 ] && ! echo "$alerts" | grep -q '"instance"\|"pod"' \
        && [ "$firing" = "1 1 " ]; then
    ok "both replicas' slo_alert_firing are 1 and Prometheus holds one SLOErrorBudgetBurnPage, without instance or pod"
else
    bad "Prometheus alerts: ${alerts:-none}; slo_alert_firing of the replicas: ${firing:-absent}"
fi
python3 "$HERE/check_alerts.py" first "$log" alertname=SLOErrorBudgetBurnPage | python3 -c '
import json, re, sys
a = json.load(sys.stdin)
d = a["annotations"].get("description", "")
m = re.search(r"Burn rate over 1h: ([0-9.e+]+); error budget remaining: (-?[0-9.e+]+)%", d)
print("    " + d)
sys.exit(0 if m and "runbook_url" in a["annotations"] else 1)' \
    && ok "the page's description quotes the burn rate and the remaining budget" || bad "the page's description"
alerts_expect "the exhausted budget reached the ticket receiver, severity warning" \
    "no ticket for pay-fast's exhausted budget" /ticket firing alertname=SLOErrorBudgetExhausted \
    slo=pay-fast service=pay severity=warning --timeout 20 --since "$t_burn"

alerts_stop_burn

# Replica b goes away: one SLOSidecarDown, valued 1, to the ticket receiver.
t_down=$(date +%s.%N)
stop_pid "$b_pid" 5
echo "  replica b stopped"
alerts_expect "SLOSidecarDown reached the ticket receiver" "no SLOSidecarDown for the stopped replica" \
    /ticket firing alertname=SLOSidecarDown job=slo-sidecar severity=warning --timeout 30 --since "$t_down"
down=$(promq "$PROM" 'ALERTS{alertname="SLOSidecarDown",alertstate="firing"}')
value=$(promq "$PROM" 'count without (instance, pod) (up{job="slo-sidecar"} == 0)' | awk '{print $1}')
[ "$(echo "$down" | grep -c SLOSidecarDown)" = 1 ] && [ "$value" = 1 ] \
    && ok "one SLOSidecarDown, for 1 replica down" || bad "SLOSidecarDown: ${down:-none}, value ${value:-none}"
exhausted=$(promq "$PROM" 'ALERTS{alertname="SLOErrorBudgetExhausted",slo="pay-fast"}' | grep -c pay-fast)
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
