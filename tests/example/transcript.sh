#!/bin/sh
# transcript.sh - runs the library example on $DORM_TEST_URL (default
# sqlite://:memory:) and compares what it prints with the acceptance
# transcript, byte for byte.  Usage: transcript.sh LIBRARY EXPECTED
set -eu
out=$(mktemp "${TMPDIR:-/tmp}/dorm-transcript.XXXXXX")
trap 'rm -f "$out"' EXIT
"$1" "${DORM_TEST_URL:-sqlite://:memory:}" >"$out"
if cmp -s "$2" "$out"; then
    echo "the transcript is Django's, byte for byte"
    exit 0
fi
diff -u "$2" "$out" | head -n 40
exit 1
