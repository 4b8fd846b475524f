#!/usr/bin/env bash
# `make demo`: a month of synthetic traffic (tests/data/gen.py, 5-minute
# scrapes) backfilled into a fresh local Prometheus, slo-sidecar evaluating
# the SLOs of tests/data/demo-slos.yaml.tmpl against it, and Prometheus
# scraping the sidecar back. Prints the SLO table and where to look, then runs
# until Ctrl-C. Everything lives in a temporary directory, listens on
# 127.0.0.1 only, and is removed on exit.
#
# Non-interactive (stdin not a terminal, or DEMO_EXIT=1): waits until
# Prometheus has scraped the sidecar, shows that, and exits 0.
#   BIN=path/to/slo-sidecar  (default build/slo-sidecar)
#   DEMO_DAYS=30 DEMO_STEP=300  (how much data)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/build/slo-sidecar}
DAYS=${DEMO_DAYS:-30}
STEP=${DEMO_STEP:-300}
interactive=1
if [ ! -t 0 ] || [ "${DEMO_EXIT:-0}" = 1 ]; then
    interactive=0
fi

say() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }
[ -t 1 ] || say() { printf 'demo: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

[ -x "$BIN" ] || die "$BIN not found: run make first"
for tool in prometheus promtool python3 curl; do
    command -v "$tool" > /dev/null || die "$tool not found: run make deps"
done

WORK=$(mktemp -d /tmp/slo-demo.XXXXXX)
PROM_PID=
SIDECAR_PID=
EXACT_PID=
stop() {
    local pid=$1 n=50
    kill "$pid" 2>/dev/null || return 0
    while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    trap - EXIT INT TERM
    [ -n "$SIDECAR_PID" ] && stop "$SIDECAR_PID"
    [ -n "$EXACT_PID" ] && stop "$EXACT_PID"
    [ -n "$PROM_PID" ] && stop "$PROM_PID"
    rm -rf "$WORK"
    say "stopped; removed $WORK"
}
trap cleanup EXIT
trap 'echo; exit 0' INT TERM

# port_or_free PORT: PORT when nothing listens on 127.0.0.1:PORT, else a free one.
port_or_free() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    s.close()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}
wait_200() {   # URL SECONDS PID
    local deadline=$(( $(date +%s) + $2 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true)" = 200 ] && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.3
    done
    return 1
}

t0=$(date +%s)
END=$(( $(date +%s) / 60 * 60 - 60 ))
say "generating $DAYS days of traffic at ${STEP}s scrapes ending $(date -u -d "@$END" +%FT%TZ)"
python3 "$root/tests/data/gen.py" --end "$END" --days "$DAYS" --step "$STEP" --out "$WORK/data" \
    --no-expected | sed 's/^/  /'
say "backfilling into $WORK/tsdb"
promtool tsdb create-blocks-from openmetrics --max-block-duration=168h \
    "$WORK/data/data.om" "$WORK/tsdb" > "$WORK/backfill.log" 2>&1 \
    || { cat "$WORK/backfill.log"; die "backfill failed"; }
rm -f "$WORK/data/data.om"

PROM_PORT=$(port_or_free 9090)
SIDECAR_PORT=$(port_or_free 9099)
EXACT_PORT=$(port_or_free 9098)
EXACT_URL="http://127.0.0.1:$EXACT_PORT"
PROM_URL="http://127.0.0.1:$PROM_PORT"
SIDECAR_URL="http://127.0.0.1:$SIDECAR_PORT"
sed "s#@URL@#$PROM_URL#g" "$root/tests/data/demo-slos.yaml.tmpl" > "$WORK/slos.yaml"
# The same SLOs in remote_read mode (exact counts), but for free-PromQL SLIs,
# which need a query engine.
python3 - "$WORK/slos.yaml" "$WORK/slos-exact.yaml" "$WORK/state" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
head, _, body = src.partition("slos:\n")
head = head.replace("mode: promql", "mode: remote_read")
head = head.replace("  prometheus:", "  state_file: %s\n  prometheus:" % sys.argv[3], 1)
items = re.split(r"(?m)^(?=  - name: )", body)
keep = [it for it in items if it.strip() and "\n      promql:" not in it]
open(sys.argv[2], "w").write(head + "slos:\n" + "".join(keep))
PY
"$BIN" check --config.file="$WORK/slos.yaml" > /dev/null 2>&1 || {
    "$BIN" check --config.file="$WORK/slos.yaml" || true
    die "the demo config does not pass slo-sidecar check"
}

# The sidecar's alerting rules, when it can write them and promtool accepts them.
rule_files=""
if "$BIN" rules --config.file="$WORK/slos.yaml" > "$WORK/rules.yml" 2> "$WORK/rules.err" \
        && promtool check rules "$WORK/rules.yml" > "$WORK/rules.check" 2>&1; then
    rule_files="rule_files: [\"$WORK/rules.yml\"]"
else
    say "(not loading alerting rules: slo-sidecar rules or promtool check rules failed)"
fi
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: 15s
$rule_files
scrape_configs:
  - job_name: slo-sidecar
    static_configs:
      - targets: ["127.0.0.1:$SIDECAR_PORT"]
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=100y \
    --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
wait_200 "$PROM_URL/-/ready" 60 "$PROM_PID" || { cat "$WORK/prometheus.log"; die "Prometheus did not start"; }
say "Prometheus is up at $PROM_URL"

"$BIN" --config.file="$WORK/slos.yaml" --web.listen-address="127.0.0.1:$SIDECAR_PORT" \
    > "$WORK/sidecar.log" 2>&1 &
SIDECAR_PID=$!
wait_200 "$SIDECAR_URL/-/ready" 60 "$SIDECAR_PID" || { tail -20 "$WORK/sidecar.log"; die "slo-sidecar did not become ready"; }
say "slo-sidecar is up at $SIDECAR_URL"
"$BIN" --config.file="$WORK/slos-exact.yaml" --web.listen-address="127.0.0.1:$EXACT_PORT" \
    > "$WORK/sidecar-exact.log" 2>&1 &
EXACT_PID=$!
wait_200 "$EXACT_URL/-/ready" 60 "$EXACT_PID" || { tail -20 "$WORK/sidecar-exact.log"; die "the remote_read slo-sidecar did not become ready"; }
say "a second slo-sidecar in remote_read mode (exact counts) is up at $EXACT_URL"

echo
say "promql mode (increase(), extrapolated):"
"$BIN" eval --config.file="$WORK/slos.yaml" --format=table
echo
say "remote_read mode (exact counts from raw samples):"
"$BIN" eval --config.file="$WORK/slos-exact.yaml" --format=table
echo
cat <<EOF
Where to look:
  $SIDECAR_URL/metrics
      the slo_* series (curl -s $SIDECAR_URL/metrics | grep '^slo_burn_rate')
  $SIDECAR_URL/api/v1/slos
      every SLO as JSON (curl -s $SIDECAR_URL/api/v1/slos | jq '.data[0]')
  $EXACT_URL/metrics
      the same SLOs counted exactly in remote_read mode (incremental, checkpointed)
  $PROM_URL/graph
      Prometheus with the demo data, scraping the sidecar every 15s; try
      slo_error_budget_remaining_ratio, slo_burn_rate{window="1h"}, slo_alert_firing
  $PROM_URL/alerts
      the alerting rules from "slo-sidecar rules" (when they loaded)
  logs: $WORK/sidecar.log, $WORK/sidecar-exact.log and $WORK/prometheus.log
Ready in $(( $(date +%s) - t0 ))s.
EOF

if [ $interactive = 0 ]; then
    # Show the loop is closed: Prometheus scrapes the sidecar's figures.
    say "non-interactive: waiting for Prometheus to scrape the sidecar"
    q='count(slo_sli_ratio{job="slo-sidecar"})'
    for _ in $(seq 60); do
        n=$(curl -s -m 5 "$PROM_URL/api/v1/query" --data-urlencode "query=$q" \
            | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' \
            2>/dev/null || echo 0)
        [ "$n" != 0 ] && break
        sleep 1
    done
    [ "$n" != 0 ] || die "Prometheus has not scraped any slo_sli_ratio series from the sidecar"
    say "Prometheus holds $n slo_sli_ratio series scraped from the sidecar; e.g. burn rates over 1h:"
    curl -s -m 5 "$PROM_URL/api/v1/query" --data-urlencode 'query=slo_burn_rate{window="1h"}' \
        | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print("  %-24s %8.3f" % (r["metric"]["slo"], float(r["value"][1])))'
    say "done (DEMO_EXIT=1 or no terminal); cleaning up"
    exit 0
fi

say "running; press Ctrl-C to stop"
while kill -0 "$SIDECAR_PID" 2>/dev/null && kill -0 "$PROM_PID" 2>/dev/null; do
    sleep 1
done
kill -0 "$SIDECAR_PID" 2>/dev/null || { tail -20 "$WORK/sidecar.log"; die "slo-sidecar exited"; }
tail -20 "$WORK/prometheus.log"
die "Prometheus exited"
