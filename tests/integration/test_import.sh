#!/usr/bin/env bash
# `slo-sidecar import`: the Sloth, OpenSLO and Pyrra examples of tests/data/import/
# against their hand-reviewed golden files:
#  - stdout equals NAME.expected.yaml and stderr NAME.expected.stderr (every
#    unconvertible part as FILE:LINE:COL), exit 3 (some parts not converted);
#    --output=FILE writes the same text, FILE "-" reads stdin;
#  - the output refuses `check` until the Prometheus URL is filled in, then
#    passes `check`, and its `rules` pass `promtool check rules`;
#  - faithfulness on real data: `eval` of the converted configs at the three
#    times of expected.json (END, the quiet period, before any data) against
#    this run's Prometheus gives, for each converted SLO, the figures of its
#    hand-written twin in slos.yaml.tmpl (same counts to 1e-9 where the SLI
#    kind counts events, the same ratios where a Sloth ratio or rate query
#    stands in for counts; windows without traffic are null in both);
#  - exit codes: 0 when all converts, 1 for unreadable, invalid or wholly
#    unconvertible input and for bad flags, with nothing on stdout.
set -uo pipefail
. "$HERE/lib.sh"
FAILED=0
data=$(cd "$HERE/../data/import" && pwd)

# run_import DIR ARGS...: runs import in DIR; sets rc, out, err (files).
run_import() {
    local dir=$1
    shift
    out="$WORK/import.out"
    err="$WORK/import.err"
    (cd "$dir" && timeout 20 "$BIN" import "$@") > "$out" 2> "$err"
    rc=$?
}

for ex in sloth:sloth-shop openslo:openslo-shop sloth:sloth-kube pyrra:pyrra-shop \
        openslo:openslo-list; do
    from=${ex%%:*}
    name=${ex#*:}
    echo "-- $name.yaml (--from=$from)"
    run_import "$data" --from="$from" "$name.yaml"
    [ $rc -eq 3 ] && ok "exit 3 (some parts not converted)" || bad "exit $rc, want 3"
    if diff -u "$data/$name.expected.yaml" "$out" > "$WORK/diff.txt"; then
        ok "stdout equals $name.expected.yaml ($(grep -c '^  - name: ' "$out") SLOs)"
    else
        bad "stdout differs from $name.expected.yaml:"; sed 's/^/      /' "$WORK/diff.txt"
    fi
    if diff -u "$data/$name.expected.stderr" "$err" > "$WORK/diff.txt"; then
        ok "stderr equals $name.expected.stderr ($(grep -c 'not converted: ' "$err") parts not converted)"
    else
        bad "stderr differs from $name.expected.stderr:"; sed 's/^/      /' "$WORK/diff.txt"
    fi
    grep -E "^$name.yaml:[0-9]+:[0-9]+: .*not converted: " "$err" | head -3 | sed 's/^/      /'
    cp "$out" "$WORK/$name.converted.yaml"

    run_import "$data" --from="$from" --output="$WORK/$name.written.yaml" "$name.yaml"
    if [ $rc -eq 3 ] && [ ! -s "$out" ] && cmp -s "$WORK/$name.written.yaml" "$WORK/$name.converted.yaml"; then
        ok "--output writes the same config, stdout empty"
    else
        bad "--output: exit $rc, $(wc -c < "$out") bytes on stdout"
    fi
    run_import "$data" --from "$from" - < "$data/$name.yaml"
    if [ $rc -eq 3 ] && grep -q "^-:[0-9]*:[0-9]*: " "$err" &&
            [ "$(grep -c '^  - name: ' "$out")" = "$(grep -c '^  - name: ' "$WORK/$name.converted.yaml")" ]; then
        ok "\"-\" reads stdin (--from as a separate argument)"
    else
        bad "stdin: exit $rc: $(head -c 300 "$err")"
    fi

    msg=$("$BIN" check --config.file="$WORK/$name.converted.yaml" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && printf '%s' "$msg" | grep -q 'global.prometheus.url: must start with http'; then
        ok "check refuses the placeholder URL"
    else
        bad "check of the placeholder: exit $rc: $msg"
    fi
    sed "s#url: FILL_IN_PROMETHEUS_URL#url: $PROM_URL#" "$WORK/$name.converted.yaml" > "$WORK/$name.cfg.yaml"
    msg=$("$BIN" check --config.file="$WORK/$name.cfg.yaml" 2>&1)
    rc=$?
    [ $rc -eq 0 ] && ok "check with the URL filled in: $msg" || bad "check: exit $rc: $msg"
    if "$BIN" rules --config.file="$WORK/$name.cfg.yaml" > "$WORK/$name.rules.yml" 2> "$WORK/rules.err" &&
            promtool check rules "$WORK/$name.rules.yml" > "$WORK/promtool.txt" 2>&1; then
        ok "rules pass promtool check rules: $(grep -o 'SUCCESS.*' "$WORK/promtool.txt")"
    else
        bad "rules: $(cat "$WORK/rules.err" "$WORK/promtool.txt")"
    fi
done

echo "-- the converted SLOs against their hand-written twins, on the test data"
tmpl="$WORK/twins.yaml"
fill_config "$HERE/slos.yaml.tmpl" "$tmpl" "$PROM_URL"
times=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["evaluations"])))' \
    "$DATA_DIR/expected.json")
