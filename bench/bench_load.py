#!/usr/bin/env python3
"""HTTP load on a daemon with many SLOs while it keeps evaluating (make bench).

    bench_load.py BIN PROM_URL WORKDIR

PROM_URL serves tests/data/gen.py's data. Two daemons run side by side in
promql mode with a 2 s interval: one with LOAD_SLOS SLOs (default 1000) and
one with LOAD_BASE_SLOS (default 10), the baseline; the configs come from
tests/data/many_slos.py (events by errors and by good requests, latency over
a histogram, events over other counters). One evaluation of 1,000 SLOs takes
longer than the interval, so the big daemon evaluates back to back during
the whole benchmark, as one with a short interval and a slow Prometheus does.

`wrk` (LOAD_THREADS threads, default 2, and LOAD_CONNS connections, default
4, on loopback, keep-alive) runs LOAD_TIME seconds (default 20) per row:
  - /-/healthy (no rendering: the HTTP floor), /metrics and /api/v1/slos on
    the big daemon, then /metrics with one connection (scrapes one after the
    other, as a Prometheus scrapes: the time per scrape);
  - /metrics and /api/v1/slos on the baseline daemon.
A warm-up of 5 s per endpoint comes first; after the measured rows, /metrics
and /api/v1/slos run a second time on the big daemon to check that its RSS
does not keep growing.

Per row: requests/s, latency p50 and p99 (wrk's histogram, from its Lua
done() hook), the daemon's CPU per request (utime+stime from /proc over the
run, less its CPU rate while only evaluating, measured before), the
evaluations completed during the run, non-2xx answers and socket errors.
Ratios: CPU per request against /-/healthy and against the baseline daemon.
Fails (exit 1) on any non-2xx answer or socket error, a daemon that exits,
an evaluation failure, no evaluation of the big daemon completed during
the rows, an unexpected warn/error line in a daemon's log, or when the
second pass grows the big daemon's RSS by more than LOAD_RSS_GROWTH percent
(default 5). The RSS compared is the largest of samples taken every 0.2 s
during the /metrics and /api/v1/slos rows of each pass: a single reading
lands anywhere in the render-and-release cycle of pages of several MB
(a new snapshot up to 5 times a second during an evaluation), which moved
it by half between two readings of the same plateau. The comparison also
needs the same snapshot in both passes: the number of slo_burn_rate series
on /metrics is read before and after each pass, and a change of more than
2% fails the run as not comparable. That is what made the row flaky: when
a round of the 1,000 SLOs takes longer than 5 intervals (a loaded machine),
figures expire and come back, and /metrics went from 6.7 MB to 13 KB and
back between passes, the RSS with it. LOAD_INTERVAL (default 2s) sets the
big daemon's interval (10s keeps every figure on a slow machine).
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import env_int, free_port, get, proc_cpu, status_kib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MANY = os.path.join(HERE, "..", "tests", "data", "many_slos.py")

# Log lines this benchmark causes: the poller skipping ticks, and
# libmicrohttpd noting the responses wrk cuts off when its time is up.
EXPECTED_LOG = (r"evaluation took longer than the interval|Failed to send the response body"
                r"|closed by remote side with incomplete request")

LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d bytes=%d connect=%d read=%d " ..
    "write=%d status=%d timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


class Daemon:
    def __init__(self, binary, work, url, n, interval="2s"):
        self.n = n
        self.cfg = os.path.join(work, "load-%d.yaml" % n)
        self.log = os.path.join(work, "load-%d.log" % n)
        subprocess.run([sys.executable, MANY, "--slos", str(n), "--url", url, "--out", self.cfg,
                        "--interval", interval], check=True)
        self.base = "http://127.0.0.1:%d" % free_port()
        with open(self.log, "w") as log:
            self.p = subprocess.Popen([binary, "--config.file=" + self.cfg,
                                       "--web.listen-address=" + self.base[7:]],
                                      stdout=log, stderr=subprocess.STDOUT)

    def check(self):
        if self.p.poll() is not None:
            sys.exit("bench_load: the daemon with %d SLOs exited (%d):\n%s"
                     % (self.n, self.p.returncode, open(self.log).read()[-2000:]))

    def wait_ready(self, seconds):
        deadline = time.monotonic() + seconds
        while get(self.base + "/-/ready")[0] != 200:
            self.check()
            if time.monotonic() > deadline:
                sys.exit("bench_load: the daemon with %d SLOs was not ready in %d s"
                         % (self.n, seconds))
            time.sleep(0.5)

    def evaluations(self):
        """(evaluation cycles completed, their total seconds, failed SLO evaluations)."""
        code, text = get(self.base + "/metrics", 30)
        if code != 200:
            sys.exit("bench_load: /metrics answered %d" % code)
        count = float(re.search(r"^slo_sidecar_evaluation_duration_seconds_count (\S+)",
                                text, re.M).group(1))
        total = float(re.search(r"^slo_sidecar_evaluation_duration_seconds_sum (\S+)",
                                text, re.M).group(1))
        failed = float(re.search(r'^slo_sidecar_evaluations_total\{result="failure"\} (\S+)',
                                 text, re.M).group(1))
        return count, total, failed

    def rss(self):
        return status_kib(self.p.pid, "VmRSS")

    def figures(self):
        """slo_burn_rate series on /metrics: how much of the snapshot has figures."""
        code, text = get(self.base + "/metrics", 30)
        return len(re.findall(r"^slo_burn_rate\{", text, re.M)) if code == 200 else 0

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


class RssSampler(threading.Thread):
    """VmRSS of pid every 0.2 s, as (monotonic time, KiB)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.2):
            v = status_kib(self.pid, "VmRSS")
            if v is not None:
                self.samples.append((time.monotonic(), v))

    def peak(self, rows):
        """The largest sample taken during any of rows (each with t0, t1)."""
        return max((v for t, v in self.samples for r in rows if r["t0"] <= t <= r["t1"]),
                   default=0)


