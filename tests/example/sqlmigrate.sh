#!/bin/sh
# sqlmigrate.sh - `library manage sqlmigrate library 0001` on $DORM_TEST_URL
# (default sqlite://:memory:) prints what Django 3.2's `manage.py sqlmigrate
# library 0001` prints for the acceptance app on that backend, byte for byte
# (its text in sqlmigrate_0001.<backend>.sql next to this script), in a
# database of its own on a server (tests/example/server.sh).
# Usage: sqlmigrate.sh LIBRARY
set -eu
url=${DORM_TEST_URL:-sqlite://:memory:}
case $url in
postgres*) want=$(dirname "$0")/sqlmigrate_0001.postgres.sql ;;
mysql* | mariadb*) want=$(dirname "$0")/sqlmigrate_0001.mysql.sql ;;
*) want=$(dirname "$0")/sqlmigrate_0001.sqlite.sql ;;
esac
out=$(mktemp "${TMPDIR:-/tmp}/dorm-sqlmigrate.XXXXXX")
name=dorm_sqlmigrate_$$
. "$(dirname "$0")/server.sh"
trap 'rm -f "$out"; drop_private "$name"' EXIT
db=$(private_url "$name")
DATABASE_URL=$db "$1" manage sqlmigrate library 0001 >"$out"
if cmp -s "$want" "$out"; then
    echo "sqlmigrate prints Django's SQL, byte for byte"
    exit 0
fi
diff -u "$want" "$out" | head -n 40
exit 1
