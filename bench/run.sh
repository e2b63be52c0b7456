#!/bin/sh
# run.sh - runs raw C, dorm and Django on the benchmark workloads one after
# the other on this machine, and prints the Markdown table of
# docs/performance.md (µs per operation, ratios) plus a warning for every
# checksum that differs between implementations.
#
# Usage: bench/run.sh [BINDIR]
#   BINDIR holds raw_sqlite and dorm_sqlite already built (`make bench` passes
#   build-bench/bench from the CMake build); a program missing there is built
#   here with cc -O2.  Environment (all optional):
#   BUILD_DIR  where programs built here and results.txt go when there is no
#              BINDIR (default: <repo>/build/bench)
#   DORM_BIN   the dorm_sqlite program to run (overrides BINDIR)
#   LIBDORM    libdorm.a to build dorm_sqlite against (default: found under
#              <repo>/build-bench or <repo>/build), and DORM_LIBS the
#              libraries it needs (default: sqlite3, libpq and libmariadb
#              when pkg-config knows them, -lm)
#   BENCH_RUNS runs per workload, the best counts (default 3)
#   BENCH_ROUNDS rounds of each workload (default 3): bench/interleave.py
#              (with $PYTHON) runs the programs side by side and lets them
#              take turns round by round on each workload, so on a busy
#              machine load that comes and goes weighs on every column
#              alike; the table gives each one's median round, and the
#              spread table (bench/spread.awk) min / median / max
#   CC, PYTHON (default: cc, /usr/bin/python3 -- Debian's Django 3.2)
# Without a dorm program or library the dorm column reads "n/a".
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINDIR=${1:-}
OUT=${BINDIR:-${BUILD_DIR:-$ROOT/build}/bench}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}
CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror"
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dorm-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

pc_libs() { pkg-config --libs "$1" 2>/dev/null || true; }
SQLITE_CFLAGS=$(pkg-config --cflags sqlite3 2>/dev/null || true)
SQLITE_LIBS=$(pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)

RAW=$OUT/raw_sqlite
if [ -z "$BINDIR" ] || [ ! -x "$RAW" ]; then
    echo "building raw_sqlite" >&2
    # shellcheck disable=SC2086
    $CC $CFLAGS $SQLITE_CFLAGS -o "$RAW" "$ROOT/bench/raw_sqlite.c" "$ROOT/bench/raw_common.c" "$ROOT/bench/common.c" \
        $SQLITE_LIBS
fi

DORM=${DORM_BIN:-}
if [ -z "$DORM" ] && [ -n "$BINDIR" ] && [ -x "$BINDIR/dorm_sqlite" ]; then
    DORM=$BINDIR/dorm_sqlite
fi
if [ -z "$DORM" ]; then
    LIB=${LIBDORM:-}
    # The release builds of the Makefile only: a sanitizer build would not link.
    for dir in "$ROOT/build-bench" "$ROOT/build"; do
        if [ -z "$LIB" ] && [ -d "$dir" ]; then
            LIB=$(find "$dir" -name libdorm.a -type f | head -n 1)
        fi
    done
    if [ -n "$LIB" ] && [ -f "$LIB" ]; then
        LIBS=${DORM_LIBS:-"$SQLITE_LIBS $(pc_libs libpq) $(pc_libs libmariadb) -lm"}
        echo "building dorm_sqlite against $LIB" >&2
        # shellcheck disable=SC2086
        if $CC $CFLAGS $SQLITE_CFLAGS -I"$ROOT/include" -o "$OUT/dorm_sqlite" \
            "$ROOT/bench/dorm_sqlite.c" "$ROOT/bench/dorm_workloads.c" "$ROOT/bench/common.c" "$LIB" $LIBS \
            2>"$TMP/dorm-build.log"; then
            DORM=$OUT/dorm_sqlite
        else
            echo "dorm_sqlite did not build (dorm column: n/a):" >&2
            head -n 20 "$TMP/dorm-build.log" >&2
        fi
    else
        echo "no dorm_sqlite program and no libdorm.a: dorm column is n/a" >&2
    fi
