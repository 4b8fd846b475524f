#!/usr/bin/env bash
# The Mimir / Cortex set-up, with faultproxy.py standing in for their front
# (modes mimir and cortex) before the test Prometheus: the Prometheus API only
# under /prometheus, a required X-Scope-OrgID header (else 401 "no org id"),
# and in the cortex mode remote-read answers as SAMPLES without
# Content-Encoding. With the documented config (url <proxy>/prometheus,
# headers {X-Scope-OrgID: team-a}) `eval` in promql and remote_read mode
# prints exactly what it prints against Prometheus directly; without the
# header it exits 2 naming HTTP 401 and "no org id"; a read_path that repeats
# the /prometheus prefix gets the "not supported" message naming the URL.
set -uo pipefail
. "$HERE/lib.sh"
PX_PID=
cleanup() { [ -n "$PX_PID" ] && stop_pid "$PX_PID" 5; }
trap cleanup EXIT

port=$(free_port)
ctl=$(free_port)
PX="http://127.0.0.1:$port"
python3 "$HERE/faultproxy.py" "$port" "$PROM_URL" "$ctl" > "$WORK/mimir-proxy.log" 2>&1 &
PX_PID=$!
if ! wait_http "http://127.0.0.1:$ctl/mode" 10 "$PX_PID"; then
    bad "faultproxy did not start: $(head -c 400 "$WORK/mimir-proxy.log")"
    exit 1
fi
T0=$(( $(date +%s%N) / 1000000 ))
mode() {
    echo "  proxy mode $1 ($(( $(date +%s%N) / 1000000 - T0 )) ms)"
    curl -s -m 10 -X PUT --data "$1" "http://127.0.0.1:$ctl/mode" > /dev/null
}

# config TEMPLATE OUT URL [KEY: VALUE lines for global.prometheus...]
config() {
    local tmpl=$1 out=$2 url=$3
    shift 3
    sed -e "s#@URL@#$url#g" -e 's#@RESPONSE@#chunks#' "$tmpl" > "$out.tmp"
    python3 - "$out.tmp" "$out" "$@" <<'EOF'
import sys
src, dst, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(src).read().split("\n")
i = next(n for n, l in enumerate(lines) if l.startswith("    url: "))
lines[i + 1:i + 1] = ["    " + e for e in extra]
open(dst, "w").write("\n".join(lines))
EOF
    rm -f "$out.tmp"
}

# evaluate NAME CONFIG: eval at END into $WORK/mimir.NAME.json; the exit status.
evaluate() {
    local t0 rc
    t0=$(date +%s%N)
    timeout 60 "$BIN" eval --config.file="$2" --at="$END" --format=json \
        > "$WORK/mimir.$1.json" 2> "$WORK/mimir.$1.err"
    rc=$?
    EV_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    return $rc
}

# same NAME REFERENCE: the SLO figures of eval NAME equal those of REFERENCE.
same() {
    if ! evaluate "$1" "$WORK/mimir.$1.yaml"; then
        bad "$1: exit $?: $(head -c 500 "$WORK/mimir.$1.err")"
        return
    fi
    if python3 -c 'import json,sys; a,b=(json.load(open(p))["slos"] for p in sys.argv[1:]); sys.exit(a!=b or not a)' \
            "$WORK/mimir.$1.json" "$WORK/mimir.$2.json"; then
        ok "$1: the same figures for all SLOs as $2 ($EV_MS ms)"
    else
        bad "$1: figures differ from $2 (diff $WORK/mimir.$1.json $WORK/mimir.$2.json)"
    fi
}

# fails NAME WANT...: eval NAME exits 2, nothing on stdout, stderr has every WANT.
fails() {
    local name=$1 rc
    shift
    evaluate "$name" "$WORK/mimir.$name.yaml"
    rc=$?
    for w in "$@"; do
        if ! grep -qF -- "$w" "$WORK/mimir.$name.err"; then
            bad "$name: exit $rc, stderr lacks \"$w\": $(head -c 400 "$WORK/mimir.$name.err")"
            return
        fi
    done
    if [ $rc -eq 2 ] && [ ! -s "$WORK/mimir.$name.json" ]; then
        ok "$name: exit 2 ($EV_MS ms): $(head -n 1 "$WORK/mimir.$name.err")"
    else
        bad "$name: exit $rc (want 2), stdout $(head -c 100 "$WORK/mimir.$name.json")"
    fi
}

