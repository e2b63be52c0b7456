#!/usr/bin/env bash
# scripts/pg_standby.sh - starts a hot standby of a throw-away primary that
# scripts/pg_start.sh started: pg_basebackup -R from the primary's socket
# into DIR, then the standby listens on a socket of its own there, streaming
# from the primary.  Prints the standby's URL (its database dorm_test).
# scripts/pg_ctl.sh and scripts/pg_stop.sh control and remove it like any
# server of pg_start.sh, with $DORM_PG_STATE naming its state file.
# Usage: DORM_PG_STATE=STANDBY_STATE scripts/pg_standby.sh PRIMARY_STATE DIR
# Every wait is bounded (pg_basebackup by timeout(1), pg_ctl -t).
set -euo pipefail

cd "$(dirname "$0")/.." || exit 1
primary=${1:?usage: pg_standby.sh PRIMARY_STATE DIR}
dir=${2:?usage: pg_standby.sh PRIMARY_STATE DIR}
state=${DORM_PG_STATE:?set DORM_PG_STATE to the standby state file}
[[ -f $primary ]] || { echo "pg_standby.sh: no primary state in $primary" >&2; exit 1; }
PGBIN=$(sed -n 's/^PGBIN=//p' "$primary")
PGOWNER=$(sed -n 's/^PGOWNER=//p' "$primary")
purl=$(sed -n 's/^URL=//p' "$primary")
psock=$(sed -e 's/.*host=\([^&]*\).*/\1/' <<<"$purl")
pport=$(sed -e 's/.*port=\([0-9]*\).*/\1/' <<<"$purl")
as_owner=()
[[ -n $PGOWNER ]] && as_owner=(runuser -u "$PGOWNER" --)

[[ -f $state ]] && DORM_PG_STATE=$state scripts/pg_stop.sh >/dev/null 2>&1 || true
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sockdir=$dir/sock
if { [[ ${#as_owner[@]} -gt 0 ]] && ! "${as_owner[@]}" test -x "$dir"; } || [[ ${#sockdir} -gt 80 ]]; then
    rmdir "$dir" 2>/dev/null || true
    dir=$(mktemp -d /tmp/dorm-standby.XXXXXX)
    sockdir=$dir/sock
fi
rm -rf "$dir/data" "$sockdir"
mkdir -p "$dir/data" "$sockdir"
chmod 700 "$dir/data"
[[ -n $PGOWNER ]] && chown "$PGOWNER" "$dir" "$dir/data" "$sockdir"

# -R writes standby.signal and primary_conninfo (the primary's socket).
if ! timeout 120 "${as_owner[@]}" "$PGBIN/pg_basebackup" -h "$psock" -p "$pport" -U dorm -D "$dir/data" -R \
    -X stream -c fast --no-sync >"$dir/basebackup.log" 2>&1; then
    cat "$dir/basebackup.log" >&2
    exit 1
fi
port=$((pport + 1))
while [[ -e $sockdir/.s.PGSQL.$port ]]; do port=$((port + 1)); done
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sockdir'
port = $port
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1
CONF

echo "PGBIN=$PGBIN" >"$state"
echo "PGDIR=$dir" >>"$state"
echo "PGOWNER=$PGOWNER" >>"$state"
if ! "${as_owner[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
    cat "$dir/server.log" >&2
    exit 1
fi
url="postgres:///dorm_test?host=$sockdir&port=$port&user=dorm"
echo "URL=$url" >>"$state"
echo "$url"
