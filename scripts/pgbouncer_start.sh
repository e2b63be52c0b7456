#!/usr/bin/env bash
# scripts/pgbouncer_start.sh - starts a throw-away PgBouncer in transaction
# pooling mode in front of a server of scripts/pg_start.sh: listening only
# on a unix socket in DIR, every database passed through to the server's
# socket, POOL server connections per database (default 2).  Prints the URL
# of dorm_test through it, with prepare=0 as PgBouncer 1.18 needs.  Runs as
# the server's owner (PgBouncer refuses root).  scripts/pgbouncer_stop.sh
# stops it and removes DIR.
# Usage: DORM_PGB_STATE=STATE scripts/pgbouncer_start.sh PRIMARY_STATE DIR [POOL]
set -euo pipefail

cd "$(dirname "$0")/.." || exit 1
primary=${1:?usage: pgbouncer_start.sh PRIMARY_STATE DIR [POOL]}
dir=${2:?usage: pgbouncer_start.sh PRIMARY_STATE DIR [POOL]}
pool=${3:-2}
state=${DORM_PGB_STATE:?set DORM_PGB_STATE to the PgBouncer state file}
bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[[ -x $bin ]] || { echo "pgbouncer_start.sh: pgbouncer not found; install the pgbouncer package (scripts/deps.sh)" >&2; exit 1; }
[[ -f $primary ]] || { echo "pgbouncer_start.sh: no server state in $primary" >&2; exit 1; }
PGOWNER=$(sed -n 's/^PGOWNER=//p' "$primary")
purl=$(sed -n 's/^URL=//p' "$primary")
psock=$(sed -e 's/.*host=\([^&]*\).*/\1/' <<<"$purl")
pport=$(sed -e 's/.*port=\([0-9]*\).*/\1/' <<<"$purl")
as_owner=()
[[ -n $PGOWNER ]] && as_owner=(runuser -u "$PGOWNER" --)

[[ -f $state ]] && DORM_PGB_STATE=$state scripts/pgbouncer_stop.sh >/dev/null 2>&1 || true
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if { [[ ${#as_owner[@]} -gt 0 ]] && ! "${as_owner[@]}" test -x "$dir"; } || [[ ${#dir} -gt 80 ]]; then
    rmdir "$dir" 2>/dev/null || true
    dir=$(mktemp -d /tmp/dorm-pgb.XXXXXX)
fi
rm -rf "$dir/sock"
mkdir -p "$dir/sock"
port=$((pport + 10))
echo '"dorm" ""' >"$dir/users.txt"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$psock port=$pport
[pgbouncer]
listen_addr =
listen_port = $port
unix_socket_dir = $dir/sock
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
[[ -n $PGOWNER ]] && chown -R "$PGOWNER" "$dir"
echo "PGBDIR=$dir" >"$state"
if ! timeout 30 "${as_owner[@]}" "$bin" -d -q "$dir/pgbouncer.ini"; then
    cat "$dir/pgbouncer.log" >&2 2>/dev/null || true
    exit 1
fi
# The socket file appears at bind(), before PgBouncer listens on it: a
# client in between is refused.  Ready means pg_isready got an answer (0
# accepting, 1 rejecting), not merely that the file exists.
PGBIN=$(sed -n 's/^PGBIN=//p' "$primary")
ready=2
for _ in $(seq 100); do
    if [[ -S $dir/sock/.s.PGSQL.$port ]]; then
        ready=0
        "$PGBIN/pg_isready" -q -h "$dir/sock" -p "$port" -d dorm_test -U dorm -t 2 || ready=$?
        [[ $ready -le 1 ]] && break
    fi
    sleep 0.1
done
[[ $ready -le 1 ]] || { echo "pgbouncer_start.sh: PgBouncer not accepting on $dir/sock after 10 s" >&2; cat "$dir/pgbouncer.log" >&2; exit 1; }
url="postgres:///dorm_test?host=$dir/sock&port=$port&user=dorm&prepare=0"
echo "URL=$url" >>"$state"
echo "$url"
