#!/usr/bin/env bash
# `slo-sidecar rules`:
#  - for the test SLOs and deploy/slos.example.yaml: `promtool check rules`
#    (syntax and lint) passes, and every SLO has its group with the page,
#    ticket, exhausted and stale alerts;
#  - `promtool test rules` on tests/rules/*.test.yml against the rules of
#    tests/rules/slos.yaml: each alert fires just above its thresholds and
#    not at or below them, after its `for:`, with its labels and annotations;
#  - --format=prometheusrule: a PrometheusRule object whose spec is the rule
#    file, with the name, namespace and labels of the flags; bad flags exit 1;
#  - deploy/prometheus/slo-rules.yml is what the example config generates
#    now, and deploy/prometheus/prometheus.yml passes `promtool check config`;
#  - deploy/alertmanager/alertmanager.yml passes `amtool check-config` and
#    routes page and ticket alerts to their receivers.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
root=$(cd "$HERE/../.." && pwd)
cfg="$WORK/rules-slos.yaml"
sed "s#@URL@#$PROM_URL#g" "$HERE/slos.yaml.tmpl" > "$cfg"

for c in "$cfg" "$root/deploy/slos.example.yaml" "$root/tests/rules/slos.yaml"; do
    out="$WORK/rules.yml"
    name=$(basename "$c")
    if ! "$BIN" rules --config.file="$c" > "$out" 2> "$WORK/rules.err"; then
        bad "rules $name: $(cat "$WORK/rules.err")"
        continue
    fi
    if promtool check rules "$out" > "$WORK/promtool-rules.txt" 2>&1; then
        ok "promtool check rules $name: $(grep -o 'SUCCESS.*' "$WORK/promtool-rules.txt")"
    else
        bad "promtool check rules $name:"; cat "$WORK/promtool-rules.txt"
    fi
    python3 - "$c" "$out" <<'PY' || FAILED=1
import re, sys
names = re.findall(r"(?m)^  - name: (\S+)", open(sys.argv[1]).read())
text = open(sys.argv[2]).read()
groups = {m.group(1): m.group(2) for m in
          re.finditer(r"(?ms)^  - name: slo-sidecar-(\S+)\n(.*?)(?=^  - name: |\Z)", text)}
failed = 0
for n in names:
    g = groups.get(n, "")
    alerts = re.findall(r"- alert: (\w+)", g)
    exprs = re.findall(r"expr: \|-\n((?:          .*\n)+)", g)
    sel = 'slo="%s"' % n
    # Every SLO has a burn alert (page or ticket rows), exhausted and stale,
    # and every expression selects the SLO's own series.
    if not any(a.startswith("SLOErrorBudgetBurn") for a in alerts) \
            or "SLOErrorBudgetExhausted" not in alerts or "SLOFiguresStale" not in alerts \
            or len(exprs) != len(alerts) or any(sel not in e for e in exprs):
        print("  FAIL: %s: alerts %s, or an expression without %s" % (n, alerts, sel))
        failed = 1
    else:
        print("  ok: %s: %s" % (n, ", ".join(alerts)))
sys.exit(failed)
PY
done

