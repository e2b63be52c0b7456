#!/usr/bin/env bash
# run_server.sh - the PostgreSQL or MariaDB benchmark: starts a private
# server (scripts/pg_start.sh or mariadb_start.sh into a temporary folder),
# runs raw C (libpq / libmariadb), dorm and Django on the same workloads,
# each in a database of its own, and prints the Markdown table of that
# section of docs/performance.md plus a warning for every checksum that
# differs from raw C's.  Stops the server at the end.
#
# Usage: bench/run_server.sh pg|my [BINDIR]
#   BINDIR holds raw_pg and dorm_pg (raw_my, dorm_my) already built (`make
#   bench-postgres` / `make bench-mysql` pass build-bench/bench); a program
#   missing there is built here with cc -O2 (dorm_* against libdorm.a, found
#   as bench/run.sh finds it).
#   Environment (all optional):
#   BUILD_DIR  where programs built here and results-pg.txt (results-my.txt)
#              go when there is no BINDIR (default: <repo>/build/bench)
#   LIBDORM    libdorm.a to build dorm_* against
#   BENCH_RUNS runs per workload, the best counts (default 3)
#   BENCH_ROUNDS rounds of each workload, the implementations taking turns
#              (default 3; the table gives the median round), as in
#              bench/run.sh
#   CC, PYTHON (default: cc, /usr/bin/python3 -- Debian's Django 3.2 with
#              python3-psycopg2 / python3-mysqldb)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-}
case $B in
pg)
    SERVER=PostgreSQL CLIB=libpq CLIB_DEFAULT=-lpq OTHER_LIBS="libmariadb jansson" PYMOD=psycopg2
    PYPKG=psycopg2 PYNAME=psycopg2 DJANGO_FLAG=--postgres
    ;;
my)
    SERVER=MariaDB CLIB=libmariadb CLIB_DEFAULT=-lmariadb OTHER_LIBS="libpq jansson" PYMOD=MySQLdb
    PYPKG="MySQLdb (python3-mysqldb)" PYNAME=mysqlclient DJANGO_FLAG=--mysql
    ;;
*)
    echo "usage: bench/run_server.sh pg|my [BINDIR]" >&2
    exit 2
    ;;
