// Offline schema validation of Kubernetes manifests with kubernetes-models
// (the Kubernetes OpenAPI schemas) and @kubernetes-models/prometheus-operator
// (the ServiceMonitor/PrometheusRule/Prometheus CRDs), plus the one thing
// those schemas let through: fields the schema does not know (a typo such as
// `readinesProbe` is silently dropped by the API server, so it must fail here).
import yaml from "js-yaml";

const PROM_OP = "@kubernetes-models/prometheus-operator";

// Module path of the model class for apiVersion/kind.
function modelPath(apiVersion, kind) {
    if (!/^[A-Za-z]+$/.test(kind) || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion))
        return null;
    if (apiVersion.startsWith("monitoring.coreos.com/"))
        return `${PROM_OP}/${apiVersion}/${kind}`;
    return `kubernetes-models/${apiVersion}/${kind}`;
}

// The model class for a document, or throws naming what is unknown.
export async function modelFor(apiVersion, kind) {
    const path = modelPath(String(apiVersion), String(kind));
    if (!path) throw new Error(`unusable apiVersion/kind ${apiVersion}/${kind}`);
    let mod;
    try {
        mod = await import(path);
    } catch (e) {
        throw new Error(`no schema for ${apiVersion} ${kind} (${path})`);
    }
    const cls = mod[kind] ?? mod.default;
    if (typeof cls !== "function") throw new Error(`no model class in ${path}`);
    return cls;
}

// Runs fn(proxy of data) and returns the paths of object keys the code never
// read and whose object it never enumerated: the generated validators read
// every property their schema declares and enumerate free-form maps, so an
// unread key is one the schema does not have.
function unreadKeys(data, fn) {
    const read = new Map(); // path -> Set of keys read
    const enumerated = new Set();
    const cache = new WeakMap();
    const wrap = (value, path) => {
        if (value === null || typeof value !== "object") return value;
        if (cache.has(value)) return cache.get(value);
        const p = new Proxy(value, {
            get(target, key, receiver) {
                if (typeof key === "string") {
                    if (!read.has(path)) read.set(path, new Set());
                    read.get(path).add(key);
                }
                const v = Reflect.get(target, key, receiver);
                return typeof key === "string" && Object.prototype.hasOwnProperty.call(target, key)
                    ? wrap(v, `${path}/${key}`) : v;
            },
            has(target, key) {
                if (typeof key === "string") {
                    if (!read.has(path)) read.set(path, new Set());
                    read.get(path).add(key);
                }
                return Reflect.has(target, key);
            },
            ownKeys(target) {
                enumerated.add(path);
                return Reflect.ownKeys(target);
            },
        });
        cache.set(value, p);
        return p;
    };
    fn(wrap(data, ""));
    const unknown = [];
    const walk = (value, path) => {
        if (value === null || typeof value !== "object") return;
        if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${path}/${i}`));
            return;
        }
        const keys = read.get(path) ?? new Set();
        for (const k of Object.keys(value)) {
            if (!enumerated.has(path) && !keys.has(k)) unknown.push(`${path}/${k}`);
            else walk(value[k], `${path}/${k}`);
        }
    };
    walk(data, "");
    return unknown;
}

// Validates one manifest; returns a list of problems (empty when valid).
export async function validateManifest(doc) {
    const problems = [];
    let cls;
    try {
        cls = await modelFor(doc.apiVersion, doc.kind);
    } catch (e) {
        return [e.message];
    }
    const plain = JSON.parse(JSON.stringify(doc));
    const model = new cls(plain);
    try {
        model.validate();
    } catch (e) {
        problems.push(...String(e.message).split("\n").filter(Boolean));
    }
    const unknown = unreadKeys(plain, (proxy) => {
        try {
            cls.prototype.validate.call(proxy);
        } catch {
            // reported above
        }
    });
    for (const u of unknown) problems.push(`data${u}: field not in the ${doc.kind} schema`);
    return problems;
}

// Parses a multi-document YAML stream, dropping empty documents.
export function loadAll(text) {
    return yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
}
