#!/usr/bin/env python3
"""Checks slo-sidecar's promql-mode figures against independent answers.

  check_eval.py selftest EXPECTED_JSON PROM_URL
      The harness checks itself, without the sidecar: Prometheus's own
      answers to the sidecar's queries must equal tests/data/gen.py's
      emulation of increase() (1e-9 relative) and, for the timeslice SLI,
      the generator's exact slice counts.

  check_eval.py eval EXPECTED_JSON PROM_URL EVAL_JSON...
      For each `slo-sidecar eval --format=json` output (its "at" picks the
      generator's evaluation), every SLO and every window:
       (a) good/bad/total equal Prometheus's answers to the same questions,
           asked here directly, one query per window (1e-9 relative);
       (b) for increase()-based SLIs they equal the generator's emulation of
           Prometheus 2.42 increase() on the raw samples (1e-9 relative);
       (c) against the contract's exact counts: the timeslice SLI must match
           exactly; for increase()-based SLIs the gap is printed and must stay
           within the edge bound gen.py derives (see edge_bound() there);
       (d) sli, error_ratio, burn_rate, the error budget, time to exhaustion,
           status, compliance and alerts are recomputed from the printed
           counts and the contract's rules.
  check_eval.py exact EXPECTED_JSON EVAL_JSON...
      remote_read mode: good/bad/total of every SLO and window equal the
      generator's exact counts (1e-9 relative; they are integers), and (d).
      A file may hold JSON lines (eval --until); evaluations at times the
      generator has no figures for are skipped.
Exit status 1 when anything differs.
"""
import json
import os
import re
import sys
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True   # no __pycache__ in tests/data/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import gen  # noqa: E402  (the SLO definitions and windows the data was made for)

REL = 1e-9
OBJECTIVES = {"checkout-availability": 99.9, "checkout-edge": 99.5, "checkout-good": 99, "search-latency": 99,
              "users-freshness": 99.5, "api-custom": 99}
STATUS = {"warning": 0.5, "critical": 0.8}   # contract defaults
# The contract's default alert table: (severity, long, short, factor).
ALERTS = [("page", "1h", "5m", 14.4), ("page", "6h", "30m", 6),
          ("ticket", "1d", "2h", 3), ("ticket", "3d", "6h", 1)]

fails = 0


def fail(msg):
    global fails
    fails += 1
    print("  FAIL: " + msg)


def close(a, b, rel=REL):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), 1e-12)


