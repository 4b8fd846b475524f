#!/usr/bin/env bash
# deploy/grafana/slo-overview.json against real data: the structure first
# (check_dashboard.py: schema, variables, datasource, grid, the required
# panels and burn-rate thresholds), then a sidecar (interval 2s) evaluating
# the test SLOs against the test Prometheus, plus a strict grouped SLO whose
# budget is exhausted (so an alert fires), and a second Prometheus that
# scrapes the sidecar every second and loads its rules. Every template
# variable's label_values() and every panel's expr, with the variables filled
# in (all SLOs, then one), must answer a non-empty result there.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
root=$(cd "$HERE/../.." && pwd)
dash="$root/deploy/grafana/slo-overview.json"
d="$WORK/dashboard"
mkdir -p "$d"
PIDS=()
cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}" 5; done
}
trap cleanup EXIT

echo "  structure:"
python3 "$HERE/check_dashboard.py" "$dash" || FAILED=1

cfg="$d/slos.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL"
sed -i 's/^  interval: 30s$/  interval: 2s/' "$cfg"
cat >> "$cfg" <<'EOF'
  - name: checkout-strict
    service: checkout
    description: Checkout at four nines, per instance
    objective: 99.99
    period: 1d
    labels: {team: payments}
    group_by: [instance]
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
EOF
if ! "$BIN" rules --config.file="$cfg" > "$d/rules.yml" 2> "$d/rules.err" \
        || ! promtool check rules "$d/rules.yml" > "$d/rules.check" 2>&1; then
    bad "rules for the dashboard SLOs:"; cat "$d/rules.err" "$d/rules.check"
    exit 1
fi
side_port=$(free_port)
prom_port=$(free_port)
"$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$side_port" > "$d/sidecar.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$side_port/-/ready" 60 $! || { bad "sidecar not ready"; tail "$d/sidecar.log"; exit 1; }
cat > "$d/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["$d/rules.yml"]
scrape_configs:
  - job_name: slo-sidecar
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$side_port"]}]
EOF
prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn > "$d/prometheus.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" 30 $! || { bad "Prometheus not ready"; tail "$d/prometheus.log"; exit 1; }
ok "sidecar (7 SLOs, interval 2s) and a Prometheus scraping it every 1s with its rules are up"

# Every query until it answers (the rates need a few scrapes), at most 45 s;
# then one SLO and service, as a user picking them would.
echo "  queries against the scraping Prometheus:"
python3 "$HERE/check_dashboard.py" "$dash" "http://127.0.0.1:$prom_port" --wait 45 \
    "slo=.*,service=.*,window=1h" "slo=checkout-strict,service=checkout,window=1d" || FAILED=1
[ $FAILED = 0 ] && ok "every variable and panel query answers data"
exit $FAILED
