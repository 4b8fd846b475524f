#!/usr/bin/env bash
# Peak memory of answers as large as the documented caps allow (timing-free).
# bigbody.py serves, whatever is asked:
#  - /api/v1/query: a vector of 1M series, 58 MB (PROMQL_MAX_BODY is 64 MiB).
#    `eval` in promql mode reads it whole; its peak RSS must stay under
#    PQ_MAX_KIB (256 MiB, 4x the cap; a jansson tree of the whole answer took
#    1.1 GiB).
#  - /api/v1/read: one series of 33.5M samples (REMOTE_READ_MAX_SAMPLES is
#    2^25) as streamed XOR chunks. `eval` in remote_read mode must read every
#    sample (its debug line says samples=33500000) with a peak RSS under
#    RR_MAX_KIB (128 MiB; holding the series at once took 527 MiB).
# The peak is the child's ru_maxrss, from python's getrusage. A sanitizer
# build (ASan's shadow memory and quarantine) is checked for the reads only;
# when BIN is one, the plain build (BIN_PLAIN) is run too, for the bounds.
set -uo pipefail
. "$HERE/lib.sh"
AT=$((END / 60 * 60))
SAMPLES=33500000
PQ_MAX_KIB=$((256 * 1024))
RR_MAX_KIB=$((128 * 1024))
FAKE_PID=
cleanup() {
    [ -n "$FAKE_PID" ] && stop_pid "$FAKE_PID" 2
}
trap cleanup EXIT

port=$(free_port)
python3 "$HERE/bigbody.py" "$port" "$AT" 1000000 "$SAMPLES" > "$WORK/bigbody.log" 2>&1 &
FAKE_PID=$!
wait_listen "$port" 20 || { cat "$WORK/bigbody.log"; exit 1; }

# peak OUT ERR ARGS...: runs ARGS, prints "RC PEAK_KIB".
peak() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
out, err = sys.argv[1], sys.argv[2]
with open(out, "w") as o, open(err, "w") as e:
    rc = subprocess.run(sys.argv[3:], stdout=o, stderr=e).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

write_config() {
    cat > "$WORK/$1.yaml" <<YML
global:
  interval: 30s
  prometheus: {url: http://127.0.0.1:$port, mode: $1, timeout: 300s}
slos:
  - name: big
    service: big
    objective: 99
    period: 30d
$2
    sli:
      events:
        error: 'x_total{code="500"}'
        total: 'x_total'
YML
}

# BINARY: both cases with it.
run_cases() {
    local bin=$1 SAN=0
    grep -qa __asan_init "$bin" && SAN=1
    echo "-- promql: a 1M-series vector of 58 MB"
    write_config promql "    group_by: [pod]"
    read -r rc kib < <(peak "$WORK/pq.out" "$WORK/pq.err" "$bin" eval --config.file="$WORK/promql.yaml" \
        --at="$AT")
    echo "  eval exit $rc, peak RSS $kib KiB (limit $PQ_MAX_KIB KiB)"
    if grep -qiE "out of memory|larger than" "$WORK/pq.err"; then
        bad "promql eval refused the answer: $(head -c 300 "$WORK/pq.err")"
    elif ! grep -q "/api/v1/query 58000062" "$WORK/bigbody.log"; then
        bad "the fake store did not send the 1M-series answer: $(cat "$WORK/bigbody.log")"
    elif [ "$SAN" = 1 ]; then
        ok "promql: the 1M-series answer was read (sanitizer build: peak RSS not bounded)"
    elif [ "$kib" -gt "$PQ_MAX_KIB" ]; then
        bad "promql: peak RSS $kib KiB above $PQ_MAX_KIB KiB"
    else
        ok "promql: peak RSS $kib KiB for a 58 MB answer of 1M series"
    fi

    echo "-- remote_read: one series of $SAMPLES samples"
    write_config remote_read ""
    read -r rc kib < <(peak "$WORK/rr.out" "$WORK/rr.err" "$bin" eval --config.file="$WORK/remote_read.yaml" \
        --at="$AT" --log.level=debug)
    echo "  eval exit $rc, peak RSS $kib KiB (limit $RR_MAX_KIB KiB)"
    if [ "$rc" -ne 0 ]; then
        bad "remote_read eval exited $rc: $(grep -v level=debug "$WORK/rr.err" | head -c 300)"
    elif ! grep -q "msg=\"remote read\".* samples=$SAMPLES " "$WORK/rr.err"; then
        bad "remote_read: no read of all $SAMPLES samples: $(grep 'remote read' "$WORK/rr.err" | head -3)"
    elif [ "$SAN" = 1 ]; then
        ok "remote_read: all $SAMPLES samples read (sanitizer build: peak RSS not bounded)"
    elif [ "$kib" -gt "$RR_MAX_KIB" ]; then
        bad "remote_read: peak RSS $kib KiB above $RR_MAX_KIB KiB"
    else
        ok "remote_read: peak RSS $kib KiB for one series of $SAMPLES samples"
    fi
}

run_cases "$BIN"
if [ "${BIN_PLAIN:-$BIN}" != "$BIN" ]; then
    run_cases "$BIN_PLAIN"
fi
exit $FAILED
