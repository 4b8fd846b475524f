// Extracts the code blocks of the chart README that follow a
// `<!-- test: FILE -->` line into DIR/FILE, and checks the
// kube-prometheus-stack snippet (kps-values.yaml) as the spec of a
// Prometheus resource, with the sidecar's own rules: the config where the
// chart mounts it, liveness but no readiness probe, the hardened security
// context.
//   node readme_snippets.mjs README.md DIR
// Prints one line per check; exits 1 on a failure.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { validateManifest } from "./k8s.mjs";

const [readme, dir] = process.argv.slice(2);
fs.mkdirSync(dir, { recursive: true });
let failed = 0;
const ok = (cond, what, detail = "") => {
    if (!cond) failed++;
    console.log(cond ? `  ok   ${what}` : `  FAIL ${what}${detail ? `: ${detail}` : ""}`);
    return cond;
};

const lines = fs.readFileSync(readme, "utf8").split("\n");
const found = [];
for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/<!-- test: (\S+) -->/);
    if (!m) continue;
    const open = lines[i + 1] ?? "";
    const indent = open.match(/^(\s*)```/)?.[1];
    if (indent === undefined) {
        ok(false, `README: a code block after <!-- test: ${m[1]} -->`);
        continue;
    }
    const body = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].trim() !== "```"; j++)
        body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    fs.writeFileSync(path.join(dir, m[1]), body.join("\n") + "\n");
    found.push(m[1]);
    i = j;
}
console.log(`  ok   README snippets: ${found.join(", ")}`);

for (const f of found.filter((f) => /\.ya?ml$/.test(f))) {
    try {
        yaml.load(fs.readFileSync(path.join(dir, f), "utf8"));
        ok(true, `README ${f} parses`);
    } catch (e) {
        ok(false, `README ${f} parses`, e.message);
    }
}

if (found.includes("kps-values.yaml")) {
    const spec = yaml.load(fs.readFileSync(path.join(dir, "kps-values.yaml"), "utf8")).prometheus.prometheusSpec;
    const problems = await validateManifest({ apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus",
        metadata: { name: "kube-prometheus-stack-prometheus" }, spec });
    ok(problems.length === 0, "README kube-prometheus-stack containers/volumes: valid Prometheus spec", problems.join("; "));
    const c = spec.containers.find((x) => x.name === "slo-sidecar");
    if (ok(Boolean(c), "README kube-prometheus-stack: container slo-sidecar")) {
        ok(c.args.includes("--config.file=/etc/slo-sidecar/slos.yaml"), "README sidecar reads /etc/slo-sidecar/slos.yaml");
        ok(c.livenessProbe?.httpGet?.path === "/-/healthy" && c.readinessProbe === undefined,
            "README sidecar: liveness /-/healthy, no readiness probe");
        const sc = c.securityContext ?? {};
        ok(sc.runAsUser === 65532 && sc.runAsNonRoot && sc.readOnlyRootFilesystem && sc.allowPrivilegeEscalation === false
            && sc.capabilities?.drop?.includes("ALL") && sc.seccompProfile?.type === "RuntimeDefault",
        "README sidecar: hardened securityContext");
        const m = (c.volumeMounts ?? []).find((v) => v.mountPath === "/etc/slo-sidecar");
        const v = m && spec.volumes.find((x) => x.name === m.name);
        ok(Boolean(v?.configMap), "README sidecar: config volume is a ConfigMap");
        fs.writeFileSync(path.join(dir, "kps-configmap-name"), v?.configMap?.name ?? "");
    }
}
process.exit(failed ? 1 : 0);
