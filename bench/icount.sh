#!/bin/sh
# icount.sh - instructions per operation of one SQLite workload, raw C and
# dorm, counted by valgrind's callgrind: deterministic where timings on a
# shared machine are not, so an optimisation shows its gain exactly.
#
# Usage: bench/icount.sh [WORKLOAD [BINDIR]]   (default: get_pk build-bench/bench)
#   WORKLOAD is one of get_pk, fetch_all, filter_order_slice, select_related,
#   prefetch_related (the book workloads).  BINDIR holds raw_sqlite and
#   dorm_sqlite (`make bench` builds them).
#
# Each program runs that workload once ($BENCH_ONLY, $BENCH_RUNS=1) with
# collection switched on inside its workload function only; the checksum
# it takes after the clock stops (bench_hash_book) is subtracted.  Prints
# the instructions per operation of each and dorm/raw.  Callgrind's files
# are kept in $ICOUNT_DIR (default: a temporary folder, removed) for
# callgrind_annotate.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKLOAD=${1:-get_pk}
BINDIR=${2:-$ROOT/build-bench/bench}
case $WORKLOAD in
get_pk) RAWFN=w_get_pk DORMFN=bench_dorm_get_pk N=20000 ;;
fetch_all) RAWFN=w_fetch_all DORMFN=bench_dorm_fetch_all N=20000 ;;
filter_order_slice) RAWFN=w_filter DORMFN=bench_dorm_filter N=2000 ;;
select_related) RAWFN=w_select_related DORMFN=bench_dorm_select_related N=20000 ;;
prefetch_related) RAWFN=w_prefetch DORMFN=bench_dorm_prefetch N=2000 ;;
*)
    echo "icount.sh: no instruction count for workload '$WORKLOAD'" >&2
    exit 2
    ;;
esac
command -v valgrind >/dev/null || {
    echo "icount.sh: needs valgrind (Debian: apt-get install valgrind)" >&2
    exit 2
}
DIR=${ICOUNT_DIR:-}
if [ -z "$DIR" ]; then
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/dorm-icount.XXXXXX")
    trap 'rm -rf "$DIR"' EXIT
fi
mkdir -p "$DIR"

# Instructions inside function $2 of callgrind file $1, less the checksum's.
count() {
    callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$1" 2>/dev/null | awk -v fn="$2" '
        function ir(s) { gsub(",", "", s); return s + 0 }
        $0 ~ (":" fn " ") { total = ir($1) }
        $0 ~ /:bench_hash_book / { hash = ir($1) }
        END { print total - hash }'
}

# Runs program $2 under callgrind, counting inside function $3; prints the count.
run() {
    BENCH_ONLY=$WORKLOAD BENCH_RUNS=1 valgrind --tool=callgrind --callgrind-out-file="$DIR/$1.out" \
        --toggle-collect="$3" "$BINDIR/$2" >"$DIR/$1.log" 2>&1 || {
        echo "icount.sh: $2 failed:" >&2
        tail -n 20 "$DIR/$1.log" >&2
        exit 1
    }
    count "$DIR/$1.out" "$3"
}

raw=$(run raw raw_sqlite "$RAWFN")
dorm=$(run dorm dorm_sqlite "$DORMFN")
awk -v w="$WORKLOAD" -v n="$N" -v r="$raw" -v d="$dorm" 'BEGIN {
    printf "%s: instructions per op: raw %.0f, dorm %.0f, dorm/raw %.3f\n", w, r / n, d / n, d / r }'
