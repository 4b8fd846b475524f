#!/usr/bin/env bash
# History, events and webhooks against the test Prometheus' data:
#  - `eval --until --step=1h --history.out` seeds the history file; the
#    daemon restores it and serves it at /api/v1/slos/NAME/history, each
#    point equal to `eval --at` at that time (to float precision);
#  - a reload that makes an SLO's objective unreachable gives a status event
#    (and back), served at /api/v1/events with the figures of that
#    evaluation, and POSTed to the webhooks whose `events` select it: one
#    receiver answers 503 twice first (retried, Retry-After honoured), one
#    takes alerts only, one is a closed port (given up after max_attempts);
#    the counters on /metrics say so;
#  - a restart keeps the history and the events, and event ids go on;
#  - a damaged history file is ignored with a warning, never trusted.
set -uo pipefail
. "$HERE/lib.sh"
port=$(free_port)
rport=$(free_port)
dead=$(free_port)
base="http://127.0.0.1:$port"
state="$WORK/hist-state"
cfg="$WORK/hist.yaml"
hooks="$WORK/hooks.jsonl"
: > "$hooks"

# make_config OBJECTIVE_OF_CHECKOUT_EDGE
make_config() {
    fill_config "$HERE/slos.yaml.tmpl" "$cfg.tmp" "$PROM_URL"
    python3 - "$cfg.tmp" "$cfg" "$1" "$state" "$rport" "$dead" <<'EOF'
import re, sys
src, out, obj, state, rport, dead = sys.argv[1:]
text = open(src).read().replace("interval: 30s", "interval: 2s")
text = text.replace("  labels: {cluster: itest}\n", f"""  labels: {{cluster: itest}}
  state_file: {state}
  webhooks:
    - url: http://127.0.0.1:{rport}/all
    - url: http://127.0.0.1:{rport}/alerts
      events: [alert]
    - url: http://127.0.0.1:{dead}/dead
      max_attempts: 2
      timeout: 1s
""", 1)
head, sep, rest = text.partition("  - name: checkout-edge\n")
rest = rest.replace("objective: 99.5", "objective: " + obj, 1)
text = head + sep + rest
# Without the time-slice SLO: its 30-day subquery costs seconds per
# evaluation here, and the others show history and events the same way.
head, sep, rest = text.partition("slos:\n")
items = re.split(r"(?m)^(?=  - name: )", rest)
open(out, "w").write(head + sep + "".join(i for i in items if "users-freshness" not in i))
EOF
}
make_config 99.5

# 1. Seed two days of hourly points.
t0=$(date +%s%N)
if ! "$BIN" eval --config.file="$cfg" --at=$((END - 2 * 86400)) --until="$END" --step=1h \
        --history.out="$state.history" > "$WORK/seed.jsonl" 2> "$WORK/seed.err"; then
    bad "eval --history.out failed: $(head -c 400 "$WORK/seed.err")"
    exit 1
fi
t1=$(date +%s%N)
ok "seeded $(wc -l < "$WORK/seed.jsonl") hourly evaluations in $(( (t1 - t0) / 1000000 )) ms"
# Bad flag combinations are refused.
"$BIN" eval --config.file="$cfg" --history.out="$WORK/x" > /dev/null 2> "$WORK/e1" \
    && bad "--history.out without --until accepted" || ok "--history.out needs --until"
"$BIN" eval --config.file="$cfg" --at=$((END - 3600)) --until="$END" --step=3s \
    > /dev/null 2> "$WORK/e2" && bad "--step=3s (not a multiple of 2s) accepted" \
    || ok "--step must be a multiple of the interval: $(head -c 100 "$WORK/e2")"

python3 "$HERE/webhook_receiver.py" "$rport" "$hooks" 2 > /dev/null 2>&1 &
rpid=$!
start_daemon() {
    "$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" >> "$WORK/hist-daemon.log" 2>&1 &
    pid=$!
    if ! wait_http "$base/-/ready" 60 $pid; then
        bad "the sidecar never got ready"
        tail -n 5 "$WORK/hist-daemon.log" | sed 's/^/    /'
        exit 1
    fi
}
pid=
trap 'stop_pid $rpid 5; [ -n "$pid" ] && stop_pid $pid 5' EXIT
start_daemon
grep -q 'msg="history restored"' "$WORK/hist-daemon.log" && ok "history restored at start" \
    || bad "no 'history restored' in the log: $(tail -n 3 "$WORK/hist-daemon.log")"

# 2. The seeded points equal eval at the same times.
curl -s "$base/api/v1/slos/checkout-availability/history?window=3d" > "$WORK/h1.json"
python3 - "$WORK/h1.json" "$WORK/seed.jsonl" "$END" <<'EOF' || FAILED=1
import json, sys
hist = json.load(open(sys.argv[1]))
end = int(sys.argv[3])
assert hist["status"] == "success", hist
pts = hist["data"]["series"][0]["points"]
# Hours the seed does not cover are reconstructed by the daemon (flagged).
seeded = [p for p in pts if p["time"] <= end and not p.get("reconstructed")]
bad = 0
nseed = sum(1 for _ in open(sys.argv[2]))
if len(seeded) != nseed or nseed < 10:
    print("  FAIL: %d seeded points within the window, expected %d" % (len(seeded), nseed)); bad = 1
