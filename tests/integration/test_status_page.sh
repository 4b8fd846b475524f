#!/usr/bin/env bash
# The status pages (/ and /slo/NAME) of a running sidecar against the test
# Prometheus, in a real headless browser: Debian's chromium driven by
# playwright-core (tests/browser, installed by scripts/deps-npm.sh). The
# history is seeded with hourly points (eval --until --history.out) and the
# sidecar evaluates every second, so the detail pages' charts are drawn from
# seeded and live recorded points. HEAD and the response headers are checked
# with curl first; tests/browser/check_status_page.mjs then loads the pages
# (desktop and phone), fails on console errors, failed or external
# requests, compares every figure with /api/v1/slos, and saves full-page
# screenshots under build/artifacts/status-page (printed at the end).
set -uo pipefail
. "$HERE/lib.sh"
root=$(cd "$HERE/../.." && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
artifacts="$root/build/artifacts/status-page"
if [ ! -x "$chromium" ]; then
    bad "no $chromium: install Debian's chromium (make deps)"
    exit 1
fi
if [ ! -f "$root/tests/browser/node_modules/playwright-core/package.json" ]; then
    bad "playwright-core is not installed in tests/browser (bash scripts/deps-npm.sh)"
    exit 1
fi

cfg="$WORK/status-page.yaml"
state="$WORK/status-page-state"
fill_config "$HERE/slos.yaml.tmpl" "$cfg.tmp" "$PROM_URL"
# Every second, with a state file (whose .history the daemon loads), without
# the time-slice SLO (its 30-day subquery takes seconds per evaluation), and
# with a grouped SLO and a calendar one (extra_slos) for their rows and charts.
python3 - "$cfg.tmp" "$cfg" "$state" <<'EOF'
import re, sys
src, out, state = sys.argv[1:]
text = open(src).read().replace("  interval: 30s\n", "  interval: 1s\n", 1)
text = text.replace("  labels: {cluster: itest}\n",
                    "  labels: {cluster: itest}\n  state_file: %s\n" % state, 1)
head, sep, rest = text.partition("slos:\n")
items = re.split(r"(?m)^(?=  - name: )", rest)
open(out, "w").write(head + sep + "".join(i for i in items if "users-freshness" not in i))
EOF
extra_slos >> "$cfg"
grep -q '^  interval: 1s$' "$cfg" || bad "could not set the interval in $cfg"

# Three days of hourly history up to END (within the data's four
# days), which the daemon loads at start and then extends every second.
t0=$(date +%s%N)
if ! "$BIN" eval --config.file="$cfg" --at=$((END - 72 * 3600)) --until="$END" --step=1h \
        --history.out="$state.history" > "$WORK/sp-seed.jsonl" 2> "$WORK/sp-seed.err"; then
    bad "eval --history.out failed: $(head -c 400 "$WORK/sp-seed.err")"
    exit 1
fi
ok "seeded $(wc -l < "$WORK/sp-seed.jsonl") hourly evaluations in" \
    "$(( ($(date +%s%N) - t0) / 1000000 )) ms"

port=$(free_port)
base="http://127.0.0.1:$port"
"$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" > "$WORK/status-page.log" 2>&1 &
pid=$!
trap 'stop_pid $pid 5' EXIT
if ! wait_http "$base/-/ready" 60 $pid; then
    bad "the sidecar never got ready"
    tail -n 5 "$WORK/status-page.log" | sed 's/^/    /'
    exit 1
fi

# HEAD like GET, the page's headers, percent-decoded names, 404 for unknown names.
for path in / /slo/checkout-availability /slo/checkout%2Davailability /slo/no-such-slo; do
    want=200
    [ "$path" = /slo/no-such-slo ] && want=404
    head=$(curl -s -m 5 -I "$base$path" | tr -d '\r')
    code=$(printf '%s\n' "$head" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
    if [ "$code" = "$want" ] && printf '%s\n' "$head" | grep -qi '^content-type: text/html; charset=utf-8$' &&
            printf '%s\n' "$head" | grep -qi "^content-security-policy: default-src 'none'; style-src 'unsafe-inline'; img-src data:$"; then
        ok "HEAD $path: $code, text/html, Content-Security-Policy"
    else
        bad "HEAD $path: $(printf '%s' "$head" | head -c 400)"
    fi
done

# The charts are drawn from the seeded points and those the daemon records
# at each evaluation: wait for a few of the latter.
n=0
while :; do
    curl -s -m 5 "$base/api/v1/slos/checkout-availability/history?window=7d" > "$WORK/sp-hist.json"
    counts=$(python3 -c 'import json,sys
p = json.load(open(sys.argv[1]))["data"]["series"][0]["points"]
print(sum(x["time"] <= int(sys.argv[2]) for x in p), sum(x["time"] > int(sys.argv[2]) for x in p))' \
        "$WORK/sp-hist.json" "$END" 2>/dev/null)
    [ "${counts#* }" -ge 3 ] 2>/dev/null && break
    n=$((n + 1))
    if [ $n -gt 60 ]; then
        bad "the daemon recorded no history in 15 s: $(head -c 300 "$WORK/sp-hist.json")"
        exit 1
    fi
    sleep 0.25
done
ok "history of checkout-availability: ${counts% *} seeded points, ${counts#* } recorded live"

rm -rf "$artifacts"
t0=$(date +%s%N)
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHROMIUM="$chromium" \
    node "$root/tests/browser/check_status_page.mjs" "$base" "$artifacts" \
    checkout-by-instance checkout-availability checkout-monthly || FAILED=1
echo "  browser checks took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
grep -q '"level":"error"\|level=error' "$WORK/status-page.log" &&
    bad "the sidecar logged errors: $(grep -m3 'error' "$WORK/status-page.log")"
exit $FAILED
