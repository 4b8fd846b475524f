// Lints the Dockerfile:
//   node lint_dockerfile.mjs Dockerfile [--packages "PKG ..."]
//  1. dockerfilelint (npm): best practices (tags, apt-get hygiene, ports, ...);
//  2. dockerfile-utils (npm, the VS Code Docker extension's validator):
//     syntax and semantics, every finding raised to an error;
//  3. hadolint's rules that neither covers (hadolint itself is neither a
//     Debian nor an npm package), named by their hadolint codes, and the
//     agreements with the Helm chart: numeric non-root USER 65532:65532
//     (runAsNonRoot can only verify a numeric user), EXPOSE 9099, the
//     default --config.file where the chart mounts the ConfigMap;
//  4. the OCI image labels (org.opencontainers.image.*), the dynamic ones
//     from build arguments whose defaults agree with VERSION and Chart.yaml;
//  5. the runtime packages: with --packages (the Debian packages of the
//     built binary's NEEDED libraries, from test_helm.sh), exactly those
//     besides libc6, which the base image has; no ca-certificates (it brings
//     openssl), but libcurl's CA bundle copied from the build stage.
// Prints one line per check ("  ok ..." / "  FAIL ..."); exits 1 on a failure.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const dockerfilelint = require("dockerfilelint");
const dockerfileUtils = require("dockerfile-utils");

const file = process.argv[2];
const pkgArg = process.argv.indexOf("--packages");
const neededPackages = pkgArg > 0 ? process.argv[pkgArg + 1].split(/\s+/).filter(Boolean) : null;
const root = path.dirname(path.resolve(file));
const content = fs.readFileSync(file, "utf8");
let failed = 0;
const ok = (cond, what, detail = "") => {
    if (!cond) failed++;
    console.log(cond ? `  ok   ${what}` : `  FAIL ${what}${detail ? `: ${detail}` : ""}`);
    return cond;
};

// 1. dockerfilelint
const issues = dockerfilelint.run(process.cwd(), content);
ok(issues.length === 0, `dockerfilelint: ${issues.length} issues`,
    issues.map((i) => `line ${i.line}: ${i.title}`).join("; "));

// 2. dockerfile-utils, with every configurable problem an error
const S = dockerfileUtils.ValidationSeverity;
const settings = {};
for (const k of ["deprecatedMaintainer", "directiveCasing", "emptyContinuationLine", "instructionCasing",
    "instructionCmdMultiple", "instructionEntrypointMultiple", "instructionHealthcheckMultiple",
    "instructionJSONInSingleQuotes", "instructionWorkdirRelative"]) settings[k] = S.ERROR;
const diags = dockerfileUtils.validate(content, settings);
ok(diags.length === 0, `dockerfile-utils validate: ${diags.length} problems`,
    diags.map((d) => `line ${d.range.start.line + 1}: ${d.message}`).join("; "));

