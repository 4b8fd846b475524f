#!/usr/bin/env bash
# Offline checks of the Helm chart (helm/slo-sidecar) and of the Dockerfile.
#   tests/deploy/test_helm.sh [path/to/slo-sidecar]
# Needs build/tools/helm and tests/deploy/node_modules (scripts/deps-npm.sh),
# the slo-sidecar binary (default build/slo-sidecar), promtool, amtool,
# prometheus-alertmanager, curl, readelf and ldd, and dpkg's file lists (Debian).
#
# First the static alert rules (helm/slo-sidecar/rules/slo-static-rules.yml,
# linked from deploy/prometheus/): promtool check rules, promtool test rules
# on tests/rules/static/*.test.yml, and those tests failing on mutated
# rules; the Alertmanager example's routes for them (amtool) and its
# inhibitions (a real Alertmanager on a free port).
# For each scenario (defaults; every optional part on; sharding; basic auth with the
# config reloader; an existing ConfigMap; sidecar mode; SLO files per team; the
# example config; the README's examples):
# helm lint --strict, helm template, every manifest validated against the
# Kubernetes / prometheus-operator schemas (unknown fields too), the chart's
# invariants (check_chart.mjs: also the NetworkPolicy, the `helm test` pod,
# and in sidecar mode the kube-prometheus-stack values as a Prometheus
# spec), `slo-sidecar check` on the ConfigMap's config (with the team
# files: on the directory), the PrometheusRule equal to `slo-sidecar rules`
# on that config (perSlo) or to the static rule file with the values'
# changes (static, static_rules.mjs), and accepted by `promtool check
# rules`. Then the `helm test` script run against the binary, the
# kube-prometheus-stack values printed by kubePrometheusStack.output=values
# and taken by Helm as values, checksum/config behaviour, the renders that
# must fail with a useful message, Chart.yaml's metadata, the README's
# snippets and Values table, and the Dockerfile (lint, OCI labels, runtime
# packages against the binary's libraries). Prints each check; exits 1 if
# any failed.
# ok and bad always return 0, so `cond && ok .. || bad ..` is an if-then-else.
# shellcheck disable=SC2015
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CHART=${SLO_CHART:-$ROOT/helm/slo-sidecar}   # another copy: for trying out changes
HELM="$ROOT/build/tools/helm"
BIN=$(realpath "${1:-$ROOT/build/slo-sidecar}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/slo-deploy-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export KUBECONFIG="$WORK/no-kubeconfig" HELM_CACHE_HOME="$WORK/helm-cache" \
    HELM_CONFIG_HOME="$WORK/helm-config" HELM_DATA_HOME="$WORK/helm-data"

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "  ok   $*"; }
bad() { FAILED=$((FAILED + 1)); echo "  FAIL $*"; }
section() { echo "== $*"; }

for tool in "$HELM" "$BIN"; do
    [ -x "$tool" ] || { echo "test_helm: $tool is missing (make deps; make)" >&2; exit 1; }
done
[ -d "$HERE/node_modules/kubernetes-models" ] \
    || { echo "test_helm: tests/deploy/node_modules is missing (make deps)" >&2; exit 1; }
for tool in node promtool amtool; do
    command -v "$tool" > /dev/null || { echo "test_helm: $tool is not installed (make deps)" >&2; exit 1; }
done

# node_check NAME EXPECT-JSON: runs check_chart.mjs on $WORK/NAME/manifest.yaml.
node_check() {
    local name=$1 expect=$2 out="$WORK/$1"
    node "$HERE/check_chart.mjs" --manifest "$out/manifest.yaml" --out "$out" \
        --expect "$expect" > "$out/check.txt" 2>&1
    local rc=$?
    local p f
    p=$(grep -c '^  ok ' "$out/check.txt")
    f=$(grep -c '^  FAIL ' "$out/check.txt")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        FAILED=$((FAILED + 1))
        echo "  FAIL check_chart.mjs $name crashed:"
        sed 's/^/       /' "$out/check.txt"
        return
    fi
    # Each distinct check once per scenario, failures in full.
    grep -E '^  (ok|FAIL) ' "$out/check.txt" | sed -E 's/^(  ok   schema [^ ]+ [^ ]+) .*/\1/' | awk '!seen[$0]++'
}

# render NAME ARGS...: helm lint --strict and helm template with ARGS into $WORK/NAME.
render() {
    local name=$1
    shift
    mkdir -p "$WORK/$name"
    if "$HELM" lint --strict "$CHART" "$@" > "$WORK/$name/lint.txt" 2>&1; then
        ok "helm lint --strict ($name)"
    else
        bad "helm lint --strict ($name)"
        sed 's/^/       /' "$WORK/$name/lint.txt"
    fi
    if "$HELM" template "${RELEASE:-prod}" "$CHART" --namespace monitoring "$@" \
        > "$WORK/$name/manifest.yaml" 2> "$WORK/$name/template.err"; then
        ok "helm template ($name): $(grep -c '^kind:' "$WORK/$name/manifest.yaml") objects"
        return 0
    fi
    bad "helm template ($name)"
    sed 's/^/       /' "$WORK/$name/template.err"
    return 1
}

# config_checks NAME [static ARGS...]: slo-sidecar check on the rendered
# config (when it holds SLOs: with team files it is the global part only);
# the PrometheusRule (if any) equals `slo-sidecar rules` on that config, or
# with `static` the static rule file changed as ARGS say (static_rules.mjs:
# --job J, --page P, --ticket T, --prefix URL, --labels JSON); and it passes
# promtool check rules.
config_checks() {
    local name=$1 out="$WORK/$1" static=
    shift
    [ "${1:-}" = static ] && { static=1; shift; }
    if [ -f "$out/slos.yaml" ] && grep -q '^slos:' "$out/slos.yaml"; then
        if "$BIN" check --config.file="$out/slos.yaml" > "$out/check-config.txt" 2>&1; then
            ok "slo-sidecar check accepts the ConfigMap's config ($name): $(sed 's/.*: //' "$out/check-config.txt")"
        else
            bad "slo-sidecar check on the ConfigMap's config ($name):"
            sed 's/^/       /' "$out/check-config.txt"
        fi
    fi
    [ -f "$out/rules.yaml" ] || return 0
    if [ -n "$static" ]; then
        node "$HERE/static_rules.mjs" --file "$STATIC_RULES" --rendered "$out/rules.yaml" "$@" \
            > "$out/static.txt" 2>&1
        count_checks "$out/static.txt" "static_rules.mjs ($name)"
    else
        "$BIN" rules --config.file="$out/slos.yaml" > "$out/rules-bin.yaml" 2>&1
        if node -e '
            const yaml = require(process.argv[1]);
            const fs = require("fs");
            const a = yaml.load(fs.readFileSync(process.argv[2], "utf8"));
            const b = yaml.load(fs.readFileSync(process.argv[3], "utf8"));
            const canon = (v) => Array.isArray(v) ? v.map(canon) : v && typeof v === "object"
                ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
            const g = (d) => JSON.stringify(canon(d.spec ? d.spec.groups : d.groups));
            process.exit(g(a) === g(b) ? 0 : 1);' \
            "$HERE/node_modules/js-yaml" "$out/rules.yaml" "$out/rules-bin.yaml"; then
            ok "PrometheusRule groups = slo-sidecar rules on the ConfigMap's config ($name)"
        else
            bad "PrometheusRule groups differ from slo-sidecar rules on the ConfigMap's config ($name)"
        fi
    fi
    if promtool check rules "$out/rules.yaml" > "$out/promtool.txt" 2>&1; then
        ok "promtool check rules on the PrometheusRule ($name): $(grep -o 'SUCCESS.*' "$out/promtool.txt")"
    else
        bad "promtool check rules on the PrometheusRule ($name):"
        sed 's/^/       /' "$out/promtool.txt"
    fi
}

