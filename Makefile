# Makefile - the README's two commands, `make demo` and `make test`, and the
# other entry points (deps, build, test-tsan, test-stress, test-oom,
# coverage, lint, fuzz, bench, install, uninstall, docs, clean).  CMake builds;
# scripts/deps.sh installs Debian packages; scripts/test.sh runs the suites
# and scripts/fuzz.sh the fuzz targets.
JOBS ?= 2
PREFIX ?= /usr/local
BUILD := build
BENCH_BUILD := build-bench
INSTALL_BUILD := build-install
DOCS_BUILD := build-docs
RELEASE := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDORM_SANITIZE=OFF
DEMO_DB := $(BUILD)/library.db
MAKEFLAGS += --no-print-directory

.PHONY: all deps build demo test test-tsan test-stress test-oom coverage lint fuzz bench bench-postgres bench-mysql install uninstall docs clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) $(RELEASE)
	cmake --build $(BUILD) -j $(JOBS)

# Only the program's output reaches the terminal; the build log is shown
# when the build fails.
demo: deps
	@mkdir -p $(BUILD)
	@{ cmake -S . -B $(BUILD) $(RELEASE) && \
	   cmake --build $(BUILD) -j $(JOBS) --target library; } >$(BUILD)/demo-build.log 2>&1 || \
	 { cat $(BUILD)/demo-build.log; echo "make demo: build failed" >&2; exit 1; }
	@rm -f $(DEMO_DB)
	@$(BUILD)/library "$${DATABASE_URL:-sqlite:///$(DEMO_DB)}"

# The fuzz step of scripts/test.sh needs clang; without it the step is
# skipped (and says why), so a missing clang does not stop the other suites.
test: deps
	@scripts/deps.sh fuzz || echo "make test: clang is missing: the fuzz step will be skipped"
	@scripts/deps.sh lint || echo "make test: clang-format or cppcheck is missing: the lint step will be skipped"
	@JOBS=$(JOBS) scripts/test.sh

# The threads test under ThreadSanitizer alone (make test runs it too).
test-tsan: deps
	@JOBS=$(JOBS) scripts/test.sh tsan

# The concurrency tests and the threads program with ten times their load
# (DORM_STRESS=N for another factor), on SQLite and PostgreSQL.
test-stress: deps
	@JOBS=$(JOBS) scripts/test.sh stress

# The allocation-failure test at every failure point under ASan/LSan
# (make test's sanitizer run samples every 3rd).
test-oom: deps
	cmake -S . -B build-asan -DDORM_TESTS=ON -DCMAKE_BUILD_TYPE=Debug \
	    -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DDORM_SANITIZE=ON
	cmake --build build-asan -j $(JOBS) --target test_oom_program
	DORM_OOM_STRIDE=1 ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 build-asan/tests/test_oom_program

# Line and branch coverage of src/ by the suite on every backend that can be
# started (scripts/coverage.sh; lcov), the report in build-coverage/html/.
coverage: deps
	@scripts/deps.sh coverage
	@JOBS=$(JOBS) scripts/coverage.sh

# clang-format and cppcheck (scripts/lint.sh), as make test's lint step.
lint:
	@scripts/deps.sh lint
	@JOBS=$(JOBS) scripts/lint.sh

# Every fuzz target on its committed corpus, then FUZZ_SECONDS (60) of new
# inputs each; crashes land in build-fuzz/crashes/.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz.sh

# bench/run.sh gets the directory holding the benchmark programs.
bench:
	@scripts/deps.sh build bench
	cmake -S . -B $(BENCH_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@if [ -f bench/run.sh ]; then bash bench/run.sh $(BENCH_BUILD)/bench; \
	 else echo "make bench: no bench/run.sh yet; programs are in $(BENCH_BUILD)/bench/"; fi

# The same workloads on a private PostgreSQL server bench/run_server.sh starts,
# then reads from 1, 2 and 4 threads through pools and a hot standby
# (bench/run_scale.sh).
bench-postgres:
	@scripts/deps.sh build bench
	cmake -S . -B $(BENCH_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@bash bench/run_server.sh pg $(BENCH_BUILD)/bench
	@bash bench/run_scale.sh $(BENCH_BUILD)/bench

# The same workloads on a private MariaDB server bench/run_server.sh starts.
bench-mysql:
	@scripts/deps.sh bench
	cmake -S . -B $(BENCH_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@bash bench/run_server.sh my $(BENCH_BUILD)/bench

# The library alone, in a build folder of its own (so it can run beside
# `make test`), needing only the libraries libdorm links: PREFIX, DESTDIR and
# CMAKE_ARGS (e.g. -DDORM_SHARED=OFF for libdorm.a alone) are passed on.
install:
	@scripts/deps.sh install
	cmake -S . -B $(INSTALL_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_EXAMPLES=OFF \
	    -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)
	cmake --build $(INSTALL_BUILD) -j $(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(INSTALL_BUILD)

# Removes what the last `make install` installed (its install_manifest.txt).
uninstall:
	@if [ -f $(INSTALL_BUILD)/install_manifest.txt ]; then \
	    cmake -DMANIFEST=$(INSTALL_BUILD)/install_manifest.txt -P cmake/uninstall.cmake; \
	 else echo "make uninstall: $(INSTALL_BUILD)/install_manifest.txt not found: nothing was installed by make install"; fi

# The API reference from the headers' contract comments (docs/Doxyfile); it
# fails on a public declaration without one, as `make test` does.
docs:
	@scripts/deps.sh docs
	@mkdir -p $(DOCS_BUILD)
	DORM_VERSION=$$(awk '/^#define DORM_VERSION_(MAJOR|MINOR|PATCH) / {v = v (v ? "." : "") $$3} END {print v}' \
	    include/dorm/version.h) DORM_DOCS_OUT=$(DOCS_BUILD) doxygen docs/Doxyfile
	@echo "make docs: the API reference is $(DOCS_BUILD)/html/index.html"

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz build-coverage $(BENCH_BUILD) $(INSTALL_BUILD) $(DOCS_BUILD)
