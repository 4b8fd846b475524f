#!/usr/bin/env bash
# deploy/grafana/slo-overview.json against real data, under HA: the structure
# first (check_dashboard.py: schema, variables, datasource, grid, the required
# panels, the HA rule and the burn-rate conditions) and the chart's copy
# equal to it; then TWO sidecar replicas (same config, interval 2s, own ports
# and so own instance labels) evaluating the test SLOs against the test
# Prometheus, plus a strict SLO grouped by code whose budget is exhausted
# (so alerts fire) and an SLO with its own alerting.windows; an HA pair of
# Prometheus servers (external label prometheus_replica a and b) that both
# scrape both replicas every second and load the rules; and a third
# Prometheus that federates the pair (what a querier over both sees, without
# deduplication). Against one of the pair (two copies of every SLO series)
# and against the federating one (four copies), with the variables filled in
# (all SLOs, then one): every template variable's label_values() and every
# panel's expr answers a non-empty result; every SLO query answers each SLO
# instance exactly once and the health queries each replica once; and the
# burn-rate queries answer each SLO's own conditions: the default table for
# checkout-availability, checkout-custom's factors for it.
# DASHBOARD=FILE checks another dashboard (e.g. an older one) the same way.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
root=$(cd "$HERE/../.." && pwd)
dash=${DASHBOARD:-$root/deploy/grafana/slo-overview.json}
d="$WORK/dashboard"
mkdir -p "$d"
PIDS=()
trap stop_all EXIT

echo "  structure:"
python3 "$HERE/check_dashboard.py" "$dash" || FAILED=1
if cmp -s "$root/deploy/grafana/slo-overview.json" \
        "$root/helm/slo-sidecar/dashboards/slo-overview.json"; then
    ok "helm/slo-sidecar/dashboards/slo-overview.json equals deploy/grafana/slo-overview.json"
else
    bad "the chart's dashboard differs from deploy/grafana/slo-overview.json (cp it over)"
fi

cfg="$d/slos.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL"
sed -i 's/^  interval: 30s$/  interval: 2s/' "$cfg"
cat >> "$cfg" <<'EOF'
  - name: checkout-strict
    service: checkout
    description: Checkout at four nines, per response code
    objective: 99.99
    period: 1d
    labels: {team: payments}
    group_by: [code]
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
  - name: checkout-custom
    service: checkout
    description: Checkout with alert conditions of its own
    objective: 99.5
    period: 7d
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
    alerting:
      windows:
        - {severity: page, long: 2h, short: 10m, factor: 10}
        - {severity: ticket, long: 12h, short: 1h, factor: 2.5}
        - {severity: ticket, long: 4d, short: 6h, factor: 1.2}
EOF
if ! "$BIN" rules --config.file="$cfg" > "$d/rules.yml" 2> "$d/rules.err" \
        || ! promtool check rules "$d/rules.yml" > "$d/rules.check" 2>&1; then
    bad "rules for the dashboard SLOs:"; cat "$d/rules.err" "$d/rules.check"
    exit 1
fi

# Two replicas of the sidecar, one config.
side=()
for r in 1 2; do
    port=$(free_port)
    "$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" > "$d/sidecar$r.log" 2>&1 &
    PIDS+=($!)
    wait_http "http://127.0.0.1:$port/-/ready" 60 $! \
        || { bad "sidecar $r not ready"; tail "$d/sidecar$r.log"; exit 1; }
    side+=("\"127.0.0.1:$port\"")
done
targets=$(IFS=,; echo "${side[*]}")

# start_prom NAME CONFIG: a Prometheus on a free port; prints the port.
start_prom() {
    local port
    port=$(free_port)
    prometheus --config.file="$2" --storage.tsdb.path="$d/tsdb-$1" \
        --web.listen-address="127.0.0.1:$port" --log.level=warn > "$d/prometheus-$1.log" 2>&1 &
    PIDS+=($!)
    wait_http "http://127.0.0.1:$port/-/ready" 30 $! \
        || { bad "Prometheus $1 not ready" >&2; tail "$d/prometheus-$1.log" >&2; return 1; }
    echo "$port"
}
pair=()
for r in a b; do
    cat > "$d/prometheus-$r.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels: {prometheus_replica: $r}
rule_files: ["$d/rules.yml"]
scrape_configs:
  - job_name: slo-sidecar
    honor_labels: true
    static_configs: [{targets: [$targets]}]
EOF
    # start_prom runs in this shell (not a subshell) so its PID is cleaned up.
    start_prom "$r" "$d/prometheus-$r.yml" > "$d/port-$r" || exit 1
    pair+=("$(cat "$d/port-$r")")
done
cat > "$d/prometheus-fed.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params: {'match[]': ['{__name__=~"slo_.+|ALERTS"}']}
    static_configs: [{targets: ["127.0.0.1:${pair[0]}", "127.0.0.1:${pair[1]}"]}]
EOF
start_prom fed "$d/prometheus-fed.yml" > "$d/port-fed" || exit 1
fed=$(cat "$d/port-fed")
ok "2 sidecar replicas (8 SLOs, interval 2s), an HA pair of Prometheus scraping both" \
    "every 1s with the rules, and one federating the pair are up"

# copies PORT N: the store at PORT holds N copies of each SLO's objective series
# (so the duplicates the dashboard must merge are there to be merged).
copies() {
    local n i=0 q='count(slo_objective_ratio{slo="checkout-availability"})'
    while :; do
        n=$(promq "http://127.0.0.1:$1" "$q" | awk 'NR == 1 {print $1}')
        n=${n:-0}
        if [ "$n" = "$2" ]; then
            ok "Prometheus on port $1 holds $n copies of each SLO series"
            return 0
        fi
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            bad "Prometheus on port $1 holds $n copies of an SLO series, want $2"
            return 1
        fi
        sleep 0.2
    done
}
copies "${pair[0]}" 2
copies "$fed" 4

# Every query until it answers (the rates need a few scrapes), at most 45 s;
# then one SLO and service, as a user picking them would.
checks=(--replicas 2 --replica-labels "instance,pod,prometheus_replica"
    --conditions "checkout-availability=page/1h/5m/14.4,page/6h/30m/6,ticket/1d/2h/3,ticket/3d/6h/1"
    --conditions "checkout-custom=page/2h/10m/10,ticket/12h/1h/2.5,ticket/4d/6h/1.2"
    "slo=.*,service=.*,window=1h" "slo=checkout-strict,service=checkout,window=1d")
echo "  queries against Prometheus a (each SLO series from two replicas):"
python3 "$HERE/check_dashboard.py" "$dash" "http://127.0.0.1:${pair[0]}" --wait 45 "${checks[@]}" \
    || FAILED=1
echo "  queries against the federation of the pair (each SLO series four times):"
python3 "$HERE/check_dashboard.py" "$dash" "http://127.0.0.1:$fed" --wait 20 "${checks[@]}" \
    || FAILED=1
[ $FAILED = 0 ] && ok "every variable and panel query answers data, each SLO once," \
    "with its own thresholds"
exit $FAILED
