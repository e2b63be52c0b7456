#!/usr/bin/env bash
# scripts/mariadb_stop.sh - stops the server scripts/mariadb_start.sh started
# and removes its folder.  Does nothing when none is running.
# $DORM_MY_STATE names the state file mariadb_start.sh wrote (default
# build/mariadb.env).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_MY_STATE:-build/mariadb.env}
[[ -f $state ]] || exit 0
MYDIR=$(sed -n 's/^MYDIR=//p' "$state")
MYPID=$(sed -n 's/^MYPID=//p' "$state")
# The server's own process (runuser's child when started as root).
[[ -n $MYDIR && -s $MYDIR/mysqld.pid ]] && MYPID=$(cat "$MYDIR/mysqld.pid")
if [[ -n $MYPID ]] && kill -0 "$MYPID" 2>/dev/null; then
    kill -TERM "$MYPID" 2>/dev/null
    # A clean shutdown takes a moment; after 30 s the server is killed.
    for _ in $(seq 1 300); do
        kill -0 "$MYPID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$MYPID" 2>/dev/null; then
        echo "mariadb_stop.sh: the server did not stop within 30 s; killing it (log: $MYDIR/server.log)" >&2
        kill -KILL "$MYPID" 2>/dev/null
    fi
fi
[[ -n $MYDIR && -d $MYDIR/data ]] && rm -rf "$MYDIR"
rm -f "$state"
