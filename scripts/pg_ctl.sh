#!/usr/bin/env bash
# scripts/pg_ctl.sh - runs pg_ctl on the server scripts/pg_start.sh started,
# as that server's owner and on its data folder, for tests that stop, crash
# and restart it.  $DORM_PG_STATE names the state file (default build/pg.env).
# Usage: scripts/pg_ctl.sh stop [-m fast|immediate] | start | restart | status
# Every wait is bounded (pg_ctl -t); start logs to the server's log file, so
# the server never holds the caller's output open.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
state=${DORM_PG_STATE:-build/pg.env}
[[ -f $state ]] || { echo "pg_ctl.sh: no server state in $state" >&2; exit 1; }
PGBIN=$(sed -n 's/^PGBIN=//p' "$state")
PGDIR=$(sed -n 's/^PGDIR=//p' "$state")
PGOWNER=$(sed -n 's/^PGOWNER=//p' "$state")
as_owner=()
[[ -n $PGOWNER ]] && as_owner=(runuser -u "$PGOWNER" --)
wait=(-w -t "${DORM_PG_WAIT:-60}")
case ${1:-} in
start | restart) extra=(-l "$PGDIR/server.log" "${wait[@]}") ;;
stop) extra=("${wait[@]}") ;;
status) extra=() ;;
*) echo "usage: pg_ctl.sh stop [-m MODE] | start | restart | status" >&2; exit 2 ;;
esac
exec "${as_owner[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" "$@" "${extra[@]}" >/dev/null
