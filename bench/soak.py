#!/usr/bin/env python3
"""The load soak (make soak; bench/soak.sh sets up the Prometheus).

    soak.py BIN PROM_URL WORKDIR

PROM_URL serves tests/data/gen.py's data. One daemon in promql mode with
SOAK_SLOS SLOs (default 1000, tests/data/many_slos.py) evaluating every
SOAK_INTERVAL (default 30s), for SOAK_TIME (900, 15m, 1h; default 1h):
  - two scrapers, one on /metrics and one on /api/v1/slos, keep-alive, back
    to back, or SOAK_SCRAPE requests/s in all when set;
  - every SOAK_RELOAD seconds (default 60) the config file is replaced,
    alternately by the N-SLO and the (N-1)-SLO config, and SIGHUP asks for
    the reload (SOAK_RELOAD_VIA=http: POST /-/reload, 200 or 202 accepted);
  - every 5 s the daemon's VmRSS.
Prints the samples once a minute and a summary: after a warm-up of
SOAK_TIME/6 (at most 300 s), the mean RSS of the first and of the last third
of the remaining samples; fails (exit 1) when the last is more than
SOAK_RSS_GROWTH percent (default 10) above the first, on a failed scrape or
reload, or when the daemon exits. The RSS follows the snapshot's size (a
/metrics of 6.7 MB with every figure, of a few KB without): every 30 s the
slo_burn_rate series on /metrics are counted (their medians in the first
and last thirds are printed), and a run where the daemon skipped SLO
evaluations after the warm-up (a machine so loaded that rounds of
evaluations outlast the interval, and figures expire after 5) fails as
not comparable.
"""
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import env_int, free_port, get, status_kib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MANY = os.path.join(HERE, "..", "tests", "data", "many_slos.py")


def seconds(text):
    m = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if m is None:
        sys.exit("soak: SOAK_TIME=%s: give seconds or 15m, 1h" % text)
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


