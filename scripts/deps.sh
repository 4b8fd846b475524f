#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need.
# Does nothing (and needs no network) when they are all present.
set -euo pipefail

PKGS=(
    build-essential pkg-config clang
    libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libyaml-dev
    libprotobuf-c-dev protobuf-c-compiler libsnappy-dev
    libcmocka-dev valgrind cppcheck
    prometheus curl python3 jq
)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#PKGS[@]} Debian packages present"
    exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
