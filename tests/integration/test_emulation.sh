#!/usr/bin/env bash
# The harness checks itself, without the sidecar: Prometheus 2.42's answers
# to the sidecar's queries, asked directly, must equal tests/data/gen.py's
# emulation of increase() (extrapolatedRate in promql/functions.go) to 1e-9,
# and the timeslice query must give the generator's exact slice counts, at
# every evaluation time in expected.json. If this fails, the other tests'
# reference figures are wrong, not necessarily the sidecar.
set -uo pipefail
. "$HERE/lib.sh"
python3 "$HERE/check_eval.py" selftest "$DATA_DIR/expected.json" "$PROM_URL"