esac
BINDIR=${2:-}
OUT=${BINDIR:-${BUILD_DIR:-$ROOT/build}/bench}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}
CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror"
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dorm-bench-$B.XXXXXX")
# The server runs as nobody when this runs as root: it must reach its folder.
chmod 755 "$TMP"
export DORM_PG_STATE=$TMP/pg.env DORM_MY_STATE=$TMP/my.env
cleanup() {
    if [[ $B == pg ]]; then "$ROOT/scripts/pg_stop.sh" || true; else "$ROOT/scripts/mariadb_stop.sh" || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pc() { pkg-config "$@" 2>/dev/null || true; }
C_CFLAGS=$(pc --cflags $CLIB)
C_LIBS=$(pc --libs $CLIB)
SQLITE_LIBS=$(pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)
COMMON=("$ROOT/bench/common.c" "$ROOT/bench/${B}_common.c")

RAW=$OUT/raw_$B
if [[ -z $BINDIR || ! -x $RAW ]]; then
    echo "building raw_$B" >&2
    # shellcheck disable=SC2086
    $CC $CFLAGS $C_CFLAGS -o "$RAW" "$ROOT/bench/raw_$B.c" "$ROOT/bench/raw_common.c" "${COMMON[@]}" \
        ${C_LIBS:-$CLIB_DEFAULT} $SQLITE_LIBS
fi

DORM=""
if [[ -n $BINDIR && -x $BINDIR/dorm_$B ]]; then
    DORM=$BINDIR/dorm_$B
else
    LIB=${LIBDORM:-}
    for dir in "$ROOT/build-bench" "$ROOT/build"; do
        if [[ -z $LIB && -d $dir ]]; then
            LIB=$(find "$dir" -name libdorm.a -type f | head -n 1)
        fi
    done
    if [[ -n $LIB && -f $LIB ]]; then
        echo "building dorm_$B against $LIB" >&2
        # shellcheck disable=SC2086
        if $CC $CFLAGS $C_CFLAGS -I"$ROOT/include" -o "$OUT/dorm_$B" "$ROOT/bench/dorm_$B.c" \
            "$ROOT/bench/dorm_workloads.c" "${COMMON[@]}" "$LIB" ${C_LIBS:-$CLIB_DEFAULT} $(pc --libs $OTHER_LIBS) \
            $SQLITE_LIBS -lm 2>"$TMP/dorm-build.log"; then
            DORM=$OUT/dorm_$B
        else
            echo "dorm_$B did not build (dorm column: n/a):" >&2
            head -n 20 "$TMP/dorm-build.log" >&2
        fi
    else
        echo "no dorm_$B program and no libdorm.a: dorm column is n/a" >&2
    fi
fi

echo "starting a private $SERVER server" >&2
if [[ $B == pg ]]; then
    URL=$("$ROOT/scripts/pg_start.sh" "$TMP/pg")
    PGBIN=$(sed -n 's/^PGBIN=//p' "$DORM_PG_STATE")
    # Autovacuum would wake at moments that differ from one implementation
    # to the next; each program runs VACUUM ANALYZE itself after loading.
    "$PGBIN/psql" -q -X -v ON_ERROR_STOP=1 "$URL" \
        -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
    sql() { "$PGBIN/psql" -q -X -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
    VERSION="$("$PGBIN/postgres" --version) (unix socket, fsync off), $($CC --version | head -n 1)"
else
    URL=$("$ROOT/scripts/mariadb_start.sh" "$TMP/my")
    SOCK=$(sed -n 's/^MYSOCK=//p' "$DORM_MY_STATE")
    MYCLIENT=$(command -v mariadb || command -v mysql)
    sql() { "$MYCLIENT" --no-defaults -S "$SOCK" -u root -N -e "$1"; }
    VERSION="$(sql 'SELECT VERSION()') (unix socket, durability off), $($CC --version | head -n 1),"
    VERSION="$VERSION libmariadb $(pc --modversion libmariadb)"
fi
for name in raw dorm django; do
    sql "CREATE DATABASE bench_$name"
done
db_url() { echo "${URL/\/dorm_test\?//bench_$1?}"; }

# As bench/run.sh: glibc keeps freed memory between runs, for every program.
GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.mmap_threshold=33554432"
GLIBC_TUNABLES="$GLIBC_TUNABLES:glibc.malloc.trim_threshold=1073741824"

# Runs one implementation, appending its lines; a failure is reported and
# leaves its column n/a.
run() {
    local name=$1
    shift
    echo "round $round: running $name" >&2
    if ! GLIBC_TUNABLES=$GLIBC_TUNABLES "$@" "$(db_url "$name")" >>"$TMP/$name.out" \
        2>"$TMP/$name.err"; then
        echo "$name failed:" >&2
        tail -n 20 "$TMP/$name.err" >&2
    fi
}

DJANGO=""
if [[ -x $PYTHON ]] && "$PYTHON" -c "import django, $PYMOD" 2>/dev/null; then
    DJANGO=$PYTHON
else
    echo "no Django or $PYPKG for $PYTHON: Django column is n/a" >&2
fi

RESULTS=$OUT/results-$B.txt
ROUNDS=${BENCH_ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || ROUNDS=3
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
if [[ -x $PYTHON ]]; then
    # Round by round on each workload, the implementations in turn (bench/run.sh).
    progs=(raw "$RAW" "$(db_url raw)")
    [[ -z $DORM ]] || progs+=(-- dorm "$DORM" "$(db_url dorm)")
    [[ -z $DJANGO ]] || progs+=(-- django "$DJANGO" "$ROOT/bench/django_bench.py" "$DJANGO_FLAG" "$(db_url django)")
    GLIBC_TUNABLES=$GLIBC_TUNABLES "$PYTHON" "$ROOT/bench/interleave.py" "$ROUNDS" "${progs[@]}" >"$RESULTS"
    PACED="interleaved per workload"
else
    for ((round = 1; round <= ROUNDS; round++)); do
        run raw "$RAW"
        if [[ -n $DORM ]]; then
            run dorm "$DORM"
        fi
    done
    for name in raw dorm; do
        if [[ -f $TMP/$name.out ]]; then cat "$TMP/$name.out"; fi
    done >"$RESULTS"
    PACED="whole programs in turn"
fi

echo "$VERSION," \
    "Django $("$PYTHON" -c 'import django; print(django.get_version())' 2>/dev/null || echo n/a)" \
    "with $PYNAME $("$PYTHON" -c "import $PYMOD; print($PYMOD.__version__.split()[0])" 2>/dev/null || echo n/a)," \
    "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')," \
    "$(nproc 2>/dev/null || echo '?') CPUs; best of ${BENCH_RUNS:-3} runs x $ROUNDS rounds ($PACED);" \
    "load average before: $LOAD"
echo

awk -f "$ROOT/bench/field.awk" -f "$ROOT/bench/table.awk" "$RESULTS"
awk -f "$ROOT/bench/field.awk" -f "$ROOT/bench/spread.awk" "$RESULTS"
