#!/bin/sh
# transcript.sh - runs an example on $DORM_TEST_URL (default
# sqlite://:memory:) and compares what it prints with the acceptance
# transcript, byte for byte: EXPECTED, or beside it the backend's own
# (NAME.postgres.expected, NAME.mysql.expected) where Django prints
# differently there.  On a server the program runs in a database made for
# the run and dropped afterwards (tests/example/server.sh).
# Usage: transcript.sh PROGRAM EXPECTED
set -eu
url=${DORM_TEST_URL:-sqlite://:memory:}
want=$2
case $url in
postgres*) own=${2%.expected}.postgres.expected ;;
mysql* | mariadb*) own=${2%.expected}.mysql.expected ;;
*) own= ;;
esac
if [ -n "$own" ] && [ -f "$own" ]; then want=$own; fi
out=$(mktemp "${TMPDIR:-/tmp}/dorm-transcript.XXXXXX")
name=dorm_example_$$
. "$(dirname "$0")/server.sh"
trap 'rm -f "$out"; drop_private "$name"' EXIT
db=$(private_url "$name")
"$1" "$db" >"$out"
if cmp -s "$want" "$out"; then
    echo "the transcript is Django's, byte for byte"
    exit 0
fi
diff -u "$want" "$out" | head -n 40
exit 1
