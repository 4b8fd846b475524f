#!/usr/bin/env python3
"""Checks a /metrics scrape of slo-sidecar against the contract.

  check_metrics.py healthy METRICS API_JSON EVAL_JSON
      A daemon with a working backend: every contract family is there, no
      sample is NaN, each SLO series carries slo, service, the global and the
      SLO's labels, every window of every SLO with data has its series, and
      the figures equal both /api/v1/slos (API_JSON) and `slo-sidecar eval` at
      the daemon's evaluation time (EVAL_JSON), to 1e-12 relative.
  check_metrics.py failing METRICS
      A daemon whose backend always fails: backend_up 0, failures counted,
      and no SLO figure at all (nothing made up).
"""
import json
import math
import re
import sys

FAMILIES = ["slo_objective_ratio", "slo_period_seconds", "slo_period_elapsed_ratio",
            "slo_sli_ratio", "slo_error_ratio",
            "slo_burn_rate", "slo_events", "slo_error_budget_consumed_ratio",
            "slo_error_budget_remaining_ratio", "slo_error_budget_remaining_seconds",
            "slo_status", "slo_compliant", "slo_alert_firing", "slo_info",
            "slo_last_evaluation_timestamp_seconds", "slo_sidecar_build_info",
            "slo_sidecar_evaluations_total", "slo_sidecar_evaluation_duration_seconds",
            "slo_sidecar_backend_up", "slo_sidecar_config_last_reload_successful"]
OPTIONAL = ["slo_time_to_exhaustion_seconds"]   # absent while the burn rate is 0
# Families that carry an SLO's figures: none may appear without data.
FIGURES = ["slo_sli_ratio", "slo_error_ratio", "slo_burn_rate", "slo_events",
           "slo_error_budget_consumed_ratio", "slo_error_budget_remaining_ratio",
           "slo_error_budget_remaining_seconds", "slo_time_to_exhaustion_seconds",
           "slo_status", "slo_compliant", "slo_alert_firing"]
GLOBAL_LABELS = {"cluster": "itest"}
SLO_LABELS = {"checkout-availability": {"team": "payments"}}
SERVICES = {"checkout-availability": "checkout", "checkout-edge": "checkout",
            "checkout-good": "checkout",
            "search-latency": "search", "users-freshness": "users", "api-custom": "api"}

fails = 0
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def fail(msg):
    global fails
    fails += 1
    print("  FAIL: " + msg)


def ok(msg):
    print("  ok: " + msg)


def parse(text):
    """[(name, {labels}, value)], {family: type}."""
    samples, types = [], {}
    for ln in text.splitlines():
        if not ln.strip():
            continue
        if ln.startswith("#"):
            p = ln.split()
            if len(p) >= 4 and p[1] == "TYPE":
                types[p[2]] = p[3]
            continue
        m = LINE.match(ln)
        if not m:
            fail("unparsable line: " + ln)
            continue
        labels = {}
        rest = m.group(3) or ""
        while rest:
            lm = LABEL.match(rest)
            if not lm:
                fail("bad labels: " + ln)
                break
            labels[lm.group(1)] = lm.group(2)
            rest = rest[lm.end():]
        v = m.group(4)
        val = float(v) if v not in ("NaN", "+Inf", "-Inf") else \
            {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}[v]
        samples.append((m.group(1), labels, val))
    return samples, types


def family_of(name, types):
    for suf in ("_bucket", "_count", "_sum", "_total", "_created", ""):
        if suf and name.endswith(suf) and name[:-len(suf)] in types:
            return name[:-len(suf)]
    return name


def close(a, b, rel=1e-12):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), 1e-12)


def one(samples, name, **labels):
    got = [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]
    return got[0] if len(got) == 1 else (None if not got else got)