def near(a, b, scale):
    """a and b agree to 1e-9 of scale (for differences of nearly equal numbers)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(abs(scale), 1e-12)


def seconds(d):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", d)
    if not parts or "".join(n + u for n, u in parts) != d:
        raise ValueError("bad duration " + d)
    return sum(int(n) * units[u] for n, u in parts)


def selector(name, matchers):
    return name + "{" + ",".join('%s%s"%s"' % m for m in matchers) + "}"


class Prom:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.asked = 0

    def query(self, q, t):
        """Instant query; None for an empty vector, else the single value."""
        data = urllib.parse.urlencode({"query": q, "time": str(t)}).encode()
        with urllib.request.urlopen(self.url + "/api/v1/query", data, timeout=60) as r:
            body = json.load(r)
        self.asked += 1
        if body.get("status") != "success":
            raise RuntimeError("query %s: %s" % (q, body))
        res = body["data"]["result"]
        if not res:
            return None
        if len(res) != 1:
            raise RuntimeError("query %s: %d series, want 1" % (q, len(res)))
        return float(res[0]["value"][1])


def queries(slo, w):
    """The questions the sidecar asks for SLO slo and window w (README of the
    brief, section 3): (numerator query, total query or None when computed)."""
    if slo["kind"] == "timeslice":
        g = selector(*slo["gauge"])
        s = slo["slice"]
        r = seconds(w) * 1000 - s * 1000 + 1
        cond = "((timestamp(%s) - %s) %s bool %s)" % (g, g, slo["op"], slo["value"]) \
            if slo["age"] else "(%s %s bool %s)" % (g, slo["op"], slo["value"])
        return ("sum_over_time(min(%s and (timestamp(%s) > time() - %d))[%dms:%ds])"
                % (cond, g, s, r, s)), None
    inc = "sum(increase(%s[%s]))"
    return inc % (selector(*slo["num"]), w), inc % (selector(*slo["total"]), w)


def slices(T, w, s):
    """Slices (k*s, (k+1)*s] wholly inside (T-W, T]."""
    W = seconds(w)
    return T // s - (-(-(T - W) // s))


def selftest(exp, prom):
    n = 0
    for ts, evals in sorted(exp["evaluations"].items()):
        T = int(ts)
        for slo in gen.SLOS:
            for w, e in evals[slo["name"]].items():
                qn, qt = queries(slo, w)
                pn = prom.query(qn, T)
                if slo["kind"] == "timeslice":
                    pn = pn or 0.0
                    if pn != e["exact_num"] or slices(T, w, slo["slice"]) != e["exact_total"]:
                        fail("%d %s %s: Prometheus %s/%s good slices, exact %s/%s" % (
                            T, slo["name"], w, pn, slices(T, w, slo["slice"]),
                            e["exact_num"], e["exact_total"]))
                    n += 1
                    continue
                pt = prom.query(qt, T)
                if not close(pn, e["prom_num"]) or not close(pt, e["prom_total"]):
                    fail("%d %s %s: Prometheus increase() %s/%s, emulation %s/%s" % (
                        T, slo["name"], w, pn, pt, e["prom_num"], e["prom_total"]))
                n += 1
    print("  selftest: %d SLO windows at %d times: Prometheus == gen.py emulation "
          "(increase() to 1e-9, timeslice exactly), %d queries" % (
              n, len(exp["evaluations"]), prom.asked))


def check_one(ev, exp, prom, gaps):
    T = ev["at"]
    evals = exp["evaluations"].get(str(T))
    if evals is None:
        fail("eval at %s: the generator has no expected figures for that time" % T)
        return
    print("  eval at %d: %d SLOs" % (T, len(ev.get("slos", []))))
    by_name = {s["name"]: s for s in ev.get("slos", [])}
    for slo in gen.SLOS:
        name = slo["name"]
        s = by_name.get(name)
        if s is None:
            fail("%d: SLO %s missing" % (T, name))
            continue
        obj = OBJECTIVES[name] / 100
        if not close(s["objective"], obj, 1e-12):
            fail("%s: objective %s, want %s" % (name, s["objective"], obj))
        pname, psec = slo["period"]
        want_windows = [w for w, _ in gen.ALERT_WINDOWS] + [pname]
        if sorted(s["windows"]) != sorted(want_windows):
            fail("%s: windows %s, want %s" % (name, sorted(s["windows"]), sorted(want_windows)))
        if s.get("period") != pname:
            fail("%s: period %s, want %s" % (name, s.get("period"), pname))
        if "period_start" in s and s["period_start"] != T - psec:
            fail("%s: period_start %s, want %d" % (name, s["period_start"], T - psec))
        for w in want_windows:
            fig = s["windows"].get(w)
            e = evals[name][w]
            if fig is None:
                continue
            part = e["part"]
            qn, qt = queries(slo, w)
            pn = prom.query(qn, T)
            if qt is None:
                pt = float(slices(T, w, slo["slice"]))
                pn = pn or 0.0
            else:
                pt = prom.query(qt, T)
            tot = fig["total"]
            # (a) Prometheus's own answers.
            if pt is None:
                # No data: the sidecar must not make figures up.
                if tot not in (None, 0) or any(fig.get(k) is not None
                                              for k in ("sli", "error_ratio", "burn_rate")):
                    fail("%d %s %s: Prometheus has no data, eval says %s" % (T, name, w, fig))
                else:
                    print("  %-22s %-4s no data: total %s, ratios null" % (name, w, tot))
                continue
            pn = pn or 0.0
            if not close(tot, pt) or not close(fig[part], pn):
                fail("%d %s %s: eval %s=%s total=%s, Prometheus %s/%s" % (
                    T, name, w, part, fig[part], tot, pn, pt))
            # (b) the increase() emulation.
            if "prom_total" in e:
                en = e["prom_num"] or 0.0
                if not close(tot, e["prom_total"]) or not close(fig[part], en):
                    fail("%d %s %s: eval %s/%s, increase() emulation %s/%s" % (
                        T, name, w, fig[part], tot, en, e["prom_total"]))
            # (c) the exact counts.
            xn, xt = e["exact_num"], e["exact_total"]
            if slo["kind"] == "timeslice":
                # The subquery step (k+1)*s takes each series' newest sample
                # (lookback 5m > s), `timestamp > time() - s` keeps it only if
                # it lies in the slice, min() takes the worst series, an empty
                # step adds nothing (bad): the contract's rule, so it is exact.
                if fig[part] != xn or tot != xt:
                    fail("%d %s %s: %s/%s good slices, exact %s/%s" % (
                        T, name, w, fig[part], tot, xn, xt))
                print("  %-22s %-4s good slices %6d / %6d  exact %6d / %6d" % (
                    name, w, fig[part], tot, xn, xt))
            else:
                dn, dt = abs(fig[part] - xn), abs(tot - xt)
                bn, bt = e["bound_num"] * (1 + 1e-9), e["bound_total"] * (1 + 1e-9)
                rel = dt / xt if xt else 0.0
                gaps.append((name, w, rel, dn / xn if xn else 0.0))
                print("  %-22s %-4s %s %12.3f exact %8d (gap %8.3f, bound %8.2f)  "
                      "total %14.3f exact %9d (gap %7.4f%%, bound %7.4f%%)" % (
                          name, w, part, fig[part], xn, dn, bn, tot, xt, 100 * rel,
                          100 * bt / xt if xt else 0.0))
                if dn > bn or dt > bt:
                    fail("%d %s %s: increase() is further from exact counting than "
                         "window edges explain (%s gap %.3f > %.3f or total gap %.3f > %.3f)"
                         % (T, name, w, part, dn, bn, dt, bt))
            # (d) the ratios from the printed counts.
            check_ratios(T, name, w, fig, obj)
        check_budget(T, s, obj, psec)


def check_ratios(T, name, w, fig, obj):
    """sli, error_ratio and burn_rate follow from the printed counts."""
    tot = fig["total"]
    if not close(fig["good"] + fig["bad"], tot):
        fail("%d %s %s: good + bad != total" % (T, name, w))
    if tot > 0:
        if not (close(fig["sli"], fig["good"] / tot) and
                close(fig["error_ratio"], fig["bad"] / tot) and
                close(fig["burn_rate"], fig["bad"] / tot / (1 - obj))):
            fail("%d %s %s: ratios %s do not follow from the counts" % (T, name, w, fig))
    elif any(fig.get(k) is not None for k in ("sli", "error_ratio", "burn_rate")):
        fail("%d %s %s: zero total must give null ratios: %s" % (T, name, w, fig))
    else:
        print("  %-22s %-4s total 0: ratios null" % (name, w))


def check_exact(ev, exp):
    """remote_read mode: every count equals the generator's exact count."""
    T = ev["at"]
    evals = exp["evaluations"].get(str(T))
    if evals is None:
        fail("eval at %s: the generator has no expected figures for that time" % T)
        return 0
    by_name = {s["name"]: s for s in ev.get("slos", [])}
    n = 0
    for slo in gen.SLOS:
        name = slo["name"]
        s = by_name.get(name)
        if s is None:
            fail("%d: SLO %s missing" % (T, name))
            continue
        obj = OBJECTIVES[name] / 100
        pname, psec = slo["period"]
        want_windows = [w for w, _ in gen.ALERT_WINDOWS] + [pname]
        if sorted(s["windows"]) != sorted(want_windows):
            fail("%s: windows %s, want %s" % (name, sorted(s["windows"]), sorted(want_windows)))
            continue
        for w in want_windows:
            fig, e = s["windows"][w], evals[name][w]
            part, xn, xt = e["part"], e["exact_num"], e["exact_total"]
            if fig["total"] is None:
                # No series at all: no figures, and no data to count either.
                if xt != 0 or any(fig.get(k) is not None for k in fig):
                    fail("%d %s %s: no counts, exact %s/%s: %s" % (T, name, w, xn, xt, fig))
                continue
            n += 1
            if not close(fig[part], xn) or not close(fig["total"], xt):
                fail("%d %s %s: %s %s / total %s, exact %s / %s" % (
                    T, name, w, part, fig[part], fig["total"], xn, xt))
            check_ratios(T, name, w, fig, obj)
        if s["windows"][pname]["total"] is not None:
            check_budget(T, s, obj, psec)
    print("  eval at %d: %d SLO windows equal the exact counts" % (T, n))
    return n


