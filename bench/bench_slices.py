#!/usr/bin/env python3
"""Cost of a 30-day, 1-minute time-slice SLO, before and after the sidecar
judged time slices itself (make bench; ONLY=slices runs it alone).

    bench_slices.py BIN PROM_PID URL WORK T ROUNDS EVALS STEPS

The SLO: data_last_updated_timestamp{job="bench"} (gen_gauge.py's freshness
gauge), age <= 300 s, 1-minute slices, period 30d, so the windows 5m .. 3d
and 30d. T (a multiple of 60) lies inside the data.

Before: promql mode sent, per evaluation, one instant query at T with one
subquery per window W (slice s = 60000 ms), joined with " or ":

    label_replace(sum_over_time((min (((timestamp(G) - G) <= bool 300)
      and (timestamp(G) > time() - 60.000)))[(W-s+1)ms:(s)ms]),
      "slo_sidecar_window", "W", "", "")

(the text sliquery.c built before commit 6393df0, byte for byte). This
script sends it to URL/api/v1/query itself (POST, time=T, no compression).
After: `slo-sidecar eval --at=T` of the same SLO in promql mode (which now
reads the gauge's raw samples through api_read), api_read and remote_read
(chunks) mode; a one-shot eval reads the whole period, (T - 30d - 1h, T].

ROUNDS rounds, each the four in a rotated order: the old query once, each
mode's eval EVALS times in a row (one eval costs Prometheus a few 10 ms
ticks, so single runs are too coarse). Per run: Prometheus CPU (utime+stime
from /proc/PID/stat; its idle CPU is printed, not subtracted), wall time,
and the sidecar's CPU. Printed: the means per evaluation, old / this, and
the min..max over the rounds of each (per round: the old query against that
round's EVALS evals), which is the run-to-run spread; the eval wall time
also as the slowest single eval.
Then the daemon's steady state: `eval --at=T-STEPS*30s --until=T` per mode,
split at the first JSON line (as bench_steady.py does): per incremental step
against one old-shape query (promql mode ran that every interval). A
figure whose runs took no 10 ms tick of Prometheus CPU shows its ratio as
"> B", B being the old query's CPU over one tick per run.

Checks (exit 1 on a failure): every run's good slices per window equal the
old query's (the one difference the README names, stale markers, does not
occur in backfilled data), and the incremental runs' counts at T equal the
one-shot evals'.
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True     # no bench/__pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_steady import Run, counts  # noqa: E402
from benchlib import TICK, proc_cpu  # noqa: E402

SLICE_MS = 60000
WINDOWS = [("5m", 300000), ("30m", 1800000), ("1h", 3600000), ("2h", 7200000),
           ("6h", 21600000), ("1d", 86400000), ("3d", 259200000), ("30d", 2592000000)]
GAUGE = 'data_last_updated_timestamp{job="bench"}'
MODES = [("promql", "mode: promql"), ("api_read", "mode: api_read"),
         ("remote_read", "mode: remote_read")]


def old_query():
    """The promql-mode query of sliquery.c before 6393df0 for this SLO."""
    parts = []
    for name, w in WINDOWS:
        cond = "((timestamp(%s) - %s) <= bool 300)" % (GAUGE, GAUGE)
        parts.append('label_replace(sum_over_time((min (%s and (timestamp(%s) > time() - '
                     '%.3f)))[%dms:%dms]), "slo_sidecar_window", "%s", "", "")'
                     % (cond, GAUGE, SLICE_MS / 1000.0, w - SLICE_MS + 1, SLICE_MS, name))
    return " or ".join(parts)


def ratio(old, x, n):
    """old / x, x being a mean over n runs; "> B" when those n runs took no tick."""
    return "%.0f" % (old / x) if x > 0 else "> %.0f" % (old * n * TICK)


def write_configs(url, work):
    out = {}
    for name, mode in MODES:
        path = os.path.join(work, "slices-%s.yaml" % name)
        with open(path, "w") as f:
            f.write("""global:
  interval: 30s
  prometheus: {url: %s, %s, timeout: 120s}
slos:
  - name: bench-freshness
    service: bench
    objective: 99
    period: 30d
    sli:
      timeslice: {gauge: '%s', age: true, op: "<=", value: 300, slice: 1m}
