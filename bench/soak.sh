#!/usr/bin/env bash
# make soak: memory under sustained load with reloads (not part of make test
# or CI). A real Prometheus with tests/data/gen.py's data (SOAK_DAYS days,
# default 4, one sample a minute), a daemon in promql mode with SOAK_SLOS
# SLOs (default 1000; tests/data/many_slos.py) evaluating every
# SOAK_INTERVAL (default 30s), and bench/soak.py, which scrapes /metrics and
# /api/v1/slos without pause (SOAK_SCRAPE requests/s in all, 0 = back to
# back), reloads every SOAK_RELOAD seconds (default 60, by SIGHUP;
# SOAK_RELOAD_VIA=http: POST /-/reload; each reload
# alternates between N and N-1 SLOs, so states are dropped and made and the
# history reconstruction thread reruns over the store's data) and samples
# the daemon's RSS every 5 s, for SOAK_TIME (default 1h; 900, 15m, 1h).
# Pass: after a warm-up (SOAK_TIME/6, at most 5 minutes), the mean RSS of
# the last third within SOAK_RSS_GROWTH percent (default 10) of the mean of
# the first third. SOAK=faults runs scripts/soak.sh (remote_read through a
# flapping fault proxy) instead. SOAK_KEEP=1 keeps the work directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${BIN:-$root/build/slo-sidecar}")
WORK=$(mktemp -d /tmp/slo-soak.XXXXXX)
PROM_PID=
cleanup() {
    [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
    if [ "${SOAK_KEEP:-0}" = 1 ]; then
        echo "soak: work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for tool in prometheus promtool python3 curl; do
    command -v "$tool" > /dev/null || { echo "soak: $tool not found (make deps)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "soak: $BIN is not an executable (make first)" >&2; exit 2; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
# The data runs on past the soak's end (by SOAK_TIME plus 10 minutes, with
# SOAK_DAYS days before the start), so every window, the 5m ones too, keeps
# its samples and the figures keep their size all along: with data ending at
# the start, the short windows empty out and /metrics shrinks as the hour
# goes, which flatters the last third's RSS.
secs=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from soak import seconds
print(seconds(sys.argv[2]))' "$root/bench" "${SOAK_TIME:-1h}")
END=$(( $(date +%s) / 60 * 60 + secs + 600 ))
python3 "$root/tests/data/gen.py" --end "$END" \
    --days $(( ${SOAK_DAYS:-4} + (secs + 600 + 86399) / 86400 )) --step 60 \
    --out "$WORK/data" --no-expected
promtool tsdb create-blocks-from openmetrics "$WORK/data/data.om" "$WORK/tsdb" > /dev/null
rm -rf "$WORK/data"
printf 'global:\n  scrape_interval: 15s\n' > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=100y \
    --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && break
    kill -0 "$PROM_PID" 2>/dev/null || { tail -5 "$WORK/prometheus.log" >&2; exit 1; }
    sleep 0.2
done
python3 "$root/bench/soak.py" "$BIN" "http://127.0.0.1:$port" "$WORK"