# count_checks FILE WHAT: adds the ok/FAIL lines of a checker's output to the
# totals and prints them; a checker that printed none crashed.
count_checks() {
    grep -E '^  (ok|FAIL) ' "$1"
    PASSED=$((PASSED + $(grep -c '^  ok ' "$1")))
    FAILED=$((FAILED + $(grep -c '^  FAIL ' "$1")))
    grep -qE '^  (ok|FAIL) ' "$1" || { bad "$2 crashed:"; sed 's/^/       /' "$1"; }
}

# rules_for CONFIG OUT [manifest]: the rules slo-sidecar renders for CONFIG,
# as a rule file or (manifest) as a PrometheusRule.
rules_for() {
    if [ "${3:-}" = manifest ]; then
        "$BIN" rules --config.file="$1" --format=prometheusrule > "$2" 2> /dev/null \
            && grep -q '^kind: PrometheusRule' "$2" && return 0
        # An older binary without --format=prometheusrule: wrap its rule file.
        { printf 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: slo-sidecar\nspec:\n'
          "$BIN" rules --config.file="$1" | sed -e '/^#/d' -e 's/^/  /'; } > "$2"
    else
        "$BIN" rules --config.file="$1" > "$2"
    fi
}

# A config with the chart's URL, to render rules from (rules do not depend on it).
with_url() { sed 's#^  prometheus:#  prometheus:\n    url: http://x:9090#' "$1" > "$2"; }

STATIC_RULES="$CHART/rules/slo-static-rules.yml"
section "static alert rules: $(realpath --relative-to="$ROOT" "$STATIC_RULES")"
# One source: deploy/prometheus/slo-static-rules.yml is a link to the chart's file.
if [ "$(realpath "$ROOT/deploy/prometheus/slo-static-rules.yml")" = "$(realpath "$ROOT/helm/slo-sidecar/rules/slo-static-rules.yml")" ]; then
    ok "deploy/prometheus/slo-static-rules.yml links to helm/slo-sidecar/rules/slo-static-rules.yml"
else
    bad "deploy/prometheus/slo-static-rules.yml is not a link to helm/slo-sidecar/rules/slo-static-rules.yml (ln -sf)"
fi
if promtool check rules "$STATIC_RULES" > "$WORK/static-check.txt" 2>&1; then
    ok "promtool check rules: $(grep -o 'SUCCESS.*' "$WORK/static-check.txt")"
else
    bad "promtool check rules on the static rules:"
    sed 's/^/       /' "$WORK/static-check.txt"
