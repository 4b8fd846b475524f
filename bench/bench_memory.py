#!/usr/bin/env python3
"""Memory per SLO of the daemon in remote_read mode at steady state.

    bench_memory.py BIN PROM_URL WORKDIR NSLOS EVALS

Runs two daemons side by side against the same Prometheus, both remote_read
mode, interval 30s, with a state file: one with a single SLO (the
baseline) and one with NSLOS SLOs, each of period 30d over the series of
one pod of bench/gen_many.py's data (error: the pod's 2 5xx series, total:
its 4 series). Once both are ready (/-/ready) and have done EVALS
evaluations (slo_sidecar_evaluations_total / SLOs; the first one backfills
30 days, the rest are incremental), reads VmRSS (and VmHWM, the peak) from
/proc/PID/status and the state file sizes, then stops both (SIGTERM).
Per SLO = (value with NSLOS SLOs - value with 1) / (NSLOS - 1).
Fails when a daemon exits, is not ready in time or an evaluation fails.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
    except OSError:
        return 0, ""


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/status" % (field, pid))


def write_config(path, url, n, state):
    with open(path, "w") as f:
        f.write("global:\n  interval: 30s\n  state_file: %s\n"
                "  prometheus: {url: %s, mode: remote_read, timeout: 60s}\nslos:\n" % (state, url))
        for i in range(1, n + 1):
            pod = "p%04d" % i
            f.write("  - name: pod-%s\n    service: bench\n    objective: 99.5\n"
                    "    period: 30d\n    sli:\n      events:\n"
                    "        error: 'http_requests_total{job=\"bench\",pod=\"%s\","
                    "code=~\"5..\"}'\n"
                    "        total: 'http_requests_total{job=\"bench\",pod=\"%s\"}'\n"
                    % (pod, pod, pod))


class Daemon:
    def __init__(self, binary, work, url, n):
        self.n = n
        self.cfg = os.path.join(work, "mem-%d.yaml" % n)
        self.state = os.path.join(work, "mem-%d.state" % n)
        self.log = os.path.join(work, "mem-%d.log" % n)
        write_config(self.cfg, url, n, self.state)
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
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    binary, url, work, n, evals = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), \
        int(sys.argv[5])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench_memory: terminated"))
    daemons = []
    try:
        t0 = time.monotonic()
        daemons = [Daemon(binary, work, url, 1), Daemon(binary, work, url, n)]
        deadline = t0 + 60 + 30 * (evals + 1)
        ready = {}
        while True:
            done = True
            for d in daemons:
                d.check_alive()
                if d.n not in ready:
                    if get(d.base + "/-/ready")[0] == 200:
                        ready[d.n] = time.monotonic() - t0
                    else:
                        done = False
                        continue
                ok, bad = d.evaluations()
                if bad:
                    sys.exit("bench_memory: evaluations failed in the daemon with %d SLOs; "
                             "see its log:\n%s" % (d.n, open(d.log).read()[-2000:]))
                done = done and ok >= evals
            if done:
                break
            if time.monotonic() > deadline:
                sys.exit("bench_memory: the daemons did not reach %d evaluations in time"
                         % evals)
            time.sleep(0.5)
        rss = [status_kib(d.p.pid, "VmRSS") for d in daemons]
        hwm = [status_kib(d.p.pid, "VmHWM") for d in daemons]
        state = [os.path.getsize(d.state) if os.path.exists(d.state) else 0 for d in daemons]
        ev = [d.evaluations()[0] for d in daemons]
    finally:
        for d in daemons:
            d.stop()
    k = n - 1
    print("daemon, remote_read mode, interval 30s, period 30d, each SLO over 1 pod (4 series); "
          "read after >= %d evaluations (%.0f and %.0f done; ready after %.1f s and %.1f s)"
          % (evals, ev[0], ev[1], ready[1], ready[n]))
    print("  %-26s %14s %14s %14s" % ("", "1 SLO", "%d SLOs" % n, "per SLO"))
    print("  %-26s %14d %14d %14.1f" % ("VmRSS KiB", rss[0], rss[1], (rss[1] - rss[0]) / k))
    print("  %-26s %14d %14d %14.1f" % ("VmHWM (peak RSS) KiB", hwm[0], hwm[1],
                                        (hwm[1] - hwm[0]) / k))
    print("  %-26s %14d %14d %14.1f" % ("state file bytes", state[0], state[1],
                                        (state[1] - state[0]) / k))
    print("  per SLO = (%d SLOs - 1 SLO) / %d" % (n, k))
    for d in daemons:
        with open(d.log) as f:
            odd = [ln.strip() for ln in f if re.search(r"level=(warn|error)", ln)]
        for ln in odd[:3]:
            print("  note: the daemon with %d SLO(s) logged: %s" % (d.n, ln))


if __name__ == "__main__":
    main()
