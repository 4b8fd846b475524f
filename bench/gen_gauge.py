#!/usr/bin/env python3
"""A freshness gauge for the time-slice benchmark (make bench, bench_slices.py).

    gen_gauge.py --end END --days D --scrape S --series N --out DIR [--seed N]

writes one OpenMetrics file per 2-hour TSDB block slot, DIR/SLOT.om (as
gen_many.py does, so promtool backfills in linear time), for

    data_last_updated_timestamp{job="bench",source="src01".."srcN"}

one sample every S seconds per series from END - D days to END (END a
multiple of 60, unix seconds), each series at its own scrape offset. The
value is the unix time of the source's last successful update: normally
every 60 to 240 s (so its age, sample time minus value, stays under 300 s);
about once a day an update stalls for 5 to 90 minutes (the age grows past
300 s: bad slices), and about once in three days the exporter is not scraped
for 2 to 10 minutes (slices without samples: bad). Integer values and
timestamps.

Prints "samples SAMPLES series N first T0 last T1" on stdout. Only the Python
standard library is used; the output depends only on the arguments.
"""
import argparse
import os
import random

BLOCK = 7200


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--end", type=int, required=True)
    ap.add_argument("--days", type=float, required=True)
    ap.add_argument("--scrape", type=int, default=15)
    ap.add_argument("--series", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    if a.end % 60 != 0 or a.scrape <= 0 or not 0 < a.series <= 99:
        ap.error("END must be a multiple of 60, SCRAPE > 0, 0 < SERIES <= 99")
    rnd = random.Random(a.seed)
    start = a.end - int(a.days * 86400)
    os.makedirs(a.out, exist_ok=True)
    rows = {}   # block slot -> rows (small data: kept in memory, written at the end)
    n = 0
    first = last = None
    for k in range(a.series):
        key = 'data_last_updated_timestamp{job="bench",source="src%02d"}' % (k + 1)
        offset = (k * 7 + 3) % a.scrape
        updated = start - rnd.randrange(60, 240)
        next_update = updated + rnd.randrange(60, 241)
        stall_until = gap_until = start - 1
        t = start - (start % a.scrape) + offset
        if t < start:
            t += a.scrape
        while t <= a.end:
            # Updates happen between scrapes; a stall holds them back.
            while next_update <= t:
                if next_update > stall_until:
                    updated = next_update
                    if rnd.random() < 150.0 / 86400:
                        stall_until = updated + rnd.randrange(300, 5401)
                    next_update = updated + rnd.randrange(60, 241)
                else:
                    next_update = stall_until + rnd.randrange(1, 61)
            if t > gap_until and rnd.random() < a.scrape / (3 * 86400.0):
                gap_until = t + rnd.randrange(120, 601)
            if t > gap_until:
                rows.setdefault(t // BLOCK, []).append("%s %d %d\n" % (key, updated, t))
                n += 1
                first = t if first is None else min(first, t)
                last = t if last is None else max(last, t)
            t += a.scrape
    for s, r in rows.items():
        with open(os.path.join(a.out, "%07d.om" % s), "w") as f:
            f.write("# TYPE data_last_updated_timestamp gauge\n")
            f.write("".join(r))      # series by series, each in time order
            f.write("# EOF\n")
    print("samples %d series %d first %d last %d" % (n, a.series, first, last))


if __name__ == "__main__":
    main()
