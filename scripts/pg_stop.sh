#!/usr/bin/env bash
# scripts/pg_stop.sh - stops the server scripts/pg_start.sh started and
# removes its folder.  Does nothing when none is running.  $DORM_PG_STATE
# names the state file pg_start.sh wrote (default build/pg.env).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_PG_STATE:-build/pg.env}
[[ -f $state ]] || exit 0
PGBIN=$(sed -n 's/^PGBIN=//p' "$state")
PGDIR=$(sed -n 's/^PGDIR=//p' "$state")
PGOWNER=$(sed -n 's/^PGOWNER=//p' "$state")
as_owner=()
[[ -n $PGOWNER ]] && as_owner=(runuser -u "$PGOWNER" --)
if [[ -n $PGDIR && -f $PGDIR/data/postmaster.pid ]]; then
    "${as_owner[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null ||
        echo "pg_stop.sh: pg_ctl stop failed (log: $PGDIR/server.log)" >&2
fi
[[ -n $PGDIR && -d $PGDIR/data ]] && rm -rf "$PGDIR"
rm -f "$state"
