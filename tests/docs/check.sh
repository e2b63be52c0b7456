#!/bin/sh
# tests/docs/check.sh - builds the API reference (docs/Doxyfile) and fails on
# any warning, which is how a public declaration without a contract comment
# shows.  Run from the source root with DORM_VERSION, DORM_DOCS_OUT and
# DORM_DOXYGEN (empty when CMake found no doxygen: then it skips, saying why).
if [ -z "${DORM_DOXYGEN:-}" ] || [ ! -x "$DORM_DOXYGEN" ]; then
    echo "docs test: skipped: doxygen not found (Debian: doxygen; scripts/deps.sh installs it)"
    exit 77
fi
case ${DORM_TEST_URL:-} in
postgres*)
    echo "docs test: skipped on PostgreSQL (it checks the headers, the same on every backend)"
    exit 77
    ;;
esac
rm -rf "$DORM_DOCS_OUT"
mkdir -p "$DORM_DOCS_OUT"
if ! "$DORM_DOXYGEN" docs/Doxyfile >"$DORM_DOCS_OUT/doxygen.log" 2>&1; then
    cat "$DORM_DOCS_OUT/doxygen.log"
    echo "docs test: the API reference has warnings (above): every public declaration needs its comment"
    exit 1
fi
for page in index.html files.html globals.html; do
    [ -f "$DORM_DOCS_OUT/html/$page" ] || { echo "docs test: $page was not generated"; exit 1; }
done
echo "docs test: the API reference built without a warning"
