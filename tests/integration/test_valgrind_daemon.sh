#!/usr/bin/env bash
# The daemon under valgrind for a short run: remote_read mode with a state
# file (an events and a timeslice SLO over the test data), several
# evaluations, scrapes of /metrics, /api/v1/slos, the status pages, history
# and events, a webhook to a closed port (its sender thread is retrying when
# the daemon stops), a SIGHUP reload, then SIGTERM (the history is saved). valgrind must report no error and no definite or indirect leak
# (--error-exitcode), and the daemon must exit 0. valgrind runs the build
# without sanitizers (BIN_PLAIN: the two do not mix).
set -uo pipefail
. "$HERE/lib.sh"
command -v valgrind > /dev/null || { bad "valgrind not installed (make deps)"; exit 1; }
cfg="$WORK/vg.yaml"
cat > "$cfg" <<YML
global:
  interval: 1s
  state_file: $WORK/vg.state
  prometheus: {url: '$PROM_URL', mode: remote_read, timeout: 60s}
  webhooks: [{url: 'http://127.0.0.1:$(free_port)/hook', max_attempts: 20, timeout: 1s}]
slos:
  - name: checkout-availability
    service: checkout
    objective: 99.9
    period: 30d
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
  - name: users-freshness
    service: users
    objective: 99.5
    period: 7d
    sli:
      timeslice: {gauge: 'data_last_updated_timestamp{source="users"}', age: true, op: "<=", value: 300, slice: 1m}
YML
port=$(free_port)
base="http://127.0.0.1:$port"
valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --log-file="$WORK/vg.valgrind" \
    "$BIN_PLAIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" --log.level=debug \
    > "$WORK/vg.log" 2>&1 &
pid=$!
trap 'stop_pid $pid 30' EXIT
if wait_http "$base/-/ready" 180 $pid; then
    ok "ready under valgrind"
else
    bad "not ready under valgrind"; tail -5 "$WORK/vg.log"; cat "$WORK/vg.valgrind"; exit 1
fi
for i in 1 2 3 4 5; do
    curl -s -m 30 "$base/metrics" > /dev/null || bad "scrape $i of /metrics failed"
    curl -s -m 30 "$base/api/v1/slos" > /dev/null || bad "scrape $i of /api/v1/slos failed"
    for u in / /slo/checkout-availability /api/v1/events \
            /api/v1/slos/checkout-availability/history?window=1h; do
        curl -s -m 30 -o /dev/null "$base$u" || bad "GET $u failed"
    done
    sleep 1
done
kill -HUP $pid
sleep 3
curl -s -m 30 "$base/metrics" > "$WORK/vg.metrics"
grep -q '^slo_sli_ratio{' "$WORK/vg.metrics" && ok "figures published under valgrind" \
    || bad "no figures under valgrind"
kill -TERM $pid
rc=0
wait $pid || rc=$?
trap - EXIT
n=$(grep -c 'msg="evaluation done"' "$WORK/vg.log")
if [ $rc -eq 0 ]; then
    ok "exit 0 after $n evaluations, 10 scrapes and a reload: valgrind found no error and no leak"
else
    bad "exit $rc (99: valgrind found errors or leaks)"
    head -60 "$WORK/vg.valgrind"
fi
[ -s "$WORK/vg.state.history" ] && ok "history saved at shutdown" || bad "no history file"
grep -q 'msg="webhook batches not delivered at shutdown or reload"' "$WORK/vg.log" \
    && ok "the webhook sender was stopped while retrying" \
    || bad "the webhook was not retrying at shutdown: $(grep -c webhook "$WORK/vg.log") log lines"
exit $FAILED
