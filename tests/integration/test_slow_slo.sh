#!/usr/bin/env bash
# No SLO waits for another. holdproxy.py stands before the test Prometheus
# and holds back every request that mentions data_last_updated_timestamp (the
# gauge of users-freshness, the slow SLO) while it passes the others at
# once. In each mode (promql, remote_read, api_read) two daemons (interval
# 2s, the six SLOs of slos.yaml.tmpl / slos-rr.yaml.tmpl, the default pool of
# 4 workers) run at the same time:
#  A: hold 3 s, timeout 15 s: the slow SLO's evaluations finish, late. The
#     other SLOs' slo_last_evaluation_timestamp_seconds (on /metrics and as
#     evaluated_at on /api/v1/slos) advance at every tick after their first
#     evaluation (a backfill, which may outlast an interval), each shows
#     within an interval of its tick (published when done, not with a later
#     tick) and is never more than 2 intervals old; the slow SLO is evaluated
#     at most every second tick and lags; slo_sidecar_evaluations_skipped_total
#     matches the ticks the logged evaluations skipped, and the skip summary
#     names the slow SLO alone; each SLO evaluation is one observation of
#     slo_sidecar_evaluation_duration_seconds, the slow ones the only ones
#     above 2.5 s. Ready needs every SLO to have figures or a recorded
#     failure: it must not come before the slow SLO's first evaluation has
#     finished. At the end every SLO's figures equal a direct `eval --at` its
#     own time.
#  B: hold 6 s, timeout 3 s: the slow SLO times out. Ready comes with its
#     first failure (a recorded failure counts), while it has no figures yet.
#     Failures are counted and logged once per stretch, for that SLO only;
#     then the hold is lifted (it succeeds, recovery logged) and put back:
#     its figures stay a while, vanish 5 intervals after its first failed
#     evaluation and stay gone, while the other SLOs stay fresh all along.
# users-freshness gets a 2d period here (7d in the templates): the data
# fills it, so its first read is at most two pieces, and every mode's
# evaluation costs one or two held requests (api_read reads an empty range
# in doubling pieces, which would take the first evaluation 8 holds).
set -uo pipefail
. "$HERE/lib.sh"
D="$WORK/slow_slo"
mkdir -p "$D"
HOLD_A=3 TIMEOUT_A=15s HOLD_B=6 TIMEOUT_B=3s
SLOW=users-freshness
METRIC=data_last_updated_timestamp
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        stop_pid "$p" 5
    done
}
trap cleanup EXIT

pa_port=$(free_port) pa_ctl=$(free_port) pb_port=$(free_port) pb_ctl=$(free_port)
python3 "$HERE/holdproxy.py" "$pa_port" "$PROM_URL" "$pa_ctl" --metric "$METRIC" \
    --hold "$HOLD_A" > "$D/proxy-a.log" 2>&1 &
pids+=($!)
python3 "$HERE/holdproxy.py" "$pb_port" "$PROM_URL" "$pb_ctl" --metric "$METRIC" \
    --hold "$HOLD_B" > "$D/proxy-b.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pa_ctl/stats" 10 && wait_http "http://127.0.0.1:$pb_ctl/stats" 10 \
    || { bad "hold proxies did not start: $(cat "$D"/proxy-*.log)"; exit 1; }

config() {   # config MODE URL TIMEOUT OUT
    case $1 in
    promql) fill_config "$HERE/slos.yaml.tmpl" "$4" "$2" ;;
    remote_read) fill_config "$HERE/slos-rr.yaml.tmpl" "$4" "$2"
        sed -i 's#@RESPONSE@#chunks#' "$4" ;;
    api_read) fill_config "$HERE/slos-rr.yaml.tmpl" "$4" "$2"
        sed -i -e '/read_response:/d' -e 's#mode: remote_read#mode: api_read#' "$4" ;;
    esac
    sed -i -e 's/interval: 30s/interval: 2s/' -e "s/timeout: 20s/timeout: $3/" \
        -e "/name: $SLOW/,/period:/ s/period: 7d/period: 2d/" "$4"
    # A template that changed under these edits would test something else.
    grep -q 'interval: 2s' "$4" && grep -q "timeout: $3" "$4" && grep -q "mode: $1" "$4" \
        && grep -A3 "name: $SLOW" "$4" | grep -q 'period: 2d' \
        && "$BIN" check --config.file="$4" > /dev/null 2>&1 \
        || { bad "$4: the template did not take the test's edits"; exit 1; }
}

