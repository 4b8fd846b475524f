#!/usr/bin/env python3
"""Data and exact expectations for tests/integration/test_report.sh.

One request counter and one error counter (job="rep"), one sample a minute at
second :30, from 3h before ISO week 2026-W44 (UTC) to 1h after it: about
20,500 samples. Errors are random (seeded) plus a two-hour incident on
2026-10-28; traffic stops for 20 minutes on 2026-10-30.

Expected figures per SLO (rep-utc: 99% over the week in UTC; rep-berlin:
99.9% over the week in Europe/Berlin):
- remote_read, exact: the contract's pairs. An increment belongs to its later
  sample's time t; a window [S, E) takes the pairs with t in (S, E]; minute m
  of it is (S + m min, S + (m + 1) min].
- promql: increase() over [S, E] (Prometheus 2.x closed ranges, 3.x left-open:
  no sample sits on a boundary, so both see the same samples) sees the
  samples S+30s .. E-30s, i.e. the pairs with t in (S+30s, E-30s], scaled by
  the same extrapolation factor for both counters (same timestamps, counters
  far from zero), which cancels in good/total only up to float rounding: the
  factor is applied here exactly as Prometheus does. Bad steps of
  --report.step=5m: the step ending at t sees the samples t-270s .. t-30s,
  4 pairs, scaled by 300/240.
"""
import argparse
import json
import os
import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

STEP = 60


def week_bounds(tz):
    s = datetime(2026, 10, 26, tzinfo=tz)
    e = datetime(2026, 11, 2, tzinfo=tz)
    return int(s.timestamp()), int(e.timestamp())


def local_days(tz, s, e):
    out = []
    d = datetime.fromtimestamp(s, tz).date()
    while True:
        a = int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp())
        if a >= e:
            return out
        n = datetime.fromordinal(d.toordinal() + 1).date()
        b = int(datetime(n.year, n.month, n.day, tzinfo=tz).timestamp())
        out.append((str(d), a, min(b, e)))
        d = n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ws, we = week_bounds(timezone.utc)
    t0 = ws - 3 * 3600 + 30
    t1 = we + 3600 + 30
    rng = random.Random(44)
    inc = {}       # t -> (total increment, error increment) of the pair ending at t
    tot, err = 1000000.0, 100000.0
    samples = [(t0, tot, err)]
    incident = (int(datetime(2026, 10, 28, 10, tzinfo=timezone.utc).timestamp()),
                int(datetime(2026, 10, 28, 12, tzinfo=timezone.utc).timestamp()))
    quiet = (int(datetime(2026, 10, 30, 3, tzinfo=timezone.utc).timestamp()),
             int(datetime(2026, 10, 30, 3, 20, tzinfo=timezone.utc).timestamp()))
    i = 0
    for t in range(t0 + STEP, t1 + 1, STEP):
        ti = 100 + i % 7
        ei = 0
        r = rng.random()
        if r < 0.012:
            ei = rng.choice([1, 2, 3, 5, 8])
        if incident[0] < t <= incident[1]:
            ei = 10
        if quiet[0] < t <= quiet[1]:
            ti, ei = 0, 0
        i += 1
        tot += ti
        err += ei
        inc[t] = (ti, ei)
        samples.append((t, tot, err))
    with open(os.path.join(args.out, "data.om"), "w") as f:
        f.write("# HELP rep_requests Requests.\n# TYPE rep_requests counter\n")
        for t, v, _ in samples:
            f.write('rep_requests_total{job="rep"} %d %d\n' % (v, t))
        f.write("# HELP rep_errors Failed requests.\n# TYPE rep_errors counter\n")
        for t, _, v in samples:
            f.write('rep_errors_total{job="rep"} %d %d\n' % (v, t))
        f.write("# EOF\n")

    def exact(s, e):
        T = sum(inc[t][0] for t in inc if s < t <= e)
        E = sum(inc[t][1] for t in inc if s < t <= e)
        return T, E

    def prom(s, e):
        # increase() over [s, e]: pairs with t in (s+30, e-30], times the factor.
        T, E = exact(s + 30, e - 30)
        f = float(e - s) / float(e - s - 60)
        return T * f, E * f

    def fig(T, E, obj):
        if T <= 0:
            return None
        good = T - E
        sli = good / T
        return {"good": good, "bad": E, "total": T, "sli": sli,
                "consumed": (E / T) / (1 - obj), "result": "met" if sli >= obj else "missed"}

    out = {"samples": 2 * len(samples)}
    for name, tz, obj in (("rep-utc", timezone.utc, 0.99),
                          ("rep-berlin", ZoneInfo("Europe/Berlin"), 0.999)):
        s, e = week_bounds(tz)
        days = local_days(tz, s, e)
        res = {}
        for mode, count in (("remote_read", exact), ("promql", prom)):
            f = fig(*count(s, e), obj)
            worst = None
            for d, a, b in days:
                df = fig(*count(a, b), obj)
                if df is not None and (worst is None or df["sli"] < worst[1]):
                    worst = (d, df["sli"])
            f["worst_day"] = {"date": worst[0], "sli": worst[1]}
            res[mode] = f
        # remote_read: minutes (s + m min, s + (m+1) min], exactly one pair each.
        bad = 0
        for t in range(s + 30, e, 60):
            ti, ei = inc[t]
            if ti > 0 and (ti - ei) / ti < obj:
                bad += 1
        res["remote_read"]["bad_minutes"] = bad
        # promql, 5m steps ending at t = s + 5m .. e: pairs t-210 .. t-30, x 300/240.
        bad = 0
        for t in range(s + 300, e + 1, 300):
            ti = sum(inc[u][0] for u in range(t - 210, t, 60))
            ei = sum(inc[u][1] for u in range(t - 210, t, 60))
            tf, ef = ti * (300.0 / 240.0), ei * (300.0 / 240.0)
            if tf > 0 and (tf - ef) / tf < obj:
                bad += 1
        res["promql"]["bad_minutes"] = bad * 5
        res["start"], res["end"] = s, e
        out[name] = res
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
