// Checks one `helm template` rendering of the slo-sidecar chart:
//   node check_chart.mjs --manifest FILE --out DIR --expect JSON
// Every document is validated against its Kubernetes (or prometheus-operator)
// schema, unknown fields included; then the invariants every rendering must
// keep (security context, probes, ports, selectors, the config and secret
// files where the config says they are) and the scenario's expectations.
// Writes DIR/slos.yaml (the config from the ConfigMap), DIR/rules.yaml (the
// PrometheusRule's spec), DIR/checksum (the pod's checksum/config),
// DIR/dashboard.json, DIR/kps-values.yaml (sidecar mode: the
// kube-prometheus-stack values) and DIR/helm-test.sh (the `helm test` pod's
// script) for the shell script's further checks.
// Prints one line per check ("  ok ..." or "  FAIL ..."); exits 1 on a failure.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { loadAll, validateManifest } from "./k8s.mjs";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const expect = JSON.parse(args.expect ?? "{}");
const out = args.out;
let failed = 0;
let passed = 0;
const ok = (cond, what, detail = "") => {
    if (cond) {
        passed++;
        console.log(`  ok   ${what}`);
    } else {
        failed++;
        console.log(`  FAIL ${what}${detail ? `: ${detail}` : ""}`);
    }
    return cond;
};
// Deep equality, key order ignored (helm's toYaml sorts keys).
const canon = (v) => Array.isArray(v) ? v.map(canon)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
const eq = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

const docs = loadAll(fs.readFileSync(args.manifest, "utf8"));
const byKind = (k) => docs.filter((d) => d.kind === k);

// --- schemas -----------------------------------------------------------------
for (const d of docs) {
    const problems = await validateManifest(d);
    ok(problems.length === 0, `schema ${d.apiVersion} ${d.kind} ${d.metadata?.name}`, problems.join("; "));
}
if (expect.kinds) {
    const kinds = docs.map((d) => d.kind).sort();
    ok(eq(kinds, [...expect.kinds].sort()), `renders ${[...expect.kinds].sort().join(", ")}`, `got ${kinds.join(", ")}`);
}

// --- metadata ------------------------------------------------------------------
const seen = new Set();
for (const d of docs) {
    const id = `${d.kind}/${d.metadata.namespace ?? ""}/${d.metadata.name}`;
    const l = d.metadata.labels ?? {};
    const problems = [];
    if (seen.has(id)) problems.push("duplicate");
    seen.add(id);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(d.metadata.name)) problems.push("not a DNS-1123 label");
    for (const k of ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by", "helm.sh/chart"])
        if (!(typeof l[k] === "string" && l[k].length <= 63)) problems.push(`label ${k} missing or too long`);
    ok(problems.length === 0, `${d.kind} ${d.metadata.name}: unique DNS-1123 name, standard labels`, problems.join("; "));
}

// --- the config ----------------------------------------------------------------
const cms = byKind("ConfigMap").filter((c) => c.data?.["slos.yaml"] !== undefined);
let config = null;
if (expect.existingConfigMap) {
    ok(cms.length === 0, "no config ConfigMap rendered (existingConfigMap)");
} else if (ok(cms.length === 1, "one ConfigMap holds slos.yaml")) {
    const text = cms[0].data["slos.yaml"];
    fs.writeFileSync(path.join(out, "slos.yaml"), text);
    config = yaml.load(text);
    const prom = config?.global?.prometheus ?? {};
    if (expect.url) ok(prom.url === expect.url, `config url ${expect.url}`, `got ${prom.url}`);
    else ok(/^https?:\/\/[^/]+/.test(prom.url ?? ""), `config url ${prom.url}`);
    ok(prom.mode === (expect.mode ?? "promql"), `config mode ${expect.mode ?? "promql"}`, `got ${prom.mode}`);
    const auth = prom.bearer_token_file ? "bearer" : prom.basic_auth ? "basic" : "none";
    ok(auth === (expect.auth ?? "none"), `config auth ${expect.auth ?? "none"}`, `got ${auth}`);
    const tls = ["ca", "cert", "key"].filter((k) => prom.tls?.[`${k}_file`]);
    ok(eq(tls, expect.tls ?? []), `config tls files [${(expect.tls ?? []).join(",")}]`, `got [${tls}]`);
    ok(Boolean(config.global.state_file) === Boolean(expect.stateVolume), `config state_file ${expect.stateVolume ? "set" : "absent"}`,
        `got ${config.global.state_file}`);
    if (expect.sloNames) {
        const names = (config.slos ?? []).map((s) => s.name);
        ok(eq(names, expect.sloNames), `config SLOs ${expect.sloNames.join(", ")}`, `got ${names.join(", ")}`);
    }
}

