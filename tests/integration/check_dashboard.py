#!/usr/bin/env python3
"""Checks deploy/grafana/slo-overview.json, for test_dashboard.sh.

    check_dashboard.py DASHBOARD
        the structure: valid JSON, current schema, the datasource variable,
        the slo, service, group and replica variables, every panel on the
        grid without overlaps and bound to ${datasource}, every target with a
        refId and an expression, the panels the dashboard must have, and the
        HA rule: every SLO selector sits inside an aggregation that drops the
        replica labels (max without (..., $replica)), every sidecar-health
        selector inside one by (instance, pod, ...). Burn-rate panels draw
        each SLO's own alert conditions from slo_alert_burn_rate_threshold
        (page and ticket), with no hard-coded threshold or window.
    check_dashboard.py DASHBOARD PROM_URL [OPTIONS] NAME=VALUE[,NAME=VALUE...]...
        also, for each set of variable values given (one argument per set):
        every query variable's label_values() and every panel's expr, with
        the variables and Grafana's $__ macros filled in, answers a non-empty
        result from the Prometheus at PROM_URL; every SLO query answers each
        SLO instance (slo, service, group labels and the panel's own labels
        such as window) exactly once, and the SLO table's objective every SLO
        instance in the store; every health query keeps the replicas apart
        and answers each once. Options:
          --wait S              retry failing queries for up to S seconds
          --replica-labels L,.. labels that tell copies apart (default
                                instance,pod,prometheus_replica)
          --replicas N          the health queries must show N sidecar replicas
          --conditions SLO=SEV/LONG/SHORT/FACTOR[,...]
                                that SLO's alert conditions: every query on
                                slo_alert_burn_rate_threshold must answer
                                exactly these (those of its severity), the
                                threshold series valued their factors and the
                                burn-rate series over exactly LONG and SHORT
                                (repeatable)

Variables with a fixed default (textbox, constant) take it unless given.
Grafana's macros are replaced by values that fit a Prometheus scraping every
second: $__rate_interval 20s, $__interval 5s, $__range 5m."""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

DS = {"type": "prometheus", "uid": "${datasource}"}
MACROS = {"__rate_interval": "20s", "__interval": "5s", "__interval_ms": "5000",
          "__range": "5m", "__range_s": "300", "__range_ms": "300000"}
THRESHOLD = "slo_alert_burn_rate_threshold"
AGG = re.compile(r"\b(sum|min|max|avg|count|group|stddev|stdvar|topk|bottomk|quantile)"
                 r"\s+(by|without)\s*\(([^()]*)\)\s*\(")
SLO_METRIC = re.compile(r"\b(slo_(?!sidecar_)\w+|ALERTS)\b")
HEALTH_METRIC = re.compile(r"\bslo_sidecar_\w+")

problems = []


def bad(msg):
    problems.append(msg)
    print("  FAIL: " + msg)


def ok(msg):
    print("  ok: " + msg)


def panels_of(d):
    out = []
    for p in d.get("panels", []):
        out.append(p)
        out.extend(p.get("panels", []))     # a collapsed row holds its panels
    return out


def exprs_of(p):
    return [t.get("expr", "") for t in p.get("targets", [])]


def has_panel(ps, kind, *needles):
    for p in ps:
        if kind is not None and p.get("type") not in kind:
            continue
        text = "\n".join(exprs_of(p))
        if all(n in text for n in needles):
            return p
    return None


def is_slo_expr(e):
    return SLO_METRIC.search(e) is not None


def is_health_expr(e):
    return not is_slo_expr(e) and HEALTH_METRIC.search(e) is not None


def aggregations(expr):
    """[(start, end, by|without, [labels])]: each aggregation's argument span."""
    out = []
    for m in AGG.finditer(expr):
        depth, i = 0, m.end() - 1
        while i < len(expr):
            depth += {"(": 1, ")": -1}.get(expr[i], 0)
            if depth == 0:
                break
            i += 1
        labels = [x.strip() for x in m.group(3).split(",") if x.strip()]
        out.append((m.end(), i, m.group(2), labels))
    return out