def healthy(samples, types, api, ev):
    present = {family_of(n, types) for n, _, _ in samples}
    missing = [f for f in FAMILIES if f not in present]
    if missing:
        fail("contract families missing: " + ", ".join(missing))
    else:
        ok("all %d contract families present (%s: %s)" % (
            len(FAMILIES), OPTIONAL[0], "present" if OPTIONAL[0] in present else "absent"))
    nans = [(n, l) for n, l, v in samples if math.isnan(v)]
    if nans:
        fail("%d NaN samples, e.g. %s%s" % (len(nans), nans[0][0], nans[0][1]))
    else:
        ok("no NaN among %d samples" % len(samples))
    for n, l, v in samples:
        if not n.startswith("slo_") or n.startswith("slo_sidecar_"):
            continue
        slo = l.get("slo")
        want = dict(GLOBAL_LABELS, **SLO_LABELS.get(slo, {}))
        want["service"] = SERVICES.get(slo, "?")
        wrong = {k: l.get(k) for k, x in want.items() if l.get(k) != x}
        if slo not in SERVICES or wrong:
            fail("%s%s: labels %s, want slo, service and %s" % (n, l, wrong, want))
            break
    else:
        ok("every slo_* series has slo, service, cluster (and team for checkout-availability)")
    if one(samples, "slo_sidecar_backend_up") != 1:
        fail("slo_sidecar_backend_up is %s, want 1" % one(samples, "slo_sidecar_backend_up"))
    succ = one(samples, "slo_sidecar_evaluations_total", result="success")
    if not isinstance(succ, float) or succ < 1:
        fail("slo_sidecar_evaluations_total{result=\"success\"} is %s" % succ)
    cnt = one(samples, "slo_sidecar_evaluation_duration_seconds_count")
    if not isinstance(cnt, float) or cnt < 1:
        fail("slo_sidecar_evaluation_duration_seconds_count is %s" % cnt)
    if one(samples, "slo_sidecar_config_last_reload_successful") != 1:
        fail("slo_sidecar_config_last_reload_successful is not 1")
    bi = [l for n, l, v in samples if n == "slo_sidecar_build_info" and v == 1
          and l.get("version") and "revision" in l]
    if not bi:
        fail("slo_sidecar_build_info{version,revision} 1 missing")
    ok("backend_up 1, %d successful evaluations, build_info %s" % (succ or 0, bi[:1]))

    # The published figures are the evaluation's: /metrics == /api/v1/slos == eval.
    api_by = {s["name"]: s for s in api["data"]}
    ev_by = {s["name"]: s for s in ev["slos"]}
    compared = 0
    for name in SERVICES:
        a, e = api_by.get(name), ev_by.get(name)
        if a is None or e is None:
            fail("%s missing from /api/v1/slos or eval" % name)
            continue
        if a["windows"] != e["windows"]:
            diff = [w for w in e["windows"] if a["windows"].get(w) != e["windows"][w]]
            # Allow float noise in the last bits only.
            for w in diff:
                for k, x in e["windows"][w].items():
                    if not close(a["windows"].get(w, {}).get(k), x):
                        fail("%s %s %s: /api/v1/slos %s, eval %s" % (
                            name, w, k, a["windows"].get(w, {}).get(k), x))
        for k in ("status", "compliant", "alerts"):
            if a.get(k) != e.get(k):
                fail("%s %s: /api/v1/slos %s, eval %s" % (name, k, a.get(k), e.get(k)))
        for w, fig in e["windows"].items():
            for metric, key in (("slo_sli_ratio", "sli"), ("slo_error_ratio", "error_ratio"),
                                ("slo_burn_rate", "burn_rate")):
                got = one(samples, metric, slo=name, window=w)
                if isinstance(got, list):
                    fail("%s{slo=%s,window=%s}: %d series" % (metric, name, w, len(got)))
                elif not close(got, fig[key]):
                    fail("%s{slo=%s,window=%s} = %s, eval says %s" % (metric, name, w, got,
                                                                       fig[key]))
                else:
                    compared += 1
            for kind in ("good", "bad"):
                got = one(samples, "slo_events", slo=name, window=w, kind=kind)
                want = fig[kind] if fig["total"] is not None else None
                if not isinstance(got, list) and close(got, want):
                    compared += 1
                else:
                    fail("slo_events{slo=%s,window=%s,kind=%s} = %s, eval says %s" % (
                        name, w, kind, got, want))
        b = e["error_budget"]
        for metric, key in (("slo_error_budget_consumed_ratio", "consumed_ratio"),
                            ("slo_error_budget_remaining_ratio", "remaining_ratio"),
                            ("slo_error_budget_remaining_seconds", "remaining_seconds"),
                            ("slo_period_elapsed_ratio", "period_elapsed_ratio"),
                            ("slo_time_to_exhaustion_seconds", "time_to_exhaustion_seconds")):
            got = one(samples, metric, slo=name)
            if metric == "slo_time_to_exhaustion_seconds" and got is None:
                # Absent when the burn rate is 0 (null in JSON), or when there is no data.
                if b.get(key) is not None:
                    fail("%s{slo=%s} absent, eval says %s" % (metric, name, b.get(key)))
                continue
            if not close(got, b.get(key)):
                fail("%s{slo=%s} = %s, eval says %s" % (metric, name, got, b.get(key)))
            else:
                compared += 1
        for st in ("healthy", "warning", "critical", "exhausted"):
            got = one(samples, "slo_status", slo=name, status=st)
            if got != (1 if e["status"] == st else 0):
                fail("slo_status{slo=%s,status=%s} = %s, eval status %s" % (name, st, got,
                                                                             e["status"]))
        if one(samples, "slo_compliant", slo=name) != (1 if e["compliant"] else 0):
            fail("slo_compliant{slo=%s} = %s, eval %s" % (name, one(samples, "slo_compliant",
                                                                     slo=name), e["compliant"]))
        for al in e["alerts"]:
            got = one(samples, "slo_alert_firing", slo=name, severity=al["severity"])
            if got != (1 if al["firing"] else 0):
                fail("slo_alert_firing{slo=%s,severity=%s} = %s, eval %s" % (
                    name, al["severity"], got, al["firing"]))
        obj = one(samples, "slo_objective_ratio", slo=name)
        if not close(obj, e["objective"]):
            fail("slo_objective_ratio{slo=%s} = %s, eval %s" % (name, obj, e["objective"]))
        info = [l for n, l, v in samples if n == "slo_info" and l.get("slo") == name and v == 1]
        if len(info) != 1 or info[0].get("period") != e["period"] or \
                info[0].get("sli_kind") not in (e.get("sli_kind"), None) or "description" not in info[0]:
            fail("slo_info{slo=%s}: %s" % (name, info))
    ok("compared %d figures: /metrics == /api/v1/slos == eval --at=%s" % (compared, ev["at"]))