MODES="promql remote_read api_read"
daemons=()
for m in $MODES; do
    config "$m" "http://127.0.0.1:$pa_port" "$TIMEOUT_A" "$D/a-$m.yaml"
    config "$m" "http://127.0.0.1:$pb_port" "$TIMEOUT_B" "$D/b-$m.yaml"
    config "$m" "$PROM_URL" 20s "$D/direct-$m.yaml"
done
for ph in a b; do
    for m in $MODES; do
        port=$(free_port)
        "$BIN" --config.file="$D/$ph-$m.yaml" --web.listen-address="127.0.0.1:$port" \
            --log.level=debug > "$D/daemon-$ph-$m.log" 2>&1 &
        pids+=($!)
        daemons+=("$ph,$m,http://127.0.0.1:$port,$D/daemon-$ph-$m.log,$D/direct-$m.yaml,$(date +%s.%N)")
    done
done
for x in "${daemons[@]}"; do
    IFS=, read -r ph m url log _ <<< "$x"
    wait_http "$url/-/healthy" 10 || { bad "daemon $ph $m did not start: $(tail -3 "$log")"; exit 1; }
done
ok "6 daemons: A (hold ${HOLD_A}s, timeout $TIMEOUT_A) and B (hold ${HOLD_B}s, timeout $TIMEOUT_B) in $MODES"

python3 - "$BIN" "$SLOW" "http://127.0.0.1:$pb_ctl" "$HOLD_A" "$HOLD_B" "${TIMEOUT_B%s}" \
    "${daemons[@]}" <<'PY'
import calendar, json, re, subprocess, sys, threading, time, urllib.error, urllib.request

BIN, SLOW, CTL_B = sys.argv[1], sys.argv[2], sys.argv[3]
HOLD_A, HOLD_B, TIMEOUT_B = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
IV = 2.0
# A scrape's view is at most this much older than the moment it was taken
# (the request itself, and the poller's 200 ms coalescing of results).
SLACK = 0.4
FAILED = 0


def ok(m):
    print("  ok: " + m, flush=True)


def bad(m):
    global FAILED
    FAILED = 1
    print("  FAIL: " + m, flush=True)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$')


class Sample:
    pass


