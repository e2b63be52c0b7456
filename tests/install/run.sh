#!/usr/bin/env bash
# tests/install/run.sh SOURCE_DIR BUILD_DIR - installs the libdorm built in
# BUILD_DIR into a temporary prefix and builds the project of this folder
# against it as a user would: with pkg-config (shared, C and C++, and
# --static against libdorm.a alone) and with find_package(dorm); then with
# add_subdirectory of the source tree; then uninstalls and checks that
# nothing is left.  Each program must print the same line.  $CC, $CXX.
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
here=$src/tests/install
cc=${CC:-cc}
cxx=${CXX:-c++}
cmake=${CMAKE:-cmake}
warn=(-Wall -Wextra -Werror -pedantic)

if [[ ${DORM_TEST_URL:-} == postgres* ]]; then
    echo "install test: skipped on PostgreSQL (it runs the same on every backend)"
    exit 77
fi

tmp=$(mktemp -d /tmp/dorm-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
out=$tmp/out
mkdir -p "$out"

step() { echo "==> $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# run NAME PROGRAM: the program's line, which every program must print alike.
expected=""
run() {
    local name=$1 line
    shift
    line=$("$@") || fail "$name exited with $?"
    echo "    $name: $line"
    [[ -z $expected ]] && expected=$line
    [[ $line == "$expected" ]] || fail "$name printed '$line', not '$expected'"
}

step "install into $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
libdir=$(dirname "$(find "$prefix" -name libdorm.a)")
[[ -f $prefix/include/dorm.h && -f $prefix/include/dorm/version.h && -f $libdir/pkgconfig/dorm.pc ]] ||
    fail "headers or dorm.pc missing"
grep -q "libdorm.so is in $libdir" "$tmp/install.log" || fail "no note on finding libdorm.so in a private prefix"

# The SONAME of CONTRIBUTING.md's rule, from the version in the header.
read -r major minor < <(awk '/^#define DORM_VERSION_MAJOR/ {M=$3} /^#define DORM_VERSION_MINOR/ {m=$3} END {print M, m}' \
    "$src/include/dorm/version.h")
soname=$(objdump -p "$libdir/libdorm.so" | awk '$1 == "SONAME" {print $2}')
want=libdorm.so.$major
[[ $major == 0 ]] && want=libdorm.so.0.$minor
[[ $soname == "$want" ]] || fail "SONAME $soname, expected $want"

pc=(env PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --define-variable=prefix="$prefix")

step "pkg-config, shared library, C and C++"
"$cc" -std=c11 "${warn[@]}" $("${pc[@]}" --cflags dorm) -c "$here/models.c" -o "$out/models.o"
"$cc" -std=c11 "${warn[@]}" $("${pc[@]}" --cflags dorm) "$here/app.c" "$out/models.o" -o "$out/app_c" \
    $("${pc[@]}" --libs dorm) -Wl,-rpath,"$libdir"
run "C (pkg-config)" "$out/app_c"
"$cxx" -std=c++11 "${warn[@]}" $("${pc[@]}" --cflags dorm) "$here/app.cpp" "$out/models.o" -o "$out/app_cxx" \
    $("${pc[@]}" --libs dorm) -Wl,-rpath,"$libdir"
run "C++ (pkg-config)" "$out/app_cxx"

step "pkg-config --static, against libdorm.a alone"
cp -a "$prefix" "$tmp/static"
rm -f "$tmp/static/${libdir#"$prefix"/}"/libdorm.so*
spc=(env PKG_CONFIG_PATH="$tmp/static/${libdir#"$prefix"/}/pkgconfig" pkg-config --define-variable=prefix="$tmp/static")
"$cc" -std=c11 "${warn[@]}" $("${spc[@]}" --cflags dorm) "$here/app.c" "$out/models.o" -o "$out/app_static" \
    $("${spc[@]}" --static --libs dorm)
objdump -p "$out/app_static" | grep -q 'NEEDED.*libdorm' && fail "the static program needs libdorm.so"
run "C (pkg-config --static)" "$out/app_static"

step "find_package(dorm) after install, C and C++, shared and static"
"$cmake" -S "$here" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="${warn[*]}" -DCMAKE_CXX_FLAGS="${warn[*]}" >"$tmp/cmake.log" ||
    { cat "$tmp/cmake.log"; fail "configure with find_package"; }
"$cmake" --build "$tmp/cmake" -j "${JOBS:-2}" >"$tmp/cmake-build.log" || { cat "$tmp/cmake-build.log"; fail "build"; }
run "C (find_package)" "$tmp/cmake/app_c"
run "C++ (find_package)" "$tmp/cmake/app_cxx"
run "C static (find_package)" "$tmp/cmake/app_static"
line=$("$tmp/cmake/suite" "$here/authors.json") || fail "the dorm/testing.h suite failed: $line"
echo "    plain C test suite (dorm/testing.h): $line"

step "add_subdirectory of the source tree"
"$cmake" -S "$here" -B "$tmp/subdir" -DDORM_SOURCE_DIR="$src" >"$tmp/subdir.log" ||
    { cat "$tmp/subdir.log"; fail "configure with add_subdirectory"; }
"$cmake" --build "$tmp/subdir" -j "${JOBS:-2}" --target app_c app_cxx >"$tmp/subdir-build.log" ||
    { cat "$tmp/subdir-build.log"; fail "build with add_subdirectory"; }
run "C (add_subdirectory)" "$tmp/subdir/app_c"
run "C++ (add_subdirectory)" "$tmp/subdir/app_cxx"

step "uninstall"
"$cmake" -DMANIFEST="$build/install_manifest.txt" -P "$src/cmake/uninstall.cmake" >/dev/null
left=$(find "$prefix" -type f -o -type l)
[[ -z $left ]] || fail "left after uninstall: $left"
echo "install test passed"
