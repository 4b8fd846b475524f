// Checks the chart's PrometheusRule in the static rule set against the one
// source, helm/slo-sidecar/rules/slo-static-rules.yml: the rendered groups
// must be that file with only the documented changes of the values applied
// (computed here on their own, not by the template):
//   severity critical -> SEVERITY_PAGE, warning -> SEVERITY_TICKET;
//   job="slo-sidecar" -> job="JOB" in the expressions;
//   ALERT_LABELS added to every alert's labels;
//   runbook_url: the placeholder prefix replaced by PREFIX, or dropped.
//   node static_rules.mjs --file RULEFILE --rendered RULES.yaml --job JOB
//        [--page P] [--ticket T] [--prefix URL] [--labels JSON]
// Prints one line per check ("  ok ..." or "  FAIL ..."); exits 1 on a failure.
import fs from "node:fs";
import yaml from "js-yaml";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const PLACEHOLDER = "https://runbooks.example.com/slo-sidecar/";
let failed = 0;
const ok = (cond, what, detail = "") => {
    if (!cond) failed++;
    console.log(cond ? `  ok   ${what}` : `  FAIL ${what}${detail ? `: ${detail}` : ""}`);
    return cond;
};
const canon = (v) => Array.isArray(v) ? v.map(canon)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;

const source = yaml.load(fs.readFileSync(args.file, "utf8"));
const rendered = yaml.load(fs.readFileSync(args.rendered, "utf8"));
const severity = { critical: args.page ?? "critical", warning: args.ticket ?? "warning" };
const extra = JSON.parse(args.labels ?? "{}");

// The source file keeps its own promises, which the chart relies on.
const rules = source.groups.flatMap((g) => g.rules);
ok(rules.every((r) => r.annotations?.runbook_url === `${PLACEHOLDER}${r.alert.toLowerCase()}`),
    `the rule file: every runbook_url is ${PLACEHOLDER}<alert in lower case>`);
ok(rules.some((r) => r.expr.includes('up{job="slo-sidecar"}')), 'the rule file: SLOSidecarDown selects up{job="slo-sidecar"}');

const want = structuredClone(source.groups);
for (const r of want.flatMap((g) => g.rules)) {
    r.expr = r.expr.replaceAll('job="slo-sidecar"', `job="${args.job}"`);
    r.labels = { ...r.labels, severity: severity[r.labels.severity], ...extra };
    if (args.prefix) r.annotations.runbook_url = r.annotations.runbook_url.replace(PLACEHOLDER, args.prefix);
    else delete r.annotations.runbook_url;
}
const what = `job ${args.job}, severities ${severity.critical}/${severity.warning}` +
    `${args.prefix ? `, runbooks ${args.prefix}` : ", no runbooks"}${args.labels ? `, labels ${args.labels}` : ""}`;
const a = JSON.stringify(canon(rendered.groups));
const b = JSON.stringify(canon(want));
if (!ok(a === b, `PrometheusRule groups = rules/slo-static-rules.yml with ${what}`)) {
    const ra = rendered.groups.flatMap((g) => g.rules);
    const rb = want.flatMap((g) => g.rules);
    for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
        if (JSON.stringify(canon(ra[i])) !== JSON.stringify(canon(rb[i])))
            console.log(`       first difference, rule ${i}:\n       got  ${JSON.stringify(canon(ra[i]))}\n       want ${JSON.stringify(canon(rb[i]))}`);
        else continue;
        break;
    }
}
process.exit(failed ? 1 : 0);