fi
# static_tests DIR: promtool test rules on the static tests laid out under DIR
# as in the repository (they name ../../../helm/slo-sidecar/rules/...).
static_tests() {
    (cd "$1/tests/rules/static" && promtool test rules ./*.test.yml) > "$1/promtool-test.txt" 2>&1
}
mkdir -p "$WORK/static/tests/rules" "$WORK/static/helm/slo-sidecar/rules"
cp -r "$ROOT/tests/rules/static" "$WORK/static/tests/rules/"
cp "$STATIC_RULES" "$WORK/static/helm/slo-sidecar/rules/"
if static_tests "$WORK/static"; then
    ok "promtool test rules tests/rules/static: $(cd "$ROOT/tests/rules/static" && echo ./*.test.yml | sed 's#\./##g'), $(grep -c SUCCESS "$WORK/static/promtool-test.txt") files pass"
else
    bad "promtool test rules tests/rules/static:"
    sed 's/^/       /' "$WORK/static/promtool-test.txt"
fi
# The tests notice a wrong condition, threshold, duration or aggregation:
# each mutation of the rules (sed FROM to TO, once) must make them fail.
while IFS='|' read -r what from to; do
    m="$WORK/static-mutant"
    rm -rf "$m" && cp -r "$WORK/static" "$m"
    sed -i "s/$from/$to/" "$m/helm/slo-sidecar/rules/slo-static-rules.yml"
    if cmp -s "$m/helm/slo-sidecar/rules/slo-static-rules.yml" "$STATIC_RULES"; then
        bad "mutation '$what' changed nothing"
    elif static_tests "$m"; then
        bad "promtool test rules passes with the mutation '$what'"
    else
        ok "promtool test rules fails with the mutation '$what' ($(grep -c FAILED "$m/promtool-test.txt") files)"
    fi
done <<'MUTATIONS'
page fires at 0|(slo_alert_firing{severity="page"}) == 1|(slo_alert_firing{severity="page"}) >= 0
page from the ticket series|{severity="page"}|{severity="ticket"}
ticket per replica|(instance, pod) (slo_alert_firing{severity="ticket"})|(instance) (slo_alert_firing{severity="ticket"})
exhausted only below 0|(slo_error_budget_remaining_ratio) <= 0|(slo_error_budget_remaining_ratio) < 0
exhausted by the freshest replica|min without (instance, pod) (slo_error_budget_remaining_ratio)|max without (instance, pod) (slo_error_budget_remaining_ratio)
stale from 601 s|(slo_last_evaluation_timestamp_seconds) > 600|(slo_last_evaluation_timestamp_seconds) > 601
stale: gone figures never seen|\[1h\]|[1m]
stale: a removed SLO counted|) == 0|) == 1
every for: 5m as 4m|for: 5m|for: 4m
sidecar down: absent() of another selector|  absent(up{job="slo-sidecar"})|  absent(up{job="slo-sidecar",x="y"})
figures missing at 0|) > 0$|) >= 0
MUTATIONS

section "Alertmanager example (deploy/alertmanager/alertmanager.yml) routes the static rules"
am="$ROOT/deploy/alertmanager/alertmanager.yml"
if amtool check-config "$am" > "$WORK/amtool-deploy.txt" 2>&1; then
    ok "amtool check-config deploy/alertmanager/alertmanager.yml"
else
    bad "amtool check-config deploy/alertmanager/alertmanager.yml:"
    sed 's/^/       /' "$WORK/amtool-deploy.txt"
fi
# Each static alert with its labels, and where it must go.
routes="$WORK/static-routes.txt"
cat > "$routes" <<'ROUTES'
pager alertname=SLOErrorBudgetBurnPage slo=a service=s job=slo-sidecar severity=critical
ticket alertname=SLOErrorBudgetBurnTicket slo=a service=s job=slo-sidecar severity=warning
ticket alertname=SLOErrorBudgetExhausted slo=a service=s job=slo-sidecar severity=warning
ticket alertname=SLOFiguresStale slo=a service=s job=slo-sidecar severity=warning
ticket alertname=SLOSidecarBackendDown job=slo-sidecar severity=warning
ticket alertname=SLOSidecarDown job=slo-sidecar severity=warning
ticket alertname=SLOSidecarConfigReloadFailed job=slo-sidecar severity=warning
ticket alertname=SLOSidecarFiguresMissing job=slo-sidecar severity=warning
ROUTES
while read -r want labels; do
    # shellcheck disable=SC2086
    got=$(amtool config routes test --config.file="$am" $labels 2>/dev/null)
    [ "$got" = "$want" ] && ok "route {$labels} -> $got" || bad "route {$labels} -> $got, want $want"
done < "$routes"
sed -n 's/^ *- alert: //p' "$STATIC_RULES" | while read -r a; do
    grep -q "alertname=$a " "$routes" || echo "$a"
done > "$WORK/static-unrouted.txt"
[ -s "$WORK/static-unrouted.txt" ] && bad "no route test for the static alerts $(cat "$WORK/static-unrouted.txt")" \
    || ok "every alert of the static rules has its route test"
# Its inhibitions, in a real Alertmanager on a free port: a page hides the
# same SLO's ticket only; a sidecar down or cut off from its store hides the
# stale and missing figures of its own job only.
AM_PID=
BG_PIDS=
# shellcheck disable=SC2086 # word splitting of the PID lists
trap 'for p in $AM_PID $BG_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
if command -v prometheus-alertmanager > /dev/null; then
    amport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    amurl="http://127.0.0.1:$amport"
    prometheus-alertmanager --config.file="$am" --storage.path="$WORK/am-data" \
        --web.listen-address="127.0.0.1:$amport" --cluster.listen-address= > "$WORK/am.log" 2>&1 &
    AM_PID=$!
    for _ in $(seq 50); do curl -sf "$amurl/-/ready" > /dev/null && break; sleep 0.1; done
    while read -r labels; do
        # shellcheck disable=SC2086
        amtool alert add --alertmanager.url="$amurl" $labels > /dev/null 2>> "$WORK/am.log"
    done <<'ALERTS'
alertname=SLOErrorBudgetBurnPage slo=pay service=payments job=slo-sidecar severity=critical
alertname=SLOErrorBudgetBurnTicket slo=pay service=payments job=slo-sidecar severity=warning
alertname=SLOErrorBudgetBurnTicket slo=search service=search job=slo-sidecar severity=warning
alertname=SLOSidecarBackendDown job=slo-sidecar severity=warning
alertname=SLOFiguresStale slo=pay service=payments job=slo-sidecar severity=warning
alertname=SLOSidecarFiguresMissing job=slo-sidecar severity=warning
alertname=SLOFiguresStale slo=api service=api job=other-slos severity=warning
ALERTS
    got=""
    for _ in $(seq 30); do
        got=$(amtool alert query --alertmanager.url="$amurl" --inhibited -o json 2>/dev/null | python3 -c '
import json, sys
print(" ".join(sorted("%s/%s" % (a["labels"]["alertname"], a["labels"].get("slo", a["labels"]["job"]))
                      for a in json.load(sys.stdin) if a["status"]["inhibitedBy"])))')
        [ -n "$got" ] && [ "$(amtool alert query --alertmanager.url="$amurl" -o json 2>/dev/null \
            | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" = 4 ] && break
        sleep 0.2
    done
    want="SLOErrorBudgetBurnTicket/pay SLOFiguresStale/pay SLOSidecarFiguresMissing/slo-sidecar"
    [ "$got" = "$want" ] && ok "Alertmanager $(prometheus-alertmanager --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p;q') inhibits exactly: $got" \
        || { bad "inhibited alerts: '$got', want '$want'"; sed 's/^/       /' "$WORK/am.log" | tail -5; }
    kill "$AM_PID" 2>/dev/null
    wait "$AM_PID" 2>/dev/null
    AM_PID=
else
    bad "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager)"
fi

section "scenario defaults"
if render defaults; then
    node_check defaults '{"kinds":["ConfigMap","Deployment","Pod","Service","ServiceAccount"],"checksum":true,
        "url":"http://prometheus-operated:9090","sloNames":["prometheus-query-api-availability"],"ServiceAccount":1,"PodDisruptionBudget":0}'
    config_checks defaults
fi

section "the \`helm test\` pod's script, run here against the binary"
# free_port: a free loopback port.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# The script of the defaults' test pod, with SLO_SIDECAR_URL pointed at two
# daemons on the defaults' config: one against a store that answers every
# query with no series (ready at once: it must pass) and one against a
# closed port (never ready: it must fail once READY_TIMEOUT has passed).
ht="$WORK/defaults/helm-test.sh"
if [ -s "$ht" ] && [ -f "$WORK/defaults/slos.yaml" ]; then
    store=$(free_port)
    python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self): self.answer()
    def do_POST(self): self.answer()
    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        b = b"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$store" \
        > "$WORK/helm-test-store.log" 2>&1 &
    BG_PIDS="$BG_PIDS $!"
    for _ in $(seq 50); do curl -s "http://127.0.0.1:$store/" > /dev/null && break; sleep 0.1; done
    good=$(free_port)
    sed "s#^\( *url:\).*#\1 http://127.0.0.1:$store#" "$WORK/defaults/slos.yaml" > "$WORK/helm-test-good.yaml"
    "$BIN" --config.file="$WORK/helm-test-good.yaml" --web.listen-address="127.0.0.1:$good" > "$WORK/helm-test-good.log" 2>&1 &
    BG_PIDS="$BG_PIDS $!"
    down=$(free_port)
    sed "s#^\( *url:\).*#\1 http://127.0.0.1:1#" "$WORK/defaults/slos.yaml" > "$WORK/helm-test-down.yaml"
    "$BIN" --config.file="$WORK/helm-test-down.yaml" --web.listen-address="127.0.0.1:$down" > "$WORK/helm-test-down.log" 2>&1 &
    BG_PIDS="$BG_PIDS $!"
    # Both at once: the unready one takes READY_TIMEOUT and a retry delay.
    SLO_SIDECAR_URL="http://127.0.0.1:$down" READY_TIMEOUT=1 sh "$ht" > "$WORK/helm-test-down.txt" 2>&1 &
    down_run=$!
    for _ in $(seq 50); do curl -s "http://127.0.0.1:$good/-/healthy" > /dev/null && break; sleep 0.1; done
    if SLO_SIDECAR_URL="http://127.0.0.1:$good" READY_TIMEOUT=20 sh "$ht" > "$WORK/helm-test-good.txt" 2>&1 \
        && [ "$(grep -c '^ok ' "$WORK/helm-test-good.txt")" = 2 ]; then
        ok "helm test script passes against a ready sidecar: $(grep '^ok ' "$WORK/helm-test-good.txt" | sed 's/^ok  *//' | tr '\n' ' ')"
    else
        bad "helm test script against a ready sidecar:"
        sed 's/^/       /' "$WORK/helm-test-good.txt" "$WORK/helm-test-good.log"
    fi
    if wait "$down_run"; then
        bad "helm test script passes against a sidecar that cannot reach its store"
    elif grep -q 'returned error: 503' "$WORK/helm-test-down.txt" && ! grep -q '^GET .*/metrics' "$WORK/helm-test-down.txt"; then
        ok "helm test script fails on a sidecar that cannot reach its store: /-/ready $(grep -o 'returned error: 503' "$WORK/helm-test-down.txt" | head -n 1) after READY_TIMEOUT"
    else
        bad "helm test script against an unready sidecar failed for another reason:"
        sed 's/^/       /' "$WORK/helm-test-down.txt"
    fi
    # shellcheck disable=SC2086
    kill $BG_PIDS 2>/dev/null
    # shellcheck disable=SC2086
    wait $BG_PIDS 2>/dev/null
    BG_PIDS=
else
    bad "the defaults render has no test pod script or config"
fi

section "scenario full: remote_read + state file, bearer token, TLS, ServiceMonitor, PrometheusRule, dashboard, PDB, scheduling, extras"
with_url "$HERE/slos-remote-read.yaml" "$WORK/slos-rr.yaml"
# (as a PrometheusRule: the chart takes its spec.groups)
rules_for "$WORK/slos-rr.yaml" "$WORK/rules-rr.yaml" manifest
if render full -f "$HERE/values/full.yaml" --set-file configYaml="$HERE/slos-remote-read.yaml" \
    --set-file prometheusRule.rules="$WORK/rules-rr.yaml"; then
    node_check full '{"kinds":["ConfigMap","ConfigMap","Deployment","NetworkPolicy","Pod","PodDisruptionBudget","PrometheusRule","Service","ServiceAccount","ServiceMonitor"],
        "checksum":true,"mode":"remote_read","auth":"bearer","tls":["ca","cert","key"],"stateVolume":"emptyDir",
        "url":"https://prometheus.monitoring.svc:9091","sloNames":["checkout-availability","search-latency","users-freshness"],
        "secrets":{"prometheus-token":"token","prometheus-client-tls":"tls.key"},
        "serviceMonitor":true,"serviceMonitorLabels":{"release":"kube-prometheus-stack"},
        "prometheusRule":true,"ruleSet":"perSlo","severities":["critical","warning","page","ticket"],"prometheusRuleLabels":{"release":"kube-prometheus-stack"},"dashboard":true,"PodDisruptionBudget":1,
        "args":["--log.level=debug","--log.format=json"],"env":{"TZ":"UTC"},
        "networkPolicy":{"egressPorts":[8080,8443,9091],"extraPorts":[{"port":8443,"protocol":"TCP"}],
            "from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}}],
            "egressTo":[{"ipBlock":{"cidr":"10.0.0.0/8"}}],
            "dnsTo":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"k8s-app":"kube-dns"}}}]},
        "podSpec":{"nodeSelector":{"kubernetes.io/os":"linux"},"priorityClassName":"monitoring",
                   "tolerations":[{"key":"dedicated","operator":"Equal","value":"monitoring","effect":"NoSchedule"}]}}'
    config_checks full
    # (a YAML block scalar with |- drops a final newline)
    # shellcheck disable=SC1003 # sed '$a\': add a final newline if missing
    if cmp -s <(sed -e '$a\' "$WORK/full/dashboard.json") <(sed -e '$a\' "$CHART/dashboards/slo-overview.json"); then
        ok "dashboard ConfigMap holds dashboards/slo-overview.json byte for byte"
    else
        bad "dashboard ConfigMap differs from dashboards/slo-overview.json"
    fi
    grep -q 'image: "registry.example.com/sre/slo-sidecar@sha256:0123' "$WORK/full/manifest.yaml" \
        && ok "image by digest" || bad "image by digest"
fi

section "scenario basic-auth: basic auth, TLS CA only, config reloader, the default NetworkPolicy"
if render basic-auth -f "$HERE/values/basic-auth.yaml"; then
    node_check basic-auth '{"kinds":["ConfigMap","Deployment","NetworkPolicy","Pod","Service","ServiceAccount"],"checksum":false,"reloader":true,
        "networkPolicy":{"egressPorts":[443]},
        "auth":"basic","tls":["ca"],"url":"https://mimir-gateway.mimir.svc/prometheus",
        "secrets":{"mimir-basic-auth":"pass","mimir-ca":"ca.pem"},"args":["--log.format=json"]}'
    config_checks basic-auth
