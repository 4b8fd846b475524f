#!/usr/bin/env bash
# `slo-sidecar eval` in remote_read mode against the real Prometheus, once
# with streamed XOR chunks and once with SAMPLES, at every evaluation time of
# expected.json: every count must equal the generator's exact count
# (check_eval.py exact), and both response types must print the same JSON.
set -uo pipefail
. "$HERE/lib.sh"
times=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["evaluations"])))' \
    "$DATA_DIR/expected.json")
for resp in chunks samples; do
    cfg="$WORK/rr-$resp.yaml"
    sed -e "s#@URL@#$PROM_URL#g" -e "s#@RESPONSE@#$resp#g" "$HERE/slos-rr.yaml.tmpl" > "$cfg"
    files=()
    for T in $times; do
        out="$WORK/rr-$resp.$T.json"
        s=$(date +%s%N)
        timeout 120 "$BIN" eval --config.file="$cfg" --at="$T" --format=json > "$out" \
            2> "$WORK/rr-$resp.$T.err"
        rc=$?
        ms=$(( ($(date +%s%N) - s) / 1000000 ))
        if [ $rc -eq 0 ]; then
            ok "$resp: eval --at=$T: exit 0 in $ms ms"
            files+=("$out")
        else
            bad "$resp: eval --at=$T: exit $rc: $(head -c 600 "$WORK/rr-$resp.$T.err")"
        fi
    done
    if [ ${#files[@]} -gt 0 ]; then
        python3 "$HERE/check_eval.py" exact "$DATA_DIR/expected.json" "${files[@]}" || FAILED=1
    fi
done
for T in $times; do
    if cmp -s "$WORK/rr-chunks.$T.json" "$WORK/rr-samples.$T.json"; then
        ok "at $T: chunks and samples give the same output"
    else
        bad "at $T: chunks and samples differ"
    fi
done
exit $FAILED
