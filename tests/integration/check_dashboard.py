#!/usr/bin/env python3
"""Checks deploy/grafana/slo-overview.json, for test_dashboard.sh.

    check_dashboard.py DASHBOARD
        the structure: valid JSON, current schema, the datasource variable,
        the slo, service and group variables, every panel on the grid
        without overlaps and bound to ${datasource}, every target with a
        refId and an expression, and the panels the dashboard must have
    check_dashboard.py DASHBOARD PROM_URL [--wait S] NAME=VALUE[,NAME=VALUE...]...
        also, for each set of variable values given (one argument per set):
        every query variable's label_values() and every panel's expr, with
        the variables and Grafana's $__ macros filled in, answers a non-empty
        result from the Prometheus at PROM_URL. With --wait, retries the
        failing queries for up to S seconds (while the data arrives).

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

problems = []


def bad(msg):
    problems.append(msg)
    print("  FAIL: " + msg)


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
            print("  ok: %s: %s \"%s\"" % (what, p["type"], p.get("title")))
    # Burn rates per window with the default table's thresholds drawn.
    drawn = {}
    for p in ps:
        if p.get("type") != "timeseries" or "slo_burn_rate" not in "\n".join(exprs_of(p)):
            continue
        fc = p.get("fieldConfig", {}).get("defaults", {})
        if fc.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off") == "off":
            continue
        for s in fc.get("thresholds", {}).get("steps", []):
            if s.get("value") is not None:
                drawn[s["value"]] = p.get("title")
    for f in (14.4, 6, 3, 1):
        if f in drawn:
            print("  ok: burn rate threshold %g drawn in \"%s\"" % (f, drawn[f]))
        else:
            bad("no burn rate panel draws the threshold %g" % f)


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


def run_queries(d, base, values, wait):
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
            try:
                if kind == "var":
                    q, vals, err = run_var(base, what, values)
                    n = len(vals or [])
                    detail = ", ".join(vals[:6]) + (" ..." if n > 6 else "") if vals else ""
                else:
                    q = fill(what, values)
                    ans = prom_get(base, "/api/v1/query", {"query": q})
                    err = None if ans.get("status") == "success" else ans.get("error")
                    res = ans.get("data", {}).get("result", [])
                    n = len(res)
                    detail = ""
            except Exception as e:          # HTTP 400 for a bad query, among others
                q, n, detail = fill(what if kind == "expr" else what.get("definition", ""),
                                    values), 0, ""
                body = e.read()[:300] if hasattr(e, "read") else b""
                err = "%s %s" % (e, body.decode("utf-8", "replace"))
            if "$" in re.sub(r'"\$\d"', "", q):
                err = "variables left in %r" % q
            results[label] = (q, n, err, detail)
            if err is not None or n == 0:
                still.append(job)
        pending = still
        if not pending or time.time() > deadline:
            break
        time.sleep(1)
    for label, kind, what in jobs:
        q, n, err, detail = results[label]
        if err is None and n > 0:
            print("  ok: %-58s %3d %s %s" % (label, n, "values:" if kind == "var" else "series",
                                              detail))
        else:
            bad("%s: %s\n        query: %s" % (label, err or "empty result", q))


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
        if args and args[0] == "--wait":
            wait = float(args[1])
            args = args[2:]
        for a in args:
            values = dict(kv.split("=", 1) for kv in a.split(",") if kv)
            print("  with %s:" % ", ".join("$%s=%s" % kv for kv in sorted(values.items())))
            run_queries(d, base, values, wait)
            wait = min(wait, 10)
    return 1 if problems else 0


sys.exit(main())
