#!/usr/bin/env python3
"""Synthetic Prometheus data for slo-sidecar's integration tests and demo.

    gen.py --end END --days D --step STEP --out DIR [--seed N] [--at T,...]

writes
  DIR/data.om        OpenMetrics text for
                     `promtool tsdb create-blocks-from openmetrics DIR/data.om DIR/tsdb`
  DIR/expected.json  for each evaluation time (END, a time inside the quiet
                     period and one before any data, or the --at list), each SLO of
                     tests/integration/slos.yaml.tmpl and each window:
                       exact_*   the contract's exact counts from the raw samples
                                 (events: consecutive pairs whose later sample is in
                                 (T-W, T], a drop counts `later`; timeslice: good
                                 and total slices);
                       prom_*    what Prometheus 2.42's increase() gives on the same
                                 samples, summed over series (an emulation of
                                 promql/functions.go extrapolatedRate, independent
                                 of Prometheus and of the sidecar);
                       bound_*   how far increase() can be from exact counting on
                                 these samples (see edge_bound()).

Everything is placed relative to END (a multiple of 60), so for a given seed,
days and step the data is the same whatever END is, shifted in time.

Traffic (offsets before END):
  http_requests_total{job="checkout",instance="a"|"b",code="200"|"500"}
      ~1000 req/min with a daily pattern, 0.05% errors; incident 50m..10m
      (6% errors, enough to fire the page alert via the 6h/30m pair);
      instance b restarts (all its counters drop) 30h ago; no traffic at all
      20h..18h30m ago (the quiet period: windows inside it have zero events).
  http_request_duration_seconds_{bucket,count,sum}{job="search",instance=...}
      exponential latencies, mean 45 ms; slow-down 5h..4h ago (mean 150 ms).
  data_last_updated_timestamp{source="users",instance="a"|"b"}
      last-update unix time, updated every ~4-5 minutes; outage 10h..8h ago
      (value stops advancing); instance b has no samples 3h..2h30m ago; neither
      instance has samples 14h..13h56m ago (those slices have no sample: bad).
  api_requests_total{job="api"}, api_errors_total{job="api"}  ~0.67% errors.
Instances scrape with different offsets (0 s, 17 s, 5 s, 41 s, 29 s) like real
scrape jitter, so increase()'s extrapolation to the window edges is exercised.
Only the Python standard library is used.
"""
import argparse
import bisect
import json
import math
import os
import random
import re

MIN = 60
HOUR = 3600
DAY = 86400
ALERT_WINDOWS = [("5m", 5 * MIN), ("30m", 30 * MIN), ("1h", HOUR), ("2h", 2 * HOUR),
                 ("6h", 6 * HOUR), ("1d", DAY), ("3d", 3 * DAY)]
BUCKETS = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"]
BOUNDS = [0.05, 0.1, 0.25, 0.5, 1.0]

# Scenario, as seconds before END.
INCIDENT = (50 * MIN, 10 * MIN)
QUIET = (20 * HOUR, 18 * HOUR + 30 * MIN)
RESTART = 30 * HOUR
SLOWDOWN = (5 * HOUR, 4 * HOUR)
OUTAGE = (10 * HOUR, 8 * HOUR)
GAP_B = (3 * HOUR, 150 * MIN)
GAP_ALL = (14 * HOUR, 14 * HOUR - 4 * MIN)
# A second evaluation time: 65 minutes into the quiet period, so the 5m, 30m
# and 1h windows of the checkout SLOs hold samples but no events (total 0: no
# ratios, and no time to exhaustion, which needs the 1h burn rate).
QUIET_EVAL = QUIET[0] - 65 * MIN

