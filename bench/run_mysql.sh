#!/usr/bin/env bash
# run_mysql.sh - the MariaDB benchmark: starts a private server
# (scripts/mariadb_start.sh into a temporary folder), runs raw libmariadb C,
# dorm and Django (mysqlclient) on the same workloads, each in a database of
# its own, and prints the Markdown table of docs/performance.md's MariaDB
# section plus a warning for every checksum that differs from raw C's.
# Stops the server at the end.
#
# Usage: bench/run_mysql.sh [BINDIR]
#   BINDIR holds raw_my and dorm_my already built (`make bench-mysql`
#   passes build-bench/bench); a program missing there is built here with
#   cc -O2 (dorm_my against libdorm.a, found as bench/run.sh finds it).
#   Environment (all optional):
#   BUILD_DIR  where programs built here and results-my.txt go when there is
#              no BINDIR (default: <repo>/build/bench)
#   LIBDORM    libdorm.a to build dorm_my against
#   BENCH_RUNS runs per workload, the best counts (default 3)
#   BENCH_ROUNDS rounds of each workload, the implementations taking turns
#              (default 3; the table gives the median round), as in
#              bench/run.sh
#   CC, PYTHON (default: cc, /usr/bin/python3 -- Debian's Django 3.2 and
#              python3-mysqldb)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BINDIR=${1:-}
OUT=${BINDIR:-${BUILD_DIR:-$ROOT/build}/bench}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}
CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror"
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dorm-bench-my.XXXXXX")
# The server runs as nobody when this runs as root: it must reach its folder.
chmod 755 "$TMP"
export DORM_MY_STATE=$TMP/my.env
cleanup() {
    "$ROOT/scripts/mariadb_stop.sh" || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pc() { pkg-config "$@" 2>/dev/null || true; }
MY_CFLAGS=$(pc --cflags libmariadb)
MY_LIBS=$(pc --libs libmariadb)
SQLITE_LIBS=$(pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)
COMMON=("$ROOT/bench/common.c" "$ROOT/bench/my_common.c")

RAW=$OUT/raw_my
if [[ -z $BINDIR || ! -x $RAW ]]; then
    echo "building raw_my" >&2
    # shellcheck disable=SC2086
    $CC $CFLAGS $MY_CFLAGS -o "$RAW" "$ROOT/bench/raw_my.c" "$ROOT/bench/raw_common.c" "${COMMON[@]}" \
        ${MY_LIBS:--lmariadb} $SQLITE_LIBS
fi

DORM=""
if [[ -n $BINDIR && -x $BINDIR/dorm_my ]]; then
    DORM=$BINDIR/dorm_my
else
    LIB=${LIBDORM:-}
    for dir in "$ROOT/build-bench" "$ROOT/build"; do
        if [[ -z $LIB && -d $dir ]]; then
            LIB=$(find "$dir" -name libdorm.a -type f | head -n 1)
        fi
    done
    if [[ -n $LIB && -f $LIB ]]; then
        echo "building dorm_my against $LIB" >&2
        # shellcheck disable=SC2086
        if $CC $CFLAGS $MY_CFLAGS -I"$ROOT/include" -o "$OUT/dorm_my" "$ROOT/bench/dorm_my.c" "$ROOT/bench/dorm_workloads.c" \
            "${COMMON[@]}" "$LIB" ${MY_LIBS:--lmariadb} $(pc --libs libpq jansson) $SQLITE_LIBS -lm 2>"$TMP/dorm-build.log"; then
            DORM=$OUT/dorm_my
        else
            echo "dorm_my did not build (dorm column: n/a):" >&2
            head -n 20 "$TMP/dorm-build.log" >&2
        fi
    else
        echo "no dorm_my program and no libdorm.a: dorm column is n/a" >&2
    fi
fi

echo "starting a private MariaDB server" >&2
URL=$("$ROOT/scripts/mariadb_start.sh" "$TMP/my")
SOCK=$(sed -n 's/^MYSOCK=//p' "$DORM_MY_STATE")
MYCLIENT=$(command -v mariadb || command -v mysql)
for name in raw dorm django; do
    "$MYCLIENT" --no-defaults -S "$SOCK" -u root -e "CREATE DATABASE bench_$name"
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
if [[ -x $PYTHON ]] && "$PYTHON" -c 'import django, MySQLdb' 2>/dev/null; then
    DJANGO=$PYTHON
else
    echo "no Django or MySQLdb (python3-mysqldb) for $PYTHON: Django column is n/a" >&2
fi

ROUNDS=${BENCH_ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || ROUNDS=3
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
if [[ -x $PYTHON ]]; then
    # Round by round on each workload, the implementations in turn (bench/run.sh).
    progs=(raw "$RAW" "$(db_url raw)")
    [[ -z $DORM ]] || progs+=(-- dorm "$DORM" "$(db_url dorm)")
    [[ -z $DJANGO ]] || progs+=(-- django "$DJANGO" "$ROOT/bench/django_bench.py" --mysql "$(db_url django)")
    GLIBC_TUNABLES=$GLIBC_TUNABLES "$PYTHON" "$ROOT/bench/interleave.py" "$ROUNDS" "${progs[@]}" >"$OUT/results-my.txt"
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
    done >"$OUT/results-my.txt"
    PACED="whole programs in turn"
fi

echo "$("$MYCLIENT" --no-defaults -S "$SOCK" -u root -N -e 'SELECT VERSION()') (unix socket, durability off)," \
    "$($CC --version | head -n 1), libmariadb $(pc --modversion libmariadb)," \
    "Django $("$PYTHON" -c 'import django; print(django.get_version())' 2>/dev/null || echo n/a)" \
    "with mysqlclient $("$PYTHON" -c 'import MySQLdb; print(MySQLdb.__version__)' 2>/dev/null || echo n/a)," \
    "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')," \
    "$(nproc 2>/dev/null || echo '?') CPUs; best of ${BENCH_RUNS:-3} runs x $ROUNDS rounds ($PACED);" \
    "load average before: $LOAD"
echo

awk '
function field(line, key,    i, n, parts, kv) {
    n = split(line, parts, " ")
    for (i = 1; i <= n; i++) {
        split(parts[i], kv, "=")
        if (kv[1] == key) return substr(parts[i], length(key) + 2)
    }
    return ""
}
# The median of the rounds of impl on w (each round the best of its runs).
function median(impl, w,    k, i, j, t, a) {
    k = cnt[impl, w]
    for (i = 1; i <= k; i++) a[i] = secs[impl, w, i]
    for (i = 2; i <= k; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
function us(impl, w) { return ((impl, w) in cnt) ? median(impl, w) / n[impl, w] * 1e6 : -1 }
function cell(v) { return v < 0 ? "n/a" : sprintf(v < 100 ? "%.2f" : "%.0f", v) }
function ratio(a, b) { return (a < 0 || b <= 0) ? "n/a" : sprintf("%.2f", a / b) }
/^bench / {
    impl = field($0, "impl"); w = field($0, "workload"); s = field($0, "seconds") + 0
    secs[impl, w, ++cnt[impl, w]] = s
    n[impl, w] = field($0, "n")
    c = field($0, "checksum")
    if ((impl, w) in sum && sum[impl, w] != c)
        printf "WARNING: %s: %s gave checksums %s and %s in different rounds\n", w, impl,
               sum[impl, w], c > "/dev/stderr"
    sum[impl, w] = c
    if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
}
/^check / { chk[field($0, "impl"), field($0, "what")] = field($0, "checksum") }
END {
    split("dorm django", others, " ")
    print "| workload | raw C (µs/op) | dorm (µs/op) | Django (µs/op) | dorm/raw | Django/dorm |"
    print "|---|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nw; i++) {
        w = order[i]; r = us("raw", w); d = us("dorm", w); g = us("django", w)
        printf "| %s | %s | %s | %s | %s | %s |\n", w, cell(r), cell(d), cell(g), ratio(d, r), ratio(g, d)
    }
    for (i = 1; i <= nw; i++) {
        w = order[i]
        for (k = 1; k <= 2; k++)
            if (("raw", w) in sum && (others[k], w) in sum && sum["raw", w] != sum[others[k], w])
                printf "WARNING: %s: checksum of %s (%s) differs from raw C (%s)\n", w, others[k],
                       sum[others[k], w], sum["raw", w] > "/dev/stderr"
    }
    for (k = 1; k <= 2; k++)
        if (("raw", "schema") in chk && (others[k], "schema") in chk &&
            chk["raw", "schema"] != chk[others[k], "schema"])
            printf "WARNING: the schema %s created differs from raw C'\''s (Django 3.2'\''s DDL)\n", others[k] > "/dev/stderr"
}' "$OUT/results-my.txt"
