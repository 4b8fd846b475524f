#!/usr/bin/env python3
"""Per-instance cost of a grouped SLO in api_read mode: sidecar CPU per
evaluation and memory per group instance, at several group counts.

    bench_groups.py BIN WORKDIR STEPS N1 N2 ...
    bench_groups.py --burst BIN WORKDIR N
    bench_groups.py --daemon BIN WORKDIR EVALS N1 N2 ...

For each N: bench/fakeapi.py serves N namespaces (two counter series each,
one sample every 30 s from ten minutes before A); `eval --at=A
--until=A+STEPS*30s` runs one 30d events SLO grouped by ns (max_groups
100000) in api_read mode, the first evaluation backfilling, the STEPS
after it incremental as in the daemon (eval prints every instance's
figures each step, as the daemon renders them). Sidecar CPU per step from
the first line to the end, divided by STEPS; RSS after the last step.
Printed: CPU per step and its ratio to the previous N (each doubling of N
should cost at most 2.2x: n log n or better), RSS, and RSS per instance
between consecutive Ns. Fails when an eval fails or reports another number
of instances than N.

--burst: memory after a burst of N short-lived groups. fakeapi.py serves N
namespaces for one hour, then only the first; `eval` of a 1d SLO grouped by
ns at a 1h interval walks 3 days and 4 hours past the burst (the state
forgets series silent for longer than the longest window, 3d, plus an
hour). VmRSS is read after every evaluation: the peak, the last, and the
last of the same walk with the one lasting group alone (the floor).

--daemon: the same SLO as the first form in the daemon (30 s interval):
its CPU over EVALS evaluations after the first, from /proc, includes what
eval does not (the snapshot, /metrics and API pages, history) and RSS.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_capacity import Run  # noqa: E402
from benchlib import free_port, get, proc_cpu, status_kib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def start_fake(args):
    """bench/fakeapi.py with args after the port, once it answers: (process, port)."""
    port = free_port()
    fake = subprocess.Popen([sys.executable, os.path.join(HERE, "fakeapi.py"), str(port)] +
                            [str(x) for x in args])
    for _ in range(100):
        if get("http://127.0.0.1:%d/" % port, timeout=1)[0] != 0:
            break
        time.sleep(0.1)
    return fake, port


def grouped_config(path, port, interval, period):
    """One SLO grouped by ns over fakeapi.py's counters, api_read mode."""
    with open(path, "w") as f:
        f.write("global:\n  interval: %s\n  prometheus: {url: 'http://127.0.0.1:%d', "
                "mode: api_read, timeout: 300s}\nslos:\n  - name: g\n    service: s\n"
                "    objective: 99\n    period: %s\n    group_by: [ns]\n"
                "    max_groups: 100000\n    sli:\n      events:\n"
                "        error: 'r_total{code=~\"5..\"}'\n        total: 'r_total'\n"
                % (interval, port, period))
    return path


