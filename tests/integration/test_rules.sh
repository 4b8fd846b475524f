#!/usr/bin/env bash
# `slo-sidecar rules` output passes `promtool check rules` (syntax and lint)
# for the test SLOs and the example config, and names every SLO.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
cfg="$WORK/rules-slos.yaml"
sed "s#@URL@#$PROM_URL#g" "$HERE/slos.yaml.tmpl" > "$cfg"
for c in "$cfg" "$HERE/../../deploy/slos.example.yaml"; do
    out="$WORK/rules.yml"
    if ! "$BIN" rules --config.file="$c" > "$out" 2> "$WORK/rules.err"; then
        bad "rules $(basename "$c"): $(cat "$WORK/rules.err")"
        continue
    fi
    if promtool check rules "$out" > "$WORK/promtool-rules.txt" 2>&1; then
        ok "promtool check rules $(basename "$c"): $(grep -o 'SUCCESS.*' "$WORK/promtool-rules.txt")"
    else
        bad "promtool check rules $(basename "$c"):"; cat "$WORK/promtool-rules.txt"
    fi
    for n in $("$BIN" check --config.file="$c" >/dev/null && sed -n 's/^  - name: //p' "$c"); do
        grep -q "slo_alert_firing{slo=\\\\\"$n\\\\\",severity=\\\\\"page\\\\\"}" "$out" \
            && ok "page alert for $n" || bad "no page alert for $n"
    done
done
"$BIN" rules --config.file="$WORK/does-not-exist.yaml" > /dev/null 2>&1
[ $? -eq 1 ] && ok "rules on a missing config: exit 1" || bad "rules on a missing config"
exit $FAILED
