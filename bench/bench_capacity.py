#!/usr/bin/env python3
"""Capacity of one sidecar: 1,000 SLOs over many series, both modes, and
sharded replicas (make bench; `ONLY=capacity make bench` runs it alone).

    bench_capacity.py BIN PROM_PID PROM_URL WORKDIR A PODS

PROM_URL serves bench/gen_many.py's data made with --histogram over PODS
pods (per pod 4 counters http_requests_total{job="bench",pod,code} and a
histogram http_request_duration_seconds{job="bench",pod} with le 0.25, 0.5,
1, +Inf). The config (written to WORKDIR, interval 30s) has CAP_SLOS SLOs
(default 1000), period CAP_PERIOD (default 7d), objectives cycling over 99,
99.5, 99.9; by SLO index i, in tenths:
  - 4/10 events by errors over one pod: error {pod=P,code=~"5.."}, total {pod=P};
  - 2/10 events by good requests over a code subset of one pod:
    good {pod=P,code="200"}, total {pod=P,code=~"200|5.."};
  - 3/10 latency over one pod's histogram, threshold 0.25, 0.5 or 1;
  - 1/10 grouped, `group_by: [pod]` over the 20 pods of two decades
    (pod=~"p0DD.|p0EE."), events by errors and latency in turn: 20 groups each.
The pod P of SLO i is (i + i // PODS) mod PODS + 1, so the kinds of SLOs
over one pod differ. Same config in promql mode and in remote_read mode
(read_response chunks).

Every run is one `eval` process (line-buffered, one JSON line per
evaluation, like bench_steady.py), run alone, in this order:
  - promql: `eval --at=A+30 --until=A+E*30` (E = CAP_PROMQL_EVALS, default
    2): every evaluation is a full one; per evaluation = run / E;
  - remote_read: `eval --at=A --until=A+K*30` (K = CAP_STEPS, default 20):
    the first line is the first evaluation (backfill of the period), the
    rest / K one incremental step at steady state;
  - the same two with `--shard=I/N` for each I (N = CAP_SHARDS, default 2):
    each replica alone, so its Prometheus CPU is its own.
Measured: wall time per evaluation, Prometheus CPU (utime+stime from
/proc/PROM_PID/stat, idle not subtracted; its idle rate is printed), the
sidecar's CPU (from /proc at the first line, the child's rusage at exit),
its VmRSS and peak RSS VmHWM (read from /proc each time a line arrives; the
last ones read, the last line coming as the process ends; not the child's
ru_maxrss, which after exec also counts the forking Python's RSS). `eval` does not render /metrics or the
API pages as the daemon does; bench_load.py measures those.
Ratios: remote_read against promql; each replica against unsharded.
Then the capacity estimate at 30s and 60s intervals (linear in the SLOs:
sidecar CPU per evaluation per SLO; printed apart from the measured point).
Fails when a run fails, writes to stderr or prints fewer lines than
evaluations.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import env_int, proc_cpu, status_kib  # noqa: E402

OBJECTIVES = ["99", "99.5", "99.9"]
THRESHOLDS = ["0.25", "0.5", "1"]


def sli(i, pods):
    pod = "p%04d" % ((i + i // pods) % pods + 1)
    kind = i % 10
    if kind < 4:
        return ("      events:\n"
                "        error: 'http_requests_total{job=\"bench\",pod=\"%s\",code=~\"5..\"}'\n"
                "        total: 'http_requests_total{job=\"bench\",pod=\"%s\"}'\n" % (pod, pod))
    if kind < 6:
        return ("      events:\n"
                "        good: 'http_requests_total{job=\"bench\",pod=\"%s\",code=\"200\"}'\n"
                "        total: 'http_requests_total{job=\"bench\",pod=\"%s\",code=~\"200|5..\"}'\n"
                % (pod, pod))
    if kind < 9:
        return ("      latency:\n"
                "        histogram: 'http_request_duration_seconds{job=\"bench\",pod=\"%s\"}'\n"
                "        threshold: %s\n" % (pod, THRESHOLDS[(i // 10) % len(THRESHOLDS)]))
    j = i // 10
    decades = max(pods // 10, 1)
    sel = 'pod=~"p0%02d.|p0%02d."' % ((2 * j) % decades, (2 * j + 1) % decades)
    if j % 2 == 0:
        return ("    group_by: [pod]\n    sli:\n      events:\n"
                "        error: 'http_requests_total{job=\"bench\",%s,code=~\"5..\"}'\n"
                "        total: 'http_requests_total{job=\"bench\",%s}'\n" % (sel, sel))
    return ("    group_by: [pod]\n    sli:\n      latency:\n"
            "        histogram: 'http_request_duration_seconds{job=\"bench\",%s}'\n"
            "        threshold: %s\n" % (sel, THRESHOLDS[(j // 2) % len(THRESHOLDS)]))


def write_config(path, url, mode, n, pods, period):
    extra = ", read_response: chunks" if mode == "remote_read" else ""
    with open(path, "w") as f:
        f.write("global:\n  interval: 30s\n"
                "  prometheus: {url: %s, mode: %s%s, timeout: 300s}\nslos:\n" % (url, mode, extra))
        for i in range(n):
            body = sli(i, pods)
            if not body.startswith("    group_by"):
                body = "    sli:\n" + body
            f.write("  - name: cap-%05d\n    service: svc-%03d\n    objective: %s\n"
                    "    period: %s\n%s" % (i, i // 10, OBJECTIVES[i % len(OBJECTIVES)], period,
                                           body))


class Run:
    """One eval process, split at its first JSON line."""

    def __init__(self, binary, cfg, prom, at, until, shard=None):
        cmd = ["stdbuf", "-oL", binary, "eval", "--config.file=" + cfg, "--at=%d" % at,
               "--until=%d" % until]
        if shard:
            cmd.append("--shard=" + shard)
        self.label = " ".join(cmd[3:])
        want = (until - at) // 30 + 1
        self.rss = None
        with tempfile.TemporaryFile() as err:
            p0, w0 = proc_cpu(prom), time.monotonic()
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
            first = p.stdout.readline()
            p1, w1 = proc_cpu(prom), time.monotonic()
            try:
                c1 = proc_cpu(p.pid)
            except OSError:
                c1 = None
            self.rss = status_kib(p.pid, "VmRSS")
            self.hwm = status_kib(p.pid, "VmHWM")
            lines = [first]        # only the count and the last one are kept
            while True:
                ln = p.stdout.readline()
                if not ln:
                    break
                if lines[-1].strip():
                    lines[-1] = b"-\n"    # counted, no longer kept
                lines.append(ln)
                r, h = status_kib(p.pid, "VmRSS"), status_kib(p.pid, "VmHWM")
                if r is not None and h is not None:
                    self.rss, self.hwm = r, h
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            p2, w2 = proc_cpu(prom), time.monotonic()
            err.seek(0)
            msg = err.read().decode(errors="replace")
        c2 = ru.ru_utime + ru.ru_stime
        lines = [ln for ln in lines if ln.strip()]
        if p.returncode != 0 or len(lines) != want or msg.strip():
            sys.exit("bench_capacity: FAILED: %s: exit %d, %d of %d evaluations\n%s"
                     % (self.label, p.returncode, len(lines), want, msg[-2000:]))
        doc = json.loads(lines[-1])
        self.instances = len(doc["slos"])
        self.names = len({s["name"] for s in doc["slos"]})
        self.evals = want
        if c1 is None:
            c1 = c2
        self.total = (p2 - p0, w2 - w0, c2)            # Prometheus CPU, wall, sidecar CPU
        self.first = (p1 - p0, w1 - w0, c1)
        self.rest = (p2 - p1, w2 - w1, c2 - c1)

    def per_eval(self):
        return [x / self.evals for x in self.total]

    def per_step(self):
        return [x / (self.evals - 1) for x in self.rest]


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    binary, prom, url, work, at, pods = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    n = env_int("CAP_SLOS", 1000)
    period = os.environ.get("CAP_PERIOD") or "7d"
    steps = env_int("CAP_STEPS", 20)
    pevals = env_int("CAP_PROMQL_EVALS", 2)
    shards = env_int("CAP_SHARDS", 2)
    if at % 30:
        sys.exit("bench_capacity: A must be a multiple of 30")
    cfg = {}
    for mode in ("promql", "remote_read"):
        cfg[mode] = os.path.join(work, "cap-%s.yaml" % mode)
        write_config(cfg[mode], url, mode, n, pods, period)
    idle0, t0 = proc_cpu(prom), time.monotonic()
    time.sleep(3)
    idle = (proc_cpu(prom) - idle0) / (time.monotonic() - t0)

    t_start = time.monotonic()
    pq_at, pq_until = at + 30, at + pevals * 30
    rr_until = at + steps * 30

    def runs(shard=None):
        return (Run(binary, cfg["promql"], prom, pq_at, pq_until, shard),
                Run(binary, cfg["remote_read"], prom, at, rr_until, shard))

    base = runs()
    sharded = [runs("%d/%d" % (i, shards)) for i in range(shards)]
    elapsed = time.monotonic() - t_start

    def ms(x):
        return "%.1f" % (1000.0 * x)

    def mib(k):
        return "%.1f" % (k / 1024.0) if k is not None else "-"

    pq, rr = base
    print("%d SLOs (%d SLO instances with the groups), period %s, over %d pods (%d series); "
          "interval 30s; Prometheus idle %.1f ms CPU per s (not subtracted); runs took %.0f s"
          % (pq.names, pq.instances, period, pods, 9 * pods, 1000 * idle, elapsed))
    print("instants: promql %d full evaluations at %s..; remote_read first evaluation at %s "
          "then %d incremental steps"
          % (pevals, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(pq_at)),
             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)), steps))
    print()
    print("| run | SLOs (instances) | wall ms / eval | Prometheus CPU ms / eval | x promql "
          "| sidecar CPU ms / eval | x promql | VmRSS MiB | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    pb = pq.per_eval()

    def row(label, r, v, ref):
        xp = "%.4f" % (v[0] / ref[0]) if ref[0] > 0 else "n/a"
        xc = "%.4f" % (v[2] / ref[2]) if ref[2] > 0 else "n/a"
        print("| %s | %d (%d) | %s | %s | %s | %s | %s | %s | %s |"
              % (label, r.names, r.instances, ms(v[1]), ms(v[0]), xp, ms(v[2]), xc,
                 mib(r.rss), mib(r.hwm)))

    row("promql, full evaluation", pq, pb, pb)
    row("remote_read, incremental step", rr, rr.per_step(), pb)
    row("remote_read, first evaluation (backfill)", rr, rr.first, pb)
    print()
    print("sharded, %d replicas, each alone; x = against the unsharded run of the same mode:"
          % shards)
    print()
    print("| replica | mode | SLOs (instances) | wall ms / eval | x | Prometheus CPU ms / eval "
          "| x | sidecar CPU ms / eval | x | peak RSS MiB | x |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def srow(label, mode, r, v, ref, ref_r):
        def x(a, b):
            return "%.2f" % (a / b) if b > 0 else "n/a"
        print("| %s | %s | %d (%d) | %s | %s | %s | %s | %s | %s | %s | %s |"
              % (label, mode, r.names, r.instances, ms(v[1]), x(v[1], ref[1]), ms(v[0]),
                 x(v[0], ref[0]), ms(v[2]), x(v[2], ref[2]), mib(r.hwm), x(r.hwm, ref_r.hwm)))

    for i, (spq, srr) in enumerate(sharded):
        srow("%d/%d" % (i, shards), "promql", spq, spq.per_eval(), pb, pq)
    for i, (spq, srr) in enumerate(sharded):
        srow("%d/%d" % (i, shards), "remote_read step", srr, srr.per_step(), rr.per_step(), rr)
    for i, (spq, srr) in enumerate(sharded):
        srow("%d/%d" % (i, shards), "remote_read backfill", srr, srr.first, rr.first, rr)
    for mode, get, ref in (("promql", lambda t: t[0].per_eval(), pb),
                           ("remote_read step", lambda t: t[1].per_step(), rr.per_step())):
        tot = [sum(get(t)[k] for t in sharded) for k in range(3)]
        print("  sum over the %d replicas, %s: Prometheus CPU %.2fx, sidecar CPU %.2fx the "
              "unsharded; slowest replica's wall %.2fx"
              % (shards, mode, tot[0] / ref[0] if ref[0] else 0, tot[2] / ref[2] if ref[2] else 0,
                 max(get(t)[1] for t in sharded) / ref[1] if ref[1] else 0))

    print()
    print("capacity (one core = 1 s of CPU per s; the measured point, then the linear estimate):")
    for interval in (30, 60):
        for mode, v in (("promql", pb), ("remote_read", rr.per_step())):
            side = v[2] / interval
            per_slo = v[2] / pq.names
            est = interval / per_slo if per_slo > 0 else float("inf")
            wall_est = interval / (v[1] / pq.names) if v[1] > 0 else float("inf")
            prom_est = interval / (v[0] / pq.names) if v[0] > 0 else float("inf")
            print("  interval %ds, %s: measured %d SLOs (%d instances): sidecar %.2f%% of a core, "
                  "Prometheus %.2f%% of a core, evaluation %.2f s (%.1f%% of the interval); "
                  "linear estimate: %.0f SLOs of this mix per sidecar core (CPU), %.0f before "
                  "the evaluation outlasts the interval (wall), %.0f per Prometheus core"
                  % (interval, mode, pq.names, pq.instances, 100 * side, 100 * v[0] / interval,
                     v[1], 100 * v[1] / interval, est, wall_est, prom_est))
    print("  remote_read first evaluation (backfill, once per start without a state file): "
          "%.1f s wall, sidecar %.1f s CPU, Prometheus %.1f s CPU"
          % (rr.first[1], rr.first[2], rr.first[0]))


if __name__ == "__main__":
    main()
