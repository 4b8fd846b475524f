#!/usr/bin/env python3
"""Checks a 30-day, 1-minute time-slice SLO against the contract's slice rules.

    check_slices.py EXPECTED_JSON EVAL_JSON...

The SLO is SLICE_SLO below (the 30d twin of users-freshness, with its own
threshold); its config block is printed by `check_slices.py --config`, for
the tests to append to theirs. The data is regenerated with gen.py's seed,
step and days from EXPECTED_JSON (so the samples are the ones the stores
hold), and for each eval output (`slo-sidecar eval --format=json`, JSON
lines allowed) every window's good and total slices must equal
gen.exact_slices exactly: 43,200 slices for the period, most of them before
the data starts (no sample: bad).
Exit status 1 when anything differs.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import gen  # noqa: E402

SLICE_SLO = {"name": "users-sync-30d", "period": ("30d", 30 * gen.DAY), "slice": 60,
             "gauge": ("data_last_updated_timestamp", [("source", "=", "users")]),
             "age": True, "op": "<=", "value": 600}

CONFIG = """  - name: users-sync-30d
    service: users
    objective: 99
    period: 30d
    sli:
      timeslice:
        gauge: 'data_last_updated_timestamp{source="users"}'
        age: true
        op: "<="
        value: 600
        slice: 1m
"""


def main():
    if sys.argv[1:] == ["--config"]:
        sys.stdout.write(CONFIG)
        return 0
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    meta = json.load(open(sys.argv[1]))
    g = gen.Gen(meta["end"], (meta["end"] - meta["start"]) // gen.DAY, meta["step"],
                meta["seed"])
    g.freshness()
    series = gen.select(g, *SLICE_SLO["gauge"])
    wins = gen.ALERT_WINDOWS + [SLICE_SLO["period"]]
    fails = checked = 0
    for path in sys.argv[2:]:
        text = open(path).read()
        try:
            evs = [json.loads(text)]
        except ValueError:
            evs = [json.loads(line) for line in text.splitlines() if line.strip()]
        for ev in evs:
            T = ev["at"]
            s = {x["name"]: x for x in ev["slos"]}.get(SLICE_SLO["name"])
            if s is None:
                print("  FAIL: %s at %d: no %s" % (path, T, SLICE_SLO["name"]))
                fails += 1
                continue
            for wn, w in wins:
                good, total = gen.exact_slices(series, T, w, SLICE_SLO["slice"],
                                               SLICE_SLO["age"], SLICE_SLO["op"],
                                               SLICE_SLO["value"])
                fig = s["windows"].get(wn, {})
                if fig.get("good") != good or fig.get("total") != total:
                    print("  FAIL: %s at %d, window %s: good %s total %s, want %d and %d" %
                          (SLICE_SLO["name"], T, wn, fig.get("good"), fig.get("total"), good,
                           total))
                    fails += 1
                checked += 1
    print("  %s: %d windows checked against the exact slice counts, %d differ" %
          (SLICE_SLO["name"], checked, fails))
    return 1 if fails or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
