#!/usr/bin/env bash
# History reconstructed after a start (histfill): a sidecar started without
# a state file, in promql, remote_read and api_read modes against the test
# Prometheus, and in promql and api_read modes against VictoriaMetrics
# loaded with the same data, reconstructs each
# SLO's hourly history over its retention from the test Prometheus, in the
# background. check_history_fill.py compares the reconstructed points with
# `eval --at` at the same times (exact modes: the same counts, so the same
# float32 figures; promql mode: sums of hourly increase() against one
# increase() over the window, within the extrapolation's bound), checks
# that points are hourly, flagged, never next to a live one, and absent
# (null) before the data begins. Then headless Chromium (Debian's chromium,
# playwright-core) loads a detail page right after the start: the burn-down
# and burn-rate charts are drawn, with the dotted reconstructed line.
set -uo pipefail
. "$HERE/lib.sh"
root=$(cd "$HERE/../.." && pwd)
PIDS=()
trap stop_all EXIT

# TEMPLATE MODE OUT URL: the test SLOs in MODE against URL at a 10 s
# interval, no state file, plus a grouped SLO and a calendar one (extra_slos).
make_config() {
    local tmpl=$1 mode=$2 out=$3 url=$4
    sed -e "s#@URL@#$url#g" -e "s#@RESPONSE@#chunks#g" "$tmpl" > "$out.tmp"
    python3 - "$out.tmp" "$out" "$mode" <<'PY'
import sys
src, out, mode = sys.argv[1:]
text = open(src).read().replace("  interval: 30s\n", "  interval: 10s\n", 1)
if mode == "api_read":
    text = text.replace("    mode: promql\n", "    mode: api_read\n", 1)
    head, sep, rest = text.partition("  - name: api-custom")
    text = head  # api_read has no free PromQL SLI: api-custom is the last SLO
open(out, "w").write(text)
PY
    extra_slos >> "$out"
    rm -f "$out.tmp"
}

# MODE TEMPLATE URL STORE: starts a sidecar against URL, waits for the
# reconstruction, checks it.
run_mode() {
    local mode=$1 tmpl=$2 url=$3 store=$4 cfg="$WORK/hf-$4-$1.yaml" port base pid n=0 total t0
    make_config "$tmpl" "$mode" "$cfg" "$url"
    mode="$store $mode"
    if ! "$BIN" check --config.file="$cfg" > "$WORK/hf-$store-$1.check" 2>&1; then
        bad "$mode: config refused: $(head -c 400 "$WORK/hf-$store-$1.check")"
        return
    fi
    total=$(grep -c '^  - name: ' "$cfg")
    port=$(free_port)
    base="http://127.0.0.1:$port"
    t0=$(date +%s%N)
    log="$WORK/hf-$store-$1.log"
    "$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" > "$log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if ! wait_http "$base/-/ready" 60 "$pid"; then
        bad "$mode: the sidecar never got ready"
        tail -n 5 "$log" | sed 's/^/    /'
        return
    fi
    # Every SLO reconstructed (or failed), one at a time in the background.
    while :; do
        done_n=$(grep -c 'msg="history \(not \)\?reconstructed"' "$log")
        [ "$done_n" -ge "$total" ] && break
        n=$((n + 1))
        if [ $n -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
            bad "$mode: $done_n of $total SLOs reconstructed after 120 s"
            tail -n 8 "$log" | sed 's/^/    /'
            return
        fi
        sleep 0.2
    done
    ok "$mode: $total SLOs reconstructed in $(( ($(date +%s%N) - t0) / 1000000 )) ms after the start"
    if grep -q 'msg="history not reconstructed"' "$log"; then
        bad "$mode: $(grep 'msg="history not reconstructed"' "$log" | head -n 3)"
    fi
    # The counters reach /metrics with the next evaluation (every 10 s).
    n=0
    until curl -s -m 5 "$base/metrics" > "$WORK/hf-$store-$1.metrics" &&
            grep -q "^slo_sidecar_history_reconstructions_total{result=\"success\"} $total\$" "$WORK/hf-$store-$1.metrics"; do
        n=$((n + 1))
        [ $n -gt 60 ] && break
        sleep 0.5
    done
    if grep -q "^slo_sidecar_history_reconstructions_total{result=\"success\"} $total\$" "$WORK/hf-$store-$1.metrics" &&
            grep -q '^slo_sidecar_history_reconstructions_total{result="failure"} 0$' "$WORK/hf-$store-$1.metrics" &&
            grep -q '^slo_sidecar_history_reconstructed_points_total [1-9]' "$WORK/hf-$store-$1.metrics"; then
        ok "$mode: /metrics counts $total reconstructions, no failure, $(sed -n 's/^slo_sidecar_history_reconstructed_points_total //p' "$WORK/hf-$store-$1.metrics") points"
    else
        bad "$mode: $(grep '^slo_sidecar_history_reconstruct' "$WORK/hf-$store-$1.metrics")"
    fi
    if python3 "$HERE/check_history_fill.py" "$BIN" "$cfg" "$base" "$1" "$END"; then
        ok "$mode: reconstructed points match eval --at"
    else
        bad "$mode: reconstructed points differ (above)"
    fi
    if [ "$mode" = "Prometheus remote_read" ]; then
        check_browser "$base"
    fi
    stop_pid "$pid" 5
}

# The detail page right after the start, in headless Chromium.
check_browser() {
    local chromium=${CHROMIUM:-/usr/bin/chromium}
    if [ ! -x "$chromium" ] || [ ! -f "$root/tests/browser/node_modules/playwright-core/package.json" ]; then
        bad "no chromium or playwright-core (make deps; bash scripts/deps-npm.sh)"
        return
    fi
    # The data holds 4 days: checkout-edge's period (84h) lies wholly in it,
    # and each burn-rate chart begins where the data does.
    if CHROMIUM="$chromium" node "$root/tests/browser/check_history_charts.mjs" "$1" \
            checkout-edge:burndown-0 checkout-edge:burn-0 checkout-availability:burn-0 \
            checkout-monthly:burn-0; then
        ok "the charts cover the period right after the start (headless Chromium)"
    else
        bad "the status page's charts after the start (above)"
    fi
}

run_mode promql "$HERE/slos.yaml.tmpl" "$PROM_URL" Prometheus
run_mode remote_read "$HERE/slos-rr.yaml.tmpl" "$PROM_URL" Prometheus
run_mode api_read "$HERE/slos.yaml.tmpl" "$PROM_URL" Prometheus
# VictoriaMetrics (Debian's 1.79), the store without remote read: its
# subqueries must land on the same hourly grid.
if ! command -v victoria-metrics > /dev/null; then
    bad "victoria-metrics not found (make deps installs the Debian package)"
    exit 1
fi
vm_init
vm_start
PIDS+=("$VM_PID")
vm_import || exit 1
run_mode promql "$HERE/slos.yaml.tmpl" "$VM_URL" VictoriaMetrics
run_mode api_read "$HERE/slos.yaml.tmpl" "$VM_URL" VictoriaMetrics
exit "${FAILED:-0}"
