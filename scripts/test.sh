#!/usr/bin/env bash
# scripts/test.sh - builds dorm and runs its ctest suite (the example's
# transcripts included): optimised in build/ on SQLite, the same binaries
# again on PostgreSQL (a throw-away server from scripts/pg_start.sh, or
# $DORM_TEST_PG_URL) and on MariaDB (scripts/mariadb_start.sh, or
# $DORM_TEST_MY_URL), then under AddressSanitizer + UBSan (leaks included)
# in build-asan/ on SQLite and MariaDB; the threads tests under
# ThreadSanitizer in build-tsan/, on SQLite and the servers; last the fuzz
# targets briefly (scripts/fuzz.sh: the committed corpora and a few seconds
# each; skipped, saying why, without clang), and the lint step
# (scripts/lint.sh: clang-format and cppcheck).  Ends with "N passed, N
# failed, N skipped" over all runs; exits 1 if anything failed.
# `scripts/test.sh tsan` runs the ThreadSanitizer part alone (make
# test-tsan; on PostgreSQL / MariaDB too when $DORM_TEST_PG_URL /
# $DORM_TEST_MY_URL names a server); `scripts/test.sh stress` the
# concurrency tests with ten times their load (make test-stress).
set -uo pipefail # not -e: a failed run must still be reported, and the other run still run