// 3. Our own rules on a simple parse: continuation lines joined, comments dropped.
const instrs = [];
{
    let buf = "";
    let start = 0;
    content.split("\n").forEach((line, i) => {
        if (!buf && /^\s*#/.test(line)) return;
        if (!buf) start = i + 1;
        if (buf && /^\s*#/.test(line)) return; // comment inside a continuation
        buf += line.replace(/\\\s*$/, " ");
        if (/\\\s*$/.test(line)) return;
        const m = buf.trim().match(/^(\w+)\s*(.*)$/s);
        if (m) instrs.push({ line: start, kw: m[1].toUpperCase(), args: m[2].trim() });
        buf = "";
    });
}
const stages = [];
for (const ins of instrs) {
    if (ins.kw === "FROM") stages.push({ from: ins, instrs: [] });
    else if (stages.length) stages[stages.length - 1].instrs.push(ins);
}
const stageNames = stages.map((s) => (s.from.args.match(/\sAS\s+(\S+)/i) ?? [])[1]).filter(Boolean);
const at = (ins) => `line ${ins.line}`;

for (const s of stages) {
    const image = s.from.args.replace(/--platform=\S+\s+/, "").split(/\s+/)[0];
    if (stageNames.includes(image)) continue;
    ok(/[:@]/.test(image.replace(/^[^/]*:\d+\//, "")) && !/:latest$/.test(image),
        `DL3006/DL3007 FROM ${image}: pinned tag, not latest`);
}
const last = stages[stages.length - 1];
ok(stages.length >= 2 && !/build-essential|gcc|make\b/.test(last.instrs.map((i) => i.args).join(" ")),
    "multi-stage: the runtime stage installs no compiler");
for (const ins of instrs) {
    if (ins.kw === "ADD") ok(/^(--\S+\s+)*https?:/.test(ins.args), `DL3020 ${at(ins)}: COPY, not ADD, for files`);
    if (ins.kw === "COPY") {
        const from = (ins.args.match(/--from=(\S+)/) ?? [])[1];
        if (from) ok(stageNames.includes(from), `${at(ins)}: COPY --from=${from} names a stage`);
    }
    if (ins.kw === "CMD" || ins.kw === "ENTRYPOINT") {
        let json = null;
        try {
            json = JSON.parse(ins.args);
        } catch {
            json = null;
        }
        ok(Array.isArray(json), `DL3025 ${at(ins)}: ${ins.kw} in JSON (exec) form`);
    }
    if (ins.kw !== "RUN") continue;
    const cmds = ins.args.split(/&&|;|\|\|/).map((c) => c.trim());
    ok(!cmds.some((c) => /^cd\s/.test(c)), `DL3003 ${at(ins)}: WORKDIR instead of cd`);
    ok(!cmds.some((c) => /^(sudo\s+)?apt\s/.test(c)), `DL3027 ${at(ins)}: apt-get, not apt`);
    ok(!/(^|\s)sudo\s/.test(ins.args), `DL3004 ${at(ins)}: no sudo`);
    const installs = cmds.filter((c) => /^apt-get\s.*\binstall\b/.test(c));
    for (const c of installs) {
        ok(/\s(-y|--yes|-[a-z]*y[a-z]*)\b/.test(c), `DL3014 ${at(ins)}: apt-get install -y`);
        ok(c.includes("--no-install-recommends"), `DL3015 ${at(ins)}: --no-install-recommends`);
    }
    if (cmds.some((c) => /^apt-get\s+update\b/.test(c))) {
        ok(installs.length > 0, `DL3009 ${at(ins)}: apt-get update with an install in the same layer`);
        ok(/rm -rf \/var\/lib\/apt\/lists/.test(ins.args), `DL3009 ${at(ins)}: apt lists removed in the same layer`);
    }
    if (/[^|]\|[^|]/.test(ins.args)) {
        const shell = instrs.filter((i) => i.kw === "SHELL" && i.line < ins.line).pop();
        ok(Boolean(shell && /pipefail/.test(shell.args)), `DL4006 ${at(ins)}: a pipe needs SHELL [..., "-o", "pipefail", ...]`);
    }
}

// Agreements with the chart (helm/slo-sidecar/values.yaml).
const users = last.instrs.filter((i) => i.kw === "USER");
const user = users.length ? users[users.length - 1].args : "";
ok(user === "65532:65532", `DL3002 final USER ${user || "(none)"}: numeric 65532:65532, as the chart's runAsUser/runAsGroup`);
const runs = last.instrs.filter((i) => i.kw === "RUN").map((i) => i.args).join(" ");
ok(/groupadd\b[^&]*--gid 65532/.test(runs) && /useradd\b[^&]*--uid 65532[^&]*--gid 65532/.test(runs),
    "runtime stage creates group and user 65532 (so the uid and gid have names)");
const expose = last.instrs.filter((i) => i.kw === "EXPOSE").map((i) => i.args).join(" ");
ok(/\b9099\b/.test(expose), "EXPOSE 9099, the chart's containerPort");
const cmd = last.instrs.filter((i) => i.kw === "CMD").pop();
ok(Boolean(cmd && cmd.args.includes("--config.file=/etc/slo-sidecar/slos.yaml")),
    "CMD --config.file=/etc/slo-sidecar/slos.yaml, where the chart mounts the ConfigMap");
const entry = last.instrs.filter((i) => i.kw === "ENTRYPOINT").pop();
ok(Boolean(entry && /"\/usr\/bin\/slo-sidecar"/.test(entry.args)), "ENTRYPOINT /usr/bin/slo-sidecar");

// 4. OCI labels of the final image. The dynamic ones come from build
// arguments declared in the final stage; VERSION's default is the VERSION
// file's and SOURCE's Chart.yaml's home, so a plain `docker build` of a
// release checkout labels the image right.
const labels = {};
for (const ins of last.instrs.filter((i) => i.kw === "LABEL"))
    for (const m of ins.args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g))
        labels[m[1]] = m[2].replace(/^"(.*)"$/s, "$1");
const args = {};
for (const ins of last.instrs.filter((i) => i.kw === "ARG")) {
    const m = ins.args.match(/^(\w+)(?:=(.*))?$/);
    if (m) args[m[1]] = m[2] ?? "";
}
const oci = "org.opencontainers.image.";
for (const k of ["title", "description", "version", "revision", "source", "licenses"])
    ok(Boolean(labels[oci + k]), `LABEL ${oci}${k}`, "missing in the final stage");
for (const [k, arg] of [["version", "VERSION"], ["revision", "REVISION"], ["source", "SOURCE"], ["licenses", "LICENSES"]])
    ok(labels[oci + k] === `\${${arg}}` && arg in args, `${oci}${k} from build argument ${arg} (declared in the final stage)`,
        `got ${labels[oci + k]}`);
const version = fs.readFileSync(path.join(root, "VERSION"), "utf8").trim();
ok(args.VERSION === version, `ARG VERSION default ${args.VERSION} = VERSION ${version}`);
const chart = fs.readFileSync(path.join(root, "helm/slo-sidecar/Chart.yaml"), "utf8");
const home = (chart.match(/^home:\s*(\S+)/m) ?? [])[1];
ok(Boolean(home) && args.SOURCE === home, `ARG SOURCE default ${args.SOURCE} = Chart.yaml home ${home}`);
ok(/^(NOASSERTION|[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*)$/.test(args.LICENSES ?? ""),
    `ARG LICENSES default ${args.LICENSES}: an SPDX expression or NOASSERTION`);

// 5. The runtime packages.
const installed = last.instrs.filter((i) => i.kw === "RUN")
    .flatMap((i) => i.args.split(/&&|;/).map((c) => c.trim()))
    .filter((c) => /^apt-get\s.*\binstall\b/.test(c))
    .flatMap((c) => c.split(/\s+/).filter((w) => !w.startsWith("-") && !["apt-get", "install"].includes(w)));
console.log(`  ok   runtime packages: ${installed.join(" ")}`);
ok(!installed.some((p) => ["ca-certificates", "openssl"].includes(p)), "runtime stage: no ca-certificates/openssl packages");
const buildStage = stages.find((s) => (s.from.args.match(/\sAS\s+(\S+)/i) ?? [])[1] === "build");
ok(Boolean(buildStage && buildStage.instrs.some((i) => i.kw === "RUN" && /\bca-certificates\b/.test(i.args)))
    && last.instrs.some((i) => i.kw === "COPY"
        && /^--from=build\s+\/etc\/ssl\/certs\/ca-certificates\.crt\s+\/etc\/ssl\/certs\/ca-certificates\.crt$/.test(i.args)),
"runtime stage: libcurl's CA bundle /etc/ssl/certs/ca-certificates.crt copied from the build stage, which installs ca-certificates");
if (neededPackages) {
    const want = neededPackages.filter((p) => p !== "libc6").sort();
    const got = [...new Set(installed)].sort();
    ok(JSON.stringify(got) === JSON.stringify(want),
        `runtime packages are exactly those of the binary's NEEDED libraries (besides libc6): ${want.join(" ")}`,
        `the Dockerfile installs ${got.join(" ")}`);
}

process.exit(failed ? 1 : 0);
