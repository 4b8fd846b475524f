#!/usr/bin/env bash
# `status` and `explain` against a running sidecar (the test Prometheus'
# data): no escape codes without a TTY, with NO_COLOR on a TTY, or with
# --color=never; escape codes with --color=always and on a TTY; every SLO's
# row shows /api/v1/slos's figures from the same evaluation; `explain` with
# --config.file states the budget, burn rates, alert rules and the PromQL it
# runs with the API's numbers; an unknown name exits 1 with the known names;
# a closed port exits 2 with the URL and the cause.
set -uo pipefail
. "$HERE/lib.sh"
cfg="$WORK/status.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL"
port=$(free_port)
base="http://127.0.0.1:$port"
"$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" > "$WORK/status-daemon.log" 2>&1 &
pid=$!
trap 'stop_pid $pid 5' EXIT
if ! wait_http "$base/-/ready" 60 $pid; then
    bad "the sidecar never got ready"
    tail -n 5 "$WORK/status-daemon.log" | sed 's/^/    /'
    exit 1
fi

# A status run between two equal /api/v1/slos answers saw the same evaluation.
same=0
for _ in 1 2 3 4 5; do
    curl -s -m 10 "$base/api/v1/slos" > "$WORK/st-api.json"
    "$BIN" status --url="$base" > "$WORK/st-plain.txt" 2> "$WORK/st.err"
    rc=$?
    curl -s -m 10 "$base/api/v1/slos" > "$WORK/st-api2.json"
    if cmp -s "$WORK/st-api.json" "$WORK/st-api2.json"; then
        same=1
        break
    fi
    sleep 0.5
done
[ $same = 1 ] || bad "no two /api/v1/slos answers in a row agreed"
[ "$rc" = 0 ] && ok "status: exit 0" || bad "status: exit $rc: $(cat "$WORK/st.err")"
sed 's/^/    /' "$WORK/st-plain.txt"
if grep -q $'\033' "$WORK/st-plain.txt"; then bad "status without a TTY printed escape codes"
else ok "status without a TTY: no escape codes"; fi

"$BIN" status --url="$base" --color=always > "$WORK/st-always.txt" 2>&1
grep -q $'\033\\[' "$WORK/st-always.txt" && ok "--color=always: escape codes" \
    || bad "--color=always: no escape codes"
NO_COLOR=1 "$BIN" status --url="$base" --color=auto > "$WORK/st-nocolor.txt" 2>&1
grep -q $'\033' "$WORK/st-nocolor.txt" && bad "NO_COLOR=1 --color=auto: escape codes" \
    || ok "NO_COLOR=1 --color=auto: no escape codes"
# On a terminal (script(1) gives it one): colour, unless NO_COLOR or --color=never.
script -qec "'$BIN' status --url=$base" /dev/null > "$WORK/st-tty.txt" 2>&1
grep -q $'\033\\[' "$WORK/st-tty.txt" && ok "on a TTY: escape codes" \
    || bad "on a TTY: no escape codes: $(head -c 300 "$WORK/st-tty.txt")"
NO_COLOR=1 script -qec "'$BIN' status --url=$base" /dev/null > "$WORK/st-tty-nc.txt" 2>&1
grep -q $'\033' "$WORK/st-tty-nc.txt" && bad "on a TTY with NO_COLOR=1: escape codes" \
    || ok "on a TTY with NO_COLOR=1: no escape codes"
script -qec "'$BIN' status --url=$base --color=never" /dev/null > "$WORK/st-tty-never.txt" 2>&1
grep -q $'\033' "$WORK/st-tty-never.txt" && bad "on a TTY with --color=never: escape codes" \
    || ok "on a TTY with --color=never: no escape codes"