def failing(samples, types):
    up = one(samples, "slo_sidecar_backend_up")
    if up == 0:
        ok("slo_sidecar_backend_up 0")
    else:
        fail("slo_sidecar_backend_up is %s, want 0" % up)
    f = one(samples, "slo_sidecar_evaluations_total", result="failure")
    if isinstance(f, float) and f > 0:
        ok("slo_sidecar_evaluations_total{result=\"failure\"} %g" % f)
    else:
        fail("slo_sidecar_evaluations_total{result=\"failure\"} is %s, want > 0" % f)
    s = one(samples, "slo_sidecar_evaluations_total", result="success")
    if s not in (None, 0.0):
        fail("slo_sidecar_evaluations_total{result=\"success\"} is %s, want 0" % s)
    made_up = sorted({n for n, l, v in samples if family_of(n, types) in FIGURES})
    if made_up:
        fail("figures published without data: " + ", ".join(made_up))
    else:
        ok("no SLO figures published (%s absent)" % ", ".join(FIGURES[:3]) + ", ...")
    nans = [n for n, l, v in samples if math.isnan(v)]
    if nans:
        fail("NaN samples: %s" % nans[:3])


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("healthy", "failing"):
        sys.exit(__doc__)
    text = open(sys.argv[2]).read()
    samples, types = parse(text)
    if not samples:
        fail("no samples in %s" % sys.argv[2])
    elif sys.argv[1] == "healthy":
        healthy(samples, types, json.load(open(sys.argv[3])), json.load(open(sys.argv[4])))
    else:
        failing(samples, types)
    print("check_metrics %s: %d failure(s)" % (sys.argv[1], fails))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
