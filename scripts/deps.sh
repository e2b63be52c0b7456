#!/usr/bin/env bash
# scripts/deps.sh - makes sure the Debian packages dorm needs are installed:
# installs the missing ones when run as root, else prints the apt-get line.
# Usage: scripts/deps.sh [GROUP...]   (no group: "build")
#   install  what `make install` needs: the compiler, CMake and the libraries
#            libdorm links (not the PostgreSQL server, Criterion or Doxygen)
#   build    everything `make test` and `make demo` need
#   docs     what `make docs` needs
#   bench    the benchmarks' Django, psycopg2 and libgom (with "build")
#   fuzz     clang and libFuzzer's run-time (make fuzz, make test's fuzz step)
#   coverage lcov (make coverage)
#   lint     clang-format and cppcheck (make lint, make test's lint step)
#   images   libpng and libjpeg, for ImageField's width and height
set -euo pipefail

# The libraries libdorm links, as -dev packages: each backend adds its client
# library here (and to DORM_DEPENDENCIES in CMakeLists.txt).
LIBRARY="libsqlite3-dev libpq-dev libmariadb-dev libjansson-dev"
TOOLS="gcc make cmake pkg-config"

# ImageField's sizes (optional: libdorm builds without them, DORM_IMAGES).
IMAGES="libpng-dev libjpeg62-turbo-dev"

# The one list of packages, by group.  Later issues add to these lines.
declare -A GROUP_PACKAGES=(
    [install]="$TOOLS $LIBRARY"
    [build]="$TOOLS $LIBRARY $IMAGES g++ postgresql pgbouncer mariadb-server libcriterion-dev doxygen"
    [docs]="make doxygen"
    [bench]="python3-django python3-psycopg2 python3-mysqldb libgom-1.0-dev"
    [fuzz]="clang libclang-rt-14-dev"
    [coverage]="lcov"
    [lint]="clang-format cppcheck"
    [images]="$IMAGES"
)

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(build)
wanted=()
for group in "${groups[@]}"; do
    if [[ -z "${GROUP_PACKAGES[$group]+set}" ]]; then
        echo "deps.sh: unknown group '$group' (known: ${!GROUP_PACKAGES[*]})" >&2
        exit 2
    fi
    read -r -a packages <<<"${GROUP_PACKAGES[$group]}"
    wanted+=("${packages[@]}")
done

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Off Debian the names may differ; the CMake configure step reports what is missing.
    echo "deps.sh: dpkg-query not found, not checking packages (needed: ${wanted[*]})" >&2
    exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "deps.sh: missing Debian packages; install them with:" >&2
    echo "sudo apt-get install -y ${missing[*]}"
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null
apt-get install -y "${missing[@]}" </dev/null