def check_budget(T, s, obj, psec):
    name = s["name"]
    period = s["windows"].get(s["period"], {})
    b = dict(s.get("error_budget", {}))
    # The elapsed share of the period is a matter of time, not data: always there.
    elapsed = b.pop("period_elapsed_ratio", None)
    want_elapsed = 1.0 if s["period"] in s["windows"] else \
        min(1.0, max(0.0, (T - s["period_start"]) / s["period_seconds"]))
    if not close(elapsed, want_elapsed):
        fail("%d %s: period_elapsed_ratio %s, want %s" % (T, name, elapsed, want_elapsed))
    er = period.get("error_ratio")
    if er is None:
        if any(b.get(k) is not None for k in b) or s.get("status") not in (None, "unknown") \
                or s.get("compliant") not in (None,):
            fail("%d %s: no period data, yet budget %s status %s compliant %s" % (
                T, name, b, s.get("status"), s.get("compliant")))
        status = s.get("status")
    else:
        consumed = er / (1 - obj)
        remaining = 1 - consumed
        scale = max(1.0, abs(consumed))
        if not close(b.get("consumed_ratio"), consumed) or \
                not near(b.get("remaining_ratio"), remaining, scale) or \
                not near(b.get("remaining_seconds"), remaining * (1 - obj) * psec,
                         scale * (1 - obj) * psec):
            fail("%d %s: budget %s, want consumed %s remaining %s remaining_seconds %s" % (
                T, name, b, consumed, remaining, remaining * (1 - obj) * psec))
        burn1h = s["windows"]["1h"]["burn_rate"]
        if remaining <= 0:
            tte = 0
        elif not burn1h:
            tte = None
        else:
            tte = remaining * psec / burn1h
        if not near(b.get("time_to_exhaustion_seconds"), tte,
                    scale * psec / burn1h if burn1h else 1):
            fail("%d %s: time_to_exhaustion %s, want %s" % (
                T, name, b.get("time_to_exhaustion_seconds"), tte))
        status = ("exhausted" if consumed >= 1 else "critical" if consumed >= STATUS["critical"]
                  else "warning" if consumed >= STATUS["warning"] else "healthy")
        if s.get("status") != status:
            fail("%d %s: status %s, want %s (consumed %.4f)" % (T, name, s.get("status"),
                                                                status, consumed))
        if s.get("compliant") != (period["sli"] >= obj):
            fail("%d %s: compliant %s, period sli %s" % (T, name, s.get("compliant"),
                                                         period["sli"]))

    def burn(w):
        x = s["windows"][w]["burn_rate"]
        return -1 if x is None else x
    want = {"page": False, "ticket": False}
    for sev, long, short, factor in ALERTS:
        if burn(long) > factor and burn(short) > factor:
            want[sev] = True
    got = {a["severity"]: a["firing"] for a in s.get("alerts", [])}
    if got != want:
        fail("%d %s: alerts %s, want %s" % (T, name, got, want))
    print("  %-22s status %-9s budget left %-22s alerts firing: %s" % (
        name, status, b.get("remaining_ratio"),
        ",".join(k for k, v in sorted(got.items()) if v) or "none"))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "exact":
        exp = json.load(open(sys.argv[2]))
        checked = 0
        for path in sys.argv[3:]:
            text = open(path).read()
            try:
                # One pretty document, or JSON lines from eval --until.
                docs = [json.loads(text)] if text.lstrip().startswith("{\n") else \
                    [json.loads(ln) for ln in text.splitlines() if ln.strip()]
            except ValueError as e:
                fail("%s is not JSON: %s" % (path, e))
                continue
            for ev in docs:
                if str(ev.get("at")) in exp["evaluations"]:
                    check_exact(ev, exp)
                    checked += 1
        if checked == 0:
            fail("no evaluation at a time the generator has figures for")
        print("check_eval exact: %d failure(s)" % fails)
        sys.exit(1 if fails else 0)
    if len(sys.argv) < 4 or sys.argv[1] not in ("selftest", "eval"):
        sys.exit(__doc__)
    exp = json.load(open(sys.argv[2]))
    prom = Prom(sys.argv[3])
    if sys.argv[1] == "selftest":
        selftest(exp, prom)
    else:
        gaps = []
        for path in sys.argv[4:]:
            try:
                ev = json.load(open(path))
            except ValueError as e:
                fail("%s is not JSON: %s" % (path, e))
                continue
            check_one(ev, exp, prom, gaps)
        # The measured gap between increase() and exact counting, per window.
        worst = {}
        for name, w, rt, rn in gaps:
            a, b = worst.get(w, (0.0, 0.0))
            worst[w] = (max(a, rt), max(b, rn))
        print("  increase() vs exact, worst relative gap per window (total, good-or-bad): " +
              ", ".join("%s %.3f%%/%.2f%%" % (w, 100 * v[0], 100 * v[1])
                        for w, v in sorted(worst.items(), key=lambda x: seconds(x[0]))))
        print("  asked Prometheus %d queries" % prom.asked)
    print("check_eval %s: %d failure(s)" % (sys.argv[1], fails))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
