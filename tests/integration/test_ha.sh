#!/usr/bin/env bash
# HA pairs and sharding (docs/operations.md, "Scaling"). Five daemons with one config
# (interval 2s; the slow users-freshness SLO left out) against the test
# Prometheus: two unsharded replicas A and B, and three shards --shard=0/3,
# 1/3, 2/3.
# - HA: over three evaluations, whenever A and B have published the same
#   evaluation time, their slo_* lines (HELP and TYPE included; only the
#   slo_sidecar_* self metrics aside) are byte-identical.
# - Sharding: every SLO is on exactly one shard, the one FNV-1a 64 of its
#   name (computed here in Python) mod 3 names; each shard's slo_* series
#   equal A's series of those SLOs at the same evaluation time; each shard
#   exports its own health metrics with slo_sidecar_shard_info and
#   slo_sidecar_slos, lists only its SLOs on /api/v1/slos and is ready even
#   with no SLO at all; eval --shard prints that shard's SLOs only.
set -uo pipefail
. "$HERE/lib.sh"
cfg="$WORK/ha.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL"
python3 - "$cfg" <<'PY' || bad "could not prepare $cfg"
import re, sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("  interval: 30s\n", "  interval: 2s\n", 1)
# users-freshness: a timeslice SLO costing seconds per evaluation here.
s2 = re.sub(r"  - name: users-freshness\n(    .*\n)+", "", s)
assert s2 != s and "interval: 2s" in s2
open(p, "w").write(s2)
PY

names=(a b s0 s1 s2)
flags=("" "" "--shard=0/3" "--shard=1/3" "--shard=2/3")
declare -A port pid
for i in "${!names[@]}"; do
    n=${names[$i]}
    port[$n]=$(free_port)
    # shellcheck disable=SC2086 # an empty flag is no argument
    "$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:${port[$n]}" ${flags[$i]} \
        > "$WORK/ha-$n.log" 2>&1 &
    pid[$n]=$!
done
cleanup() { for n in "${names[@]}"; do stop_pid "${pid[$n]}" 5; done; }
trap cleanup EXIT
for n in "${names[@]}"; do
    if ! wait_http "http://127.0.0.1:${port[$n]}/-/ready" 30 "${pid[$n]}"; then
        bad "daemon $n ${flags[*]:-} not ready"
        tail -n 5 "$WORK/ha-$n.log" | sed 's/^/    /'
        exit 1
    fi
done
ok "five daemons ready (A, B unsharded; shards 0/3, 1/3, 2/3)"

# compare.py DIR ROUND: checks one round of scrapes DIR/{a,b,s0,s1,s2}.txt
# and DIR/*.json; exit 3 when the daemons were not at the same evaluation
# time yet (the caller scrapes again), 1 on a failure.
cat > "$WORK/ha_compare.py" <<'PY'
import json, re, sys
d = sys.argv[1]
names = ["a", "b", "s0", "s1", "s2"]
text = {n: open("%s/%s.txt" % (d, n)).read() for n in names}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')

def slo_part(t):
    """The slo_* lines, HELP and TYPE included, without the self metrics."""
    out = []
    for line in t.splitlines():
        m = re.match(r"^# (HELP|TYPE) (\S+)", line)
        name = m.group(2) if m else line.split("{")[0].split(" ")[0]
        if name.startswith("slo_") and not name.startswith("slo_sidecar_"):
            out.append(line)
    return out

def samples(lines):
    return [l for l in lines if not l.startswith("#")]

def slo_of(line):
    m = re.search(r'[{,]slo="([^"]*)"', line)
    return m.group(1) if m else None

def eval_time(t):
    ts = {l.split(" ")[-1] for l in t.splitlines()
          if l.startswith("slo_last_evaluation_timestamp_seconds")}
    return ts

def fnv1a64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & (2 ** 64 - 1)
    return h

ta, tb = eval_time(text["a"]), eval_time(text["b"])
tshards = set().union(*(eval_time(text[n]) for n in ["s0", "s1", "s2"]))
if len(ta) != 1 or ta != tb or not tshards <= ta:
    sys.exit(3)
t = next(iter(ta))
fails = []
pa, pb = slo_part(text["a"]), slo_part(text["b"])
if pa != pb:
    diff = [l for l in pa if l not in pb][:3] + [l for l in pb if l not in pa][:3]
    fails.append("A and B differ at T=%s: %s" % (t, diff))
slos = sorted({slo_of(l) for l in samples(pa)} - {None})
print("  T=%s: A and B %s: %d slo_* lines, %d series, SLOs %s" % (
    t, "byte-identical" if pa == pb else "DIFFER", len(pa), len(samples(pa)), ",".join(slos)))
if len(slos) != 5 or len(samples(pa)) < 100:
    fails.append("A exports %d SLOs, %d series" % (len(slos), len(samples(pa))))
