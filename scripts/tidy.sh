#!/usr/bin/env bash
# clang-tidy over src/*.c and src/*/*.c with the checks in .clang-tidy (warnings are
# errors there). Needs the generated protobuf headers: run after `make`.
# Usage: scripts/tidy.sh [FILE...]
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-tidy >/dev/null; then
    echo "tidy: clang-tidy not installed" >&2
    exit 1
fi
if [ ! -d build/gen ]; then
    echo "tidy: build/gen missing; run make first" >&2
    exit 1
fi
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(src/*.c src/*/*.c)
out=$(mktemp)
db=$(mktemp -d)
trap 'rm -rf "$out" "$db"' EXIT
# A compilation database keeps the quotes of the string macros intact.
cflags="-std=c11 -D_DEFAULT_SOURCE $(for d in src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen $(pkg-config --cflags libcurl jansson libmicrohttpd yaml-0.1 libprotobuf-c)"
python3 - "$db/compile_commands.json" "$PWD" "$cflags" "${files[@]}" <<'PY'
import json, shlex, sys
out, root, flags, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
args = ["cc"] + shlex.split(flags) + ['-DSLO_VERSION="tidy"', '-DSLO_REVISION="tidy"']
json.dump([{"directory": root, "file": f, "arguments": args + ["-c", f]} for f in files],
          open(out, "w"))
PY
# Two at a time: one clang-tidy per core.
printf '%s\n' "${files[@]}" |
    xargs -P2 -I{} sh -c "clang-tidy -quiet -p '$db' {} 2>/dev/null || echo 'tidy-failed: {}'" >"$out"
if grep -qE 'warning:|error:|tidy-failed' "$out"; then
    cat "$out"
    echo "tidy: $(grep -cE 'warning:|error:' "$out") finding(s)"
    exit 1
fi
echo "tidy: clean (${#files[@]} files)"
