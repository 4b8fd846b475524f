#!/usr/bin/env bash
# `slo-sidecar eval` in promql mode against the real Prometheus, at the three
# evaluation times of expected.json (END; inside the quiet period, where the
# checkout SLOs' 5m, 30m and 1h windows have zero events; before any data), checked
# by check_eval.py against Prometheus, the increase() emulation and the exact
# counts; then --at in RFC 3339 and --format=table.
set -uo pipefail
. "$HERE/lib.sh"
cfg="$WORK/eval.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$cfg" "$PROM_URL"
times=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["evaluations"])))' \
    "$DATA_DIR/expected.json")
files=()
for T in $times; do
    out="$WORK/eval.$T.json"
    timeout 60 "$BIN" eval --config.file="$cfg" --at="$T" --format=json > "$out" 2> "$WORK/eval.$T.err"
    rc=$?
    if [ $rc -eq 0 ]; then
        ok "eval --at=$T --format=json: exit 0, $(wc -c < "$out") bytes"
    else
        bad "eval --at=$T: exit $rc: $(head -c 600 "$WORK/eval.$T.err")"
    fi
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d.get("at") != int(sys.argv[2]))' \
            "$out" "$T" 2>/dev/null; then
        files+=("$out")
    else
        bad "eval --at=$T: output is not JSON with \"at\": $T: $(head -c 300 "$out")"
    fi
done
if [ ${#files[@]} -gt 0 ]; then
    python3 "$HERE/check_eval.py" eval "$DATA_DIR/expected.json" "$PROM_URL" "${files[@]}" || FAILED=1
fi

# RFC 3339 names the same instant.
rfc=$(date -u -d "@$END" +%Y-%m-%dT%H:%M:%SZ)
timeout 60 "$BIN" eval --config.file="$cfg" --at="$rfc" --format=json > "$WORK/eval.rfc.json" 2>&1
if cmp -s "$WORK/eval.$END.json" "$WORK/eval.rfc.json"; then
    ok "--at=$rfc gives the same output as --at=$END"
else
    bad "--at=$rfc differs from --at=$END: $(head -c 300 "$WORK/eval.rfc.json")"
fi

timeout 60 "$BIN" eval --config.file="$cfg" --at="$END" --format=table > "$WORK/table.txt" 2>&1
rc=$?
sed 's/^/    /' "$WORK/table.txt"
[ $rc -eq 0 ] && ok "--format=table: exit 0" || bad "--format=table: exit $rc"
for n in checkout-availability checkout-good search-latency users-freshness api-custom; do
    grep -qw -- "$n" "$WORK/table.txt" && ok "table names $n" || bad "table lacks $n"
done
exit $FAILED