class Bench:
    def __init__(self, work):
        self.lua = os.path.join(work, "load-stats.lua")
        with open(self.lua, "w") as f:
            f.write(LUA)
        self.secs = env_int("LOAD_TIME", 20)
        self.conns = env_int("LOAD_CONNS", 4)
        self.threads = env_int("LOAD_THREADS", 2)
        self.idle_rate = {}
        self.rows = []

    def idle(self, d, seconds=5):
        """The daemon's CPU rate (s/s) while it only evaluates."""
        c0, t0 = proc_cpu(d.p.pid), time.monotonic()
        time.sleep(seconds)
        self.idle_rate[d.n] = (proc_cpu(d.p.pid) - c0) / (time.monotonic() - t0)

    def wrk(self, d, path, secs, conns=None, threads=None, label=None):
        conns = conns or self.conns
        threads = min(threads or self.threads, conns)
        e0 = d.evaluations()
        c0, t0 = proc_cpu(d.p.pid), time.monotonic()
        wall0 = t0
        out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % secs,
                              "--timeout", "30s", "-s", self.lua, d.base + path],
                             capture_output=True, text=True)
        cpu, wall = proc_cpu(d.p.pid) - c0, time.monotonic() - t0
        d.check()
        e1 = d.evaluations()
        m = re.search(r"^WRK (.*)$", out.stdout, re.M)
        if out.returncode != 0 or m is None:
            sys.exit("bench_load: wrk failed (%d):\n%s%s" % (out.returncode, out.stdout,
                                                             out.stderr))
        r = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
        r.update(path=path, slos=d.n, conns=conns, label=label or path,
                 t0=wall0, t1=wall0 + wall,
                 evals=e1[0] - e0[0], failed=e1[2] - e0[2],
                 cpu_ms=max(0.0, cpu - self.idle_rate.get(d.n, 0.0) * wall) * 1000
                 / max(r["requests"], 1))
        r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
        r["sock"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
        return r


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, url, work = sys.argv[1:4]
    n_big = env_int("LOAD_SLOS", 1000)
    n_small = env_int("LOAD_BASE_SLOS", 10)
    growth_max = float(os.environ.get("LOAD_RSS_GROWTH") or 5)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench_load: terminated"))
    b = Bench(work)
    daemons = []
    try:
        interval = os.environ.get("LOAD_INTERVAL") or "2s"
        big = Daemon(binary, work, url, n_big, interval)
        small = Daemon(binary, work, url, n_small)
        daemons = [big, small]
        for d in daemons:
            d.wait_ready(180)
        ev = big.evaluations()
        print("daemons: %d SLOs (one evaluation %.1f s, interval %s) and %d SLOs;"
              " wrk -t%d -c%d, %d s per row" % (n_big, ev[1] / max(ev[0], 1), interval, n_small,
                                                 b.threads, b.conns, b.secs))
        for d in daemons:
            b.idle(d)
        for path in ("/metrics", "/api/v1/slos"):
            b.wrk(big, path, 5)
        sampler = RssSampler(big.p.pid)
        sampler.start()
        rss = [("after warm-up", big.rss())]
        rows = [b.wrk(big, "/-/healthy", b.secs)]
        figs = [big.figures()]
        rows += [b.wrk(big, "/metrics", b.secs),
                 b.wrk(big, "/api/v1/slos", b.secs)]
        figs.append(big.figures())
        rows += [
                b.wrk(big, "/metrics", b.secs, 1, 1, "/metrics, 1 conn"),
                b.wrk(small, "/metrics", b.secs),
                b.wrk(small, "/api/v1/slos", b.secs)]
        rss.append(("after the measured rows", big.rss()))
        figs.append(big.figures())
        rows += [b.wrk(big, "/metrics", b.secs, label="/metrics, 2nd pass"),
                 b.wrk(big, "/api/v1/slos", b.secs, label="/api/v1/slos, 2nd pass")]
        figs.append(big.figures())
        rss.append(("after a second pass", big.rss()))
        sampler.stop.set()
        hwm = status_kib(big.p.pid, "VmHWM")
        sizes = {}
        for d in daemons:
            for path in ("/metrics", "/api/v1/slos"):
                sizes[(d.n, path)] = len(get(d.base + path, 30)[1].encode())
    finally:
        for d in daemons:
            d.stop()

    def ref(slos, path):
        return next(r for r in rows if r["slos"] == slos and r["label"] == path)

    health = ref(n_big, "/-/healthy")
    print()
    print("| endpoint | SLOs | conns | bytes | req/s | p50 ms | p99 ms | CPU ms/req "
          "| x /-/healthy | x %d SLOs | evals | non-2xx | socket errors |" % n_small)
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        size = sizes.get((r["slos"], r["path"]), len("slo-sidecar is Healthy.\n"))
        x_h = r["cpu_ms"] / health["cpu_ms"] if health["cpu_ms"] > 0 else float("nan")
        x_s = "-"
        if r["slos"] == n_big and r["path"] != "/-/healthy":
            base = ref(n_small, r["path"])
            x_s = "%.0f" % (r["cpu_ms"] / base["cpu_ms"]) if base["cpu_ms"] > 0 else "n/a"
        print("| %s | %d | %d | %d | %.1f | %.2f | %.2f | %.3f | %.0f | %s | %d | %d | %d |" % (
            r["label"], r["slos"], r["conns"], size, r["rps"], r["p50_us"] / 1000,
            r["p99_us"] / 1000, r["cpu_ms"], x_h, x_s, r["evals"], r["status"], r["sock"]))
    print()
    print("CPU ms/req: the daemon's CPU over the run less its CPU while only evaluating "
          "(%s), per request." % ", ".join("%.1f%% with %d SLOs" % (100 * b.idle_rate[n], n)
                                          for n in (n_big, n_small)))
    print("RSS of the %d-SLO daemon: %s; peak %d KiB" % (
        n_big, ", ".join("%d KiB %s" % (v, k) for k, v in rss), hwm))
    first = rows[1:3]
    second = rows[-2:]
    p1, p2 = sampler.peak(first), sampler.peak(second)
    growth = 100.0 * (p2 - p1) / p1 if p1 else 0.0
    fails = []
    print("second pass: peak RSS %d KiB against %d KiB in the first (/metrics and /api/v1/slos "
          "rows): %+.1f%% (limit %+.0f%%)" % (p2, p1, growth, growth_max))
    print("slo_burn_rate series of the %d-SLO daemon before and after each pass: %s"
          % (n_big, ", ".join(str(f) for f in figs)))
    if max(figs) > 1.02 * min(figs):
        fails.append("the snapshot changed during the passes (slo_burn_rate series %s): its "
                     "figures expire when a round of evaluations outlasts 5 intervals, so the "
                     "RSS is not comparable; rerun on a quieter machine or with LOAD_INTERVAL=10s"
                     % "/".join(str(f) for f in figs))
    elif growth > growth_max:
        fails.append("RSS grew %.1f%% over the second pass" % growth)
    for r in rows:
        if r["status"] or r["sock"]:
            fails.append("%s (%d SLOs): %d non-2xx, %d socket errors"
                         % (r["label"], r["slos"], r["status"], r["sock"]))
        if r["failed"]:
            fails.append("%d SLO evaluations failed during %s" % (r["failed"], r["label"]))
    if sum(r["evals"] for r in rows if r["slos"] == n_big) < 1:
        fails.append("the %d-SLO daemon completed no evaluation under load" % n_big)
    for d in daemons:
        with open(d.log) as f:
            odd = [ln.strip() for ln in f if re.search(r"level=(warn|error)", ln)
                   and not re.search(EXPECTED_LOG, ln)]
        fails += ["the daemon with %d SLOs logged: %s" % (d.n, ln) for ln in odd[:3]]
    if fails:
        print("bench_load: FAILED:\n  " + "\n  ".join(fails))
        sys.exit(1)


if __name__ == "__main__":
    main()