cd "$(dirname "$0")/.." || exit 1
jobs=${JOBS:-2}
export DORM_TEST_URL=${DORM_TEST_URL:-sqlite://:memory:}
sqlite_url=$DORM_TEST_URL

status=0
build_failed=0
all_passed=0
all_failed=0
all_skipped=0
summaries=()
ctest_filter=()    # ctest arguments every run adds (stress: the concurrency label)
pg_url=""
my_url=""

# count_cases DIR: "passed failed skipped" test cases of DIR's last ctest
# run.  A Criterion executable counts its own cases (its Synthesis line, and
# a "[SKIP]" line per skipped case, printed at --verbose=1), one of them
# moved to failing when ctest failed it although every case passed (a leak
# reported as a worker exited, a timeout, a crash outside any case); another
# test (the header test) or an executable that never ran counts as one case.
count_cases() {
    local dir=$1/Testing/Temporary
    [[ -f $dir/LastTestsFailed.log ]] || : >"$dir/LastTestsFailed.log"
    awk '
        FILENAME == ARGV[1] { sub(/^[0-9]+:/, ""); failed_test[$0] = 1; next }
        /^[0-9]+\/[0-9]+ Testing: / { name = $3; seen[name] = 1 }
        /^\[SKIP\] / { skipped++ }
        /^\[====\] Synthesis: / {
            for (i = 1; i <= NF; i++) {
                if ($i == "Passing:") ok[name] = $(i + 1)
                if ($i == "Failing:") bad[name] = $(i + 1)
            }
        }
        END {
            for (n in failed_test) if (!(n in seen)) failed++
            for (n in seen) {
                if (n in ok) {
                    passed += ok[n]
                    failed += bad[n]
                    if ((n in failed_test) && bad[n] == 0) {
                        failed++
                        if (ok[n] > 0) passed--
                    }
                } else if (n in failed_test) {
                    failed++
                } else {
                    passed++
                }
            }
            printf "%d %d %d\n", passed, failed, skipped
        }
    ' "$dir/LastTestsFailed.log" "$dir/LastTest.log"
}

# configure_build LABEL DIR TARGETS CMAKE_ARGS...: configure DIR and build
# TARGETS there (a space-separated list; "" for everything).  The build keeps
# going past a broken file so that every test that does build runs (the
# others count as failed, "Not Run"); build_failed tells whether it failed.
# Returns 1 when cmake could not even configure.
configure_build() {
    local label=$1 dir=$2 targets=$3
    shift 3
    build_failed=0
    echo "==> $label: configuring and building in $dir/"
    if ! cmake -S . -B "$dir" -DDORM_TESTS=ON "$@"; then
        summaries+=("$label ($dir/): cmake configure failed")
        all_failed=$((all_failed + 1))
        status=1
        return 1
    fi
    local keep_going=() target_args=()
    [[ -f $dir/Makefile ]] && keep_going=(-- -k)
    [[ -n $targets ]] && read -ra target_args <<<"--target $targets"
    if ! cmake --build "$dir" -j "$jobs" "${target_args[@]}" "${keep_going[@]}"; then
        echo "==> $label: the build failed; running the tests that were built" >&2
        build_failed=1
        status=1
    fi
}

# run_suite LABEL DIR CMAKE_ARGS...: configure, build and test in DIR.
run_suite() {
    local label=$1 dir=$2
    shift 2
    configure_build "$label" "$dir" "" "$@" || return
    run_tests "$label" "$dir" ctest.log "$build_failed"
}

# run_tests LABEL DIR LOG BUILD_FAILED [CTEST_ARGS...]: runs ctest in DIR
# (already built) against $DORM_TEST_URL, its output in DIR/LOG, and adds up
# the cases.
run_tests() {
    local label=$1 dir=$2 log=$3 build_failed=$4
    shift 4
    echo "==> $label: running ctest in $dir/ (DORM_TEST_URL=$DORM_TEST_URL)"
    rm -f "$dir"/Testing/Temporary/LastTest*.log
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" \
        --test-output-size-passed 1048576 --test-output-size-failed 1048576 "$@" "${ctest_filter[@]}" \
        | tee "$dir/$log"
    [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

    local ctest_line passed failed skipped
    ctest_line=$(grep -E '^[0-9]+% tests passed' "$dir/$log" || echo "ctest did not finish")
    if [[ -f $dir/Testing/Temporary/LastTest.log ]]; then
        read -r passed failed skipped < <(count_cases "$dir")
    else
        passed=0 failed=1 skipped=0
    fi
    [[ $failed -eq 0 ]] || status=1
    all_passed=$((all_passed + passed))
    all_failed=$((all_failed + failed + build_failed))
    all_skipped=$((all_skipped + skipped))
    local note=""
    [[ $build_failed -eq 0 ]] || note=" (BUILD FAILED, counted as one more failure)"
    summaries+=("$label ($dir/, $DORM_TEST_URL): $ctest_line; test cases: $passed passing, $failed failing, $skipped skipped$note")
}

# run_postgres: the optimised build's tests again on PostgreSQL.  The server
# scripts/pg_start.sh starts is stopped on the way out, whatever happens.
run_postgres() {
    local url=${DORM_TEST_PG_URL:-}
    if [[ -z $url ]]; then
        trap 'scripts/pg_stop.sh' EXIT
        trap 'exit 130' INT TERM
        if ! url=$(scripts/pg_start.sh); then
            summaries+=("PostgreSQL run: the throw-away server did not start (scripts/pg_start.sh)")
            all_failed=$((all_failed + 1))
            status=1
            return
        fi
    fi
    DORM_TEST_URL=$url
    pg_url=$url
    run_tests "optimised build on PostgreSQL" build ctest-postgres.log 0
    DORM_TEST_URL=$sqlite_url
}

# run_mariadb: the optimised build's tests again on MariaDB.  The server
# scripts/mariadb_start.sh starts is stopped on the way out, with
# PostgreSQL's, whatever happens.
run_mariadb() {
    local url=${DORM_TEST_MY_URL:-}
    if [[ -z $url ]]; then
        trap 'scripts/pg_stop.sh; scripts/mariadb_stop.sh' EXIT
        trap 'exit 130' INT TERM
        if ! url=$(scripts/mariadb_start.sh); then
            summaries+=("MariaDB run: the throw-away server did not start (scripts/mariadb_start.sh)")
            all_failed=$((all_failed + 1))
            status=1
            return
        fi
    fi
    DORM_TEST_URL=$url
    my_url=$url
    run_tests "optimised build on MariaDB" build ctest-mariadb.log 0
    DORM_TEST_URL=$sqlite_url
}

# run_tsan: the threads tests (tests/threads, label "threads") built with
# ThreadSanitizer in build-tsan/, on SQLite and, when the PostgreSQL and
# MariaDB runs have a server, on them too.  Only libdorm and those programs
# are built.
run_tsan() {
    configure_build "ThreadSanitizer build" build-tsan "test_threads test_threads_pool" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DDORM_SANITIZE=OFF -DDORM_TSAN=ON || return
    export TSAN_OPTIONS=halt_on_error=1
    run_tests "ThreadSanitizer build" build-tsan ctest-tsan.log "$build_failed" -L threads
    if [[ -n $pg_url ]]; then
        DORM_TEST_URL=$pg_url
        run_tests "ThreadSanitizer build on PostgreSQL" build-tsan ctest-tsan-postgres.log 0 -L threads
        DORM_TEST_URL=$sqlite_url
    fi
    if [[ -n $my_url ]]; then
        DORM_TEST_URL=$my_url
        run_tests "ThreadSanitizer build on MariaDB" build-tsan ctest-tsan-mariadb.log 0 -L threads
        DORM_TEST_URL=$sqlite_url
    fi
}

# run_fuzz: every fuzz target of tests/fuzz/ replays its committed corpus
# (known crashers must stay fixed) and fuzzes for FUZZ_SMOKE_SECONDS (5)
# seconds; skipped, with the reason, where clang or libFuzzer is missing.
run_fuzz() {
    echo "==> fuzz targets: committed corpora, then ${FUZZ_SMOKE_SECONDS:-5}s of new inputs each (scripts/fuzz.sh)"
    local log=build-fuzz/fuzz-smoke.log
    mkdir -p build-fuzz
    FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-5} JOBS=$jobs scripts/fuzz.sh 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]} passed failed
    if [[ $rc -eq 2 ]]; then
        all_skipped=$((all_skipped + 1))
        summaries+=("fuzz targets: SKIPPED: $(grep -m1 '^fuzz: ' "$log" | sed 's/^fuzz: //')")
        return
    fi
    read -r passed failed < <(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tail -1)
    passed=${passed:-0}
    failed=${failed:-1}
    [[ $rc -eq 0 && $failed -eq 0 ]] || status=1
    all_passed=$((all_passed + passed))
    all_failed=$((all_failed + failed))
    summaries+=("fuzz targets (build-fuzz/): $passed passing, $failed failing")
}

