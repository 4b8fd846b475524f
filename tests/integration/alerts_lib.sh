# shellcheck shell=bash
# The chain both alert tests build (test_alerts_e2e.sh with the rules of
# `slo-sidecar rules`, test_alerts_static_e2e.sh with the chart's static
# rules), sourced after lib.sh. All on loopback: burn_exporter.py (traffic
# whose error ratio the test sets) <- Prometheus (scrapes it and the
# slo-sidecar replicas every 1s, evaluates $d/rules.yml every 1s) ->
# Alertmanager (deploy/alertmanager/alertmanager.yml, receivers pointed at
# webhook_receiver.py, timers shortened) -> /pager and /ticket.
# In order: alerts_init, alerts_slos, (the test writes $d/rules.yml),
# alerts_alertmanager, alerts_prometheus, alerts_start, alerts_sidecar for
# each replica, alerts_wait_burn_rates; then the test's own checks, with
# alerts_quiet, alerts_burn, alerts_expect and alerts_stop_burn.

# alerts_init DIR: makes DIR, the test's directory ($d from here on), stops
# what is added to PIDS at exit (stop_all), and picks the free ports. Sets d,
# root (the source tree), EXP_PORT PROM_PORT AM_PORT RCV_PORT, the URLs EXP,
# PROM and AM, and log (the receiver's notifications, a JSON object a line).
alerts_init() {
    d=$1
    root=$(cd "$HERE/../.." && pwd)
    mkdir -p "$d"
    PIDS=()
    trap stop_all EXIT
    EXP_PORT=$(free_port)
    PROM_PORT=$(free_port)
    AM_PORT=$(free_port)
    RCV_PORT=$(free_port)
    EXP="http://127.0.0.1:$EXP_PORT"
    PROM="http://127.0.0.1:$PROM_PORT"
    AM="http://127.0.0.1:$AM_PORT"
    log="$d/notifications.jsonl"
}

# alerts_show_logs: the last 5 lines of each replica's, Prometheus' and
# Alertmanager's log in $d.
alerts_show_logs() {
    local f
    for f in "$d"/sidecar*.log "$d/prometheus.log" "$d/alertmanager.log"; do
        echo "  $(basename "$f") (last 5 lines):"
        tail -n 5 "$f" 2>/dev/null | sed 's/^/    /'
    done
}

