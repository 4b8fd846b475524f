#!/usr/bin/env bash
# `slo-sidecar report` for ISO week 2026-W44 against its own Prometheus:
# tests/data/report_gen.py writes a week of one-minute samples (about 20k,
# backfilled with promtool) and the exact expected figures, in remote_read
# and api_read modes (the contract's exact pairs; bad minutes per minute; one
# engine, so one set of expectations) and promql mode
# (what increase() gives, extrapolation included; bad minutes from 5m steps),
# for an SLO in UTC and one in Europe/Berlin. Also: table and markdown
# output, a period not over yet, a malformed period, a config error and an
# unreachable backend (exit codes 1, 1, 1, 2).
set -uo pipefail
. "$HERE/lib.sh"

d="$WORK/report"
mkdir -p "$d"
RPID=
trap '[ -n "$RPID" ] && stop_pid "$RPID" 10' EXIT

python3 "$HERE/../data/report_gen.py" --out "$d/data" || { bad "generator failed"; exit 1; }
if ! timeout 60 promtool tsdb create-blocks-from openmetrics "$d/data/data.om" "$d/tsdb" \
        > "$d/backfill.log" 2>&1; then
    cat "$d/backfill.log"
    bad "backfill failed"
    exit 1
fi
port=$(free_port)
url="http://127.0.0.1:$port"
printf 'global:\n  scrape_interval: 15s\n' > "$d/prometheus.yml"
prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
    --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=100y \
    --log.level=warn > "$d/prometheus.log" 2>&1 &
RPID=$!
wait_http "$url/-/ready" 60 "$RPID" || { cat "$d/prometheus.log"; bad "Prometheus not ready"; exit 1; }
n=0
until curl -s -m 5 "$url/api/v1/query" --data-urlencode "time=1793577600" \
        --data-urlencode 'query=count(rep_requests_total)' | grep -q '"1"\]'; do
    n=$((n + 1))
    [ $n -gt 100 ] && { bad "backfilled data not served"; exit 1; }
    sleep 0.2
done

config() { # MODE URL
    cat <<YAML
global:
  interval: 30s
  prometheus: {url: $2, mode: $1}
slos:
  - name: rep-utc
    service: rep
    objective: 99
    period: calendar_week
    sli:
      events: {error: 'rep_errors_total{job="rep"}', total: 'rep_requests_total{job="rep"}'}
  - name: rep-berlin
    service: rep
    objective: 99.9
    period: calendar_week
    timezone: Europe/Berlin
    sli:
      events: {error: 'rep_errors_total{job="rep"}', total: 'rep_requests_total{job="rep"}'}
YAML
}

for mode in remote_read api_read promql; do
    config "$mode" "$url" > "$d/$mode.yaml"
    "$BIN" report --config.file="$d/$mode.yaml" --period=2026-W44 --format=json \
        --report.step=5m > "$d/$mode.json" 2> "$d/$mode.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        cat "$d/$mode.err"
        bad "$mode: report exited $rc"
        continue
    fi
    # remote_read is exact: counts, dates and bad minutes equal; ratios to
    # 1e-15 (the JSON has 16 significant digits). promql: the generator
    # applies the same extrapolation factor; a relative 1e-12 absorbs only
    # the order of float operations (counts about 1e6, factor 1 + 1e-4).
    # api_read is the same exact engine as remote_read: the same expectations.
    if python3 - "$d/data/expected.json" "$d/$mode.json" "$mode" <<'PY'; then
import json, sys
exp = json.load(open(sys.argv[1]))
got = {r["name"]: r for r in json.load(open(sys.argv[2]))["slos"]}
mode = "remote_read" if sys.argv[3] == "api_read" else sys.argv[3]
tol = 1e-15 if mode == "remote_read" else 1e-12
fails = 0
def same(a, b):
    return abs(a - b) <= tol * max(abs(a), abs(b))
for name in ("rep-utc", "rep-berlin"):
    e, g = exp[name][mode], got[name]
    exact = [("good", e["good"], g["good"]), ("bad", e["bad"], g["bad"]),
             ("total", e["total"], g["total"])]
    checks = [("sli", e["sli"], g["sli"]),
              ("error_budget_consumed", e["consumed"], g["error_budget_consumed"]),
              ("worst_day.sli", e["worst_day"]["sli"], g["worst_day"]["sli"])]
    for what, want, have in checks:
        ok = same(want, have)
        print("  %s %s %s %s: want %r got %r" % ("ok:" if ok else "FAIL:", sys.argv[3], name, what, want, have))
        fails += not ok
    if mode == "promql":
        checks, exact = exact + checks, []
    for what, want, have in exact + [("result", e["result"], g["result"]),
                             ("worst_day.date", e["worst_day"]["date"], g["worst_day"]["date"]),
                             ("bad_minutes", e["bad_minutes"], g["bad_minutes"])]:
        ok = want == have
        print("  %s %s %s %s: want %r got %r" % ("ok:" if ok else "FAIL:", sys.argv[3], name, what, want, have))
        fails += not ok
sys.exit(1 if fails else 0)
PY
        ok "$mode: every figure as expected"
    else
        bad "$mode: figures differ (above)"
    fi
done

# The text formats: same rows, shown for the README.
for f in table markdown; do
    if "$BIN" report --config.file="$d/remote_read.yaml" --period=2026-W44 --format=$f \
            > "$d/out.$f" 2>&1 && grep -q '^Period 2026-W44 (UTC: 2026-10-26T00:00:00Z' "$d/out.$f" \
            && grep -q 'rep-berlin.*missed.*2026-10-28.*260' "$d/out.$f"; then
        ok "--format=$f"
        sed 's/^/    /' "$d/out.$f"
    else
        cat "$d/out.$f"
        bad "--format=$f"
    fi
done

expect_exit() { # WANT PATTERN ARGS...
    local want=$1 pat=$2
    shift 2
    "$BIN" report "$@" > "$d/x.out" 2> "$d/x.err"
    local rc=$?
    if [ $rc -eq "$want" ] && grep -q -- "$pat" "$d/x.err"; then
        ok "exit $rc: $(head -1 "$d/x.err")"
    else
        bad "report $* exited $rc (want $want), stderr: $(cat "$d/x.err")"
    fi
}
# The week of "now" has not ended (--period is checked against the clock).
cur=$(date -u +%G-W%V)
expect_exit 1 "has not ended yet" --config.file="$d/promql.yaml" --period="$cur"
expect_exit 1 "expected YYYY-MM" --config.file="$d/promql.yaml" --period=2026-10-01
expect_exit 1 "W01..W52" --config.file="$d/promql.yaml" --period=2025-W53
printf 'slos: [\n' > "$d/bad.yaml"
expect_exit 1 "bad.yaml" --config.file="$d/bad.yaml" --period=2026-W44
dead=$(free_port)
config remote_read "http://127.0.0.1:$dead" > "$d/dead.yaml"
expect_exit 2 "SLO rep-utc" --config.file="$d/dead.yaml" --period=2026-W44
[ "$(cat "$d/x.out")" = "" ] || bad "figures printed although the backend failed"
exit "$FAILED"