fi

section "scenario existing-configmap: remote_read, state on a PersistentVolumeClaim, no test pod"
if render existing-configmap -f "$HERE/values/existing-configmap.yaml"; then
    node_check existing-configmap '{"kinds":["Deployment","Service"],"checksum":false,"existingConfigMap":"team-slos",
        "existingConfigMapKey":"config.yaml","stateVolume":"persistentVolumeClaim","stateFile":"/var/lib/slo-sidecar/state",
        "ServiceAccount":0,"podSpec":{"serviceAccountName":"monitoring"},"test":false}'
    grep -q 'type: Recreate' "$WORK/existing-configmap/manifest.yaml" && ok "strategy Recreate" || bad "strategy Recreate"
fi

# kps_checks NAME all|raw ARGS...: sidecar mode, after node_check NAME (which
# wrote the kube-prometheus-stack values of ConfigMap
# prod-slo-sidecar-kps-values to $WORK/NAME/kps-values.yaml): with
# kubePrometheusStack.output=values, `helm template -s` prints the same file
# (its only output); and with `all`, the NOTES say how to hand them over, and
# Helm takes that output as a values file (-f), as kube-prometheus-stack
# would, merging the pod label into the user's.
kps_checks() {
    local name=$1 what=$2 out="$WORK/$1"
    shift 2
    if [ "$what" = raw ]; then
        :
    elif "$HELM" install prod "$CHART" --namespace monitoring --dry-run=client "$@" > "$out/install.txt" 2>&1 \
        && grep -q "get configmap prod-slo-sidecar-kps-values -o jsonpath='{.data.values\\\\.yaml}'" "$out/install.txt" \
        && grep -q -- '- {kind: ConfigMap, name: prod-slo-sidecar-kps-values}' "$out/install.txt"; then
        ok "helm install --dry-run=client ($name): NOTES hand over ConfigMap prod-slo-sidecar-kps-values (Flux valuesFrom, kubectl get)"
    else
        bad "helm install --dry-run=client ($name): NOTES:"
        sed -n '/^NOTES:/,$p' "$out/install.txt" | sed 's/^/       /'
    fi
    if "$HELM" template prod "$CHART" --namespace monitoring "$@" --set kubePrometheusStack.output=values \
        -s templates/kube-prometheus-stack-values.yaml > "$out/kps-raw.yaml" 2> "$out/kps-raw.err" \
        && [ "$(sed -n '3,$p' "$out/kps-raw.yaml")" = "$(cat "$out/kps-values.yaml" 2>/dev/null)" ]; then
        ok "kubePrometheusStack.output=values: helm template -s prints the ConfigMap's values.yaml byte for byte ($(wc -l < "$out/kps-raw.yaml") lines)"
    else
        bad "kubePrometheusStack.output=values ($name) differs from the ConfigMap's values.yaml:"
        sed "s/^/       /" "$out/kps-raw.err"
        diff <(sed -n '3,$p' "$out/kps-raw.yaml") "$out/kps-values.yaml" | head -n 20 | sed 's/^/       /'
    fi
    [ "$what" = raw ] && return 0
    # A stand-in for kube-prometheus-stack: its prometheusSpec defaults and a
    # user's values with a pod label of their own, then the rendered file.
    local kps="$WORK/kps-standin"
    if [ ! -d "$kps" ]; then
        mkdir -p "$kps/templates"
        printf 'apiVersion: v2\nname: kps-standin\nversion: 0.0.1\n' > "$kps/Chart.yaml"
        printf 'prometheus:\n  prometheusSpec:\n    podMetadata: {}\n    containers: []\n    volumes: []\n    replicas: 1\n' > "$kps/values.yaml"
        printf '{{ toJson .Values.prometheus.prometheusSpec }}\n' > "$kps/templates/spec.json"
        printf 'prometheus:\n  prometheusSpec:\n    podMetadata: {labels: {team: sre}}\n    replicas: 2\n' > "$kps/user.yaml"
    fi
    "$HELM" template kps "$kps" -f "$kps/user.yaml" -f "$out/kps-raw.yaml" 2>&1 | sed -n '/^{/p' > "$out/kps-merged.json"
    # shellcheck disable=SC2016 # JavaScript template literals
    if node -e '
        const fs = require("fs");
        const yaml = require(process.argv[1]);
        const got = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
        const want = yaml.load(fs.readFileSync(process.argv[3], "utf8")).prometheus.prometheusSpec;
        const canon = (v) => JSON.stringify(v, (k, x) => x && typeof x === "object" && !Array.isArray(x)
            ? Object.fromEntries(Object.keys(x).sort().map((y) => [y, x[y]])) : x);
        const labels = got.podMetadata.labels;
        const ok = got.replicas === 2 && labels.team === "sre"
            && canon(labels) === canon({ ...labels, ...want.podMetadata.labels })
            && canon(got.containers) === canon(want.containers) && canon(got.volumes) === canon(want.volumes);
        process.exit(ok ? 0 : 1);' "$HERE/node_modules/js-yaml" "$out/kps-merged.json" "$out/kps-values.yaml" 2> "$out/kps-merged.err"; then
        ok "helm -f takes the printed file as values: containers and volumes set, the pod label merged with the user's"
    else
        bad "the printed kube-prometheus-stack values do not merge as values ($name):"
        cat "$out/kps-merged.json" "$out/kps-merged.err" | head -n 20 | sed 's/^/       /'
    fi
}

section "scenario sidecar: container for the kube-prometheus-stack Prometheus pod (example config, promql, static rules)"
if render sidecar -f "$HERE/values/sidecar.yaml" --set-file configYaml="$ROOT/deploy/slos.example.yaml"; then
    node_check sidecar '{"kinds":["ConfigMap","ConfigMap","ConfigMap","Pod","PrometheusRule","Service","ServiceMonitor"],
        "sidecar":true,"serviceSelector":{"slo-sidecar/instance":"prod-slo-sidecar"},"kpsConfigMap":"prod-slo-sidecar-kps-values",
        "url":"http://127.0.0.1:9090","serviceMonitor":true,"prometheusRule":true,"dashboard":true,"sidecarJob":"prod-slo-sidecar",
        "sloNames":["checkout-availability","search-latency","users-freshness","api-custom"]}'
    config_checks sidecar static --job prod-slo-sidecar
    kps_checks sidecar all -f "$HERE/values/sidecar.yaml" --set-file configYaml="$ROOT/deploy/slos.example.yaml"
    # Selecting the Prometheus pods by labels of one's own still works.
    "$HELM" template prod "$CHART" -f "$HERE/values/sidecar.yaml" --set service.selector.app\\.kubernetes\\.io/name=prometheus \
        -s templates/service.yaml > "$WORK/sidecar/selector.yaml" 2>&1
    sed -n '/^  selector:/,$p' "$WORK/sidecar/selector.yaml" | grep -q '^    app.kubernetes.io/name: prometheus$' \
        && [ "$(sed -n '/^  selector:/,$p' "$WORK/sidecar/selector.yaml" | wc -l)" = 2 ] \
        && ok "sidecar: service.selector, when set, replaces the slo-sidecar/instance label" \
        || { bad "sidecar: service.selector:"; sed 's/^/       /' "$WORK/sidecar/selector.yaml"; }
