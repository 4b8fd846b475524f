#!/usr/bin/env python3
"""Checks slo-sidecar's promql-mode figures against VictoriaMetrics.

  check_vm.py EXPECTED_JSON DATA_OM VM_URL EVAL_JSON...

For each `slo-sidecar eval --format=json` output made against a
VictoriaMetrics loaded with DATA_OM (tests/data/gen.py's data), every SLO and
every window:
 (a) good/bad/total equal VictoriaMetrics' own answers to plain per-window
     queries (check_eval.queries), asked here directly (1e-9 relative);
 (b) for increase()-based SLIs they equal vm_increase() below, an emulation of
     VictoriaMetrics 1.79's increase() on the raw samples of DATA_OM, written
     from its documented rules (app/vmselect/promql/rollup.go: rollupDelta,
     removeCounterResets, getMaxPrevInterval), independent of the store and of
     the sidecar; the timeslice SLI equals the generator's exact slice counts;
 (c) the difference to the contract's exact counts is explained, not
     tolerated: a window whose start lies after a series' first sample gives
     exactly the exact count (VM takes the sample just before the window as
     the base, so it sees the same consecutive pairs as exact counting: no
     extrapolation, integers); a window reaching back before a series' first
     sample counts that first sample's value as an increase from 0 when it is
     small next to the following increment (VM's guess that the series has
     just started), where exact counting adds nothing for a first sample;
 (d) ratios, budget, status and alerts follow from the printed counts
     (check_eval's rules).
Prints, per window, VM - exact next to Prometheus' increase() - exact (the
generator's emulation of Prometheus 2.42) on the same data. Exit 1 on any
difference.
"""
import bisect
import json
import os
import re
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "data"))
import check_eval  # noqa: E402
import gen  # noqa: E402

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+) (\d+)$')


class Data:
    """DATA_OM's series in gen.Gen's shape, so gen.select() works on them."""

    def __init__(self, path):
        self.series = {}
        with open(path) as f:
            for ln in f:
                if ln.startswith("#"):
                    continue
                m = LINE.match(ln.rstrip("\n"))
                if not m:
                    raise ValueError("%s: cannot parse %r" % (path, ln))
                name, lab, v, t = m.groups()
                labels = dict(re.findall(r'([a-zA-Z_]\w*)="([^"]*)"', lab))
                k = gen.series_key(name, labels)
                if k not in self.series:
                    self.series[k] = (name, labels, None, [])
                self.series[k][3].append((int(t), float(v)))
        for k in self.series:
            self.series[k][3].sort()