class Scraper(threading.Thread):
    def __init__(self, port, path, pause, stop):
        super().__init__(daemon=True)
        self.port, self.path, self.pause, self.stop = port, path, pause, stop
        self.ok = self.bad = 0
        self.last_error = None

    def run(self):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", self.path)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    self.ok += 1
                else:
                    self.bad += 1
                    self.last_error = "HTTP %d" % r.status
            except (OSError, http.client.HTTPException) as e:
                self.bad += 1
                self.last_error = str(e)
                conn = None
                time.sleep(0.5)
            if self.pause:
                time.sleep(self.pause)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, url, work = sys.argv[1:4]
    total = seconds(os.environ.get("SOAK_TIME") or "1h")
    n = env_int("SOAK_SLOS", 1000)
    reload_every = env_int("SOAK_RELOAD", 60)
    rate = float(os.environ.get("SOAK_SCRAPE") or 0)
    interval = os.environ.get("SOAK_INTERVAL") or "30s"
    growth_max = float(os.environ.get("SOAK_RSS_GROWTH") or 10)
    via = os.environ.get("SOAK_RELOAD_VIA") or "signal"
    cfgs = []
    for k in (n, n - 1):
        path = os.path.join(work, "soak-%d.yaml" % k)
        subprocess.run([sys.executable, MANY, "--slos", str(k), "--url", url, "--out", path,
                        "--interval", interval], check=True)
        cfgs.append(path)
    cfg = os.path.join(work, "slos.yaml")
    shutil.copy(cfgs[0], cfg)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    log_path = os.path.join(work, "daemon.log")
    log = open(log_path, "w")
    p = subprocess.Popen([binary, "--config.file=" + cfg,
                          "--web.listen-address=127.0.0.1:%d" % port],
                         stdout=log, stderr=subprocess.STDOUT)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("soak: terminated"))
    stop = threading.Event()
    scrapers = []
    fails = []
    try:
        deadline = time.monotonic() + 300
        while get(base + "/-/ready")[0] != 200:
            if p.poll() is not None or time.monotonic() > deadline:
                sys.exit("soak: the daemon did not get ready:\n" + open(log_path).read()[-2000:])
            time.sleep(0.5)
        pause = 2.0 / rate if rate > 0 else 0
        scrapers = [Scraper(port, path, pause, stop) for path in ("/metrics", "/api/v1/slos")]
        for s in scrapers:
            s.start()
        print("soak: %d SLOs, interval %s, promql mode against %s; scrapes of /metrics and "
              "/api/v1/slos %s; a reload every %d s (%s; N and N-1 SLOs in turn); %d s"
              % (n, interval, url, "back to back" if rate <= 0 else "%.0f/s" % rate,
                 reload_every, "POST /-/reload" if via == "http" else "SIGHUP", total),
              flush=True)
        t0 = time.monotonic()
        samples = []
        figures = []
        next_figures = t0
        warm = min(300.0, total / 6.0)
        log_at_warm = None
        reloads = reload_bad = 0
        next_reload = t0 + reload_every
        next_print = t0 + 60
        while True:
            now = time.monotonic()
            if now - t0 >= total:
                break
            if p.poll() is not None:
                fails.append("the daemon exited (%d)" % p.returncode)
                break
            rss = status_kib(p.pid, "VmRSS")
            samples.append((now - t0, rss))
            if log_at_warm is None and now - t0 >= warm:
                log_at_warm = os.path.getsize(log_path)
            if now >= next_reload:
                reloads += 1
                tmp = cfg + ".tmp"
                shutil.copy(cfgs[reloads % 2], tmp)
                os.replace(tmp, cfg)
                if via == "http":
                    try:
                        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                        c.request("POST", "/-/reload")
                        r = c.getresponse()
                        r.read()
                        if r.status not in (200, 202):
                            reload_bad += 1
                    except (OSError, http.client.HTTPException):
                        reload_bad += 1
                else:
                    p.send_signal(signal.SIGHUP)
                next_reload += reload_every
            if now >= next_figures:
                code, text = get(base + "/metrics", 60)
                if code == 200:
                    figures.append((now - t0, len(re.findall(r"^slo_burn_rate\{", text, re.M))))
                next_figures += 30
            if now >= next_print:
                print("  %5.0f s  RSS %6d KiB  scrapes %d  reloads %d"
                      % (now - t0, rss, sum(s.ok for s in scrapers), reloads), flush=True)
                next_print += 60
            time.sleep(5)
        hwm = status_kib(p.pid, "VmHWM")
    finally:
        stop.set()
        for s in scrapers:
            s.join(40)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()
    if not samples:
        sys.exit("soak: no RSS sample")
    body = [(t, r) for t, r in samples if t >= warm and r is not None]
    if len(body) < 6:
        sys.exit("soak: too few RSS samples (%d) after the %.0f s warm-up" % (len(body), warm))
    third = len(body) // 3
    first, last = body[:third], body[-third:]
    mean_first = sum(r for _, r in first) / len(first)
    mean_last = sum(r for _, r in last) / len(last)
    growth = 100.0 * (mean_last - mean_first) / mean_first
    print("soak: %d s, %d scrapes (%d failed), %d reloads (%d failed), peak RSS %s KiB"
          % (total, sum(s.ok for s in scrapers), sum(s.bad for s in scrapers), reloads,
             reload_bad, hwm))
    print("soak: RSS after the %.0f s warm-up: first third %.0f KiB (max %d), last third "
          "%.0f KiB (max %d): %+.1f%% (limit %+.0f%%)"
          % (warm, mean_first, max(r for _, r in first), mean_last, max(r for _, r in last),
             growth, growth_max))
    with open(log_path) as f:
        f.seek(log_at_warm or 0)
        skipped = sum(int(m) for m in re.findall(r"skipped=(\d+)", f.read()))

    def median(v):
        v = sorted(v)
        return str(v[len(v) // 2]) if v else "none sampled"

    fig1 = median(f for t, f in figures if first[0][0] <= t <= first[-1][0])
    fig3 = median(f for t, f in figures if last[0][0] <= t <= last[-1][0])
    print("soak: slo_burn_rate series (median) in the first third %s, in the last %s; SLO "
          "evaluations skipped after the warm-up: %d" % (fig1, fig3, skipped))
    if skipped:
        fails.append("the daemon skipped %d SLO evaluations after the warm-up, so figures "
                     "expired and came back: RSS not comparable; a quieter machine, fewer SLOs "
                     "or a longer SOAK_INTERVAL" % skipped)
    elif growth > growth_max:
        fails.append("RSS of the last third %.1f%% above the first third" % growth)
    for s in scrapers:
        if s.bad:
            fails.append("%d scrapes of %s failed (last: %s)" % (s.bad, s.path, s.last_error))
    if reload_bad:
        fails.append("%d reloads failed" % reload_bad)
    with open(log_path) as f:
        odd = [ln.strip() for ln in f if re.search(r"level=error", ln)]
    fails += ["the daemon logged: %s" % ln for ln in odd[:3]]
    if fails:
        print("soak: FAILED:\n  " + "\n  ".join(fails))
        sys.exit(1)
    print("soak: passed")


if __name__ == "__main__":
    main()