tenant='headers: {X-Scope-OrgID: team-a}'
# References: Prometheus directly.
config "$HERE/slos.yaml.tmpl" "$WORK/mimir.direct-promql.yaml" "$PROM_URL"
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.direct-rr.yaml" "$PROM_URL"
evaluate direct-promql "$WORK/mimir.direct-promql.yaml" || bad "direct promql: $(head -c 300 "$WORK/mimir.direct-promql.err")"
evaluate direct-rr "$WORK/mimir.direct-rr.yaml" || bad "direct remote_read: $(head -c 300 "$WORK/mimir.direct-rr.err")"

mode mimir
config "$HERE/slos.yaml.tmpl" "$WORK/mimir.mimir-promql.yaml" "$PX/prometheus" "$tenant"
same mimir-promql direct-promql
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.mimir-rr.yaml" "$PX/prometheus" "$tenant"
same mimir-rr direct-rr
# The other spelling for remote_read alone: the bare URL and the full read path.
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.mimir-rr-path.yaml" "$PX" "$tenant" \
    'read_path: /prometheus/api/v1/read'
same mimir-rr-path direct-rr
# Both at once repeat the prefix: Mimir has nothing there.
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.mimir-rr-twice.yaml" "$PX/prometheus" "$tenant" \
    'read_path: /prometheus/api/v1/read'
fails mimir-rr-twice \
    "remote_read is not supported by $PX/prometheus/prometheus/api/v1/read (HTTP 404); use mode: api_read"
# No tenant header.
config "$HERE/slos.yaml.tmpl" "$WORK/mimir.mimir-promql-noorg.yaml" "$PX/prometheus"
fails mimir-promql-noorg "$PX/prometheus/api/v1/query" "HTTP 401" "no org id"
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.mimir-rr-noorg.yaml" "$PX/prometheus"
fails mimir-rr-noorg "POST $PX/prometheus/api/v1/read: HTTP 401: \"no org id\""

# cortex differs from mimir in remote read only (its query API is the same
# path through the proxy), so promql is not repeated here.
mode cortex
# read_response chunks (the default) asks for streamed chunks and takes the
# SAMPLES Cortex sends instead; samples asks for them.
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.cortex-rr.yaml" "$PX/prometheus" "$tenant"
same cortex-rr direct-rr
config "$HERE/slos-rr.yaml.tmpl" "$WORK/mimir.cortex-rr-samples.yaml" "$PX/prometheus" "$tenant" \
    'read_response: samples'
sed -i 's/^    read_response: chunks$//' "$WORK/mimir.cortex-rr-samples.yaml"
same cortex-rr-samples direct-rr

# The proxy saw the tenant, and cortex answered SAMPLES on every read.
stats=$(curl -s -m 5 "http://127.0.0.1:$ctl/stats")
echo "  proxy: $stats"
if python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(not (s.get("tenant team-a", 0) > 0 and s.get("cortex 200 SAMPLES", 0) > 0 and s.get("mimir 401", 0) > 0 and not any(k.startswith("cortex 200") and k != "cortex 200 SAMPLES" and "read" in k for k in s)))' "$stats"; then
    ok "the proxy saw X-Scope-OrgID team-a, answered 401 without it, and SAMPLES in cortex mode"
else
    bad "proxy statistics: $stats"
fi
# (the log shows the path as passed on, without /prometheus)
if grep -q '^[0-9.]* cortex POST /api/v1/read -> 200 SAMPLES' "$WORK/mimir-proxy.log" &&
        ! grep -q 'cortex POST /api/v1/read -> 200$' "$WORK/mimir-proxy.log"; then
    ok "every cortex read was answered with SAMPLES"
else
    bad "cortex reads: $(grep 'cortex POST' "$WORK/mimir-proxy.log" | head -5)"
fi
exit $FAILED