for T in $times; do
    for c in twins:"$tmpl" sloth:"$WORK/sloth-shop.cfg.yaml" openslo:"$WORK/openslo-shop.cfg.yaml" \
            slothkube:"$WORK/sloth-kube.cfg.yaml" pyrra:"$WORK/pyrra-shop.cfg.yaml" \
            openslolist:"$WORK/openslo-list.cfg.yaml"; do
        if ! timeout 60 "$BIN" eval --config.file="${c#*:}" --at="$T" > "$WORK/eval.${c%%:*}.$T.json" \
                2> "$WORK/eval.err"; then
            bad "eval ${c%%:*} --at=$T: $(head -c 400 "$WORK/eval.err")"
        fi
    done
done
python3 - "$WORK" $times <<'PY' || FAILED=1
import json, math, sys

work, times = sys.argv[1], sys.argv[2:]
ALERT = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
COUNTS = ["good", "bad", "total", "sli", "error_ratio", "burn_rate"]
RATIOS = ["sli", "error_ratio", "burn_rate"]
# (file, converted SLO, twin in slos.yaml.tmpl, fields, windows, whole SLO too:
# True, or the severities of the alerts it keeps)
PAIRS = [
    ("sloth", "checkout-requests-availability", "checkout-availability", COUNTS, ALERT + ["30d"], True),
    # Its ticket_alert is disabled: only the page alert is there.
    ("sloth", "checkout-requests-availability-ratio", "checkout-availability", RATIOS, ALERT + ["30d"],
     ["page"]),
    ("sloth", "search-requests-latency", "search-latency", RATIOS, ALERT, False),
    ("sloth", "api-requests-errors", "api-custom", COUNTS, ALERT, False),
    ("openslo", "checkout-availability", "checkout-availability", COUNTS, ALERT + ["30d"], True),
    ("openslo", "checkout-monthly-strict", "checkout-availability", COUNTS, ALERT, False),
    ("openslo", "search-latency", "search-latency", COUNTS, ALERT + ["7d"], True),
    ("openslo", "users-freshness", "users-freshness", COUNTS, ALERT + ["7d"], True),
    ("openslo", "api-errors", "api-custom", COUNTS, ALERT + ["28d"], True),
    # The Kubernetes form of Sloth; its ticketAlert is disabled.
    ("slothkube", "cart-requests-availability", "checkout-availability", COUNTS, ALERT + ["30d"],
     ["page"]),
    # Pyrra: a ratio (period 28d, the twin's 30d), a latency as good events of the bucket.
    ("pyrra", "api-errors", "checkout-availability", COUNTS, ALERT, False),
    ("pyrra", "api-latency", "search-latency", COUNTS, ALERT + ["7d"], True),
    # OpenSLO written as a list of objects.
    ("openslolist", "payouts-availability", "checkout-availability", COUNTS, ALERT, False),
]

def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)

failed = 0

def slos(kind, t):
    global failed
    try:
        return {s["name"]: s for s in
                json.load(open("%s/eval.%s.%s.json" % (work, kind, t)))["slos"]}
    except (OSError, ValueError, KeyError) as e:
        print("  FAIL: at %s no %s figures: %s" % (t, kind, e)); failed = 1
        return {}

for t in times:
    twins = slos("twins", t)
    got = {k: slos(k, t) for k in ("sloth", "openslo", "slothkube", "pyrra", "openslolist")}
    for kind, name, twin, fields, windows, whole in PAIRS:
        a, b = got[kind].get(name), twins.get(twin)
        if b is None:
            continue
        if a is None:
            print("  FAIL: at %s %s has no SLO %s" % (t, kind, name)); failed = 1; continue
        bad, nulls = [], 0
        for w in windows:
            wa, wb = a["windows"].get(w), b["windows"].get(w)
            if wa is None or wb is None:
                bad.append("%s missing" % w); continue
            for f in fields:
                if not close(wa.get(f), wb.get(f)):
                    bad.append("%s.%s %r != %r" % (w, f, wa.get(f), wb.get(f)))
            nulls += wa.get("error_ratio") is None
        if whole:
            for f in ("consumed_ratio", "remaining_ratio", "remaining_seconds", "time_to_exhaustion_seconds"):
                if not close(a["error_budget"].get(f), b["error_budget"].get(f)):
                    bad.append("error_budget.%s" % f)
            for f in ("status", "compliant", "objective", "period"):
                if a.get(f) != b.get(f):
                    bad.append("%s %r != %r" % (f, a.get(f), b.get(f)))
            want = [x for x in b["alerts"] if whole is True or x["severity"] in whole]
            if a["alerts"] != want:
                bad.append("alerts %r != %r" % (a["alerts"], want))
        if bad:
            print("  FAIL: at %s %s %s vs %s: %s" % (t, kind, name, twin, "; ".join(bad[:6]))); failed = 1
        else:
            print("  ok: at %s %s %s = %s (%s over %d windows%s)" % (
                t, kind, name, twin, "counts" if fields is COUNTS else "ratios", len(windows),
                ", %d without traffic" % nulls if nulls else ""))