fi

section "scenario teams: SLO files per team (two team ConfigMaps and a selector in one projected directory), static rules changed by values"
if render teams -f "$HERE/values/teams.yaml"; then
    node_check teams '{"kinds":["ConfigMap","Deployment","Pod","PrometheusRule","Service","ServiceAccount","ServiceMonitor"],
        "checksum":false,"teamConfigMaps":["team-a-slos","team-b-slos"],
        "teamSources":{"team-a-slos":{},"team-b-slos":{"items":[{"key":"slos.yaml","path":"team-b.yaml"}],"optional":true}},
        "serviceMonitor":true,"prometheusRule":true,"prometheusRuleLabels":{"release":"kube-prometheus-stack"},
        "severities":["P1","P3"],"sidecarJob":"slo-sidecar-metrics"}'
    config_checks teams static --job slo-sidecar-metrics --page P1 --ticket P3 \
        --prefix https://wiki.example.com/runbooks/slo/ --labels '{"source":"slo-sidecar"}'
    # The directory as the kubelet fills it: global.yaml from the chart's
    # ConfigMap, then each team ConfigMap's keys (team-b's mapped by its items).
    dir="$WORK/teams/config-dir"
    mkdir -p "$dir"
    if grep -q '^slos:' "$WORK/teams/slos.yaml"; then
        bad "the chart's global.yaml has slos although config.slos is empty"
    else
        ok "the chart's global.yaml holds the global part only"
    fi
    cp "$WORK/teams/slos.yaml" "$dir/global.yaml"
    # shellcheck disable=SC2016 # JavaScript template literals
    node -e '
        const yaml = require(process.argv[1]);
        const fs = require("fs");
        const [, , dir, ...files] = process.argv;
        const rename = {"team-b-slos": {"slos.yaml": "team-b.yaml"}};
        for (const f of files) {
            const cm = yaml.load(fs.readFileSync(f, "utf8"));
            for (const [k, v] of Object.entries(cm.data))
                fs.writeFileSync(`${dir}/${(rename[cm.metadata.name] ?? {})[k] ?? k}`, v);
        }' "$HERE/node_modules/js-yaml" "$dir" "$HERE"/teams/*.yaml
    if "$BIN" check --config.file="$dir" > "$WORK/teams/check-dir.txt" 2>&1 \
        && grep -q 'valid, 3 SLOs' "$WORK/teams/check-dir.txt"; then
        ok "slo-sidecar check on the directory ($(cd "$dir" && echo *)): $(sed 's/.*: //' "$WORK/teams/check-dir.txt")"
    else
        bad "slo-sidecar check on the directory (global.yaml and the team files):"
        sed 's/^/       /' "$WORK/teams/check-dir.txt"
    fi
    # The team ConfigMaps of the example are valid objects.
    for f in "$HERE"/teams/*.yaml; do cat "$f"; echo ---; done > "$WORK/teams/team-cms.yaml"
    # shellcheck disable=SC2016 # JavaScript template literals
    node --input-type=module -e '
        const { loadAll, validateManifest } = await import(process.argv[1]);
        const docs = loadAll((await import("node:fs")).readFileSync(process.argv[2], "utf8"));
        for (const d of docs) {
            const p = await validateManifest(d);
            console.log(p.length ? `  FAIL schema ${d.kind} ${d.metadata.name}: ${p.join("; ")}`
                : `  ok   schema ${d.apiVersion} ${d.kind} ${d.metadata.name} (tests/deploy/teams)`);
        }' "$HERE/k8s.mjs" "$WORK/teams/team-cms.yaml" > "$WORK/teams/team-cms.txt" 2>&1
    count_checks "$WORK/teams/team-cms.txt" "the schema check of tests/deploy/teams"
    "$HELM" install prod "$CHART" --namespace monitoring --dry-run=client -f "$HERE/values/teams.yaml" \
        > "$WORK/teams/install.txt" 2>&1
    grep -q 'team ConfigMaps: team-a-slos, team-b-slos (optional)' "$WORK/teams/install.txt" \
        && ok "NOTES name the team ConfigMaps" \
        || { bad "NOTES do not name the team ConfigMaps:"; sed -n '/^NOTES/,$p' "$WORK/teams/install.txt" | sed 's/^/       /'; }
fi

section "scenario teams with an existing ConfigMap, and in sidecar mode (the projected volume in the kube-prometheus-stack values)"
if render existing-teams -f "$HERE/values/existing-configmap.yaml" --set 'teamConfigMaps={team-a-slos}'; then
    node_check existing-teams '{"kinds":["Deployment","Service"],"checksum":false,"existingConfigMap":"team-slos",
        "existingConfigMapKey":"config.yaml","stateVolume":"persistentVolumeClaim","stateFile":"/var/lib/slo-sidecar/state",
        "teamConfigMaps":["team-a-slos"],"ServiceAccount":0,"test":false}'
fi
if render sidecar-teams -f "$HERE/values/sidecar.yaml" --set-file configYaml="$ROOT/deploy/slos.example.yaml" \
    --set 'teamConfigMaps={team-a-slos,team-b-slos}'; then
    node_check sidecar-teams '{"kinds":["ConfigMap","ConfigMap","ConfigMap","Pod","PrometheusRule","Service","ServiceMonitor"],
        "sidecar":true,"serviceSelector":{"slo-sidecar/instance":"prod-slo-sidecar"},"kpsConfigMap":"prod-slo-sidecar-kps-values",
        "url":"http://127.0.0.1:9090","serviceMonitor":true,"prometheusRule":true,"dashboard":true,
        "teamConfigMaps":["team-a-slos","team-b-slos"],
        "sloNames":["checkout-availability","search-latency","users-freshness","api-custom"]}'
    config_checks sidecar-teams static --job prod-slo-sidecar
    kps_checks sidecar-teams raw -f "$HERE/values/sidecar.yaml" --set-file configYaml="$ROOT/deploy/slos.example.yaml" \
        --set 'teamConfigMaps={team-a-slos,team-b-slos}'
fi
# A selector alone: the directory form with the chart's part only, until
# lookup finds ConfigMaps in a live cluster (none under helm template).
"$HELM" template slo "$CHART" --set-string teamConfigMapSelector.slo-sidecar/slos=true > "$WORK/selector.yaml" 2>&1
if grep -q -- '--config.file=/etc/slo-sidecar$' "$WORK/selector.yaml" && grep -q 'projected:' "$WORK/selector.yaml" \
    && [ "$(grep -c -- '- configMap:' "$WORK/selector.yaml")" = 1 ]; then
    ok "teamConfigMapSelector alone: the config directory with the chart's part only (lookup finds nothing offline)"
else
    bad "teamConfigMapSelector alone:"
    grep -n -A12 'volumes:' "$WORK/selector.yaml" | sed 's/^/       /'
fi

section "team ConfigMaps found by lookup (a copy of the chart whose lookup reads a fixture)"
# helm template has no cluster, so lookup finds nothing; in this copy the two
# lookups read what a cluster would answer: the release namespace's
# ConfigMaps (tests/deploy/teams, one unlabelled, the chart's own) and each
# by name. Then the selector's matches are mounted, and two ConfigMaps
# with a key of the same name fail the render.
lk="$WORK/chart-lookup"
cp -r "$CHART" "$lk"
mkdir -p "$lk/lookup"
sed -i -e 's#lookup "v1" "ConfigMap" \$\.Release\.Namespace ""#($.Files.Get "lookup/all.json" | fromJson)#' \
    -e 's#lookup "v1" "ConfigMap" \$\.Release\.Namespace \.name#(get ($.Files.Get "lookup/by-name.json" | fromJson) .name)#' \
    "$lk/templates/_helpers.tpl"
# lookup_fixture EXTRA-JSON: the fixture, the example team ConfigMaps plus EXTRA (a list).
lookup_fixture() {
    node -e '
        const yaml = require(process.argv[1]);
        const fs = require("fs");
        const [, , dir, extra, ...files] = process.argv;
        const items = files.map((f) => yaml.load(fs.readFileSync(f, "utf8"))).concat(JSON.parse(extra));
        fs.writeFileSync(dir + "/all.json", JSON.stringify({ items }));
        fs.writeFileSync(dir + "/by-name.json", JSON.stringify(Object.fromEntries(items.map((c) => [c.metadata.name, c]))));
    ' "$HERE/node_modules/js-yaml" "$lk/lookup" "$1" "$HERE"/teams/*.yaml
}
if [ "$(grep -c 'lookup/' "$lk/templates/_helpers.tpl")" = 2 ] && ! grep -q 'lookup "v1"' "$lk/templates/_helpers.tpl"; then
    lookup_fixture '[{"metadata":{"name":"unrelated","labels":{"app":"x"}},"data":{"slos.yaml":"x"}},
        {"metadata":{"name":"prod-slo-sidecar","labels":{"slo-sidecar/slos":"true"}},"data":{"slos.yaml":"x"}}]'
    if "$HELM" template prod "$lk" --namespace monitoring --set-string teamConfigMapSelector.slo-sidecar/slos=true \
        --set 'teamConfigMaps={team-a-slos}' > "$WORK/lookup.yaml" 2> "$WORK/lookup.err"; then
        got=$(sed -n '/projected:/,/volumeMounts\|^[a-z]/s/^ *name: //p' "$WORK/lookup.yaml" | tr '\n' ' ')
        [ "$got" = "prod-slo-sidecar team-a-slos team-b-slos " ] \
            && ok "selector: adds team-b-slos (labelled) after the named team-a-slos; not the unlabelled one, not the chart's own" \
            || bad "selector mounted: $got"
    else
        bad "render with the lookup fixture:"; sed 's/^/       /' "$WORK/lookup.err"
    fi
    lookup_fixture '[{"metadata":{"name":"team-c-slos","labels":{"slo-sidecar/slos":"true"}},"data":{"team-a.yaml":"slos: []"}}]'
    if "$HELM" template prod "$lk" --namespace monitoring --set-string teamConfigMapSelector.slo-sidecar/slos=true \
        > /dev/null 2> "$WORK/lookup.err"; then
        bad "two ConfigMaps with the key team-a.yaml rendered"
    elif grep -q 'ConfigMap team-c-slos and ConfigMap team-a-slos both give the config directory a file team-a.yaml' "$WORK/lookup.err"; then
        ok "keys seen through lookup: $(grep -o 'ConfigMap team-c.*kubelet would keep only one' "$WORK/lookup.err")"
    else
        bad "two ConfigMaps with the key team-a.yaml: wrong error:"; sed 's/^/       /' "$WORK/lookup.err"
    fi
else
    bad "could not point the chart copy's lookups at the fixture (did _helpers.tpl change?)"
fi

section "scenario sharding: a StatefulSet of 3 shards, --shard=auto/3, one Service, ServiceMonitor and NetworkPolicy over all"
if render sharding -f "$HERE/values/sharding.yaml"; then
    node_check sharding '{"kinds":["ConfigMap","NetworkPolicy","Pod","PodDisruptionBudget","Service","ServiceAccount","ServiceMonitor","StatefulSet"],
        "networkPolicy":{"egressPorts":[9090]},
        "checksum":true,"shards":3,"serviceMonitor":true,"PodDisruptionBudget":1,
        "sloNames":["prometheus-query-api-availability"]}'
    config_checks sharding
    # Each pod's name (HOSTNAME, NAME-I) gives its shard: the binary as in the
    # pod, against a closed port. A shard without the SLO evaluates nothing
    # (exit 0), the one with it fails on the backend (exit 2); none may fail on
    # the host name (exit 1), and NAME-3 must.
    sts=$(sed -n '/^kind: StatefulSet/,/^---/s/^  name: //p' "$WORK/sharding/manifest.yaml" | head -n 1)
    sed 's#url: .*#url: http://127.0.0.1:1#' "$WORK/sharding/slos.yaml" > "$WORK/sharding/closed.yaml"
    want=$(python3 -c '
import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode(): h = ((h ^ b) * 0x100000001b3) & (2 ** 64 - 1)
print(h % 3)' prometheus-query-api-availability)
    codes=""
    for i in 0 1 2 3; do
        HOSTNAME="$sts-$i" "$BIN" eval --config.file="$WORK/sharding/closed.yaml" --shard=auto/3 \
            > /dev/null 2> "$WORK/sharding/eval-$i.err"
        codes="$codes$?"
    done
    expect_codes=""
    for i in 0 1 2; do [ "$i" = "$want" ] && expect_codes="${expect_codes}2" || expect_codes="${expect_codes}0"; done
    if [ "$codes" = "${expect_codes}1" ] && grep -q 'not below 3' "$WORK/sharding/eval-3.err"; then
        ok "pods $sts-0..2 resolve --shard=auto/3; only $sts-$want evaluates the SLO; $sts-3 is refused"
    else
        bad "eval --shard=auto/3 as pods $sts-0..3 exited $codes, expected ${expect_codes}1 (SLO on shard $want)"
        cat "$WORK"/sharding/eval-*.err | sed 's/^/       /'
    fi
fi

section "checksum/config rolls the pod on config changes only"
sum() { "$HELM" template slo "$CHART" "$@" 2>/dev/null | sed -n 's/.*checksum\/config: //p'; }
s0=$(sum)
[ -n "$s0" ] && [ "$s0" = "$(sum)" ] && ok "checksum is stable across renders" || bad "checksum is not stable"
sed -e '1,/^config:/d' -e '/^[a-z]/,$d' "$CHART/values.yaml" | sed '1i config:' \
    | sed 's/objective: 99.9/objective: 99.5/' > "$WORK/objective.yaml"
grep -q 'objective: 99.5' "$WORK/objective.yaml" || bad "could not derive a changed config from values.yaml"
[ "$s0" != "$(sum -f "$WORK/objective.yaml")" ] \
    && ok "checksum changes when an SLO's objective changes" || bad "checksum did not change with the objective"
[ "$s0" != "$(sum --set config.global.interval=1m)" ] \
    && ok "checksum changes when global.interval changes" || bad "checksum did not change with global.interval"
[ "$s0" != "$(sum --set prometheus.url=http://other:9090)" ] \
    && ok "checksum changes when prometheus.url changes" || bad "checksum did not change with prometheus.url"
[ "$s0" != "$(sum --set auth.bearerToken.existingSecret=t)" ] \
    && ok "checksum changes when auth is added" || bad "checksum did not change with auth"
[ "$s0" = "$(sum --set replicaCount=3 --set resources.limits.memory=1Gi --set log.level=debug)" ] \
    && ok "checksum unchanged by replicas, resources, log level" || bad "checksum changed without a config change"
[ -z "$(sum --set 'teamConfigMaps={team-a-slos}')" ] \
    && ok "no checksum with team ConfigMaps (the sidecar reloads the directory itself)" \
    || bad "checksum/config with team ConfigMaps"

section "renders that must fail, with a message that says what to do"
# must_fail WHAT PATTERN ARGS...
must_fail() {
    local what=$1 pattern=$2
    shift 2
    if "$HELM" template slo "$CHART" "$@" > /dev/null 2> "$WORK/fail.err"; then
        bad "$what: rendered, expected an error"
    elif grep -qE "$pattern" "$WORK/fail.err"; then
        ok "$what: $(grep -oE "$pattern.{0,60}" "$WORK/fail.err" | head -n 1)"
    else
        bad "$what: wrong error:"
        sed 's/^/       /' "$WORK/fail.err"
    fi
}
"$BIN" rules --config.file="$ROOT/deploy/slos.example.yaml" > "$WORK/rules-other.yaml"
must_fail "bearer token and basic auth" "exclude each other" \
    --set auth.bearerToken.existingSecret=a --set auth.basicAuth.existingSecret=b --set auth.basicAuth.username=u
must_fail "basic auth without a username" "needs auth.basicAuth.username" --set auth.basicAuth.existingSecret=b
must_fail "TLS certificate without its key" "go together" --set tls.existingSecret=t --set tls.certKey=tls.crt
must_fail "perSlo PrometheusRule without rules" "slo-sidecar rules --config.file" \
    --set prometheusRule.enabled=true --set prometheusRule.ruleSet=perSlo
must_fail "rules rendered from another config" "render the rules again" \
    --set prometheusRule.enabled=true --set prometheusRule.ruleSet=perSlo --set-file prometheusRule.rules="$WORK/rules-other.yaml"
must_fail "rules that are not a rule file" "no rule groups" \
    --set prometheusRule.enabled=true --set prometheusRule.ruleSet=perSlo --set prometheusRule.rules='foo: bar'
must_fail "rendered rules with the static rule set" "ruleSet is static" \
    --set prometheusRule.enabled=true --set-file prometheusRule.rules="$WORK/rules-other.yaml"
must_fail "an unknown rule set (schema)" "/prometheusRule/ruleSet" --set prometheusRule.ruleSet=generated
must_fail "severity among the alert labels (schema)" "invalid propertyName 'severity'" \
    --set prometheusRule.enabled=true --set prometheusRule.alertLabels.severity=high
must_fail "an empty page severity (schema)" "/prometheusRule/severity/page" --set prometheusRule.severity.page=
must_fail "a team ConfigMap named twice" "names ConfigMap team-a twice" --set 'teamConfigMaps={team-a,team-a}'
must_fail "a team file named like the chart's global.yaml" "would keep only one" \
    --set-json 'teamConfigMaps=[{"name":"team-a","items":[{"key":"slos.yaml","path":"global.yaml"}]}]'
must_fail "two team ConfigMaps mapping to one file" "would keep only one" \
    --set-json 'teamConfigMaps=[{"name":"team-a","items":[{"key":"a.yaml","path":"x.yaml"}]},{"name":"team-b","items":[{"key":"b.yaml","path":"x.yaml"}]}]'
must_fail "a team ConfigMap that is no DNS name (schema)" "/teamConfigMaps/0" --set 'teamConfigMaps={Team_A}'
must_fail "a NetworkPolicy in sidecar mode" "networkPolicy.enabled is for standalone" \
    --set deployment.enabled=false --set networkPolicy.enabled=true
must_fail "a NetworkPolicy with an existing ConfigMap and no URL" "cannot read the store's URL" \
    --set existingConfigMap=slos --set networkPolicy.enabled=true
must_fail "kube-prometheus-stack values standalone" "are for sidecar mode" --set kubePrometheusStack.output=values
must_fail "an unknown kubePrometheusStack.output (schema)" "/kubePrometheusStack/output" \
    --set deployment.enabled=false --set kubePrometheusStack.output=file
must_fail "no SLOs" "at least one SLO" --set 'config.slos=null'
must_fail "configYaml that is not YAML" "not valid YAML" --set 'configYaml=a: [b'
must_fail "a misspelt value (schema)" "additional properties 'servicemonitor'" --set servicemonitor.enabled=true
must_fail "an unknown mode (schema)" "/prometheus/mode" --set prometheus.mode=remote
must_fail "a bad scrape interval (schema)" "/serviceMonitor/interval" --set serviceMonitor.interval=30
must_fail "sharding in sidecar mode" "sharding.enabled needs deployment.enabled" \
    --set sharding.enabled=true --set deployment.enabled=false --set service.selector.a=b
must_fail "sharding with one shared state volume" "must not be one persistentVolumeClaim" \
    --set sharding.enabled=true --set stateFile.volume.persistentVolumeClaim.claimName=x
must_fail "0 shards (schema)" "/sharding/shards" --set sharding.enabled=true --set sharding.shards=0

section "chart metadata"
app=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$CHART/Chart.yaml")
[ "$app" = "$(cat "$ROOT/VERSION")" ] && ok "Chart appVersion $app = VERSION" \
    || bad "Chart appVersion $app differs from VERSION $(cat "$ROOT/VERSION")"
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$CHART/values.schema.json" \
    && ok "values.schema.json is JSON" || bad "values.schema.json is not JSON"
# home, sources and maintainers (the Dockerfile's SOURCE default is checked
# against home by lint_dockerfile.mjs), and artifacthub.io/images: the images
# a render with the reloader and the test pod runs (basic-auth), by default.
# shellcheck disable=SC2016 # JavaScript template literals
node -e '
    const fs = require("fs");
    const yaml = require(process.argv[1]);
    const chart = yaml.load(fs.readFileSync(process.argv[2], "utf8"));
    const url = /^https:\/\/[^\s/]+\/\S+$/;
    console.log(url.test(chart.home ?? "") && (chart.sources ?? []).length > 0 && chart.sources.every((s) => url.test(s))
        && (chart.maintainers ?? []).every((m) => m.name) && (chart.maintainers ?? []).length > 0
        ? `  ok   Chart.yaml home ${chart.home}, sources, maintainers` : "  FAIL Chart.yaml needs home, sources and maintainers");
    const listed = yaml.load(chart.annotations?.["artifacthub.io/images"] ?? "[]").map((i) => i.image).sort();
    const docs = fs.existsSync(process.argv[3]) ? yaml.loadAll(fs.readFileSync(process.argv[3], "utf8")).filter(Boolean) : [];
    const used = [...new Set(docs.flatMap((d) => (d.kind === "Pod" ? d.spec : d.spec?.template?.spec)?.containers ?? [])
        .map((c) => c.image))].sort();
    console.log(used.length && JSON.stringify(listed) === JSON.stringify(used)
        ? `  ok   Chart.yaml artifacthub.io/images = the default images: ${used.join(", ")}`
        : `  FAIL Chart.yaml artifacthub.io/images ${listed.join(", ")} differ from the default images ${used.join(", ")}`);
' "$HERE/node_modules/js-yaml" "$CHART/Chart.yaml" "$WORK/basic-auth/manifest.yaml" > "$WORK/chart-meta.txt" 2>&1
count_checks "$WORK/chart-meta.txt" "the Chart.yaml checks"

section "README snippets"
# Code blocks preceded by <!-- test: FILE --> in the chart README.
node "$HERE/readme_snippets.mjs" "$CHART/README.md" "$WORK/readme" > "$WORK/readme.txt" 2>&1
grep -E '^  (ok|FAIL) ' "$WORK/readme.txt"
PASSED=$((PASSED + $(grep -c '^  ok ' "$WORK/readme.txt")))
FAILED=$((FAILED + $(grep -c '^  FAIL ' "$WORK/readme.txt")))
grep -qE '^  (ok|FAIL) ' "$WORK/readme.txt" || { bad "readme_snippets.mjs crashed:"; sed 's/^/       /' "$WORK/readme.txt"; }
for f in alertmanager.yml standalone-values.yaml sidecar-values.yaml kps-values.yaml flux-helmrelease.yaml; do
    [ -f "$WORK/readme/$f" ] || bad "README has no <!-- test: $f --> snippet"
done
if [ -f "$WORK/readme/alertmanager.yml" ]; then
    amtool check-config "$WORK/readme/alertmanager.yml" > "$WORK/amtool.txt" 2>&1 \
        && ok "README Alertmanager routing passes amtool check-config" \
        || { bad "README Alertmanager routing:"; sed 's/^/       /' "$WORK/amtool.txt"; }
fi
if [ -f "$WORK/readme/standalone-values.yaml" ] && RELEASE=slo-sidecar render readme-standalone \
    -f "$WORK/readme/standalone-values.yaml"; then
    node_check readme-standalone '{"kinds":["ConfigMap","ConfigMap","Deployment","Pod","PrometheusRule","Service","ServiceAccount","ServiceMonitor"],
        "checksum":true,"url":"http://kube-prometheus-stack-prometheus.monitoring:9090","serviceMonitor":true,
        "prometheusRule":true,"dashboard":true,"sidecarJob":"slo-sidecar"}'
    config_checks readme-standalone static --job slo-sidecar
fi
if [ -f "$WORK/readme/sidecar-values.yaml" ] && RELEASE=slo-sidecar render readme-sidecar \
    -f "$WORK/readme/sidecar-values.yaml"; then
    node_check readme-sidecar '{"kinds":["ConfigMap","ConfigMap","Pod","PrometheusRule","Service","ServiceMonitor"],"sidecar":true,
        "serviceSelector":{"slo-sidecar/instance":"slo-sidecar"},"kpsConfigMap":"slo-sidecar-kps-values",
        "url":"http://127.0.0.1:9090","serviceMonitor":true,"prometheusRule":true,"sidecarJob":"slo-sidecar"}'
    config_checks readme-sidecar static --job slo-sidecar
    # The README's example of the kube-prometheus-stack values is what its
    # release renders (image tags aside, which follow appVersion), and its
    # Flux HelmRelease reads the ConfigMap that holds them.
    # shellcheck disable=SC2016 # JavaScript template literals
    node -e '
        const fs = require("fs");
        const yaml = require(process.argv[1]);
        const [readme, rendered, flux] = process.argv.slice(2).map((f) => fs.existsSync(f) ? yaml.load(fs.readFileSync(f, "utf8")) : null);
        const untag = (v) => JSON.stringify(v, (k, x) => k === "image" ? String(x).replace(/:[^:/@]+$/, ":TAG") : x);
        console.log(readme && rendered && untag(readme) === untag(rendered)
            ? "  ok   README kube-prometheus-stack values = the render of the README release (slo-sidecar-kps-values)"
            : "  FAIL README kube-prometheus-stack values differ from what its release renders: " + untag(rendered));
        const from = flux?.spec?.valuesFrom ?? [];
        console.log(flux?.kind === "HelmRelease" && flux.metadata.namespace === "monitoring"
            && from.some((f) => f.kind === "ConfigMap" && f.name === "slo-sidecar-kps-values" && (f.valuesKey ?? "values.yaml") === "values.yaml")
            ? "  ok   README Flux HelmRelease (namespace monitoring) takes valuesFrom ConfigMap slo-sidecar-kps-values, key values.yaml"
            : "  FAIL README Flux HelmRelease does not take valuesFrom the rendered ConfigMap: " + JSON.stringify(from));
    ' "$HERE/node_modules/js-yaml" "$WORK/readme/kps-values.yaml" "$WORK/readme-sidecar/kps-values.yaml" \
        "$WORK/readme/flux-helmrelease.yaml" > "$WORK/readme-sidecar/kps-readme.txt" 2>&1
    count_checks "$WORK/readme-sidecar/kps-readme.txt" "the README's kube-prometheus-stack checks"
fi

# The README's team ConfigMap and team values: a valid ConfigMap, a render
# that mounts it, and a directory of the two that slo-sidecar check accepts.
if [ -f "$WORK/readme/teams-values.yaml" ] && [ -f "$WORK/readme/team-configmap.yaml" ] \
    && RELEASE=slo-sidecar render readme-teams -f "$WORK/readme/teams-values.yaml"; then
    node_check readme-teams '{"kinds":["ConfigMap","Deployment","Pod","Service","ServiceAccount"],"checksum":false,
        "teamConfigMaps":["team-a-slos","team-b-slos"],
        "teamSources":{"team-b-slos":{"items":[{"key":"slos.yaml","path":"team-b.yaml"}],"optional":true}}}'
    # shellcheck disable=SC2016 # JavaScript template literals
    node --input-type=module -e '
        const { loadAll, validateManifest } = await import(process.argv[1]);
        const fs = await import("node:fs");
        const [cm] = loadAll(fs.readFileSync(process.argv[2], "utf8"));
        const p = await validateManifest(cm);
        console.log(p.length ? `  FAIL schema README ConfigMap: ${p.join("; ")}` : `  ok   schema README ConfigMap ${cm.metadata.name}`);
        for (const [k, v] of Object.entries(cm.data)) fs.writeFileSync(`${process.argv[3]}/${k}`, v);
    ' "$HERE/k8s.mjs" "$WORK/readme/team-configmap.yaml" "$WORK/readme-teams" > "$WORK/readme-teams/cm.txt" 2>&1
    count_checks "$WORK/readme-teams/cm.txt" "the README ConfigMap check"
    mkdir -p "$WORK/readme-teams/dir"
    cp "$WORK/readme-teams/slos.yaml" "$WORK/readme-teams/dir/global.yaml"
    cp "$WORK/readme-teams/team-a.yaml" "$WORK/readme-teams/dir/" 2>/dev/null
    "$BIN" check --config.file="$WORK/readme-teams/dir" > "$WORK/readme-teams/check-dir.txt" 2>&1 \
        && ok "README: slo-sidecar check on global.yaml and the team ConfigMap's file: $(sed 's/.*: //' "$WORK/readme-teams/check-dir.txt")" \
        || { bad "README: slo-sidecar check on the directory:"; sed 's/^/       /' "$WORK/readme-teams/check-dir.txt"; }
else
    bad "README has no <!-- test: teams-values.yaml --> / team-configmap.yaml snippet that renders"
fi

section "Dockerfile"
# The Debian packages of the binary's NEEDED libraries, on this machine
# (bookworm, as the image): the runtime stage must install exactly those.
# Each library as the loader finds it (ldd), by its multiarch directory and
# name, in dpkg's file lists (what `dpkg -S` reads, without its second).
mapfile -t sonames < <(readelf -d "$BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
libs=$(ldd "$BIN" | awk -v want=" ${sonames[*]} " 'index(want, " " $1 " ") && $3 ~ /^\// {
    n = split($3, p, "/"); print p[n - 1] "/" p[n] }' | sed 's/[.+]/\\&/g' | paste -sd'|')
owners=$(grep -H -E "/($libs)\$" /var/lib/dpkg/info/*.list 2>/dev/null)
needed=$(printf '%s\n' "$owners" | sed 's#^.*/info/\(.*\)\.list:.*#\1#; s#:.*##' | sort -u | tr '\n' ' ')
[ "$(printf '%s\n' "$owners" | sed 's#.*/##' | sort -u | grep -c .)" = "${#sonames[@]}" ] \
    || bad "could not map each of the binary's libraries (${sonames[*]}) to a Debian package: $needed"
node "$HERE/lint_dockerfile.mjs" "$ROOT/Dockerfile" --packages "$needed" > "$WORK/dockerfile.txt" 2>&1
rc=$?
grep -E '^  (ok|FAIL) ' "$WORK/dockerfile.txt"
PASSED=$((PASSED + $(grep -c '^  ok ' "$WORK/dockerfile.txt")))
FAILED=$((FAILED + $(grep -c '^  FAIL ' "$WORK/dockerfile.txt")))
if [ $rc -ne 0 ] && ! grep -q '^  FAIL ' "$WORK/dockerfile.txt"; then
    bad "lint_dockerfile.mjs crashed:"
    sed 's/^/       /' "$WORK/dockerfile.txt"
fi

section "the chart's dashboard is deploy/grafana/slo-overview.json"
if cmp -s "$CHART/dashboards/slo-overview.json" "$CHART/../../deploy/grafana/slo-overview.json"; then
    ok "helm/slo-sidecar/dashboards/slo-overview.json equals deploy/grafana/slo-overview.json"
else
    bad "the chart's dashboard is not a copy of deploy/grafana/slo-overview.json (cp it over)"
fi
echo "deploy: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
