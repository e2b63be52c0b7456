#!/usr/bin/env bash
# scripts/coverage.sh - line and branch coverage of libdorm's sources (src/)
# by the test suite (make coverage): a gcov build in build-coverage/, the
# suite on SQLite, then on throw-away PostgreSQL and MariaDB servers when
# their programs are installed, and lcov's summary with the least-covered
# files.  The HTML report lands in build-coverage/html/.
set -uo pipefail # not -e: a failing test must not stop the measurement

cd "$(dirname "$0")/.." || exit 1
jobs=${JOBS:-2}
dir=build-coverage
export DORM_TEST_URL=sqlite://:memory:
mkdir -p "$dir"

cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O0 -g" -DCMAKE_C_FLAGS=--coverage \
    -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage \
    -DDORM_TESTS=ON -DDORM_SANITIZE=OFF >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
cmake --build "$dir" -j "$jobs" >>"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log"; exit 1; }
find "$dir" -name '*.gcda' -delete

# run_suite NAME: the suite on $DORM_TEST_URL; the figure counts whatever
# ran, so a failure is reported and the measurement goes on.
run_suite() {
    echo "==> coverage: the suite on $1"
    (cd "$dir" && ctest -j "$jobs" --timeout 600 -E 'test_install|test_docs' >"ctest-$1.log" 2>&1) ||
        echo "coverage: some tests failed on $1 (see $dir/ctest-$1.log)"
}
run_suite sqlite

# The servers are started in the coverage folder, beside make test's own.
if url=$(DORM_PG_STATE=$dir/pg.env scripts/pg_start.sh "$dir/pg" 2>/dev/null); then
    DORM_TEST_URL=$url run_suite postgresql
    DORM_PG_STATE=$dir/pg.env scripts/pg_stop.sh >/dev/null 2>&1
else
    echo "coverage: PostgreSQL not started; its driver is measured by the SQLite run alone"
fi
if url=$(DORM_MY_STATE=$dir/mariadb.env scripts/mariadb_start.sh "$dir/mariadb" 2>/dev/null); then
    DORM_TEST_URL=$url run_suite mariadb
    DORM_MY_STATE=$dir/mariadb.env scripts/mariadb_stop.sh >/dev/null 2>&1
else
    echo "coverage: MariaDB not started; its driver is measured by the SQLite run alone"
fi

info=$dir/coverage.info
lcov --quiet --capture --directory "$dir" --rc lcov_branch_coverage=1 --output-file "$info.all" >/dev/null 2>&1
lcov --quiet --extract "$info.all" "$PWD/src/*" --rc lcov_branch_coverage=1 --output-file "$info" >/dev/null 2>&1
echo "==> coverage of src/ (lines, functions, branches)"
lcov --summary "$info" --rc lcov_branch_coverage=1 2>&1 | grep -E 'lines|functions|branches'
echo "==> the ten least-covered files (lines hit / lines, larger than 50 lines)"
# An lcov record: SF names the file, LF/LH its line totals.
awk -F: -v root="$PWD/" '
    /^SF:/ { f = substr($2, length(root) + 1) }
    /^LF:/ { lf = $2 }
    /^LH:/ { if (lf > 50) printf "%6.1f%%  %5d / %5d  %s\n", 100 * $2 / lf, $2, lf, f }
' "$info" | sort -n | head -10
genhtml --quiet --branch-coverage --output-directory "$dir/html" "$info" >/dev/null 2>&1 &&
    echo "coverage: the report is $dir/html/index.html"
