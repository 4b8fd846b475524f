#!/usr/bin/env bash
# The sidecar's HTTP side under abuse, with 1,000 SLOs (tests/data/many_slos.py:
# events, good events, latency; promql mode against the test Prometheus,
# interval 5s, so evaluations run back to back meanwhile). http_abuse.py opens
# 100 idle connections from 127.0.0.3 (more than the per-address limit), waits
# until the sidecar is ready, then for about 25 s: 150 slowloris connections
# from 127.0.0.2 and 60 from 127.0.0.4 (header bytes trickled every 4 s, never
# finished), huge requests from 127.0.0.5 (1 MiB header line, 16k headers, 1
# MiB target, 4 MiB body), and a 5 s wrk burst on /metrics. All of it holds
# about 190 of the 256 connections, each attacker address at most its
# limit. Meanwhile a scraper on 127.0.0.1 (its own address, as a Prometheus
# has in a real deployment: the whole of 127/8 is loopback on Linux) must get
# 200 from every /metrics and /-/healthy within 10 s (Prometheus's default
# scrape_timeout); the huge requests are refused (4xx or closed); the idle
# connections are closed after the 30 s idle timeout. Afterwards: the sidecar
# is alive, /-/healthy is 200, its RSS at most 3x the one before the attack,
# and its log has nothing but the expected libmicrohttpd messages.
set -uo pipefail
. "$HERE/lib.sh"
D="$WORK/abuse"
mkdir -p "$D"
pid=
trap 'stop_pid "$pid" 5' EXIT
for tool in wrk curl; do
    command -v "$tool" > /dev/null || { bad "$tool not found (make deps)"; exit 1; }
done
python3 "$HERE/../data/many_slos.py" --slos 1000 --url "$PROM_URL" --interval 5s \
    --out "$D/slos.yaml"
port=$(free_port)
"$BIN" --config.file="$D/slos.yaml" --web.listen-address="127.0.0.1:$port" \
    > "$D/daemon.log" 2>&1 &
pid=$!
wait_listen "$port" 10 || { bad "daemon not listening"; cat "$D/daemon.log"; exit 1; }
if python3 "$HERE/http_abuse.py" --port "$port" --pid "$pid" --duration 24 \
        --idle 100@127.0.0.3 --idle-timeout 30 \
        --slowloris 150@127.0.0.2 --slowloris 60@127.0.0.4 \
        --huge 127.0.0.5 --wrk 5@8 --wrk-conns 4 --scrape-timeout 10; then
    ok "every scrape got 200 during the attack; huge requests refused; idle connections timed out"
else
    bad "the attack got through (see above)"
fi
if kill -0 "$pid" 2>/dev/null; then
    ok "sidecar still running"
else
    bad "sidecar died: $(tail -3 "$D/daemon.log")"
fi
code=$(http_code "http://127.0.0.1:$port/-/healthy")
[ "$code" = 200 ] && ok "/-/healthy 200 afterwards" || bad "/-/healthy answered $code afterwards"
code=$(http_code "http://127.0.0.1:$port/metrics")
[ "$code" = 200 ] && ok "/metrics 200 afterwards" || bad "/metrics answered $code afterwards"
# libmicrohttpd's own messages (raw lines, or level=warn msg=libmicrohttpd)
# that this attack must cause, and the poller's overrun notice; anything else
# at warn or error, or any other raw line, is a failure.
expected='reached connection limit|closed by remote side with incomplete request'
expected="$expected|response code is 431|response code is 414|Not enough memory in pool"
expected="$expected|Failed to send the response body|still running at the next tick"
grep -vE '^ts=' "$D/daemon.log" > "$D/raw.log"
grep -E 'level=(warn|error)' "$D/daemon.log" >> "$D/raw.log"
n=$(wc -l < "$D/raw.log")
odd=$(grep -vE "$expected" "$D/raw.log")
if [ -z "$odd" ]; then
    ok "log: $n libmicrohttpd/overrun lines, all expected ones"
else
    bad "unexpected log lines: $(echo "$odd" | sort | uniq -c | sort -rn | head -5)"
fi
exit $FAILED