def max_prev_interval(ts):
    """getMaxPrevInterval(): how far before the window start VM looks for the
    base sample, from the series' scrape interval (the 0.6 quantile of its
    first 20 intervals, as getScrapeInterval() estimates it)."""
    iv = sorted(b - a for a, b in zip(ts[:21], ts[1:21]))
    d = iv[int(0.6 * (len(iv) - 1))] * 1000 if iv else 300000
    for lim, add in ((2000, 4 * d), (4000, 2 * d), (8000, d), (16000, d // 2), (32000, d // 4)):
        if d <= lim:
            return (d + add) / 1000
    return (d + d // 8) / 1000


def vm_increase(series, T, W):
    """VictoriaMetrics 1.79 increase(SEL[W]) at T, summed over the series
    (None when no series has a sample to answer with).

    Per series: counter resets are removed first over all fetched samples (a
    drop adds the previous value to every later sample, so the pair across a
    reset counts `later`, as in the contract). The window is (T-W, T]. The base
    is the last sample at or before T-W if it is at most max_prev_interval()
    older than T-W, else the last earlier sample at all (realPrevValue: "the
    value did not change during the gap"); the answer is last-in-window - base,
    0 when the window holds no sample. Without any earlier sample, the first
    sample in the window is taken as a rise from 0 when |v0| < 10 * (|d| + 1),
    d = v1 - v0 (10 when 0): a series that has just started; otherwise it
    becomes the base."""
    out = None
    for s in series:
        ts, raw = s.t, [float(v) for v in s.v]
        vals, corr = [], 0.0
        for i, v in enumerate(raw):
            if i and v < raw[i - 1]:
                # VM treats a drop of less than 1/8 of the previous value
                # differently (jitter of HA pairs, or a partial reset, by
                # version); the generator makes none, so that rule never applies.
                if (raw[i - 1] - v) * 8 < raw[i - 1]:
                    raise ValueError("a drop of less than 1/8 at %d: not emulated" % ts[i])
                corr += raw[i - 1]
            vals.append(v + corr)
        i = bisect.bisect_right(ts, T - W)
        j = bisect.bisect_right(ts, T)
        win = vals[i:j]
        if i > 0 and ts[i - 1] > T - W - max_prev_interval(ts):
            base = vals[i - 1]
        elif i > 0:
            if not win:
                continue
            base = vals[i - 1]
        else:
            if not win:
                continue
            if len(win) > 1:
                d = win[1] - win[0]
            else:
                d = vals[j] - win[0] if j < len(vals) else 0.0
            if d == 0:
                d = 10.0
            if abs(win[0]) < 10 * (abs(d) + 1):
                base = 0.0
            else:
                base, win = win[0], win[1:]
        r = win[-1] - base if win else 0.0
        out = r if out is None else out + r
    return out


def first_values(series, T, W):
    """The part of vm_increase() exact counting does not have: the first
    samples VM counts from 0 for series with no sample at or before T-W."""
    n = 0.0
    for s in series:
        if s.t and s.t[0] > T - W and s.t[0] <= T:
            v0 = float(s.v[0])
            d = float(s.v[1]) - v0 if len(s.v) > 1 else 0.0
            if abs(v0) < 10 * (abs(d if d else 10.0) + 1):
                n += v0
    return n


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    exp = json.load(open(sys.argv[1]))
    data = Data(sys.argv[2])
    vm = check_eval.Prom(sys.argv[3])
    fail = check_eval.fail
    diffs = {}
    for path in sys.argv[4:]:
        ev = json.load(open(path))
        T = ev["at"]
        evals = exp["evaluations"][str(T)]
        by_name = {s["name"]: s for s in ev.get("slos", [])}
        print("  eval at %d: %d SLOs" % (T, len(by_name)))
        for slo in gen.SLOS:
            name = slo["name"]
            s = by_name.get(name)
            if s is None:
                fail("%d: SLO %s missing" % (T, name))
                continue
            obj = check_eval.OBJECTIVES[name] / 100
            pname, psec = slo["period"]
            for w in [w for w, _ in gen.ALERT_WINDOWS] + [pname]:
                W = check_eval.seconds(w)
                fig, e = s["windows"].get(w), evals[name][w]
                part = e["part"]
                qn, qt = check_eval.queries(slo, w)
                vn = vm.query(qn, T)
                if qt is None:
                    vt = float(check_eval.slices(T, w, slo["slice"]))
                    vn = vn or 0.0
                    en, et = e["exact_num"], e["exact_total"]
                else:
                    vt = vm.query(qt, T)
                    num, tot = gen.select(data, *slo["num"]), gen.select(data, *slo["total"])
                    en, et = vm_increase(num, T, W), vm_increase(tot, T, W)
                if vt is None:
                    if et is not None or fig["total"] is not None or \
                            any(fig.get(k) is not None for k in ("sli", "error_ratio", "burn_rate")):
                        fail("%d %s %s: VM has no data (emulation %s), eval says %s" % (
                            T, name, w, et, fig))
                    else:
                        print("  %-22s %-4s no data: total null, ratios null" % (name, w))
                    continue
                vn = vn or 0.0
                en = en or 0.0
                # (a) VM's own answers; (b) the emulation.
                if not check_eval.close(fig["total"], vt) or not check_eval.close(fig[part], vn):
                    fail("%d %s %s: eval %s=%s total=%s, VictoriaMetrics %s/%s" % (
                        T, name, w, part, fig[part], fig["total"], vn, vt))
                if not check_eval.close(fig["total"], et) or not check_eval.close(fig[part], en):
                    fail("%d %s %s: eval %s/%s, VM increase() emulation %s/%s" % (
                        T, name, w, fig[part], fig["total"], en, et))
                # (c) against the exact counts: equal, or off by the counted first values.
                xn, xt = e["exact_num"], e["exact_total"]
                if qt is None:
                    if fig[part] != xn or fig["total"] != xt:
                        fail("%d %s %s: %s/%s good slices, exact %s/%s" % (
                            T, name, w, fig[part], fig["total"], xn, xt))
                    print("  %-22s %-4s good slices %6d / %6d  exact %6d / %6d" % (
                        name, w, fig[part], fig["total"], xn, xt))
                else:
                    fn = first_values(num, T, W)
                    ft = first_values(tot, T, W)
                    dn, dt = fig[part] - xn, fig["total"] - xt
                    if dn != fn or dt != ft:
                        fail("%d %s %s: VM - exact = %s / %s, first values counted %s / %s" % (
                            T, name, w, dn, dt, fn, ft))
                    pn, pt = (e["prom_num"] or 0.0), e["prom_total"]
                    print("  %-22s %-4s %s %9d exact %9d (VM-exact %5d, Prom-exact %9.3f)  "
                          "total %9d exact %9d (VM-exact %5d, Prom-exact %10.3f)" % (
                              name, w, part, fig[part], xn, dn, pn - xn, fig["total"], xt, dt,
                              (pt or 0.0) - xt))
                    a = diffs.setdefault(w, [0.0, 0.0])
                    if xt:
                        a[0] = max(a[0], abs(dt) / xt)
                        a[1] = max(a[1], abs((pt or 0.0) - xt) / xt)
                # (d) ratios, budget, status, alerts.
                check_eval.check_ratios(T, name, w, fig, obj)
            check_eval.check_budget(T, s, obj, psec)
    print("  worst relative gap of totals to exact, per window (VM / Prometheus increase()): " +
          ", ".join("%s %.4f%% / %.4f%%" % (w, 100 * v[0], 100 * v[1])
                    for w, v in sorted(diffs.items(), key=lambda x: check_eval.seconds(x[0]))))
    print("  %d VictoriaMetrics queries; check_vm: %d failure(s)" % (vm.asked, check_eval.fails))
    sys.exit(1 if check_eval.fails else 0)


if __name__ == "__main__":
    main()