""" % (url, mode, GAUGE))
        out[name] = path
    return out


def run_old(url, prom, t, query):
    """The old query at t: (Prometheus CPU, wall, 0), {window: good slices}."""
    body = urllib.parse.urlencode({"query": query, "time": "%d" % t}).encode()
    req = urllib.request.Request(url + "/api/v1/query", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    p0, w0 = proc_cpu(prom), time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        sys.exit("bench_slices: FAILED: old query: HTTP %d: %s" % (e.code, e.read()[:2000]))
    p1, w1 = proc_cpu(prom), time.monotonic()
    doc = json.loads(raw)
    if doc.get("status") != "success" or doc.get("warnings"):
        sys.exit("bench_slices: FAILED: old query: %s" % raw[:2000])
    good = {}
    for s in doc["data"]["result"]:
        good[s["metric"]["slo_sidecar_window"]] = float(s["value"][1])
    return (p1 - p0, w1 - w0, 0.0), good


def main():
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    binary, prom, url, work = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    t, rounds, evals, steps = (int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]),
                               int(sys.argv[8]))
    if t % 60:
        sys.exit("bench_slices: T must be a multiple of 60")
    cfg = write_configs(url, work)
    query = old_query()
    idle0, c0 = proc_cpu(prom), time.monotonic()
    time.sleep(3)
    idle = (proc_cpu(prom) - idle0) / (time.monotonic() - c0)

    names = ["old"] + [n for n, _ in MODES]
    res = {n: [] for n in names}          # per round: (Prom CPU, wall, sidecar CPU) per eval
    slowest = {n: 0.0 for n in names}     # the longest single wall time
    bad = 0
    good_old = None
    fresh = {}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            if n == "old":
                cost, good = run_old(url, prom, t, query)
                if good_old is not None and good != good_old:
                    print("  MISMATCH: the old query's answers differ between rounds")
                    bad = 1
                good_old = good
                slowest[n] = max(slowest[n], cost[1])
            else:
                acc = [0.0, 0.0, 0.0]
                for _ in range(evals):
                    run = Run(binary, cfg[n], prom, t)
                    acc = [x + y for x, y in zip(acc, run.total)]
                    slowest[n] = max(slowest[n], run.total[1])
                    c = counts(run.lines[0])
                    if fresh.get(n, c) != c:
                        print("  MISMATCH: %s: one-shot evals at T differ" % n)
                        bad = 1
                    fresh[n] = c
                cost = tuple(x / evals for x in acc)
            res[n].append(cost)

    def ms(x):
        return 1000.0 * x

    def mean(v, i):
        return sum(x[i] for x in v) / len(v)

    print("one evaluation at %s, %d rounds (the old query once, each eval %d times); "
          "Prometheus idle %.1f ms CPU per s (not subtracted)"
          % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), rounds, evals, ms(idle)))
    print("  %-44s %13s %13s %10s %15s %9s" % ("", "Prom CPU ms", "old / this", "wall ms",
                                               "sidecar CPU ms", "max wall"))
    old_cpu = mean(res["old"], 0)
    for n in names:
        label = ("old promql query (8 subqueries, [30d:1m] ...)" if n == "old"
                 else "eval --at=T, %s mode" % n)
        cpu = mean(res[n], 0)
        ratios = [o[0] / x[0] if x[0] > 0 else float("inf") for o, x in zip(res["old"], res[n])]
        rr = ratio(old_cpu, cpu, evals * rounds)
        print("  %-44s %13.1f %13s %10.1f %15.1f %9.0f"
              % (label, ms(cpu), "1" if n == "old" else rr, ms(mean(res[n], 1)),
                 ms(mean(res[n], 2)), ms(slowest[n])))
        if len(res[n]) > 1:
            print("  %-44s %13s %13s %10s %15s" % (
                "  rounds, min..max",
                "%.0f..%.0f" % (ms(min(x[0] for x in res[n])), ms(max(x[0] for x in res[n]))),
                "" if n == "old" else "%.0f..%.0f" % (min(ratios), max(ratios)),
                "%.0f..%.0f" % (ms(min(x[1] for x in res[n])), ms(max(x[1] for x in res[n]))),
                "" if n == "old" else "%.0f..%.0f" % (ms(min(x[2] for x in res[n])),
                                                    ms(max(x[2] for x in res[n])))))
    for n, _ in MODES:
        g = {k[1]: v[0] for k, v in fresh[n].items()}
        diff = [w for w, _ in WINDOWS if g.get(w) != good_old.get(w)]
        if diff:
            bad = 1
            print("  MISMATCH: %s good slices differ from the old query's: %s" % (n, "; ".join(
                "%s: %s vs %s" % (w, g.get(w), good_old.get(w)) for w in diff)))
        else:
            print("  check: %s good slices == the old query's in all %d windows (30d: %d of "
                  "%d slices good)" % (n, len(WINDOWS), g["30d"], fresh[n][("bench-freshness",
                                                                            "30d")][2]))

    if steps > 0:
        a = t - steps * 30
        print("daemon steady state: eval --at=%s --until=T, %d steps of 30s (first evaluation "
              "split off)" % (time.strftime("%H:%M:%SZ", time.gmtime(a)), steps))
        print("  %-44s %13s %13s %10s %15s" % ("", "Prom CPU ms", "old / this", "wall ms",
                                              "sidecar CPU ms"))
        for n, _ in MODES:
            run = Run(binary, cfg[n], prom, a, t)
            d = [x / steps for x in run.rest]
            print("  %-44s %13.2f %13s %10.2f %15.2f"
                  % ("%s: incremental step" % n, ms(d[0]),
                     ratio(old_cpu, d[0], steps), ms(d[1]), ms(d[2])))
            print("  %-44s %13.1f %13s %10.1f %15.1f"
                  % ("%s: first evaluation" % n, ms(run.first[0]),
                     ratio(old_cpu, run.first[0], 1),
                     ms(run.first[1]), ms(run.first[2])))
            inc = counts(run.lines[-1])
            if inc != fresh[n]:
                bad = 1
                print("  MISMATCH: %s incremental counts at T differ from the one-shot eval's"
                      % n)
            else:
                print("  check: %s incremental counts at T == the one-shot eval's" % n)
    sys.exit(bad)


if __name__ == "__main__":
    main()