by_t = {p["time"]: p for p in pts}
checked = 0
for line in open(sys.argv[2]):
    doc = json.loads(line)
    for s in doc["slos"]:
        if s["name"] != "checkout-availability":
            continue
        p = by_t.get(doc["at"])
        if p is None:
            print("  FAIL: no history point at", doc["at"]); bad = 1; continue
        per = s["windows"][s["period"]]
        for got, want, what in ((p["sli"], per["sli"], "sli"),
                                (p["budget_remaining"], s["error_budget"]["remaining_ratio"], "budget"),
                                (p["burn_rate_1h"], s["windows"]["1h"]["burn_rate"], "burn 1h")):
            if (got is None) != (want is None) or (
                    want is not None and abs(got - want) > 1e-6 * max(1.0, abs(want))):
                # Points keep floats (7 digits): 1e-6 relative is their precision.
                print("  FAIL: %s at %s: history %r, eval %r" % (what, doc["at"], got, want)); bad = 1
        if p["status"] != s["status"]:
            print("  FAIL: status at %s: %r vs %r" % (doc["at"], p["status"], s["status"])); bad = 1
        checked += 1
times = [p["time"] for p in pts]
if times != sorted(times) or len(set(times)) != len(times):
    print("  FAIL: points not in time order"); bad = 1
print("  %s: %d seeded points equal eval's figures; %d points in all" %
      ("ok" if not bad else "FAIL", checked, len(pts)))
sys.exit(bad)
EOF
code=$(http_code "$base/api/v1/slos/nope/history")
[ "$code" = 404 ] && ok "history of an unknown SLO: 404" || bad "unknown SLO history: HTTP $code"
code=$(http_code "$base/api/v1/slos/checkout-availability/history?window=soon")
[ "$code" = 400 ] && ok "a bad window: 400" || bad "bad window: HTTP $code"
code=$(http_code "$base/api/v1/events?after=x")
[ "$code" = 400 ] && ok "a bad after=: 400" || bad "bad after: HTTP $code"

# 3. An unreachable objective: a status event, and the webhooks hear of it.
curl -s "$base/api/v1/events" > "$WORK/ev0.json"
before=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; print(d[-1]["id"] if d else 0)' "$WORK/ev0.json")
was=$(curl -s "$base/api/v1/slos/checkout-edge" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["status"])')
# wait_events N: waits up to 20 s for N status events of checkout-edge after $before.
wait_events() {
    for _ in $(seq 1 80); do
        n=$(curl -s "$base/api/v1/events?after=$before&slo=checkout-edge" | python3 -c \
            'import json,sys; print(sum(e["type"] == "status" for e in json.load(sys.stdin)["data"]))')
        [ "$n" -ge "$1" ] && return 0
        sleep 0.25
    done
    return 1
}
make_config 99.9999
curl -s -X POST "$base/-/reload" > /dev/null
wait_events 1 || bad "no status event after the objective went up"
make_config 99.5
curl -s -X POST "$base/-/reload" > /dev/null
wait_events 2 || bad "no status event after the objective came back"
curl -s "$base/api/v1/events?after=$before&slo=checkout-edge" > "$WORK/ev1.json"
python3 - "$WORK/ev1.json" "$was" <<'EOF' || FAILED=1
import json, sys
ev = json.load(open(sys.argv[1]))["data"]
was = sys.argv[2]
st = [e for e in ev if e["type"] == "status"]
bad = 0
if len(st) < 2:
    print("  FAIL: expected two status events for checkout-edge, got", ev); sys.exit(1)
a, b = st[0], st[1]
if not (a["from"] == was and a["to"] == "exhausted" and a["budget_remaining"] <= 0):
    print("  FAIL: first event", a); bad = 1
if not (b["from"] == "exhausted" and b["to"] == was and b["time"] > a["time"]):
    print("  FAIL: second event", b); bad = 1
if any(e["slo"] != "checkout-edge" for e in ev) or [e["id"] for e in ev] != sorted(e["id"] for e in ev):
    print("  FAIL: slo filter or id order", ev); bad = 1
print("  %s: %s -> exhausted -> %s events (ids %d, %d)" % ("FAIL" if bad else "ok", was, was, a["id"], b["id"]))
sys.exit(bad)
EOF
# Deliveries: /all got both status events after two 503s; /alerts none of them.
# The second batch may still be in its backoff (up to 1 s + Retry-After 1 s).
for _ in $(seq 1 40); do
    [ "$(grep -c '"/all".*"status": 200' "$hooks")" -ge 2 ] && break
    sleep 0.25
done
python3 - "$hooks" "$WORK/ev1.json" <<'EOF' || FAILED=1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
want = [e for e in json.load(open(sys.argv[2]))["data"] if e["type"] == "status"]
got = [e for r in recs if r["path"] == "/all" and r["status"] == 200
       for e in r["body"]["events"] if e["slo"] == "checkout-edge" and e["type"] == "status"]