def burst_run(binary, work, n):
    """(peak VmRSS, last VmRSS) in KiB of the burst walk with n groups."""
    a = int(time.time()) // 3600 * 3600 - 7 * 86400
    fake, port = start_fake([n, a - 3600, a + 3600])
    cfg = grouped_config(os.path.join(work, "burst-%d.yaml" % n), port, "1h", "1d")
    until = a + 3 * 86400 + 4 * 3600
    peak = last = 0
    try:
        p = subprocess.Popen([binary, "eval", "--config.file=" + cfg, "--at=%d" % a,
                              "--until=%d" % until], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        lines = 0
        for _ in p.stdout:
            lines += 1
            with open("/proc/%d/status" % p.pid) as st:
                for ln in st:
                    if ln.startswith("VmRSS:"):
                        last = int(ln.split()[1])
                        peak = max(peak, last)
        if p.wait() != 0 or lines != (until - a) // 3600 + 1:
            sys.exit("bench_groups: burst walk with %d groups failed (%d lines)" % (n, lines))
    finally:
        fake.kill()
        fake.wait()
    return peak, last


def burst(binary, work, n):
    peak, last = burst_run(binary, work, n)
    _, floor = burst_run(binary, work, 1)
    print("burst of %d short-lived groups (1 lasting), api_read, 1d SLO at 1h, walked 3d4h "
          "past the burst:" % n)
    print("  VmRSS peak %.1f MiB, at the end %.1f MiB; the lasting group alone %.1f MiB; "
          "%.1f%% of the burst's memory still held"
          % (peak / 1024.0, last / 1024.0, floor / 1024.0,
             100.0 * (last - floor) / (peak - floor) if peak > floor else 0))


def evaluations(base):
    """slo_sidecar_evaluations_total{result="success"} of the daemon, or 0."""
    code, text = get(base + "/metrics", timeout=20)
    if code != 200:
        return 0
    for line in text.splitlines():
        if line.startswith('slo_sidecar_evaluations_total{result="success"}'):
            return float(line.split()[-1])
    return 0


def daemon(binary, work, evals, ns):
    rows = []
    for n in ns:
        fake, port = start_fake([n, int(time.time()) - 600])
        cfg = grouped_config(os.path.join(work, "daemon-%d.yaml" % n), port, "30s", "30d")
        web = free_port()
        p = subprocess.Popen([binary, "--config.file=" + cfg,
                              "--web.listen-address=127.0.0.1:%d" % web],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = "http://127.0.0.1:%d" % web
        try:
            deadline = time.monotonic() + 120 + 60 * evals
            while evaluations(base) < 1:
                if p.poll() is not None or time.monotonic() > deadline:
                    sys.exit("bench_groups: the daemon with %d groups did not evaluate" % n)
                time.sleep(0.5)
            e0, c0 = evaluations(base), proc_cpu(p.pid)
            while evaluations(base) < e0 + evals:
                if p.poll() is not None or time.monotonic() > deadline:
                    sys.exit("bench_groups: the daemon with %d groups stopped evaluating" % n)
                time.sleep(0.5)
            e1, c1 = evaluations(base), proc_cpu(p.pid)
            rss = status_kib(p.pid, "VmRSS")
        finally:
            p.terminate()
            p.wait()
            fake.kill()
            fake.wait()
        rows.append((n, (c1 - c0) / (e1 - e0), rss))
    print("daemon, api_read, one 30d SLO grouped by ns, 30s interval; CPU over %d evaluations "
          "after the first (evaluation, snapshot, pages)" % evals)
    print("  %8s %18s %12s %10s" % ("groups", "sidecar CPU ms/eval", "x previous", "RSS MiB"))
    for i, (n, cpu, rss) in enumerate(rows):
        x = "%.2fx" % (cpu / rows[i - 1][1]) if i and rows[i - 1][1] > 0 else ""
        print("  %8d %18.1f %12s %10.1f" % (n, 1000 * cpu, x, rss / 1024.0))


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "--daemon":
        daemon(sys.argv[2], sys.argv[3], int(sys.argv[4]), [int(x) for x in sys.argv[5:]])
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--burst":
        burst(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    binary, work, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ns = [int(x) for x in sys.argv[4:]]
    a = int(time.time()) // 30 * 30 - 3600
    rows = []
    for n in ns:
        fake, port = start_fake([n, a - 600])
        try:
            cfg = grouped_config(os.path.join(work, "groups-%d.yaml" % n), port, "30s", "30d")
            r = Run(binary, cfg, fake.pid, a, a + steps * 30)
        finally:
            fake.kill()
            fake.wait()
        if r.instances != n:
            sys.exit("bench_groups: %d instances reported for %d groups" % (r.instances, n))
        rows.append((n, r.per_step()[2], r.rss))
    print("api_read, one 30d SLO grouped by ns; %d incremental steps after the backfill" % steps)
    print("  %8s %18s %12s %10s %16s" % ("groups", "sidecar CPU ms/step", "x previous", "RSS MiB",
                                        "KiB per instance"))
    worst = 0.0
    for i, (n, cpu, rss) in enumerate(rows):
        x = cpu / rows[i - 1][1] if i and rows[i - 1][1] > 0 else 0
        if i and n == 2 * rows[i - 1][0]:
            worst = max(worst, x)
        per = (rss - rows[i - 1][2]) / (n - rows[i - 1][0]) if i else float("nan")
        print("  %8d %18.1f %12s %10.1f %16s" % (n, 1000 * cpu, "%.2fx" % x if i else "",
                                                 rss / 1024.0, "%.1f" % per if i else ""))
    if worst:
        print("  worst doubling: %.2fx (limit 2.2x)" % worst)
        if worst > 2.2:
            sys.exit("bench_groups: a doubling of the groups cost %.2fx" % worst)


if __name__ == "__main__":
    main()
