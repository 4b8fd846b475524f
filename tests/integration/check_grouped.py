#!/usr/bin/env python3
"""Checks a grouped SLO's eval output against exact counts per group.

    check_grouped.py LABEL PROM_URL EVAL_JSON [SAME_AS_JSON]

EVAL_JSON is `slo-sidecar eval --format=json` of one SLO over
http_requests_total{job="checkout"} (error: code=~"5..") with
group_by: [instance], as test_grouped.sh and test_victoriametrics.sh write
it. For each group and each alert window, good/bad/total must equal the
contract's counting of Prometheus's raw samples (a range selector through
/api/v1/query at the eval's time); the groups must be a and b, in label
order; with SAME_AS_JSON the output must equal that file's (the same SLO
read from another store). LABEL names the run in the messages.
Exit status 1 when anything differs.
"""
import json
import sys
import urllib.parse
import urllib.request

W = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 21600, "1d": 86400, "3d": 259200}


def main():
    label, url, path = sys.argv[1:4]
    ev = json.load(open(path))
    T = ev["at"]
    data = urllib.parse.urlencode({"query": 'http_requests_total{job="checkout"}[4d]',
                                   "time": str(T)}).encode()
    res = json.load(urllib.request.urlopen(url + "/api/v1/query", data))["data"]["result"]
    fails = 0
    for s in ev["slos"]:
        i = s["group"]["instance"]
        for w, sec in W.items():
            bad = tot = 0.0
            for r in res:
                if r["metric"]["instance"] != i:
                    continue
                pts = [(float(t), float(v)) for t, v in r["values"]]
                for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
                    if T - sec < t1 <= T:
                        inc = v1 - v0 if v1 >= v0 else v1
                        tot += inc
                        bad += inc if r["metric"]["code"].startswith("5") else 0
            f = s["windows"][w]
            if f["total"] != tot or f["bad"] != bad:
                print("  FAIL: %s instance %s %s: %s/%s, exact %s/%s" % (
                    label, i, w, f["bad"], f["total"], bad, tot))
                fails += 1
        print("  ok: %s instance %s: 7 windows equal exact counts (3d total %d)" % (
            label, i, s["windows"]["3d"]["total"]))
    # Groups come in label order whatever order the store sends its series in.
    groups = [s["group"]["instance"] for s in ev["slos"]]
    if groups != ["a", "b"]:
        print("  FAIL: %s groups %s, want a and b in label order" % (label, groups))
        fails += 1
    if len(sys.argv) > 4 and ev != json.load(open(sys.argv[4])):
        print("  FAIL: %s prints other figures than %s" % (label, sys.argv[4]))
        fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