# The SLOs of tests/integration/slos.yaml.tmpl (selectors as matcher tuples).
SLOS = [
    {"name": "checkout-availability", "kind": "events", "part": "bad", "period": ("30d", 30 * DAY),
     "num": ("http_requests_total", [("job", "=", "checkout"), ("code", "=~", "5..")]),
     "total": ("http_requests_total", [("job", "=", "checkout")])},
    # A period just over the longest alert window (3d) and inside the data, so
    # the period's old edge moves through the data: remote_read's coarse
    # buckets and edge re-reads are exercised.
    {"name": "checkout-edge", "kind": "events", "part": "bad", "period": ("84h", 84 * HOUR),
     "num": ("http_requests_total", [("job", "=", "checkout"), ("code", "=~", "5..")]),
     "total": ("http_requests_total", [("job", "=", "checkout")])},
    {"name": "checkout-good", "kind": "events", "part": "good", "period": ("7d", 7 * DAY),
     "num": ("http_requests_total", [("job", "=", "checkout"), ("code", "!~", "5..")]),
     "total": ("http_requests_total", [("job", "=", "checkout")])},
    {"name": "search-latency", "kind": "latency", "part": "good", "period": ("7d", 7 * DAY),
     "num": ("http_request_duration_seconds_bucket", [("job", "=", "search"), ("le", "=", "0.25")]),
     "total": ("http_request_duration_seconds_count", [("job", "=", "search")])},
    {"name": "users-freshness", "kind": "timeslice", "part": "good", "period": ("7d", 7 * DAY),
     "gauge": ("data_last_updated_timestamp", [("source", "=", "users")]),
     "age": True, "op": "<=", "value": 300, "slice": 60},
    {"name": "api-custom", "kind": "promql", "part": "bad", "period": ("28d", 28 * DAY),
     "num": ("api_errors_total", [("job", "=", "api")]),
     "total": ("api_requests_total", [("job", "=", "api")])},
]


def series_key(name, labels):
    return name + "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"