def unaggregated(expr, pattern, good):
    """The selectors of pattern in expr that no aggregation accepted by good encloses."""
    spans = [s for s in aggregations(expr) if good(s[2], s[3])]
    return [m.group(0) for m in pattern.finditer(expr)
            if not any(a <= m.start() < b for a, b, _, _ in spans)]


def drops_replicas(kind, labels):
    if kind == "without":
        return "$replica" in labels
    return not {"instance", "pod", "$replica"} & set(labels)


def keeps_replicas(kind, labels):
    return kind == "by" and "instance" in labels and "pod" in labels


def var_default(v):
    """A textbox's or constant's fixed value, else None."""
    if v.get("type") not in ("textbox", "constant"):
        return None
    cur = (v.get("current") or {}).get("value")
    return cur if isinstance(cur, str) and cur else v.get("query")


def check_burn_panels(ps):
    burn = [p for p in ps if p.get("type") == "timeseries"
            and "slo_burn_rate" in "\n".join(exprs_of(p))]
    if not burn:
        bad("no burn-rate panel (timeseries of slo_burn_rate)")
        return
    severities = set()
    for p in burn:
        title = p.get("title")
        before = len(problems)
        fc = p.get("fieldConfig", {}).get("defaults", {})
        drawn = [s.get("value") for s in fc.get("thresholds", {}).get("steps", [])
                 if s.get("value") is not None]
        if fc.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off") != "off" or drawn:
            bad("burn-rate panel \"%s\" draws fixed thresholds %s (the SLO's own conditions "
                "come from %s)" % (title, drawn, THRESHOLD))
        thr = [t for t in p.get("targets", []) if THRESHOLD in t.get("expr", "")
               and "slo_burn_rate" not in t.get("expr", "")]
        rates = [t for t in p.get("targets", []) if "slo_burn_rate" in t.get("expr", "")]
        if len(thr) != 1:
            bad("burn-rate panel \"%s\": want one threshold series target (%s alone), got %d"
                % (title, THRESHOLD, len(thr)))
            continue
        for t in rates:
            e = t.get("expr", "")
            if THRESHOLD not in e:
                bad("burn-rate panel \"%s\" [%s]: slo_burn_rate not matched to the SLO's "
                    "conditions (%s)" % (title, t.get("refId"), THRESHOLD))
            if re.search(r'window\s*=~?\s*"', e):
                bad("burn-rate panel \"%s\" [%s]: hard-coded windows %s" % (
                    title, t.get("refId"), re.findall(r'window\s*=~?\s*"[^"]*"', e)))
            if "{{long_window}}" not in t.get("legendFormat", ""):
                bad("burn-rate panel \"%s\" [%s]: legend does not name the condition "
                    "({{long_window}})" % (title, t.get("refId")))
        t = thr[0]
        sev = re.findall(r'severity\s*=\s*"(\w+)"', t.get("expr", ""))
        severities.update(sev)
        styled = any(o.get("matcher") == {"id": "byFrameRefID", "options": t.get("refId")}
                     and any(pr.get("id") == "custom.lineStyle" for pr in o.get("properties", []))
                     for o in p.get("fieldConfig", {}).get("overrides", []))
        if not styled:
            bad("burn-rate panel \"%s\": threshold series [%s] not drawn as a line style of its "
                "own" % (title, t.get("refId")))
        if "{{long_window}}" not in t.get("legendFormat", "") or \
                "{{short_window}}" not in t.get("legendFormat", ""):
            bad("burn-rate panel \"%s\": threshold legend does not name its windows" % title)
        if len(problems) == before:
            ok("burn-rate panel \"%s\": thresholds from %s%s" % (
                title, THRESHOLD, " (severity %s)" % ", ".join(sev) if sev else ""))
    for s in ("page", "ticket"):
        if s not in severities:
            bad("no burn-rate panel draws the %s conditions (severity=\"%s\")" % (s, s))


