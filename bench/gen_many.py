#!/usr/bin/env python3
"""Many counter series for the remote_read benchmarks (make bench).

    gen_many.py --end END --days D --step STEP --pods P --out DIR [--seed N] [--histogram]

writes one OpenMetrics file per 2-hour TSDB block slot, DIR/SLOT.om, for

    http_requests_total{job="bench",pod="p0001".."pP",code="200"|"404"|"500"|"503"}

(4 series per pod), one sample every STEP seconds from END - D days to END
(END a multiple of 60, unix seconds). Each pod has its own request rate
(0.5 to 5 req/s), a small share of 5xx, its own scrape offset (so pods are
not scraped at the same instant) and about one pod in eight restarts once
(its four counters drop to 0).

With --histogram, also (5 more series per pod; the capacity benchmark)

    http_request_duration_seconds_bucket{job="bench",pod,le="0.25"|"0.5"|"1"|"+Inf"}
    http_request_duration_seconds_count{job="bench",pod}

counting the pod's requests of each step (all codes) with about 60 %, 85 %
and 95 % of them under 0.25, 0.5 and 1 s; they restart with the counters.
The histogram has its own random generator, so the counters are the same
with or without it.

Why one file per block slot: `promtool tsdb create-blocks-from openmetrics`
(2.42) parses its whole input once per 2-hour block it writes, so one file of
D days costs D * 12 passes; files that each fit one slot are parsed once and
the backfill is linear (run them with `xargs -P2`). The blocks are the same.

Prints "samples SERIES_SAMPLES series N first T0 last T1" on stdout.
Only the Python standard library is used; the output depends only on the
arguments (a fixed seed).
"""
import argparse
import os
import random

BLOCK = 7200
CODES = [("200", 0.975), ("404", 0.017), ("500", 0.006), ("503", 0.002)]
BOUNDS = [("0.25", 0.60), ("0.5", 0.85), ("1", 0.95), ("+Inf", 1.0)]


def close(f, hist_rows):
    if hist_rows:
        f.write("# TYPE http_request_duration_seconds histogram\n")
        f.write("".join(hist_rows))
    f.write("# EOF\n")
    f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--end", type=int, required=True)
    ap.add_argument("--days", type=float, required=True)
    ap.add_argument("--step", type=int, required=True)
    ap.add_argument("--pods", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--histogram", action="store_true")
    a = ap.parse_args()
    if a.end % 60 != 0 or a.step <= 0 or a.pods <= 0 or a.pods > 9999:
        ap.error("END must be a multiple of 60, STEP > 0, 0 < PODS <= 9999")
    rnd = random.Random(a.seed)
    start = a.end - int(a.days * 86400)
    pods = []
    for p in range(a.pods):
        pods.append({
            "name": "p%04d" % (p + 1),
            "rate": rnd.uniform(0.5, 5.0),
            "offset": (p * 7) % a.step,
            "restart": start + rnd.randrange(a.end - start) if rnd.random() < 0.125 else None,
            "count": [0] * len(CODES),
            "hist": [0] * len(BOUNDS),
        })
    hrnd = random.Random(a.seed + 1)
    os.makedirs(a.out, exist_ok=True)
    keys = [['http_requests_total{code="%s",job="bench",pod="%s"}' % (c, p["name"])
             for c, _ in CODES] for p in pods]
    hkeys = [['http_request_duration_seconds_bucket{job="bench",le="%s",pod="%s"}'
              % (le, p["name"]) for le, _ in BOUNDS]
             + ['http_request_duration_seconds_count{job="bench",pod="%s"}' % p["name"]]
             for p in pods]
    n = 0
    first = last = None
    files = {}   # block slot -> open file; a row goes to the slot of its own timestamp
    hist = {}    # block slot -> histogram rows, written after the counters (one family each)
    # The newest sample of each pod is at END - offset; walk back to the first.
    t0 = a.end - ((a.end - start) // a.step) * a.step
    for t in range(t0, a.end + 1, a.step):
        for p, k, h in zip(pods, keys, hkeys):
            ts = t - p["offset"]
            if ts < start:
                continue
            if p["restart"] is not None and p["restart"] <= ts:
                p["count"] = [0] * len(CODES)
                p["hist"] = [0] * len(BOUNDS)
                p["restart"] = None
            else:
                # Requests in one step: a daily wave and some noise.
                hour = (ts // 3600) % 24
                wave = 1.0 + 0.5 * (1 if 8 <= hour < 20 else -1)
                req = p["rate"] * a.step * wave * rnd.uniform(0.8, 1.2)
                for i, (_, share) in enumerate(CODES):
                    p["count"][i] += int(req * share * rnd.uniform(0.5, 1.5) + rnd.random())
                if a.histogram:
                    n_req = int(req)
                    under = 0
                    for i, (_, share) in enumerate(BOUNDS):
                        # cumulative: never fewer than the bucket below, all under +Inf
                        if i < len(BOUNDS) - 1:
                            under = max(under, min(n_req, int(n_req * share
                                                               * hrnd.uniform(0.95, 1.05))))
                        else:
                            under = n_req
                        p["hist"][i] += under
            s = ts // BLOCK
            f = files.get(s)
            if f is None:
                f = files[s] = open(os.path.join(a.out, "%07d.om" % s), "w")
                f.write("# TYPE http_requests counter\n")
            f.write("".join("%s %d %d\n" % (k[i], p["count"][i], ts) for i in range(len(CODES))))
            n += len(CODES)
            if a.histogram:
                hist.setdefault(s, []).append(
                    "".join("%s %d %d\n" % (h[i], p["hist"][i], ts) for i in range(len(BOUNDS)))
                    + "%s %d %d\n" % (h[-1], p["hist"][-1], ts))
                n += len(BOUNDS) + 1
            first = ts if first is None else min(first, ts)
            last = ts if last is None else max(last, ts)
        # Offsets are below STEP: no later row falls into a slot ended before t - STEP.
        for s in [s for s in files if (s + 1) * BLOCK <= t - a.step]:
            close(files.pop(s), hist.pop(s, None))
    for s, f in files.items():
        close(f, hist.pop(s, None))
    print("samples %d series %d first %d last %d" % (n, (9 if a.histogram else 4) * a.pods,
                                                     first, last))


if __name__ == "__main__":
    main()