seen = {}
for k, n in enumerate(["s0", "s1", "s2"]):
    own = sorted({slo_of(l) for l in samples(slo_part(text[n]))} - {None})
    for s in own:
        seen.setdefault(s, []).append(k)
    want = sorted(s for s in slos if fnv1a64(s) % 3 == k)
    if own != want:
        fails.append("shard %d/3 exports %s, FNV-1a 64 mod 3 says %s" % (k, own, want))
    mine = sorted(samples(slo_part(text[n])))
    ref = sorted(l for l in samples(pa) if slo_of(l) in own)
    if mine != ref:
        fails.append("shard %d/3: its series differ from A's for %s" % (k, own))
    info = 'slo_sidecar_shard_info{shard="%d",shards="3"} 1' % k
    lines = text[n].splitlines()
    if info not in lines or ("slo_sidecar_slos %d" % len(own)) not in lines:
        fails.append("shard %d/3 lacks %s or slo_sidecar_slos %d" % (k, info, len(own)))
    for fam in ["slo_sidecar_build_info", "slo_sidecar_evaluations_total",
                "slo_sidecar_backend_up 1", "slo_sidecar_config_last_reload_successful 1"]:
        if not any(l.startswith(fam) for l in lines):
            fails.append("shard %d/3 lacks %s" % (k, fam))
    api = json.load(open("%s/%s.json" % (d, n)))
    if sorted({e["name"] for e in api["data"]}) != own:
        fails.append("shard %d/3: /api/v1/slos lists %s" % (k, [e["name"] for e in api["data"]]))
    print("  shard %d/3: %s (%d series, equal to A's: %s)" % (
        k, ",".join(own) or "no SLO", len(mine), mine == ref))
if sorted(seen) != slos or any(len(v) != 1 for v in seen.values()):
    fails.append("shards do not split the SLOs: %s" % seen)
for n in ["a", "b"]:
    lines = text[n].splitlines()
    if 'slo_sidecar_shard_info{shard="0",shards="1"} 1' not in lines \
            or "slo_sidecar_slos 5" not in lines:
        fails.append("%s: unsharded shard_info or slo_sidecar_slos 5 missing" % n)
for f in fails:
    print("  " + f)
sys.exit(1 if fails else 0)
PY

done_ts=""
rounds=0
for _ in $(seq 1 12); do
    # Mid-interval (2s grid + 1s), when every daemon has published the tick.
    sleep "$(python3 -c 'import time; print(3 - (time.time() % 2) if time.time() % 2 > 1 else 1 - time.time() % 2)')"
    dir="$WORK/ha-round"
    mkdir -p "$dir"
    curls=()
    for n in "${names[@]}"; do
        curl -s -m 5 "http://127.0.0.1:${port[$n]}/metrics" > "$dir/$n.txt" &
        curls+=($!)
        curl -s -m 5 "http://127.0.0.1:${port[$n]}/api/v1/slos" > "$dir/$n.json" &
        curls+=($!)
    done
    wait "${curls[@]}"
    python3 "$WORK/ha_compare.py" "$dir" > "$dir/out.txt" 2>&1
    rc=$?
    [ $rc -eq 3 ] && continue
    ts=$(sed -n 's/^  T=\([^:]*\):.*/\1/p' "$dir/out.txt")
    case " $done_ts " in *" $ts "*) continue ;; esac
    cat "$dir/out.txt"
    if [ $rc -eq 0 ]; then
        ok "evaluation at $ts: A = B byte for byte; shards split the SLOs and equal A"
    else
        bad "evaluation at $ts: see above"
    fi
    done_ts="$done_ts $ts"
    rounds=$((rounds + 1))
    [ $rounds -eq 3 ] && break
done
[ $rounds -eq 3 ] || bad "only $rounds evaluations compared (daemons never at the same time?)"

# eval --shard prints that shard's SLOs only; rules refuses the flag.
want=$(python3 -c '
import sys
def f(s):
    h = 0xcbf29ce484222325
    for b in s.encode(): h = ((h ^ b) * 0x100000001b3) & (2 ** 64 - 1)
    return h
print(",".join(sorted(n for n in sys.argv[1:] if f(n) % 3 == 1)))' \
    checkout-availability checkout-edge checkout-good search-latency api-custom)
got=$("$BIN" eval --config.file="$cfg" --at="$END" --shard=1/3 2> "$WORK/ha-eval.err" \
    | python3 -c 'import json,sys; print(",".join(sorted(s["name"] for s in json.load(sys.stdin)["slos"])))')
[ "$got" = "$want" ] && ok "eval --shard=1/3: $got" \
    || bad "eval --shard=1/3 printed '$got', want '$want' ($(head -c 200 "$WORK/ha-eval.err"))"
if "$BIN" rules --config.file="$cfg" --shard=1/3 > /dev/null 2> "$WORK/ha-rules.err"; then
    bad "rules --shard accepted"
else
    ok "rules --shard refused: $(cat "$WORK/ha-rules.err")"
fi
for n in "${names[@]}"; do
    if grep -qE 'level=(warn|error)' "$WORK/ha-$n.log"; then
        bad "daemon $n logged warnings or errors:"
        grep -E 'level=(warn|error)' "$WORK/ha-$n.log" | head -5 | sed 's/^/    /'
    fi
done
grep -h 'sharded' "$WORK"/ha-s*.log | sed 's/^/  log: /'
exit "$FAILED"