sys.exit(failed)
PY

echo "-- the example in docs/cli.md"
mkdir -p "$WORK/readme"
if python3 - "$HERE/../../docs/cli.md" "$WORK/readme" <<'PY'; then
import sys
# The first code block of "### Importing Sloth, OpenSLO and Pyrra SLOs": "$ cat IN",
# the input, "$ slo-sidecar import ...", stderr and "exit N", "$ cat OUT", the output.
text = open(sys.argv[1]).read()
sec = text[text.index("### Importing Sloth, OpenSLO and Pyrra SLOs"):]
block = sec[sec.index("```\n") + 4:]
block = block[:block.index("```\n")]
segs = [s.split("\n", 1) for s in ("\n" + block).split("\n$ ")[1:]]
(cin, tin), (cimp, terr), (cout, tout) = segs
open(sys.argv[2] + "/" + cin.split()[1], "w").write(tin)
open(sys.argv[2] + "/want.err", "w").write(terr[:terr.rindex("exit ")])
open(sys.argv[2] + "/want.rc", "w").write(terr[terr.rindex("exit ") + 5:].strip() + "\n")
open(sys.argv[2] + "/want.out", "w").write(tout)
open(sys.argv[2] + "/args", "w").write(cimp.split(" > ")[0].split(" ", 2)[2] + "\n")
PY
    read -ra args < "$WORK/readme/args"
    run_import "$WORK/readme" "${args[@]}"
    if [ "$rc" = "$(cat "$WORK/readme/want.rc")" ] && cmp -s "$out" "$WORK/readme/want.out" &&
            cmp -s "$err" "$WORK/readme/want.err"; then
        ok "docs/cli.md: import ${args[*]} prints what the docs show (exit $rc)"
    else
        bad "docs/cli.md example differs (exit $rc, the docs say $(cat "$WORK/readme/want.rc")):"
        diff -u "$WORK/readme/want.out" "$out" | sed 's/^/      /'
        diff -u "$WORK/readme/want.err" "$err" | sed 's/^/      /'
    fi
else
    bad "docs/cli.md: no import example found"
fi

echo "-- exit codes"
cat > "$WORK/all.yaml" <<'EOF'
version: prometheus/v1
service: api
slos:
  - name: errors
    objective: 99
    sli:
      events:
        error_query: sum(rate(api_errors_total{job="api"}[{{.window}}]))
        total_query: sum(rate(api_requests_total{job="api"}[{{.window}}]))
EOF
run_import "$WORK" --from=sloth all.yaml
if [ $rc -eq 0 ] && grep -q '^all.yaml: 1 of 1 SLOs converted$' "$err" && [ "$(wc -l < "$err")" -eq 1 ]; then
    ok "everything converted: exit 0, only the summary on stderr"
else
    bad "all converted: exit $rc: $(cat "$err")"
fi
printf 'version: prometheus/v1\nservice: x\nslos:\n  - {name: p, objective: 99, sli: {plugin: {id: x}}}\n' \
    > "$WORK/none.yaml"
printf 'version: prometheus/v1\nslos: [\n' > "$WORK/broken.yaml"
for c in "none.yaml|--from=sloth|none.yaml: no SLO could be converted" \
         "broken.yaml|--from=sloth|broken.yaml:3:1: yaml: " \
         "missing.yaml|--from=sloth|missing.yaml: cannot read: No such file" \
         "all.yaml|--from=openslo|all.yaml:1:1: not converted: this is a Sloth prometheus/v1 spec" \
         "all.yaml|--from=nagios|import needs --from=sloth, --from=openslo or --from=pyrra" \
         "|--from=sloth|import needs the FILE"; do
    IFS='|' read -r f flag want <<< "$c"
    if [ -n "$f" ]; then run_import "$WORK" "$flag" "$f"; else run_import "$WORK" "$flag"; fi
    if [ $rc -eq 1 ] && [ ! -s "$out" ] && grep -qF -- "$want" "$err"; then
        ok "import $flag ${f:-(no FILE)}: exit 1, nothing on stdout: $(grep -F -- "$want" "$err" | head -1)"
    else
        bad "import $flag ${f:-(no FILE)}: exit $rc, want 1 and \"$want\": $(head -c 300 "$err")"
    fi
done
help=$("$BIN" --help)
grep -q '^  import ' <<< "$help" && ok "--help lists import" || bad "--help lacks import"
exit $FAILED
