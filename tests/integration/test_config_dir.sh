#!/usr/bin/env bash
# SLO files per team: --config.file names a directory laid out as the kubelet
# mounts a ConfigMap (the files are symlinks into ..data, which points at a
# timestamped folder and is swapped atomically on an update). `check` merges
# the files and names both files of a duplicate SLO; the daemon reloads by
# itself on a swap that adds a team's file, keeps its config (and says so in
# its reload metric) on a swap to a broken file, and takes the fix.
set -uo pipefail
. "$HERE/lib.sh"
dir="$WORK/conf"
mkdir -p "$dir"
DAEMON_PID=
cleanup() { [ -n "$DAEMON_PID" ] && stop_pid "$DAEMON_PID" 5; }
trap cleanup EXIT

slo() { # NAME: one events SLO as a list item
    cat <<YAML
  - name: $1
    service: checkout
    objective: 99
    period: 7d
    sli:
      events:
        error: 'http_requests_total{job="checkout",code=~"5.."}'
        total: 'http_requests_total{job="checkout"}'
YAML
}

# version V FILE...: writes ..V/ with the given files, then swaps ..data to it
# and links each file name to ..data/NAME, as the kubelet does.
version() {
    local v=$1
    shift
    mkdir -p "$dir/..$v"
    for f in "$@"; do cp "$WORK/src/$f" "$dir/..$v/$f"; done
    ln -sfn "..$v" "$dir/..data_tmp"
    mv -T "$dir/..data_tmp" "$dir/..data"
    for f in "$@"; do [ -e "$dir/$f" ] || ln -s "..data/$f" "$dir/$f"; done
}

mkdir -p "$WORK/src"
{
    printf 'global:\n  interval: 1s\n  prometheus: {url: %s}\nslos:\n' "$PROM_URL"
    slo base
} > "$WORK/src/global.yaml"
{ echo "slos:"; slo team-a-one; slo team-a-two; } > "$WORK/src/team-a.yaml"
{ echo "slos:"; slo team-b; } > "$WORK/src/team-b.yaml"
{ echo "slos:"; slo team-b; slo team-a-one; } > "$WORK/src/team-c.yaml"
echo "not a config" > "$WORK/src/README.txt"

version 2026_1 global.yaml team-a.yaml README.txt
out=$("$BIN" check --config.file="$dir" 2>&1)
[ $? -eq 0 ] && grep -q "valid, 3 SLOs" <<< "$out" && ok "check: the directory is valid, 3 SLOs" ||
    bad "check of the directory: $out"

port=$(free_port)
base="http://127.0.0.1:$port"
"$BIN" --config.file="$dir" --web.listen-address="127.0.0.1:$port" > "$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_http "$base/-/ready" 30 "$DAEMON_PID" || bad "the daemon did not become ready"

# slos_exported: the SLO names in /api/v1/slos, sorted, space-separated.
slos_exported() {
    curl -s -m 5 "$base/api/v1/slos" | python3 -c '
import json, sys
print(" ".join(sorted({s["name"] for s in json.load(sys.stdin)["data"]})))' 2>/dev/null
}
# wait_slos WANT: waits up to 20 s for /api/v1/slos to list exactly WANT.
wait_slos() {
    local deadline=$(( $(date +%s) + 20 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(slos_exported)" = "$1" ] && return 0
        sleep 0.5
    done
    return 1
}
reload_ok() { curl -s -m 5 "$base/metrics" | sed -n 's/^slo_sidecar_config_last_reload_successful //p'; }

wait_slos "base team-a-one team-a-two" && ok "started with the SLOs of both files" ||
    bad "SLOs at start: $(slos_exported)"

version 2026_2 global.yaml team-a.yaml team-b.yaml
wait_slos "base team-a-one team-a-two team-b" &&
    ok "a swap of ..data adding team-b.yaml: reloaded by itself, team-b's SLO is there" ||
    bad "after adding team-b.yaml: $(slos_exported)"
[ "$(reload_ok)" = 1 ] && ok "slo_sidecar_config_last_reload_successful 1" ||
    bad "reload metric after a good swap: $(reload_ok)"

# A team's file naming an SLO another file has: the whole reload is refused.
version 2026_3 global.yaml team-a.yaml team-b.yaml team-c.yaml
deadline=$(( $(date +%s) + 20 ))
while [ "$(date +%s)" -lt "$deadline" ] && [ "$(reload_ok)" != 0 ]; do sleep 0.5; done
[ "$(reload_ok)" = 0 ] && ok "a swap to a duplicate SLO name: the reload failed" ||
    bad "reload metric after a bad swap: $(reload_ok)"
[ "$(slos_exported)" = "base team-a-one team-a-two team-b" ] &&
    ok "the old config's SLOs are kept" || bad "SLOs after a bad swap: $(slos_exported)"
grep -q 'team-c.yaml:.*duplicate SLO name \\"team-b\\" (first defined in .*team-b.yaml' \
    "$WORK/daemon.log" && ok "the log names both files of the duplicate" ||
    bad "no log line naming both files: $(grep -m2 duplicate "$WORK/daemon.log")"
out=$("$BIN" check --config.file="$dir" 2>&1)
grep -q 'team-c.yaml:2:.*duplicate SLO name "team-b" (first defined in .*team-b.yaml:2)' <<< "$out" &&
    grep -q 'team-c.yaml:10:.*duplicate SLO name "team-a-one" (first defined in .*team-a.yaml:2)' \
        <<< "$out" && ok "check names both files and lines of each duplicate" ||
    bad "check of the broken directory: $out"

version 2026_4 global.yaml team-a.yaml team-b.yaml
rm -f "$dir/team-c.yaml"
deadline=$(( $(date +%s) + 20 ))
while [ "$(date +%s)" -lt "$deadline" ] && [ "$(reload_ok)" != 1 ]; do sleep 0.5; done
[ "$(reload_ok)" = 1 ] && ok "the fixed files reload" || bad "reload metric after the fix: $(reload_ok)"
grep -c "config files changed; reloading" "$WORK/daemon.log" | {
    read -r n
    [ "$n" -ge 3 ] && ok "$n reloads started by the file watch" || bad "$n reloads by the watch"
}
exit $FAILED