// --- the pod -------------------------------------------------------------------
// Standalone: the Deployment's pod. Sidecar mode: the container, volumes and
// pod label that the kube-prometheus-stack values of ConfigMap
// FULLNAME-kps-values add to the Prometheus pod, validated as a Prometheus
// resource's spec (prometheus-operator's CRD schema), which is where
// kube-prometheus-stack puts prometheus.prometheusSpec.
let pod = null;
// Sharding (expect.shards = N): a StatefulSet in place of the Deployment.
const workload = expect.shards ? "StatefulSet" : "Deployment";
const deps = byKind(workload);
const kpsCms = byKind("ConfigMap").filter((c) => c.data?.["values.yaml"] !== undefined);
if (expect.sidecar) {
    ok(deps.length === 0 && byKind("StatefulSet").length === 0, "sidecar mode: no Deployment or StatefulSet");
    if (ok(kpsCms.length === 1 && kpsCms[0].metadata.name === expect.kpsConfigMap,
        `sidecar: ConfigMap ${expect.kpsConfigMap} holds the kube-prometheus-stack values.yaml`,
        kpsCms.map((c) => c.metadata.name).join(", "))) {
        const text = kpsCms[0].data["values.yaml"];
        fs.writeFileSync(path.join(out, "kps-values.yaml"), text);
        const v = yaml.load(text);
        const spec = v?.prometheus?.prometheusSpec ?? {};
        ok(eq(Object.keys(v ?? {}), ["prometheus"]) && eq(Object.keys(v.prometheus), ["prometheusSpec"])
            && eq(Object.keys(spec).sort(), ["containers", "podMetadata", "volumes"]),
        "kube-prometheus-stack values set prometheus.prometheusSpec.podMetadata, containers and volumes only",
        JSON.stringify(Object.keys(spec)));
        const problems = await validateManifest({ apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus",
            metadata: { name: "kube-prometheus-stack-prometheus" }, spec });
        ok(problems.length === 0, "kube-prometheus-stack values: prometheusSpec is a valid Prometheus spec (CRD schema, unknown fields too)",
            problems.join("; "));
        pod = { metadata: { labels: spec.podMetadata?.labels ?? {} }, spec: { containers: spec.containers ?? [], volumes: spec.volumes ?? [] } };
        ok(!/\{\{/.test(text), "kube-prometheus-stack values: no {{ (kube-prometheus-stack passes containers through tpl)");
    }
} else if (ok(deps.length === 1, `one ${workload}`)) {
    ok(kpsCms.length === 0, "standalone: no kube-prometheus-stack values");
    const d = deps[0];
    pod = d.spec.template;
    const sel = d.spec.selector.matchLabels;
    ok(Object.entries(sel).every(([k, v]) => pod.metadata.labels[k] === v), `${workload} selector matches its pod labels`);
    if (expect.shards) {
        ok(byKind("Deployment").length === 0, "sharding: no Deployment");
        ok(d.spec.replicas === expect.shards, `sharding: ${expect.shards} replicas`, `got ${d.spec.replicas}`);
        ok(d.spec.podManagementPolicy === "Parallel", "sharding: pods start in parallel");
        ok(d.spec.strategy === undefined, "sharding: no Deployment strategy");
        const svc = byKind("Service")[0];
        ok(svc && d.spec.serviceName === svc.metadata.name, "sharding: serviceName is the chart's Service");
        // Every pod carries the selector labels, so the one Service and its
        // ServiceMonitor scrape every shard.
        ok(svc && !Object.keys(svc.spec.selector).some((k) => k.startsWith("statefulset.kubernetes.io/")
            || k.startsWith("apps.kubernetes.io/")), "sharding: the Service selects every shard's pod");
    }
    const psc = pod.spec.securityContext ?? {};
    ok(psc.runAsNonRoot === true && psc.runAsUser === 65532 && psc.runAsGroup === 65532 && psc.fsGroup === 65532,
        "pod securityContext: runAsNonRoot, uid/gid/fsGroup 65532");
    ok(psc.seccompProfile?.type === "RuntimeDefault", "pod seccompProfile RuntimeDefault");
    ok(!pod.spec.hostNetwork && !pod.spec.hostPID && !pod.spec.hostIPC, "no host namespaces");
    ok(pod.spec.automountServiceAccountToken === false, "no service account token mounted");
    ok(pod.spec.enableServiceLinks === false, "no service-link environment variables");
    const sums = pod.metadata.annotations?.["checksum/config"];
    if (expect.checksum) {
        ok(/^[0-9a-f]{64}$/.test(sums ?? ""), "checksum/config annotation on the pod");
        fs.writeFileSync(path.join(out, "checksum"), sums ?? "");
    } else {
        ok(sums === undefined, "no checksum/config annotation (config changes do not roll the pod)");
    }
    for (const [k, v] of Object.entries(expect.podSpec ?? {}))
        ok(eq(pod.spec[k], v), `pod ${k} = ${JSON.stringify(v)}`, `got ${JSON.stringify(pod.spec[k])}`);
}

// The hardening every container of the chart has (the sidecar's, the
// reloader's, the `helm test` pod's).
const hardened = (c) => {
    const sc = c.securityContext ?? {};
    ok(sc.allowPrivilegeEscalation === false && sc.readOnlyRootFilesystem === true && sc.runAsNonRoot === true
        && sc.runAsUser === 65532 && sc.privileged !== true && (sc.capabilities?.drop ?? []).includes("ALL")
        && !(sc.capabilities?.add ?? []).length && sc.seccompProfile?.type === "RuntimeDefault",
    `container ${c.name}: no privilege escalation, read-only root, uid 65532, drop ALL, RuntimeDefault`);
    ok(Boolean(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory),
        `container ${c.name}: cpu/memory requests and a memory limit`);
    ok(/(@sha256:[0-9a-f]{64}|:[\w][\w.-]*)$/.test(c.image) && !c.image.endsWith(":latest"),
        `container ${c.name}: image pinned (${c.image})`);
};
// Whether a label selector (matchLabels) selects an object with these labels.
const selects = (sel, labels) => Object.entries(sel ?? {}).every(([k, v]) => (labels ?? {})[k] === v);

if (pod) {
    const containers = pod.spec.containers;
    const volumes = Object.fromEntries((pod.spec.volumes ?? []).map((v) => [v.name, v]));
    for (const c of containers) {
        hardened(c);
        for (const m of c.volumeMounts ?? [])
            ok(Boolean(volumes[m.name]), `container ${c.name}: mount ${m.name} has a volume`);
    }
    const main = containers.find((c) => c.name === "slo-sidecar");
    if (ok(Boolean(main), "container slo-sidecar")) {
        const port = (main.ports ?? []).find((p) => p.name === "slo-http");
        ok(port?.containerPort === 9099, "port slo-http is 9099");
        ok(main.args.includes("--web.listen-address=:9099"), "listens on :9099");
        const probe = (p) => p?.httpGet && (p.httpGet.port === "slo-http" || p.httpGet.port === 9099) ? p.httpGet.path : null;
        ok(probe(main.livenessProbe) === "/-/healthy", "liveness probe GET /-/healthy on 9099");
        if (expect.sidecar) ok(main.readinessProbe === undefined, "sidecar: no readiness probe (cannot take Prometheus out of its Service)");
        else ok(probe(main.readinessProbe) === "/-/ready", "readiness probe GET /-/ready on 9099");

        // A file the container reads is in the volume mounted at its directory.
        const mountFor = (file) => (main.volumeMounts ?? []).find((m) => path.dirname(file) === m.mountPath.replace(/\/$/, ""));
        const fileIn = (file, kind) => {
            const m = mountFor(file);
            const v = m && volumes[m.name];
            const src = v?.[kind];
            if (!src) return `no ${kind} volume mounted at ${path.dirname(file)}`;
            if (m.subPath) return "mounted with subPath (updates would not reach the file)";
            if (src.items && !src.items.some((i) => i.path === path.basename(file))) return `no item ${path.basename(file)}`;
            return null;
        };
        const cfgArg = main.args.find((a) => a.startsWith("--config.file="));
        const cfgFile = cfgArg?.slice("--config.file=".length);
        const ownCm = expect.existingConfigMap ?? cms[0]?.metadata.name;
        let cfgItem = null;
        if (expect.teamConfigMaps) {
            // SLO files per team: one directory, a projected volume of the
            // chart's ConfigMap (its key as global.yaml) and the team ones.
            ok(cfgFile === "/etc/slo-sidecar", "--config.file=/etc/slo-sidecar (a directory)", `got ${cfgFile}`);
            const m = (main.volumeMounts ?? []).find((x) => x.mountPath.replace(/\/$/, "") === cfgFile);
            const v = m && volumes[m.name];
            const sources = v?.projected?.sources ?? [];
            ok(Boolean(v?.projected) && !m.subPath && m.readOnly === true,
                "config directory is a projected volume, mounted read-only without subPath");
            ok(sources.every((x) => x.configMap && Object.keys(x).length === 1), "every source is a ConfigMap");
            const own = sources[0]?.configMap;
            cfgItem = own?.items?.[0];
            ok(own?.name === ownCm && own.items?.length === 1 && cfgItem.path === "global.yaml",
                `first source: ConfigMap ${ownCm} as global.yaml`, JSON.stringify(own));
            const teams = sources.slice(1).map((x) => x.configMap.name);
            ok(eq(teams, expect.teamConfigMaps), `then the team ConfigMaps ${expect.teamConfigMaps.join(", ")}`, `got ${teams}`);
            for (const [name, want] of Object.entries(expect.teamSources ?? {})) {
                const got = sources.find((x) => x.configMap.name === name)?.configMap;
                ok(eq(got, { name, ...want }), `team ConfigMap ${name}: ${JSON.stringify(want)}`, JSON.stringify(got));
            }
            const paths = sources.flatMap((x) => (x.configMap.items ?? []).map((i) => i.path));
            ok(new Set(paths).size === paths.length, "no file name twice in the directory (of those listed)");
        } else {
            ok(cfgFile === "/etc/slo-sidecar/slos.yaml", "--config.file=/etc/slo-sidecar/slos.yaml (the image's default)");
            const cfgProblem = cfgFile ? fileIn(cfgFile, "configMap") : "no --config.file";
            ok(cfgProblem === null, "config file is in the mounted ConfigMap", cfgProblem);
            const cmName = Object.values(volumes).find((v) => v.configMap && mountFor(cfgFile)?.name === v.name)?.configMap.name;
            if (expect.existingConfigMap) ok(cmName === expect.existingConfigMap, `config volume is ConfigMap ${expect.existingConfigMap}`);
            else ok(cms.length === 1 && cmName === cms[0].metadata.name, "config volume is the rendered ConfigMap");
            cfgItem = Object.values(volumes).find((v) => v.configMap?.name === cmName)?.configMap.items?.[0];
        }
        if (expect.existingConfigMapKey) ok(cfgItem?.key === expect.existingConfigMapKey, `config key ${expect.existingConfigMapKey}`);

        if (config) {
            const prom = config.global.prometheus;
            const files = [["bearer token", prom.bearer_token_file], ["basic-auth password", prom.basic_auth?.password_file],
                ["TLS CA", prom.tls?.ca_file], ["TLS certificate", prom.tls?.cert_file], ["TLS key", prom.tls?.key_file]];
            for (const [what, f] of files) {
                if (!f) continue;
                const p = fileIn(f, "secret");
                ok(p === null, `${what} file ${f} is in a mounted Secret`, p);
            }
        }
        for (const [secret, key] of Object.entries(expect.secrets ?? {})) {
            const v = Object.values(volumes).find((x) => x.secret?.secretName === secret);
            ok(Boolean(v && v.secret.items.some((i) => i.key === key) && (main.volumeMounts ?? []).some((m) => m.name === v.name && m.readOnly)),
                `Secret ${secret} key ${key} mounted read-only`);
        }
        const stateFile = config?.global?.state_file ?? expect.stateFile;
        if (expect.stateVolume) {
            const m = mountFor(stateFile ?? "/nonexistent/x");
            const v = m && volumes[m.name];
            ok(Boolean(v?.[expect.stateVolume]) && !m.readOnly, `state file ${stateFile} on a writable ${expect.stateVolume}`);
        } else {
            ok(!Object.values(volumes).some((v) => v.name === "slo-sidecar-state"), "no state volume");
        }
        for (const a of expect.args ?? []) ok(main.args.includes(a), `arg ${a}`);
        const shardArgs = main.args.filter((a) => a.startsWith("--shard"));
        if (expect.shards) ok(eq(shardArgs, [`--shard=auto/${expect.shards}`]), `arg --shard=auto/${expect.shards}`, `got ${shardArgs}`);
        else ok(shardArgs.length === 0, "no --shard (every replica evaluates every SLO)");
        for (const [k, v] of Object.entries(expect.env ?? {}))
            ok((main.env ?? []).some((e) => e.name === k && e.value === v), `env ${k}=${v}`);
    }
    const reloader = containers.find((c) => c.name === "slo-sidecar-reloader");
    ok(Boolean(reloader) === Boolean(expect.reloader), expect.reloader ? "slo-sidecar-reloader container" : "no reloader container");
    if (reloader) {
        ok(reloader.args.includes("--reload-url=http://127.0.0.1:9099/-/reload"), "reloader POSTs /-/reload on 9099");
        ok(reloader.args.includes("--watched-dir=/etc/slo-sidecar"), "reloader watches /etc/slo-sidecar");
    }
}

// --- Service and ServiceMonitor ------------------------------------------------
const svcs = byKind("Service");
if (ok(svcs.length === 1, "one Service")) {
    const svc = svcs[0];
    const sp = svc.spec.ports.find((p) => p.name === "http-metrics");
    ok(sp?.port === 9099 && sp.targetPort === "slo-http", "Service http-metrics 9099 -> slo-http");
    if (expect.sidecar) {
        ok(eq(svc.spec.selector, expect.serviceSelector), `sidecar: Service selects the Prometheus pods by ${JSON.stringify(expect.serviceSelector)}`,
            JSON.stringify(svc.spec.selector));
        if (pod && !expect.explicitSelector)
            ok(selects(svc.spec.selector, pod.metadata.labels), "sidecar: the kube-prometheus-stack values give the Prometheus pods the label the Service selects");
    } else if (pod) {
        ok(Object.entries(svc.spec.selector).every(([k, v]) => pod.metadata.labels[k] === v), "Service selects the pods");
    }
    const sms = byKind("ServiceMonitor");
    ok(sms.length === (expect.serviceMonitor ? 1 : 0), expect.serviceMonitor ? "one ServiceMonitor" : "no ServiceMonitor");
    for (const sm of sms) {
        ok(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v), "ServiceMonitor selects the Service");
        ok((sm.spec.namespaceSelector?.matchNames ?? []).includes(svc.metadata.namespace), "ServiceMonitor looks in the Service's namespace");
        const ep = sm.spec.endpoints[0];
        ok(ep.port === "http-metrics" && ep.path === "/metrics", "ServiceMonitor scrapes http-metrics /metrics");
        ok(ep.honorLabels === true, "ServiceMonitor honorLabels (keeps the slo/service labels)");
        for (const [k, v] of Object.entries(expect.serviceMonitorLabels ?? {}))
            ok(sm.metadata.labels[k] === v, `ServiceMonitor label ${k}=${v}`);
    }
}

// --- PrometheusRule ------------------------------------------------------------
const prs = byKind("PrometheusRule");
ok(prs.length === (expect.prometheusRule ? 1 : 0), expect.prometheusRule ? "one PrometheusRule" : "no PrometheusRule");
for (const pr of prs) {
    fs.writeFileSync(path.join(out, "rules.yaml"), yaml.dump({ groups: pr.spec.groups }));
    const rules = pr.spec.groups.flatMap((g) => g.rules);
    ok(rules.length > 0 && rules.every((r) => r.alert && r.expr), `PrometheusRule: ${rules.length} alerts`);
    if ((expect.ruleSet ?? "static") === "static") {
        // The static set: no rule names an SLO; every alert is one per SLO
        // (or per job) however many replicas export the series.
        const sev = expect.severities ?? ["critical", "warning"];
        ok(rules.every((r) => sev.includes(r.labels?.severity)), `static rules: every alert has severity ${sev.join(" or ")}`,
            rules.map((r) => `${r.alert}=${r.labels?.severity}`).join(", "));
        ok(rules.some((r) => r.labels.severity === sev[0]) && rules.some((r) => r.labels.severity === sev[1]),
            "static rules: both severities used");
        ok(rules.every((r) => !/\bslo="/.test(r.expr) && r.labels?.slo === undefined), "static rules: no rule names an SLO");
        ok(rules.every((r) => /without \(instance, pod\)|by \(job\)/.test(r.expr)),
            "static rules: every expression aggregates replicas away (without (instance, pod))");
        if (expect.sidecarJob)
            ok(rules.some((r) => r.expr.includes(`up{job="${expect.sidecarJob}"}`)), `static rules: SLOSidecarDown watches job ${expect.sidecarJob}`);
    } else {
        // The binary's rules (compared whole with `slo-sidecar rules` by
        // test_helm.sh): kube-prometheus' severities unless the config sets others.
        const sev = expect.severities ?? ["critical", "warning"];
        ok(rules.every((r) => sev.includes(r.labels?.severity)), `every alert has severity ${sev.join(" or ")}`,
            rules.map((r) => `${r.alert}=${r.labels?.severity}`).join(", "));
    }
    if (config && expect.ruleSet === "perSlo") {
        const names = new Set(config.slos.map((s) => s.name));
        const alerted = new Set(rules.map((r) => r.labels?.slo).filter(Boolean));
        ok(eq([...names].sort(), [...alerted].sort()), "alerts cover exactly the config's SLOs");
    }
    for (const [k, v] of Object.entries(expect.prometheusRuleLabels ?? {}))
        ok(pr.metadata.labels[k] === v, `PrometheusRule label ${k}=${v}`);
}

// --- dashboard -----------------------------------------------------------------
const dash = byKind("ConfigMap").filter((c) => c.metadata.labels?.grafana_dashboard !== undefined);
ok(dash.length === (expect.dashboard ? 1 : 0), expect.dashboard ? "one dashboard ConfigMap" : "no dashboard ConfigMap");
for (const d of dash) {
    ok(d.metadata.labels.grafana_dashboard === "1", 'dashboard label grafana_dashboard: "1"');
    const files = Object.keys(d.data ?? {});
    ok(eq(files, ["slo-overview.json"]), "dashboard data slo-overview.json");
    let parsed = null;
    try {
        parsed = JSON.parse(d.data["slo-overview.json"]);
    } catch (e) {
        parsed = null;
    }
    ok(parsed !== null && typeof parsed.title === "string" && Array.isArray(parsed.panels), "dashboard JSON parses (title, panels)");
    fs.writeFileSync(path.join(out, "dashboard.json"), d.data["slo-overview.json"] ?? "");
}

for (const k of ["PodDisruptionBudget", "ServiceAccount"]) {
    if (expect[k] !== undefined)
        ok(byKind(k).length === expect[k], `${expect[k]} ${k}`);
}
for (const pdb of byKind("PodDisruptionBudget"))
    ok(pod && Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v), "PodDisruptionBudget selects the pods");

// --- NetworkPolicy ---------------------------------------------------------------
// expect.networkPolicy: {egressPorts: [TCP ports], egressTo, extraPorts, from, dnsTo}.
const nps = byKind("NetworkPolicy");
const npx = expect.networkPolicy;
ok(nps.length === (npx ? 1 : 0), npx ? "one NetworkPolicy" : "no NetworkPolicy");
const testPods = byKind("Pod");
for (const np of nps) {
    const spec = np.spec;
    ok(pod && selects(spec.podSelector.matchLabels, pod.metadata.labels), "NetworkPolicy selects the sidecar pods");
    ok(!testPods.some((t) => selects(spec.podSelector.matchLabels, t.metadata.labels)), "NetworkPolicy does not select the test pod");
    ok(eq(spec.policyTypes, ["Ingress", "Egress"]), "NetworkPolicy governs ingress and egress");
    const [ing, ...moreIng] = spec.ingress ?? [];
    ok(Boolean(ing) && moreIng.length === 0 && eq(ing.ports, [{ port: 9099, protocol: "TCP" }]),
        "NetworkPolicy ingress: TCP 9099 only", JSON.stringify(spec.ingress));
    const wantFrom = npx.from ?? [{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }];
    const from = ing?.from ?? [];
    ok(eq(from.slice(0, wantFrom.length), wantFrom), `NetworkPolicy ingress from ${JSON.stringify(wantFrom)}`, JSON.stringify(from));
    for (const t of testPods)
        ok(from.some((p) => !p.namespaceSelector && !p.ipBlock && selects(p.podSelector?.matchLabels, t.metadata.labels)),
            "NetworkPolicy ingress admits the `helm test` pod (same namespace, by its labels)");
    const [store, dns, ...moreEg] = spec.egress ?? [];
    const tcp = (store?.ports ?? []).filter((p) => p.protocol === "TCP" && Number.isInteger(p.port)).map((p) => p.port).sort((a, b) => a - b);
    ok(eq(tcp, [...npx.egressPorts].sort((a, b) => a - b)), `NetworkPolicy egress to TCP ${npx.egressPorts.join(", ")}`, `got ${tcp}`);
    const storeUrl = config?.global?.prometheus?.url;
    if (storeUrl) {
        const u = new URL(storeUrl);
        const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
        ok(tcp.includes(port), `NetworkPolicy egress admits the store's port ${port} (${storeUrl})`);
    }
    for (const w of config?.global?.webhooks ?? []) {
        const u = new URL(w.url);
        const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
        ok(tcp.includes(port), `NetworkPolicy egress admits the webhook port ${port} (${w.url})`);
    }
    for (const p of npx.extraPorts ?? []) ok((store?.ports ?? []).some((x) => eq(x, p)), `NetworkPolicy egress: extra port ${JSON.stringify(p)}`);
    ok(eq(store?.to, npx.egressTo), `NetworkPolicy egress to ${JSON.stringify(npx.egressTo ?? "anywhere")}`, JSON.stringify(store?.to));
    ok(Boolean(dns) && moreEg.length === 0 && eq(dns.ports, [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }])
        && eq(dns.to, npx.dnsTo), `NetworkPolicy egress: DNS (53 UDP and TCP) to ${JSON.stringify(npx.dnsTo ?? "anywhere")}`,
    JSON.stringify(dns));
}

// --- `helm test` -------------------------------------------------------------------
ok(testPods.length === (expect.test === false ? 0 : 1), expect.test === false ? "no test pod" : "one `helm test` pod");
for (const t of testPods) {
    ok(t.metadata.annotations?.["helm.sh/hook"] === "test", "test pod: annotation helm.sh/hook: test");
    ok(t.spec.restartPolicy === "Never", "test pod: restartPolicy Never");
    ok(t.spec.automountServiceAccountToken === false && t.spec.enableServiceLinks === false,
        "test pod: no service account token, no service links");
    ok(t.spec.containers.length === 1, "test pod: one container");
    const c = t.spec.containers[0];
    hardened(c);
    const svc = svcs[0];
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    const url = svc && `http://${svc.metadata.name}.${svc.metadata.namespace}.svc:${svc.spec.ports[0].port}`;
    ok(env.SLO_SIDECAR_URL === url, `test pod: SLO_SIDECAR_URL is the Service, ${url}`, env.SLO_SIDECAR_URL);
    ok(/^[1-9][0-9]*$/.test(env.READY_TIMEOUT ?? ""), `test pod: READY_TIMEOUT ${env.READY_TIMEOUT}`);
    const script = (c.command ?? []).concat(c.args ?? []).join("\n");
    ok(c.command?.[0] === "/bin/sh" && c.command?.[1] === "-c" && script.includes("$SLO_SIDECAR_URL/-/ready")
        && script.includes("$SLO_SIDECAR_URL/metrics"), "test pod: sh -c script GETs /-/ready and /metrics");
    fs.writeFileSync(path.join(out, "helm-test.sh"), c.command?.[2] ?? "");
    ok(!(svc && selects(svc.spec.selector, t.metadata.labels)), "test pod: not selected by the Service");
    for (const pdb of byKind("PodDisruptionBudget"))
        ok(!selects(pdb.spec.selector.matchLabels, t.metadata.labels), "test pod: not selected by the PodDisruptionBudget");
}

console.log(`checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