# promtool unit tests, on copies beside the freshly generated rules.
t="$WORK/rules-test"
mkdir -p "$t"
cp "$root"/tests/rules/*.test.yml "$t/"
(cd "$root" && "$BIN" rules --config.file=tests/rules/slos.yaml) > "$t/slo-rules.yml"
if (cd "$t" && promtool test rules ./*.test.yml) > "$WORK/promtool-test.txt" 2>&1; then
    ok "promtool test rules: $(cd "$root/tests/rules" && echo ./*.test.yml | sed 's#\./##g'), $(grep -c SUCCESS "$WORK/promtool-test.txt") files pass"
else
    bad "promtool test rules:"
    sed 's/^/    /' "$WORK/promtool-test.txt"
fi

# The unit tests notice a wrong threshold: with ">=" instead of ">" (an alert
# at exactly 14.4), or 14.5 instead of 14.4, they fail.
for mut in 's/ > 14.4)/ >= 14.4)/' 's/ > 14.4)/ > 14.5)/'; do
    sed "$mut" "$t/slo-rules.yml" > "$t/mutant.yml"
    cmp -s "$t/mutant.yml" "$t/slo-rules.yml" && { bad "mutation $mut changed nothing"; continue; }
    mkdir -p "$t/mutant"
    cp "$t"/*.test.yml "$t/mutant/"
    cp "$t/mutant.yml" "$t/mutant/slo-rules.yml"
    if (cd "$t/mutant" && promtool test rules page.test.yml) > /dev/null 2>&1; then
        bad "promtool test rules passes on rules mutated with $mut"
    else
        ok "promtool test rules fails on rules mutated with $mut"
    fi
done

# PrometheusRule: its spec is the rule file, two spaces deeper.
pr="$WORK/prometheusrule.yaml"
if "$BIN" rules --config.file="$root/deploy/slos.example.yaml" --format=prometheusrule \
        --rules.name=checkout-slos --rules.namespace=monitoring \
        --rules.label=release=kube-prometheus-stack --rules.label app.kubernetes.io/part-of=slo \
        > "$pr" 2> "$WORK/pr.err"; then
    "$BIN" rules --config.file="$root/deploy/slos.example.yaml" > "$WORK/plain.yml"
    python3 - "$pr" "$WORK/plain.yml" "$WORK/spec.yml" <<'PY' && ok "--format=prometheusrule: apiVersion, kind, metadata from the flags, spec = the rule file" || bad "--format=prometheusrule"
import sys
pr, plain = open(sys.argv[1]).read(), open(sys.argv[2]).read()
body = "".join(l for l in pr.splitlines(True) if not l.startswith("#"))
head, sep, spec = body.partition("spec:\n")
want_head = ('apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n'
             '  name: "checkout-slos"\n  namespace: "monitoring"\n  labels:\n'
             '    "app.kubernetes.io/part-of": "slo"\n    release: "kube-prometheus-stack"\n')
groups = "".join(l[2:] if l.startswith("  ") else "BAD" + l for l in spec.splitlines(True))
plain_groups = "".join(l for l in plain.splitlines(True) if not l.startswith("#"))
ok = head == want_head and sep and groups == plain_groups
if not ok:
    print("    head:\n" + head)
open(sys.argv[3], "w").write(groups)
try:
    import yaml   # not required; when present, the object must parse as YAML too
    o = yaml.safe_load(pr)
    ok = ok and o["kind"] == "PrometheusRule" and o["spec"]["groups"] == yaml.safe_load(plain)["groups"]
except ImportError:
    pass
sys.exit(0 if ok else 1)
PY
    promtool check rules "$WORK/spec.yml" > /dev/null 2>&1 \
        && ok "the PrometheusRule's spec passes promtool check rules" \
        || bad "the PrometheusRule's spec fails promtool check rules"
else
    bad "--format=prometheusrule: $(cat "$WORK/pr.err")"
fi
"$BIN" rules --config.file="$cfg" --format=prometheusrule > "$WORK/pr-default.yaml" 2>&1 \
    && grep -q '^  name: "slo-sidecar"$' "$WORK/pr-default.yaml" \
    && ! grep -q '^  namespace:' "$WORK/pr-default.yaml" \
    && ok "--format=prometheusrule without flags: name slo-sidecar, no namespace" \
    || bad "--format=prometheusrule defaults: $(head -c 300 "$WORK/pr-default.yaml")"

# Usage errors exit 1 with a message and print nothing.
while IFS='|' read -r why args; do
    # shellcheck disable=SC2086
    "$BIN" rules --config.file="$cfg" $args > "$WORK/usage.out" 2> "$WORK/usage.err"
    rc=$?
    if [ $rc -eq 1 ] && [ ! -s "$WORK/usage.out" ] && [ -s "$WORK/usage.err" ]; then
        ok "$why: exit 1, $(head -1 "$WORK/usage.err")"
    else
        bad "$why: exit $rc, stdout $(wc -c < "$WORK/usage.out") bytes"
    fi
done <<'EOF'
unknown format|--format=yaml
metadata flags without prometheusrule|--rules.name=x
bad object name|--format=prometheusrule --rules.name=Bad_Name
bad namespace|--format=prometheusrule --rules.namespace=-x
label without =|--format=prometheusrule --rules.label=release
bad label value|--format=prometheusrule --rules.label=release=a/b
EOF
"$BIN" rules --config.file="$WORK/does-not-exist.yaml" > /dev/null 2>&1
[ $? -eq 1 ] && ok "rules on a missing config: exit 1" || bad "rules on a missing config"

# The example rules are what the example SLOs generate today.
if (cd "$root" && "$BIN" rules --config.file=deploy/slos.example.yaml) > "$WORK/example-rules.yml" \
        && cmp -s "$WORK/example-rules.yml" "$root/deploy/prometheus/slo-rules.yml"; then
    ok "deploy/prometheus/slo-rules.yml is up to date with deploy/slos.example.yaml"
else
    bad "deploy/prometheus/slo-rules.yml is stale; regenerate it with:"
    echo "    slo-sidecar rules --config.file=deploy/slos.example.yaml > deploy/prometheus/slo-rules.yml"
    diff "$root/deploy/prometheus/slo-rules.yml" "$WORK/example-rules.yml" | head -20
fi
if promtool check config "$root/deploy/prometheus/prometheus.yml" > "$WORK/check-config.txt" 2>&1; then
    ok "promtool check config deploy/prometheus/prometheus.yml (with its rule file)"
else
    bad "promtool check config deploy/prometheus/prometheus.yml:"; cat "$WORK/check-config.txt"
fi

# The example routing tree.
am="$root/deploy/alertmanager/alertmanager.yml"
if command -v amtool > /dev/null; then
    if amtool check-config "$am" > "$WORK/amtool.txt" 2>&1; then
        ok "amtool check-config deploy/alertmanager/alertmanager.yml"
    else
        bad "amtool check-config:"; cat "$WORK/amtool.txt"
    fi
    while read -r want labels; do
        # shellcheck disable=SC2086
        got=$(amtool config routes test --config.file="$am" $labels 2>/dev/null)
        [ "$got" = "$want" ] && ok "route {$labels} -> $got" || bad "route {$labels} -> $got, want $want"
    done <<'EOF'
pager alertname=SLOErrorBudgetBurnPage slo=a service=s severity=page
pager alertname=SLOErrorBudgetBurnPage slo=a service=s severity=critical
ticket alertname=SLOErrorBudgetBurnTicket slo=a service=s severity=ticket
ticket alertname=SLOErrorBudgetExhausted slo=a service=s severity=warning
ticket alertname=SLOFiguresStale slo=a service=s severity=info
EOF
else
    bad "amtool not found (Debian package prometheus-alertmanager)"
fi
exit $FAILED
