#!/usr/bin/env bash
# Formats the C sources with .clang-format, or checks that they are formatted.
#
#   scripts/format.sh [--check] [FILE ...]
#
# Without FILEs: every *.c and *.h under src/, tests/unit/ and fuzz/
# (searched recursively, so files moved into subfolders stay covered).
# --check changes nothing: it lists the files clang-format would change, and
# exits 1 when there is one (`make lint` runs it). CLANG_FORMAT picks the
# binary; .clang-format is tuned for clang-format 14 (Debian bookworm), and
# another version may lay out some lines differently.
set -uo pipefail
cd "$(dirname "$0")/.."

check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
case "${1:-}" in
-*) echo "usage: scripts/format.sh [--check] [FILE ...]" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
    if command -v clang-format-14 > /dev/null; then cf=clang-format-14; else cf=clang-format; fi
fi
if ! command -v "$cf" > /dev/null; then
    echo "format: $cf not found (make deps installs Debian's clang-format)" >&2
    exit 1
fi
version=$("$cf" --version | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p')
if [ "$version" != "14" ]; then
    echo "format: $cf is version ${version:-unknown}, .clang-format is tuned for 14;" \
        "some lines may come out differently" >&2
fi

if [ $# -gt 0 ]; then
    files=("$@")
else
    dirs=()
    for d in src tests/unit fuzz; do
        [ -d "$d" ] && dirs+=("$d")
    done
    # Generated protobuf code (*.pb-c.*) is protoc-c's layout, not ours.
    mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) \
        ! -name '*.pb-c.*' | LC_ALL=C sort)
fi

if [ $check -eq 0 ]; then
    "$cf" -i --style=file "${files[@]}" || exit 1
    exit 0
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
differ=()
for f in "${files[@]}"; do
    "$cf" --style=file "$f" > "$tmp" || { echo "format: $cf failed on $f" >&2; exit 1; }
    cmp -s "$tmp" "$f" || differ+=("$f")
done
if [ ${#differ[@]} -gt 0 ]; then
    printf '%s\n' "${differ[@]}"
    echo "format: ${#differ[@]} file(s) not formatted with .clang-format;" \
        "scripts/format.sh FILE fixes them (clang-format FILE | diff FILE - shows how)"
    exit 1
fi
echo "format: ${#files[@]} files formatted"