class Daemon:
    def __init__(self, spec):
        self.phase, self.mode, self.url, self.log, self.direct, started = spec.split(",")
        self.phase = self.phase.upper()
        self.started = float(started)
        self.name = "%s %s" % (self.phase, self.mode)
        self.samples = []
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            s = Sample()
            s.t0 = time.time()
            try:
                s.ready, _ = get(self.url + "/-/ready")
                _, text = get(self.url + "/metrics")
                s.t1 = time.time()
                _, api = get(self.url + "/api/v1/slos")
                s.t2 = time.time()
                s.api = {x["name"]: x["evaluated_at"] for x in json.loads(api)["data"]}
            except (OSError, ValueError, KeyError, TypeError) as e:
                # A daemon that stops answering shows as missing samples.
                print("  %s: scrape failed: %s" % (self.name, e), flush=True)
                time.sleep(0.1)
                continue
            s.last, s.fail, s.succ, s.skipped, s.dcount, s.dle = {}, 0, 0, 0, 0, 0
            for line in text.splitlines():
                m = SERIES.match(line)
                if not m:
                    continue
                name, labels, v = m.group(1), m.group(2) or "", float(m.group(3))
                if name == "slo_last_evaluation_timestamp_seconds":
                    s.last[re.search(r'slo="([^"]+)"', labels).group(1)] = v
                elif name == "slo_sidecar_evaluations_total":
                    if 'result="failure"' in labels:
                        s.fail = v
                    else:
                        s.succ = v
                elif name == "slo_sidecar_evaluations_skipped_total":
                    s.skipped = v
                elif name == "slo_sidecar_evaluation_duration_seconds_count":
                    s.dcount = v
                elif name == "slo_sidecar_evaluation_duration_seconds_bucket" and \
                        'le="2.5"' in labels:
                    s.dle = v
            self.samples.append(s)
            time.sleep(max(0.0, s.t0 + 0.25 - time.time()))

    def wait(self, cond, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.samples and cond(self.samples[-1]):
                return self.samples[-1]
            time.sleep(0.05)
        return None

    def loglines(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()


def hold_b(seconds):
    req = urllib.request.Request(CTL_B + "/hold", data=str(seconds).encode(), method="PUT")
    with urllib.request.urlopen(req, timeout=5) as r:
        r.read()
    return time.time()


ds = [Daemon(x) for x in sys.argv[7:]]
A = [d for d in ds if d.phase == "A"]
B = [d for d in ds if d.phase == "B"]

# B: two failed evaluations of the slow SLO, then the hold lifted until it
# has figures, then held again until they are gone (and one more interval).
t_start = time.time()
for d in B:
    if d.wait(lambda s: s.fail >= 2, 4 * IV + 2 * TIMEOUT_B + 4) is None:
        bad("%s: the slow SLO did not fail twice within %.0f s" % (d.name, time.time() - t_start))
t_lift = hold_b(0)
for d in B:
    if d.wait(lambda s: SLOW in s.last, 2 * IV + 3) is None:
        bad("%s: %s has no figures %.1f s after the hold was lifted" % (
            d.name, SLOW, time.time() - t_lift))
t_rehold = hold_b(HOLD_B)
for d in B:
    if d.wait(lambda s: SLOW not in s.last, 6 * IV + TIMEOUT_B + 3) is None:
        bad("%s: %s's figures never vanished after the hold came back" % (d.name, SLOW))
time.sleep(IV + 0.5)
# A wants about 15 s of steady state after its slow SLO's first evaluation.
time.sleep(max(0.0, t_start + 20 - time.time()))
for d in ds:
    d.stop = True
for d in ds:
    d.th.join()
print("  observed %.1f s; B: hold lifted %.1f s and put back %.1f s after the start" % (
    time.time() - t_start, t_lift - t_start, t_rehold - t_start), flush=True)


def ticks(values):
    """Sorted distinct evaluation times, and the steps between them in intervals."""
    v = sorted(set(values))
    return v, [round((b - a) / IV, 3) for a, b in zip(v, v[1:])]


def check_fast(d):
    """Every SLO but the slow one: evaluated at every tick, never 2 intervals old.

    Each SLO's first evaluation is left out: in the exact modes it reads the
    whole period, and with six daemons starting at once it may outlast an
    interval (that SLO is then skipped once, on its own account)."""
    fast = sorted({k for s in d.samples for k in s.last} - {SLOW})
    if len(fast) != 5:
        bad("%s: %d SLOs besides %s on /metrics (want 5): %s" % (d.name, len(fast), SLOW, fast))
    for src, field, tfield in (("/metrics", "last", "t1"), ("/api/v1/slos", "api", "t2")):
        worst, gaps, n, slow_pub = (0.0, "", 0), [], 0, []
        for k in fast:
            v, _ = ticks([getattr(s, field)[k] for s in d.samples if k in getattr(s, field)])
            if len(v) < 2:
                bad("%s: %s evaluated %d times on %s" % (d.name, k, len(v), src))
                continue
            i = next(i for i, s in enumerate(d.samples) if getattr(s, field).get(k) == v[1])
            for s in d.samples[i:]:
                if k not in getattr(s, field):
                    bad("%s: %s missing from %s %.1f s after the start" % (
                        d.name, k, src, s.t0 - d.started))
                    break
                lag = getattr(s, tfield) - getattr(s, field)[k]
                if lag > worst[0]:
                    worst = (lag, k, s.t0 - d.started)
            # Published when its evaluation finished, not with a later tick's.
            for T in v[1:]:
                pub = next(getattr(s, tfield) for s in d.samples if getattr(s, field).get(k) == T)
                if pub - T >= IV:
                    slow_pub.append("%s at %.0f after %.2f s" % (k, T, pub - T))
            v, steps = ticks(v[1:])
            n = max(n, len(v))
            if any(x != 1 for x in steps):
                gaps.append("%s %s" % (k, steps))
        if worst[0] > 2 * IV + SLACK:
            bad("%s: %s on %s was %.2f s old %.1f s after the start (at most 2 intervals + "
                "%.1f s)" % (d.name, worst[1], src, worst[0], worst[2], SLACK))
        elif gaps:
            bad("%s: on %s, not every tick evaluated after the first (steps in intervals): %s"
                % (d.name, src, "; ".join(gaps)))
        elif slow_pub:
            bad("%s: on %s, figures first seen an interval or more after their tick: %s" % (
                d.name, src, "; ".join(slow_pub[:3])))
        elif n < 8:
            bad("%s: only %d ticks seen on %s" % (d.name, n, src))
        else:
            ok("%s: the other 5 SLOs evaluated at each of %d ticks in a row on %s, each seen "
               "within an interval of its tick, at most %.2f s old" % (d.name, n, src, worst[0]))


DONE = re.compile(r'msg="evaluation done" slo=(\S+) at=(\S+) result=(\w+) took=([0-9.]+)s')


def done(d):
    """The daemon's debug lines, one per finished SLO evaluation: (slo, at, took)."""
    out = []
    for ln in d.loglines():
        m = DONE.search(ln)
        if m:
            at = calendar.timegm(time.strptime(m.group(2), "%Y-%m-%dT%H:%M:%SZ"))
            out.append((m.group(1), float(at), float(m.group(4))))
    return out


def skips(evals, upto):
    """Ticks each SLO was not evaluated at: between its evaluations (low), and
    up to tick upto after its last finished one (the most there can be)."""
    by = {}
    for slo, at, _ in evals:
        by.setdefault(slo, []).append(at)
    low = high = 0
    for ats in by.values():
        gap = sum(round((b - a) / IV) - 1 for a, b in zip(ats, ats[1:]))
        low += gap
        high += gap + round((upto - ats[-1]) / IV)
    return low, high


def check_counters(d, slow_min):
    """The skips and the duration histogram against the evaluations logged
    before and after one scrape (the daemon goes on meanwhile)."""
    e1 = done(d)
    time.sleep(0.3)                     # what e1 saw is published by now
    t = time.time()
    _, text = get(d.url + "/metrics")
    e2 = done(d)
    val = {}
    for line in text.splitlines():
        m = SERIES.match(line)
        if m:
            val[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    skipped = val["slo_sidecar_evaluations_skipped_total"]
    dcount = val["slo_sidecar_evaluation_duration_seconds_count"]
    over = dcount - val['slo_sidecar_evaluation_duration_seconds_bucket{le="2.5"}']
    evals = val['slo_sidecar_evaluations_total{result="success"}'] + \
        val['slo_sidecar_evaluations_total{result="failure"}']
    low, _ = skips(e1, 0)
    _, high = skips(e2, t // IV * IV)
    slow_low, _ = skips([x for x in e1 if x[0] == SLOW], 0)
    if not (slow_low >= 2 and low <= skipped <= high):
        bad("%s: slo_sidecar_evaluations_skipped_total %g, want %d to %d from the evaluations "
            "logged (%d of them the slow SLO's)" % (d.name, skipped, low, high, slow_low))
    else:
        ok("%s: slo_sidecar_evaluations_skipped_total %g: the ticks the SLOs were not "
           "evaluated at (%d to %d; %s at least %d)" % (d.name, skipped, low, high, SLOW,
                                                        slow_low))
    n1, n2 = len(e1), len(e2)
    o1 = sum(1 for x in e1 if x[2] > 2.5)
    o2 = sum(1 for x in e2 if x[2] > 2.5)
    slow = [x[2] for x in e1 if x[0] == SLOW]
    if not (n1 <= dcount <= n2 and dcount == evals and o1 <= over <= o2):
        bad("%s: slo_sidecar_evaluation_duration_seconds count %g (evaluations_total %g, "
            "%d to %d logged), %g above 2.5 s (%d to %d logged)" % (
                d.name, dcount, evals, n1, n2, over, o1, o2))
    elif (slow_min is not None and min(slow) < slow_min - 0.05) or \
            any(x[2] > 2.5 for x in e1 if x[0] != SLOW):
        bad("%s: evaluations above 2.5 s are not just %s's (each %s one takes %s s): %s" % (
            d.name, SLOW, SLOW, slow_min, [x for x in e1 if x[0] != SLOW and x[2] > 2.5][:3]
            or slow))
    else:
        ok("%s: slo_sidecar_evaluation_duration_seconds: one observation per SLO evaluation "
           "(%g), %g above 2.5 s: %s's, %.1f to %.1f s" % (d.name, dcount, over, SLOW,
                                                          min(slow), max(slow)))
    firsts = {}
    for slo, at, _ in e1:
        firsts.setdefault(slo, at)
    if len(set(firsts.values())) != 1 or len(firsts) != 6:
        bad("%s: first evaluations not all at the first tick: %s" % (d.name, firsts))
    return e1


def check_ready(d, finished, what):
    """finished(s): the slow SLO's first evaluation is over in sample s."""
    i_ready = next((i for i, s in enumerate(d.samples) if s.ready == 200), None)
    i_done = next((i for i, s in enumerate(d.samples) if finished(s)), None)
    if i_ready is None or i_done is None:
        bad("%s: never ready (%s) or %s never finished (%s)" % (d.name, i_ready, SLOW, i_done))
        return None
    s = d.samples[i_ready]
    # /-/ready is asked before /metrics in each sample, and the snapshot only
    # moves forward: ready at sample i means the rule held at i's /metrics.
    if i_ready < i_done:
        bad("%s: ready %.2f s after the start, before %s's first evaluation finished "
            "(%.2f s): ready needs every SLO to have figures or a recorded failure" % (
                d.name, s.t0 - d.started, SLOW, d.samples[i_done].t1 - d.started))
    elif i_ready > i_done + 1:
        bad("%s: ready only %.2f s after %s's first evaluation %s (%.2f s)" % (
            d.name, s.t0 - d.samples[i_done].t1, SLOW, what, d.samples[i_done].t1 - d.started))
    else:
        ok("%s: /-/ready 503 until %s's first evaluation %s, 200 from then on (%.1f s after "
           "the start)" % (d.name, SLOW, what, s.t0 - d.started))
    if any(x.ready != 200 for x in d.samples[i_ready:]):
        bad("%s: /-/ready went back to 503" % d.name)
    return i_ready


def failure_lines(d):
    lines = d.loglines()
    return ([ln for ln in lines if 'msg="SLO evaluation failed"' in ln],
            [ln for ln in lines if 'msg="SLO evaluation recovered"' in ln])


def same_as_eval(d):
    """The figures of every SLO equal a direct eval at that SLO's own time."""
    _, body = get(d.url + "/api/v1/slos")
    data = json.loads(body)["data"]
    by = {}
    for x in data:
        by.setdefault(x["evaluated_at"], []).append(x)
    for at, xs in sorted(by.items()):
        p = subprocess.run([BIN, "eval", "--config.file=" + d.direct, "--at=%.3f" % at],
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            bad("%s: eval --at=%.3f: exit %d: %s" % (d.name, at, p.returncode, p.stderr[:300]))
            continue
        ev = {x["name"]: x for x in json.loads(p.stdout)["slos"]}
        diff = [x["name"] for x in xs if ev[x["name"]]["windows"] != x["windows"]]
        if diff:
            bad("%s: windows of %s differ from a direct eval at %.0f" % (d.name, diff, at))
        else:
            ok("%s: %s evaluated at %.0f: every window equals a direct eval at that time" % (
                d.name, ", ".join(x["name"] for x in xs), at))


for d in A:
    print("-- %s (hold %gs, under the timeout)" % (d.name, HOLD_A), flush=True)
    check_ready(d, lambda s: SLOW in s.last, "finished")
    check_fast(d)
    seen = [s for s in d.samples if SLOW in s.last]
    if not seen:
        bad("%s: %s never had figures" % (d.name, SLOW))
        continue
    v, steps = ticks([s.last[SLOW] for s in seen])
    lag = max(s.t1 - s.last[SLOW] for s in seen)
    if len(v) < 3 or any(x < 2 for x in steps):
        bad("%s: %s evaluated at steps %s intervals (each evaluation takes %gs > 1 interval: "
            "at least 2, and 3 evaluations)" % (d.name, SLOW, steps, HOLD_A))
    elif lag <= 2 * IV + SLACK:
        bad("%s: %s at most %.2f s old: it should lag behind" % (d.name, SLOW, lag))
    elif lag > 6 * IV + SLACK:
        bad("%s: %s's figures shown %.2f s after their evaluation (an unfinished SLO keeps "
            "them at most 5 intervals after its first unfinished tick)" % (d.name, SLOW, lag))
    else:
        ok("%s: %s evaluated %d times, every %s intervals, up to %.2f s behind" % (
            d.name, SLOW, len(v), steps, lag))
    check_counters(d, HOLD_A)
    if any(s.fail for s in d.samples):
        bad("%s: %g failed evaluations with the hold under the timeout" % (
            d.name, d.samples[-1].fail))
    fails, _ = failure_lines(d)
    if fails:
        bad("%s: failures logged: %s" % (d.name, fails[0]))
    # Once every fast SLO's first evaluation (the backfill) is done, only the
    # slow one is ever still running at a tick.
    lines = d.loglines()
    first_done = {}
    for i, ln in enumerate(lines):
        m = DONE.search(ln)
        if m:
            first_done.setdefault(m.group(1), i)
    steady = max(i for k, i in first_done.items() if k != SLOW)
    summary = [(i, ln) for i, ln in enumerate(lines)
               if "are skipped for it; the other SLOs keep their schedule" in ln or
               'msg="SLO evaluations back on schedule"' in ln]
    kinds = ["skip" if "skipped=" in ln else "back" for _, ln in summary]
    wrong = [ln for i, ln in summary if i > steady and "skipped=" in ln and
             not re.search(r"\bskipped=1 first=%s\b" % re.escape(SLOW), ln)]
    # The slow SLO is skipped every other tick: one summary when that starts,
    # then at most one a minute, and no "back on schedule" while it goes on.
    if kinds.count("skip") != 1 or "back" in kinds or wrong:
        bad("%s: skip summaries (want one, naming %s among the skipped, and no \"back on "
            "schedule\" within a minute): %s" % (
                d.name, SLOW, [ln for _, ln in summary] or ["none"]))
    else:
        ok("%s: one skip summary while %s kept overrunning: %s" % (
            d.name, SLOW, re.sub(r"^.*msg=", "", summary[0][1])))
    same_as_eval(d)

CAUSE = r"/api/v1/(query|read): timed out after %gs" % TIMEOUT_B
for d in B:
    print("-- %s (hold %gs, past the %gs timeout)" % (d.name, HOLD_B, TIMEOUT_B), flush=True)
    i = check_ready(d, lambda s: s.fail >= 1 or SLOW in s.last, "failed")
    if i is not None:
        s = d.samples[i]
        if SLOW in s.last or s.fail < 1:
            bad("%s: at ready, %s has figures (%s) / failures %g: ready should have come from "
                "its failure" % (d.name, SLOW, SLOW in s.last, s.fail))
        else:
            ok("%s: ready with %s failed and without figures (the others have theirs)"
               % (d.name, SLOW))
    check_fast(d)
    check_counters(d, None)
    end = d.samples[-1]
    fails, recs = failure_lines(d)
    others = [ln for ln in fails if "slo=%s " % SLOW not in ln]
    errs = [re.search(r'err="((?:[^"\\]|\\.)*)"', ln) for ln in fails]
    errs = [e.group(1) if e else "" for e in errs]
    if end.fail < 4:
        bad("%s: %g failed evaluations counted (want >= 4: two per stretch)" % (d.name, end.fail))
    elif others:
        bad("%s: another SLO failed: %s" % (d.name, others[0]))
    elif len(fails) != 2 or len(recs) != 1 or not all(re.search(CAUSE, e) for e in errs):
        bad("%s: %d failure lines, %d recovery lines (want 2 and 1; cause /%s/): %s" % (
            d.name, len(fails), len(recs), CAUSE, " | ".join(errs)))
    else:
        ok("%s: %g failed evaluations of %s counted, logged once per stretch (twice), "
           "recovered once: %s" % (d.name, end.fail, SLOW, errs[0]))
    # L: its last good evaluation (the tick after the lift may have passed too).
    L = max((s.last[SLOW] for s in d.samples if SLOW in s.last), default=None)
    i_l = next((i for i, s in enumerate(d.samples) if s.last.get(SLOW) == L), 0)
    after = d.samples[i_l:]
    shown = [s for s in after if SLOW in s.last]
    gone = next((s for s in after if SLOW not in s.last), None)
    if L is None or gone is None:
        bad("%s: no figures while the hold was lifted (%s), or they never vanished" % (
            d.name, L))
        continue
    late = [s for s in shown if s.t0 - L > 6 * IV + SLACK]
    back = [s for s in after if s.t0 > gone.t0 and SLOW in s.last]
    kept = max((s.t1 - L for s in shown), default=0)
    if any(s.last[SLOW] != L for s in shown):
        bad("%s: %s's figures changed while failing" % (d.name, SLOW))
    elif late:
        bad("%s: figures of %.0f still shown %.2f s later (5 intervals after the first "
            "failed evaluation, one interval after them, + %.1f s)" % (
                d.name, L, late[-1].t0 - L, SLACK))
    elif back:
        bad("%s: %s's figures came back while it kept failing" % (d.name, SLOW))
    elif kept < 4 * IV:
        bad("%s: figures of %.0f kept only %.2f s (a failed SLO keeps its last figures)" % (
            d.name, L, kept))
    elif end.t0 - gone.t0 < IV:
        bad("%s: watched only %.1f s after they vanished" % (d.name, end.t0 - gone.t0))
    else:
        ok("%s: %s's last figures (%.0f) kept while failing, gone %.2f s after them, and "
           "stayed gone (%.1f s)" % (d.name, SLOW, L, gone.t0 - L, end.t0 - gone.t0))
sys.exit(FAILED)
PY
[ $? -eq 0 ] || FAILED=1
for px in "A $pa_ctl" "B $pb_ctl"; do
    set -- $px
    curl -s -m 5 "http://127.0.0.1:$2/stats" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print("  proxy %s: %d requests held, %d passed at once" % (sys.argv[1], d["held"], d["passed"]))' "$1"
done
for x in "${daemons[@]}"; do
    IFS=, read -r ph m url log _ <<< "$x"
    [ "$(http_code "$url/-/healthy")" = 200 ] || bad "daemon $ph $m died: $(tail -3 "$log")"
done

# C: one worker, the slow SLO timing out (B's proxy): the SLO after it in the
# config (api-custom) waits in the queue behind it, and must then be asked,
# not failed with "not evaluated" as if the store were down (a query that
# timed out once connected says nothing about the others).
curl -s -m 5 -X PUT --data "$HOLD_B" "http://127.0.0.1:$pb_ctl/hold" > /dev/null
config promql "http://127.0.0.1:$pb_port" "$TIMEOUT_B" "$D/c.yaml"
sed -i 's/^    timeout: /    concurrency: 1\n    timeout: /' "$D/c.yaml"
grep -q 'concurrency: 1' "$D/c.yaml" || bad "could not set concurrency: 1"
port=$(free_port)
"$BIN" --config.file="$D/c.yaml" --web.listen-address="127.0.0.1:$port" \
    > "$D/daemon-c.log" 2>&1 &
pids+=($!)
sleep 9
fails=$(grep -c 'msg="SLO evaluation failed" slo=api-custom' "$D/daemon-c.log")
slow=$(grep -c "msg=\"SLO evaluation failed\" slo=$SLOW" "$D/daemon-c.log")
ok_n=$(curl -s -m 5 "http://127.0.0.1:$port/metrics" |
    awk '/^slo_sidecar_evaluations_total\{result="success"\}/ {print $2}')
if [ "$slow" -ge 1 ] && [ "$fails" -eq 0 ] && [ "${ok_n:-0}" != 0 ] &&
        curl -s -m 5 "http://127.0.0.1:$port/api/v1/slos/api-custom" | grep -q '"name":"api-custom"'; then
    ok "C (one worker): $SLOW timed out, api-custom behind it still evaluated" \
        "(${ok_n} successful evaluations, no api-custom failure)"
else
    bad "C (one worker): $SLOW failures $slow, api-custom failures $fails, successes ${ok_n:-?}:" \
        "$(grep -m2 'slo=api-custom' "$D/daemon-c.log")"
fi
exit $FAILED