bad = 0
for w in want:
    if w not in got:
        print("  FAIL: event %d not delivered to /all: %s" % (w["id"], w)); bad = 1
fails = [r for r in recs if r["path"] == "/all" and r["status"] == 503]
if len(fails) != 2:
    print("  FAIL: /all answered 503 %d times, expected 2" % len(fails)); bad = 1
for r in recs:
    if r["path"] == "/alerts" and any(e["type"] != "alert" for e in r["body"]["events"]):
        print("  FAIL: /alerts got a status event", r); bad = 1
    if r.get("body", {}).get("version") != "1":
        print("  FAIL: payload version", r); bad = 1
print("  %s: %d status events delivered to /all after 2 retried 503s; /alerts got alerts only"
      % ("FAIL" if bad else "ok", len(want)))
sys.exit(bad)
EOF
# The counters reach /metrics with the next evaluation's snapshot.
for _ in $(seq 1 40); do
    curl -s "$base/metrics" > "$WORK/hist-metrics.txt"
    grep -q '^slo_sidecar_webhook_batches_total{result="delivered"} [1-9]' "$WORK/hist-metrics.txt" \
        && grep -q '^slo_sidecar_webhook_batches_total{result="failed"} [1-9]' "$WORK/hist-metrics.txt" \
        && break
    sleep 0.25
done
python3 - "$WORK/hist-metrics.txt" <<'EOF' || FAILED=1
import re, sys
m = {}
for line in open(sys.argv[1]):
    g = re.match(r'(slo_sidecar_(?:webhook|history)\w*(?:\{[^}]*\})?) (\S+)$', line)
    if g:
        m[g.group(1)] = float(g.group(2))
bad = 0
d = m.get('slo_sidecar_webhook_batches_total{result="delivered"}', 0)
f = m.get('slo_sidecar_webhook_batches_total{result="failed"}', 0)
r = m.get('slo_sidecar_webhook_retries_total', 0)
if d < 1 or f < 1 or r < 3:
    # /all: 2 retries; the dead port: 1 retry per batch (max_attempts 2).
    print("  FAIL: webhook counters", m); bad = 1
if m.get('slo_sidecar_history_points', 0) < 49:
    print("  FAIL: history points", m); bad = 1
print("  %s: delivered %g, failed %g, retries %g, history points %g" %
      ("FAIL" if bad else "ok", d, f, r, m.get('slo_sidecar_history_points', 0)))
sys.exit(bad)
EOF
grep -q 'msg="webhook not delivered".*/dead' "$WORK/hist-daemon.log" \
    && ok "the closed port's batches are logged as not delivered" \
    || bad "no 'webhook not delivered' for the closed port"
grep -q 'msg="SLO status changed" slo=checkout-edge' "$WORK/hist-daemon.log" \
    && ok "status changes are logged" || bad "no 'SLO status changed' in the log"

# 4. A restart keeps history and events; ids go on.
npts=$(curl -s "$base/api/v1/slos/checkout-availability/history" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["series"][0]["points"]))')
curl -s "$base/api/v1/events" > "$WORK/ev2.json"
stop_pid $pid 10
[ -s "$state.history" ] && ok "history written at shutdown" || bad "no history file after shutdown"
start_daemon
curl -s "$base/api/v1/slos/checkout-availability/history" > "$WORK/h3.json"
curl -s "$base/api/v1/events" > "$WORK/ev3.json"
python3 - "$WORK/h3.json" "$npts" "$WORK/ev2.json" "$WORK/ev3.json" <<'EOF' || FAILED=1
import json, sys
n = len(json.load(open(sys.argv[1]))["data"]["series"][0]["points"])
old = json.load(open(sys.argv[3]))["data"]
new = json.load(open(sys.argv[4]))["data"]
bad = 0
if n < int(sys.argv[2]):
    print("  FAIL: %d points after the restart, %s before" % (n, sys.argv[2])); bad = 1
if new[:len(old)] != old:
    print("  FAIL: events changed over the restart"); bad = 1
ids = [e["id"] for e in new]
if len(set(ids)) != len(ids):
    print("  FAIL: event ids reused", ids); bad = 1
print("  %s: restart kept %d points (had %s) and %d events" % ("FAIL" if bad else "ok", n, sys.argv[2], len(old)))
sys.exit(bad)
EOF

# 5. A damaged history file is ignored, with a warning.
stop_pid $pid 10
python3 - "$state.history" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(bytes(b))
EOF
start_daemon
grep -q 'msg="history file ignored; starting a new history"' "$WORK/hist-daemon.log" \
    && ok "a damaged history file is ignored with a warning" \
    || bad "no warning for a damaged history file"
n=$(curl -s "$base/api/v1/slos/checkout-availability/history" | python3 -c 'import json,sys; s=json.load(sys.stdin)["data"]["series"]; print(len([p for p in s[0]["points"] if not p.get("reconstructed")]) if s else 0)')
[ "$n" -lt 10 ] && ok "and the new history starts empty ($n live points; the rest is reconstructed)" \
    || bad "$n live points after a damaged history file"
exit $FAILED