# alerts_slos [DESCRIPTION RUNBOOK_URL]: writes $d/slos.yaml, interval 1s,
# promql against $PROM, label cluster=e2e: pay-fast (99 % over 1h, label
# team=payments, one page condition of seconds: burn over 1m and 10s above
# 14.4; with DESCRIPTION and RUNBOOK_URL when given) and shop-healthy (99 %
# over 30d, the default conditions), both counting burn_requests_total.
alerts_slos() {
    local desc='' runbook=''
    if [ $# -ge 2 ]; then
        desc=$'\n'"    description: $1"
        runbook=$'\n'"      runbook_url: $2"
    fi
    cat > "$d/slos.yaml" <<EOF
global:
  interval: 1s
  prometheus: {url: "$PROM", mode: promql, timeout: 5s}
  labels: {cluster: e2e}
slos:
  - name: pay-fast
    service: pay$desc
    objective: 99
    period: 1h
    labels: {team: payments}
    sli:
      events:
        error: 'burn_requests_total{svc="pay",code="500"}'
        total: 'burn_requests_total{svc="pay"}'
    alerting:$runbook
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
}

# alerts_alertmanager: writes $d/alertmanager.yml, the example routing tree
# with its two receiver URLs pointed at the test receiver (/pager, /ticket)
# and test timers (group_wait and group_interval 1s, repeat_interval 1h);
# ok when both URLs and the group_wait were replaced and amtool check-config
# passes, else bad and exit.
alerts_alertmanager() {
    local n w
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
}

# alerts_prometheus PORT[:POD]...: writes $d/prometheus.yml: scrape and
# evaluate every 1s, rules $d/rules.yml, alerts to the Alertmanager; job burn
# scrapes the exporter, job slo-sidecar (honor_labels) the replicas on these
# ports, each with label pod=POD when given.
alerts_prometheus() {
    local t
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
EOF
    for t in "$@"; do
        echo "      - targets: [\"127.0.0.1:${t%%:*}\"]"
        if [ "${t#*:}" != "$t" ]; then
            echo "        labels: {pod: ${t#*:}}"
        fi
    done >> "$d/prometheus.yml"
}

# alerts_error_ratio SVC RATIO: from now on, RATIO of SVC's requests fail.
alerts_error_ratio() {
    curl -s -m 5 "$EXP/set?svc=$1&error_ratio=$2" > /dev/null
}

# alerts_quiet SECONDS OK: after SECONDS, ok OK when the receiver got no
# notification at all, else bad and the notifications.
alerts_quiet() {
    sleep "$1"
    if [ ! -s "$log" ]; then
        ok "$2"
    else
        bad "notifications before any burn:"; python3 "$HERE/check_alerts.py" dump "$log"
    fi
}

# alerts_burn: pay-fast burns from now on: half of pay's requests fail (burn
# rate 50 for objective 99); sets t_burn to now.
alerts_burn() {
    # shellcheck disable=SC2034 # the test's --since for what the burn brings
    t_burn=$(date +%s.%N)
    alerts_error_ratio pay 0.5
    echo "  pay: error ratio 0.5 from now on"
}

# alerts_expect OK BAD ROUTE STATE LABEL=VALUE... --timeout S --since T:
# waits (check_alerts.py wait) for a notification to ROUTE (/pager, /ticket)
# in STATE (firing, resolved) with these labels; ok OK, else bad BAD and the
# logs.
alerts_expect() {
    local okmsg=$1 badmsg=$2
    shift 2
    if python3 "$HERE/check_alerts.py" wait "$log" "$@"; then
        ok "$okmsg"
    else
        bad "$badmsg"; alerts_show_logs
    fi
}

# alerts_stop_burn: pay's errors stop (the 10s window clears); ok when the
# pager receiver gets pay-fast's page resolved within 45 s, else bad.
alerts_stop_burn() {
    local t_stop
    t_stop=$(date +%s.%N)
    alerts_error_ratio pay 0
    echo "  pay: no errors from now on"
    alerts_expect "the pager receiver got the page resolved" "the page did not resolve" \
        /pager resolved alertname=SLOErrorBudgetBurnPage slo=pay-fast service=pay severity=critical \
        --timeout 45 --since "$t_stop"
}

# alerts_start: starts the receiver, the exporter (pay and shop at the steady
# rate, no errors), Alertmanager and Prometheus, and waits until they answer;
# bad and exit if one does not.
alerts_start() {
    local am_pid prom_pid
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
    if ! wait_listen "$EXP_PORT" 10 || ! wait_listen "$RCV_PORT" 10; then
        bad "helpers did not start"; exit 1
    fi
    alerts_error_ratio pay 0
    alerts_error_ratio shop 0
    wait_http "$AM/-/ready" 30 $am_pid || { bad "Alertmanager not ready"; alerts_show_logs; exit 1; }
    wait_http "$PROM/-/ready" 30 $prom_pid || { bad "Prometheus not ready"; alerts_show_logs; exit 1; }
}

# alerts_sidecar NAME PORT: starts an slo-sidecar replica with $d/slos.yaml
# on PORT, its log $d/NAME.log (NAME begins with "sidecar"); sets SIDECAR_PID.
alerts_sidecar() {
    "$BIN" --config.file="$d/slos.yaml" --web.listen-address="127.0.0.1:$2" > "$d/$1.log" 2>&1 &
    PIDS+=($!)
    # shellcheck disable=SC2034 # for the test to wait for and stop
    SIDECAR_PID=$!
}

# alerts_wait_burn_rates N MESSAGE: waits (20 s at most) until Prometheus
# holds N slo_burn_rate series of the 5m window (every replica's figures of
# every SLO scraped, so the rules have data); ok MESSAGE, else bad and exit.
alerts_wait_burn_rates() {
    local n=0
    for _ in $(seq 100); do
        n=$(promq "$PROM" 'count(slo_burn_rate{window="5m"})' | awk '{print $1}')
        [ "${n:-0}" = "$1" ] && break
        sleep 0.2
    done
    if [ "${n:-0}" = "$1" ]; then
        ok "$2"
    else
        bad "Prometheus has $n of the $1 burn rates"; alerts_show_logs; exit 1
    fi
}
