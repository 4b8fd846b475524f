#!/usr/bin/env bash
# Reloads under scrapes: while the config file flips between the six test
# SLOs and one of them and the daemon is sent SIGHUP every 0.3 s, /metrics
# is scraped as fast as it answers. Every scrape must show whole SLOs: each
# SLO with all its families, never more SLOs than a config has (after a
# reload the new SLOs appear one by one, each as soon as its evaluation is
# done), both configs seen whole, every page parsing as the text format;
# and `POST /-/reload` with a bad config in between is refused without
# disturbing the scrapes.
set -uo pipefail
. "$HERE/lib.sh"
six="$WORK/reload.six.yaml"
one="$WORK/reload.one.yaml"
cfg="$WORK/reload.yaml"
# remote_read: after the first backfill an evaluation takes milliseconds, so
# the poller is free to reload often (an SLO kept across a reload keeps its
# state; the others are backfilled again).
sed -e "s#@URL@#$PROM_URL#g" -e "s#@RESPONSE@#chunks#g" "$HERE/slos-rr.yaml.tmpl" > "$six"
sed -i 's/^  interval: 30s$/  interval: 1s/' "$six"
python3 - "$six" "$one" <<'PY'
import sys
src = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(src.partition("  - name: checkout-edge")[0])
PY
cp "$six" "$cfg"
port=$(free_port)
base="http://127.0.0.1:$port"
"$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" > "$WORK/reload.log" 2>&1 &
pid=$!
trap 'stop_pid $pid 5' EXIT
wait_http "$base/-/ready" 60 $pid || { bad "daemon not ready"; exit 1; }
python3 - "$base" "$pid" "$cfg" "$six" "$one" <<'PY' || FAILED=1
import os, re, shutil, signal, sys, threading, time, urllib.request
base, pid, cfg, six, one = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
stop = False
reloads = 0

def flipper():
    global reloads
    n = 0
    while not stop:
        shutil.copy(one if n % 2 == 0 else six, cfg + ".tmp")
        os.replace(cfg + ".tmp", cfg)
        os.kill(pid, signal.SIGHUP)
        reloads += 1
        n += 1
        time.sleep(0.3)

t = threading.Thread(target=flipper)
t.start()
fams = ["slo_objective_ratio", "slo_period_seconds", "slo_info"]
counts, bad = {}, 0
deadline = time.time() + 12
scrapes = 0
while time.time() < deadline:
    body = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    scrapes += 1
    per = {f: set(re.findall(r'^%s\{[^}]*slo="([^"]+)"' % f, body, re.M)) for f in fams}
    n = len(per["slo_info"])
    counts[n] = counts.get(n, 0) + 1
    if n > 6 or any(per[f] != per["slo_info"] for f in fams):
        bad += 1
        print("  FAIL: a scrape mixes snapshots: %s" % {f: sorted(v) for f, v in per.items()})
    if not body.endswith("\n") or "# EOF" in body:
        bad += 1
        print("  FAIL: a scrape is not a whole text-format page")
stop = True
t.join()
print("  %d scrapes while %d SIGHUPs were sent: SLO counts seen %s" % (scrapes, reloads, counts))
if bad == 0 and 1 in counts and 6 in counts:
    print("  ok: every scrape showed whole SLOs of one config")
else:
    if not (1 in counts and 6 in counts):
        print("  FAIL: the reloads did not show both configs")
    sys.exit(1)
PY
# A bad config through the HTTP endpoint is refused; scrapes go on.
printf 'global: {interval: 0s}\nslos: []\n' > "$cfg"
code=$(curl -s -o "$WORK/reload.bad.txt" -w '%{http_code}' -m 10 -X POST "$base/-/reload")
[ "$code" != 200 ] && ok "POST /-/reload with a bad config: HTTP $code ($(head -c 120 "$WORK/reload.bad.txt"))" \
    || bad "POST /-/reload accepted a bad config"
[ "$(http_code "$base/metrics")" = 200 ] && ok "/metrics still answers" || bad "/metrics failed after a bad reload"
n=$(grep -c 'msg="config reloaded"' "$WORK/reload.log")
[ "$n" -ge 10 ] && ok "the daemon applied $n of the reloads" || bad "only $n reloads applied"
kill -0 $pid 2>/dev/null && ok "daemon alive" || bad "daemon died"
exit $FAILED
