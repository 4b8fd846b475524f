#!/usr/bin/env bash
# make bench: benchmarks that need a real Prometheus. Figures are ratios
# against a baseline measured in the same run (these machines are noisy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$root/build}
WORK=$(mktemp -d /tmp/slo-bench.XXXXXX)
PROM_PID=
cleanup() { [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
END=$(( $(date +%s) / 60 * 60 - 120 ))
python3 "$root/tests/data/gen.py" --end "$END" --days 4 --step 60 --out "$WORK/data" --no-expected
promtool tsdb create-blocks-from openmetrics "$WORK/data/data.om" "$WORK/tsdb" > /dev/null
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=100y \
    --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && break; sleep 0.2; done
sed "s#http://127.0.0.1:9090#http://127.0.0.1:$port#" "$root/bench/slos.yaml" > "$WORK/slos.yaml"
echo "== query batching (promql mode)"
"$BUILD/bench_batching" "$WORK/slos.yaml" "$END" "${ROUNDS:-10}" "$PROM_PID"