class Gen:
    def __init__(self, end, days, step, seed):
        self.end = end
        self.start = end - days * DAY
        self.step = step
        self.rng = random.Random(seed)
        self.series = {}   # key -> (name, labels, family, [(t, v)])

    def add(self, family, name, labels, t, v):
        k = series_key(name, labels)
        if k not in self.series:
            self.series[k] = (name, labels, family, [])
        self.series[k][3].append((t, v))

    def times(self, offset):
        t = self.start + offset
        while t <= self.end:
            yield t
            t += self.step

    def ago(self, t, span):
        """t in [END - span[0], END - span[1])."""
        return self.end - span[0] <= t < self.end - span[1]

    def checkout(self):
        for inst, offset in (("a", 0), ("b", 17)):
            ok = err = 0
            restarted = False
            for t in self.times(offset):
                # Daily pattern anchored to END: the busiest hour is 6h before END.
                daily = 1 + 0.5 * math.sin(2 * math.pi * ((t - self.end) % DAY) / DAY)
                if self.ago(t, QUIET):
                    n = 0
                else:
                    n = int(self.rng.randint(400, 600) * daily * self.step / 60)
                rate = 0.06 if self.ago(t, INCIDENT) else 0.0005
                # Errors: a binomial draw over n requests (n/10 trials of 10x the rate).
                e = sum(1 for _ in range(n // 10) if self.rng.random() < rate * 10)
                ok += n - e
                err += e
                if inst == "b" and not restarted and t >= self.end - RESTART:
                    # Process restart: every counter of the instance starts again.
                    ok, err, restarted = self.rng.randint(0, 30), self.rng.randint(0, 1), True
                self.add("http_requests", "http_requests_total",
                         {"job": "checkout", "instance": inst, "code": "200"}, t, ok)
                self.add("http_requests", "http_requests_total",
                         {"job": "checkout", "instance": inst, "code": "500"}, t, err)

    def search(self):
        for inst, offset in (("a", 5), ("b", 41)):
            counts = [0] * 6
            total_sum = 0.0
            for t in self.times(offset):
                mean = 0.15 if self.ago(t, SLOWDOWN) else 0.045
                n = int(self.rng.randint(50, 150) * self.step / 60)
                for _ in range(n):
                    x = self.rng.expovariate(1 / mean)
                    total_sum += x
                    for i, b in enumerate(BOUNDS):
                        if x <= b:
                            counts[i] += 1
                    counts[5] += 1
                for i, le in enumerate(BUCKETS):
                    self.add("http_request_duration_seconds",
                             "http_request_duration_seconds_bucket",
                             {"job": "search", "instance": inst, "le": le}, t, counts[i])
                self.add("http_request_duration_seconds", "http_request_duration_seconds_count",
                         {"job": "search", "instance": inst}, t, counts[5])
                self.add("http_request_duration_seconds", "http_request_duration_seconds_sum",
                         {"job": "search", "instance": inst}, t, round(total_sum, 3))

    def freshness(self):
        for inst, offset in (("a", 0), ("b", 29)):
            last = self.start - 60
            for t in self.times(offset):
                if self.ago(t, GAP_ALL) or (inst == "b" and self.ago(t, GAP_B)):
                    continue
                if not self.ago(t, OUTAGE) and t - last >= 240:
                    last = t - self.rng.randint(0, 30)
                self.add("data_last_updated_timestamp", "data_last_updated_timestamp",
                         {"source": "users", "instance": inst}, t, last)

    def api(self):
        req = errs = 0
        for t in self.times(0):
            n = int(self.rng.randint(100, 200) * self.step / 60)
            e = sum(self.rng.randint(0, 2) for _ in range(max(1, self.step // 60)))
            req += n
            errs += e
            self.add("api_requests", "api_requests_total", {"job": "api"}, t, req)
            self.add("api_errors", "api_errors_total", {"job": "api"}, t, errs)

    def write_om(self, path):
        types = {"http_requests": "counter", "http_request_duration_seconds": "histogram",
                 "data_last_updated_timestamp": "gauge", "api_requests": "counter",
                 "api_errors": "counter"}
        families = {}
        for k in sorted(self.series):
            families.setdefault(self.series[k][2], []).append(k)
        n = 0
        with open(path, "w") as f:
            for family, keys in families.items():
                f.write("# TYPE %s %s\n" % (family, types[family]))
                # Time-major inside a family, so each histogram point's lines
                # stay together (OpenMetrics wants a family's lines contiguous).
                rows = []
                for k in keys:
                    for t, v in self.series[k][3]:
                        rows.append((t, k, v))
                rows.sort()
                for t, k, v in rows:
                    f.write("%s %s %d\n" % (k, fmt(v), t))
                    n += 1
            f.write("# EOF\n")
        return n


def fmt(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


class Series:
    """Raw samples of one series with prefix sums of the contract's increments."""

    def __init__(self, pts):
        self.t = [p[0] for p in pts]
        self.v = [p[1] for p in pts]
        self.inc = [0]
        for i in range(1, len(pts)):
            a, b = self.v[i - 1], self.v[i]
            self.inc.append(b - a if b >= a else b)
        self.prefix = [0]
        for x in self.inc:
            self.prefix.append(self.prefix[-1] + x)


def select(gen, name, matchers):
    out = []
    for k in sorted(gen.series):
        n, labels, _, pts = gen.series[k]
        if n != name:
            continue
        ok = True
        for (ln, op, val) in matchers:
            lv = labels.get(ln, "")
            ok &= {"=": lambda: lv == val, "!=": lambda: lv != val,
                   "=~": lambda: re.fullmatch(val, lv) is not None,
                   "!~": lambda: re.fullmatch(val, lv) is None}[op]()
        if ok:
            out.append(Series(pts))
    return out


def exact_events(series, T, W):
    """Contract counting: each consecutive pair whose later sample lies in
    (T-W, T] adds later - earlier, or later when the value dropped; a series'
    first sample adds nothing."""
    total = 0
    for s in series:
        lo = max(bisect.bisect_right(s.t, T - W), 1)   # first later-sample index in window
        hi = bisect.bisect_right(s.t, T)                # one past the last
        if hi > lo:
            total += s.prefix[hi] - s.prefix[lo]
    return total


def prom_increase(series, T, W):
    """Prometheus 2.42 increase(SEL[W]) at T, summed over series: promql/functions.go
    extrapolatedRate(isCounter=true, isRate=false) on the samples in the closed
    range [T-W, T] (2.42 includes both ends). Arithmetic in the same order as the
    Go code, in float64. None when no series has two samples (empty vector)."""
    out = None
    for s in series:
        lo = bisect.bisect_left(s.t, T - W)
        hi = bisect.bisect_right(s.t, T)
        if hi - lo < 2:
            continue
        ts = s.t[lo:hi]
        vs = [float(v) for v in s.v[lo:hi]]
        range_start_ms = (T - W) * 1000
        range_end_ms = T * 1000
        result = vs[-1] - vs[0]
        prev = vs[0]
        for v in vs[1:]:
            if v < prev:
                result += prev
            prev = v
        to_start = (ts[0] * 1000 - range_start_ms) / 1000
        to_end = (range_end_ms - ts[-1] * 1000) / 1000
        sampled = (ts[-1] * 1000 - ts[0] * 1000) / 1000
        avg = sampled / float(len(ts) - 1)
        if result > 0 and vs[0] >= 0:
            to_zero = sampled * (vs[0] / result)
            if to_zero < to_start:
                to_start = to_zero
        threshold = avg * 1.1
        interval = sampled
        interval += to_start if to_start < threshold else avg / 2
        interval += to_end if to_end < threshold else avg / 2
        factor = interval / sampled
        result *= factor
        out = result if out is None else out + result
    return out


def edge_bound(series, T, W):
    """How far increase() may be from exact counting on these samples.

    For one series, increase() sums the increments of the pairs with both
    samples in [T-W, T] (resets handled as the contract does), then scales
    that raw sum by (sampled + ext_start + ext_end) / sampled where each ext
    is at most 1.1 average sample intervals. Exact counting has the same
    pairs plus, at most, the one pair that straddles T-W. So
        |increase - exact| <= straddle + 2.2 * raw / (n - 1)
    (n samples in range; a series with fewer than 2 samples is dropped by
    increase(), leaving only the straddling pair). Summed over series."""
    bound = 0.0
    for s in series:
        lo = bisect.bisect_left(s.t, T - W)
        hi = bisect.bisect_right(s.t, T)
        first_later = bisect.bisect_right(s.t, T - W)
        straddle = s.inc[first_later] if (first_later < hi and first_later >= 1 and
                                          s.t[first_later - 1] < T - W) else 0
        if hi - lo >= 2:
            raw = s.prefix[hi] - s.prefix[lo + 1]
            bound += straddle + 2.2 * raw / (hi - lo - 1)
        else:
            bound += straddle
    return bound


OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
       ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def exact_slices(series, T, W, s, age, op, value):
    """Contract time slices: slices (k*s, (k+1)*s] wholly inside (T-W, T]; a
    slice is good when the condition holds for the newest sample in it (with
    age: timestamp - value), for the worst series; no sample: bad."""
    first_end = -(-(T - W + s) // s) * s
    good = total = 0
    e = first_end
    while e <= T:
        total += 1
        verdicts = []
        for sr in series:
            i = bisect.bisect_right(sr.t, e) - 1
            if i >= 0 and sr.t[i] > e - s:
                x = sr.t[i] - sr.v[i] if age else sr.v[i]
                verdicts.append(OPS[op](x, value))
        if verdicts and all(verdicts):
            good += 1
        e += s
    return good, total


def expected_at(g, T):
    out = {}
    for slo in SLOS:
        wins = ALERT_WINDOWS + [slo["period"]]
        res = out[slo["name"]] = {}
        if slo["kind"] == "timeslice":
            fr = select(g, *slo["gauge"])
            for wn, w in wins:
                good, total = exact_slices(fr, T, w, slo["slice"], slo["age"], slo["op"],
                                           slo["value"])
                res[wn] = {"part": "good", "exact_num": good, "exact_total": total}
            continue
        num = select(g, *slo["num"])
        tot = select(g, *slo["total"])
        for wn, w in wins:
            res[wn] = {
                "part": slo["part"],
                "exact_num": exact_events(num, T, w), "exact_total": exact_events(tot, T, w),
                "prom_num": prom_increase(num, T, w), "prom_total": prom_increase(tot, T, w),
                "bound_num": edge_bound(num, T, w), "bound_total": edge_bound(tot, T, w),
            }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--end", type=int, required=True, help="last sample time, unix seconds")
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--step", type=int, default=60, help="scrape interval, seconds")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--at", default="", help="comma-separated evaluation times for "
                    "expected.json (default: END, END-%ds in the quiet period, and an "
                    "hour before the data starts)" % QUIET_EVAL)
    ap.add_argument("--no-expected", action="store_true", help="data.om only")
    a = ap.parse_args()
    if a.end % 60:
        ap.error("--end must be a multiple of 60")
    if a.step < 1 or 60 % a.step and a.step % 60:
        ap.error("--step must divide 60 or be a multiple of it")
    if a.days < 2:
        ap.error("--days must be at least 2 (the scenario reaches 30h back)")
    os.makedirs(a.out, exist_ok=True)
    g = Gen(a.end, a.days, a.step, a.seed)
    g.checkout()
    g.search()
    g.freshness()
    g.api()
    n = g.write_om(os.path.join(a.out, "data.om"))
    meta = {"end": a.end, "start": g.start, "step": a.step, "seed": a.seed, "samples": n,
            "series": len(g.series), "quiet_eval": a.end - QUIET_EVAL}
    if not a.no_expected:
        ats = [int(x) for x in a.at.split(",") if x] or \
            [a.end, a.end - QUIET_EVAL, g.start - HOUR]
        meta["evaluations"] = {str(T): expected_at(g, T) for T in ats}
    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print("gen: %d samples in %d series, %d .. %d, step %ds" % (n, len(g.series), g.start,
                                                                 a.end, a.step))


if __name__ == "__main__":
    main()