def check_structure(d):
    if not isinstance(d, dict):
        bad("the dashboard is not a JSON object")
        return
    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
        bad("schemaVersion %r (want a current one, >= 36)" % d.get("schemaVersion"))
    for k in ("uid", "title"):
        if not d.get(k):
            bad("no %s" % k)
    if d.get("id") is not None:
        bad("id must be null so the dashboard imports anywhere")
    if "time" not in d or "templating" not in d:
        bad("no time or templating")
    vs = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    ds = vs.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        bad("no datasource variable of type prometheus")
    for name in ("slo", "service"):
        v = vs.get(name)
        if not v or v.get("type") != "query" or v.get("datasource") != DS:
            bad("no query variable %s on ${datasource}" % name)
            continue
        q = v.get("definition", "")
        if not re.match(r"label_values\(slo_\w+(\{.*\})?,\s*%s\)$" % name, q):
            bad("variable %s: %r is not label_values(slo_..., %s)" % (name, q, name))
        if not v.get("includeAll") or not v.get("multi"):
            bad("variable %s should allow All and several values" % name)
    g = vs.get("group")
    if not g or g.get("type") not in ("adhoc", "query") or g.get("datasource") != DS:
        bad("no group variable (ad hoc filters on ${datasource})")
    r = vs.get("replica")
    rv = var_default(r) if r else None
    if rv is None:
        bad("no replica variable (textbox or constant) naming the labels to aggregate away")
    else:
        labels = [x.strip() for x in rv.split(",")]
        if not {"instance", "pod"} <= set(labels) or not all(
                re.match(r"^[a-zA-Z_]\w*$", x) for x in labels):
            bad("replica variable default %r: want label names including instance and pod" % rv)
        else:
            ok("replica variable: %s" % rv)
    ps = panels_of(d)
    ids = [p.get("id") for p in ps]
    if len(set(ids)) != len(ids) or None in ids:
        bad("panel ids missing or not unique: %s" % ids)
    boxes = []
    for p in ps:
        title = p.get("title") or "?"
        gp = p.get("gridPos") or {}
        if not all(isinstance(gp.get(k), int) for k in ("x", "y", "w", "h")) \
                or gp["x"] < 0 or gp["w"] <= 0 or gp["h"] <= 0 or gp["x"] + gp["w"] > 24:
            bad("panel %s: bad gridPos %s" % (title, gp))
            continue
        for (t2, g2) in boxes:
            if gp["x"] < g2["x"] + g2["w"] and g2["x"] < gp["x"] + gp["w"] and \
                    gp["y"] < g2["y"] + g2["h"] and g2["y"] < gp["y"] + gp["h"]:
                bad("panels %s and %s overlap" % (title, t2))
        boxes.append((title, gp))
        if p.get("type") == "row":
            continue
        if p.get("datasource") != DS:
            bad("panel %s: datasource %s, want %s" % (title, p.get("datasource"), DS))
        ts = p.get("targets") or []
        if not ts:
            bad("panel %s has no targets" % title)
        refs = [t.get("refId") for t in ts]
        if len(set(refs)) != len(refs) or None in refs:
            bad("panel %s: refIds %s" % (title, refs))
        for t in ts:
            if t.get("datasource") != DS or not t.get("expr", "").strip():
                bad("panel %s target %s: no expr or not on ${datasource}" % (title, t.get("refId")))
    need = [
        ("the SLO table", ["table"], ["slo_objective_ratio", "slo_sli_ratio",
                                      "slo_error_budget_remaining_ratio", "slo_status",
                                      "slo_time_to_exhaustion_seconds"]),
        ("budget remaining bar gauges", ["bargauge"], ["slo_error_budget_remaining_ratio"]),
        ("burn rates against the conditions", ["timeseries"], ["slo_burn_rate", THRESHOLD]),
        ("the alert conditions now", ["table"], ["slo_burn_rate", THRESHOLD]),
        ("SLI versus objective", ["timeseries"], ["slo_sli_ratio", "slo_objective_ratio"]),
        ("error budget burn-down", ["timeseries"], ["slo_error_budget_remaining_ratio"]),
        ("firing alerts", None, ['ALERTS{slo!=""']),
        ("the sidecar's alert decisions", None, ["slo_alert_firing"]),
        ("backend up", None, ["slo_sidecar_backend_up"]),
        ("evaluations", None, ["slo_sidecar_evaluations_total"]),
        ("evaluation duration", None, ["slo_sidecar_evaluation_duration_seconds"]),
        ("config reload", None, ["slo_sidecar_config_last_reload_successful"]),
    ]
    for what, kind, needles in need:
        p = has_panel(ps, kind, *needles)
        if p is None:
            bad("no panel for %s (%s with %s)" % (what, kind or "any", ", ".join(needles)))
        else:
            ok("%s: %s \"%s\"" % (what, p["type"], p.get("title")))
    # The HA rule, target by target.
    nslo = nhealth = 0
    before = len(problems)
    for p in ps:
        for t in p.get("targets", []):
            e, where = t.get("expr", ""), "panel \"%s\" [%s]" % (p.get("title"), t.get("refId"))
            if is_slo_expr(e):
                nslo += 1
                left = unaggregated(e, SLO_METRIC, drops_replicas)
                if left:
                    bad("%s: %s not inside max without (..., $replica) (each SLO would show "
                        "once per replica)" % (where, ", ".join(sorted(set(left)))))
                if "slo_sidecar_" in e:
                    bad("%s mixes SLO and sidecar-health metrics" % where)
            elif is_health_expr(e):
                nhealth += 1
                left = unaggregated(e, HEALTH_METRIC, keeps_replicas)
                if left:
                    bad("%s: %s not inside an aggregation by (instance, pod, ...) (one series "
                        "per sidecar replica)" % (where, ", ".join(sorted(set(left)))))
    if len(problems) == before:
        ok("HA rule: %d SLO targets aggregate the replicas away, %d sidecar-health targets "
           "keep them apart" % (nslo, nhealth))
    check_burn_panels(ps)


