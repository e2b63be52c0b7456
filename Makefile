# Makefile - the README's two commands, `make demo` and `make test`, and the
# other entry points (deps, build, test-tsan, bench, install, clean).  CMake
# builds; scripts/deps.sh installs Debian packages; scripts/test.sh runs the
# suites.
JOBS ?= 2
PREFIX ?= /usr/local
BUILD := build
BENCH_BUILD := build-bench
RELEASE := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDORM_SANITIZE=OFF
DEMO_DB := $(BUILD)/library.db
MAKEFLAGS += --no-print-directory

.PHONY: all deps build demo test test-tsan bench bench-postgres bench-mysql install clean

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

test: deps
	@JOBS=$(JOBS) scripts/test.sh

# The threads test under ThreadSanitizer alone (make test runs it too).
test-tsan: deps
	@JOBS=$(JOBS) scripts/test.sh tsan

# bench/run.sh gets the directory holding the benchmark programs.
bench:
	@scripts/deps.sh bench
	cmake -S . -B $(BENCH_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@if [ -f bench/run.sh ]; then bash bench/run.sh $(BENCH_BUILD)/bench; \
	 else echo "make bench: no bench/run.sh yet; programs are in $(BENCH_BUILD)/bench/"; fi

# The same workloads on a private PostgreSQL server bench/run_pg.sh starts.
bench-postgres:
	@scripts/deps.sh bench
	cmake -S . -B $(BENCH_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@bash bench/run_pg.sh $(BENCH_BUILD)/bench

# The same workloads on a private MariaDB server bench/run_mysql.sh starts.
bench-mysql:
	@scripts/deps.sh bench
	cmake -S . -B $(BENCH_BUILD) $(RELEASE) -DDORM_TESTS=OFF -DDORM_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@bash bench/run_mysql.sh $(BENCH_BUILD)/bench

# Configured again so that dorm.pc names the prefix the files go to.
install: deps
	cmake -S . -B $(BUILD) $(RELEASE) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS) --target dorm dorm_shared
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-tsan $(BENCH_BUILD)
