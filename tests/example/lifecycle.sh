#!/bin/sh
# lifecycle.sh - runs the lifecycle example on two databases, "default" and
# "archive", of the backend of $DORM_TEST_URL and compares what it prints
# with that backend's acceptance transcript, byte for byte.  SQLite: two
# databases in memory.  PostgreSQL and MariaDB: two databases made here on
# the test server (NAME and NAME_archive, as the acceptance settings name
# them), given to the program as DATABASE_URL and DATABASE_URL_ARCHIVE, and
# dropped afterwards.
# A build that lacks a feature the transcript needs (the program stops with
# NotSupportedError) must still print the transcript exactly up to there;
# the test is then skipped (exit 77), naming what is missing.
# Usage: lifecycle.sh LIFECYCLE EXPECTED_DIR
set -eu
program=$1
dir=$2
url=${DORM_TEST_URL:-sqlite://:memory:}
out=$(mktemp "${TMPDIR:-/tmp}/dorm-lifecycle.XXXXXX")
err=$(mktemp "${TMPDIR:-/tmp}/dorm-lifecycle-err.XXXXXX")
name=dorm_lifecycle_$$
databases=""

. "$(dirname "$0")/server.sh"

cleanup() {
    rm -f "$out" "$err"
    if [ -n "$databases" ]; then
        drop_private "$name"
        drop_private "${name}_archive"
    fi
}
trap cleanup EXIT

case $url in
postgres*) want=$dir/library_lifecycle.postgres.expected ;;
mysql* | mariadb*) want=$dir/library_lifecycle.mysql.expected ;;
*) want=$dir/library_lifecycle.expected ;;
esac
case $url in
postgres* | mysql* | mariadb*)
    databases=yes
    server_sql "CREATE DATABASE $name"
    server_sql "CREATE DATABASE ${name}_archive"
    ;;
esac

status=0
if [ -n "$databases" ]; then
    DATABASE_URL=$(with_database "$url" "$name") DATABASE_URL_ARCHIVE=$(with_database "$url" "${name}_archive") \
        "$program" >"$out" 2>"$err" || status=$?
else
    (unset DATABASE_URL DATABASE_URL_ARCHIVE && "$program") >"$out" 2>"$err" || status=$?
fi
if [ "$status" -eq 0 ] && cmp -s "$want" "$out"; then
    echo "the transcript is Django's, byte for byte"
    exit 0
fi
lines=$(wc -l <"$out")
if [ "$status" -ne 0 ] && grep -q "NotSupportedError" "$err" && head -n "$lines" "$want" | cmp -s - "$out"; then
    echo "[SKIP] the transcript is Django's up to line $lines, where this build lacks a feature: $(tail -n 1 "$err")"
    exit 77
fi
cat "$err"
diff -u "$want" "$out" | head -n 40
exit 1
