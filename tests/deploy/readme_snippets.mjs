// Extracts the code blocks of the chart README that follow a
// `<!-- test: FILE -->` line into DIR/FILE, checks that the YAML ones parse,
// and the kube-prometheus-stack example (kps-values.yaml) as the spec of a
// Prometheus resource (test_helm.sh compares it with the chart's render).
// Then the README's Values table against values.yaml beside it: every value
// is in the table (itself or a parent), and every name in the table is a
// value.
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
    ok(problems.length === 0, "README kube-prometheus-stack values: valid Prometheus spec", problems.join("; "));
}
// The Values table: its first column names values, several in one cell as
// `a.b` / `.c` (a.c) or `a.b` / `c` (a.c) or `a` / `b` (top level).
const table = [];
{
    const start = lines.findIndex((l) => /^## Values\s*$/.test(l));
    for (let i = start + 1; start >= 0 && i < lines.length && !/^## /.test(lines[i]); i++) {
        const m = lines[i].match(/^\| ([^|]+) \|/);
        if (!m || /^(value|---)/.test(m[1])) continue;
        let prev = null;
        for (const part of m[1].split(" / ")) {
            const name = (part.match(/^`([^`]+)`$/) ?? [])[1];
            if (!name) continue;
            let full = name;
            if (name.startsWith(".")) full = prev.replace(/\.[^.]+$/, "") + name;
            else if (!name.includes(".") && prev?.includes(".")) full = prev.replace(/\.[^.]+$/, "") + "." + name;
            table.push(full);
            prev = full;
        }
    }
}
const values = yaml.load(fs.readFileSync(path.join(path.dirname(readme), "values.yaml"), "utf8"));
const paths = [];
const walk = (v, p) => {
    paths.push(p);
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length)
        for (const [k, x] of Object.entries(v)) walk(x, p ? `${p}.${k}` : k);
};
walk(values, "");
const leaves = paths.filter((p) => p && !paths.some((q) => q.startsWith(`${p}.`)));
const inTable = new Set(table);
const undocumented = leaves.filter((p) => !p.split(".").some((_, i, a) => inTable.has(a.slice(0, i + 1).join("."))));
ok(table.length > 0 && undocumented.length === 0, `README Values table covers every value of values.yaml (${table.length} rows' names)`,
    `missing: ${undocumented.join(", ")}`);
const unknown = table.filter((t) => !paths.includes(t));
ok(unknown.length === 0, "README Values table names only values of values.yaml", `not values: ${unknown.join(", ")}`);

process.exit(failed ? 1 : 0);
