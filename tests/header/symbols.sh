#!/bin/sh
# tests/header/symbols.sh - libdorm.so exports exactly the functions and
# objects the public headers declare: nothing internal leaks into the ABI
# (the library is built with hidden visibility), and nothing declared is
# missing or left hidden by a forgotten DORM_API.
# Usage: symbols.sh LIBDORM_SO INCLUDE_DIR
lib=$1
inc=$2
tmp=${TMPDIR:-/tmp}/dorm-symbols.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! command -v nm >/dev/null 2>&1; then
    echo "symbols test: skipped: nm not found (Debian: binutils)"
    exit 77
fi
# Names starting with "__" are the toolchain's (a sanitizer's __odr_asan.*),
# as is libgcov's mangle_path in a coverage build.
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^__/ && $3 != "mangle_path" {print $3}' |
    sort -u >"$tmp/exported"

# A declaration starts at the first column (indented lines are struct
# members and macro bodies); its name is the identifier before the first
# "(" or, for an object, before "[" or ";".
find "$inc" -name '*.h' -exec cat {} + |
    awk '
        /^\/\*/ { c = 1 }
        c { if (/\*\//) c = 0; next }
        /^#/ { m = /\\$/; next }
        m { m = /\\$/; next }
        /^(typedef|struct|enum|union|static|\}|extern "C"|[ \t])/ { next }
        /\(/ || /^extern / {
            line = $0
            sub(/\(.*/, "", line); sub(/[\[;].*/, "", line)
            n = split(line, w, /[^A-Za-z0-9_]+/)
            for (i = n; i > 0; i--) if (w[i] != "") { print w[i]; break }
        }
    ' | sort -u >"$tmp/declared"

status=0
comm -23 "$tmp/exported" "$tmp/declared" >"$tmp/leaked"
comm -13 "$tmp/exported" "$tmp/declared" >"$tmp/missing"
if [ -s "$tmp/leaked" ]; then
    echo "symbols test: exported but declared in no public header (internal: drop from the ABI):"
    sed 's/^/  /' "$tmp/leaked"
    status=1
fi
if [ -s "$tmp/missing" ]; then
    echo "symbols test: declared in a public header but not exported (DORM_API missing, or not defined):"
    sed 's/^/  /' "$tmp/missing"
    status=1
fi
[ $status -eq 0 ] && echo "symbols test: $(wc -l <"$tmp/exported") exported symbols, each declared in a public header"
exit $status