def fill(text, values):
    """Grafana's interpolation for the names we know: ${x}, ${x:fmt}, [[x]], $x."""
    def sub(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        if name in MACROS:
            return MACROS[name]
        return m.group(0)           # unknown: Grafana leaves it ($1 of label_replace)
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)", sub, text)


def prom_get(base, path, params):
    url = base + path + "?" + urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def query(base, q):
    """The result of an instant query (a list of {metric, value}); raises on an error."""
    ans = prom_get(base, "/api/v1/query", {"query": q})
    if ans.get("status") != "success":
        raise RuntimeError(ans.get("error"))
    return ans.get("data", {}).get("result", [])


def run_var(base, v, values):
    """label_values(selector, label) or label_values(label): the values, or an error."""
    q = fill(v.get("definition", ""), values)
    m = re.match(r"label_values\((.*),\s*(\w+)\)$", q) or re.match(r"label_values\((\w+)\)$", q)
    if not m:
        return q, None, "not a label_values() query"
    if m.lastindex == 2:
        d = prom_get(base, "/api/v1/series", {"match[]": m.group(1)})
        vals = sorted({s.get(m.group(2)) for s in d.get("data", []) if m.group(2) in s})
    else:
        d = prom_get(base, "/api/v1/label/%s/values" % m.group(1), {})
        vals = d.get("data", [])
    return q, vals, None


def show(labels):
    return "{%s}" % ",".join('%s="%s"' % kv for kv in sorted(labels.items()))


def copies(res, drop):
    """{key: n} for the result's label sets without the labels in drop, n > 1 only."""
    seen = {}
    for s in res:
        k = tuple(sorted((n, v) for n, v in s["metric"].items() if n not in drop))
        seen[k] = seen.get(k, 0) + 1
    return {k: n for k, n in seen.items() if n > 1}


