#!/usr/bin/env bash
# scripts/pgbouncer_stop.sh - stops the PgBouncer scripts/pgbouncer_start.sh
# started (SIGINT: at once; bounded wait, then SIGKILL) and removes its
# folder.  Does nothing when none runs.
# Usage: DORM_PGB_STATE=STATE scripts/pgbouncer_stop.sh
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_PGB_STATE:?set DORM_PGB_STATE to the PgBouncer state file}
[[ -f $state ]] || exit 0
dir=$(sed -n 's/^PGBDIR=//p' "$state")
if [[ -n $dir && -f $dir/pgbouncer.pid ]]; then
    pid=$(cat "$dir/pgbouncer.pid")
    if [[ $pid =~ ^[0-9]+$ ]] && kill -INT "$pid" 2>/dev/null; then
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
fi
[[ -n $dir && -f $dir/pgbouncer.ini ]] && rm -rf "$dir"
rm -f "$state"
