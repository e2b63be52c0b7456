#!/usr/bin/env bash
# scripts/fuzz.sh - builds the libFuzzer targets of tests/fuzz/ with clang in
# build-fuzz/ and runs each: first its committed corpus (tests/fuzz/corpus/
# <name>/, so that a known input that crashed before fails again), then new
# inputs for FUZZ_SECONDS seconds (default 60), with the target's dictionary
# of names (tests/fuzz/<name>.dict).  New inputs go to
# build-fuzz/corpus/<name>/, a crash to build-fuzz/crashes/<name>-*; add a
# crashing input to the committed corpus once it is fixed.
# Usage: scripts/fuzz.sh [TARGET...]   (default: every target)
# Prints "fuzz: N passed, M failed" last; exits 1 if any target failed, 2 if
# the fuzz build is impossible here (no clang or libFuzzer runtime).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}
dir=build-fuzz

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz: clang not found (install clang and libclang-rt-14-dev): skipped" >&2
    exit 2
fi
if ! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
    clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1; then
    echo "fuzz: clang cannot link libFuzzer (install libclang-rt-14-dev): skipped" >&2
    exit 2
fi

mkdir -p "$dir"
echo "==> fuzz: configuring and building in $dir/"
if ! cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DDORM_FUZZ=ON -DDORM_TESTS=OFF -DDORM_SANITIZE=OFF \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" >"$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    echo "fuzz: 0 passed, 1 failed (cmake configure failed)"
    exit 1
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    for f in tests/fuzz/fuzz_*.c; do
        t=${f##*/fuzz_}
        targets+=("${t%.c}")
    done
fi
if ! cmake --build "$dir" -j "$jobs" --target "${targets[@]/#/fuzz_}" >>"$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    echo "fuzz: 0 passed, ${#targets[@]} failed (build failed)"
    exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0
failed=0
mkdir -p "$dir/crashes"
for t in "${targets[@]}"; do
    bin=$dir/fuzz/fuzz_$t seeds=tests/fuzz/corpus/$t work=$dir/corpus/$t
    mkdir -p "$work" "$seeds"
    log=$dir/fuzz-$t.log
    echo "==> fuzz $t: replaying $seeds/ ($(find "$seeds" -type f | wc -l) inputs), then ${seconds}s of new inputs"
    opts=(-artifact_prefix="$dir/crashes/$t-" -max_len=8192 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1)
    [[ -f tests/fuzz/$t.dict ]] && opts+=(-dict="tests/fuzz/$t.dict")
    if ! "$bin" "${opts[@]}" -runs=0 "$seeds" >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz $t: FAILED on the committed corpus (log: $log)"
        failed=$((failed + 1))
        continue
    fi
    if [[ $seconds -gt 0 ]] && ! "$bin" "${opts[@]}" -max_total_time="$seconds" "$work" "$seeds" >>"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz $t: FAILED: a new input crashed it ($(ls -t "$dir/crashes/$t-"* 2>/dev/null | head -1))"
        failed=$((failed + 1))
        continue
    fi
    echo "fuzz $t: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$') runs)"
    passed=$((passed + 1))
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
