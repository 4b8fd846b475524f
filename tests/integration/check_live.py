#!/usr/bin/env python3
"""check_live.py PROM_URL SLOS_JSON METRIC

SLOS_JSON is the sidecar's /api/v1/slos answer for one events SLO over
METRIC (errors: code=~"5..", total: all). Fetches METRIC's raw samples from
Prometheus (a range selector through /api/v1/query at the SLO's
evaluated_at), counts them as the contract says (consecutive pairs, a drop
counts the later value, first sample nothing, staleness markers skipped) and
compares every window. Exit 1 on any difference."""
import json
import re
import sys
import urllib.parse
import urllib.request


def seconds(d):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", d))


def main():
    prom, path, metric = sys.argv[1:4]
    slo = json.load(open(path))["data"][0]
    T = slo["evaluated_at"]
    q = urllib.parse.urlencode({"query": "%s[4d]" % metric, "time": str(T)}).encode()
    with urllib.request.urlopen(prom.rstrip("/") + "/api/v1/query", q, timeout=30) as r:
        res = json.load(r)["data"]["result"]
    series = []
    for s in res:
        # The JSON API leaves staleness markers out, as the contract's counting skips them.
        pts = [(float(t), float(v)) for t, v in s["values"]]
        series.append((s["metric"].get("code", ""), pts))
    fails = 0
    for w, fig in sorted(slo["windows"].items(), key=lambda x: seconds(x[0])):
        lo = T - seconds(w)
        bad = tot = 0.0
        for code, pts in series:
            for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
                if lo < t1 <= T:
                    inc = v1 - v0 if v1 >= v0 else v1
                    tot += inc
                    if code.startswith("5"):
                        bad += inc
        ok = fig["total"] == tot and fig["bad"] == bad
        fails += not ok
        print("  %s %-4s sidecar bad %6s total %8s   exact bad %6d total %8d" % (
            "ok:  " if ok else "FAIL:", w, fig["bad"], fig["total"], bad, tot))
    print("  %d series, %d samples, evaluated at %s" % (
        len(series), sum(len(p) for _, p in series), T))
    sys.exit(1 if fails else 0)


main()
