#!/usr/bin/env python3
"""Checks the history a sidecar reconstructed after its start (histfill).

  check_history_fill.py BIN CONFIG BASE_URL MODE END

For every SLO (every group of a grouped one) of the running sidecar at
BASE_URL: its history has reconstructed points; they lie on the hour, never
less than an hour from a live point, and reach back to the start of the
retention (the period, at least 7 days), or to where the data begins for a
group of a grouped SLO (a group without data has no instance, as live).
At five reconstructed times
inside the data and one before it (where only time slices have figures:
a slice without a sample is bad), the point's period SLI, budget
remaining and 1h burn rate equal what
`BIN eval --at=T` computes: in the exact modes to float32 precision (the
same exact counts), in promql mode within PROMQL_TOL (hourly increase()
sums against one increase() over the window). PREFIX names scratch files.
Exit 1 on any difference, with each one printed.
"""
import json
import subprocess
import sys
import urllib.request

HOUR = 3600
DAY = 86400
# promql mode: each hour's increase() extrapolates to the hour's edges, so a
# sum of hours and one increase() over the whole window differ by a share of
# a scrape interval's counts per edge; on this data (60 s samples) that moves
# ratios by far less than this.
PROMQL_TOL = 0.02
FAILED = []


def fail(msg):
    FAILED.append(msg)
    print("    FAIL: " + msg)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def key(group):
    return json.dumps(group or {}, sort_keys=True)


def figures(s):
    """(sli, budget remaining, 1h burn) of one eval or API entry."""
    p = s["windows"].get(s["period"]) or s["windows"].get("period") or {}
    h = s["windows"].get("1h") or {}
    return (p.get("sli"), (s.get("error_budget") or {}).get("remaining_ratio"), h.get("burn_rate"))


def close(a, b, exact):
    if a is None or b is None:
        return a is None and b is None
    if exact:
        return abs(a - b) <= 1e-6 * max(1.0, abs(b))
    return abs(a - b) <= PROMQL_TOL * max(1.0, abs(b))


def main():
    binp, cfg, base, mode, end = sys.argv[1:]
    end = int(end)
    exact = mode != "promql"
    now = get(base + "/api/v1/slos")["data"]
    names = sorted({s["name"] for s in now})
    periods = {s["name"]: s["period_seconds"] for s in now}
    points = {}  # (name, group key) -> reconstructed points
    for name in names:
        h = get("%s/api/v1/slos/%s/history" % (base, name))["data"]
        for series in h["series"]:
            pts = series["points"]
            rec = [p for p in pts if p.get("reconstructed")]
            live = [p["time"] for p in pts if not p.get("reconstructed")]
            label = name + (" " + key(series.get("group")) if series.get("group") else "")
            if not rec:
                fail("%s: no reconstructed point" % label)
                continue
            points[(name, key(series.get("group")))] = rec
            off = [p["time"] for p in rec if p["time"] % HOUR != 0]
            if off:
                fail("%s: reconstructed points off the hour: %s" % (label, off[:3]))
            near = [p["time"] for p in rec if any(abs(p["time"] - t) < HOUR for t in live)]
            if near:
                fail("%s: reconstructed points within an hour of a live one: %s" % (label, near[:3]))
            keep = min(max(periods[name], 7 * DAY), 93 * DAY)
            oldest = rec[0]["time"]
            # A group without data has no instance (as live): a grouped SLO's
            # points begin with the data (END - 4 days) at the latest.
            begin = max(rec[-1]["time"] - keep, end - 4 * DAY)
            if oldest > begin + 3 * HOUR:
                fail("%s: reconstructed from %d only, want from %d" % (label, oldest, begin))
            print("    %s: %d reconstructed points from %d, %d live" % (
                label, len(rec), oldest, len(live)))
    # Compare with eval at a few times inside the data.
    times = sorted({p["time"] for rec in points.values() for p in rec
                    if end - 90 * HOUR < p["time"] <= end})
    picks = [times[i * (len(times) - 1) // 4] for i in range(5)] if len(times) >= 5 else times
    early = sorted({p["time"] for rec in points.values() for p in rec
                    if p["time"] < end - 4 * DAY - 2 * HOUR})
    picks += early[-1:]
    worst = 0.0
    compared = 0
    for t in sorted(set(picks)):
        out = subprocess.run([binp, "eval", "--config.file=" + cfg, "--at=%d" % t],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail("eval --at=%d: exit %d: %s" % (t, out.returncode, out.stderr[:300]))
            continue
        for s in json.loads(out.stdout)["slos"]:
            rec = points.get((s["name"], key(s.get("group"))))
            if rec is None:
                continue
            p = [x for x in rec if x["time"] == t]
            if not p:
                continue
            got = (p[0]["sli"], p[0]["budget_remaining"], p[0]["burn_rate_1h"])
            want = figures(s)
            compared += 1
            for what, a, b in zip(("sli", "budget_remaining", "burn_rate_1h"), got, want):
                if a is not None and b is not None:
                    worst = max(worst, abs(a - b) / max(1.0, abs(b)))
                if not close(a, b, exact):
                    fail("%s %s at %d: %s reconstructed %s, eval %s" % (
                        s["name"], key(s.get("group")), t, what, a, b))
    print("    %d points compared with eval at %d times; largest difference %.3g (%s)" % (
        compared, len(set(picks)), worst, "float32" if exact else "promql sums of hours"))
    if compared == 0:
        fail("no point compared")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
