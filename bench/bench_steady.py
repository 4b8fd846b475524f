#!/usr/bin/env python3
"""Cost to Prometheus of one evaluation at steady state: remote_read and
api_read mode (incremental) against promql mode, same SLO, same instants,
same run.

    bench_steady.py BIN PROM_PID A STEPS ROUNDS NAME=CONFIG[@BIN2]... [--check-fresh]

Every NAME=CONFIG is a config whose global.interval is 30s; the first must be
promql mode (the baseline), the others remote_read or api_read (the exact,
incremental engine; they are measured alike). CONFIG@BIN2 runs that
contender with another binary (say one built from an earlier commit, to
compare before and after in the same run). A is a multiple of 30;
the K = STEPS instants measured are A + i*30s, i = 1..K.

remote_read and api_read, each round: `eval --at=A --until=A+K*30s`
(line-buffered with stdbuf), i.e. the first evaluation, which backfills the whole period, then K
incremental steps exactly as the daemon does them. Each JSON line is printed
when its evaluation ends, so the run is split at the first line: the
Prometheus CPU, the wall time and the sidecar's CPU from the first line to
the end, divided by K, are the steady-state cost of one step; before the
first line is the backfill. The brief's alternative, the same run minus a
separate `eval --at=A` run (the backfill alone), is run too and printed as a
cross-check: it carries the run-to-run noise of the backfill, which is large
next to the steps.
promql, each round: `eval --at=... --until=...` over one share (K/ROUNDS) of
the same K instants; promql mode keeps no state, so every instant is a full
evaluation (`sum(increase(SEL[30d]))` and the shorter windows, batched);
over the rounds every instant is evaluated once.
The runs of a round go in a rotated order.

Prometheus CPU: utime+stime of its process from /proc/PID/stat (10 ms ticks,
hence totals over all rounds divided by the evaluations). Its background
work (idle CPU, printed) is not subtracted. The sidecar's wall time runs from
process start (or the first line) to exit; its CPU from /proc/PID/stat at
the first line and the child's rusage at exit.
The backfill is also given in promql evaluations' worth (its Prometheus CPU
over one promql evaluation's). Per round, the ratio promql / step (promql:
that round's share of instants; the step: that round's full run) is printed
too, its min..max being the run-to-run spread.
Fails when a run fails or prints fewer JSON lines than evaluations. With
--check-fresh, also compares each incremental config's counts at A+K*30s
with a fresh (backfilling) `eval` at that instant.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import proc_cpu  # noqa: E402


class Run:
    """One eval process, split at its first JSON line."""

    def __init__(self, binary, cfg, prom, at, until=None):
        cmd = ["stdbuf", "-oL", binary, "eval", "--config.file=" + cfg, "--at=%d" % at]
        if until is not None:
            cmd.append("--until=%d" % until)
        want = 1 if until is None else (until - at) // 30 + 1
        with tempfile.TemporaryFile() as err:
            p0, w0 = proc_cpu(prom), time.monotonic()
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
            lines = [p.stdout.readline()]
            p1, w1 = proc_cpu(prom), time.monotonic()
            try:
                c1 = proc_cpu(p.pid)
            except OSError:
                c1 = None           # already gone: a one-evaluation run
            lines += p.stdout.read().splitlines()
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            p2, w2 = proc_cpu(prom), time.monotonic()
            err.seek(0)
            msg = err.read().decode(errors="replace")
        c2 = ru.ru_utime + ru.ru_stime
        if until is None:
            lines = [b"".join(lines)] if lines[0] else []
        lines = [ln for ln in lines if ln.strip()]
        if p.returncode != 0 or len(lines) != want or msg.strip():
            sys.exit("bench_steady: FAILED: %s: exit %d, %d of %d evaluations\n%s"
                     % (" ".join(cmd[2:]), p.returncode, len(lines), want, msg[-2000:]))
        self.lines = lines
        self.total = (p2 - p0, w2 - w0, c2)           # Prometheus CPU, wall, sidecar CPU
        if c1 is None:
            c1 = c2
        self.first = (p1 - p0, w1 - w0, c1)
        self.rest = (p2 - p1, w2 - w1, c2 - c1)


def counts(line):
    """The event counts of every SLO and window of one eval JSON document."""
    out = {}
    for s in json.loads(line)["slos"]:
        for w, v in s["windows"].items():
            out[(s["name"], w)] = (v["good"], v["bad"], v["total"])
    return out


def add(acc, v):
    for i in range(3):
        acc[i] += v[i]


def main():
    args = [a for a in sys.argv[1:] if a != "--check-fresh"]
    check = len(args) != len(sys.argv) - 1
    if len(args) < 6:
        sys.exit(__doc__)
    binary, prom, at, steps, rounds = args[0], int(args[1]), int(args[2]), int(args[3]), \
        int(args[4])
    cfgs = [a.split("=", 1) for a in args[5:]]
    bins = {}
    for c in cfgs:
        if "@" in c[1]:
            c[1], bins[c[0]] = c[1].rsplit("@", 1)
    rr = [n for n, _ in cfgs[1:]]
    cfg = dict(cfgs)
    if at % 30 or steps % rounds:
        sys.exit("bench_steady: A must be a multiple of 30 and STEPS of ROUNDS")
    until = at + steps * 30
    share = steps // rounds
    idle0, t0 = proc_cpu(prom), time.monotonic()
    time.sleep(3)
    idle = (proc_cpu(prom) - idle0) / (time.monotonic() - t0)

    base = [0.0, 0.0, 0.0]
    step = {n: [0.0, 0.0, 0.0] for n in rr}       # after the first line of full runs
    back = {n: [0.0, 0.0, 0.0] for n in rr}       # before it (the backfill)
    full = {n: [0.0, 0.0, 0.0] for n in rr}       # whole full runs
    alone = {n: [0.0, 0.0, 0.0] for n in rr}      # separate first-only runs
    alone_cpu = {n: [] for n in rr}               # their Prometheus CPU, run by run
    last = {}
    base_r = []                                   # per round: promql CPU per evaluation
    step_r = {n: [] for n in rr}                  # per round: Prometheus CPU per step
    back_r = {n: [] for n in rr}                  # per round: Prometheus CPU of the backfill
    for r in range(rounds):
        jobs = [("promql", None)] + [(n, k) for n in rr for k in ("alone", "full")]
        jobs = jobs[r % len(jobs):] + jobs[:r % len(jobs)]
        for name, kind in jobs:
            if kind is None:
                a = at + (r * share + 1) * 30
                run = Run(binary, cfgs[0][1], prom, a, a + (share - 1) * 30)
                add(base, run.total)
                base_r.append(run.total[0] / share)
            elif kind == "alone":
                run = Run(bins.get(name, binary), cfg[name], prom, at)
                add(alone[name], run.total)
                alone_cpu[name].append(run.total[0])
            else:
                run = Run(bins.get(name, binary), cfg[name], prom, at, until)
                add(step[name], run.rest)
                add(back[name], run.first)
                add(full[name], run.total)
                step_r[name].append(run.rest[0] / steps)
                back_r[name].append(run.first[0])
                last[name] = run.lines[-1]

    def ms(x):
        return 1000.0 * x

    b = [x / steps for x in base]
    print("per evaluation: K=%d instants %s .. %s, every 30s; %d rounds; Prometheus idle "
          "%.1f ms CPU per s (not subtracted)"
          % (steps, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at + 30)),
             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until)), rounds, ms(idle)))
    print("  %-38s %12s %10s %16s %15s" % ("", "Prom CPU ms", "x promql", "sidecar wall ms",
                                            "sidecar CPU ms"))
    print("  %-38s %12.1f %10.4f %16.1f %15.1f" % (cfgs[0][0] + ": full evaluation", ms(b[0]),
                                                 1.0, ms(b[1]), ms(b[2])))
    for name in rr:
        d = [x / (rounds * steps) for x in step[name]]
        print("  %-38s %12.2f %10.4f %16.2f %15.2f" % (name + ": incremental step", ms(d[0]),
                                                     d[0] / b[0] if b[0] else 0, ms(d[1]),
                                                     ms(d[2])))
    for name in rr:
        f = [x / rounds for x in back[name]]
        print("  %-38s %12.1f %10.4f %16.1f %15.1f" % (name + ": first evaluation (backfill)",
                                                     ms(f[0]), f[0] / b[0] if b[0] else 0,
                                                     ms(f[1]), ms(f[2])))
    print("  (x promql of a first evaluation: its backfill in promql evaluations' worth)")
    for name in rr:
        d = step[name][0] / (rounds * steps)
        if d > 0:
            per = [p / q if q > 0 else float("inf") for p, q in zip(base_r, step_r[name])]
            bk = [q / p if p > 0 else float("inf") for p, q in zip(base_r, back_r[name])]
            print("  Prometheus CPU per evaluation, %s / %s: %.0fx (rounds: %s); backfill: %.2f "
                  "promql evaluations (rounds: %s)"
                  % (cfgs[0][0], name, b[0] / d, ", ".join("%.0fx" % x for x in per),
                     back[name][0] / rounds / b[0] if b[0] else 0,
                     ", ".join("%.2f" % x for x in bk)))
    for name in rr:
        x = [(full[name][i] - alone[name][i]) / (rounds * steps) for i in range(3)]
        spread = max(alone_cpu[name]) - min(alone_cpu[name])
        print("  cross-check, %s step = (full run - separate first-only run) / K: Prometheus "
              "CPU %.2f ms, wall %.2f ms, sidecar CPU %.2f ms (the first-only runs' Prometheus "
              "CPU spread over %.0f ms: +-%.1f ms per step)"
              % (name, ms(x[0]), ms(x[1]), ms(x[2]), ms(spread), ms(spread) / steps))
    bad = 0
    if check:
        for name in rr:
            fresh = counts(Run(bins.get(name, binary), cfg[name], prom, until).lines[0])
            inc = counts(last[name])
            diff = [k for k in fresh if fresh[k] != inc.get(k)]
            if diff:
                bad = 1
                print("  MISMATCH: %s incremental counts at %d differ from a fresh eval: %s"
                      % (name, until, "; ".join("%s %s: %s vs %s" % (k[0], k[1], inc.get(k),
                                                                       fresh[k])
                                                for k in diff[:4])))
            else:
                print("  check: %s incremental counts at the last instant == a fresh eval's "
                      "(%d windows)" % (name, len(fresh)))
    sys.exit(bad)


if __name__ == "__main__":
    main()