# Every row against the API's figures, formatted as the table formats them.
python3 - "$WORK/st-api.json" "$WORK/st-plain.txt" <<'PY' || FAILED=1
import json, math, re, sys
api = json.load(open(sys.argv[1]))["data"]
lines = open(sys.argv[2]).read().splitlines()
head = lines[0]
cols = ["SLO", "OBJECTIVE", "SLI", "BUDGET LEFT", "STATUS", "BURN 1h", "BURN 6h", "BURN 1d",
        "ALERTS", "EXHAUSTED IN", "EVALUATED"]
starts = [head.index(c) for c in cols]
def cells(line):
    return [line[s:(starts[i + 1] if i + 1 < len(starts) else None)].strip()
            for i, s in enumerate(starts)]
rows = {cells(l)[0]: cells(l) for l in lines[1:]}
def rate(v):
    if v is None: return "-"
    return "%.0f" % v if abs(v) >= 100 else "%.1f" % v if abs(v) >= 10 else "%.2f" % v
def human(s):
    s = int(math.floor(s))
    for i, (u, n) in enumerate([("d", 86400), ("h", 3600), ("m", 60)]):
        if s >= n:
            nu, nn = [("h", 3600), ("m", 60), ("s", 1)][i]
            lo = (s % n) // nn
            return "%d%s%s" % (s // n, u, "%d%s" % (lo, nu) if lo else "")
    return "%ds" % s
bad = 0
if len(rows) != len(api):
    print("  FAIL: %d rows for %d SLOs" % (len(rows), len(api))); bad = 1
for s in api:
    name = s["name"] + ("{" + ",".join("%s=%s" % kv for kv in s["group"].items()) + "}"
                        if s.get("group") else "")
    r = rows.get(name)
    if r is None:
        print("  FAIL: no row for %s" % name); bad = 1; continue
    w = s["windows"]; b = s["error_budget"]
    pw = w.get(s["period"]) or w.get("period")
    want = {
        "OBJECTIVE": "%.10g%%" % (s["objective"] * 100),
        "SLI": "-" if pw["sli"] is None else "%.3f%%" % (pw["sli"] * 100),
        "BUDGET LEFT": "-" if b["remaining_ratio"] is None else "%.1f%%" % (b["remaining_ratio"] * 100),
        "STATUS": s["status"] or "no data",
        "BURN 1h": rate(w["1h"]["burn_rate"]), "BURN 6h": rate(w["6h"]["burn_rate"]),
        "BURN 1d": rate(w["1d"]["burn_rate"]),
        "ALERTS": ",".join(a["severity"] for a in s["alerts"] if a["firing"]) or "-",
        "EXHAUSTED IN": "-" if b["time_to_exhaustion_seconds"] is None else
                        "now" if b["time_to_exhaustion_seconds"] <= 0 else
                        human(b["time_to_exhaustion_seconds"]),
    }
    got = dict(zip(cols, r))
    got["BUDGET LEFT"] = got["BUDGET LEFT"].split("] ")[-1]
    diff = {k: (got[k], v) for k, v in want.items() if got[k] != v}
    if diff:
        print("  FAIL: %s: (shown, API) %s" % (name, diff)); bad = 1
    else:
        print("  ok: %s: %s" % (name, ", ".join("%s %s" % (k, v) for k, v in want.items())))
    if not re.fullmatch(r"\d+[dhms](\d+[hms])? ago", got["EVALUATED"]):
        print("  FAIL: %s: EVALUATED %r" % (name, got["EVALUATED"])); bad = 1
sys.exit(bad)
PY

# explain with the config: its sentences carry the API's numbers and the query.
"$BIN" explain checkout-availability --url="$base" --config.file="$cfg" \
    > "$WORK/ex.txt" 2> "$WORK/ex.err"
rc=$?
[ "$rc" = 0 ] && ok "explain: exit 0" || bad "explain: exit $rc: $(cat "$WORK/ex.err")"
curl -s -m 10 "$base/api/v1/slos/checkout-availability" > "$WORK/ex-api.json"
sed -n '1,12p' "$WORK/ex.txt" | sed 's/^/    /'
echo "    ..."
sed -n '/^Objective/,$p' "$WORK/ex.txt" | sed 's/^/    /'
python3 - "$WORK/ex-api.json" "$WORK/ex.txt" <<'PY' || FAILED=1
import json, math, sys
d = json.load(open(sys.argv[1]))["data"]
s = d[0] if isinstance(d, list) else d
t = open(sys.argv[2]).read()
w = s["windows"]; b = s["error_budget"]
def rate(v):
    return "%.0f" % v if abs(v) >= 100 else "%.1f" % v if abs(v) >= 10 else "%.2f" % v
want = [
    "99.9% over 30d allows 0.1% of events to be bad: 43m12s of full outage.",
    "SLI over the period: %.3f%%" % (w["30d"]["sli"] * 100),
    "%.1f%% of the budget consumed" % (b["consumed_ratio"] * 100),
    "  Bad events: http_requests_total{job=\"checkout\",code=~\"5..\"}",
    "label_replace(sum (increase(http_requests_total{job=\"checkout\",code=~\"5..\"}[1h])), "
    "\"slo_sidecar_window\", \"1h\", \"\", \"\")",
    "increase(http_requests_total{job=\"checkout\"}[30d])",
    "Status: %s." % s["status"],
]
for win in ("1h", "6h"):
    if w[win]["burn_rate"] is not None:
        want.append("  %s: %s;" % (win, rate(w[win]["burn_rate"])))
for sev, lng, sht, f in (("page", "1h", "5m", "14.4"), ("page", "6h", "30m", "6"),
                         ("ticket", "1d", "2h", "3"), ("ticket", "3d", "6h", "1")):
    parts = []
    fires = True
    for win in (lng, sht):
        r = w[win]["burn_rate"]
        if r is None:
            parts.append("%s burn none (no events)" % win); fires = False
        else:
            parts.append("%s burn %s %s %s" % (win, rate(r), ">" if r > float(f) else "<=", f))
            fires = fires and r > float(f)
    want.append("  %s: %s and %s: %s" % (sev, parts[0], parts[1],
                                          "FIRING" if fires else "not firing"))
firing = [a["severity"] for a in s["alerts"] if a["firing"]]
want.append("Firing now: %s." % (", ".join(firing) or "none"))
bad = 0
for x in want:
    if x in t:
        print("  ok: explain says %r" % x)
    else:
        print("  FAIL: explain lacks %r" % x); bad = 1
sys.exit(bad)
PY

"$BIN" explain no-such-slo --url="$base" > "$WORK/ex-unknown.txt" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q 'unknown SLO "no-such-slo"; known: checkout-availability, ' \
        "$WORK/ex-unknown.txt"; then
    ok "explain no-such-slo: exit 1, $(cat "$WORK/ex-unknown.txt")"
else
    bad "explain no-such-slo: exit $rc: $(cat "$WORK/ex-unknown.txt")"
fi

closed=$(free_port)
"$BIN" status --url="http://127.0.0.1:$closed" > "$WORK/st-closed.txt" 2> "$WORK/st-closed.err"
rc=$?
if [ "$rc" = 2 ] && [ ! -s "$WORK/st-closed.txt" ] &&
        grep -q "GET http://127.0.0.1:$closed/api/v1/slos: .*onnect" "$WORK/st-closed.err"; then
    ok "status against a closed port: exit 2, $(cat "$WORK/st-closed.err")"
else
    bad "status against a closed port: exit $rc: $(cat "$WORK/st-closed.err")"
fi
"$BIN" status --url="$base/nothing" > /dev/null 2> "$WORK/st-404.err"
rc=$?
[ "$rc" = 2 ] && grep -q "HTTP 404" "$WORK/st-404.err" \
    && ok "status against a wrong path: exit 2, $(cat "$WORK/st-404.err")" \
    || bad "status against a wrong path: exit $rc: $(cat "$WORK/st-404.err")"
exit $FAILED