def check_once(label, expr, res, opts, instances):
    """The HA checks of one answered target: each SLO instance or replica once.
    Returns what held, or None after reporting what did not."""
    replica = set(opts["replica_labels"])
    if is_slo_expr(expr):
        dup = copies(res, replica | {"__name__"})
        for k, n in sorted(dup.items()):
            bad("%s: %s shows %d times (once per replica)" % (label, show(dict(k)), n))
        left = sorted({n for s in res for n in s["metric"] if n in replica})
        if left:
            bad("%s: replica labels %s left in the answer" % (label, ", ".join(left)))
        if dup or left:
            return None
        if re.fullmatch(r"max without \(\$replica\) \(slo_objective_ratio\{[^}]*\}\)",
                        expr.strip()):
            got = {tuple(sorted(s["metric"].items())) for s in res}
            if got != instances:
                bad("%s: the SLO instances %s, want %s" % (
                    label, sorted(show(dict(k)) for k in got),
                    sorted(show(dict(k)) for k in instances)))
                return None
            return "every one of the %d SLO instances once" % len(got)
        return "each SLO instance once"
    if is_health_expr(expr):
        dup = copies(res, replica - {"instance", "pod"})
        for k, n in sorted(dup.items()):
            bad("%s: %s shows %d times" % (label, show(dict(k)), n))
        noinst = [s["metric"] for s in res if "instance" not in s["metric"]]
        if noinst:
            bad("%s: series without instance (the replicas merged): %s" % (
                label, show(noinst[0])))
        reps = {(s["metric"].get("instance"), s["metric"].get("pod")) for s in res}
        if opts["replicas"] is not None and len(reps) != opts["replicas"]:
            bad("%s: %d sidecar replicas %s, want %d" % (
                label, len(reps), sorted(r[0] for r in reps), opts["replicas"]))
        elif not dup and not noinst:
            return "%d replicas apart, each once" % len(reps)
        return None
    return "neither an SLO nor a health query"


def slo_instances(base, values, opts):
    """The SLO instances in the store: slo_objective_ratio's label sets, replicas merged."""
    q = fill('slo_objective_ratio{slo=~"$slo",service=~"$service"}', values)
    drop = set(opts["replica_labels"]) | {"__name__"}
    return {tuple(sorted((n, v) for n, v in s["metric"].items() if n not in drop))
            for s in query(base, q)}


def run_queries(d, base, values, wait, opts):
    ps = [p for p in panels_of(d) if p.get("type") != "row"]
    jobs = []
    for v in d.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            jobs.append(("variable %s" % v["name"], "var", v))
    for p in ps:
        for t in p.get("targets", []):
            jobs.append(("%s [%s]" % (p.get("title"), t.get("refId")), "expr", t["expr"]))
    deadline = time.time() + wait
    pending = list(jobs)
    results = {}
    while True:
        still = []
        for job in pending:
            label, kind, what = job
            res = []
            try:
                if kind == "var":
                    q, vals, err = run_var(base, what, values)
                    n = len(vals or [])
                    detail = ", ".join(vals[:6]) + (" ..." if n > 6 else "") if vals else ""
                else:
                    q = fill(what, values)
                    res = query(base, q)
                    err = None
                    n = len(res)
                    detail = ""
            except Exception as e:          # HTTP 400 for a bad query, among others
                q, n, detail = fill(what if kind == "expr" else what.get("definition", ""),
                                    values), 0, ""
                body = e.read()[:300] if hasattr(e, "read") else b""
                err = "%s %s" % (e, body.decode("utf-8", "replace"))
            if "$" in re.sub(r'"\$\d"', "", q):
                err = "variables left in %r" % q
            results[label] = (q, n, err, detail, res)
            if err is not None or n == 0:
                still.append(job)
            elif kind == "expr" and is_health_expr(what) and opts["replicas"] is not None and \
                    len({(r["metric"].get("instance"), r["metric"].get("pod")) for r in res}) \
                    < opts["replicas"]:
                # A rate() needs two scrapes of each replica in its window: a
                # replica started a moment later shows up a scrape later.
                still.append(job)
        pending = still
        if not pending or time.time() > deadline:
            break
        time.sleep(1)
    instances = slo_instances(base, values, opts)
    for label, kind, what in jobs:
        q, n, err, detail, res = results[label]
        if err is None and n > 0:
            if kind == "expr":
                detail = check_once(label, what, res, opts, instances)
                if detail is None:
                    continue
                detail = "(%s)" % detail
            print("  ok: %-58s %3d %s %s" % (label, n, "values:" if kind == "var" else "series",
                                              detail))
        else:
            bad("%s: %s\n        query: %s" % (label, err or "empty result", q))