# run_lint: clang-format and cppcheck (scripts/lint.sh, make lint); skipped,
# saying why, when a tool is missing.
run_lint() {
    echo "==> lint: clang-format and cppcheck (scripts/lint.sh)"
    local out rc
    out=$(JOBS=$jobs scripts/lint.sh 2>&1)
    rc=$?
    echo "$out"
    if [[ $rc -eq 2 ]]; then
        all_skipped=$((all_skipped + 1))
        summaries+=("lint: SKIPPED: ${out##*lint: }")
        return
    fi
    if [[ $rc -eq 0 ]]; then
        all_passed=$((all_passed + 1))
        summaries+=("lint (clang-format, cppcheck): clean")
    else
        status=1
        all_failed=$((all_failed + 1))
        summaries+=("lint (clang-format, cppcheck): FAILED (see above)")
    fi
}

summary() {
    echo
    echo "==> summary"
    printf '%s\n' "${summaries[@]}"
    echo "$all_passed passed, $all_failed failed, $all_skipped skipped"
    exit "$status"
}

# stress: the concurrency tests (label "concurrency") on SQLite, PostgreSQL
# and MariaDB and the threads programs under ThreadSanitizer, each loop
# doing $DORM_STRESS (10) times its usual work (make test-stress).
if [[ ${1:-} == stress ]]; then
    export DORM_STRESS=${DORM_STRESS:-10}
    ctest_filter=(-L concurrency)
    run_suite "optimised build, concurrency tests x$DORM_STRESS" build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDORM_SANITIZE=OFF
    run_postgres
    run_mariadb
    ctest_filter=()
    run_tsan
    summary
fi

if [[ ${1:-} == tsan ]]; then
    pg_url=${DORM_TEST_PG_URL:-}
    my_url=${DORM_TEST_MY_URL:-}
    run_tsan
    summary
fi

run_suite "optimised build" build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDORM_SANITIZE=OFF
run_postgres
run_mariadb

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite "sanitizer build" build-asan -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DDORM_SANITIZE=ON
# The MariaDB driver's own run under the sanitizers (a minute or two).
if [[ -n $my_url ]]; then
    DORM_TEST_URL=$my_url
    run_tests "sanitizer build on MariaDB" build-asan ctest-asan-mariadb.log 0
    DORM_TEST_URL=$sqlite_url
fi
run_tsan
run_fuzz
run_lint
summary
