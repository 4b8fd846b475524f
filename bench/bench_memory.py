#!/usr/bin/env python3
"""Memory and checkpoint size per SLO of the daemon in remote_read mode at
steady state.

    bench_memory.py BIN PROM_URL WORKDIR NSLOS EVALS PODS [BASE_BIN]

Runs two daemons side by side against the same Prometheus, both remote_read
mode, interval 30s, with a state file: one with a single SLO (the
baseline) and one with NSLOS SLOs, each of period 30d over the series of
one pod of bench/gen_many.py's data (error: the pod's 2 5xx series, total:
its 4 series; SLO i uses pod i modulo PODS). With BASE_BIN (a binary built
from an earlier commit) two more daemons run it alike, at the same time,
for a before/after comparison in the same run.
Bytes written per SLO per hour: the state file's size per SLO times the
checkpoints an hour at the default global.state_checkpoint_interval (5m);
slo_sidecar_state_written_bytes_total, where the binary has it, is printed
as a cross-check of what was written during the run. Once both are ready (/-/ready) and have done EVALS
evaluations (slo_sidecar_evaluations_total / SLOs; the first one backfills
30 days, the rest are incremental), reads VmRSS (and VmHWM, the peak) from
/proc/PID/status and the state file sizes, then stops both (SIGTERM).
Per SLO = (value with NSLOS SLOs - value with 1) / (NSLOS - 1).
Fails when a daemon exits, is not ready in time or an evaluation fails.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, get, status_kib  # noqa: E402


def write_config(path, url, n, state, pods):
    with open(path, "w") as f:
        f.write("global:\n  interval: 30s\n  state_file: %s\n"
                "  prometheus: {url: %s, mode: remote_read, timeout: 60s}\nslos:\n" % (state, url))
        for i in range(1, n + 1):
            pod = "p%04d" % ((i - 1) % pods + 1)
            f.write("  - name: pod-%s\n    service: bench\n    objective: 99.5\n"
                    "    period: 30d\n    sli:\n      events:\n"
                    "        error: 'http_requests_total{job=\"bench\",pod=\"%s\","
                    "code=~\"5..\"}'\n"
                    "        total: 'http_requests_total{job=\"bench\",pod=\"%s\"}'\n"
                    % ("%s-%d" % (pod, i), pod, pod))


class Daemon:
    def __init__(self, binary, work, url, n, pods, tag):
        self.n = n
        self.tag = tag
        self.cfg = os.path.join(work, "mem-%s-%d.yaml" % (tag, n))
        self.state = os.path.join(work, "mem-%s-%d.state" % (tag, n))
        self.log = os.path.join(work, "mem-%s-%d.log" % (tag, n))
        write_config(self.cfg, url, n, self.state, pods)
        self.base = "http://127.0.0.1:%d" % free_port()
        with open(self.log, "w") as log:
            self.p = subprocess.Popen([binary, "--config.file=" + self.cfg,
                                       "--web.listen-address=" + self.base[7:]],
                                      stdout=log, stderr=subprocess.STDOUT)

    def evaluations(self):
        """(successful, failed) evaluations, per SLO."""
        code, text = get(self.base + "/metrics")
        if code != 200:
            return 0, 0
        ok = bad = 0.0
        for m in re.finditer(r'^slo_sidecar_evaluations_total\{[^}]*result="(\w+)"[^}]*\} (\S+)',
                             text, re.M):
            if m.group(1) == "success":
                ok += float(m.group(2))
            else:
                bad += float(m.group(2))
        return ok / self.n, bad / self.n

    def written(self):
        """slo_sidecar_state_written_bytes_total{file="state"}, or None."""
        code, text = get(self.base + "/metrics")
        m = re.search(r'^slo_sidecar_state_written_bytes_total\{file="state"\} (\S+)', text, re.M)
        return float(m.group(1)) if code == 200 and m else None

    def check_alive(self):
        if self.p.poll() is not None:
            with open(self.log) as f:
                tail = f.read()[-2000:]
            sys.exit("bench_memory: the daemon with %d SLOs exited (%d):\n%s"
                     % (self.n, self.p.returncode, tail))

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def main():
    if len(sys.argv) not in (7, 8):
        sys.exit(__doc__)
    binary, url, work, n, evals, pods = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    bins = [("this", binary)] + ([("base", sys.argv[7])] if len(sys.argv) == 8 else [])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench_memory: terminated"))
    daemons = []
    try:
        t0 = time.monotonic()
        for tag, b in bins:
            daemons += [Daemon(b, work, url, 1, pods, tag), Daemon(b, work, url, n, pods, tag)]
        deadline = t0 + 120 + 30 * (evals + 1) + n * 0.5
        ready = {}
        while True:
            done = True
            for d in daemons:
                d.check_alive()
                key = (d.tag, d.n)
                if key not in ready:
                    if get(d.base + "/-/ready")[0] == 200:
                        ready[key] = time.monotonic() - t0
                    else:
                        done = False
                        continue
                ok, bad = d.evaluations()
                if bad:
                    sys.exit("bench_memory: evaluations failed in the %s daemon with %d SLOs; "
                             "see its log:\n%s" % (d.tag, d.n, open(d.log).read()[-2000:]))
                done = done and ok >= evals
            if done:
                break
            if time.monotonic() > deadline:
                sys.exit("bench_memory: the daemons did not reach %d evaluations in time"
                         % evals)
            time.sleep(0.5)
        # The state file is written at the first ticks and then every 5m:
        # wait until both daemons of a binary have one.
        while not all(os.path.exists(d.state) for d in daemons):
            if time.monotonic() > deadline + 120:
                sys.exit("bench_memory: no state file written")
            time.sleep(0.5)
        res = {}
        for d in daemons:
            res[(d.tag, d.n)] = {"rss": status_kib(d.p.pid, "VmRSS"),
                                 "hwm": status_kib(d.p.pid, "VmHWM"),
                                 "state": os.path.getsize(d.state),
                                 "ev": d.evaluations()[0], "written": d.written()}
    finally:
        for d in daemons:
            d.stop()
    k = n - 1
    print("daemon, remote_read mode, interval 30s, period 30d, each SLO over 1 pod (4 series); "
          "read after >= %d evaluations; ready after %s"
          % (evals, ", ".join("%.1f s (%s, %d SLO%s)" % (ready[(t, m)], t, m, "s" if m > 1 else "")
                              for t, _ in bins for m in (1, n))))
    print("  %-44s %12s %12s %12s" % ("", "1 SLO", "%d SLOs" % n, "per SLO"))
    for tag, b in bins:
        one, many = res[(tag, 1)], res[(tag, n)]
        name = "" if len(bins) == 1 else " (%s: %s)" % (tag, os.path.basename(os.path.dirname(b))
                                                        or b)
        for label, key in (("VmRSS KiB", "rss"), ("VmHWM (peak RSS) KiB", "hwm"),
                           ("state file bytes", "state")):
            print("  %-44s %12d %12d %12.1f" % (label + name, one[key], many[key],
                                                (many[key] - one[key]) / k))
        per = (many["state"] - one["state"]) / k
        print("  %-44s %12s %12s %12.0f" % ("state bytes written per SLO per hour" + name,
                                             "", "", per * 12))
        if many["written"] is not None:
            print("  %-44s %12.0f %12.0f" % ("  slo_sidecar_state_written_bytes_total" + name,
                                             one["written"], many["written"]))
    print("  per SLO = (%d SLOs - 1 SLO) / %d; written per hour = state bytes per SLO x 12 "
          "checkpoints (the default 5m interval)" % (n, k))
    for d in daemons:
        with open(d.log) as f:
            odd = [ln.strip() for ln in f if re.search(r"level=(warn|error)", ln)]
        for ln in odd[:3]:
            print("  note: the %s daemon with %d SLO(s) logged: %s" % (d.tag, d.n, ln))


if __name__ == "__main__":
    main()