fi

GOM=""
if pkg-config --exists gom-1.0 2>/dev/null; then
    echo "building gom_sqlite" >&2
    # shellcheck disable=SC2046,SC2086
    if $CC $CFLAGS $(pkg-config --cflags gom-1.0 sqlite3) -o "$OUT/gom_sqlite" \
        "$ROOT/bench/gom/gom_sqlite.c" "$ROOT/bench/common.c" \
        $(pkg-config --libs gom-1.0 sqlite3) 2>"$TMP/gom-build.log"; then
        GOM=$OUT/gom_sqlite
    else
        echo "gom_sqlite did not build (libgom column: n/a):" >&2
        head -n 20 "$TMP/gom-build.log" >&2
    fi
fi

# glibc returns freed memory to the kernel between runs, so every run of a
# workload would fault its pages in again, and page faults cost tens of µs
# in some VMs: whichever implementation happens to keep its memory would win
# by luck.  Keeping freed memory makes "best of 3" the steady state for all.
GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.mmap_threshold=33554432"
GLIBC_TUNABLES="$GLIBC_TUNABLES:glibc.malloc.trim_threshold=1073741824"
export GLIBC_TUNABLES

# Runs one implementation, appending its lines; a failure is reported and
# leaves its column n/a.
run() {
    name=$1
    shift
    echo "round $round: running $name" >&2
    if ! "$@" "$TMP/$name" >>"$TMP/$name.out" 2>"$TMP/$name.err"; then
        echo "$name failed:" >&2
        tail -n 20 "$TMP/$name.err" >&2
    fi
}

DJANGO=""
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import django' 2>/dev/null; then
    DJANGO=$PYTHON
else
    echo "no Django for $PYTHON: Django column is n/a" >&2
fi

ROUNDS=${BENCH_ROUNDS:-3}
case $ROUNDS in '' | *[!0-9]* | 0) ROUNDS=3 ;; esac
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
if [ -x "$PYTHON" ]; then
    # Round by round on each workload, the implementations in turn.
    set -- raw "$RAW" "$TMP/raw"
    if [ -n "$DORM" ]; then set -- "$@" -- dorm "$DORM" "$TMP/dorm"; fi
    if [ -n "$DJANGO" ]; then set -- "$@" -- django "$DJANGO" "$ROOT/bench/django_bench.py" "$TMP/django"; fi
    if [ -n "$GOM" ]; then set -- "$@" -- libgom "$GOM" "$TMP/libgom"; fi
    "$PYTHON" "$ROOT/bench/interleave.py" "$ROUNDS" "$@" >"$OUT/results.txt"
    PACED="interleaved per workload"
else
    round=1
    while [ "$round" -le "$ROUNDS" ]; do
        run raw "$RAW"
        if [ -n "$DORM" ]; then
            run dorm "$DORM"
        fi
        if [ -n "$GOM" ]; then
            run libgom "$GOM"
        fi
        round=$((round + 1))
    done
    for name in raw dorm libgom; do
        if [ -f "$TMP/$name.out" ]; then cat "$TMP/$name.out"; fi
    done >"$OUT/results.txt"
    PACED="whole programs in turn"
fi

echo "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), $($CC --version | head -n 1)," \
    "Django $("$PYTHON" -c 'import django; print(django.get_version())' 2>/dev/null || echo n/a)," \
    "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')," \
    "$(nproc 2>/dev/null || echo '?') CPUs; best of ${BENCH_RUNS:-3} runs x $ROUNDS rounds ($PACED);" \
    "load average before: $LOAD"
echo

awk -v gom=1 -f "$ROOT/bench/field.awk" -f "$ROOT/bench/table.awk" "$OUT/results.txt"
awk -f "$ROOT/bench/field.awk" -f "$ROOT/bench/spread.awk" "$OUT/results.txt"
