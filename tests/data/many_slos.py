#!/usr/bin/env python3
"""A config with many SLOs over tests/data/gen.py's series, for the load
benchmark (bench/bench_load.py) and the HTTP abuse test
(tests/integration/test_http_abuse.sh).

    many_slos.py --slos N --url PROM_URL --out FILE [--interval 2s] [--mode promql]

Mixes the SLI kinds the exporter renders differently, one SLO in four of
each: events by errors over checkout's requests, events by good requests,
latency over search's histogram (thresholds cycling over its bounds), and
events over the api job's counters. Periods cycle over 1d, 7d, 28d, 30d and
objectives over 99, 99.5, 99.9, so the rendered values differ; every SLO
has its own name and a `shard` label. Standard library only; the output
depends only on the arguments.
"""
import argparse

PERIODS = ["1d", "7d", "28d", "30d"]
OBJECTIVES = ["99", "99.5", "99.9"]
THRESHOLDS = ["0.1", "0.25", "0.5", "1"]
INSTANCES = ['', ',instance="a"', ',instance="b"']


def sli(i):
    inst = INSTANCES[(i // 4) % len(INSTANCES)]
    kind = i % 4
    if kind == 0:
        return ("      events:\n"
                "        error: 'http_requests_total{job=\"checkout\",code=~\"5..\"%s}'\n"
                "        total: 'http_requests_total{job=\"checkout\"%s}'\n" % (inst, inst))
    if kind == 1:
        return ("      events:\n"
                "        good: 'http_requests_total{job=\"checkout\",code!~\"5..\"%s}'\n"
                "        total: 'http_requests_total{job=\"checkout\"%s}'\n" % (inst, inst))
    if kind == 2:
        return ("      latency:\n"
                "        histogram: 'http_request_duration_seconds{job=\"search\"%s}'\n"
                "        threshold: %s\n" % (inst, THRESHOLDS[(i // 4) % len(THRESHOLDS)]))
    return ("      events:\n"
            "        error: 'api_errors_total{job=\"api\"}'\n"
            "        total: 'api_requests_total{job=\"api\"}'\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slos", type=int, required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", default="2s")
    ap.add_argument("--mode", default="promql", choices=["promql", "remote_read"])
    ap.add_argument("--timeout", default="20s")
    a = ap.parse_args()
    kinds = ["errors", "good", "latency", "api"]
    with open(a.out, "w") as f:
        f.write("global:\n  interval: %s\n  prometheus: {url: %s, mode: %s, timeout: %s}\n"
                "  labels: {cluster: many}\nslos:\n" % (a.interval, a.url, a.mode, a.timeout))
        for i in range(a.slos):
            f.write("  - name: many-%05d-%s\n    service: svc-%03d\n    objective: %s\n"
                    "    period: %s\n    labels: {shard: \"%d\"}\n    sli:\n%s"
                    % (i, kinds[i % 4], i // 10, OBJECTIVES[i % len(OBJECTIVES)],
                       PERIODS[(i // 2) % len(PERIODS)], i % 16, sli(i)))


if __name__ == "__main__":
    main()
