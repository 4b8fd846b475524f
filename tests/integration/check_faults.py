#!/usr/bin/env python3
"""Drives a running slo-sidecar daemon through backend faults and checks how
it fails and recovers. Used by test_faults.sh.

  check_faults.py episodes --kind promql|remote_read|api_read --metrics URL --log FILE
        --control URL --bin BIN --config CFG --direct-config CFG --slo NAME
        --interval S --timeout S --faults F1,F2,... [--long F]
      For each fault F, an episode: the proxy (faultproxy.py, control URL)
      switches to F (F1+F2: to F1, then to F2 without recovering between);
      once the daemon has failed, `eval` through the proxy is run; after at
      least two failed evaluations (per cause) the proxy goes back to pass
      and the daemon must recover by itself. The long fault is held until the SLO's series are
      gone. Then a blip (blip503: two 503s, then pass), which the retries
      must hide entirely, and `eval` through the proxy in mode ctype-header
      (the genuine answer under a wrong Content-Type).
  check_faults.py outage --daemon KIND,METRICS,LOG,SLO [--daemon ...]
        --interval S --timeout S --stop CMD --start CMD
      The same checks around a real outage: CMD stop stops Prometheus, CMD
      start starts it again (on the same port and data).

Checked for every episode (metrics scraped every 0.2 s the whole time):
  - slo_sidecar_evaluations_total{result="failure"} grows (>= 2 failed
    evaluations per episode), and no evaluation succeeds while the fault lasts;
  - slo_sidecar_backend_up is 0 in every scrape from the first failure on;
  - the cause is logged once per change: exactly one `msg="SLO evaluation
    failed"` line for the SLO per cause (whatever the number of failed
    evaluations), its err naming the cause (a regex per fault and mode), and
    exactly one `msg="SLO evaluation recovered"` line after them (the outage
    may log a second cause, Prometheus' 503 while starting, but never the same
    one twice in a row);
  - nothing is fabricated: every scrape that shows the SLO's series with a
    given slo_last_evaluation_timestamp_seconds shows exactly the same
    figures (so figures shown while failing are the last good ones, never new
    values), and the last evaluation timestamp does not move past the switch;
  - figures shown while failing are kept at most 5 intervals after the first
    failed evaluation (which is the one an interval after the last good one),
    plus the evaluation's own duration (<= timeout) and 1 s; for the long
    fault they must vanish (all series of the SLO) and stay gone;
  - recovery without help: within 2 intervals (+ timeout + 1 s) of the switch
    back (after the outage: 20 s, Prometheus has to start first), backend_up
    1, a new evaluation timestamp and the figures back;
  - `eval` through the proxy during the fault: exit 2, nothing on stdout, a
    stderr line naming the SLO, the URL and the cause (the same regex); in
    api_read mode the sample limit's 422 must have been split down to the
    smallest piece (a minute) before eval gives up (its 1h period is first
    asked in one piece);
  - retries: slo_sidecar_backend_retries_total grows by at least one per
    failed evaluation for the faults that are retried (refused, reset, the
    outage; their messages end with "(after 3 attempts)") and does not move
    for the others (timeouts, 500, bad bodies; 429's Retry-After is past the
    timeout, which its message says);
  - the blip: two 503s cost no failed evaluation, no log line and no
    backend_up 0, and add exactly 2 to slo_sidecar_backend_retries_total.
Prints "  ok: ..." and "  FAIL: ..." lines; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

# The cause each fault must be named by, in the log and in eval's stderr.
CAUSES = {
    "promql": {
        "refused": r"/api/v1/query: connection refused \(after 3 attempts\)$",
        "reset": r"/api/v1/query: .*Connection reset by peer \(after 3 attempts\)$",
        "slow": r"/api/v1/query: timed out after 1s$",
        "slowbody": r"/api/v1/query: timed out after 1s",
        "http500": r"/api/v1/query: HTTP 500: internal: fault injected: storage unavailable",
        "http429": r"/api/v1/query: HTTP 429\b.*too many outstanding requests.*\(rate limited"
                   r".*\) \(not retried: Retry-After 7s is past the 1s timeout\)$",
        "truncated": r"/api/v1/query: transfer closed with \d+ bytes remaining to read",
        "html200": r"/api/v1/query: response is not JSON \(Content-Type \"text/html",
        "redirect": r"/api/v1/query: HTTP 302 redirect to http://127\.0\.0\.1:\d+/login",
        "ctype": r"/api/v1/query: response is not JSON \(Content-Type \"application/x-protobuf\"",
        "samplelimit": r"/api/v1/query: HTTP 422: execution: query processing would load too "
                       r"many samples into memory",
    },
    "remote_read": {
        "refused": r"/api/v1/read: connection refused \(after 3 attempts\)$",
        "reset": r"/api/v1/read: .*Connection reset by peer \(after 3 attempts\)$",
        "slow": r"/api/v1/read: timed out after 1s$",
        "slowbody": r"/api/v1/read: timed out after 1s",
        "http500": r"/api/v1/read: HTTP 500: \"fault injected: storage unavailable",
        "http429": r"/api/v1/read: HTTP 429: \"too many outstanding requests.*\(rate limited"
                   r".*\) \(not retried: Retry-After 7s is past the 1s timeout\)$",
        "truncated": r"/api/v1/read: transfer closed with \d+ bytes remaining to read",
        "html200": r"/api/v1/read: response is not a remote-read answer \(Content-Type "
                   r"\"text/html",
        "redirect": r"/api/v1/read: HTTP 302 redirect to http://127\.0\.0\.1:\d+/login",
        "ctype": r"/api/v1/read: response is not a remote-read answer \(Content-Type "
                 r"\"application/json\"",
        "badcrc": r"/api/v1/read: remote-read frame \d+ .*CRC32C mismatch",
        "cutframe": r"/api/v1/read: remote-read frame \d+ .*stream ended inside a frame",
        "samplelimit": r"/api/v1/read: HTTP 400: \"exceeded sample limit \(50000000\)",
    },
}
# api_read reads raw samples through the query API: the same transport
# failures as promql mode, except that a 422 for size makes it split the
# piece and ask again, down to the smallest piece (a minute at most), and
# only then fail, saying so; the pieces it did get are not counted.
CAUSES["api_read"] = dict(CAUSES["promql"], samplelimit=(
    r"^api_read: the store refuses even (\d+) ms of samples at a time \(raise its limit, or "
    r"lower read_max_samples\): POST http://127\.0\.0\.1:\d+/api/v1/query: HTTP 422: "
    r"execution: query processing would load too many samples into memory in query "
    r"execution$"))
# The smallest piece api_read splits a refused one down to (APIREAD_MIN_PIECE_MS).
API_READ_MIN_PIECE_MS = 60000
# A real outage: connection refused (through the proxy: its 502 naming the
# upstream's error), then possibly 503 while Prometheus starts (it answers
# that until ready).
OUTAGE = (r"/api/v1/(query|read): (connection refused \(after \d+ attempts\)$|"
          r"HTTP 502\b.*faultproxy: upstream|HTTP 503\b)")
# The faults whose requests are retried (transient: no answer at all); the
# others must not add to slo_sidecar_backend_retries_total. http429's
# Retry-After (7 s) is past the 1 s timeout: not retried either.
RETRIED = {"refused", "reset"}

FAILED = 0


def ok(msg):
    print("  ok: " + msg, flush=True)


def bad(msg):
    global FAILED
    FAILED = 1
    print("  FAIL: " + msg, flush=True)


SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$')


class Scrape:
    __slots__ = ("t", "up", "succ", "fail", "retries", "last", "figs", "err")

    def __init__(self, t):
        self.t = t              # when the request was sent (the snapshot is at least this old)
        self.up = None
        self.succ = None
        self.fail = None
        self.retries = None     # slo_sidecar_backend_retries_total
        self.last = None        # slo_last_evaluation_timestamp_seconds of the SLO
        self.figs = {}          # every series of the SLO: "name{labels}" -> value
        self.err = None


class Monitor:
    """Scrapes one daemon's /metrics every 0.2 s in a thread; reads its log."""

    def __init__(self, kind, metrics, log, slo, interval, timeout):
        self.kind = kind
        self.metrics = metrics
        self.logfile = log
        self.slo = slo
        self.iv = interval
        self.timeout = timeout
        self.scrapes = []
        self.lock = threading.Lock()
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        tag = 'slo="%s"' % self.slo
        while not self.stop:
            s = Scrape(time.time())
            try:
                with urllib.request.urlopen(self.metrics, timeout=3) as r:
                    text = r.read().decode()
                for line in text.splitlines():
                    m = SERIES.match(line)
                    if not m:
                        continue
                    name, labels, v = m.group(1), m.group(2) or "", m.group(3)
                    if name == "slo_sidecar_backend_up":
                        s.up = float(v)
                    elif name == "slo_sidecar_backend_retries_total":
                        s.retries = float(v)
                    elif name == "slo_sidecar_evaluations_total":
                        if 'result="success"' in labels:
                            s.succ = float(v)
                        elif 'result="failure"' in labels:
                            s.fail = float(v)
                    elif name.startswith("slo_") and not name.startswith("slo_sidecar_") \
                            and tag in labels:
                        s.figs[name + labels] = v
                        if name == "slo_last_evaluation_timestamp_seconds":
                            s.last = float(v)
            except (OSError, ValueError) as e:
                s.err = str(e)
            with self.lock:
                self.scrapes.append(s)
            time.sleep(max(0.0, s.t + 0.2 - time.time()))

    def latest(self):
        with self.lock:
            return self.scrapes[-1] if self.scrapes else None

    def index(self):
        with self.lock:
            return len(self.scrapes)

    def since(self, i, j=None):
        with self.lock:
            return [s for s in self.scrapes[i:j] if s.err is None]

    def wait(self, cond, seconds):
        """Waits until cond(latest good scrape) holds; returns the scrape or None."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            s = self.latest()
            if s is not None and s.err is None and cond(s):
                return s
            time.sleep(0.05)
        return None

    def log_size(self):
        return os.path.getsize(self.logfile)

    def log_since(self, off):
        with open(self.logfile, "rb") as f:
            f.seek(off)
            return f.read().decode("utf-8", "replace").splitlines()

    # -- the checks shared by every episode ----------------------------------
    def begin(self):
        """Waits for a healthy state; returns the baseline before a fault."""
        s = self.wait(lambda s: s.up == 1 and s.figs and s.fail is not None, 4 * self.iv + 5)
        if s is None:
            s = self.latest()
            bad("%s: not healthy before the episode (backend_up %s, %d series)" % (
                self.kind, s and s.up, len(s.figs) if s else 0))
        return {"scrape": s, "i": self.index(), "log": self.log_size(), "t": time.time()}

    def wait_failures(self, base, n):
        f0 = base["scrape"].fail or 0
        return self.wait(lambda s: s.fail is not None and s.fail >= f0 + n,
                         n * self.iv + self.timeout + 3)

    def wait_gone(self, seconds):
        return self.wait(lambda s: not s.figs, seconds)

    def end(self, base, t_back, i_back, name, causes, long_fault, allow_changes=False,
            recover_within=None, retried=None):
        """Waits for the recovery, then checks the episode [base, t_back).

        retried: True when the fault's requests are retried (the retries
        counter must grow), False when not (it must not move), None: unchecked.
        """
        iv = self.iv
        if recover_within is None:
            recover_within = 2 * iv + self.timeout + 1
        rec = self.wait(lambda s: s.up == 1 and s.figs and s.last is not None and
                        s.t > t_back, recover_within)
        during = self.since(base["i"], i_back)
        b = base["scrape"]
        f0, l0 = b.fail or 0, b.last
        t_sw = base["t"]
        what = "%s %s" % (self.kind, name)
        first = next((k for k, s in enumerate(during) if (s.fail or 0) > f0), None)
        if first is None:
            bad("%s: no failed evaluation counted while the fault lasted" % what)
            return
        nfail = (during[-1].fail or 0) - f0
        after = during[first:]
        if nfail >= 2 * len(causes):
            ok("%s: evaluations_total{result=\"failure\"} +%d" % (what, nfail))
        else:
            bad("%s: only %d failed evaluation(s) counted" % (what, nfail))
        ups = sorted({s.up for s in after})
        if ups == [0.0]:
            ok("%s: slo_sidecar_backend_up 0 in all %d scrapes after the first failure" %
               (what, len(after)))
        else:
            bad("%s: slo_sidecar_backend_up took %s after the first failure" % (what, ups))
        succ = sorted({s.succ for s in after})
        if len(succ) != 1:
            bad("%s: evaluations succeeded while the fault lasted (success %s)" % (what, succ))
        if retried is not None and b.retries is not None and during[-1].retries is not None:
            nretries = during[-1].retries - b.retries
            if retried and nretries >= nfail:
                ok("%s: slo_sidecar_backend_retries_total +%d (each failed evaluation retried)"
                   % (what, nretries))
            elif not retried and nretries == 0:
                ok("%s: not retried (slo_sidecar_backend_retries_total unchanged)" % what)
            else:
                bad("%s: slo_sidecar_backend_retries_total +%d over %d failed evaluations "
                    "(want %s)" % (what, nretries, nfail, ">= %d" % nfail if retried else "0"))
        lasts = sorted({s.last for s in during if s.last is not None})
        moved = [x for x in lasts if x > t_sw + 0.001]
        if moved:
            bad("%s: an evaluation at %s, after the switch at %.3f, published figures" % (
                what, moved, t_sw))
        # The last good evaluation while failing, and the first failed one after it.
        held = [s for s in after if s.figs]
        L = max(lasts) if lasts else l0
        limit = 5 * iv + self.timeout + 1.0     # after the first failed evaluation, L + iv
        ages = [s.t - L for s in held]
        late = [a for a in ages if a > iv + limit]
        gone = next((s for s in after if not s.figs), None)
        if late:
            bad("%s: figures of the evaluation at %.0f still shown %.1f s after it, %.1f s "
                "after the first failed evaluation (at most 5 intervals = %d s, +%.1f s)" % (
                    what, L, max(ages), max(ages) - iv, 5 * iv, limit - 5 * iv))
        elif held:
            ok("%s: last good figures kept %.1f s after the evaluation at %.0f (%d scrapes; "
               "at most 5 intervals after the first failed one)" % (what, max(ages), L,
                                                                   len(held)))
        if long_fault:
            if gone is None:
                bad("%s: the SLO's series never vanished (%.1f s after the last good "
                    "evaluation)" % (what, during[-1].t - L))
            else:
                back = [s for s in after if s.t > gone.t and s.figs]
                if back:
                    bad("%s: the SLO's series came back while still failing" % what)
                else:
                    ok("%s: all the SLO's series gone %.1f s after the last good evaluation "
                       "(%.1f s after the first failed one), and stayed gone" % (
                           what, gone.t - L, gone.t - L - iv))
        # Fabrication across the episode: every figure shown equals the last good one.
        if held and l0 == L and b.figs and any(s.figs != b.figs for s in held):
            bad("%s: figures changed while failing (not the last good ones)" % what)
        # The log: once per change.
        lines = self.log_since(base["log"])
        fails = [ln for ln in lines if 'msg="SLO evaluation failed"' in ln and
                 'slo=%s ' % self.slo in ln + " "]
        recs = [ln for ln in lines if 'msg="SLO evaluation recovered"' in ln and
                'slo=%s' % self.slo in ln]
        errs = [logfmt_err(ln) for ln in fails]
        if allow_changes:
            # Each logged line must say something new (a change of cause).
            wrong = [e for e in errs if not re.search(causes[0], e)]
            repeats = sum(1 for a, c in zip(errs, errs[1:]) if a == c)
            if wrong:
                bad("%s: logged cause %r does not match /%s/" % (what, wrong[0], causes[0]))
            elif not fails or repeats or len(fails) > 3:
                bad("%s: %d failure lines for %d failed evaluations, %d repeated: %s" % (
                    what, len(fails), nfail, repeats, errs))
            else:
                ok("%s: %d failed evaluations, cause logged %d time(s), once per change: %s" % (
                    what, nfail, len(fails), " | ".join(errs)))
        elif len(fails) != len(causes):
            bad("%s: %d failed evaluations, cause logged %d times (want %s): %s" % (
                what, nfail, len(fails),
                "once per episode" if len(causes) == 1 else "once per cause, %d" % len(causes),
                " | ".join(errs[:4])))
        else:
            wrong = [(e, c) for e, c in zip(errs, causes) if not re.search(c, e)]
            if wrong:
                bad("%s: logged cause %r does not match /%s/" % (what, wrong[0][0], wrong[0][1]))
            elif len(causes) == 1:
                ok("%s: %d failed evaluations, cause logged once: %s" % (what, nfail, errs[0]))
            else:
                ok("%s: %d failed evaluations, each of the %d causes logged once, in order" % (
                    what, nfail, len(causes)))
        if len(recs) == 1:
            ok("%s: recovery logged once" % what)
        else:
            bad("%s: %d \"SLO evaluation recovered\" lines (want 1)" % (what, len(recs)))
        if rec is None:
            s = self.latest()
            bad("%s: no recovery within %.0f s of the switch back (backend_up %s, %d series)" %
                (what, recover_within, s.up, len(s.figs)))
        else:
            ok("%s: recovered by itself %.1f s after the switch back (backend_up 1, figures "
               "of the evaluation at %.0f)" % (what, rec.t - t_back, rec.last))


def logfmt_err(line):
    m = re.search(r'\berr="((?:[^"\\]|\\.)*)"', line)
    if not m:
        m = re.search(r'\berr=(\S+)', line)
        return m.group(1) if m else ""
    return re.sub(r'\\(.)', r'\1', m.group(1))


def consistent(mon):
    """Across the whole run: one evaluation timestamp, one set of figures."""
    by = {}
    n = 0
    for s in mon.since(0):
        if s.last is None:
            if s.figs:
                bad("%s: SLO series without slo_last_evaluation_timestamp_seconds" % mon.kind)
                return
            continue
        n += 1
        prev = by.setdefault(s.last, s.figs)
        if prev != s.figs:
            diff = sorted(k for k in set(prev) | set(s.figs) if prev.get(k) != s.figs.get(k))
            bad("%s: two different sets of figures for the evaluation at %.0f (%d series "
                "differ, e.g. %s: %s vs %s)" % (mon.kind, s.last, len(diff), diff[0],
                                                prev.get(diff[0]), s.figs.get(diff[0])))
            return
    ok("%s: %d scrapes with figures, %d evaluations: every scrape of an evaluation shows the "
       "same figures (nothing made up while failing)" % (mon.kind, n, len(by)))


def set_mode(control, mode):
    req = urllib.request.Request(control.rstrip("/") + "/mode", data=mode.encode(),
                                 method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def run_eval(binary, cfg, at=None):
    cmd = [binary, "eval", "--config.file=" + cfg, "--format=json"]
    if at is not None:
        cmd.append("--at=%d" % at)
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), time.time() - t0


def check_eval(a, name, cause, result):
    rc, out, err, took = run_eval(a.bin, a.config)
    what = "%s eval through %s" % (a.kind, name)
    line = next((ln for ln in err.splitlines() if ln.strip()), "")
    prefix = "slo-sidecar: SLO %s: " % a.slo
    msg = line[len(prefix):] if line.startswith(prefix) else ""
    # The failed request comes first, except where api_read gives up on a
    # piece its store keeps refusing: that comes first, the store's answer
    # (with the request) after it, which the cause itself spells out.
    start = re.match(r"POST http://127\.0\.0\.1:\d+/", msg)
    if a.kind == "api_read" and name == "samplelimit":
        start = re.match(cause, msg)
        if start and int(start.group(1)) > API_READ_MIN_PIECE_MS:
            result.append((bad, "%s: gave up on %s ms without splitting down to %d ms: %s" % (
                what, start.group(1), API_READ_MIN_PIECE_MS, line[:300])))
            return
    if rc == 2 and not out and start and re.search(cause, msg):
        if took > a.timeout + 3:
            result.append((bad, "%s: took %.1f s" % (what, took)))
        else:
            result.append((ok, "%s: exit 2 in %.2f s, nothing on stdout, stderr: %s" % (
                what, took, line[:200])))
    else:
        result.append((bad, "%s: exit %d (want 2), stdout %d bytes, stderr (want /%s/): %s" % (
            what, rc, len(out), cause, err[:300])))


def blip(a, mon):
    """Two 503s, then the store answers: the retries get past them unnoticed."""
    print("-- %s: blip503 (two 503s, then pass)" % a.kind, flush=True)
    what = "%s blip503" % a.kind
    base = mon.begin()
    b = base["scrape"]
    t0 = time.time()
    set_mode(a.control, "blip503")
    # Two more evaluations after the one that met the 503s.
    s = mon.wait(lambda s: s.succ is not None and s.succ >= (b.succ or 0) + 3,
                 4 * a.interval + a.timeout + 3)
    set_mode(a.control, "pass")
    with urllib.request.urlopen(a.control.rstrip("/") + "/stats", timeout=10) as r:
        stats = json.loads(r.read())
    during = mon.since(base["i"])
    if s is None or not during:
        bad("%s: no successful evaluations within %.0f s" % (what, time.time() - t0))
        return
    n503 = stats.get("blip503 503", 0)
    fails = {x.fail for x in during}
    ups = {x.up for x in during}
    nretries = (during[-1].retries or 0) - (b.retries or 0)
    lines = [ln for ln in mon.log_since(base["log"]) if 'msg="SLO evaluation failed"' in ln]
    if n503 != 2:
        bad("%s: the proxy answered %d 503s (want 2): %s" % (what, n503, stats))
    elif fails != {b.fail} or ups != {1.0} or lines:
        bad("%s: failures %s -> %s, backend_up %s, %d failure lines logged" % (
            what, b.fail, sorted(fails), sorted(ups), len(lines)))
    elif nretries != 2:
        bad("%s: slo_sidecar_backend_retries_total +%d (want +2)" % (what, nretries))
    else:
        ok("%s: 2 x 503 retried (slo_sidecar_backend_retries_total +2): no failed evaluation, "
           "backend_up 1 in all %d scrapes, nothing logged, evaluations_total{result="
           "\"success\"} +%d" % (what, len(during), during[-1].succ - (b.succ or 0)))


def episodes(a):
    causes = CAUSES[a.kind]
    mon = Monitor(a.kind, a.metrics, a.log, a.slo, a.interval, a.timeout)
    faults = [f for f in a.faults.split(",") if f]
    if a.long:
        faults.insert(0, a.long)
    t_start = time.time()
    summary = []
    for f in faults:
        stages = f.split("+")
        long_fault = f == a.long and len(summary) == 0
        print("-- %s: %s%s" % (a.kind, " then ".join(stages),
                               " (long: until the series vanish)" if long_fault else ""),
              flush=True)
        base = mon.begin()
        result = []
        th = None
        for k, stage in enumerate(stages):
            set_mode(a.control, stage)
            if k == 0:
                base["t"] = time.time()
                t_sw = base["t"]
            if mon.wait_failures(base, 2 * k + 1) is not None and len(stages) == 1:
                th = threading.Thread(target=check_eval, args=(a, stage, causes[stage], result))
                th.start()
            mon.wait_failures(base, 2 * k + 2)
        if long_fault:
            if mon.wait_gone(7 * a.interval + a.timeout + 2) is not None:
                time.sleep(a.interval + 0.3)   # and they stay gone
        if th is not None:
            th.join()
        t_back = time.time()
        i_back = mon.index()
        set_mode(a.control, "pass")
        for fn, msg in result:
            fn(msg)
        mon.end(base, t_back, i_back, f, [causes[x] for x in stages], long_fault,
                retried=all(x in RETRIED for x in stages))
        summary.append((f, t_back - t_sw))
    blip(a, mon)
    # The genuine answer under a wrong Content-Type, through eval only.
    print("-- %s: ctype-header (eval only)" % a.kind, flush=True)
    at = int(time.time()) - 10
    rc0, out0, err0, _ = run_eval(a.bin, a.direct_config, at)
    set_mode(a.control, "ctype-header")
    rc, out, err, _ = run_eval(a.bin, a.config, at)
    set_mode(a.control, "pass")
    if a.kind == "remote_read":
        cause = r"/api/v1/read: response is not a remote-read answer \(Content-Type \"text/plain"
        if rc == 2 and not out and re.search(cause, err):
            ok("remote_read eval, the streamed answer labelled text/plain: exit 2: %s" %
               err.strip()[:200])
        else:
            bad("remote_read eval, the streamed answer labelled text/plain: exit %d, stderr %s"
                % (rc, err[:300]))
    else:
        # The body is Prometheus' own JSON: taking it is fine, as long as the
        # figures are the real ones; refusing it must name the type.
        if rc == 0 and rc0 == 0 and json.loads(out) == json.loads(out0):
            ok("%s eval, Prometheus' JSON labelled text/plain: accepted, figures equal a "
               "direct eval at %d" % (a.kind, at))
        elif rc == 2 and not out and re.search(r"Content-Type", err):
            ok("%s eval, Prometheus' JSON labelled text/plain: exit 2: %s" % (a.kind, err[:200]))
        else:
            bad("%s eval, JSON labelled text/plain: exit %d, stdout %d bytes differ from a "
                "direct eval (exit %d): %s" % (a.kind, rc, len(out), rc0, (err or err0)[:300]))
    mon.stop = True
    mon.th.join()
    consistent(mon)
    print("  %s: %d episodes in %.0f s (%s)" % (
        a.kind, len(summary), time.time() - t_start,
        ", ".join("%s %.1fs" % x for x in summary)), flush=True)


def outage(a):
    mons = []
    for d in a.daemon:
        kind, metrics, log, slo = d.split(",")
        mons.append(Monitor(kind, metrics, log, slo, a.interval, a.timeout))
    bases = [m.begin() for m in mons]
    t_sw = time.time()
    for m, b in zip(mons, bases):
        b["t"] = t_sw
    subprocess.run(a.stop, shell=True, check=False)
    print("  Prometheus stopped in %.1f s" % (time.time() - t_sw), flush=True)
    for m, b in zip(mons, bases):
        m.wait_failures(b, 2)
    t_back = time.time()
    idx = [m.index() for m in mons]
    subprocess.run(a.start, shell=True, check=False)
    print("  Prometheus started again %.1f s after the stop began" % (t_back - t_sw), flush=True)
    for m, b, i in zip(mons, bases, idx):
        # Prometheus needs a moment to start (WAL replay): 20 s.
        m.end(b, t_back, i, "Prometheus stopped and restarted", [OUTAGE], False,
              allow_changes=True, recover_within=20, retried=True)
    for m in mons:
        m.stop = True
        m.th.join()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["episodes", "outage"])
    p.add_argument("--kind")
    p.add_argument("--metrics")
    p.add_argument("--log")
    p.add_argument("--control")
    p.add_argument("--bin")
    p.add_argument("--config")
    p.add_argument("--direct-config")
    p.add_argument("--slo")
    p.add_argument("--interval", type=float, default=2)
    p.add_argument("--timeout", type=float, default=1)
    p.add_argument("--faults", default="")
    p.add_argument("--long")
    p.add_argument("--daemon", action="append", default=[])
    p.add_argument("--stop")
    p.add_argument("--start")
    a = p.parse_args()
    if a.what == "episodes":
        episodes(a)
    else:
        outage(a)
    sys.exit(FAILED)


if __name__ == "__main__":
    main()