def run_conditions(d, base, values, slo, want, wait):
    """Every target on slo_alert_burn_rate_threshold answers slo's conditions want."""
    vals = dict(values, slo=slo, service=".*")
    targets = [(p.get("title"), t) for p in panels_of(d) for t in p.get("targets", [])
               if THRESHOLD in t.get("expr", "")]
    if not targets:
        bad("no query reads %s" % THRESHOLD)
        return
    for title, t in targets:
        e = t["expr"]
        label = "%s [%s] for %s" % (title, t.get("refId"), slo)
        sev = re.findall(r'severity\s*=\s*"(\w+)"', e)
        exp = {c for c in want if not sev or c[0] in sev}
        deadline = time.time() + wait
        while True:
            msg = None
            try:
                res = query(base, fill(e, vals))
            except Exception as ex:
                res, msg = [], "query failed: %s" % ex
            got, windows, seen = {}, {}, {}
            for s in res:
                m = s["metric"]
                k = (m.get("severity"), m.get("long_window"), m.get("short_window"))
                got.setdefault(k, []).append(float(s["value"][1]))
                if "window" in m:
                    windows.setdefault(k, set()).add(m["window"])
                seen[k + (m.get("window"),)] = seen.get(k + (m.get("window"),), 0) + 1
            conds = {(c[0], c[1], c[2]) for c in exp}
            if msg is None and set(got) != conds:
                msg = "conditions %s, want %s" % (sorted(got), sorted(conds))
            if msg is None and "slo_burn_rate" not in e:
                for c in exp:
                    if got[c[:3]] != [c[3]]:
                        msg = "threshold of %s/%s/%s is %s, want %g" % (
                            c[0], c[1], c[2], got[c[:3]], c[3])
            if msg is None and windows:
                for k in conds:
                    if windows.get(k) != {k[1], k[2]}:
                        msg = "burn rates of %s/%s/%s over windows %s, want %s and %s" % (
                            k + (sorted(windows.get(k, ())), k[1], k[2]))
            if msg is None and all(n == 1 for n in seen.values()):
                break
            if msg is None:
                msg = "a condition answered more than once: %s" % {
                    k: n for k, n in seen.items() if n > 1}
            if time.time() > deadline:
                break
            time.sleep(1)
        if msg is None:
            what = "thresholds " + ", ".join("%s %s/%s %g" % c for c in sorted(exp)) \
                if "slo_burn_rate" not in e else \
                "%d conditions%s" % (len(exp), ", each over its long and short window"
                                     if windows else "")
            ok("%-58s %s" % (label, what))
        else:
            bad("%s: %s" % (label, msg))


def parse_conditions(arg):
    slo, _, rows = arg.partition("=")
    out = set()
    for r in rows.split(","):
        sev, lw, sw, f = r.split("/")
        out.add((sev, lw, sw, float(f)))
    return slo, out


def main():
    path = sys.argv[1]
    try:
        d = json.load(open(path))
    except ValueError as e:
        bad("%s is not valid JSON: %s" % (path, e))
        return 1
    print("  %s: \"%s\", schemaVersion %s, %d panels" % (
        path, d.get("title"), d.get("schemaVersion"), len(panels_of(d))))
    check_structure(d)
    args = sys.argv[2:]
    if args:
        base = args.pop(0).rstrip("/")
        wait = 0.0
        opts = {"replica_labels": ["instance", "pod", "prometheus_replica"], "replicas": None}
        conditions = []
        sets = []
        while args:
            a = args.pop(0)
            if a == "--wait":
                wait = float(args.pop(0))
            elif a == "--replica-labels":
                opts["replica_labels"] = [x for x in args.pop(0).split(",") if x]
            elif a == "--replicas":
                opts["replicas"] = int(args.pop(0))
            elif a == "--conditions":
                conditions.append(parse_conditions(args.pop(0)))
            else:
                sets.append(a)
        defaults = {}
        for v in d.get("templating", {}).get("list", []):
            if var_default(v) is not None:
                defaults[v["name"]] = var_default(v)
        for a in sets:
            values = dict(defaults, **dict(kv.split("=", 1) for kv in a.split(",") if kv))
            print("  with %s:" % ", ".join("$%s=%s" % kv for kv in sorted(values.items())))
            run_queries(d, base, values, wait, opts)
            wait = min(wait, 10)
        for slo, want in conditions:
            values = dict(defaults, **dict(kv.split("=", 1) for kv in sets[0].split(",") if kv))
            print("  the alert conditions of %s:" % slo)
            run_conditions(d, base, values, slo, want, wait)
    return 1 if problems else 0


sys.exit(main())
